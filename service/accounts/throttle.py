"""Sign-in throttling: failed attempts limited per account and per client address.

A sliding window per key, kept in this worker's memory (with several workers each enforces
the limit on its own share of the traffic; the README states it). A successful sign-in clears
the account's failures.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from service.errors import ServiceError

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 10
MAX_FAILURES_PER_ADDRESS = 50


class TooManyAttemptsError(ServiceError):
    """Raised when an account or an address failed to sign in too often recently (429)."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Too many failed sign-in attempts: try again in {retry_after // 60 + 1} minutes."
        )
        self.retry_after = retry_after


@dataclass
class SignInThrottle:
    """Counts recent failures per account email and per client address."""

    window: float = WINDOW_SECONDS
    per_account: int = MAX_FAILURES_PER_ACCOUNT
    per_address: int = MAX_FAILURES_PER_ADDRESS
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, key: str, now: float) -> deque[float]:
        stamps = self._failures.setdefault(key, deque())
        while stamps and stamps[0] <= now - self.window:
            stamps.popleft()
        return stamps

    def check(self, email: str, address: str) -> None:
        """Raise `TooManyAttemptsError` when either limit is reached."""
        now = time.monotonic()
        for key, limit in (
            (f"account:{email}", self.per_account),
            (f"address:{address}", self.per_address),
        ):
            stamps = self._recent(key, now)
            if len(stamps) >= limit:
                raise TooManyAttemptsError(int(stamps[0] + self.window - now) + 1)

    def failed(self, email: str, address: str) -> None:
        """Record a failed attempt."""
        now = time.monotonic()
        for key in (f"account:{email}", f"address:{address}"):
            self._recent(key, now).append(now)

    def succeeded(self, email: str) -> None:
        """Forget the account's failures after a successful sign-in."""
        self._failures.pop(f"account:{email}", None)
