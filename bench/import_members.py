"""Bulk import through the HTTP API: 5,000 generated profiles in one `POST /api/import/members`.

Prints the median time of a few runs on SQLite (and PostgreSQL when
PASSERELLE_TEST_DATABASE_URL is set), next to a baseline measured in the same run: the same
rows only validated (msgspec) without touching the database.

    python bench/import_members.py [--rows 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import create_async_engine

from service.accounts.passwords import hash_password
from service.app import create_app
from service.db.models import Account, Member
from service.imports.validation import validate_rows
from service.members.schemas import MemberCreate
from service.reference import REGIONS
from service.settings import Settings
from tests.postgres import reset_postgres

NEEDS = [
    "Mes agents décrochent depuis qu'on alterne présentiel et télétravail",
    "Les services ne se parlent pas, chacun reste dans son silo",
    "Nos usagers abandonnent le formulaire en ligne avant la fin",
    "Je dois lancer un budget participatif et je ne sais pas par où commencer",
    "On a des données partout mais personne ne s'en sert pour décider",
]
OFFERS = [
    "Animation d'ateliers d'intelligence collective",
    "Management hybride, rituels d'équipe à distance",
    "Design de services publics centré usagers",
    "Codéveloppement professionnel",
]
TYPES = ["commune", "intercommunalite", "departement", "region", "etat", "association"]


def generate_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` plausible profiles with unique emails."""
    rng = random.Random(seed)
    return [
        {
            "email": f"agent{i}@collectivite{i % 97}.fr",
            "display_name": f"Agent {i}",
            "role": rng.choice(["member"] * 8 + ["coach", "trainer"]),
            "job_title": rng.choice(["DGS", "Chargée de mission innovation", "Agent d'accueil"]),
            "organization": f"Collectivité {i % 97}",
            "organization_type": rng.choice(TYPES),
            "region": rng.choice(REGIONS),
            "network_level": rng.choice(["local", "regional", "national"]),
            "bio": "Agent territorial curieux des démarches d'innovation publique.",
            "offers": rng.sample(OFFERS, rng.randint(0, 2)),
            "needs": rng.sample(NEEDS, rng.randint(1, 3)),
            "capacity": rng.randint(0, 5),
            "tools": rng.sample(["e_communautes", "linkedin", "wiki"], rng.randint(0, 3)),
            "consent": True,
        }
        for i in range(count)
    ]


async def _animator_token(url: str, client: AsyncTestClient[Any]) -> dict[str, str]:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(lambda _: None)
    from sqlalchemy.ext.asyncio import async_sessionmaker

    async with async_sessionmaker(engine)() as session:
        account = Account(
            email="bench@passerelle.fr", password_hash=hash_password("0123456789"), role="animator"
        )
        session.add(Member(account=account, display_name="Bench"))
        await session.commit()
    await engine.dispose()
    response = await client.post(
        "/api/auth/token", json={"email": "bench@passerelle.fr", "password": "0123456789"}
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def time_import(url: str, rows: list[dict[str, Any]], data_dir: Path) -> float:
    """Seconds for one all-or-nothing import of `rows` into an empty database at `url`."""
    if url.startswith("postgresql"):
        await reset_postgres(url)
    app = create_app(Settings(database_url=url, data_dir=data_dir, secret_key="b" * 48))
    async with AsyncTestClient(app=app, timeout=600) as client:
        headers = await _animator_token(url, client)
        start = time.perf_counter()
        response = await client.post("/api/import/members", headers=headers, json=rows)
        elapsed = time.perf_counter() - start
    body = response.json()
    if response.status_code != 200 or body["created"] != len(rows):
        raise SystemExit(f"import failed: {response.status_code} {str(body)[:300]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = generate_rows(args.rows)

    baseline = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        valid, errors = validate_rows(rows, MemberCreate)
        baseline.append(time.perf_counter() - start)
        assert len(valid) == len(rows) and not errors

    targets = {"sqlite": None}
    if os.environ.get("PASSERELLE_TEST_DATABASE_URL"):
        targets["postgresql"] = os.environ["PASSERELLE_TEST_DATABASE_URL"]
    print(
        f"Import of {args.rows} profiles in one POST /api/import/members (median of {args.repeat})"
    )
    print(f"{'database':<12}{'median s':>10}{'rows/s':>10}{'x validation only':>20}")
    base = statistics.median(baseline)
    print(f"{'(validate)':<12}{base:>10.3f}{args.rows / base:>10.0f}{1.0:>20.1f}")
    for name, url in targets.items():
        times = []
        for run in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                db_url = url or f"sqlite+aiosqlite:///{tmp}/bench{run}.db"
                times.append(asyncio.run(time_import(db_url, rows, Path(tmp))))
        median = statistics.median(times)
        print(f"{name:<12}{median:>10.3f}{args.rows / median:>10.0f}{median / base:>20.1f}")


if __name__ == "__main__":
    main()
