"""The list envelope every list endpoint answers with, and its `limit`/`offset` parameters."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10**9

LimitParam = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size (at most {MAX_LIMIT}).")
]
OffsetParam = Annotated[
    int, QueryParameter(ge=0, le=MAX_OFFSET, description="Number of items to skip.")
]


class Page(msgspec.Struct, Generic[T]):
    """`{"items": [...], "total", "limit", "offset"}`."""

    items: list[T]
    total: int
    limit: int
    offset: int
