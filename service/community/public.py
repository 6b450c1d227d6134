"""The community's figures in public (`/communaute`, `GET /api/public/community[.csv]`).

Aggregates only: counts of members by region and network level, open needs by theme (with
their trend over 30 days), what the catalogue covers, incubator proposals (status and
interest), sheets and shared lessons, the tools members use. Every count below
`MIN_SHOWN` is « <5 »; no name, e-mail or need text is ever part of it. Published as open data
under the Licence Ouverte / Open Licence 2.0 (Etalab).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.themes import ThemeModel
from service.accounts.principal import Principal
from service.community.schemas import (
    CatalogueFigures,
    Cell,
    Count,
    DemandTheme,
    LibraryFigures,
    MembersFigures,
    ProposalFigures,
    PublicCommunity,
)
from service.csv_safety import SafeWriter
from service.db.models import Lesson, Member, ModuleProposal, Need, Practice, TrainingModule, utcnow
from service.training import incubator, proposal_interest
from service.training.cache import TrainingCache
from service.training.demand import compute_demand

MIN_SHOWN = 5
MASKED = "<5"
LICENCE = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
LEVELS = {"local": "Local", "regional": "Régional", "national": "National"}
TOOLS = {
    "e_communautes": "e-Communautés",
    "linkedin": "LinkedIn",
    "wiki": "Wiki de la communauté",
    "autre": "Autre outil",
}
STATUS_LABELS = {
    "open": "ouverte",
    "adopted": "adoptée",
    "published": "module publié",
}
OFF_THEME = "Hors thèmes"
WINDOW = timedelta(days=30)


def masked(n: int) -> Count:
    """`n`, or « <5 » below `MIN_SHOWN` (zero included)."""
    return n if n >= MIN_SHOWN else MASKED


def _cells(counts: Counter[str], labels: dict[str, str] | None = None) -> list[Cell]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [
        Cell(key=key, label=(labels or {}).get(key, key), count=masked(n)) for key, n in ordered
    ]


def _trend(recent: int, before: int) -> str | None:
    if recent < MIN_SHOWN and before < MIN_SHOWN:
        return None
    if recent > before * 1.2:
        return "hausse"
    if recent < before * 0.8:
        return "baisse"
    return "stable"


async def _members(session: AsyncSession) -> tuple[MembersFigures, list[Cell]]:
    rows = (await session.execute(select(Member.region, Member.network_level, Member.tools))).all()
    regions = Counter(region or "Non renseignée" for region, _, _ in rows)
    levels = Counter(level or "national" for _, level, _ in rows)
    tools: Counter[str] = Counter()
    for _, _, used in rows:
        tools.update(set(used or []))
    figures = MembersFigures(
        total=masked(len(rows)),
        by_region=_cells(regions),
        by_network_level=_cells(levels, LEVELS),
    )
    return figures, _cells(tools, TOOLS)


async def _demand(
    session: AsyncSession, cache: TrainingCache
) -> tuple[list[DemandTheme], list[ProposalFigures] | None]:
    snapshot = await compute_demand(session, cache)
    names = cache.themes.current.model.names_
    ids = [row.need.id for row in snapshot.rows]
    created = (
        dict(
            (await session.execute(select(Need.id, Need.created_at).where(Need.id.in_(ids)))).all()
        )
        if ids
        else {}
    )
    now = utcnow()
    needs: Counter[str | None] = Counter()
    members: dict[str | None, set[int]] = {}
    recent: Counter[str | None] = Counter()
    before: Counter[str | None] = Counter()
    for row, theme in zip(snapshot.rows, snapshot.themes, strict=True):
        needs[theme] += 1
        members.setdefault(theme, set()).add(row.need.member_id)
        at = created.get(row.need.id)
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=now.tzinfo)
        if at is not None and at >= now - WINDOW:
            recent[theme] += 1
        elif at is not None and at >= now - 2 * WINDOW:
            before[theme] += 1
    covered = {
        group.theme
        for group in snapshot.result.groups
        if group.theme is not None
        and snapshot.coverage.get(group.id) is not None
        and snapshot.coverage[group.id].covered
    }
    result = [
        DemandTheme(
            theme=theme,
            theme_name=names.get(theme, OFF_THEME) if theme else OFF_THEME,
            needs=masked(n),
            members=masked(len(members[theme])),
            last_30_days=masked(recent[theme]),
            previous_30_days=masked(before[theme]),
            trend=_trend(recent[theme], before[theme]),
            covered=theme in covered,
        )
        for theme, n in sorted(needs.items(), key=lambda kv: (-kv[1], str(kv[0])))
    ]
    return result, None


async def _catalogue(session: AsyncSession, cache: TrainingCache) -> CatalogueFigures:
    recommender = await cache.fitted(session)
    names = cache.themes.current.model.names_
    themes: Counter[str] = Counter()
    published = 0
    if recommender is not None:
        for module, module_themes in zip(
            recommender.modules_, recommender.module_themes_, strict=True
        ):
            if module.is_open:
                published += 1
                themes.update(module_themes)
    else:
        published = len(
            list(
                await session.scalars(
                    select(TrainingModule.id).where(TrainingModule.status == "published")
                )
            )
        )
    return CatalogueFigures(
        published_modules=masked(published), themes_covered=_cells(themes, names)
    )


async def _proposals(
    session: AsyncSession, cache: TrainingCache, viewer: Principal | None
) -> list[ProposalFigures]:
    await incubator.refresh_proposals(session, cache)
    rows = list(
        await session.scalars(
            select(ModuleProposal).where(ModuleProposal.status.in_(("open", "adopted")))
        )
    )
    ids = [row.id for row in rows]
    counts = await proposal_interest.counts(session, ids)
    own = await proposal_interest.mine(session, viewer.member_id, ids) if viewer else {}
    modules = {
        m.id: m.status
        for m in await session.scalars(
            select(TrainingModule).where(
                TrainingModule.id.in_([r.module_id for r in rows if r.module_id])
            )
        )
    }
    rows.sort(
        key=lambda r: (r.status != "open", -proposal_interest.weight(r, counts.get(r.id, 0)), r.id)
    )
    names = cache.themes.current.model.names_
    found = []
    for row in rows:
        status = row.status
        if status == "adopted" and modules.get(row.module_id or "") == "published":
            status = "published"
        members = row.demand.get("members", 0) if isinstance(row.demand, dict) else 0
        found.append(
            ProposalFigures(
                id=row.id,
                title=row.title,
                theme_name=names.get(row.theme) if row.theme else None,
                status=status,
                status_label=STATUS_LABELS[status],
                demand_members=masked(int(members) if isinstance(members, int) else 0),
                interest=masked(counts.get(row.id, 0)),
                mine=row.id in own,
            )
        )
    return found


async def _library(session: AsyncSession, model: ThemeModel) -> LibraryFigures:
    themes = list(
        await session.scalars(select(Practice.themes).where(Practice.status == "published"))
    )
    lessons = list(
        await session.execute(select(Lesson.need_text, Lesson.text).where(Lesson.shared.is_(True)))
    )
    by_theme: Counter[str] = Counter()
    for sheet_themes in themes:
        by_theme.update(set(sheet_themes or []))
    if lessons:
        read = model.best_themes(model.distributions([f"{n}\n{t}" for n, t in lessons]))
        by_theme.update(theme for theme in read if theme)
    return LibraryFigures(
        sheets=masked(len(themes)),
        lessons=masked(len(lessons)),
        by_theme=_cells(by_theme, model.names_),
    )


async def community_figures(
    session: AsyncSession, cache: TrainingCache, viewer: Principal | None = None
) -> PublicCommunity:
    """Every public figure of the community, masked (see the module docstring)."""
    members, tools = await _members(session)
    demand, _ = await _demand(session, cache)
    return PublicCommunity(
        generated_at=utcnow(),
        licence=LICENCE,
        licence_url=LICENCE_URL,
        members=members,
        demand=demand,
        catalogue=await _catalogue(session, cache),
        proposals=await _proposals(session, cache, viewer),
        library=await _library(session, cache.themes.current.model),
        tools=tools,
    )


CSV_HEADER = ("figure", "group", "category", "count")
CSV_HEADER_FR = ("indicateur", "groupe", "catégorie", "effectif")


def to_csv(figures: PublicCommunity, keys: bool = False) -> str:
    """The figures as CSV rows `indicateur,groupe,catégorie,effectif` (with `keys`: the machine
    keys `figure,group,category,count`); the open licence in the first row."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER if keys else CSV_HEADER_FR)
    writer.writerow(("licence", "", f"{figures.licence} {figures.licence_url}", ""))

    def cells(figure: str, group: str, items: Iterable[Cell]) -> None:
        for cell in items:
            writer.writerow((figure, group, cell.label, cell.count))

    writer.writerow(("members", "total", "", figures.members.total))
    cells("members", "region", figures.members.by_region)
    cells("members", "network_level", figures.members.by_network_level)
    for theme in figures.demand:
        writer.writerow(("demand_needs", "theme", theme.theme_name, theme.needs))
        writer.writerow(("demand_members", "theme", theme.theme_name, theme.members))
        writer.writerow(("demand_last_30_days", "theme", theme.theme_name, theme.last_30_days))
        writer.writerow(
            ("demand_previous_30_days", "theme", theme.theme_name, theme.previous_30_days)
        )
        writer.writerow(("demand_trend", "theme", theme.theme_name, theme.trend or ""))
    writer.writerow(("catalogue_modules", "total", "", figures.catalogue.published_modules))
    cells("catalogue_modules", "theme", figures.catalogue.themes_covered)
    for proposal in figures.proposals:
        writer.writerow(
            ("proposal_interest", proposal.status_label, proposal.title, proposal.interest)
        )
    writer.writerow(("library_sheets", "total", "", figures.library.sheets))
    writer.writerow(("library_lessons", "total", "", figures.library.lessons))
    cells("library", "theme", figures.library.by_theme)
    cells("tools", "tool", figures.tools)
    return out.getvalue()
