"""The `passerelle` command: help, schema upgrade, admin creation, demo loading."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from service.cli import build_parser, main
from service.db.models import Account, Member


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PASSERELLE_DATA_DIR", str(tmp_path))
    return tmp_path


def _count(path: Path, model: type) -> int:
    async def count() -> int:
        engine = create_async_engine(f"sqlite+aiosqlite:///{path / 'passerelle.db'}")
        async with engine.connect() as connection:
            value = await connection.scalar(select(func.count()).select_from(model))
        await engine.dispose()
        return int(value or 0)

    return asyncio.run(count())


@pytest.mark.parametrize(
    "argv", [[], ["serve"], ["db"], ["db", "upgrade"], ["admin", "create"], ["demo", "load"]]
)
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*argv, "--help"])
    assert exit_info.value.code == 0
    assert "usage: passerelle" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["explode"])
    assert exit_info.value.code == 2


def test_db_upgrade_then_admin_create(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    password = "correct-horse-battery"
    assert main(["admin", "create", "--email", "Admin@Ville.fr", "--password", password]) == 0
    assert "Animator account ready" in capsys.readouterr().out
    assert _count(data_dir, Account) == 1


def test_admin_create_refuses_a_short_password(data_dir: Path) -> None:
    assert main(["admin", "create", "--email", "a@b.fr", "--password", "court"]) == 2


def test_admin_create_refuses_a_weak_password(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "create", "--email", "a@b.fr", "--password", "0123456789"]) == 2
    assert main(["admin", "create", "--email", "a@b.fr", "--password", "passerelle-2026"]) == 2
    assert "mot de passe" in capsys.readouterr().err.lower()


def test_demo_loads_once_into_an_empty_database(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "load"]) == 0
    loaded = _count(data_dir, Member)
    assert loaded >= 40
    out = capsys.readouterr().out
    for email in ("animatrice@", "coach@", "formateur@", "membre@"):
        assert email in out
    assert main(["demo", "load"]) == 0
    assert "already has members" in capsys.readouterr().out
    assert _count(data_dir, Member) == loaded


def test_retention_dry_run_counts_then_erases_inactive_accounts(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "load"]) == 0
    before = _count(data_dir, Member)
    assert main(["privacy", "retention", "--days", "0", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would be erased" in out
    assert _count(data_dir, Member) == before
    assert main(["privacy", "retention", "--days", "0"]) == 0
    # Everyone but the animator was inactive for more than 0 days.
    assert _count(data_dir, Member) == 1
    assert main(["privacy", "retention", "--days", "3650"]) == 0
    assert "0 account(s)" in capsys.readouterr().out.splitlines()[-1]


WIKI_EXPORT = Path(__file__).parents[2] / "data" / "wiki" / "mediawiki_export.xml"


def test_import_practices_reports_each_page_and_is_idempotent(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.db.models import Practice

    assert main(["import", "practices", str(WIKI_EXPORT)]) == 1  # two pages in error
    captured = capsys.readouterr()
    assert "Idées en vrac" in captured.err and "rien n'a été importé" in captured.err
    assert _count(data_dir, Practice) == 0
    assert main(["import", "practices", str(WIKI_EXPORT), "--partial", "--dry-run"]) == 0
    assert "Dry run, nothing written: 2 created" in capsys.readouterr().out
    assert _count(data_dir, Practice) == 0
    assert main(["import", "practices", str(WIKI_EXPORT), "--partial"]) == 0
    out = capsys.readouterr().out
    assert "World café" in out and "2 created" in out and "2 in error" in out
    assert _count(data_dir, Practice) == 2
    assert main(["import", "practices", str(WIKI_EXPORT), "--partial"]) == 0
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out
