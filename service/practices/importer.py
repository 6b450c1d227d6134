"""Bringing the existing wiki in: pages -> sheets, all-or-nothing unless `partial`.

Each page is read (`service.practices.wiki`), then checked with the rules of a new sheet
(`PracticeCreate`). A page is identified by its source (`wiki:<title>` or `md:<path or id>`,
unique in storage), so importing the same export again changes nothing (every page
`unchanged`), and a page edited in the wiki updates its sheet as a new version in the sheet's
history. Sheets from the wiki are published (it was public to the community); a Markdown file
may say `status: draft`. Themes come from the page when it names them, else the theme model
suggests them once, at creation (re-imports never overwrite themes people corrected).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.practices import suggest_themes
from matching.themes import ThemeModel
from service.accounts.principal import Principal
from service.db.models import Practice, PracticeRevision, utcnow
from service.errors import InvalidInputError
from service.practices import search
from service.practices.schemas import (
    EDITABLE,
    PageReport,
    PracticeCreate,
    PracticeImportReport,
)
from service.practices.services import _apply, add_practice, sheet_text
from service.practices.wiki import parse_export
from service.practices.wiki_fields import ExportError, ParsedPage

MAX_IMPORT_BYTES = 64 * 1024 * 1024
Progress = Callable[[int, int], None]
LABELS = {"mediawiki": "Import du wiki", "markdown": "Import de fichiers Markdown"}
CREDITS = {"mediawiki": "Wiki de la communauté", "markdown": "Fiches Markdown de la communauté"}
FIELD_FR = {
    "title": "titre",
    "summary": "résumé",
    "when_to_use": "quand l'utiliser",
    "steps": "étapes",
    "duration_minutes": "durée",
    "group_size": "participants",
    "materials": "matériel",
    "themes": "thèmes",
    "audience": "public",
    "licence": "licence",
    "status": "statut",
}


def _checked(page: ParsedPage, fmt: str) -> tuple[dict[str, Any] | None, str | None]:
    """The page's values once every sheet rule holds, or the French reason why not."""
    values = dict(page.values)
    values.setdefault("status", "published")
    given_themes = "themes" in values
    try:
        checked = msgspec.convert(values, PracticeCreate)
    except msgspec.ValidationError as exc:
        message = str(exc)
        field = message.rsplit("$.", 1)[-1].rstrip("`").split("[")[0] if "$." in message else ""
        where = FIELD_FR.get(field, field)
        text = message.split(" - at ")[0]
        return None, f"{where} : {text}" if where else text
    result = {name: getattr(checked, name) for name in EDITABLE}
    if not given_themes:
        result.pop("themes")
    return result, None


async def import_practices(
    session: AsyncSession,
    data: bytes,
    model: ThemeModel,
    *,
    partial: bool = False,
    dry_run: bool = False,
    importer: Principal | None = None,
    progress: Progress | None = None,
) -> PracticeImportReport:
    """Import a MediaWiki XML export or a zip of Markdown files (see the module docstring).

    Without `partial`, a single page in error means nothing is written (422 listing every
    page in error); `dry_run` writes nothing and reports what would happen, errors included.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidInputError.for_field("file", "64 Mio au plus")
    try:
        fmt, pages = parse_export(data)
    except ExportError as exc:
        raise InvalidInputError.for_field("file", str(exc)) from None
    report = PracticeImportReport(format=fmt, dry_run=dry_run)
    ready: list[tuple[ParsedPage, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    for page in pages:
        if page.skipped:
            report.pages.append(
                PageReport(title=page.title, outcome="skipped", message=page.skipped)
            )
            continue
        values, problem = (None, page.error) if page.error else _checked(page, fmt)
        if problem is None and page.key in seen:
            problem = f"même page que « {seen[page.key]} »"
        if problem is not None or values is None:
            report.pages.append(
                PageReport(title=page.title, outcome="error", message=problem or "")
            )
            continue
        seen[page.key] = page.title
        ready.append((page, values))
    report.errors = sum(1 for p in report.pages if p.outcome == "error")
    report.skipped = sum(1 for p in report.pages if p.outcome == "skipped")
    if report.errors and not partial and not dry_run:
        raise InvalidInputError(
            f"{report.errors} page(s) en erreur : rien n'a été importé.",
            [{"key": p.title, "message": p.message} for p in report.pages if p.outcome == "error"],
        )
    existing = (
        {
            p.source_key: p
            for p in await session.scalars(
                select(Practice).where(Practice.source_key.in_([page.key for page, _ in ready]))
            )
        }
        if ready
        else {}
    )
    touched: list[Practice] = []
    for page, values in ready:
        record = existing.get(page.key)
        if record is None:
            if "themes" not in values:
                values["themes"] = suggest_themes(model, sheet_text(values))
            if not dry_run:
                record = await add_practice(
                    session,
                    values,
                    author=None,
                    source="wiki" if fmt == "mediawiki" else "markdown",
                    credit=CREDITS[fmt],
                    source_key=page.key,
                    author_label=LABELS[fmt],
                    comment=f"Importée depuis « {page.title} »",
                )
            report.pages.append(
                PageReport(
                    title=page.title,
                    outcome="created",
                    practice_id=record.id if record is not None else None,
                )
            )
            report.created += 1
        else:
            differs = {
                k: v
                for k, v in values.items()
                if (list(v) if isinstance(v, tuple) else v) != getattr(record, k)
            }
            if not differs:
                outcome = "unchanged"
            else:
                outcome = "updated"
                if not dry_run:
                    changes = _apply(record, differs)
                    record.updated_at = utcnow()
                    await session.flush()
                    session.add(
                        PracticeRevision(
                            practice_id=record.id,
                            version=record.version,
                            status="applied",
                            author_id=importer.member_id if importer else None,
                            author_label=LABELS[fmt],
                            base_version=record.version - 1,
                            comment=f"Mise à jour depuis « {page.title} »",
                            changes=changes,
                        )
                    )
                    touched.append(record)
            report.pages.append(
                PageReport(title=page.title, outcome=outcome, practice_id=record.id)
            )
            if outcome == "updated":
                report.updated += 1
            else:
                report.unchanged += 1
        if progress is not None:
            progress(1, len(ready))
    if touched:
        await session.flush()
        await search.sync_index(session, touched)
    return report
