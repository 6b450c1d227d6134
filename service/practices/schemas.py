"""JSON shapes of the library (field names are the contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from catalogue.modules import Audience
from matching.taxonomy import load_taxonomy

PracticeStatus = Literal["draft", "published"]
"""A sheet is a `draft` (its author and animators see it) or `published` (every member)."""
TaxonomyTheme = Literal[tuple(load_taxonomy().ids)]  # type: ignore[valid-type]
"""A theme id of the taxonomy."""
DEFAULT_LICENCE = "CC BY-SA 4.0"

Title = Annotated[str, Meta(min_length=3, max_length=200)]
LongText = Annotated[str, Meta(max_length=4000)]
Step = Annotated[str, Meta(min_length=1, max_length=1000)]
Steps = Annotated[list[Step], Meta(max_length=30)]
Minutes = Annotated[int, Meta(ge=1, le=10080)]
GroupSize = Annotated[str, Meta(max_length=60)]
Licence = Annotated[str, Meta(min_length=1, max_length=80)]
Themes = Annotated[list[TaxonomyTheme], Meta(max_length=6)]
Audiences = Annotated[list[Audience], Meta(max_length=4)]
Comment = Annotated[str, Meta(max_length=500)]

EDITABLE = (
    "title",
    "summary",
    "when_to_use",
    "steps",
    "duration_minutes",
    "group_size",
    "materials",
    "themes",
    "audience",
    "licence",
    "status",
)
"""The fields an edit or a suggestion may change."""


class PracticeRead(msgspec.Struct, kw_only=True):
    """A tool sheet. `author` is the credit shown (the author's name, or the imported page's
    credit); `suggested_themes` what the theme model reads in it (the writer decides)."""

    id: int
    title: str
    summary: str
    when_to_use: str
    steps: list[str]
    duration_minutes: int | None
    group_size: str
    materials: str
    themes: list[str]
    audience: list[str]
    licence: str
    status: str
    author_id: int | None
    author: str
    source: str
    lesson_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    suggested_themes: list[str] = msgspec.field(default_factory=list)


class PracticeCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new sheet; without `themes` the theme model's suggestion is used."""

    title: Title
    summary: LongText = ""
    when_to_use: LongText = ""
    steps: Steps = msgspec.field(default_factory=list)
    duration_minutes: Minutes | None = None
    group_size: GroupSize = ""
    materials: LongText = ""
    themes: Themes | None = None
    audience: Audiences = msgspec.field(default_factory=list)
    licence: Licence = DEFAULT_LICENCE
    status: PracticeStatus = "draft"


class PracticeChanges(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A partial edit (`PATCH`) or a suggestion: only the fields given change.

    `version` is the version the change was made on: an edit of an older version is refused
    (409), so two edits of one version never both land. `comment` says why (in the history).
    """

    title: Title | UnsetType = UNSET
    summary: LongText | UnsetType = UNSET
    when_to_use: LongText | UnsetType = UNSET
    steps: Steps | UnsetType = UNSET
    duration_minutes: Minutes | UnsetType | None = UNSET
    group_size: GroupSize | UnsetType = UNSET
    materials: LongText | UnsetType = UNSET
    themes: Themes | UnsetType = UNSET
    audience: Audiences | UnsetType = UNSET
    licence: Licence | UnsetType = UNSET
    status: PracticeStatus | UnsetType = UNSET
    version: Annotated[int, Meta(ge=1, le=2**31 - 1)] | UnsetType = UNSET
    comment: Comment = ""

    def changes(self) -> dict[str, Any]:
        """The sheet fields that were given."""
        return {name: getattr(self, name) for name in EDITABLE if getattr(self, name) is not UNSET}


class RevisionRead(msgspec.Struct, kw_only=True):
    """One entry of a sheet's history, or a suggestion: who, when, what changed.

    `changes` maps each field to `[before, after]`; for a suggestion still `pending`, `after`
    is what it proposes and `before` the sheet's value now.
    """

    id: int
    practice_id: int
    version: int | None
    status: str
    author_id: int | None
    author: str
    created_at: datetime
    comment: str
    changes: dict[str, list[Any]]
    decided_at: datetime | None = None


class PracticeSuggestionDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Accepting or refusing a suggestion may carry a word for its author."""

    comment: Comment = ""


class PracticeResult(msgspec.Struct, kw_only=True):
    """A sheet recommended for a member's needs, with the reasons in French."""

    practice_id: int
    title: str
    score: float
    reasons: list[str]


class PracticesForMember(msgspec.Struct, kw_only=True):
    """`GET /api/members/{id}/practices`."""

    member_id: int
    results: list[PracticeResult]


class LibraryLesson(msgspec.Struct, kw_only=True):
    """A lesson a member agreed to share after closing a pair, without any name.

    `theme` is the theme the model reads in it (None: « hors thèmes »); `mine` is true for its
    author, who may turn it into a sheet (`practice_id` once done).
    """

    id: int
    text: str
    need: str
    theme: str | None
    theme_name: str | None
    created_at: datetime
    mine: bool = False
    practice_id: int | None = None


class PageReport(msgspec.Struct, kw_only=True):
    """What an import did (or would do) with one page or file."""

    title: str
    outcome: Literal["created", "updated", "unchanged", "skipped", "error"]
    message: str = ""
    practice_id: int | None = None


class PracticeImportReport(msgspec.Struct, kw_only=True):
    """`POST /api/import/practices` and `passerelle import practices`."""

    format: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: int = 0
    pages: list[PageReport] = msgspec.field(default_factory=list)
