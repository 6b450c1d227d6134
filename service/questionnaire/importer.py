"""Writing imported responses: members created or updated by email, responses upserted.

Validation first, writing second: all-or-nothing unless `partial`; a dry run stops before
writing. New members go in with a few multi-row statements; existing ones through the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from service.db.changes import record_changes
from service.db.models import Account, Member, Need, Offer, utcnow
from service.errors import ConflictError, InvalidInputError
from service.members.services import apply_profile
from service.questionnaire.csv_import import (
    MAX_ROWS,
    Candidate,
    candidates_from_json,
    candidates_from_table,
    read_csv,
)
from service.questionnaire.mapping import ColumnMapping, default_mapping
from service.questionnaire.models import Questionnaire, QuestionnaireResponse
from service.questionnaire.schemas import ImportRowError, JsonImport, ResponsesImportReport
from service.questionnaire.services import get_questionnaire, profile_changes, questions_of

Progress = Callable[[int, int], None]
"""Called with the rows just written and the rows to write in all (the CLI's progress bar)."""
T = TypeVar("T")
_CHUNK = 1000
_LOOKUP_CHUNK = 5000  # large IN lists: PostgreSQL hash-joins them even on fresh statistics
_NEW_MEMBER_DEFAULTS: dict[str, Any] = {
    "job_title": "",
    "organization": "",
    "organization_type": "autre",
    "region": None,
    "department": None,
    "network_level": "national",
    "bio": "",
    "topics": [],
    "tools": [],
    "capacity": 0,
    "consent": False,
    "paused": False,
    "exclude_own_organization": False,
}


def _chunks(items: Sequence[T], size: int = _CHUNK) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass
class _Stored:
    id: int
    answers: dict[str, Any]


@dataclass
class _Existing:
    member_id: int
    fields: dict[str, object]
    response: _Stored | None


async def _lookup(
    session: AsyncSession, questionnaire_id: int, emails: Sequence[str]
) -> dict[str, _Existing]:
    found: dict[str, _Existing] = {}
    for chunk in _chunks(emails, _LOOKUP_CHUNK):
        rows = await session.execute(
            select(
                Account.email,
                Member.id,
                Member.display_name,
                Member.organization,
                Member.job_title,
                Member.consent,
            )
            .join(Member, Member.account_id == Account.id)
            .where(Account.email.in_(chunk))
        )
        for email, member_id, name, organization, job_title, consent in rows:
            fields = {
                "display_name": name,
                "organization": organization,
                "job_title": job_title,
                "consent": consent,
            }
            found[email] = _Existing(member_id, fields, None)
    by_id = {existing.member_id: existing for existing in found.values()}
    for chunk in _chunks(list(by_id), _LOOKUP_CHUNK):
        responses = await session.execute(
            select(
                QuestionnaireResponse.id,
                QuestionnaireResponse.member_id,
                QuestionnaireResponse.answers,
            ).where(
                QuestionnaireResponse.questionnaire_id == questionnaire_id,
                QuestionnaireResponse.member_id.in_(chunk),
            )
        )
        for response_id, member_id, answers in responses:
            by_id[member_id].response = _Stored(response_id, answers)
    return found


async def _load_members(session: AsyncSession, ids: Sequence[int]) -> dict[int, Member]:
    members: dict[int, Member] = {}
    for chunk in _chunks(ids, 500):
        result = await session.scalars(
            select(Member)
            .where(Member.id.in_(chunk))
            .options(selectinload(Member.needs), selectinload(Member.offers))
        )
        members.update({member.id: member for member in result})
    return members


def _differs(candidate: Candidate, existing: _Existing) -> bool:
    if existing.response is None or existing.response.answers != candidate.answers:
        return True
    return any(existing.fields.get(name) != value for name, value in candidate.member.items())


def _duplicates(candidates: Sequence[Candidate]) -> list[ImportRowError]:
    first: dict[str, int] = {}
    errors = []
    for candidate in candidates:
        if candidate.email in first:
            errors.append(
                ImportRowError(
                    line=candidate.line,
                    column=candidate.column("email"),
                    message=f"same email as line {first[candidate.email]}",
                )
            )
        first.setdefault(candidate.email, candidate.line)
    return errors


def _refuse(errors: list[ImportRowError]) -> InvalidInputError:
    return InvalidInputError(
        f"{len(errors)} invalid row(s): nothing was imported.",
        [msgspec.to_builtins(error) for error in errors],
    )


async def import_candidates(
    session: AsyncSession,
    questionnaire: Questionnaire,
    candidates: list[Candidate],
    errors: list[ImportRowError],
    *,
    rows: int,
    partial: bool = False,
    dry_run: bool = False,
    ignored_columns: Sequence[str] = (),
    progress: Progress | None = None,
) -> ResponsesImportReport:
    """Create or update members and their responses; see the module docstring for the rules."""
    if questionnaire.closed_at is not None:
        raise ConflictError(f"Questionnaire version {questionnaire.version} is closed.")
    questions = questions_of(questionnaire)
    if session.get_bind().dialect.name == "postgresql":
        # A pooled connection may hold generic plans made while the tables were small; a bulk
        # lookup through such a plan scans the tables once per email.
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    errors = errors + _duplicates(candidates)
    existing = await _lookup(session, questionnaire.id, [c.email for c in candidates])
    changed = [c for c in candidates if c.email in existing and _differs(c, existing[c.email])]
    members = await _load_members(session, [existing[c.email].member_id for c in changed])
    changed_lines = {c.line for c in changed}
    plans: list[tuple[Candidate, dict[str, object]]] = []
    for candidate in candidates:
        member = None
        if candidate.line in changed_lines:
            member = members.get(existing[candidate.email].member_id)
        if candidate.email in existing and member is None:
            continue
        previous = existing[candidate.email].response if member is not None else None
        changes, problems = profile_changes(
            questions,
            candidate.answers,
            dict(previous.answers) if previous is not None else None,
            [n.text for n in member.needs if n.status == "open"] if member else [],
            [o.text for o in member.offers] if member else [],
        )
        errors += [
            ImportRowError(line=candidate.line, column=candidate.column(key), message=message)
            for key, message in problems
        ]
        plans.append((candidate, changes))
    errors.sort(key=lambda error: error.line)
    if errors and not partial:
        raise _refuse(errors)
    refused = {error.line for error in errors}
    plans = [(c, changes) for c, changes in plans if c.line not in refused]
    accepted = [c for c in candidates if c.line not in refused]
    report = ResponsesImportReport(
        version=questionnaire.version,
        rows=rows,
        dry_run=dry_run,
        ignored_columns=list(ignored_columns),
        errors=errors,
    )
    new = [(c, ch) for c, ch in plans if c.email not in existing]
    updates = [(c, ch) for c, ch in plans if c.email in existing]
    report.unchanged = len(accepted) - len(plans)
    if dry_run:
        report.members_created = report.responses_created = len(new)
        report.members_updated = len(updates)
        report.responses_updated = sum(
            1 for c, _ in updates if existing[c.email].response is not None
        )
        return report
    total = len(new) + len(updates)
    tick = (lambda done: progress(done, total)) if progress is not None else None
    created_ids = await _create(session, questionnaire.id, new, tick)
    report.members_created = report.responses_created = len(created_ids)
    updated_ids = []
    for candidate, changes in updates:
        found = existing[candidate.email]
        member = members[found.member_id]
        member_changed = _apply(session, member, candidate, changes)
        response_changed = True
        if found.response is None:
            session.add(
                QuestionnaireResponse(
                    questionnaire_id=questionnaire.id,
                    member_id=member.id,
                    answers=candidate.answers,
                    source="import",
                )
            )
            report.responses_created += 1
        elif found.response.answers != candidate.answers:
            await session.execute(
                update(QuestionnaireResponse.__table__)
                .where(QuestionnaireResponse.id == found.response.id)
                .values(answers=candidate.answers, source="import", updated_at=utcnow())
            )
            report.responses_updated += 1
        else:
            response_changed = False
        if member_changed:
            updated_ids.append(member.id)
        elif not response_changed:
            report.unchanged += 1
        if tick is not None:
            tick(1)
    report.members_updated = len(updated_ids)
    await session.flush()
    await record_changes(session, created_ids + updated_ids)
    return report


def _apply(
    session: AsyncSession, member: Member, candidate: Candidate, changes: dict[str, object]
) -> bool:
    """Apply member fields and mapped answers; True when the profile actually changed."""
    apply_profile(member, {**candidate.member, **changes})
    modified = session.is_modified(member) or any(
        session.is_modified(child) or child in session.new
        for child in (*member.needs, *member.offers)
    )
    if modified:
        member.updated_at = utcnow()  # the UPDATE bumps `version` (version counter)
    return modified


async def _create(
    session: AsyncSession,
    questionnaire_id: int,
    plans: Sequence[tuple[Candidate, dict[str, object]]],
    progress: Callable[[int], None] | None,
) -> list[int]:
    """Insert new accounts, members, needs, offers and responses with multi-row statements."""
    created: list[int] = []
    now = utcnow()
    for chunk in _chunks(plans):
        accounts = await session.execute(
            insert(Account.__table__).returning(Account.id, Account.email),
            [{"email": c.email, "role": "member", "is_active": True} for c, _ in chunk],
        )
        account_ids = {email: account_id for account_id, email in accounts}
        values = []
        for candidate, changes in chunk:
            row = {**_NEW_MEMBER_DEFAULTS, **candidate.member, **changes}
            row.pop("needs", None)
            row.pop("offers", None)
            row.setdefault("display_name", candidate.email.split("@")[0])
            row["consent_at"] = now if row["consent"] else None
            row.update(account_id=account_ids[candidate.email], version=1)
            values.append(row)
        members = await session.execute(
            insert(Member.__table__).returning(Member.id, Member.account_id), values
        )
        member_ids = {account_id: member_id for member_id, account_id in members}
        by_email = {email: member_ids[account_id] for email, account_id in account_ids.items()}
        needs, offers, responses = [], [], []
        for candidate, changes in chunk:
            member_id = by_email[candidate.email]
            needs += [
                {"member_id": member_id, "text": text, "status": "open"}
                for text in changes.get("needs", [])  # type: ignore[attr-defined]
            ]
            offers += [
                {"member_id": member_id, "text": text, "position": i}
                for i, text in enumerate(changes.get("offers", []))  # type: ignore[arg-type]
            ]
            responses.append(
                {
                    "questionnaire_id": questionnaire_id,
                    "member_id": member_id,
                    "answers": candidate.answers,
                    "source": "import",
                }
            )
        for model, rows in ((Need, needs), (Offer, offers), (QuestionnaireResponse, responses)):
            if rows:
                await session.execute(insert(model.__table__), rows)
        created += list(by_email.values())
        if progress is not None:
            progress(len(chunk))
    return created


async def import_csv(
    session: AsyncSession,
    data: bytes,
    mapping: ColumnMapping | None = None,
    *,
    version: int | None = None,
    partial: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ResponsesImportReport:
    """Import a form export with `mapping` (default: the one of the default questionnaire)."""
    mapping = mapping or default_mapping()
    table = read_csv(data)
    questionnaire = await get_questionnaire(session, version or mapping.questionnaire)
    candidates, errors, ignored = candidates_from_table(table, mapping, questions_of(questionnaire))
    return await import_candidates(
        session,
        questionnaire,
        candidates,
        errors,
        rows=len(table.rows),
        partial=partial,
        dry_run=dry_run,
        ignored_columns=ignored,
        progress=progress,
    )


async def import_json(
    session: AsyncSession,
    body: JsonImport,
    *,
    version: int | None = None,
    partial: bool = False,
    dry_run: bool = False,
) -> ResponsesImportReport:
    """Import JSON rows whose answers are keyed by question key."""
    if len(body.rows) > MAX_ROWS:
        raise InvalidInputError.for_field("rows", f"at most {MAX_ROWS} rows")
    questionnaire = await get_questionnaire(session, version)
    candidates, errors = candidates_from_json(body.rows, questions_of(questionnaire))
    return await import_candidates(
        session,
        questionnaire,
        candidates,
        errors,
        rows=len(body.rows),
        partial=partial,
        dry_run=dry_run,
    )
