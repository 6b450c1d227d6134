"""Results of read queries, remembered until the data they were computed from changes.

Every change to what a match or training query reads (profiles, needs, offers, consent,
requests, capacity, followed modules) goes through the change log and raises the index version
(training answers also carry the catalogue version), so an answer computed at version v is still
the answer while the version is v. Any change forgets everything: under a steady write load few
answers are reused, and that is the honest price of never serving a stale one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

DEFAULT_CAPACITY = 20_000


class ResultCache:
    """Query key -> answer, valid for one index version, bounded (least recently used go)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._version: Hashable = None
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, version: Hashable) -> Any | None:
        """The answer remembered for `key` at this index version, if any."""
        if version != self._version:
            return None
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    def put(self, key: Hashable, version: Hashable, answer: Any) -> None:
        """Remember an answer computed at `version` (older versions are dropped)."""
        if version != self._version:
            self._answers.clear()
            self._version = version
        self._answers[key] = answer
        while len(self._answers) > self.capacity:
            self._answers.popitem(last=False)
