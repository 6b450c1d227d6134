"""Row-by-row validation of a bulk payload, collecting every error with its index and field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec

from service.errors import field_of_message

T = TypeVar("T")

_PATH = re.compile(r" - at `\$(?:\.(?P<field>[A-Za-z_]+))?(?P<rest>[^`]*)`$")


class RowError(msgspec.Struct, kw_only=True):
    """One invalid row: its position in the payload, the field and what is wrong."""

    index: int
    field: str | None
    message: str


def describe(error: msgspec.ValidationError) -> tuple[str | None, str]:
    """The field a msgspec validation error is about and a readable message."""
    text = str(error)
    field: str | None = None
    match = _PATH.search(text)
    if match:
        field = match.group("field")
        text = text[: match.start()]
    if field is None:
        field, text = field_of_message(text)
    return field, text


def validate_rows(
    rows: Sequence[Any], schema: type[T]
) -> tuple[list[tuple[int, T]], list[RowError]]:
    """Convert each row to `schema`; the valid rows with their index, and every error."""
    valid: list[tuple[int, T]] = []
    errors: list[RowError] = []
    for index, row in enumerate(rows):
        try:
            valid.append((index, msgspec.convert(row, schema)))
        except msgspec.ValidationError as exc:
            field, message = describe(exc)
            errors.append(RowError(index=index, field=field, message=message))
    return valid, errors
