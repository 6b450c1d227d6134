"""Demand clusters: the community's open needs grouped into themes, for trainers.

A run is stored whenever the matchable data changed since the last one (the change-log
version), so cluster ids stay stable from run to run and each cluster reports how its size
changed. While the number of needs moves by less than 5 % from the previous run, the number of
clusters is kept (the clustering restarts from the previous centroids), so a few new needs join
existing themes instead of reshuffling them. When nothing changed, the last result is recomputed
from the same inputs (the clustering is deterministic) or served from this worker's cache.

Privacy: trainers never see names, emails or need texts; a cluster with fewer than
`MIN_VISIBLE_MEMBERS` distinct members shows counts only. Animators may ask for the needs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import anyio
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.incubator import Coverage, DemandNeed, assess_coverage
from catalogue.recommend import audience_for
from matching.clustering import ClusteringResult, PreviousCluster, cluster_needs
from matching.text import analyze
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
STABLE_K_CHANGE = 0.05


@dataclass(frozen=True)
class NeedRow:
    """One need in the demand, with what the breakdowns count."""

    need: DemandNeed
    role: str
    organization_type: str


@dataclass(frozen=True)
class DemandSnapshot:
    """One clustering of the demand and what trainers see of it."""

    generated_at: datetime
    rows: list[NeedRow]
    result: ClusteringResult
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
        )
        for need, member, role in rows
    ]


async def _previous_state(
    session: AsyncSession, data_version: int
) -> tuple[list[PreviousCluster], DemandRun | None]:
    """The state to start from, and the run to reuse when the data did not change."""
    runs = list(await session.scalars(select(DemandRun).order_by(DemandRun.id.desc()).limit(2)))
    if runs and runs[0].data_version == data_version:
        before = runs[1].state if len(runs) > 1 else []
        return [PreviousCluster.from_dict(item) for item in before], runs[0]
    state = runs[0].state if runs else []
    return [PreviousCluster.from_dict(item) for item in state], None


def _barely_changed(previous: list[PreviousCluster], size: int) -> bool:
    """Within `STABLE_K_CHANGE` of the previous run's size, k is kept as it was."""
    before = sum(cluster.size for cluster in previous)
    return bool(previous) and before > 0 and abs(size - before) <= STABLE_K_CHANGE * before


async def compute_demand(session: AsyncSession, cache: TrainingCache) -> DemandSnapshot:
    """The current clustering of the demand (cached per data and catalogue version)."""
    data_version = await current_version(session)
    key = (data_version, await catalogue_version(session))
    if cache.demand_key == key and cache.demand is not None:
        return cache.demand  # type: ignore[no-any-return]
    rows = await demand_rows(session)
    previous, reused = await _previous_state(session, data_version)
    texts = [row.need.text for row in rows]
    options = {}
    if _barely_changed(previous, len(texts)):
        options = {"k_min": len(previous), "k_max": len(previous)}
    result = await anyio.to_thread.run_sync(
        lambda: cluster_needs(texts, previous or None, **options)
    )
    if reused is None:
        reused = DemandRun(data_version=data_version, state=result.state(), generated_at=utcnow())
        session.add(reused)
        await session.flush()
    recommender = await cache.fitted(session)
    needs = [row.need for row in rows]
    coverage: dict[int, Coverage] = {}
    if recommender is not None and result.clusters:
        assessed = await anyio.to_thread.run_sync(
            lambda: assess_coverage(result.clusters, needs, recommender)
        )
        coverage = {item.cluster_id: item for item in assessed}
    snapshot = DemandSnapshot(reused.generated_at, rows, result, coverage)
    cache.demand_key, cache.demand = key, snapshot
    return snapshot


def nearest_cluster(text: str, result: ClusteringResult) -> int | None:
    """The cluster whose centroid shares the most weight with `text`'s terms (None: none)."""
    terms = analyze(text)
    best, best_score = None, 0.0
    for cluster in result.clusters:
        score = sum(cluster.centroid.get(term, 0.0) for term in terms)
        if score > best_score:
            best, best_score = cluster.id, score
    return best


async def shared_lessons(
    session: AsyncSession, result: ClusteringResult
) -> dict[int, list[SharedLesson]]:
    """Lessons their authors agreed to share, attached to the cluster of their need, unnamed."""
    lessons: dict[int, list[SharedLesson]] = {}
    for lesson in await session.scalars(
        select(Lesson).where(Lesson.shared.is_(True)).order_by(Lesson.id)
    ):
        cluster_id = nearest_cluster(lesson.need_text or lesson.text, result)
        if cluster_id is not None:
            lessons.setdefault(cluster_id, []).append(
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
    lessons = await shared_lessons(session, snapshot.result)
    show_needs = include_needs and principal.is_animator
    clusters = []
    for cluster in snapshot.result.clusters:
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
                            id=row.need.id, member_id=row.need.member_id, text=row.need.text
                        )
                        for row in rows
                    ]
                    if show_needs
                    else None
                ),
            )
        )
    return ClustersResponse(generated_at=snapshot.generated_at, clusters=clusters)


async def lessons_for_member(
    session: AsyncSession, cache: TrainingCache, member_id: int
) -> list[SharedLesson]:
    """Shared lessons of the clusters the member's own open needs fall in."""
    snapshot = await compute_demand(session, cache)
    mine = {
        cluster.id
        for cluster in snapshot.result.clusters
        if any(snapshot.rows[i].need.member_id == member_id for i in cluster.member_indices)
    }
    lessons = await shared_lessons(session, snapshot.result)
    return [lesson for cluster_id in sorted(mine) for lesson in lessons.get(cluster_id, [])]
