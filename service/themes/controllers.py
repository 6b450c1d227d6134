"""Theme endpoints: the taxonomy, correcting a need's theme, the model and its refit."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.params import JSONBody

from matching.taxonomy import load_taxonomy
from service.accounts.guards import animator_only
from service.dependencies import CurrentPrincipal, DbSession, ThemesDep
from service.params import IdPath
from service.themes import services
from service.themes.model import RefitDecision, ThemeKeeper
from service.themes.schemas import (
    ModelRead,
    NeedThemeRead,
    NeedThemeUpdate,
    RefitRead,
    ThemeRead,
)


def _refit_read(decision: RefitDecision | None) -> RefitRead | None:
    if decision is None:
        return None
    return RefitRead(
        run_id=decision.run_id,
        examples=decision.examples,
        guard_accuracy=round(decision.guard_accuracy, 4),
        reference_accuracy=round(decision.reference_accuracy, 4),
        accepted=decision.accepted,
    )


def model_read(themes: ThemeKeeper) -> ModelRead:
    """What `GET /api/themes/model` answers."""
    state = themes.current
    return ModelRead(
        version=state.version,
        examples=state.examples,
        guard_accuracy=round(state.guard_accuracy, 4),
        min_confidence=state.model.min_confidence,
        themes=len(state.model.themes_),
        last_refit=_refit_read(themes.last_decision),
    )


class ThemeController(Controller):
    """The taxonomy for everyone signed in; corrections and refits for animators."""

    tags = ["themes"]

    @get("/api/themes", summary="The themes of public innovation (taxonomy)")
    async def themes(self, principal: CurrentPrincipal) -> list[ThemeRead]:
        return services.list_themes(load_taxonomy())

    @put(
        "/api/needs/{need_id:int}/theme",
        guards=[animator_only],
        summary="Correct the theme of a need (animators); teaches the theme model",
    )
    async def correct(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        need_id: IdPath,
        data: JSONBody[NeedThemeUpdate],
    ) -> NeedThemeRead:
        return await services.correct_need_theme(
            db_session, principal, load_taxonomy(), need_id, data.theme
        )

    @get("/api/themes/model", guards=[animator_only], summary="The theme model in use")
    async def model(self, themes: ThemesDep) -> ModelRead:
        return model_read(themes)

    @post(
        "/api/themes/model/refit",
        guards=[animator_only],
        summary="Decide now on refitting the model with the community's examples",
    )
    async def refit(self, themes: ThemesDep) -> ModelRead:
        await themes.refresh()
        return model_read(themes)
