"""`passerelle import responses FILE.csv --mapping MAPPING.yaml [--dry-run] [--partial]`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.errors import ServiceError
from service.questionnaire.csv_import import MAX_CSV_BYTES
from service.questionnaire.schemas import ResponsesImportReport
from service.settings import Settings

EXIT_OK, EXIT_ERROR = 0, 1
_SHOWN_ERRORS = 50


def add_commands(imports: Any) -> None:
    """Add `responses` to the sub-parsers of `passerelle import`."""
    responses = imports.add_parser(
        "responses",
        help="import questionnaire responses from a form export (CSV)",
        description="Create or update members (keyed on email) and their responses. "
        "Nothing is written unless every row is valid, except with --partial.",
    )
    responses.add_argument("file", type=Path, help="the CSV export (UTF-8 or Windows-1252)")
    responses.add_argument(
        "--mapping", type=Path, help="YAML mapping of columns to questions (default: built-in)"
    )
    responses.add_argument("--version", type=int, help="questionnaire version (default: current)")
    responses.add_argument("--dry-run", action="store_true", help="validate and count only")
    responses.add_argument("--partial", action="store_true", help="import the valid rows anyway")
    responses.set_defaults(handler=cmd_import_responses)


def _read_inputs(args: argparse.Namespace) -> tuple[bytes, str | None]:
    size = args.file.stat().st_size
    if size > MAX_CSV_BYTES:
        raise ServiceError(f"{args.file} is over {MAX_CSV_BYTES // (1024 * 1024)} MiB: split it.")
    mapping = args.mapping.read_text(encoding="utf-8") if args.mapping else None
    return args.file.read_bytes(), mapping


async def _run(
    settings: Settings, data: bytes, mapping_text: str | None, args: argparse.Namespace
) -> ResponsesImportReport:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from service.db.migrate import upgrade
    from service.db.session import make_engine
    from service.questionnaire.importer import import_csv
    from service.questionnaire.mapping import parse_mapping

    mapping = parse_mapping(mapping_text) if mapping_text else None
    engine = make_engine(settings.database_url)
    console = Console(stderr=True)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[speed]} rows/s"),
        TimeElapsedColumn(),
    )
    try:
        await upgrade(engine)
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("Import", total=None, speed="-")

            def advance(rows: int, total: int) -> None:
                progress.update(task, total=total, advance=rows)
                speed = progress.tasks[task].speed
                progress.update(task, speed=f"{speed:,.0f}" if speed else "-")

            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                report = await import_csv(
                    session,
                    data,
                    mapping,
                    version=args.version,
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


def _print_errors(errors: list[dict[str, Any]] | list[Any], console: Console) -> None:
    table = Table("line", "column", "problem", title=f"{len(errors)} invalid row(s)")
    for error in errors[:_SHOWN_ERRORS]:
        item = (
            error
            if isinstance(error, dict)
            else {
                "line": error.line,
                "column": error.column,
                "message": error.message,
            }
        )
        table.add_row(str(item.get("line", "")), str(item.get("column") or ""), item["message"])
    console.print(table)
    if len(errors) > _SHOWN_ERRORS:
        console.print(f"... and {len(errors) - _SHOWN_ERRORS} more.")


def cmd_import_responses(args: argparse.Namespace, settings: Settings) -> int:
    """Import a form export; print the counts, or every refused row."""
    console = Console()
    errors = Console(stderr=True)
    try:
        data, mapping_text = _read_inputs(args)
        report = asyncio.run(_run(settings, data, mapping_text, args))
    except ServiceError as exc:
        errors.print(f"error: {exc.detail}")
        if exc.extra:
            _print_errors(exc.extra, errors)
        return EXIT_ERROR
    prefix = "Dry run, nothing written: " if report.dry_run else ""
    console.print(
        f"{prefix}{report.rows} rows, version {report.version}: "
        f"{report.members_created} members created, {report.members_updated} updated, "
        f"{report.responses_created} responses created, {report.responses_updated} updated, "
        f"{report.unchanged} unchanged."
    )
    if report.ignored_columns:
        console.print(f"Ignored columns: {', '.join(report.ignored_columns)}")
    if report.errors:
        errors.print("--partial: the valid rows were imported; these were not:")
        _print_errors(report.errors, errors)
    return EXIT_OK


__all__ = ["add_commands", "cmd_import_responses"]
