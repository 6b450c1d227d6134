"""Sign-in throttling: growing delays per (account, address), a limit per address.

- Per (e-mail, client address): the first `FREE_FAILURES` failures cost nothing; each later one
  makes that pair wait `BASE_DELAY` seconds, doubled at every failure, at most `MAX_DELAY`.
  Someone guessing from elsewhere slows their own attempts only: the account's owner, from
  their own address, signs in as usual (the account is never locked).
- Per client address: at most `MAX_FAILURES_PER_ADDRESS` failures in `WINDOW_SECONDS`, whatever
  the e-mails tried.

The client address is the connection's peer, or the proxy's `X-Forwarded-For` only when the
proxy is listed in `PASSERELLE_FORWARDED_ALLOW_IPS` (default: none).

Memory stays bounded: a check never creates an entry, entries older than the window are
pruned on every failure, and each table keeps at most `MAX_ENTRIES` (the oldest go first).
State lives in this worker's memory: with several workers each counts its own share.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from service.errors import ServiceError

WINDOW_SECONDS = 15 * 60
FREE_FAILURES = 5
BASE_DELAY = 1.0
MAX_DELAY = 15 * 60.0
MAX_FAILURES_PER_ADDRESS = 50
MAX_ENTRIES = 10_000


class TooManyAttemptsError(ServiceError):
    """Raised when an (account, address) pair must wait, or an address failed too often (429)."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        wait = (
            f"{retry_after} secondes" if retry_after < 120 else f"{retry_after // 60 + 1} minutes"
        )
        super().__init__(f"Trop de tentatives de connexion : réessayez dans {wait}.")
        self.retry_after = retry_after


@dataclass
class _Pair:
    failures: int
    last: float
    wait_until: float


@dataclass
class SignInThrottle:
    """Failed sign-ins per (account, address) and per address, bounded in memory."""

    window: float = WINDOW_SECONDS
    free_failures: int = FREE_FAILURES
    base_delay: float = BASE_DELAY
    max_delay: float = MAX_DELAY
    per_address: int = MAX_FAILURES_PER_ADDRESS
    max_entries: int = MAX_ENTRIES
    _pairs: OrderedDict[tuple[str, str], _Pair] = field(default_factory=OrderedDict)
    _addresses: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)

    def __len__(self) -> int:
        """How many entries are held (pairs and addresses)."""
        return len(self._pairs) + len(self._addresses)

    def check(self, email: str, address: str) -> None:
        """Raise `TooManyAttemptsError` when this pair must wait or the address is over its
        limit. Never records anything."""
        now = time.monotonic()
        pair = self._pairs.get((email, address))
        if pair is not None and pair.wait_until > now:
            raise TooManyAttemptsError(int(pair.wait_until - now) + 1)
        stamps = self._addresses.get(address)
        if stamps is not None:
            recent = [stamp for stamp in stamps if stamp > now - self.window]
            if len(recent) >= self.per_address:
                raise TooManyAttemptsError(int(recent[0] + self.window - now) + 1)

    def failed(self, email: str, address: str) -> None:
        """Record a failed attempt: the pair's next delay grows, the address counts one more."""
        now = time.monotonic()
        self._prune(now)
        key = (email, address)
        pair = self._pairs.pop(key, None) or _Pair(failures=0, last=now, wait_until=0.0)
        pair.failures += 1
        pair.last = now
        extra = pair.failures - self.free_failures
        if extra > 0:
            pair.wait_until = now + min(self.base_delay * 2 ** (extra - 1), self.max_delay)
        self._pairs[key] = pair
        stamps = self._addresses.pop(address, None) or deque(maxlen=self.per_address)
        stamps.append(now)
        self._addresses[address] = stamps
        for table in (self._pairs, self._addresses):
            while len(table) > self.max_entries:
                table.popitem(last=False)

    def succeeded(self, email: str, address: str) -> None:
        """Forget the pair's failures after a successful sign-in."""
        self._pairs.pop((email, address), None)

    def _prune(self, now: float) -> None:
        """Drop entries whose last failure is older than the window (oldest first)."""
        horizon = now - max(self.window, self.max_delay)
        while self._pairs:
            key, pair = next(iter(self._pairs.items()))
            if pair.last > horizon:
                break
            del self._pairs[key]
        while self._addresses:
            address, stamps = next(iter(self._addresses.items()))
            if stamps and stamps[-1] > now - self.window:
                break
            del self._addresses[address]
