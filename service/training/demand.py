"""Demand themes: the community's open needs grouped by what they are about, for trainers.

The theme of each need comes from the matching index (the theme model's reading, or the theme
an animator set); needs the index does not hold (those of pending requests that are no longer
open) are read on the spot. `matching.demand.group_needs` groups them (themes, sub-groups of
large diverging themes, emerging groups of needs « hors thèmes »), the previous run's state
keeps ids stable, and `catalogue.incubator.assess_coverage` says which groups the published
catalogue covers. A run is stored whenever the data changed since the last one (the change-log
version); when nothing changed the worker's last computation is served.

Privacy: trainers never see names, emails or need texts; a group with fewer than
`MIN_VISIBLE_MEMBERS` distinct members shows counts only. Animators may ask for the needs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import anyio
import numpy as np
import scipy.sparse as sp
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.incubator import Coverage, DemandNeed, assess_coverage
from catalogue.recommend import audience_for
from matching.demand import DemandResult, PreviousGroup, group_needs
from matching.features import Featurizer, RowText
from matching.themes import ThemeModel
from service.accounts.principal import Principal
from service.db.changes import current_version
from service.db.models import Account, DemandRun, Lesson, MatchRequest, Member, Need, utcnow
from service.matches.exclusions import PENDING
from service.training.cache import TrainingCache, catalogue_version
from service.training.schemas import (
    ClusterCoverage,
    ClusterNeed,
    ClusterRead,
    ClustersResponse,
    SharedLesson,
)

MIN_VISIBLE_MEMBERS = 5
SMALL_CLUSTER_LABEL = "Petit groupe (moins de 5 membres)"


@dataclass(frozen=True)
class NeedRow:
    """One need in the demand, with what the breakdowns count."""

    need: DemandNeed
    role: str
    organization_type: str
    corrected: str | None


@dataclass(frozen=True)
class DemandSnapshot:
    """One grouping of the demand and what trainers see of it."""

    generated_at: datetime
    rows: list[NeedRow]
    themes: list[str | None]
    result: DemandResult
    coverage: dict[int, Coverage]


async def demand_rows(session: AsyncSession) -> list[NeedRow]:
    """Open needs of consenting members, and needs of pending match requests."""
    pending = select(MatchRequest.need_id).where(
        MatchRequest.status.in_(PENDING), MatchRequest.need_id.is_not(None)
    )
    rows = await session.execute(
        select(Need, Member, Account.role)
        .join(Member, Member.id == Need.member_id)
        .join(Account, Account.id == Member.account_id)
        .where(Member.consent.is_(True), or_(Need.status == "open", Need.id.in_(pending)))
        .order_by(Need.id)
    )
    return [
        NeedRow(
            need=DemandNeed(
                id=need.id,
                member_id=member.id,
                text=need.text,
                region=member.region,
                audience=audience_for(member.job_title, role),
            ),
            role=role,
            organization_type=member.organization_type,
            corrected=need.theme,
        )
        for need, member, role in rows
    ]


async def _previous_state(
    session: AsyncSession, data_version: int
) -> tuple[list[PreviousGroup], DemandRun | None]:
    """The state to start from, and the run to reuse when the data did not change."""
    runs = list(await session.scalars(select(DemandRun).order_by(DemandRun.id.desc()).limit(2)))
    if runs and runs[0].data_version == data_version:
        before = runs[1].state if len(runs) > 1 else []
        return [PreviousGroup.from_dict(item) for item in before], runs[0]
    state = runs[0].state if runs else []
    return [PreviousGroup.from_dict(item) for item in state], None


def _read_needs(
    featurizer: Featurizer,
    table: tuple[np.ndarray, sp.csr_matrix, np.ndarray],
    rows: list[NeedRow],
) -> tuple[list[str | None], sp.csr_matrix]:
    """Each demand need's theme and fused row: from the index, else read on the spot."""
    ids, vectors, columns = table
    position = {int(need_id): k for k, need_id in enumerate(ids.tolist())}
    themes_of = featurizer.model.themes_
    found = [position.get(row.need.id) for row in rows]
    missing = [k for k, p in enumerate(found) if p is None]
    extra = featurizer.encode(
        [RowText("need", rows[k].need.text, rows[k].need.id) for k in missing],
        [1.0] * len(missing),
        [rows[k].corrected for k in missing],
    )
    extra_at = {k: j for j, k in enumerate(missing)}
    picks, themes = [], []
    for k, p in enumerate(found):
        if p is None:
            column = int(extra.themes[extra_at[k]])
            picks.append(len(ids) + extra_at[k])
        else:
            column = int(columns[p])
            picks.append(p)
        themes.append(themes_of[column] if column >= 0 else None)
    stacked = sp.vstack([vectors, extra.rows], format="csr")
    return themes, stacked[np.asarray(picks, dtype=np.int64)] if picks else stacked[:0]


async def compute_demand(session: AsyncSession, cache: TrainingCache) -> DemandSnapshot:
    """The current grouping of the demand (kept per data, catalogue and model version)."""
    data_version = await current_version(session)
    featurizer = cache.themes.current.featurizer
    key = (data_version, await catalogue_version(session), featurizer.fingerprint)
    if cache.demand_key == key and cache.demand is not None:
        return cache.demand  # type: ignore[no-any-return]
    index = await cache.index.sync()
    rows = await demand_rows(session)
    previous, reused = await _previous_state(session, data_version)
    table = index.need_table()
    themes, need_vectors = await anyio.to_thread.run_sync(_read_needs, featurizer, table, rows)
    texts = [row.need.text for row in rows]
    names = featurizer.model.names_
    result = await anyio.to_thread.run_sync(lambda: group_needs(texts, themes, names, previous))
    if reused is None:
        reused = DemandRun(data_version=data_version, state=result.state(), generated_at=utcnow())
        session.add(reused)
        await session.flush()
    recommender = await cache.fitted(session)
    needs = [row.need for row in rows]
    coverage: dict[int, Coverage] = {}
    if recommender is not None and result.groups:
        assessed = await anyio.to_thread.run_sync(
            lambda: assess_coverage(result.groups, needs, need_vectors, recommender)
        )
        coverage = {item.cluster_id: item for item in assessed}
    snapshot = DemandSnapshot(reused.generated_at, rows, themes, result, coverage)
    cache.demand_key, cache.demand = key, snapshot
    return snapshot


async def shared_lessons(
    session: AsyncSession, snapshot: DemandSnapshot, model: ThemeModel
) -> dict[int, list[SharedLesson]]:
    """Lessons their authors agreed to share, attached to the group of their need, unnamed.

    A lesson belongs to the group of the need its pair was about while that need is in the
    demand; otherwise to the group of the theme the model reads in that need.
    """
    group_of_text = {
        snapshot.rows[i].need.text: g.id for g in snapshot.result.groups for i in g.member_indices
    }
    theme_group = {g.theme: g.id for g in snapshot.result.groups if g.kind == "theme"}
    records = list(
        await session.scalars(select(Lesson).where(Lesson.shared.is_(True)).order_by(Lesson.id))
    )
    unknown = [
        r.need_text or r.text for r in records if (r.need_text or r.text) not in group_of_text
    ]
    read = dict(zip(unknown, model.best_themes(model.distributions(unknown)), strict=True))
    lessons: dict[int, list[SharedLesson]] = {}
    for lesson in records:
        text = lesson.need_text or lesson.text
        group_id = group_of_text.get(text, theme_group.get(read.get(text)))
        if group_id is not None:
            lessons.setdefault(group_id, []).append(
                SharedLesson(text=lesson.text, need=lesson.need_text, created_at=lesson.created_at)
            )
    return lessons


def _counts(values: list[str | None]) -> dict[str, int]:
    return dict(Counter(value or "non renseigné" for value in values).most_common())


async def clusters_view(
    session: AsyncSession, cache: TrainingCache, principal: Principal, include_needs: bool
) -> ClustersResponse:
    """`GET /api/demand/clusters` for a trainer or an animator."""
    snapshot = await compute_demand(session, cache)
    lessons = await shared_lessons(session, snapshot, cache.themes.current.model)
    show_needs = include_needs and principal.is_animator
    clusters = []
    for cluster in snapshot.result.groups:
        rows = [snapshot.rows[i] for i in cluster.member_indices]
        members = len({row.need.member_id for row in rows})
        visible = principal.is_animator or members >= MIN_VISIBLE_MEMBERS
        covered = snapshot.coverage.get(cluster.id)
        clusters.append(
            ClusterRead(
                id=cluster.id,
                label=cluster.label if visible else SMALL_CLUSTER_LABEL,
                top_terms=list(cluster.top_terms) if visible else [],
                size=cluster.size,
                members=members,
                previous_size=cluster.previous_size,
                size_change=cluster.change,
                regions=_counts([row.need.region for row in rows]) if visible else {},
                roles=_counts([row.role for row in rows]) if visible else {},
                organization_types=(
                    _counts([row.organization_type for row in rows]) if visible else {}
                ),
                coverage=(
                    ClusterCoverage(
                        module_id=covered.best_module_id,
                        title=covered.best_module_title or "",
                        score=round(covered.similarity, 4),
                    )
                    if covered is not None and covered.best_module_id and visible
                    else None
                ),
                covered=bool(covered and covered.covered),
                lessons=lessons.get(cluster.id, []) if visible else [],
                needs=(
                    [
                        ClusterNeed(
                            id=snapshot.rows[i].need.id,
                            member_id=snapshot.rows[i].need.member_id,
                            text=snapshot.rows[i].need.text,
                            theme=snapshot.themes[i],
                            theme_corrected=snapshot.rows[i].corrected is not None,
                        )
                        for i in cluster.member_indices
                    ]
                    if show_needs
                    else None
                ),
                kind=cluster.kind,
                theme=cluster.theme,
            )
        )
    return ClustersResponse(generated_at=snapshot.generated_at, clusters=clusters)


async def lessons_for_member(
    session: AsyncSession, cache: TrainingCache, member_id: int
) -> list[SharedLesson]:
    """Shared lessons of the groups the member's own open needs fall in."""
    snapshot = await compute_demand(session, cache)
    mine = {
        group.id
        for group in snapshot.result.groups
        if any(snapshot.rows[i].need.member_id == member_id for i in group.member_indices)
    }
    lessons = await shared_lessons(session, snapshot, cache.themes.current.model)
    return [lesson for cluster_id in sorted(mine) for lesson in lessons.get(cluster_id, [])]
