"""The `limit`/`offset` parameters of every list endpoint.

Lists answer with advanced-alchemy's `OffsetPagination` envelope, `{"items", "limit",
"offset", "total"}`. Its filter dependencies are not used: they name the parameters
`currentPage`/`pageSize`, and `limit`/`offset` are this API's contract.
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10**9

LimitParam = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Page size (at most {MAX_LIMIT}).")
]
OffsetParam = Annotated[
    int, QueryParameter(ge=0, le=MAX_OFFSET, description="Number of items to skip.")
]
