"""Settings: safe defaults, a secret generated once and kept, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import load_settings


def test_defaults_use_an_sqlite_file_in_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings({"PASSERELLE_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path.as_posix()}/passerelle.db"
    assert settings.is_sqlite
    assert settings.allow_registration


def test_the_default_database_is_in_the_working_folder() -> None:
    assert load_settings({}).database_url == "sqlite+aiosqlite:///./passerelle.db"


def test_a_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"PASSERELLE_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"PASSERELLE_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_an_explicit_secret_and_url_win(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "PASSERELLE_DATA_DIR": str(tmp_path),
            "PASSERELLE_SECRET_KEY": "s" * 40,
            "PASSERELLE_DATABASE_URL": "postgresql+asyncpg://u@h/db",
            "PASSERELLE_ALLOW_REGISTRATION": "false",
        }
    )
    assert settings.secret_key == "s" * 40
    assert not settings.is_sqlite
    assert not settings.allow_registration
    assert not (tmp_path / "secret_key").exists()


def test_a_malformed_number_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="Invalid setting"):
        load_settings({"PASSERELLE_DATA_DIR": str(tmp_path), "PASSERELLE_TOKEN_TTL_HOURS": "abc"})
