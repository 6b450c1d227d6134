"""Errors raised by the matching engine.

Hierarchy::

    MatchingError
    ├── UnknownMemberError      a member id is not in the index
    ├── NotFittedError          the index is queried before it is built
    └── InvalidInputError       arrays or parameters of the wrong shape or range

`matching` never raises HTTP errors: the service maps these to responses in one place.
"""

from __future__ import annotations


class MatchingError(Exception):
    """Base class of every error raised by `matching`."""


class UnknownMemberError(MatchingError, KeyError):
    """Raised when a member id is not in the index (absent, erased or without consent)."""

    def __init__(self, member_id: int) -> None:
        super().__init__(member_id)
        self.member_id = member_id

    def __str__(self) -> str:
        return f"member {self.member_id} is not in the matching index"


class NotFittedError(MatchingError):
    """Raised when the index is queried or updated before `build` was called."""


class InvalidInputError(MatchingError, ValueError):
    """Raised when arrays or parameters given to the engine have the wrong shape or range."""
