"""The labelled sets the quality benches score on, and shared loading helpers.

- ``dev-tune`` / ``dev-test``: our own dev set (`tests/data/devset_members.json`), written by the
  team; weights and thresholds are chosen on ``dev-tune`` and ``corpus-guard`` only.
- ``corpus-guard``: the corpus's guard split (never fitted by the theme model): each need
  sentence is a member, each offer sentence a coach; its needs and offers come from different
  authors, so it has the ordinary vocabulary overlap the dev set was written to avoid.
- ``blind-A`` (`tests/data/eval/blind_members.json`): written by an author who saw only the
  theme names and descriptions, in members' words; never used to choose anything.
- ``blind-B`` (`tests/data/eval/blind_jargon.json`): another blind author, short and messy
  notes full of local jargon; never used to choose anything.

In every set, a coach is relevant to a member when the coach's theme is the member's need
theme; two members are relevant peers when their theme sets intersect.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from matching.features import Featurizer
from matching.lexical import fit_lexical
from matching.profiles import MemberProfile, Need
from matching.scoring import MatchConfig
from matching.taxonomy import in_guard_split, load_corpus
from matching.themes import ThemeModel, fit_default_model

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SETS = {
    "dev-tune": (DATA / "devset_members.json", "tune"),
    "dev-test": (DATA / "devset_members.json", "test"),
    "blind-A": (DATA / "eval" / "blind_members.json", None),
    "blind-B": (DATA / "eval" / "blind_jargon.json", None),
}
BLIND = ("blind-A", "blind-B")
TUNE = ("dev-tune", "corpus-guard")
OFF_TOPIC = "hors_themes"


@dataclass(frozen=True)
class LabelledSet:
    """Profiles of one set, each member's theme set, and each member's need theme."""

    name: str
    profiles: list[MemberProfile]
    themes: dict[int, set[str]]
    need_theme: dict[int, str]

    @property
    def coaches(self) -> list[int]:
        return [p.id for p in self.profiles if p.is_coach]

    @property
    def seekers(self) -> list[MemberProfile]:
        """Members with a need in a theme (needs « hors thèmes » have nobody relevant)."""
        return [
            p
            for p in self.profiles
            if not p.is_coach and p.needs and self.need_theme[p.id] != OFF_TOPIC
        ]

    def need_texts(self) -> tuple[list[str], list[str]]:
        """Every need text of the set and its theme (for grouping and recommendation)."""
        texts, labels = [], []
        for p in self.profiles:
            for need in p.needs:
                texts.append(need.text)
                labels.append(self.need_theme[p.id])
        return texts, labels


def load_set(name: str) -> LabelledSet:
    """One of `SETS`, members set to ``national`` (these benches measure text relevance)."""
    if name == "corpus-guard":
        return _guard_set()
    path, split = SETS[name]
    members = json.loads(path.read_text("utf-8"))["members"]
    if split is not None:
        members = [m for m in members if m["split"] == split]
    profiles, themes, need_theme = [], {}, {}
    for m in members:
        profiles.append(
            MemberProfile(
                id=m["id"],
                display_name=m["display_name"],
                role=m["role"],
                organization=m.get("organization", ""),
                organization_type=m.get("organization_type", "autre"),
                region=m.get("region"),
                network_level="national",
                job_title=m.get("job_title", ""),
                bio=m.get("bio", ""),
                offers=tuple(m["offers"]),
                needs=tuple(Need(n["id"], n["text"]) for n in m["needs"]),
                capacity=5,
            )
        )
        themes[m["id"]] = {m["theme"]} | ({m["theme2"]} if m.get("theme2") else set())
        need_theme[m["id"]] = m["theme"]
    return LabelledSet(name, profiles, themes, need_theme)


def _guard_set() -> LabelledSet:
    profiles, themes, need_theme = [], {}, {}
    for k, example in enumerate(e for e in load_corpus() if in_guard_split(e.text)):
        member_id = k + 1
        need = example.kind == "need"
        profiles.append(
            MemberProfile(
                id=member_id,
                display_name=f"Guard {member_id}",
                role="member" if need else "coach",
                offers=() if need else (example.text,),
                needs=(Need(member_id, example.text),) if need else (),
                capacity=5,
            )
        )
        themes[member_id] = {example.theme}
        need_theme[member_id] = example.theme
    return LabelledSet("corpus-guard", profiles, themes, need_theme)


@cache
def default_model() -> ThemeModel:
    """The theme model the service uses with no community examples."""
    return fit_default_model()


def featurizer(config: MatchConfig) -> Featurizer:
    """The service's featurizer for `config` (model and lexical weights fitted once)."""
    return Featurizer(default_model(), _lexical(), config.theme_weight, config.top_themes)


@cache
def _lexical():  # type: ignore[no-untyped-def]
    return fit_lexical()
