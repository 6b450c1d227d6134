"""Theme corrections and community examples: what people teach the theme model.

An animator's correction sets `Need.theme` (the need is then counted in that theme everywhere,
at once) and records one example per need (`ThemeExample`, unique per need: a second
correction updates it). A pair closed with a good fit rating from the member who asked (at least
`GOOD_FIT`) records its need with the theme of the coach's offer that answered it, once per
pair. Examples are read by `service.themes.model.ThemeKeeper` when it decides on a refit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.index import MemberIndex
from matching.taxonomy import OFF_TOPIC, Taxonomy
from service.accounts.principal import Principal
from service.db.changes import record_changes
from service.db.models import MatchRequest, Need, ThemeExample
from service.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from service.themes.schemas import NeedThemeRead, ThemeRead

GOOD_FIT = 4
"""Fit ratings (1-5) from this value on teach the model the pair's theme."""


def list_themes(taxonomy: Taxonomy) -> list[ThemeRead]:
    """Every theme, in the taxonomy's order."""
    families = {f.id: f.name for f in taxonomy.families}
    return [
        ThemeRead(
            id=t.id,
            name=t.name,
            family=t.family,
            family_name=families[t.family],
            description=t.description,
            objectives=list(t.objectives),
        )
        for t in taxonomy.themes
    ]


async def correct_need_theme(
    session: AsyncSession,
    principal: Principal,
    taxonomy: Taxonomy,
    need_id: int,
    theme: str | None,
) -> NeedThemeRead:
    """Set (or with None, clear) the theme of a need; record it as an example for the model."""
    if not principal.is_animator:
        raise PermissionDeniedError("Seuls les animateurs corrigent le thème d'un besoin.")
    if theme is not None and theme != OFF_TOPIC and theme not in taxonomy.ids:
        raise InvalidInputError.for_field("theme", f"thème inconnu : {theme}")
    need = await session.get(Need, need_id)
    if need is None:
        raise NotFoundError(f"Need {need_id} not found.")
    need.theme = theme
    example = await session.scalar(
        select(ThemeExample).where(
            ThemeExample.need_id == need_id, ThemeExample.source == "correction"
        )
    )
    if theme is None:
        if example is not None:
            await session.delete(example)
    elif example is None:
        session.add(ThemeExample(text=need.text, theme=theme, source="correction", need_id=need_id))
    else:
        example.text, example.theme = need.text, theme
    await session.flush()
    await record_changes(session, [need.member_id])
    name = None if theme is None else taxonomy.name(theme)
    return NeedThemeRead(need_id=need_id, theme=theme, theme_name=name, corrected=theme is not None)


async def learn_from_pair(
    session: AsyncSession, index: MemberIndex, request: MatchRequest, rating: int | None
) -> None:
    """A pair the member who asked rated a good fit teaches the model its need's theme.

    The theme is the one the model reads in the coach's offer that best answers the need;
    nothing is learnt when that offer is « hors thèmes », or when the pair has no need text.
    """
    if rating is None or rating < GOOD_FIT or request.coach_id not in index:
        return
    need = await session.get(Need, request.need_id) if request.need_id else None
    if need is None:
        return
    exists = await session.scalar(
        select(ThemeExample.id).where(
            ThemeExample.request_id == request.id, ThemeExample.source == "pair"
        )
    )
    if exists is not None:
        return
    theme = _answering_theme(index, need.text, request.coach_id)
    if theme is not None:
        session.add(
            ThemeExample(
                text=need.text, theme=theme, source="pair", need_id=need.id, request_id=request.id
            )
        )


def _answering_theme(index: MemberIndex, need_text: str, coach_id: int) -> str | None:
    from matching.features import RowText
    from matching.rows import Rows, pair_products

    featurizer = index.featurizer
    need = featurizer.encode([RowText("need", need_text)], [1.0], [None])
    rows, offers = index.offer_vectors(coach_id)
    if not rows:
        return None
    best = int(pair_products(Rows.of(need.rows, need.themes), offers).ravel().argmax())
    column = int(offers.themes[best])
    return featurizer.model.themes_[column] if column >= 0 else None
