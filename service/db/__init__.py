"""Storage: SQLAlchemy models, engine and session set-up, Alembic migrations.

Importing this package registers every model on `Base.metadata` (Alembic and the schema test
rely on it), including the questionnaire's, which live beside their domain.
"""

from service.db.models import (
    Account,
    ApiToken,
    Base,
    IndexChange,
    Lesson,
    MatchRequest,
    Member,
    Need,
    Offer,
)

__all__ = [
    "Account",
    "ApiToken",
    "Base",
    "IndexChange",
    "Lesson",
    "MatchRequest",
    "Member",
    "Need",
    "Offer",
]

from service.questionnaire import models as _questionnaire_models  # noqa: F401
