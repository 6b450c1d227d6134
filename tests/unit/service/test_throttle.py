"""Sign-in throttling: growing delays per (account, address), a limit per address, bounded."""

from __future__ import annotations

import time

import pytest

from service.accounts.throttle import SignInThrottle, TooManyAttemptsError


def test_failures_from_elsewhere_never_lock_the_owner_out() -> None:
    throttle = SignInThrottle(free_failures=3, per_address=1000)
    for i in range(10):  # an attacker tries the account from ten addresses, many times each
        for _ in range(6):
            try:
                throttle.check("alice@ville.fr", f"203.0.113.{i}")
            except TooManyAttemptsError:
                continue
            throttle.failed("alice@ville.fr", f"203.0.113.{i}")
    throttle.check("alice@ville.fr", "198.51.100.7")  # the owner, from their own address


def test_delays_grow_after_the_free_failures() -> None:
    throttle = SignInThrottle(free_failures=2, base_delay=10, max_delay=35, per_address=1000)
    waits = []
    for _ in range(6):
        throttle.failed("a@b.fr", "1.2.3.4")
        pair = throttle._pairs[("a@b.fr", "1.2.3.4")]
        waits.append(round(max(pair.wait_until - time.monotonic(), 0)))
    assert waits == [0, 0, 10, 20, 35, 35]  # doubling, capped
    with pytest.raises(TooManyAttemptsError) as error:
        throttle.check("a@b.fr", "1.2.3.4")
    assert 30 < error.value.retry_after <= 36


def test_an_address_trying_many_accounts_is_limited() -> None:
    throttle = SignInThrottle(window=60, per_address=5)
    for i in range(5):
        throttle.failed(f"user{i}@b.fr", "9.9.9.9")
    with pytest.raises(TooManyAttemptsError):
        throttle.check("new@b.fr", "9.9.9.9")
    throttle.check("new@b.fr", "8.8.8.8")


def test_success_clears_the_pair() -> None:
    throttle = SignInThrottle(free_failures=1, per_address=100)
    throttle.failed("a@b.fr", "1.1.1.1")
    throttle.failed("a@b.fr", "1.1.1.1")
    with pytest.raises(TooManyAttemptsError):
        throttle.check("a@b.fr", "1.1.1.1")
    throttle.succeeded("a@b.fr", "1.1.1.1")
    throttle.check("a@b.fr", "1.1.1.1")


def test_memory_stays_bounded() -> None:
    """11,500 refused attempts with unique e-mails: checks add nothing, failures are capped."""
    throttle = SignInThrottle(max_entries=1000)
    for i in range(11_500):
        throttle.check(f"nobody{i}@exemple.fr", f"10.0.{i // 250}.{i % 250}")
    assert len(throttle) == 0
    for i in range(11_500):
        throttle.failed(f"nobody{i}@exemple.fr", f"10.0.{i // 250}.{i % 250}")
    assert len(throttle) <= 2 * 1000


def test_old_entries_are_pruned() -> None:
    throttle = SignInThrottle(window=0.01, max_delay=0.01)
    throttle.failed("a@b.fr", "1.1.1.1")
    time.sleep(0.03)
    throttle.failed("b@b.fr", "2.2.2.2")  # pruning happens on the next failure
    assert len(throttle) == 2  # only b's pair and address remain
