"""JSON shapes of the theme endpoints (field names are the contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from matching.taxonomy import OFF_TOPIC, load_taxonomy

ThemeId = Literal[(*load_taxonomy().ids, OFF_TOPIC)]  # type: ignore[valid-type]
"""A theme id of the taxonomy, or `hors_themes`."""


class ThemeRead(msgspec.Struct, kw_only=True):
    """A theme of the taxonomy as people see it."""

    id: str
    name: str
    family: str
    family_name: str
    description: str
    objectives: list[str]


class NeedThemeUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """`PUT /api/needs/{id}/theme`: the theme an animator sets (`hors_themes`: none fits;
    null: give the need back to the model)."""

    theme: ThemeId | None


class NeedThemeRead(msgspec.Struct, kw_only=True):
    """A need's theme after a correction."""

    need_id: int
    theme: str | None
    theme_name: str | None
    corrected: bool


class RefitRead(msgspec.Struct, kw_only=True):
    """A decision on refitting the model with the community's examples."""

    run_id: int
    examples: int
    guard_accuracy: float
    reference_accuracy: float
    accepted: bool


class ModelRead(msgspec.Struct, kw_only=True):
    """The theme model this worker uses, and the last refit decision it saw."""

    version: str
    examples: int
    guard_accuracy: float
    min_confidence: float
    themes: int
    last_refit: RefitRead | None
    checked_at: datetime | None = None
