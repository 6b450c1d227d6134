"""An animator sends (or sends again) a member's invitation by e-mail."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.services import INVITATION
from service.db.models import ApiToken, Member
from service.errors import ConflictError, NotFoundError
from service.mail import notify
from service.mail.outbox import mail_config

ALREADY_SIGNED_IN = "Cette personne s'est déjà connectée : elle n'a pas besoin d'invitation."
MAIL_OFF = (
    "L'envoi d'e-mails n'est pas configuré (PASSERELLE_SMTP_URL) : "
    "remettez-lui l'invitation vous-même."
)


async def email_invitation(session: AsyncSession, member_id: int) -> tuple[Member, ApiToken]:
    """A new single-use invitation, queued by e-mail with its first-sign-in link.

    404 for an unknown member; 409 when they already signed in, or when e-mail is off.
    Earlier invitations stay valid until they expire or one of them is used.
    """
    member = await session.get(Member, member_id)
    if member is None:
        raise NotFoundError(f"Member {member_id} not found.")
    if notify.has_signed_in(member):
        raise ConflictError(ALREADY_SIGNED_IN, [{"key": "member_id", "message": ALREADY_SIGNED_IN}])
    config = mail_config(session)
    if config is None:
        raise ConflictError(MAIL_OFF)
    return member, await notify.send_invitation(session, config, member)


async def last_invitations(session: AsyncSession, account_ids: list[int]) -> dict[int, object]:
    """When each of these accounts was last sent an invitation (account id -> datetime)."""
    if not account_ids:
        return {}
    rows = await session.execute(
        select(ApiToken.account_id, func.max(ApiToken.created_at))
        .where(ApiToken.account_id.in_(account_ids), ApiToken.kind == INVITATION)
        .group_by(ApiToken.account_id)
    )
    return {account_id: sent_at for account_id, sent_at in rows.all()}
