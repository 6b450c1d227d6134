"""What each event of the request lifecycle mails, and to whom (queued, never sent here).

Every function takes the session of the event's transaction: the mails commit (or roll back)
with it. Nothing is queued when e-mail is off, nor for a member who turned notifications off
(`wants_mail`), except invitations.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.services import create_invitation
from service.db.models import Account, ApiToken, MatchRequest, Member, Need
from service.mail.compose import Mail, Quote, compose, date_fr
from service.mail.outbox import MailConfig, mail_config, queue_mail

COACH_PAGE = "/accompagnement/demandes"
MEMBER_PAGE = "/demandes"
FIND_PAGES = {"mentor": "/trouver-un-coach", "peer": "/trouver-un-pair"}
INVITATION_FOOTER = (
    "Vous recevez cet e-mail parce que l'équipe d'animation de Passerelle vous a inscrit·e. "
    "Si vous ne souhaitez pas rejoindre la communauté, ignorez-le."
)


def wants_mail(member: Member) -> bool:
    """The member accepts notifications and their account is active."""
    return bool(member.notifications and member.account.is_active)


def has_signed_in(member: Member) -> bool:
    """The member chose a password (registration or invitation): they can sign in."""
    return member.account.password_hash is not None


async def _queue(
    session: AsyncSession, member: Member, kind: str, mail: Mail, dedup_key: str
) -> bool:
    return await queue_mail(
        session,
        to=member.account.email,
        kind=kind,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        dedup_key=dedup_key,
    )


def _asked(request: MatchRequest) -> str:
    return "un accompagnement" if request.kind == "mentor" else "un échange entre pairs"


def _request_of(request: MatchRequest) -> str:
    return "d'accompagnement" if request.kind == "mentor" else "d'échange entre pairs"


def _describe(member: Member) -> str:
    parts = [part for part in (member.job_title, member.organization, member.region) if part]
    return f"{member.display_name} ({', '.join(parts)})" if parts else member.display_name


async def request_created(session: AsyncSession, request: MatchRequest) -> None:
    """A new request: a mail to the person asked; the invitation too if they never signed in."""
    config = mail_config(session)
    if config is None:
        return
    mentee = await session.get_one(Member, request.mentee_id)
    target = await session.get_one(Member, request.coach_id)
    need = await session.get(Need, request.need_id) if request.need_id else None
    new = not has_signed_in(target)
    if wants_mail(target):
        paragraphs = [f"{_describe(mentee)} vous demande {_asked(request)} sur Passerelle."]
        if new:
            paragraphs.append(
                "Vous n'avez pas encore choisi votre mot de passe : un second e-mail, envoyé en "
                "même temps, contient votre lien de première connexion."
            )
        mail = compose(
            f"Nouvelle demande de {mentee.display_name} sur Passerelle",
            target.display_name,
            paragraphs,
            quotes=[
                Quote("Son besoin", need.text if need else ""),
                Quote("Son message", request.message),
            ],
            link=config.link(COACH_PAGE),
            link_label="Voir la demande et y répondre",
        )
        await _queue(session, target, "request_new", mail, f"request:{request.id}:new")
    if new:
        reason = f"{mentee.display_name} souhaite échanger avec vous : {_asked(request)}."
        await send_invitation(
            session, config, target, reason=reason, dedup_key=f"request:{request.id}:invitation"
        )


async def request_answered(session: AsyncSession, request: MatchRequest) -> None:
    """Accepted, declined or a question from the coach: a mail to the member who asked."""
    config = mail_config(session)
    if config is None:
        return
    mentee = await session.get_one(Member, request.mentee_id)
    coach = await session.get_one(Member, request.coach_id)
    if not wants_mail(mentee):
        return
    name, link = coach.display_name, config.link(MEMBER_PAGE)
    if request.status == "accepted":
        mail = compose(
            f"{name} a accepté votre demande",
            mentee.display_name,
            [
                f"Bonne nouvelle : {name} a accepté votre demande {_request_of(request)}.",
                "Retrouvez ses coordonnées et la suite sur Passerelle.",
            ],
            link=link,
            link_label="Voir ma demande",
        )
        key = f"request:{request.id}:accepted"
    elif request.status == "declined":
        mail = compose(
            f"Votre demande à {name} n'a pas été acceptée",
            mentee.display_name,
            [
                f"{name} ne peut pas donner suite à votre demande pour le moment.",
                "D'autres membres peuvent vous aider : Passerelle vous en propose.",
            ],
            link=config.link(FIND_PAGES[request.kind]),
            link_label="Trouver une autre personne",
        )
        key = f"request:{request.id}:declined"
    elif request.status == "info_requested":
        mail = compose(
            f"{name} vous pose une question sur votre demande",
            mentee.display_name,
            [f"Avant de répondre à votre demande, {name} souhaite une précision."],
            quotes=[Quote("Sa question", request.question or "")],
            link=link,
            link_label="Répondre sur Passerelle",
        )
        key = f"request:{request.id}:question:{request.updated_at.isoformat()}"
    else:
        return
    await _queue(session, mentee, f"request_{request.status}", mail, key)


async def message_posted(
    session: AsyncSession, request: MatchRequest, author_id: int, message_id: int, text: str
) -> None:
    """A new message in a pair's thread: a mail to the other member of the pair."""
    config = mail_config(session)
    if config is None:
        return
    other_id = request.coach_id if author_id == request.mentee_id else request.mentee_id
    author = await session.get_one(Member, author_id)
    other = await session.get_one(Member, other_id)
    if not wants_mail(other):
        return
    mail = compose(
        f"Nouveau message de {author.display_name} sur Passerelle",
        other.display_name,
        [f"{author.display_name} vous a écrit dans votre binôme."],
        quotes=[Quote("Son message", text)],
        link=config.link(f"/binomes/{request.id}"),
        link_label="Lire et répondre",
    )
    await _queue(session, other, "pair_message", mail, f"message:{message_id}")


async def send_invitation(
    session: AsyncSession,
    config: MailConfig,
    member: Member,
    *,
    reason: str | None = None,
    dedup_key: str | None = None,
) -> ApiToken:
    """A new single-use invitation for `member`, mailed with its first-sign-in link."""
    token, record = await create_invitation(session, config.settings, member.id)
    link = config.link(f"/premiere-connexion?jeton={token}")
    paragraphs = [
        "L'équipe d'animation vous a inscrit·e sur Passerelle, la plateforme d'entraide de la "
        "communauté de l'innovation publique territoriale."
    ]
    if reason:
        paragraphs.append(reason)
    paragraphs.append(
        "Choisissez votre mot de passe avec le lien ci-dessous ; il sert une seule fois et "
        f"expire le {date_fr(record.expires_at)}."
    )
    mail = compose(
        "Votre invitation à rejoindre Passerelle",
        member.display_name,
        paragraphs,
        link=link,
        link_label="Choisir mon mot de passe",
        footer=INVITATION_FOOTER,
    )
    await _queue(session, member, "invitation", mail, dedup_key or f"invitation:{record.id}")
    return record


async def stale_reminder(session: AsyncSession, request: MatchRequest) -> int:
    """The request waits for 14 days: a mail to the member who asked and to the animators."""
    config = mail_config(session)
    if config is None:
        return 0
    mentee = await session.get_one(Member, request.mentee_id)
    coach = await session.get_one(Member, request.coach_id)
    animators = await session.scalars(
        select(Member).join(Account).where(Account.role == "animator", Account.is_active)
    )
    queued = 0
    if wants_mail(mentee):
        mail = compose(
            f"Votre demande à {coach.display_name} attend toujours une réponse",
            mentee.display_name,
            [
                f"Votre demande du {date_fr(request.created_at)} à {coach.display_name} est "
                "sans réponse depuis 14 jours.",
                "Vous pouvez la retirer et vous adresser à une autre personne ; l'équipe "
                "d'animation est prévenue.",
            ],
            link=config.link(MEMBER_PAGE),
            link_label="Voir mes demandes",
        )
        queued += await _queue(
            session, mentee, "stale_reminder", mail, f"reminder:{request.id}:{mentee.id}"
        )
    for animator in animators:
        if not wants_mail(animator) or animator.id == mentee.id:
            continue
        mail = compose(
            f"Une demande attend une réponse depuis 14 jours (n° {request.id})",
            animator.display_name,
            [
                f"La demande de {mentee.display_name} à {coach.display_name}, envoyée le "
                f"{date_fr(request.created_at)}, est sans réponse depuis 14 jours.",
                "Un mot de votre part peut la relancer ou orienter la personne ailleurs.",
            ],
            link=config.link("/animation/membres"),
            link_label="Ouvrir l'espace d'animation",
        )
        queued += await _queue(
            session, animator, "stale_reminder", mail, f"reminder:{request.id}:{animator.id}"
        )
    return queued
