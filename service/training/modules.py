"""The catalogue in storage: list, read, create, update, import; every write validated by
`catalogue.modules` so the database never holds a module the catalogue rules refuse."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.errors import InvalidModuleError
from catalogue.modules import Module, module_from_dict, module_to_dict
from service.accounts.principal import Principal
from service.db.models import TrainingModule, utcnow
from service.errors import ConflictError, InvalidInputError, NotFoundError
from service.imports.validation import RowError
from service.reference import normalize_region, search_key
from service.training.schemas import ModuleRead

EDITORS = ("trainer", "animator")
MAX_IMPORT_MODULES = 2000


class ModuleImportReport(msgspec.Struct, kw_only=True):
    """What a catalogue import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = msgspec.field(default_factory=list)


def can_edit(principal: Principal) -> bool:
    """Trainers and animators write the catalogue and see drafts and archived modules."""
    return principal.role in EDITORS


def to_read(record: TrainingModule, interest: int = 0) -> ModuleRead:
    """The API view of a stored module (`interest`: members who said « Ça m'intéresse »)."""
    return ModuleRead(
        id=record.id,
        title=record.title,
        summary=record.summary,
        objectives=list(record.objectives),
        format=record.format,
        duration_hours=record.duration_hours,
        audience=list(record.audience),
        topics=list(record.topics),
        region=record.region,
        status=record.status,
        source=record.source,
        created_at=record.created_at,
        updated_at=record.updated_at,
        next_session=record.next_session,
        interest=interest,
    )


def to_module(record: TrainingModule) -> Module:
    """The catalogue record of a stored module (for recommendations and coverage)."""
    return Module(
        id=record.id,
        title=record.title,
        summary=record.summary,
        objectives=tuple(record.objectives),
        format=record.format,  # type: ignore[arg-type]
        duration_hours=record.duration_hours,
        audience=tuple(record.audience),  # type: ignore[arg-type]
        topics=tuple(record.topics),
        region=record.region,
        status=record.status,  # type: ignore[arg-type]
        source=record.source,  # type: ignore[arg-type]
        next_session=record.next_session,
    )


def validate(data: dict[str, Any], index: int | None = None) -> Module:
    """A `Module` from untrusted data: region spelling normalised, every rule checked."""
    data = dict(data)
    region = data.get("region")
    if isinstance(region, str) and region.strip():
        try:
            data["region"] = normalize_region(region)
        except ValueError as exc:
            raise InvalidModuleError("region", str(exc), index) from None
    return module_from_dict(data, index)


def _invalid(error: InvalidModuleError) -> InvalidInputError:
    return InvalidInputError.for_field(error.field, error.message)


def _write(record: TrainingModule, module: Module) -> bool:
    """Copy `module` onto `record`; True when anything changed."""
    changed = False
    for field, value in module_to_dict(module).items():
        if field == "id":
            continue
        if field == "next_session":
            value = module.next_session  # a date, not its ISO text
        value = list(value) if isinstance(value, tuple | list) else value
        if getattr(record, field, None) != value:
            setattr(record, field, value)
            changed = True
    return changed


async def list_modules(
    session: AsyncSession,
    principal: Principal,
    *,
    status: str | None,
    audience: str | None,
    format: str | None,
    region: str | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[TrainingModule], int]:
    """A page of the catalogue; members see published modules only."""
    conditions: list[ColumnElement[bool]] = []
    if not can_edit(principal):
        conditions.append(TrainingModule.status == "published")
    if status:
        conditions.append(TrainingModule.status == status)
    if format:
        conditions.append(TrainingModule.format == format)
    if region:
        conditions.append(or_(TrainingModule.region.is_(None), TrainingModule.region == region))
    rows = list(
        await session.scalars(select(TrainingModule).where(*conditions).order_by(TrainingModule.id))
    )
    if audience:  # JSON lists: filtered here, portable across databases
        rows = [row for row in rows if audience in row.audience]
    key = search_key(q or "")
    if key:  # accents and case folded the same way on every database (a catalogue is small)
        rows = [row for row in rows if key in search_key(f"{row.title}\n{row.summary}")]
    return rows[offset : offset + limit], len(rows)


async def get_module(session: AsyncSession, principal: Principal, module_id: str) -> TrainingModule:
    """A module the caller may see (unpublished ones only for trainers and animators)."""
    record = await session.get(TrainingModule, module_id)
    if record is None or (record.status != "published" and not can_edit(principal)):
        raise NotFoundError(f"Module {module_id!r} not found.")
    return record


async def create_module(session: AsyncSession, data: dict[str, Any]) -> TrainingModule:
    """Add a module; 409 when the id exists."""
    try:
        module = validate(data)
    except InvalidModuleError as error:
        raise _invalid(error) from None
    if await session.get(TrainingModule, module.id) is not None:
        raise ConflictError(
            f"A module with id {module.id!r} already exists.",
            [{"key": "id", "message": "already exists"}],
        )
    record = TrainingModule(id=module.id)
    _write(record, module)
    session.add(record)
    await session.flush()
    return record


def problems(stored: dict[str, Any], changes: dict[str, Any]) -> list[InvalidModuleError]:
    """Every field of `changes` the catalogue rules refuse, not only the first one.

    `stored` is a valid module: each refused field is put back to its stored value and the
    rest checked again, until the module passes or a rule names no single field.
    """
    merged = {**stored, **changes}
    found: list[InvalidModuleError] = []
    for _ in range(len(merged) + 1):
        try:
            validate(merged)
        except InvalidModuleError as error:
            if error.field in {f.field for f in found}:
                break
            found.append(error)
            if error.field not in stored:
                break
            merged[error.field] = stored[error.field]
        else:
            break
    return found


async def update_module(
    session: AsyncSession, principal: Principal, module_id: str, changes: dict[str, Any]
) -> TrainingModule:
    """Apply a partial update, re-checking the whole module; a refusal names every field at
    fault (422)."""
    record = await get_module(session, principal, module_id)
    stored = module_to_dict(to_module(record))
    refused = problems(stored, changes)
    if len(refused) == 1:
        raise _invalid(refused[0])
    if refused:
        raise InvalidInputError(
            f"Invalid module: {', '.join(error.field for error in refused)}.",
            [{"key": error.field, "message": error.message} for error in refused],
        )
    module = validate({**stored, **changes})
    if _write(record, module):
        record.updated_at = utcnow()
    await session.flush()
    return record


async def import_modules(
    session: AsyncSession, rows: Sequence[Any], *, partial: bool = False
) -> ModuleImportReport:
    """Upsert modules keyed on `id`, all-or-nothing unless `partial` (like member import)."""
    if len(rows) > MAX_IMPORT_MODULES:
        raise InvalidInputError.for_field("rows", f"at most {MAX_IMPORT_MODULES} modules")
    modules: list[Module] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        try:
            module = validate(row, index)
        except InvalidModuleError as error:
            errors.append(RowError(index=index, field=error.field, message=error.message))
            continue
        if module.id in seen:
            errors.append(
                RowError(index=index, field="id", message=f"duplicate of row {seen[module.id]}")
            )
            continue
        seen[module.id] = index
        modules.append(module)
    if errors and not partial:
        raise InvalidInputError(
            f"{len(errors)} invalid module(s): nothing was imported.",
            [msgspec.to_builtins(error) for error in errors],
        )
    existing = {
        record.id: record
        for record in await session.scalars(
            select(TrainingModule).where(TrainingModule.id.in_([m.id for m in modules]))
        )
    }
    report = ModuleImportReport(errors=errors)
    for module in modules:
        record = existing.get(module.id)
        if record is None:
            record = TrainingModule(id=module.id)
            _write(record, module)
            session.add(record)
            report.created += 1
        elif _write(record, module):
            record.updated_at = utcnow()
            report.updated += 1
        else:
            report.unchanged += 1
    await session.flush()
    return report
