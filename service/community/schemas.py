"""JSON shapes of the public page (aggregates only: no name, no e-mail, no need text)."""

from __future__ import annotations

from datetime import datetime

import msgspec

Count = int | str
"""A count, or « <5 » when it is below 5 (so that nobody can be singled out)."""


class Cell(msgspec.Struct, kw_only=True):
    """One group and its count."""

    key: str
    label: str
    count: Count


class MembersFigures(msgspec.Struct, kw_only=True):
    """Members by region and by the network level they wish for."""

    total: Count
    by_region: list[Cell]
    by_network_level: list[Cell]


class DemandTheme(msgspec.Struct, kw_only=True):
    """Open needs of a theme, and their trend: needs written in the last 30 days against the
    30 days before (`trend`: hausse, baisse, stable; null when both are below 5)."""

    theme: str | None
    theme_name: str
    needs: Count
    members: Count
    last_30_days: Count
    previous_30_days: Count
    trend: str | None
    covered: bool


class ProposalFigures(msgspec.Struct, kw_only=True):
    """An incubator proposal: its status (open, adopted, module published) and interest."""

    id: int
    title: str
    theme_name: str | None
    status: str
    status_label: str
    demand_members: Count
    interest: Count
    mine: bool = False


class LibraryFigures(msgspec.Struct, kw_only=True):
    """Sheets published and lessons shared, overall and by theme."""

    sheets: Count
    lessons: Count
    by_theme: list[Cell]


class CatalogueFigures(msgspec.Struct, kw_only=True):
    """Published modules, and the themes they cover."""

    published_modules: Count
    themes_covered: list[Cell]


class PublicCommunity(msgspec.Struct, kw_only=True):
    """`GET /api/public/community`: open data, under `licence`."""

    generated_at: datetime
    licence: str
    licence_url: str
    members: MembersFigures
    demand: list[DemandTheme]
    catalogue: CatalogueFigures
    proposals: list[ProposalFigures]
    library: LibraryFigures
    tools: list[Cell]
