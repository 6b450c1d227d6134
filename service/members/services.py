"""Member logic: visibility, profile reads and writes, needs and offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from service.accounts.principal import Principal
from service.db.changes import record_changes
from service.db.models import Account, Member, Need, Offer, utcnow
from service.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from service.members.read_cache import MemberReadCache
from service.members.reads import as_seen_by, load_member_read, member_values, profile_read
from service.members.schemas import MemberCreate, MemberRead, MemberUpdate, NeedRead
from service.reference import CONSENT_TEXT_VERSION, LIKE_ESCAPE, fold, like_pattern

PROFILE_FIELDS = (
    "display_name",
    "job_title",
    "organization",
    "organization_type",
    "region",
    "department",
    "phone",
    "network_level",
    "bio",
    "topics",
    "capacity",
    "tools",
    "paused",
    "exclude_own_organization",
    "peer_exchange",
    "notifications",
)


@dataclass(frozen=True, slots=True)
class MemberFilters:
    """Filters of the members list."""

    role: str | None = None
    region: str | None = None
    organization_type: str | None = None
    q: str | None = None


def _with_children(stmt: Select[tuple[Member]]) -> Select[tuple[Member]]:
    return stmt.options(selectinload(Member.needs), selectinload(Member.offers))


def to_read(member: Member, viewer: Principal | None) -> MemberRead:
    """The API view of a loaded profile; the email and need texts only for the member themself
    and animators (`viewer` None: the full view, for server-side pages)."""
    read = profile_read(
        member_values(member),
        needs=[need.text for need in member.needs if need.status == "open"],
        offers=[offer.text for offer in member.offers],
    )
    return as_seen_by(read, viewer is None or viewer.may_manage(member.id))


def need_to_read(need: Need) -> NeedRead:
    """The API view of a need."""
    return NeedRead(
        id=need.id,
        member_id=need.member_id,
        text=need.text,
        status=need.status,  # type: ignore[arg-type]
        created_at=need.created_at,
        updated_at=need.updated_at,
        status_changed_at=need.status_changed_at,
    )


def _visible_to(viewer: Principal) -> list[object]:
    if viewer.is_animator:
        return []
    return [or_(Member.consent.is_(True), Member.id == viewer.member_id)]


async def list_members(
    session: AsyncSession, viewer: Principal, filters: MemberFilters, limit: int, offset: int
) -> tuple[list[Member], int]:
    """A page of the members the viewer may see, and the total matching the filters."""
    conditions = _visible_to(viewer)
    if filters.role:
        conditions.append(Account.role == filters.role)
    if filters.region:
        conditions.append(Member.region == filters.region)
    if filters.organization_type:
        conditions.append(Member.organization_type == filters.organization_type)
    if filters.q and filters.q.strip():
        conditions.append(Member.search_name.like(like_pattern(filters.q), escape=LIKE_ESCAPE))
    base = select(Member).join(Member.account).where(*conditions)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    page = await session.scalars(
        _with_children(base.order_by(Member.id).limit(limit).offset(offset))
    )
    return list(page), total


async def get_member(session: AsyncSession, viewer: Principal, member_id: int) -> Member:
    """A member the viewer may see; 404 for unknown ids and hidden (non-consenting) members."""
    member = await session.scalar(_with_children(select(Member).where(Member.id == member_id)))
    if member is None or not (member.consent or viewer.may_manage(member_id)):
        raise NotFoundError(f"Member {member_id} not found.")
    return member


async def read_member(
    database: AsyncEngine,
    reads: MemberReadCache,
    viewer: Principal,
    member_id: int,
) -> MemberRead:
    """`GET /api/members/{id}` through the worker's read cache (the caller synced the log first).

    Same rules as `get_member`: 404 for unknown ids and for hidden (non-consenting) members.
    A miss reads the database with two plain statements (`load_member_read`).
    """
    read = reads.get(member_id)
    if read is None:
        epoch = reads.epoch
        read = await load_member_read(database, member_id)
        if read is None:
            raise NotFoundError(f"Member {member_id} not found.")
        reads.put(read, epoch)
    if not (read.consent or viewer.may_manage(member_id)):
        raise NotFoundError(f"Member {member_id} not found.")
    return as_seen_by(read, viewer.may_manage(member_id))


async def get_managed_member(session: AsyncSession, viewer: Principal, member_id: int) -> Member:
    """A member the viewer may change (themself, or anyone for an animator)."""
    member = await get_member(session, viewer, member_id)
    if not viewer.may_manage(member_id):
        raise PermissionDeniedError("You may only change your own profile.")
    return member


def _sync_offers(member: Member, texts: Sequence[str]) -> None:
    if [offer.text for offer in member.offers] == list(texts):
        return
    member.offers.clear()
    member.offers.extend(Offer(text=text, position=i) for i, text in enumerate(texts))


def _sync_needs(member: Member, texts: Sequence[str]) -> None:
    """Make `texts` the open needs: keep matching ones, withdraw the others, add new ones."""
    wanted = {fold(text): text for text in texts}
    now = utcnow()
    for need in member.needs:
        if need.status != "open":
            continue
        if fold(need.text) in wanted:
            wanted.pop(fold(need.text))
        else:
            need.status = "withdrawn"
            need.status_changed_at = now
    member.needs.extend(Need(text=text, status="open") for text in wanted.values())


def apply_profile(member: Member, data: dict[str, object]) -> None:
    """Copy profile fields from `data` onto `member` (offers and needs synchronised)."""
    for field in PROFILE_FIELDS:
        if field in data and getattr(member, field, None) != data[field]:
            setattr(member, field, data[field])
    if "consent" in data and bool(data["consent"]) != bool(member.consent):
        consent = bool(data["consent"])
        if consent:
            member.consent_at = utcnow()
            member.consent_version = CONSENT_TEXT_VERSION
        member.consent = consent
    if "offers" in data:
        _sync_offers(member, data["offers"])  # type: ignore[arg-type]
    if "needs" in data:
        _sync_needs(member, data["needs"])  # type: ignore[arg-type]


def new_member(data: MemberCreate) -> Member:
    """A new member and account (no password until an invitation is accepted)."""
    member = Member(account=Account(email=data.email, role=data.role), needs=[], offers=[])
    member.display_name = data.display_name
    apply_profile(member, _create_fields(data))
    return member


def _create_fields(data: MemberCreate) -> dict[str, object]:
    return {name: getattr(data, name) for name in data.__struct_fields__ if name != "email"}


async def create_member(session: AsyncSession, data: MemberCreate) -> Member:
    """Create a member (animators); 409 when the email is taken."""
    taken = await session.scalar(select(Account.id).where(Account.email == data.email))
    if taken is not None:
        raise ConflictError(
            "An account already exists for this email.",
            [{"key": "email", "message": "already registered"}],
        )
    member = new_member(data)
    session.add(member)
    await session.flush()
    await record_changes(session, [member.id])
    return member


def stale_profile(given: int | None = None, current: int | None = None) -> ConflictError:
    """409: the profile was saved by someone else since it was read."""
    since = f" since version {given} (now {current})" if given is not None else ""
    return ConflictError(
        f"The profile changed{since}: reload it and apply your change again.",
        [{"key": "version", "message": "stale version"}],
    )


async def lock_member(session: AsyncSession, member_id: int) -> None:
    """Hold the member's row until the transaction ends, before counting what they have.

    An UPDATE of the row takes its lock on PostgreSQL and the database's write lock on
    SQLite, so that two requests checking a rule on the member's needs or requests (at most 10
    open needs) run one after the other and each sees what the other committed.
    """
    await session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


async def update_member(
    session: AsyncSession, viewer: Principal, member_id: int, patch: MemberUpdate
) -> Member:
    """Apply a partial update; role changes are for animators; `version` guards lost updates.

    The UPDATE says `WHERE version = <version read>` (SQLAlchemy's version counter): of two
    saves of the same version exactly one succeeds, the other is a 409.
    """
    member = await get_managed_member(session, viewer, member_id)
    if isinstance(patch.version, int) and patch.version != member.version:
        raise stale_profile(patch.version, member.version)
    changes = patch.changes()
    if "role" in changes:
        if not viewer.is_animator:
            raise PermissionDeniedError("Only an animator may change a role.")
        member.account.role = str(changes.pop("role"))
    if "needs" in changes:  # replaces the open needs: count them under the member's lock
        await lock_member(session, member_id)
        await session.refresh(member, ["needs"])
    apply_profile(member, changes)
    member.updated_at = utcnow()
    try:
        await session.flush()
    except StaleDataError:
        raise stale_profile() from None
    await record_changes(session, [member.id])
    return member


async def delete_member(session: AsyncSession, viewer: Principal, member_id: int) -> None:
    """Delete a member, their account, needs, offers and tokens."""
    member = await get_managed_member(session, viewer, member_id)
    await session.delete(member.account)
    await session.delete(member)
    await session.flush()
    await record_changes(session, [member_id])


async def list_needs(
    session: AsyncSession,
    viewer: Principal,
    member_id: int,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Need], int]:
    """A member's needs (themself or an animator only)."""
    await get_managed_member(session, viewer, member_id)
    conditions = [Need.member_id == member_id]
    if status:
        conditions.append(Need.status == status)
    total = await session.scalar(select(func.count(Need.id)).where(*conditions)) or 0
    rows = await session.scalars(
        select(Need).where(*conditions).order_by(Need.id).limit(limit).offset(offset)
    )
    return list(rows), total


MAX_OPEN_NEEDS = 10


async def _check_room_for_open_need(session: AsyncSession, member_id: int, field: str) -> None:
    """422 when the member already has `MAX_OPEN_NEEDS` open needs (counted under their lock)."""
    await lock_member(session, member_id)
    open_needs = await session.scalar(
        select(func.count(Need.id)).where(Need.member_id == member_id, Need.status == "open")
    )
    if (open_needs or 0) >= MAX_OPEN_NEEDS:
        raise InvalidInputError.for_field(
            field, f"at most {MAX_OPEN_NEEDS} open needs: mark one met or withdrawn first"
        )


async def add_need(session: AsyncSession, viewer: Principal, member_id: int, text: str) -> Need:
    """Add an open need; at most ten open needs per member, even under concurrent requests."""
    await get_managed_member(session, viewer, member_id)
    await _check_room_for_open_need(session, member_id, "text")
    need = Need(member_id=member_id, text=text, status="open")
    session.add(need)
    await session.flush()
    await record_changes(session, [member_id])
    return need


async def update_need(
    session: AsyncSession, viewer: Principal, need_id: int, status: str | None, text: str | None
) -> Need:
    """Change a need's status or wording (its owner or an animator)."""
    need = await session.get(Need, need_id)
    if need is None or not viewer.may_manage(need.member_id):
        raise NotFoundError(f"Need {need_id} not found.")
    if status == "open" and need.status != "open":
        await _check_room_for_open_need(session, need.member_id, "status")
    if text is not None:
        need.text = text.strip()
    if status is not None and status != need.status:
        need.status = status
        need.status_changed_at = utcnow()
    need.updated_at = utcnow()
    await session.flush()
    await record_changes(session, [need.member_id])
    return need
