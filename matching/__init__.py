"""Passerelle's matching engine: pure numpy / scipy / scikit-learn, no web, no database."""

from matching.errors import InvalidInputError, MatchingError, NotFittedError, UnknownMemberError

__all__ = ["InvalidInputError", "MatchingError", "NotFittedError", "UnknownMemberError"]
