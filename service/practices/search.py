"""Full-text search of the library with each database's own engine.

Both engines fold case and accents and reduce French words to their Snowball stem, so
« ecrire » finds « Écrire en langage clair » and « animation » finds « animer »; results are
ranked by relevance, a word of the title weighing more than one of the summary, itself more than
one of the rest (when to use, steps, materials: `Practice.search_body`).

- **PostgreSQL**: `practices.search_vector`, a stored generated `tsvector` over the text search
  configuration `passerelle_fr` (French with `unaccent` before the stemmer), GIN-indexed; the
  database recomputes it in the statement that writes the row. Queries use `plainto_tsquery`
  (every word required) ranked by `ts_rank_cd`.
- **SQLite**: the FTS5 table `practices_fts` (rowid = practice id) holds the text analysed by
  `matching.text.analyze` (folded, stop words out, Snowball French stems), written by
  `sync_index` in the transaction of every save (FTS5 has no French stemmer of its own);
  queries match every stem, ranked by `bm25` with the same column weights.

Nothing here scans with `LIKE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from matching.text import analyze
from service.db.fulltext import FTS_TABLE, PG_VECTOR_COLUMN
from service.db.models import Practice

TITLE_WEIGHT, SUMMARY_WEIGHT, BODY_WEIGHT = 10.0, 4.0, 1.0
MAX_TERMS = 12


def body_text(when_to_use: str, steps: Sequence[str], materials: str) -> str:
    """What `Practice.search_body` holds: everything searched besides title and summary."""
    return "\n".join(part for part in (when_to_use, *steps, materials) if part.strip())


def analysed(value: str) -> str:
    """Text as the SQLite index holds it: folded French stems separated by spaces."""
    return " ".join(analyze(value))


def query_terms(q: str) -> list[str]:
    """The stems a query searches for (at most `MAX_TERMS`, in order, each once)."""
    return list(dict.fromkeys(analyze(q)))[:MAX_TERMS]


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def sync_index(session: AsyncSession, practices: Sequence[Practice]) -> None:
    """Bring the SQLite FTS rows of these (flushed) sheets in line with them; on PostgreSQL the
    generated column already is. Runs in the caller's transaction."""
    if _dialect(session) != "sqlite" or not practices:
        return
    ids = [p.id for p in practices]
    await session.execute(
        text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    )
    await session.execute(
        text(f"INSERT INTO {FTS_TABLE} (rowid, title, summary, body) VALUES (:id, :t, :s, :b)"),
        [
            {
                "id": p.id,
                "t": analysed(p.title),
                "s": analysed(p.summary),
                "b": analysed(p.search_body),
            }
            for p in practices
        ],
    )


async def drop_from_index(session: AsyncSession, ids: Sequence[int]) -> None:
    """Remove deleted sheets from the SQLite index (PostgreSQL: nothing to do)."""
    if _dialect(session) == "sqlite" and ids:
        await session.execute(
            text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": list(ids)},
        )


def fts5_match(terms: Sequence[str]) -> str:
    """An FTS5 query requiring every stem (each quoted: no operator can be injected)."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def ranked(session: AsyncSession, query: Select[Any], q: str) -> tuple[Select[Any], bool]:
    """`query` (over `Practice`) narrowed to the sheets matching `q`, best first.

    Returns the query and whether anything searchable was left in `q` (only stop words: the
    caller answers nothing).
    """
    terms = query_terms(q)
    if not terms:
        return query.where(literal_column("1") == 0), False
    if _dialect(session) == "postgresql":
        # PostgreSQL analyses the words itself (unaccent, French stemmer, stop words)
        words = " ".join(q.split()[: MAX_TERMS * 2])
        tsquery = func.plainto_tsquery(literal_column("'passerelle_fr'::regconfig"), words)
        vector = literal_column(f"practices.{PG_VECTOR_COLUMN}")
        weights = literal_column(
            f"'{{{BODY_WEIGHT / TITLE_WEIGHT}, {BODY_WEIGHT / TITLE_WEIGHT}, "
            f"{SUMMARY_WEIGHT / TITLE_WEIGHT}, 1.0}}'::float4[]"
        )
        rank = func.ts_rank_cd(weights, vector, tsquery)
        narrowed = query.where(vector.op("@@")(tsquery)).order_by(rank.desc(), Practice.id)
        return narrowed, True
    hits = (
        select(
            literal_column("rowid").label("practice_id"),
            literal_column(
                f"bm25({FTS_TABLE}, {TITLE_WEIGHT}, {SUMMARY_WEIGHT}, {BODY_WEIGHT})"
            ).label("score"),
        )
        .select_from(text(FTS_TABLE))
        .where(literal_column(FTS_TABLE).op("MATCH")(fts5_match(terms)))
        .subquery("hits")
    )
    narrowed = query.join(hits, hits.c.practice_id == Practice.id).order_by(
        hits.c.score, Practice.id
    )
    return narrowed, True


async def count_hits(session: AsyncSession, query: Select[Any]) -> int:
    """How many rows a (narrowed) query returns."""
    return int(
        await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    )


__all__ = [
    "analysed",
    "body_text",
    "count_hits",
    "drop_from_index",
    "fts5_match",
    "query_terms",
    "ranked",
    "sync_index",
]
