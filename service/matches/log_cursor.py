"""Where a worker stands in the change log: the newest entry seen, and the holes below it.

Entries get their `seq` when they are written but become visible when their transaction commits,
so a younger transaction can show seq 6 before an older one shows seq 5. The cursor remembers
such holes for `grace` seconds and asks for them again; after that a hole is taken for a rolled
back transaction (or a sequence value never used) and forgotten. A worker thus reads only what
it has not seen, usually nothing, instead of re-reading every recent entry.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_LISTED_HOLES = 500
"""Above this many holes, ask for everything above the oldest hole and filter here."""


class LogCursor:
    """The newest sequence number seen and the unseen numbers below it, with when each showed."""

    def __init__(
        self, high: int = 0, holes: Iterable[int] = (), now: float = 0.0, grace: float = 60.0
    ) -> None:
        self.high = high
        self.grace = grace
        self.holes: dict[int, float] = {seq: now for seq in holes if seq < high}

    def lowest_wanted(self) -> int:
        """Entries above this number may be new (the oldest hole, else the newest seen)."""
        return min(self.holes, default=self.high + 1) - 1

    def listed_holes(self) -> list[int] | None:
        """The holes to ask for by number, or None when there are too many to list."""
        return sorted(self.holes) if len(self.holes) <= MAX_LISTED_HOLES else None

    def unseen(self, seqs: Iterable[int]) -> list[int]:
        """The numbers among `seqs` this cursor has not seen yet."""
        return [seq for seq in seqs if seq > self.high or seq in self.holes]

    def advance(self, seen: Iterable[int], now: float) -> None:
        """Record `seen` entries; numbers skipped below the new high become holes; old holes go."""
        seen = sorted(set(seen))
        for seq in seen:
            self.holes.pop(seq, None)
        if seen and seen[-1] > self.high:
            fresh = set(seen)
            for seq in range(self.high + 1, seen[-1]):
                if seq not in fresh:
                    self.holes[seq] = now
            self.high = seen[-1]
        self.holes = {seq: since for seq, since in self.holes.items() if now - since < self.grace}
