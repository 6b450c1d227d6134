"""Account logic: registration, sign-in, bearer tokens and single-use invitations."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from service.accounts.emails import fold_email, normalize_email
from service.accounts.password_rules import check_password
from service.accounts.passwords import hash_password, verify_password
from service.accounts.principal import Principal
from service.accounts.principal_cache import forget_accounts_everywhere
from service.accounts.tokens import new_token, token_digest
from service.db.models import Account, ApiToken, Member, utcnow
from service.errors import AuthenticationError, ConflictError, NotFoundError, PermissionDeniedError
from service.settings import Settings

ACCESS = "access"
INVITATION = "invitation"


async def find_account(session: AsyncSession, email: str) -> Account | None:
    """The account with this email (compared in its normalised form), if any."""
    return await session.scalar(select(Account).where(Account.email == fold_email(email)))


async def register(
    session: AsyncSession, settings: Settings, *, email: str, password: str, display_name: str
) -> Member:
    """Create a member account from self-registration (when the community allows it)."""
    if not settings.allow_registration:
        raise PermissionDeniedError("Self-registration is closed: ask an animator to invite you.")
    if await find_account(session, email) is not None:
        raise ConflictError(
            "An account already exists for this email.",
            [{"key": "email", "message": "already registered"}],
        )
    check_password(password, [email, display_name])
    account = Account(email=email, password_hash=hash_password(password), role="member")
    member = Member(account=account, display_name=display_name)
    session.add(member)
    await session.flush()
    return member


async def issue_token(
    session: AsyncSession, settings: Settings, *, email: str, password: str
) -> tuple[str, ApiToken]:
    """Check the password and create a bearer token; the same error for any wrong credential."""
    account = await find_account(session, email)
    valid = verify_password(account.password_hash if account else None, password)
    if account is None or not valid or not account.is_active:
        raise AuthenticationError("Wrong email or password.")
    token = new_token()
    record = ApiToken(
        account_id=account.id,
        token_hash=token_digest(token),
        kind=ACCESS,
        expires_at=utcnow() + timedelta(hours=settings.token_ttl_hours),
    )
    account.last_login_at = utcnow()
    session.add(record)
    await session.flush()
    return token, record


async def authenticate_token(
    database: AsyncSession | AsyncConnection, token: str
) -> Principal | None:
    """The principal for a valid, unexpired, unrevoked access token; None otherwise.

    Reads plain columns (no ORM objects): it runs on most requests that miss the cache.
    """
    row = (
        await database.execute(
            select(
                ApiToken.id,
                ApiToken.account_id,
                ApiToken.revoked_at,
                ApiToken.expires_at,
                Account.role,
                Member.id.label("member_id"),
            )
            .join(Account, Account.id == ApiToken.account_id)
            .join(Member, Member.account_id == Account.id)
            .where(ApiToken.token_hash == token_digest(token), ApiToken.kind == ACCESS)
        )
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return Principal(
        account_id=row.account_id,
        member_id=row.member_id,
        role=row.role,
        token_id=row.id,
        token_expires_at=row.expires_at,
    )


async def revoke_token(session: AsyncSession, principal: Principal) -> None:
    """Revoke the token the caller used."""
    if principal.token_id is None:
        return
    record = await session.get(ApiToken, principal.token_id)
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()


async def create_invitation(
    session: AsyncSession, settings: Settings, member_id: int
) -> tuple[str, ApiToken]:
    """A single-use token with which an imported member sets their password."""
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFoundError(f"Member {member_id} not found.")
    token = new_token()
    record = ApiToken(
        account_id=member.account_id,
        token_hash=token_digest(token),
        kind=INVITATION,
        expires_at=utcnow() + timedelta(hours=settings.invitation_ttl_hours),
    )
    session.add(record)
    await session.flush()
    return token, record


async def revoke_all_tokens(session: AsyncSession, account_id: int) -> None:
    """Revoke every bearer token, session and pending invitation of the account (its password
    changed): they stop working at once in this worker, within the principal cache's delay in
    the others."""
    now = utcnow()
    await session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    forget_accounts_everywhere([account_id])


async def set_password(session: AsyncSession, account: Account, password: str) -> None:
    """Give the account a new password and revoke everything signed in with the old one."""
    account.password_hash = hash_password(password)
    await revoke_all_tokens(session, account.id)


async def accept_invitation(session: AsyncSession, *, token: str, password: str) -> Member:
    """Consume an invitation token (once, even under concurrent requests) and set the
    account's password; every earlier token and session of the account is revoked."""
    now = utcnow()
    account_id = await session.scalar(
        update(ApiToken)
        .where(
            ApiToken.token_hash == token_digest(token),
            ApiToken.kind == INVITATION,
            ApiToken.used_at.is_(None),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(ApiToken.account_id)
        .execution_options(synchronize_session=False)
    )
    if account_id is None:
        raise AuthenticationError("This invitation is unknown, expired or already used.")
    account = await session.get_one(Account, account_id)
    member = await session.scalar(select(Member).where(Member.account_id == account.id))
    if member is None:  # pragma: no cover - every account has a profile
        raise NotFoundError("No profile for this account.")
    check_password(password, [account.email, member.display_name])  # 422: invitation kept
    await set_password(session, account, password)
    return member


async def create_animator(session: AsyncSession, *, email: str, password: str, name: str) -> Member:
    """Create (or promote) an animator account; used by `passerelle admin create`."""
    check_password(password, [email, name])
    account = await find_account(session, email)
    if account is None:
        account = Account(email=normalize_email(email), role="animator")
        member = Member(account=account, display_name=name, consent=False)
        session.add(member)
    else:
        account.role = "animator"
        member = await session.scalar(select(Member).where(Member.account_id == account.id))
    await session.flush()
    await set_password(session, account, password)
    await session.flush()
    assert member is not None
    return member
