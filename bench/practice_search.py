"""Search latency of the library over 100,000 sheets, on SQLite and PostgreSQL, beside a LIKE scan.

    python bench/practice_search.py [--sheets 100000] [--postgres URL] [--runs 5]

For each database: an empty schema migrated by Alembic, N synthetic sheets written in bulk
(titles, summaries and steps spliced from the taxonomy's methods and vocabulary, so words
repeat as in a real library; the SQLite FTS rows written as the service writes them), then
each query of `QUERIES` run through the service's own search (`list_practices`: every match
counted, the best 20 ranked) and through the baseline in the same run: the same count and first
page with `LIKE '%word%'` on title, summary and the rest (`ILIKE` on PostgreSQL; every word
required). Medians over the queries of the median of `--runs` runs; the ratio is LIKE / FTS.
PostgreSQL: `--postgres` or PASSERELLE_BENCH_DATABASE_URL (a throw-away database: its `public`
schema is dropped).
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

from sqlalchemy import and_, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from matching.taxonomy import load_taxonomy
from service.accounts.principal import Principal
from service.db.migrate import upgrade
from service.db.models import Practice
from service.practices import search
from service.practices.services import list_practices
from tests.postgres import reset_postgres

QUERIES = [
    "animation",
    "ecrire",
    "télétravail",
    "réunion hybride",
    "budget participatif",
    "usagers",
    "cartographie des acteurs",
    "évaluation",
    "marchés publics",
    "sobriété énergétique",
    "codéveloppement",
    "données ouvertes",
]
READER = Principal(account_id=0, member_id=0, role="animator")


def synthetic(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """N sheets made of the taxonomy's phrases (each sheet mostly about one theme)."""
    rng = random.Random(seed)
    themes = load_taxonomy().themes
    rows = []
    for i in range(n):
        theme = themes[i % len(themes)]
        other = rng.choice(themes)
        pool = list(theme.methods) + list(theme.vocabulary)
        steps = [
            f"{rng.choice(pool).capitalize()} avec {rng.choice(other.vocabulary)}"
            for _ in range(rng.randint(3, 6))
        ]
        summary = rng.choice(theme.objectives) + " " + rng.choice(other.objectives)
        title = f"{rng.choice(theme.methods).capitalize()} n° {i}"
        when = f"Quand {rng.choice(theme.vocabulary)} pose question : {theme.description[:160]}"
        rows.append(
            {
                "title": title[:200],
                "summary": summary,
                "when_to_use": when,
                "steps": steps,
                "duration_minutes": rng.choice([30, 60, 90, 120]),
                "group_size": "",
                "materials": "",
                "themes": [theme.id],
                "audience": [],
                "licence": "CC BY-SA 4.0",
                "status": "published",
                "credit": "",
                "source": "written",
                "version": 1,
                "search_body": search.body_text(when, steps, ""),
            }
        )
    return rows


async def seed(url: str, rows: list[dict[str, Any]]) -> float:
    if url.startswith("postgresql"):
        await reset_postgres(url, create_missing=True)
    engine = create_async_engine(url)
    await upgrade(engine)
    start = time.perf_counter()
    async with engine.begin() as connection:
        for i in range(0, len(rows), 5000):
            chunk = rows[i : i + 5000]
            ids = (
                (await connection.execute(insert(Practice).returning(Practice.id), chunk))
                .scalars()
                .all()
            )
            if engine.dialect.name == "sqlite":
                await connection.execute(
                    text("INSERT INTO practices_fts (rowid, title, summary, body) "
                         "VALUES (:id, :t, :s, :b)"),
                    [
                        {"id": pid, "t": search.analysed(r["title"]),
                         "s": search.analysed(r["summary"]), "b": search.analysed(r["search_body"])}
                        for pid, r in zip(ids, chunk, strict=True)
                    ],
                )  # fmt: skip
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE practices"))
    seconds = time.perf_counter() - start
    await engine.dispose()
    return seconds


def like_query(dialect: str, q: str) -> Any:
    words = [w for w in q.split() if len(w) > 2] or q.split()
    fields = (Practice.title, Practice.summary, Practice.search_body)
    per_word = []
    for word in words:
        pattern = f"%{word}%"
        if dialect == "postgresql":
            per_word.append(or_(*[f.ilike(pattern) for f in fields]))
        else:
            per_word.append(or_(*[f.like(pattern) for f in fields]))
    return select(Practice).where(and_(*per_word))


async def timed(url: str, runs: int) -> list[tuple[str, float, float, int, int]]:
    engine = create_async_engine(url)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    results = []
    async with maker() as session:
        dialect = engine.dialect.name
        for q in QUERIES:
            fts_times, like_times = [], []
            for _ in range(runs):
                start = time.perf_counter()
                _, fts_total = await list_practices(session, READER, q=q, limit=20)
                fts_times.append(time.perf_counter() - start)
                start = time.perf_counter()
                query = like_query(dialect, q)
                like_total = await session.scalar(
                    select(func.count()).select_from(query.subquery())
                )
                list(await session.scalars(query.order_by(Practice.title).limit(20)))
                like_times.append(time.perf_counter() - start)
            results.append(
                (q, statistics.median(fts_times) * 1000, statistics.median(like_times) * 1000,
                 fts_total, int(like_total or 0))
            )  # fmt: skip
    await engine.dispose()
    return results


def report(
    name: str, n: int, seeded: float, results: list[tuple[str, float, float, int, int]]
) -> None:
    print(f"\n{name}, {n:,} sheets (written and indexed in {seeded:.1f} s)")
    print(f"{'query':<28}{'FTS ms':>9}{'LIKE ms':>10}{'x':>7}{'FTS hits':>10}{'LIKE hits':>11}")
    for q, fts, like, fts_hits, like_hits in results:
        print(f"{q:<28}{fts:>9.1f}{like:>10.1f}{like / fts:>7.1f}{fts_hits:>10,}{like_hits:>11,}")
    fts_med = statistics.median(r[1] for r in results)
    like_med = statistics.median(r[2] for r in results)
    p_fts = max(r[1] for r in results)
    print(
        f"median over queries: FTS {fts_med:.1f} ms (worst {p_fts:.1f} ms), "
        f"LIKE {like_med:.1f} ms, LIKE / FTS = {like_med / fts_med:.1f}x"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--postgres", default=os.environ.get("PASSERELLE_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    rows = synthetic(args.sheets)
    print(f"Library search: {args.sheets:,} synthetic sheets, {len(QUERIES)} queries, "
          f"median of {args.runs} runs; Python {sys.version.split()[0]}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        seeded = await seed(url, rows)
        report("SQLite (FTS5)", args.sheets, seeded, await timed(url, args.runs))
    if args.postgres:
        seeded = await seed(args.postgres, rows)
        report(
            "PostgreSQL (tsvector + GIN)",
            args.sheets,
            seeded,
            await timed(args.postgres, args.runs),
        )
    else:
        print("\nPostgreSQL skipped: pass --postgres URL or set PASSERELLE_BENCH_DATABASE_URL")


if __name__ == "__main__":
    asyncio.run(main())
