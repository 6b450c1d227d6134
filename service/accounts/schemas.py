"""Schemas of the authentication endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from service.members.schemas import NO_NUL, DisplayName, Email, clean_email

Password = Annotated[
    str,
    Meta(
        max_length=256,
        description="At least 12 characters, at least 4 different ones, not a common password, "
        "not built on one's e-mail address, name or « passerelle » (422 naming `password`)",
    ),
]


class RegisterRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Self-registration of a new member."""

    email: Email
    password: Password
    display_name: DisplayName

    def __post_init__(self) -> None:
        self.email = clean_email(self.email)
        self.display_name = self.display_name.strip()
        if not self.display_name:
            raise ValueError("display_name: may not be blank")


class TokenRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Email and password exchanged for a bearer token."""

    email: Annotated[str, Meta(max_length=320, pattern=NO_NUL)]
    password: Annotated[str, Meta(max_length=256)]


class TokenResponse(msgspec.Struct, kw_only=True):
    """A bearer token, shown once: keep it secret."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime | None = None


class InvitationAccept(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Set a password with the single-use token an animator issued."""

    token: Annotated[str, Meta(min_length=10, max_length=200)]
    password: Password
