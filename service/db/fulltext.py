"""Objects each database's full-text engine owns, which the models do not describe.

The migration `0008` creates them (PostgreSQL: the generated `practices.search_vector` column
and its GIN index; SQLite: the FTS5 table `practices_fts` and the shadow tables FTS5 keeps
beside it). Alembic's comparison of the schema with the models leaves them out
(`include_object`), so autogenerate never proposes to drop them.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "practices_fts"
PG_VECTOR_COLUMN = "search_vector"
PG_VECTOR_INDEX = "ix_practices_search_vector"


def owned_by_search_engine(name: str | None, type_: str, parent: Any = None) -> bool:
    """True for a table, column or index that belongs to a full-text engine."""
    if name is None:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(f"{FTS_TABLE}_")
    if type_ == "column":
        return name == PG_VECTOR_COLUMN and getattr(parent, "name", None) == "practices"
    if type_ == "index":
        return name == PG_VECTOR_INDEX
    return False


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic `include_object` hook: compare everything but the full-text engines' objects."""
    parent = getattr(obj, "table", None)
    return not (reflected and owned_by_search_engine(name, type_, parent))


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic `include_name` hook: do not even reflect the engines' tables."""
    return not (type_ == "table" and owned_by_search_engine(name, type_))
