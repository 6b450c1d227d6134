"""Opaque bearer tokens: random, shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "psr_"


def new_token() -> str:
    """A fresh random token (256 bits), as shown to its owner once."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The hash stored in the database; the token itself is never stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
