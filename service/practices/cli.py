"""`passerelle import practices FILE [--partial] [--dry-run]`: the wiki brought in."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.errors import ServiceError
from service.practices.importer import MAX_IMPORT_BYTES
from service.practices.schemas import PracticeImportReport
from service.settings import Settings

EXIT_OK, EXIT_ERROR = 0, 1
OUTCOMES_FR = {
    "created": "créée",
    "updated": "mise à jour",
    "unchanged": "inchangée",
    "skipped": "ignorée",
    "error": "erreur",
}


def add_commands(imports: Any) -> None:
    """Add `practices` to the sub-parsers of `passerelle import`."""
    practices = imports.add_parser(
        "practices",
        help="import tool sheets from a MediaWiki XML export or a zip of Markdown files",
        description="Create or update sheets (a page is identified by its title or path: "
        "re-importing changes nothing). Nothing is written unless every page is valid, "
        "except with --partial.",
    )
    practices.add_argument("file", type=Path, help="the .xml export or the .zip of .md files")
    practices.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    practices.add_argument("--partial", action="store_true", help="import the valid pages anyway")
    practices.set_defaults(handler=cmd_import_practices)


async def _run(settings: Settings, data: bytes, args: argparse.Namespace) -> PracticeImportReport:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from matching.scoring import MatchConfig
    from service.db.migrate import upgrade
    from service.db.session import make_engine
    from service.practices.importer import import_practices
    from service.themes.model import ThemeKeeper

    engine = make_engine(settings.database_url)
    console = Console(stderr=True)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        await upgrade(engine)
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        with console.status("Modèle de thèmes…"):
            model = (await ThemeKeeper(sessionmaker, MatchConfig(), 0).start()).model
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("Pages", total=None)

            def advance(pages: int, total: int) -> None:
                progress.update(task, total=total, advance=pages)

            async with sessionmaker() as session:
                report = await import_practices(
                    session,
                    data,
                    model,
                    partial=args.partial,
                    dry_run=args.dry_run,
                    progress=advance,
                )
                if args.dry_run:
                    await session.rollback()
                else:
                    await session.commit()
        return report
    finally:
        await engine.dispose()


def _table(rows: list[tuple[str, str, str]], title: str) -> Table:
    table = Table("page", "résultat", "détail", title=title)
    for row in rows:
        table.add_row(*row)
    return table


def cmd_import_practices(args: argparse.Namespace, settings: Settings) -> int:
    """Import the file; print one line per page, and the counts."""
    out, err = Console(), Console(stderr=True)
    if args.file.stat().st_size > MAX_IMPORT_BYTES:
        err.print(f"error: {args.file} is over 64 MiB")
        return EXIT_ERROR
    try:
        report = asyncio.run(_run(settings, args.file.read_bytes(), args))
    except ServiceError as exc:
        err.print(f"error: {exc.detail}")
        rows = [
            (str(i.get("key", "")), "erreur", str(i.get("message", ""))) for i in exc.extra or []
        ]
        if rows:
            err.print(_table(rows, "Pages en erreur (rien n'a été importé)"))
        return EXIT_ERROR
    rows = [(p.title, OUTCOMES_FR[p.outcome], p.message) for p in report.pages]
    out.print(
        _table(rows, f"Import {report.format}" + (" (essai à blanc)" if report.dry_run else ""))
    )
    prefix = "Dry run, nothing written: " if report.dry_run else ""
    out.print(
        f"{prefix}{report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.skipped} skipped, {report.errors} in error."
    )
    return EXIT_OK
