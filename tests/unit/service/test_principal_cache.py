"""The per-worker principal cache: short-lived, bounded by token expiry, forgets on change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.accounts import principal_cache
from service.accounts.principal import Principal
from service.accounts.principal_cache import PrincipalCache
from service.db.models import utcnow

ALICE = Principal(account_id=1, member_id=10, role="member", token_id=5)
BOB = Principal(account_id=2, member_id=20, role="coach", token_id=6)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(principal_cache.time, "monotonic", lambda: now[0])
    return now


def test_a_principal_is_served_from_the_cache_until_its_ttl(clock: list[float]) -> None:
    cache = PrincipalCache(ttl=10)
    cache.put("a", ALICE, utcnow() + timedelta(days=1))
    clock[0] += 9.9
    assert cache.get("a") == ALICE
    clock[0] += 0.2
    assert cache.get("a") is None


def test_never_past_the_token_expiry(clock: list[float]) -> None:
    cache = PrincipalCache(ttl=10)
    cache.put("a", ALICE, utcnow() + timedelta(seconds=2))
    clock[0] += 2.5
    assert cache.get("a") is None


def test_a_changed_account_is_forgotten_and_not_cached_again_for_a_while(
    clock: list[float],
) -> None:
    cache = PrincipalCache(ttl=10)
    cache.put("a", ALICE, None)
    cache.put("b", BOB, None)
    cache.forget_accounts([ALICE.account_id])
    assert cache.get("a") is None and cache.get("b") == BOB
    cache.put("a", ALICE, None)  # a request that read the database before the commit
    assert cache.get("a") is None
    clock[0] += 10.1
    cache.put("a", ALICE, None)
    assert cache.get("a") == ALICE


def test_a_zero_ttl_turns_the_cache_off(clock: list[float]) -> None:
    cache = PrincipalCache(ttl=0)
    cache.put("a", ALICE, None)
    assert cache.get("a") is None
