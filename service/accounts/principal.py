"""Who is calling: the authenticated principal attached to each request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Principal:
    """The account behind a request and the member profile it owns."""

    account_id: int
    member_id: int
    role: str
    token_id: int | None = None
    token_expires_at: datetime | None = None

    @property
    def is_animator(self) -> bool:
        """Animators administer the community."""
        return self.role == "animator"

    def may_manage(self, member_id: int) -> bool:
        """True for the member themself and for animators."""
        return self.is_animator or self.member_id == member_id
