"""Animator page: the community's open needs by demand theme, with the theme of each, which the
animator can correct (the correction counts at once and teaches the theme model)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from matching.taxonomy import OFF_TOPIC, OFF_TOPIC_NAME, load_taxonomy
from service.dependencies import DbSession, TrainingCacheDep
from service.errors import ServiceError
from service.pages.guards import animator_only, principal
from service.pages.layout import read_form, redirect, render, text
from service.params import IdPath
from service.themes.services import correct_need_theme
from service.training import demand

AUTOMATIC = "auto"


def theme_choices() -> list[tuple[str, str]]:
    """The options of the theme control: the model's reading, each theme, « hors thèmes »."""
    taxonomy = load_taxonomy()
    themes = sorted(((t.id, t.name) for t in taxonomy.themes), key=lambda item: item[1])
    return [(AUTOMATIC, "Thème lu par le modèle"), *themes, (OFF_TOPIC, OFF_TOPIC_NAME)]


@get("/animation/besoins", guards=[animator_only])
async def needs_by_theme(
    request: Request[Any, Any, Any], db_session: DbSession, training_cache: TrainingCacheDep
) -> Template:
    """Open needs grouped by demand theme, each with its theme and a control to correct it."""
    view = await demand.clusters_view(
        db_session, training_cache, principal(request), include_needs=True
    )
    names = {t.id: t.name for t in load_taxonomy().themes}
    return render(
        request,
        "animator/needs.html",
        title="Besoins et thèmes",
        clusters=view.clusters,
        theme_names=names,
        choices=theme_choices(),
        automatic=AUTOMATIC,
    )


@post("/animation/besoins/{need_id:int}/theme", guards=[animator_only])
async def correct_theme(
    request: Request[Any, Any, Any], db_session: DbSession, need_id: IdPath
) -> Response[Any]:
    """Set the theme chosen for one need (or give it back to the model)."""
    form = await read_form(request)
    chosen = text(form, "theme")
    theme = None if chosen in ("", AUTOMATIC) else chosen
    try:
        await correct_need_theme(db_session, principal(request), load_taxonomy(), need_id, theme)
    except ServiceError:
        return redirect("/animation/besoins", "theme-invalide")
    await db_session.commit()
    return redirect("/animation/besoins", "theme-corrige")


MODERATION_HANDLERS = [needs_by_theme, correct_theme]
