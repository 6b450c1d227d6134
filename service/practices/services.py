"""Tool sheets: who may read, write, edit and suggest; every change kept as a revision.

Rules:

- coaches, trainers and animators write sheets (`can_write`); a sheet's author and animators
  edit it and publish it (`can_edit`); every signed-in member reads published sheets, and may
  suggest an edit to them (`suggest`), which the author or an animator accepts or refuses;
- every applied change is a `PracticeRevision` naming its author, date and `{field: [before,
  after]}`, numbered by the version it produced (unique per sheet);
- an edit names the version it was made on; SQLAlchemy's version counter makes the UPDATE
  conditional on it, so of two concurrent edits of one version exactly one lands (409 for the
  other); deciding a suggestion is one conditional UPDATE from `pending`, so it is decided once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from msgspec import UNSET
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from catalogue.practices import suggest_themes
from matching.themes import ThemeModel
from service.accounts.principal import Principal
from service.db.models import Member, Practice, PracticeRevision, utcnow
from service.errors import ConflictError, NotFoundError, PermissionDeniedError
from service.practices import search
from service.practices.schemas import (
    EDITABLE,
    PracticeChanges,
    PracticeCreate,
    PracticeRead,
    RevisionRead,
)

WRITERS = ("coach", "trainer", "animator")
FORMER_MEMBER = "Ancien membre"
STALE = "La fiche a changé entre-temps : rechargez-la et refaites votre modification."


def can_write(principal: Principal) -> bool:
    """Coaches, trainers and animators write new sheets."""
    return principal.role in WRITERS


def can_edit(principal: Principal, record: Practice) -> bool:
    """The author and animators edit, publish and decide suggestions."""
    return principal.is_animator or record.author_id == principal.member_id


def visible(principal: Principal, record: Practice) -> bool:
    """Published sheets for everyone signed in; drafts for those who may edit them."""
    return record.status == "published" or can_edit(principal, record)


def sheet_text(values: dict[str, Any]) -> str:
    """The text the theme model reads to suggest a sheet's themes."""
    parts = [values.get("title", ""), values.get("summary", ""), values.get("when_to_use", "")]
    return "\n".join(p for p in [*parts, *values.get("steps", [])] if p)


async def author_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    """Display names of these members (erased ones are absent)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(Member.id, Member.display_name).where(Member.id.in_(wanted))
    )
    return {int(i): str(name) for i, name in rows}


def credit_of(record: Practice, names: dict[int, str]) -> str:
    """Who the sheet is credited to."""
    if record.credit:
        return record.credit
    if record.author_id is not None:
        return names.get(record.author_id, FORMER_MEMBER)
    return FORMER_MEMBER if record.source == "written" else "Communauté"


def to_read(
    record: Practice, names: dict[int, str], model: ThemeModel | None = None
) -> PracticeRead:
    """The API view of a sheet (with the model's suggested themes when `model` is given)."""
    values = {field: getattr(record, field) for field in EDITABLE}
    return PracticeRead(
        id=record.id,
        **{k: (list(v) if isinstance(v, list) else v) for k, v in values.items()},
        author_id=record.author_id,
        author=credit_of(record, names),
        source=record.source,
        lesson_id=record.lesson_id,
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
        suggested_themes=suggest_themes(model, sheet_text(values)) if model else [],
    )


def _visibility(principal: Principal) -> Any:
    if principal.is_animator:
        return None
    return or_(Practice.status == "published", Practice.author_id == principal.member_id)


async def list_practices(
    session: AsyncSession,
    principal: Principal,
    *,
    q: str | None = None,
    theme: str | None = None,
    audience: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Practice], int]:
    """A page of the sheets the caller may read, filtered; with `q`, best matches first."""
    query = select(Practice)
    seen = _visibility(principal)
    if seen is not None:
        query = query.where(seen)
    if status:
        query = query.where(Practice.status == status)
    if q and q.strip():
        query, searchable = search.ranked(session, query, q)
        if not searchable:
            return [], 0
    else:
        query = query.order_by(Practice.title, Practice.id)
    if theme or audience:  # JSON lists: filtered here, portable across databases
        rows = [
            row
            for row in await session.scalars(query)
            if (not theme or theme in row.themes) and (not audience or audience in row.audience)
        ]
        return rows[offset : offset + limit], len(rows)
    total = await search.count_hits(session, query)
    rows = list(await session.scalars(query.limit(limit).offset(offset)))
    return rows, total


async def get_practice(session: AsyncSession, principal: Principal, practice_id: int) -> Practice:
    """A sheet the caller may read (404 otherwise: drafts of others are not shown to exist)."""
    record = await session.get(Practice, practice_id)
    if record is None or not visible(principal, record):
        raise NotFoundError(f"Practice {practice_id} not found.")
    return record


def _apply(record: Practice, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Copy `changes` onto `record`; `{field: [before, after]}` of what really changed."""
    done: dict[str, list[Any]] = {}
    for field in EDITABLE:
        if field not in changes:
            continue
        before, after = getattr(record, field), changes[field]
        after = list(after) if isinstance(after, list | tuple) else after
        before = list(before) if isinstance(before, list) else before
        if before != after:
            setattr(record, field, after)
            done[field] = [before, after]
    if done:
        record.search_body = search.body_text(record.when_to_use, record.steps, record.materials)
    return done


def _revision(
    record: Practice, principal: Principal | None, changes: dict[str, list[Any]], **extra: Any
) -> PracticeRevision:
    return PracticeRevision(
        practice_id=record.id,
        version=record.version,
        status="applied",
        author_id=principal.member_id if principal else None,
        base_version=record.version - 1,
        changes=changes,
        **extra,
    )


async def add_practice(
    session: AsyncSession,
    values: dict[str, Any],
    *,
    author: Principal | None,
    source: str = "written",
    credit: str = "",
    source_key: str | None = None,
    lesson_id: int | None = None,
    author_label: str = "",
    comment: str = "Création de la fiche",
) -> Practice:
    """Store a new sheet (version 1) with its first revision, indexed for search."""
    record = Practice(
        author_id=author.member_id if author else None,
        source=source,
        credit=credit,
        source_key=source_key,
        lesson_id=lesson_id,
        version=1,
        steps=[],
        themes=[],
        audience=[],
        title="",
        summary="",
        when_to_use="",
        materials="",
        group_size="",
        duration_minutes=None,
    )
    initial = _apply(record, {"licence": "CC BY-SA 4.0", "status": "draft", **values})
    record.search_body = search.body_text(record.when_to_use, record.steps, record.materials)
    session.add(record)
    await session.flush()
    created = {
        field: [None, after] for field, (_, after) in initial.items() if after not in ("", [])
    }
    session.add(_revision(record, author, created, comment=comment, author_label=author_label))
    await session.flush()
    await search.sync_index(session, [record])
    return record


async def create_practice(
    session: AsyncSession, principal: Principal, data: PracticeCreate, model: ThemeModel
) -> Practice:
    """A new sheet by a coach, trainer or animator (themes suggested when not given)."""
    if not can_write(principal):
        raise PermissionDeniedError(
            "Seuls les coachs, formateurs et animateurs écrivent des fiches ; "
            "vous pouvez proposer une modification d'une fiche publiée."
        )
    values = {field: getattr(data, field) for field in EDITABLE}
    if data.themes is None:
        values["themes"] = suggest_themes(model, sheet_text(values))
    return await add_practice(session, values, author=principal)


async def _save(session: AsyncSession) -> None:
    try:
        await session.flush()
    except (StaleDataError, IntegrityError):
        raise ConflictError(STALE, [{"key": "version", "message": STALE}]) from None


async def update_practice(
    session: AsyncSession, principal: Principal, practice_id: int, data: PracticeChanges
) -> Practice:
    """Edit a sheet (author or animator), kept in its history; 409 on an older `version`."""
    record = await get_practice(session, principal, practice_id)
    if not can_edit(principal, record):
        raise PermissionDeniedError(
            "Seuls l'auteur de la fiche et les animateurs la modifient : proposez une "
            "modification (suggestion)."
        )
    if data.version is not UNSET and data.version != record.version:
        raise ConflictError(STALE, [{"key": "version", "message": STALE}])
    changes = _apply(record, data.changes())
    if not changes:
        return record
    record.updated_at = utcnow()
    await _save(session)
    session.add(_revision(record, principal, changes, comment=data.comment))
    await _save(session)
    await search.sync_index(session, [record])
    return record


async def history(
    session: AsyncSession, principal: Principal, practice_id: int, limit: int, offset: int
) -> tuple[list[RevisionRead], int]:
    """Applied changes, newest first: who, when, what changed."""
    await get_practice(session, principal, practice_id)
    where = and_(
        PracticeRevision.practice_id == practice_id,
        PracticeRevision.status.in_(("applied", "accepted")),
    )
    total = int(await session.scalar(select(func.count(PracticeRevision.id)).where(where)) or 0)
    rows = list(
        await session.scalars(
            select(PracticeRevision)
            .where(where)
            .order_by(PracticeRevision.version.desc(), PracticeRevision.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    names = await author_names(session, [r.author_id for r in rows])
    return [revision_read(r, names) for r in rows], total


def revision_read(
    row: PracticeRevision, names: dict[int, str], current: Practice | None = None
) -> RevisionRead:
    """The API view of a revision (a pending suggestion shows the sheet's value now)."""
    if row.status == "pending" and current is not None:
        changes = {f: [_value(getattr(current, f)), v] for f, v in row.proposed.items()}
    elif row.status in ("pending", "rejected"):
        changes = {f: [None, v] for f, v in row.proposed.items()}
    else:
        changes = {f: list(pair) for f, pair in row.changes.items()}
    if row.author_id is not None:
        who = names.get(row.author_id, FORMER_MEMBER)
    else:
        who = row.author_label or FORMER_MEMBER
    return RevisionRead(
        id=row.id,
        practice_id=row.practice_id,
        version=row.version,
        status=row.status,
        author_id=row.author_id,
        author=who,
        created_at=row.created_at,
        comment=row.comment,
        changes=changes,
        decided_at=row.decided_at,
    )


def _value(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


async def suggest(
    session: AsyncSession, principal: Principal, practice_id: int, data: PracticeChanges
) -> PracticeRevision:
    """Anyone who reads a sheet may suggest an edit; it waits for the author or an animator."""
    record = await get_practice(session, principal, practice_id)
    proposed = {
        field: _value(value)
        for field, value in data.changes().items()
        if _value(getattr(record, field)) != _value(value)
    }
    if not proposed:
        raise ConflictError("Cette suggestion ne change rien à la fiche.")
    row = PracticeRevision(
        practice_id=record.id,
        version=None,
        status="pending",
        author_id=principal.member_id,
        base_version=record.version,
        comment=data.comment,
        proposed=proposed,
        changes={},
    )
    session.add(row)
    await session.flush()
    return row


async def suggestions(
    session: AsyncSession, principal: Principal, practice_id: int, status: str | None
) -> tuple[list[RevisionRead], Practice]:
    """Suggestions of a sheet: all of them for its editors, one's own for others."""
    record = await get_practice(session, principal, practice_id)
    query = select(PracticeRevision).where(
        PracticeRevision.practice_id == practice_id,
        PracticeRevision.status.in_((status,) if status else ("pending", "accepted", "rejected")),
    )
    if not can_edit(principal, record):
        query = query.where(PracticeRevision.author_id == principal.member_id)
    rows = [r for r in await session.scalars(query.order_by(PracticeRevision.id)) if r.proposed]
    names = await author_names(session, [r.author_id for r in rows])
    return [revision_read(r, names, record) for r in rows], record


async def decide(
    session: AsyncSession,
    principal: Principal,
    practice_id: int,
    suggestion_id: int,
    *,
    accept: bool,
    comment: str = "",
) -> PracticeRevision:
    """Accept (applied as a new version) or refuse a pending suggestion, exactly once."""
    record = await get_practice(session, principal, practice_id)
    if not can_edit(principal, record):
        raise PermissionDeniedError("Seuls l'auteur de la fiche et les animateurs décident.")
    row = await session.get(PracticeRevision, suggestion_id)
    if row is None or row.practice_id != practice_id or not row.proposed:
        raise NotFoundError(f"Suggestion {suggestion_id} not found.")
    claimed = await session.execute(
        update(PracticeRevision)
        .where(PracticeRevision.id == suggestion_id, PracticeRevision.status == "pending")
        .values(
            status="accepted" if accept else "rejected",
            decided_at=utcnow(),
            decided_by=principal.member_id,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("Cette suggestion a déjà été traitée.")
    await session.refresh(row)
    if accept:
        changes = _apply(record, dict(row.proposed))
        if changes:
            record.updated_at = utcnow()
            await _save(session)
            row.version = record.version
            row.changes = changes
            if comment:
                row.comment = f"{row.comment}\n{comment}".strip()[:500]
            await _save(session)
            await search.sync_index(session, [record])
    return row


async def practices_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Practice]:
    """Sheets by id."""
    if not ids:
        return {}
    return {p.id: p for p in await session.scalars(select(Practice).where(Practice.id.in_(ids)))}
