"""Schemas of matches, match requests and cohort assignment (field names are the contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from service.members.schemas import NO_NUL
from service.params import BodyId

MatchKind = Literal["mentor", "peer"]
RequestStatus = Literal["proposed", "info_requested", "accepted", "declined", "withdrawn", "closed"]
RequestSide = Literal["mentee", "coach"]
Outcome = Literal["completed_early", "completed_on_time", "cancelled"]
Rating = Annotated[int, Meta(ge=1, le=5)]
Message = Annotated[str, Meta(max_length=2000, pattern=NO_NUL)]
Lesson = Annotated[str, Meta(min_length=1, max_length=2000, pattern=NO_NUL)]


class MatchResult(msgspec.Struct, kw_only=True):
    """A proposed person, with a score in [0, 1] and the reasons in French."""

    member_id: int
    display_name: str
    role: str
    organization: str
    region: str | None
    score: float
    reasons: list[str]


class MatchesResponse(msgspec.Struct, kw_only=True):
    """`GET /api/members/{id}/matches`."""

    member_id: int
    kind: MatchKind
    results: list[MatchResult]


class MatchedNeed(msgspec.Struct, kw_only=True):
    """A need of the suggested member that this coach's offers answer."""

    id: int
    text: str


class Suggestion(MatchResult, kw_only=True):
    """A member a coach is well placed to help, with the needs that matched."""

    needs: list[MatchedNeed]


class SuggestionsResponse(msgspec.Struct, kw_only=True):
    """`GET /api/coaches/{id}/suggestions`."""

    coach_id: int
    remaining_capacity: int
    results: list[Suggestion]


class MatchRequestCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Ask a coach (or a peer) to accompany `mentee_id`."""

    mentee_id: BodyId
    coach_id: BodyId
    need_id: BodyId | None = None
    message: Message = ""
    kind: MatchKind = "mentor"

    def __post_init__(self) -> None:
        if self.mentee_id == self.coach_id:
            raise ValueError("coach_id: a member cannot ask themself")


class AskBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The coach asks the mentee for more information before answering."""

    question: Annotated[str, Meta(min_length=1, max_length=2000, pattern=NO_NUL)]


class ReplyBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The mentee's answer to the coach's question."""

    answer: Annotated[str, Meta(min_length=1, max_length=2000, pattern=NO_NUL)]


class DeclineBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Decline, optionally pausing all new suggestions and requests for oneself."""

    reason: Message = ""
    pause: bool = False


class CloseBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Close an accepted pair: outcome, the closer's fit rating, a lesson to share or not."""

    outcome: Outcome
    rating: Rating | None = None
    lesson: Lesson | None = None
    share_lesson: bool = False


class FeedbackBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The other side's fit rating and lesson after closing."""

    rating: Rating | None = None
    lesson: Lesson | None = None
    share_lesson: bool = False


class Contact(msgspec.Struct, kw_only=True):
    """How to reach the other member of an accepted pair (`phone` only if they gave one)."""

    display_name: str
    email: str
    phone: str | None


class MatchRequestRead(msgspec.Struct, kw_only=True):
    """A match request and where it stands.

    `contact`: the other member's name, e-mail and phone, for the two members of an accepted
    pair only (null for any other status and for anybody else, animators included).
    """

    id: int
    kind: MatchKind
    mentee_id: int
    mentee_name: str
    coach_id: int
    coach_name: str
    need_id: int | None
    need_text: str | None
    status: RequestStatus
    message: str
    question: str | None
    answer: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    responded_at: datetime | None
    closed_at: datetime | None
    outcome: Outcome | None
    mentee_rating: int | None
    coach_rating: int | None
    stale: bool
    target_signed_in: bool = True
    """The person asked (`coach_id`) has signed in at least once; if not, the request came
    with their invitation by e-mail (« pas encore connecté·e »)."""
    contact: Contact | None = None


MESSAGE_MAX = 2000


class MessageCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A message to the other member of the pair: trimmed, 1 to 2,000 characters (else 422)."""

    text: Annotated[str, Meta(pattern=NO_NUL, description="1 to 2,000 characters once trimmed")]


class MessageRead(msgspec.Struct, kw_only=True):
    """One message of a pair's thread (`author_id` null once its author erased their account)."""

    id: int
    request_id: int
    author_id: int | None
    author_name: str
    text: str
    created_at: datetime


class CohortPair(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One pair of a plan the animator keeps."""

    mentee_id: Annotated[int, Meta(ge=1)]
    coach_id: Annotated[int, Meta(ge=1)]


class CohortRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Assign every member with an open need to a coach; `dry_run` only shows the plan.

    `pairs` (with `dry_run: false`): only these pairs of the plan are proposed, each checked
    again; the ones no longer possible come back in `unassigned`.
    """

    dry_run: bool = True
    pairs: Annotated[list[CohortPair], Meta(max_length=10000)] | None = None


class CohortAssignment(msgspec.Struct, kw_only=True):
    """One member given to one coach."""

    mentee_id: int
    mentee_name: str
    coach_id: int
    coach_name: str
    score: float
    request_id: int | None = None
    reasons: list[str] = msgspec.field(default_factory=list)


class Unassigned(msgspec.Struct, kw_only=True):
    """A member left without a coach, and why."""

    member_id: int
    display_name: str
    reason: str


class CohortResponse(msgspec.Struct, kw_only=True):
    """The optimal plan (or what was created), beside what a greedy pass would have done."""

    dry_run: bool
    assignments: list[CohortAssignment]
    total_score: float
    members_served: int
    unassigned: list[Unassigned]
    greedy_total_score: float
    greedy_members_served: int
