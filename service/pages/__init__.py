"""Server-rendered pages in French (Jinja templates), for members, coaches, trainers, animators.

Every page calls the domain services directly; the router's exception handlers turn refusals
into pages (sign-in for anonymous visitors, a French 403 or 404 otherwise).
"""

from litestar import Router
from litestar.types import ControllerRouterHandler

from service.pages.animator import ANIMATOR_HANDLERS
from service.pages.auth import AUTH_HANDLERS
from service.pages.coach import COACH_HANDLERS
from service.pages.community import COMMUNITY_HANDLERS
from service.pages.guards import PAGE_EXCEPTION_HANDLERS
from service.pages.legal import LEGAL_HANDLERS
from service.pages.library import LIBRARY_HANDLERS
from service.pages.library_import import IMPORT_HANDLERS
from service.pages.member import MEMBER_HANDLERS
from service.pages.moderation import MODERATION_HANDLERS
from service.pages.pairing import PAIRING_HANDLERS
from service.pages.questionnaire import QUESTIONNAIRE_HANDLERS
from service.pages.trainer import TRAINER_HANDLERS
from service.pages.training import TRAINING_HANDLERS

pages_router = Router(
    path="/",
    route_handlers=[
        *AUTH_HANDLERS,
        *MEMBER_HANDLERS,
        *TRAINING_HANDLERS,
        *QUESTIONNAIRE_HANDLERS,
        *COACH_HANDLERS,
        *PAIRING_HANDLERS,
        *TRAINER_HANDLERS,
        *ANIMATOR_HANDLERS,
        *MODERATION_HANDLERS,
        *LIBRARY_HANDLERS,
        *IMPORT_HANDLERS,
        *COMMUNITY_HANDLERS,
        *LEGAL_HANDLERS,
    ],
    exception_handlers=PAGE_EXCEPTION_HANDLERS,
    include_in_schema=False,
)

PAGE_HANDLERS: list[ControllerRouterHandler] = [pages_router]

__all__ = ["PAGE_HANDLERS"]
