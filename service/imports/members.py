"""Bulk import of member profiles: upsert keyed on email, all-or-nothing by default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from service.db.changes import record_changes
from service.db.models import Account, Member, Need, Offer, utcnow
from service.errors import InvalidInputError
from service.imports.validation import RowError, validate_rows
from service.members.schemas import MemberCreate
from service.members.services import PROFILE_FIELDS, apply_profile
from service.reference import CONSENT_TEXT_VERSION

MAX_IMPORT_ROWS = 10_000
_LOOKUP_CHUNK = 500
_INSERT_CHUNK = 1000
T = TypeVar("T")


class ImportReport(msgspec.Struct, kw_only=True):
    """What an import did: counts, and the rows refused."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = msgspec.field(default_factory=list)


def _duplicate_errors(valid: Sequence[tuple[int, MemberCreate]]) -> list[RowError]:
    seen: dict[str, int] = {}
    errors = []
    for index, row in valid:
        if row.email in seen:
            errors.append(
                RowError(index=index, field="email", message=f"duplicate of row {seen[row.email]}")
            )
        seen.setdefault(row.email, index)
    return errors


async def _existing(session: AsyncSession, emails: list[str]) -> dict[str, Member]:
    found: dict[str, Member] = {}
    for start in range(0, len(emails), _LOOKUP_CHUNK):
        chunk = emails[start : start + _LOOKUP_CHUNK]
        members = await session.scalars(
            select(Member)
            .join(Member.account)
            .where(Account.email.in_(chunk))
            .options(selectinload(Member.needs), selectinload(Member.offers))
        )
        found.update({member.account.email: member for member in members})
    return found


def _profile_values(row: MemberCreate) -> dict[str, Any]:
    values: dict[str, Any] = {
        field: getattr(row, field) for field in PROFILE_FIELDS if field in row.__struct_fields__
    }
    values["consent"] = row.consent
    values["consent_at"] = utcnow() if row.consent else None
    values["consent_version"] = CONSENT_TEXT_VERSION if row.consent else None
    return values


async def _bulk_create(rows: Sequence[MemberCreate], session: AsyncSession) -> list[int]:
    """Insert new members with a few multi-row statements (the ORM would go row by row)."""
    if not rows:
        return []
    account_ids: dict[str, int] = {}
    for chunk in _chunks(rows):
        result = await session.execute(
            insert(Account).returning(Account.id, Account.email),
            [{"email": row.email, "role": row.role, "is_active": True} for row in chunk],
        )
        account_ids.update({email: account_id for account_id, email in result})
    member_ids: dict[int, int] = {}
    for chunk in _chunks(rows):
        result = await session.execute(
            insert(Member).returning(Member.id, Member.account_id),
            [
                {"account_id": account_ids[row.email], "version": 1, **_profile_values(row)}
                for row in chunk
            ],
        )
        member_ids.update({account_id: member_id for member_id, account_id in result})
    by_email = {email: member_ids[account_id] for email, account_id in account_ids.items()}
    needs = [
        {"member_id": by_email[row.email], "text": text, "status": "open"}
        for row in rows
        for text in row.needs
    ]
    offers = [
        {"member_id": by_email[row.email], "text": text, "position": position}
        for row in rows
        for position, text in enumerate(row.offers)
    ]
    for model, values in ((Need, needs), (Offer, offers)):
        for chunk in _chunks(values):
            await session.execute(insert(model), chunk)
    return list(by_email.values())


def _chunks(items: Sequence[T]) -> list[Sequence[T]]:
    return [items[i : i + _INSERT_CHUNK] for i in range(0, len(items), _INSERT_CHUNK)]


async def import_members(
    session: AsyncSession, rows: Sequence[Any], *, partial: bool = False
) -> ImportReport:
    """Validate every row, then create or update members by email.

    All-or-nothing unless `partial`: one invalid row raises `InvalidInputError` carrying the
    full error list, and nothing is written.
    """
    if len(rows) > MAX_IMPORT_ROWS:
        raise InvalidInputError.for_field("rows", f"at most {MAX_IMPORT_ROWS} rows per import")
    valid, errors = validate_rows(rows, MemberCreate)
    errors += _duplicate_errors(valid)
    errors.sort(key=lambda error: error.index)
    if errors and not partial:
        raise InvalidInputError(
            f"{len(errors)} invalid row(s): nothing was imported.",
            [msgspec.to_builtins(error) for error in errors],
        )
    refused = {error.index for error in errors}
    accepted = [row for index, row in valid if index not in refused]
    existing = await _existing(session, [row.email for row in accepted])
    report = ImportReport(errors=errors)
    created_ids = await _bulk_create(
        [row for row in accepted if row.email not in existing], session
    )
    report.created = len(created_ids)
    updated_ids: list[int] = []
    for row in accepted:
        member = existing.get(row.email)
        if member is None:
            continue
        fields = {name: getattr(row, name) for name in row.__struct_fields__}
        role = fields.pop("role")
        if member.account.role != role:
            member.account.role = role  # type: ignore[assignment]
        fields.pop("email")
        apply_profile(member, fields)
        if (
            not session.is_modified(member)
            and not session.is_modified(member.account)
            and not any(
                session.is_modified(child) or child in session.new
                for child in (*member.needs, *member.offers)
            )
        ):
            report.unchanged += 1
            continue
        member.updated_at = utcnow()  # the UPDATE bumps `version` (SQLAlchemy's version counter)
        updated_ids.append(member.id)
    report.updated = len(updated_ids)
    await session.flush()
    await record_changes(session, updated_ids + created_ids)
    return report
