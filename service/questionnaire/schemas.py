"""Questionnaire, response, import and dashboard schemas: the JSON field names are the contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

QuestionKind = Literal["single", "multiple", "text", "scale"]
ProfileTarget = Literal[
    "network_level", "tools", "needs", "offers", "region", "organization_type", "capacity", "topics"
]
Key = Annotated[str, Meta(pattern=r"^[a-z0-9_]{1,60}$", description="Stable identifier")]
Label = Annotated[str, Meta(min_length=1, max_length=300)]
ChoiceValue = Annotated[str, Meta(min_length=1, max_length=80)]
AnswerValue = str | int | list[str]
"""One answer: a choice value (`single`), choice values (`multiple`), text, or an integer."""


class Choice(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One possible answer: a stable `value` and the French `label` members read."""

    value: ChoiceValue
    label: Label


class Question(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One question; `maps_to` names the profile field its answer updates, if any.

    `usage_of` marks a question saying what a tool is used for; `scale_min`/`scale_max` bound
    a `scale` answer. Texts mapped to needs or offers hold one item per line.
    """

    key: Key
    label: Label
    kind: QuestionKind
    choices: list[Choice] = msgspec.field(default_factory=list)
    required: bool = False
    maps_to: ProfileTarget | None = None
    usage_of: str | None = None
    scale_min: int = 0
    scale_max: int = 5


class QuestionnaireCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new version: its questions, checked for consistency by the service."""

    title: Label
    questions: Annotated[list[Question], Meta(min_length=1, max_length=100)]


class QuestionnaireRead(msgspec.Struct, kw_only=True):
    """A version of the questionnaire; `closed_at` set once it no longer takes answers."""

    version: int
    title: str
    questions: list[Question]
    created_at: datetime
    closed_at: datetime | None


class ResponseWrite(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A member's answers, keyed by question key."""

    answers: dict[str, AnswerValue]


class ResponseRead(msgspec.Struct, kw_only=True):
    """A stored response."""

    version: int
    member_id: int
    answers: dict[str, AnswerValue]
    source: str
    created_at: datetime
    updated_at: datetime


class ImportRowError(msgspec.Struct, kw_only=True):
    """One refused row: its line in the file (1 = header), the column and what is wrong."""

    line: int
    column: str | None
    message: str


class ResponsesImportReport(msgspec.Struct, kw_only=True):
    """What an import did (or would do, on a dry run)."""

    version: int
    rows: int = 0
    members_created: int = 0
    members_updated: int = 0
    responses_created: int = 0
    responses_updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    ignored_columns: list[str] = msgspec.field(default_factory=list)
    errors: list[ImportRowError] = msgspec.field(default_factory=list)


class JsonImportRow(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One row of a JSON import: the member and their answers keyed by question key."""

    email: str
    display_name: str | None = None
    organization: str | None = None
    job_title: str | None = None
    consent: bool | None = None
    answers: dict[str, AnswerValue] = msgspec.field(default_factory=dict)


class JsonImport(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`POST /api/import/responses` with a JSON body."""

    rows: list[JsonImportRow]


Count = int | Literal["<5"]
"""A count of respondents; below 5 it is reported as `"<5"` so no one can be singled out."""


class Breakdown(msgspec.Struct, kw_only=True):
    """Counts per category within one group (`group` is null for the whole population)."""

    group: str | None
    n: Count
    counts: dict[str, Count]


class ToolUsage(msgspec.Struct, kw_only=True):
    """How many respondents use a tool, and their share of the respondents (null if masked)."""

    tool: str
    n: Count
    share: float | None


class CoUsage(msgspec.Struct, kw_only=True):
    """`counts[i][j]`: respondents using both `tools[i]` and `tools[j]` (the diagonal: each)."""

    tools: list[str]
    counts: list[list[Count]]


class TermCount(msgspec.Struct, kw_only=True):
    """A frequent word in the needs, and how many respondents used it."""

    term: str
    n: Count


class NetworkLevelFigures(msgspec.Struct, kw_only=True):
    """Desired network level overall, by region and by organisation type."""

    overall: Breakdown
    by_region: list[Breakdown]
    by_organization_type: list[Breakdown]


class ToolFigures(msgspec.Struct, kw_only=True):
    """Tool usage, co-usage and what each tool is used for."""

    n: Count
    usage: list[ToolUsage]
    co_usage: CoUsage
    purposes: list[Breakdown]


class ThemeCount(msgspec.Struct, kw_only=True):
    """A demand theme (cluster) and how many respondents have a need in it."""

    cluster_id: int
    label: str
    n: Count


class NeedsFigures(msgspec.Struct, kw_only=True):
    """Respondents' needs: the demand themes they fall in (`source: "clusters"`), and the most
    frequent terms (only terms used by 5 people or more)."""

    n: Count
    source: Literal["terms", "clusters"]
    top_terms: list[TermCount]
    themes: list[ThemeCount] = msgspec.field(default_factory=list)


class CoachFigures(msgspec.Struct, kw_only=True):
    """Respondents ready to accompany others (capacity above zero), overall and by region."""

    n: Count
    willing: Count
    by_region: list[Breakdown]


class Expectations(msgspec.Struct, kw_only=True):
    """Every figure of the expectations dashboard for one questionnaire version."""

    version: int
    respondents: Count
    network_level: NetworkLevelFigures
    tools: ToolFigures
    needs: NeedsFigures
    coaches: CoachFigures
