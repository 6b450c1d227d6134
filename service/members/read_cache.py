"""Each worker keeps recently read profiles in memory, forgotten when the change log names them.

A profile read is otherwise three queries (member and account, needs, offers) and a
transaction. Every write to a member appends to the change log, which the worker catches up
with before answering (`IndexKeeper.sync`); the catch-up tells this cache which members
changed. A read that raced a change cannot store the old state: `put` refuses an entry read
before the last time its member was forgotten. The cache holds at most `capacity` profiles
(least recently used go first).
"""

from __future__ import annotations

from collections import OrderedDict

from service.members.schemas import MemberRead

DEFAULT_CAPACITY = 20_000


class MemberReadCache:
    """Member id -> full `MemberRead` (with email), bounded, invalidated by the change log."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[int, MemberRead] = OrderedDict()
        self._forgotten_at: dict[int, int] = {}
        self._epoch = 0
        self._all_forgotten_at = -1

    @property
    def epoch(self) -> int:
        """Take this before reading the database; give it back to `put`."""
        return self._epoch

    def get(self, member_id: int) -> MemberRead | None:
        """The cached profile, if any."""
        read = self._entries.get(member_id)
        if read is not None:
            self._entries.move_to_end(member_id)
        return read

    def put(self, read: MemberRead, epoch: int) -> None:
        """Store a profile read from the database when the reading started at `epoch`."""
        if self.capacity <= 0 or epoch <= self._all_forgotten_at:
            return
        if self._forgotten_at.get(read.id, -1) >= epoch:
            return
        self._entries[read.id] = read
        self._entries.move_to_end(read.id)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def forget(self, member_ids: set[int] | None) -> None:
        """Drop these members (None: everyone); reads that started earlier may not store them."""
        stamp = self._epoch
        self._epoch += 1
        if member_ids is None:
            self._entries.clear()
        if member_ids is None or len(self._forgotten_at) > 4 * max(self.capacity, 1):
            self._forgotten_at.clear()  # bounded memory: older reads are refused wholesale
            self._all_forgotten_at = stamp
        for member_id in member_ids or ():
            self._entries.pop(member_id, None)
            self._forgotten_at[member_id] = stamp
