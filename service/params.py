"""Request parameter types shared by the controllers, bounded so no value can overflow storage."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar.params import PathParameter, QueryParameter
from msgspec import Meta

MAX_ID = 2**63 - 1

IdPath = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="A positive id.")]
"""A numeric id in the URL path (64-bit, positive)."""

BodyId = Annotated[int, Meta(ge=1, le=MAX_ID)]
"""A numeric id in a JSON body (64-bit, positive)."""

MAX_VERSION = 2**31 - 1

VersionPath = Annotated[
    int, PathParameter(ge=1, le=MAX_VERSION, description="A questionnaire version.")
]
"""A questionnaire version number in the URL path (stored as a 32-bit integer)."""

CsvHeadersQuery = Annotated[
    Literal["fr", "keys"],
    QueryParameter(
        name="headers",
        description="CSV header row: French labels (`fr`, the default) or machine keys (`keys`).",
    ),
]
"""`?headers=keys` for the machine keys in a CSV export's header row (French by default)."""
