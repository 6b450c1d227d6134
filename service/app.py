"""`create_app()`: the one place the Litestar application is assembled."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.ext.asyncio import async_sessionmaker

from matching.scoring import MatchConfig
from service.accounts.controllers import AuthController
from service.accounts.guards import authenticated_api
from service.accounts.me import MeController
from service.accounts.middleware import BearerTokenMiddleware
from service.accounts.principal_cache import PrincipalCache
from service.accounts.throttle import SignInThrottle
from service.community.controllers import PublicCommunityController
from service.db.migrate import upgrade
from service.db.session import make_alchemy_config, make_engine
from service.dependencies import (
    provide_match_index,
    provide_principal,
    provide_read_side,
    provide_settings,
    provide_themes,
    provide_training_cache,
)
from service.errors import (
    EXCEPTION_HANDLERS,
    infrastructure_error_handler,
    unexpected_error_handler,
)
from service.health import health, liveness
from service.imports.controllers import ImportController
from service.mail.runtime import mail_worker, say_mail_is_off
from service.matches.controllers import MatchController, MatchRequestController
from service.matches.index import IndexKeeper
from service.matches.snapshots import snapshot_path
from service.members.controllers import MemberController, NeedController
from service.members.read_cache import MemberReadCache
from service.openapi import document_errors, document_raw_bodies, precise_schemas
from service.pages import PAGE_HANDLERS
from service.pages.guards import (
    infrastructure_error_page,
    is_page,
    unexpected_error_page,
    wants_page,
)
from service.practices.controllers import (
    LessonController,
    MemberPracticesController,
    PracticeController,
    PracticeImportController,
)
from service.practices.recommend import PracticeCache
from service.questionnaire.controllers import (
    ExpectationsController,
    QuestionnaireController,
    ResponsesImportController,
)
from service.request_checks import check_request, route_methods
from service.result_cache import ResultCache
from service.security import SecurityHeadersMiddleware
from service.settings import Settings, load_settings
from service.themes.controllers import ThemeController
from service.themes.model import ThemeKeeper
from service.training.cache import TrainingCache
from service.training.controllers import (
    CatalogueController,
    DemandController,
    InterestController,
    ModuleImportController,
    ModuleInterestController,
    TrainingController,
)

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"

ROUTE_HANDLERS = [
    AuthController,
    MeController,
    MemberController,
    NeedController,
    ImportController,
    MatchController,
    MatchRequestController,
    QuestionnaireController,
    ResponsesImportController,
    ExpectationsController,
    CatalogueController,
    ModuleImportController,
    TrainingController,
    DemandController,
    InterestController,
    ModuleInterestController,
    ThemeController,
    PracticeController,
    LessonController,
    MemberPracticesController,
    PracticeImportController,
    PublicCommunityController,
    health,
    liveness,
]


def _infrastructure_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Storage and engine failures raised before a page handler runs (the session look-up in
    the middleware): a French page for pages, JSON for the API."""
    if is_page(request):
        return infrastructure_error_page(request, exc)
    return infrastructure_error_handler(request, exc)


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Unknown URLs, wrong methods and unexpected failures: a French page for a browser, JSON
    for the API and for clients asking for JSON."""
    if wants_page(request):
        return unexpected_error_page(request, exc)
    return unexpected_error_handler(request, exc)


EXCEPTIONS = {
    **EXCEPTION_HANDLERS,
    **{
        kind: _infrastructure_error
        for kind, handler in EXCEPTION_HANDLERS.items()
        if handler is infrastructure_error_handler
    },
    Exception: _unexpected_error,
}


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application for `settings` (default: read from the environment)."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
    themes = ThemeKeeper(sessionmaker, MatchConfig(), settings.theme_refresh_seconds)
    match_index = IndexKeeper(
        sessionmaker,
        themes,
        snapshot_path(settings.data_dir) if settings.index_snapshot else None,
        results_capacity=settings.answer_cache_size,
    )
    member_reads = MemberReadCache(settings.profile_cache_size)
    match_index.on_change(member_reads.forget)
    training = TrainingCache(themes, match_index, answers=ResultCache(settings.answer_cache_size))
    mailer = mail_worker(settings, engine, sessionmaker)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await upgrade(engine)
        await themes.start()
        await match_index.start()
        if mailer is not None:
            await mailer.start()
        else:
            say_mail_is_off()
        try:
            yield
        finally:
            if mailer is not None:
                await mailer.close()
            await themes.close()
            await match_index.close()
            await engine.dispose()

    csrf_secret = hashlib.sha256(f"csrf:{settings.secret_key}".encode()).hexdigest()
    app = Litestar(
        route_handlers=[
            *ROUTE_HANDLERS,
            *PAGE_HANDLERS,
            create_static_files_router(path="/static", directories=[STATIC_DIR]),
        ],
        template_config=TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine),
        csrf_config=CSRFConfig(
            secret=csrf_secret,
            cookie_secure=settings.secure_cookies,
            cookie_samesite="strict",
            exclude=["/api/", "/schema"],
        ),
        plugins=[SQLAlchemyPlugin(config=make_alchemy_config(engine))],
        middleware=[SecurityHeadersMiddleware(), BearerTokenMiddleware()],
        dependencies={
            "settings": Provide(provide_settings, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "match_index": Provide(provide_match_index, sync_to_thread=False),
            "reads": Provide(provide_read_side, sync_to_thread=False),
            "training_cache": Provide(provide_training_cache, sync_to_thread=False),
            "themes": Provide(provide_themes, sync_to_thread=False),
        },
        exception_handlers=EXCEPTIONS,
        guards=[authenticated_api],
        before_request=check_request,
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "database": engine,
                "sessionmaker": sessionmaker,
                "match_index": match_index,
                "themes": themes,
                "member_reads": member_reads,
                "training_cache": training,
                "practice_cache": PracticeCache(),
                "sign_in_throttle": SignInThrottle(),
                "principal_cache": PrincipalCache(settings.auth_cache_seconds),
                "mailer": mailer,
            }
        ),
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Passerelle",
            version="0.1.0",
            description="Peer matching and training incubator for public innovation communities.",
            path="/schema",
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"BearerToken": []}],
            # JSON and YAML only: the HTML viewers load their scripts from CDNs.
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
        ),
        debug=settings.debug,
    )
    document_errors(app)
    document_raw_bodies(app)
    precise_schemas(app)
    app.state.allowed_methods = route_methods(app)
    return app
