"""The public page `/communaute` (no sign-in) and « Ça m'intéresse » on its proposals."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Template

from service.accounts.principal import Principal
from service.community.public import community_figures
from service.dependencies import DbSession, TrainingCacheDep
from service.pages.guards import principal, signed_in
from service.pages.layout import read_form, redirect, text
from service.pages.library import render_library
from service.params import IdPath
from service.training import proposal_interest


@get("/communaute", include_in_schema=False)
async def community(
    request: Request[Any, Any, Any], db_session: DbSession, training_cache: TrainingCacheDep
) -> Template:
    """The public page: the community in figures, and « Ça m'intéresse » when signed in."""
    viewer = request.user if isinstance(request.user, Principal) else None
    figures = await community_figures(db_session, training_cache, viewer)
    await db_session.commit()
    return render_library(
        request,
        "community/public.html",
        title="La communauté en chiffres",
        figures=figures,
        viewer=viewer,
    )


@post("/communaute/propositions/{proposal_id:int}/interet", guards=[signed_in])
async def interest_in_proposal(
    request: Request[Any, Any, Any], db_session: DbSession, proposal_id: IdPath
) -> Response[Any]:
    """Say « Ça m'intéresse » (with a comment), or take it back."""
    form = await read_form(request)
    me = principal(request)
    if text(form, "action") == "retirer":
        await proposal_interest.withdraw(db_session, me, proposal_id)
        code = "interet-retire"
    else:
        await proposal_interest.express(db_session, me, proposal_id, text(form, "comment")[:500])
        code = "interet"
    await db_session.commit()
    return redirect("/communaute", code)


COMMUNITY_HANDLERS = [community, interest_in_proposal]
