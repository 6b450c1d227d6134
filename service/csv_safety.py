"""CSV files the service writes never carry a formula a spreadsheet would run.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
spreadsheet software (CSV injection). Every text cell is written through `neutralise`, which
prefixes such a cell with a quote; numbers are written as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as it is safe to write: text starting like a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose rows go through `neutralise`."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        """Write one row, every cell neutralised."""
        return self._writer.writerow([neutralise(cell) for cell in row])


__all__ = ["FORMULA_STARTS", "SafeWriter", "neutralise"]
