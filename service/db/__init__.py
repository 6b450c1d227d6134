"""Storage: SQLAlchemy models, engine and session set-up, Alembic migrations."""

from service.db.models import Account, ApiToken, Base, Member, Need, Offer

__all__ = ["Account", "ApiToken", "Base", "Member", "Need", "Offer"]
