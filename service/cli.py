"""The `passerelle` command: serve, db upgrade, admin create, demo load."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.settings import Settings, load_settings

T = TypeVar("T")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one committed transaction on the configured database."""
    from service.db.session import make_engine

    async def main() -> T:
        engine = make_engine(settings.database_url)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _upgrade(settings: Settings) -> None:
    from service.db.migrate import upgrade
    from service.db.session import make_engine

    async def main() -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(main())


def _prepare_index(settings: Settings) -> None:
    """Build and save the matching index snapshot when the workers could not just load it."""
    import time

    from service.matches.startup import prepare_snapshot

    start = time.perf_counter()
    built = asyncio.run(prepare_snapshot(settings))
    if built is not None:
        seconds = time.perf_counter() - start
        print(f"Matching index: {built} members indexed in {seconds:.1f} s.")


def _load_demo(settings: Settings, force: bool) -> bool:
    from service.demo.loader import load_demo

    result = _with_session(settings, lambda session: load_demo(session, force=force))
    if result.loaded:
        print(
            f"Demo community loaded: {result.members} members, {result.modules} modules, "
            f"{result.sheets} tool sheets, {result.lessons} shared lessons, "
            f"{result.responses} questionnaire answers."
        )
    else:
        print("The database already has members: demo not loaded (use --force to merge it).")
    return result.loaded


def _print_demo_logins() -> None:
    from service.demo.loader import DEMO_LOGINS, DEMO_PASSWORD

    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in DEMO_LOGINS.items():
        print(f"  {role:<9} {email}")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Upgrade the schema, optionally load the demo, then run uvicorn."""
    from service.server import run as run_server

    _upgrade(settings)
    if args.demo:
        _load_demo(settings, force=False)
    if settings.index_snapshot:
        _prepare_index(settings)
    host_shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    print(f"Passerelle on http://{host_shown}:{args.port}/  (API docs: /schema)")
    print(f"Database: {settings.database_url}")
    if args.demo:
        _print_demo_logins()
    sys.stdout.flush()
    os.environ["PASSERELLE_MIGRATE_ON_START"] = "false"
    run_server(
        args.host,
        args.port,
        args.workers,
        args.log_level,
        args.access_log,
        settings.forwarded_allow_ips,
    )
    return EXIT_OK


def cmd_db_upgrade(_: argparse.Namespace, settings: Settings) -> int:
    """Apply every pending migration."""
    _upgrade(settings)
    print("Database schema is up to date.")
    return EXIT_OK


def cmd_admin_create(args: argparse.Namespace, settings: Settings) -> int:
    """Create an animator account (or promote an existing one)."""
    from service.accounts.password_rules import password_problem
    from service.accounts.services import create_animator

    password = args.password or getpass.getpass("Mot de passe (12 caractères ou plus) : ")
    name = args.name or args.email.split("@")[0]
    problem = password_problem(password, [args.email, name])
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    _upgrade(settings)
    member = _with_session(
        settings,
        lambda session: create_animator(session, email=args.email, password=password, name=name),
    )
    print(f"Animator account ready: {args.email} (member id {member.id}).")
    return EXIT_OK


def cmd_demo_load(args: argparse.Namespace, settings: Settings) -> int:
    """Load the demo community into the database."""
    _upgrade(settings)
    _load_demo(settings, force=args.force)
    _print_demo_logins()
    return EXIT_OK


def cmd_import_modules(args: argparse.Namespace, settings: Settings) -> int:
    """Import training modules from a YAML or JSON file (all-or-nothing unless --partial)."""
    import json

    import yaml

    from service.errors import InvalidInputError
    from service.training.modules import import_modules

    text = Path(args.file).read_text(encoding="utf-8")
    data = json.loads(text) if args.file.endswith(".json") else yaml.safe_load(text)
    rows = data.get("modules", data) if isinstance(data, dict) else data
    if not isinstance(rows, list):
        print("error: the file must hold a list of modules (or {modules: [...]})", file=sys.stderr)
        return EXIT_USAGE
    _upgrade(settings)
    try:
        report = _with_session(
            settings, lambda session: import_modules(session, rows, partial=args.partial)
        )
    except InvalidInputError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for item in exc.extra or []:
            print(f"  module #{item['index']}: {item['field']}: {item['message']}", file=sys.stderr)
        return EXIT_ERROR
    print(
        f"Modules: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.errors)} refused."
    )
    for error in report.errors:
        print(f"  module #{error.index}: {error.field}: {error.message}", file=sys.stderr)
    return EXIT_OK


def cmd_retention(args: argparse.Namespace, settings: Settings) -> int:
    """Apply (or, with --dry-run, preview) the retention rule for inactive accounts."""
    from service.accounts.retention import apply_retention

    _upgrade(settings)
    report = _with_session(
        settings, lambda session: apply_retention(session, args.days, dry_run=args.dry_run)
    )
    verb = "would be erased" if args.dry_run else "erased"
    print(f"{len(report.member_ids)} account(s) inactive for more than {args.days} days {verb}.")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="passerelle",
        description="Passerelle: peer matching and training incubator. Settings come from "
        "PASSERELLE_DATABASE_URL and PASSERELLE_DATA_DIR (see the README).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--demo", action="store_true", help="load the demo community if empty")
    serve.add_argument(
        "--log-level",
        default="warning",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn's log level (info shows each worker's start-up)",
    )
    serve.add_argument(
        "--access-log", action="store_true", help="log every request (off: it costs throughput)"
    )
    serve.set_defaults(handler=cmd_serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(handler=cmd_db_upgrade)

    admin = commands.add_parser("admin", help="administration").add_subparsers(
        dest="admin_command", required=True
    )
    create = admin.add_parser("create", help="create an animator account")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="prompted for when omitted")
    create.add_argument("--name", help="display name (default: the email's local part)")
    create.set_defaults(handler=cmd_admin_create)

    demo = commands.add_parser("demo", help="demo community").add_subparsers(
        dest="demo_command", required=True
    )
    load = demo.add_parser("load", help="load the demo community")
    load.add_argument("--force", action="store_true", help="merge even if members exist")
    load.set_defaults(handler=cmd_demo_load)

    imports = commands.add_parser("import", help="bulk imports").add_subparsers(
        dest="import_command", required=True
    )
    modules = imports.add_parser("modules", help="import training modules (YAML or JSON)")
    modules.add_argument("file")
    modules.add_argument("--partial", action="store_true", help="write the valid modules")
    modules.set_defaults(handler=cmd_import_modules)

    from service.questionnaire.cli import add_commands as add_questionnaire_commands

    add_questionnaire_commands(imports)

    from service.practices.cli import add_commands as add_practice_commands

    add_practice_commands(imports)

    from service.mail.cli import add_commands as add_mail_commands

    add_mail_commands(commands)

    privacy = commands.add_parser("privacy", help="personal data (RGPD)").add_subparsers(
        dest="privacy_command", required=True
    )
    retention = privacy.add_parser("retention", help="erase accounts inactive for too long")
    retention.add_argument("--days", type=int, default=3 * 365, help="default: 1095 (3 years)")
    retention.add_argument("--dry-run", action="store_true", help="only count, erase nothing")
    retention.set_defaults(handler=cmd_retention)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `passerelle` console script."""
    args = build_parser().parse_args(argv)
    settings = load_settings()
    try:
        return int(args.handler(args, settings))
    except SQLAlchemyError as exc:
        print(f"error: database problem: {type(exc).__name__}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
