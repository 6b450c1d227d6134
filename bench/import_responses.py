"""Import of a form export: 50,000 generated responses in one go, then the same file again.

Prints, on SQLite (and PostgreSQL when PASSERELLE_TEST_DATABASE_URL is set), the time of the
first import (members and responses created), of a re-import (nothing changes), next to a
baseline measured in the same run: the same file only read and validated, without a database.

    python bench/import_responses.py [--rows 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.ext.asyncio import async_sessionmaker

from service.db.migrate import upgrade
from service.db.session import make_engine
from service.questionnaire.csv_import import candidates_from_table, read_csv
from service.questionnaire.importer import import_csv
from service.questionnaire.mapping import default_mapping
from service.questionnaire.services import default_definition
from service.reference import REGIONS
from tests.postgres import reset_postgres

LEVELS = ["Local (mon territoire, mon département)", "Régional", "National"]
TYPES = ["Commune", "Intercommunalité", "Département", "Région", "Services de l'État"]
TOOLS = ["e-Communautés", "LinkedIn", "Wiki de la communauté", "Autre outil"]
USAGES = [
    "Faire de la veille",
    "Poser des questions, trouver de l'aide",
    "Faire connaître mes projets",
]
NEEDS = [
    "Mes agents décrochent depuis qu'on alterne présentiel et télétravail",
    "Les services ne se parlent pas, chacun reste dans son silo",
    "Je dois lancer un budget participatif et je ne sais pas par où commencer",
    "On a des données partout mais personne ne s'en sert pour décider",
]
OFFERS = ["Animation d'ateliers d'intelligence collective", "Design de services publics"]


def generate_csv(count: int, seed: int = 11) -> bytes:
    """A form export of `count` rows (UTF-8 with BOM, `;`, multi-line cells) for the default
    mapping."""
    rng = random.Random(seed)
    mapping = default_mapping()
    header = ["Horodateur", *mapping.member.values(), *mapping.answers]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for i in range(count):
        tools = rng.sample(TOOLS, rng.randint(1, 3))
        writer.writerow(
            [
                "12/03/2026 09:14:02",
                f"agent{i}@collectivite{i % 211}.fr",
                f"Agent {i}",
                f"Collectivité {i % 211}",
                "Chargée de mission innovation",
                rng.choice(["Oui", "Non"]),
                rng.choice(LEVELS),
                rng.choice(REGIONS),
                rng.choice(TYPES),
                "; ".join(tools),
                "; ".join(rng.sample(USAGES, 2)) if "e-Communautés" in tools else "",
                "; ".join(rng.sample(USAGES, 2)) if "LinkedIn" in tools else "",
                "",
                "",
                "\n".join(rng.sample(NEEDS, rng.randint(1, 2))),
                rng.choice(["", *OFFERS]),
                rng.choice(["Moins d'une heure", "1 à 3 heures"]),
                "Échanger en binôme entre pairs",
                str(rng.randint(0, 3)),
                "Participation citoyenne, Données publiques",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


async def time_imports(url: str, data: bytes) -> tuple[float, float]:
    """Seconds of the first import and of the re-import of `data` into an empty database."""
    if url.startswith("postgresql"):
        await reset_postgres(url)
    engine = make_engine(url)
    await upgrade(engine)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    times = []
    for expected in ("created", "unchanged"):
        start = time.perf_counter()
        async with sessionmaker() as session:
            report = await import_csv(session, data)
            await session.commit()
        times.append(time.perf_counter() - start)
        done = report.members_created if expected == "created" else report.unchanged
        if done != report.rows or report.errors:
            raise SystemExit(f"unexpected report: {report}")
    await engine.dispose()
    return times[0], times[1]


def time_baseline(data: bytes) -> float:
    """Seconds to read and validate the file without a database."""
    start = time.perf_counter()
    table = read_csv(data)
    candidates, errors, _ = candidates_from_table(
        table, default_mapping(), default_definition().questions
    )
    assert len(candidates) == len(table.rows) and not errors
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    data = generate_csv(args.rows)
    baseline = time_baseline(data)
    targets = {"SQLite": None}
    if os.environ.get("PASSERELLE_TEST_DATABASE_URL"):
        targets["PostgreSQL"] = os.environ["PASSERELLE_TEST_DATABASE_URL"]
    print(f"{args.rows:,} rows, {len(data) / 1e6:.1f} MB")
    print(f"{'database':<11} {'step':<22} {'seconds':>8} {'rows/s':>9} {'x baseline':>11}")
    step = "read + validate only"
    print(f"{'-':<11} {step:<22} {baseline:8.2f} {args.rows / baseline:9,.0f} {1:11.1f}")
    with tempfile.TemporaryDirectory() as folder:
        for name, url in targets.items():
            url = url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            first, again = asyncio.run(time_imports(url, data))
            for step, seconds in (("first import", first), ("re-import (no change)", again)):
                print(
                    f"{name:<11} {step:<22} {seconds:8.2f} {args.rows / seconds:9,.0f}"
                    f" {seconds / baseline:11.1f}"
                )


if __name__ == "__main__":
    main()
