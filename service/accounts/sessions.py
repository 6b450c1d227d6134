"""Browser sessions: an opaque token in an HttpOnly cookie, stored hashed like API tokens.

The cookie authenticates page routes only (never `/api`, which takes bearer tokens), so CSRF
protection is needed — and applied — on pages alone. Signing out revokes the token server-side.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.services import ACCESS
from service.accounts.tokens import new_token, token_digest
from service.db.models import ApiToken, utcnow
from service.settings import Settings

SESSION_COOKIE = "passerelle_session"
SESSION_TTL = timedelta(hours=12)


async def open_session(session: AsyncSession, account_id: int) -> str:
    """A new session token for the account (stored hashed, expires in `SESSION_TTL`)."""
    token = new_token()
    session.add(
        ApiToken(
            account_id=account_id,
            token_hash=token_digest(token),
            kind=ACCESS,
            expires_at=utcnow() + SESSION_TTL,
        )
    )
    await session.flush()
    return token


def set_session_cookie(response: Response[Any], token: str, settings: Settings) -> None:
    """Attach the session cookie: HttpOnly, SameSite=Lax, Secure when served over HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


def clear_session_cookie(response: Response[Any]) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/")


def session_token(request: Request[Any, Any, Any]) -> str | None:
    """The session token the browser sent, if any."""
    return request.cookies.get(SESSION_COOKIE) or None


__all__ = [
    "SESSION_COOKIE",
    "clear_session_cookie",
    "open_session",
    "session_token",
    "set_session_cookie",
]
