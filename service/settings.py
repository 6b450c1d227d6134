"""Typed settings, read once from the environment.

Every value has a safe default so that `passerelle serve` works on a fresh machine: an SQLite
file in the data folder and a secret key generated there on first start.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import msgspec

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./passerelle.db"
DEFAULT_MAIL_FROM = "Passerelle <ne-pas-repondre@passerelle.localhost>"
DEFAULT_BASE_URL = "http://localhost:8000"
SECRET_KEY_FILE = "secret_key"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """The service's configuration (environment variable names in the README)."""

    database_url: str = DEFAULT_DATABASE_URL
    data_dir: Path = Path(".")
    secret_key: str = ""
    allow_registration: bool = True
    token_ttl_hours: int = 24 * 30
    invitation_ttl_hours: int = 24 * 14
    max_body_bytes: int = 10 * 1024 * 1024
    debug: bool = False
    migrate_on_start: bool = True
    secure_cookies: bool = False
    auth_cache_seconds: float = 30.0
    answer_cache_size: int = 20_000
    """Match and training answers each worker keeps per index version (0: none)."""
    profile_cache_size: int = 20_000
    """Profiles each worker keeps until the change log names them (0: none)."""
    index_snapshot: bool = True
    theme_refresh_seconds: float = 60.0
    forwarded_allow_ips: str = ""
    """Proxies whose X-Forwarded-For is trusted (comma-separated addresses); none by default."""
    smtp_url: str = ""
    """`smtp://[user:password@]host:port` or `smtp+starttls://...`; empty: no e-mail is sent."""
    mail_from: str = DEFAULT_MAIL_FROM
    base_url: str = DEFAULT_BASE_URL
    """The public address of the service, for the links in e-mails."""
    mail_poll_seconds: float = 30.0
    mail_retry_seconds: float = 60.0
    """First delay before a failed e-mail is tried again; doubled each time (at most 6 h)."""

    @property
    def is_sqlite(self) -> bool:
        """True when the database is an SQLite file (the embedded default)."""
        return self.database_url.startswith("sqlite")


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def _load_or_create_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from `environ` (default: the process environment).

    This is the only place that reads environment variables.
    """
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("PASSERELLE_DATA_DIR", ".")).expanduser()
    secret = env.get("PASSERELLE_SECRET_KEY") or _load_or_create_secret(data_dir)
    try:
        return Settings(
            database_url=env.get("PASSERELLE_DATABASE_URL")
            or f"sqlite+aiosqlite:///{data_dir.as_posix()}/passerelle.db",
            data_dir=data_dir,
            secret_key=secret,
            allow_registration=_flag(env.get("PASSERELLE_ALLOW_REGISTRATION", "true")),
            token_ttl_hours=int(env.get("PASSERELLE_TOKEN_TTL_HOURS", 24 * 30)),
            invitation_ttl_hours=int(env.get("PASSERELLE_INVITATION_TTL_HOURS", 24 * 14)),
            max_body_bytes=int(env.get("PASSERELLE_MAX_BODY_BYTES", 10 * 1024 * 1024)),
            debug=_flag(env.get("PASSERELLE_DEBUG", "false")),
            migrate_on_start=_flag(env.get("PASSERELLE_MIGRATE_ON_START", "true")),
            secure_cookies=_flag(env.get("PASSERELLE_SECURE_COOKIES", "false")),
            auth_cache_seconds=float(env.get("PASSERELLE_AUTH_CACHE_SECONDS", 30)),
            answer_cache_size=int(env.get("PASSERELLE_ANSWER_CACHE_SIZE", 20_000)),
            profile_cache_size=int(env.get("PASSERELLE_PROFILE_CACHE_SIZE", 20_000)),
            index_snapshot=_flag(env.get("PASSERELLE_INDEX_SNAPSHOT", "true")),
            theme_refresh_seconds=float(env.get("PASSERELLE_THEME_REFRESH_SECONDS", 60)),
            forwarded_allow_ips=",".join(
                part.strip()
                for part in env.get("PASSERELLE_FORWARDED_ALLOW_IPS", "").split(",")
                if part.strip()
            ),
            smtp_url=env.get("PASSERELLE_SMTP_URL", "").strip(),
            mail_from=env.get("PASSERELLE_MAIL_FROM", "").strip() or DEFAULT_MAIL_FROM,
            base_url=(env.get("PASSERELLE_BASE_URL", "").strip() or DEFAULT_BASE_URL).rstrip("/"),
            mail_poll_seconds=float(env.get("PASSERELLE_MAIL_POLL_SECONDS", 30)),
            mail_retry_seconds=float(env.get("PASSERELLE_MAIL_RETRY_SECONDS", 60)),
        )
    except ValueError as exc:
        raise SystemExit(f"Invalid setting: {exc}") from exc
