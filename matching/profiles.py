"""The records the engine works on: a member as plain data, and a scored match.

The service builds `MemberProfile` values from its database; the engine never sees anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

NETWORK_LEVELS = ("local", "regional", "national")
ROLES = ("member", "coach", "trainer", "animator")
COACH_ROLES = ("coach", "trainer")
"""Roles that accompany other members (coaches and trainers of the training body)."""


@dataclass(frozen=True, slots=True)
class Need:
    """One open need of a member, in the member's own words.

    `theme` is set when a person (an animator) corrected the theme the model read in it.
    """

    id: int
    text: str
    theme: str | None = None


@dataclass(frozen=True, slots=True)
class MemberProfile:
    """A consenting member as the engine sees them.

    `capacity` is how many people a coach or trainer will accompany at once; whether they still
    have room is decided by the caller, who passes exclusions at query time. `peer_exchange` says
    whether a member is open to exchanges between peers (not coaching: no capacity involved).
    `available` is False when the member paused suggestions or opted out.
    """

    id: int
    display_name: str
    role: str = "member"
    organization: str = ""
    organization_type: str = "autre"
    region: str | None = None
    network_level: str = "national"
    job_title: str = ""
    bio: str = ""
    offers: tuple[str, ...] = ()
    needs: tuple[Need, ...] = ()
    topics: tuple[str, ...] = ()
    capacity: int = 0
    peer_exchange: bool = True
    available: bool = True

    @property
    def is_coach(self) -> bool:
        """Coaches and trainers accompany members; plain members and animators do not."""
        return self.role in COACH_ROLES


@dataclass(frozen=True, slots=True)
class Match:
    """A ranked candidate with a score in [0, 1] and the French reasons that explain it."""

    member_id: int
    score: float
    reasons: tuple[str, ...] = ()
    matched_need_ids: tuple[int, ...] = field(default=())
