"""Errors raised by the training catalogue and the incubator.

Hierarchy::

    CatalogueError
    ├── InvalidModuleError      one module record breaks a rule (carries `field` and `index`)
    ├── CatalogueLoadError      the catalogue file is unreadable or holds invalid records
    │                           (carries every `InvalidModuleError` found, not just the first)
    └── InvalidProposalError    an incubator proposal cannot become a module

`catalogue` never raises HTTP errors: the service maps these to responses in one place.
"""

from __future__ import annotations

from collections.abc import Sequence


class CatalogueError(Exception):
    """Base class of every error raised by `catalogue`."""


class InvalidModuleError(CatalogueError, ValueError):
    """Raised when a module record is invalid; `field` names the offending field.

    `index` is the position of the record in the catalogue file when it came from one.
    """

    def __init__(self, field: str, message: str, index: int | None = None) -> None:
        super().__init__(field, message, index)
        self.field = field
        self.message = message
        self.index = index

    def __str__(self) -> str:
        where = f"module #{self.index}: " if self.index is not None else ""
        return f"{where}field `{self.field}`: {self.message}"


class CatalogueLoadError(CatalogueError):
    """Raised when the catalogue file cannot be read or holds invalid modules."""

    def __init__(self, message: str, errors: Sequence[InvalidModuleError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = tuple(errors)

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        lines = "\n".join(f"  - {error}" for error in self.errors)
        return f"{self.message}\n{lines}"


class InvalidProposalError(CatalogueError, ValueError):
    """Raised when an incubator proposal lacks what a draft module needs."""
