"""Each worker remembers, for a few seconds, who a bearer token or session cookie belongs to.

Looking a token up costs a database round trip (and a transaction) on every request; a client
that loads a page or walks the API sends many requests with the same token. A cached principal
lives `ttl` seconds at most, and never past its token's expiry.

Anything that changes who an account is (revoked token, new role, deleted or erased account) is
seen by an ORM hook at flush time: every cache of this process forgets the account and refuses
to cache it again for `ttl` seconds, so a request racing the commit cannot put the old state
back. Another worker process may still accept a revoked token for at most `ttl` seconds
(`PASSERELLE_AUTH_CACHE_SECONDS`, 0 turns the cache off).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from service.accounts.principal import Principal
from service.db.models import Account, ApiToken, Member, utcnow

MAX_ENTRIES = 50_000

_caches: weakref.WeakSet[PrincipalCache] = weakref.WeakSet()


class PrincipalCache:
    """Token digest -> principal, for at most `ttl` seconds."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._blocked: dict[int, float] = {}
        _caches.add(self)

    def get(self, digest: str) -> Principal | None:
        """The cached principal of a token digest, if still fresh."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        principal, until = entry
        now = time.monotonic()
        if now >= until or self._blocked.get(principal.account_id, 0.0) > now:
            self._entries.pop(digest, None)
            return None
        return principal

    def put(self, digest: str, principal: Principal, token_expires_at: datetime | None) -> None:
        """Remember a principal just read from the database."""
        now = time.monotonic()
        if self.ttl <= 0 or self._blocked.get(principal.account_id, 0.0) > now:
            return
        until = now + self.ttl
        if token_expires_at is not None:
            until = min(until, now + (token_expires_at - utcnow()).total_seconds())
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
            self._blocked = {a: t for a, t in self._blocked.items() if t > now}
        self._entries[digest] = (principal, until)

    def forget_accounts(self, account_ids: Iterable[int]) -> None:
        """Drop these accounts' principals and do not cache them again for `ttl` seconds."""
        ids = set(account_ids)
        if not ids:
            return
        until = time.monotonic() + self.ttl
        for account_id in ids:
            self._blocked[account_id] = until
        self._entries = {d: e for d, e in self._entries.items() if e[0].account_id not in ids}


def forget_accounts_everywhere(account_ids: Iterable[int]) -> None:
    """Every cache of this process forgets these accounts (their tokens were revoked in bulk)."""
    ids = set(account_ids)
    for cache in list(_caches):
        cache.forget_accounts(ids)


IDENTITY_FIELDS = {Account: ("role", "is_active"), ApiToken: ("revoked_at", "expires_at")}
"""The columns whose change alters what a token grants."""


def _changed_accounts(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in session.deleted:
        if isinstance(obj, (Account, ApiToken, Member)):
            ids.add(obj.id if isinstance(obj, Account) else obj.account_id)
    for obj in session.dirty:
        fields = IDENTITY_FIELDS.get(type(obj), ())
        state = inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in fields):
            ids.add(obj.id if isinstance(obj, Account) else obj.account_id)
    return ids


@event.listens_for(Session, "before_flush")
def _forget_changed_accounts(session: Session, _: UOWTransaction, __: Any) -> None:
    ids = _changed_accounts(session)
    for cache in list(_caches):
        cache.forget_accounts(ids)
