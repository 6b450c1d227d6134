"""Sign-in throttling per account and per address."""

from __future__ import annotations

import pytest

from service.accounts.throttle import SignInThrottle, TooManyAttemptsError


def test_an_account_is_locked_after_too_many_failures_then_freed_by_time() -> None:
    throttle = SignInThrottle(window=60, per_account=3, per_address=100)
    for _ in range(3):
        throttle.check("a@b.fr", "1.2.3.4")
        throttle.failed("a@b.fr", "1.2.3.4")
    with pytest.raises(TooManyAttemptsError) as error:
        throttle.check("a@b.fr", "5.6.7.8")
    assert 0 < error.value.retry_after <= 61
    throttle.check("other@b.fr", "1.2.3.4")  # other accounts are not affected
    throttle.window = 0  # time passes
    throttle.check("a@b.fr", "1.2.3.4")


def test_an_address_trying_many_accounts_is_locked() -> None:
    throttle = SignInThrottle(window=60, per_account=100, per_address=5)
    for i in range(5):
        throttle.failed(f"user{i}@b.fr", "9.9.9.9")
    with pytest.raises(TooManyAttemptsError):
        throttle.check("new@b.fr", "9.9.9.9")
    throttle.check("new@b.fr", "8.8.8.8")


def test_success_clears_the_account_failures() -> None:
    throttle = SignInThrottle(window=60, per_account=2, per_address=100)
    throttle.failed("a@b.fr", "1.1.1.1")
    throttle.succeeded("a@b.fr")
    throttle.failed("a@b.fr", "1.1.1.1")
    throttle.check("a@b.fr", "1.1.1.1")
