"""Schemas of the catalogue, recommendations, demand clusters and incubator proposals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from catalogue.modules import Audience, Format, Objective, Source, Status, Summary, Title, Topic

ProposalStatus = Literal["open", "adopted", "withdrawn"]
"""Where an incubator proposal stands."""


class ModuleRead(msgspec.Struct, kw_only=True):
    """A training module as the API shows it."""

    id: str
    title: str
    summary: str
    objectives: list[str]
    format: str
    duration_hours: float
    audience: list[str]
    topics: list[str]
    region: str | None
    status: str
    source: str
    created_at: datetime
    updated_at: datetime
    next_session: date | None = None
    interest: int = 0
    """Members who said « Ça m'intéresse » about the module."""


class ModuleUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A partial update; the merged module is validated with every catalogue rule."""

    title: Title | UnsetType = UNSET
    summary: Summary | UnsetType = UNSET
    objectives: Annotated[list[Objective], Meta(min_length=1, max_length=12)] | UnsetType = UNSET
    format: Format | UnsetType = UNSET
    duration_hours: Annotated[float, Meta(gt=0, le=300)] | UnsetType = UNSET
    audience: Annotated[list[Audience], Meta(min_length=1, max_length=4)] | UnsetType = UNSET
    topics: Annotated[list[Topic], Meta(max_length=20)] | UnsetType = UNSET
    region: str | UnsetType | None = UNSET
    status: Status | UnsetType = UNSET
    source: Source | UnsetType = UNSET
    next_session: date | UnsetType | None = UNSET

    def changes(self) -> dict[str, Any]:
        """The fields that were given."""
        return {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if getattr(self, name) is not UNSET
        }


class FollowedCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Record that a member followed a module."""

    module_id: Annotated[str, Meta(min_length=1, max_length=80)]


class TrainingResult(msgspec.Struct, kw_only=True):
    """A recommended module, with the reasons in French."""

    module_id: str
    title: str
    score: float
    reasons: list[str]


class TrainingResponse(msgspec.Struct, kw_only=True):
    """`GET /api/members/{id}/training`."""

    member_id: int
    results: list[TrainingResult]


class ClusterCoverage(msgspec.Struct, kw_only=True):
    """The published module closest to a cluster."""

    module_id: str
    title: str
    score: float


class ClusterNeed(msgspec.Struct, kw_only=True):
    """A need in a cluster (animators only, with `?include=needs`, for moderation).

    `theme` is the theme the need is counted in (None: « hors thèmes »); `theme_corrected` is
    true when an animator set it (`PUT /api/needs/{id}/theme`).
    """

    id: int
    member_id: int
    text: str
    theme: str | None = None
    theme_corrected: bool = False


class SharedLesson(msgspec.Struct, kw_only=True):
    """A lesson learned that its author agreed to share, without any name."""

    text: str
    need: str
    created_at: datetime


class ClusterRead(msgspec.Struct, kw_only=True):
    """A demand theme. Clusters of fewer than 5 distinct members show counts only.

    `kind` is "theme" (every need of a taxonomy theme; `label` is the theme's name),
    "subtheme" (part of a large theme whose needs diverge) or "emerging" (needs « hors
    thèmes » sharing words, labelled by their most telling phrase); `theme` is the theme id.
    """

    id: int
    label: str | None
    top_terms: list[str]
    size: int
    members: int
    previous_size: int | None
    size_change: int | None
    regions: dict[str, int]
    roles: dict[str, int]
    organization_types: dict[str, int]
    coverage: ClusterCoverage | None
    covered: bool
    lessons: list[SharedLesson]
    needs: list[ClusterNeed] | None = None
    kind: str = "theme"
    theme: str | None = None


class ClustersResponse(msgspec.Struct, kw_only=True):
    """`GET /api/demand/clusters`."""

    generated_at: datetime
    clusters: list[ClusterRead]


class ContributorRead(msgspec.Struct, kw_only=True):
    """A coach or trainer whose offers match the cluster: a possible co-designer."""

    member_id: int
    display_name: str
    role: str
    reasons: list[str]


class InterestCommentRead(msgspec.Struct, kw_only=True):
    """A member's comment on a proposal, without any name."""

    comment: str
    created_at: datetime


class ProposalRead(msgspec.Struct, kw_only=True):
    """A module the incubator proposes for an uncovered cluster.

    `interest` counts members who said « Ça m'intéresse »; `comments` are theirs, unnamed.
    """

    id: int
    cluster_id: int
    title: str
    objectives: list[str]
    audience: list[str]
    format: str
    demand: dict[str, Any]
    contributors: list[ContributorRead]
    status: str
    module_id: str | None
    created_at: datetime
    updated_at: datetime
    theme: str | None = None
    interest: int = 0
    comments: list[InterestCommentRead] | None = None
