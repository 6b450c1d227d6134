"""`GET /api/members/{id}/practices`: the sheets that answer a member's open needs.

The recommender (`catalogue.practices.PracticeRecommender`) is fitted once per worker on the
published library and kept while neither the library (count and latest change) nor the theme
model changes; the member's need rows come from the matching index (encoded already), or are
encoded on the spot for a member the index does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from catalogue.errors import CatalogueError
from catalogue.practices import PracticeRecommender, Sheet
from service.db.models import Practice
from service.errors import PermissionDeniedError
from service.members.services import read_member
from service.practices.schemas import PracticeResult, PracticesForMember

if TYPE_CHECKING:  # ReadSide holds this module's PracticeCache
    from service.read_side import ReadSide


@dataclass
class PracticeCache:
    """This worker's recommender, keyed by what it was fitted on."""

    key: Any = None
    recommender: PracticeRecommender | None = None


async def _recommender(side: ReadSide, cache: PracticeCache) -> PracticeRecommender | None:
    featurizer = side.training.themes.current.featurizer  # the model the index encodes with
    async with side.sessionmaker() as session:
        row = (
            await session.execute(
                select(func.count(Practice.id), func.max(Practice.updated_at)).where(
                    Practice.status == "published"
                )
            )
        ).one()
        key = (int(row[0]), row[1], featurizer.fingerprint)
        if key != cache.key:
            records = await session.scalars(
                select(Practice).where(Practice.status == "published").order_by(Practice.id)
            )
            sheets = [
                Sheet(p.id, p.title, p.summary, p.when_to_use, tuple(p.steps), tuple(p.themes))
                for p in records
            ]
            try:
                cache.recommender = PracticeRecommender(featurizer).fit(sheets)
            except CatalogueError:
                cache.recommender = None
            cache.key = key
    return cache.recommender


async def practices_for(side: ReadSide, member_id: int, limit: int) -> PracticesForMember:
    """Published sheets for the member's open needs, best first, with reasons."""
    if not side.principal.may_manage(member_id):
        raise PermissionDeniedError("You may only see your own recommendations.")
    index = await side.index.sync()
    member = await read_member(side.database, side.reads, side.principal, member_id)
    empty = PracticesForMember(member_id=member_id, results=[])
    if not member.needs:
        return empty
    recommender = await _recommender(side, side.practices)
    if recommender is None:
        return empty
    if member_id in index:
        need_rows, vectors = index.need_vectors(member_id)
    else:
        need_rows, vectors = recommender.encode_needs([(None, text) for text in member.needs])
    found = recommender.recommend(need_rows, vectors, limit=limit)
    return PracticesForMember(
        member_id=member_id,
        results=[
            PracticeResult(
                practice_id=r.practice_id, title=r.title, score=r.score, reasons=list(r.reasons)
            )
            for r in found
        ],
    )
