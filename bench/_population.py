"""Synthetic community members for the load and scale benchmarks, from the dev set's vocabulary.

Each synthetic member copies the shape of a dev-set member picked at random (role, job title,
organisation type, how many needs and offers) and gets new texts: every need, offer and bio is
spliced from two dev-set texts of the same kind (the first part of one, the end of another), so
texts are distinct yet keep the dev set's words and its length distribution. Organisations are
named after generated place names, which adds the long tail of rare words a national directory
has. Nothing here is real; it is deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalogue.modules import REGIONS
from matching.profiles import MemberProfile, Need

DEVSET = Path(__file__).resolve().parent.parent / "tests" / "data" / "devset_members.json"
REGION_WEIGHTS = {  # roughly by population; other regions (overseas) weigh 1
    "Auvergne-Rhône-Alpes": 12,
    "Bourgogne-Franche-Comté": 4,
    "Bretagne": 5,
    "Centre-Val de Loire": 4,
    "Grand Est": 8,
    "Hauts-de-France": 9,
    "Île-de-France": 18,
    "Normandie": 5,
    "Nouvelle-Aquitaine": 9,
    "Occitanie": 9,
    "Pays de la Loire": 6,
    "Provence-Alpes-Côte d'Azur": 8,
}
ORGANIZATION_PREFIX = {
    "commune": "Mairie de",
    "intercommunalite": "Communauté de communes de",
    "departement": "Conseil départemental de",
    "region": "Conseil régional de",
    "etat": "Préfecture de",
    "formation": "Délégation CNFPT de",
    "association": "Association des élus de",
    "entreprise": "Coopérative de",
    "autre": "Maison des services de",
}
SYLLABLES = [
    "ber",
    "mon",
    "vil",
    "lac",
    "sau",
    "cha",
    "bro",
    "gny",
    "ros",
    "ver",
    "pel",
    "dun",
    "lan",
    "ker",
    "mar",
    "ter",
    "bou",
    "cor",
    "fon",
    "lou",
    "gar",
    "mes",
    "nan",
    "ries",
    "tou",
    "vau",
    "sal",
    "bel",
    "cas",
    "mir",
]


@dataclass(frozen=True, slots=True)
class _Template:
    role: str
    job_title: str
    organization_type: str
    needs: int
    offers: int
    has_bio: bool


def _place(rng: random.Random) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return ("Saint-" if rng.random() < 0.15 else "") + name.capitalize()


def _splice(rng: random.Random, texts: list[str]) -> str:
    first, second = rng.choice(texts).split(), rng.choice(texts).split()
    cut_a = rng.randint(1, max(1, len(first) - 1))
    cut_b = rng.randint(0, max(0, len(second) - 2))
    return " ".join(first[:cut_a] + second[cut_b:])[:480]


class Population:
    """Draws synthetic members; `rows()` for the HTTP import, `profiles()` for the engine."""

    def __init__(self, seed: int = 0, places: int = 5000) -> None:
        devset = json.loads(DEVSET.read_text(encoding="utf-8"))["members"]
        self._templates = [
            _Template(
                role=m["role"],
                job_title=m["job_title"],
                organization_type=m["organization_type"],
                needs=len(m["needs"]),
                offers=len(m["offers"]),
                has_bio=bool(m["bio"]),
            )
            for m in devset
        ]
        self._needs = [need["text"] for m in devset for need in m["needs"]]
        self._member_offers = [o for m in devset if m["role"] == "member" for o in m["offers"]]
        self._coach_offers = [o for m in devset if m["role"] != "member" for o in m["offers"]]
        self._bios = [m["bio"] for m in devset if m["bio"]]
        self._seed = seed
        place_rng = random.Random(seed + 1)
        self._places = [_place(place_rng) for _ in range(places)]

    def rows(self, count: int, start: int = 0) -> Iterator[dict[str, Any]]:
        """`count` members as `MemberCreate` JSON rows (emails unique by index)."""
        rng = random.Random(self._seed * 1_000_003 + start)
        for i in range(start, start + count):
            template = rng.choice(self._templates)
            coach = template.role in ("coach", "trainer")
            needs = template.needs + (1 if rng.random() < 0.2 else 0)
            offers = template.offers
            offer_pool = self._coach_offers if coach else self._member_offers
            place = rng.choice(self._places)
            yield {
                "email": f"agent{i}@{place.lower()}.fr",
                "display_name": f"Agent {i}",
                "role": template.role,
                "job_title": template.job_title,
                "organization": f"{ORGANIZATION_PREFIX[template.organization_type]} {place}",
                "organization_type": template.organization_type,
                "region": rng.choices(REGIONS, [REGION_WEIGHTS.get(r, 1) for r in REGIONS])[0],
                "network_level": rng.choice(("local", "regional", "national", "national")),
                "bio": _splice(rng, self._bios) if template.has_bio else "",
                "offers": list(dict.fromkeys(_splice(rng, offer_pool) for _ in range(offers))),
                "needs": list(dict.fromkeys(_splice(rng, self._needs) for _ in range(needs))),
                "capacity": rng.randint(1, 5) if coach else rng.choice((0, 0, 1, 2)),
                "consent": True,
            }

    def profiles(self, count: int, start: int = 0) -> Iterator[MemberProfile]:
        """The same members as the engine's `MemberProfile` values (ids from `start + 1`)."""
        need_id = start * 3
        for offset, row in enumerate(self.rows(count, start)):
            needs = []
            for text in row["needs"]:
                need_id += 1
                needs.append(Need(id=need_id, text=text))
            yield MemberProfile(
                id=start + offset + 1,
                display_name=row["display_name"],
                role=row["role"],
                organization=row["organization"],
                organization_type=row["organization_type"],
                region=row["region"],
                network_level=row["network_level"],
                job_title=row["job_title"],
                bio=row["bio"],
                offers=tuple(row["offers"]),
                needs=tuple(needs),
                capacity=row["capacity"],
            )
