"""`create_app()`: the one place the Litestar application is assembled."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy.ext.asyncio import async_sessionmaker

from service.accounts.controllers import AuthController
from service.accounts.middleware import BearerTokenMiddleware
from service.db.migrate import upgrade
from service.db.session import make_alchemy_config, make_engine
from service.dependencies import provide_principal, provide_settings
from service.errors import EXCEPTION_HANDLERS
from service.health import health
from service.imports.controllers import ImportController
from service.members.controllers import MemberController, NeedController
from service.settings import Settings, load_settings

ROUTE_HANDLERS = [AuthController, MemberController, NeedController, ImportController, health]


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application for `settings` (default: read from the environment)."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await upgrade(engine)
        try:
            yield
        finally:
            await engine.dispose()

    return Litestar(
        route_handlers=ROUTE_HANDLERS,
        plugins=[SQLAlchemyPlugin(config=make_alchemy_config(engine))],
        middleware=[BearerTokenMiddleware()],
        dependencies={
            "settings": Provide(provide_settings, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "sessionmaker": async_sessionmaker(engine, expire_on_commit=False),
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
        ),
        debug=settings.debug,
    )
