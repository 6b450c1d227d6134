"""Row-by-row validation of a bulk payload, collecting every error with its index and field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

_PATH = re.compile(r" - at `\$(?:\.(?P<field>[A-Za-z_]+))?(?P<rest>[^`]*)`$")
_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `(?P<field>[^`]+)`")
_MISSING_FIELD = re.compile(r"Object missing required field `(?P<field>[^`]+)`")
_PREFIXED = re.compile(r"^(?P<field>[a-z_]+): (?P<message>.+)$", re.S)


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
    for pattern in (_UNKNOWN_FIELD, _MISSING_FIELD):
        found = pattern.search(text)
        if found:
            field = found.group("field")
    prefixed = _PREFIXED.match(text)
    if prefixed and field is None:
        field, text = prefixed.group("field"), prefixed.group("message")
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
