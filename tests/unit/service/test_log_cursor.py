"""The change-log cursor: every committed entry is applied once, whatever the commit order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.matches.log_cursor import MAX_LISTED_HOLES, LogCursor


def visible_to(cursor: LogCursor, committed: set[int]) -> list[int]:
    """What the cursor's query returns from the committed entries (as the SQL would)."""
    holes = cursor.listed_holes()
    if holes is None:
        return sorted(seq for seq in committed if seq > cursor.lowest_wanted())
    return sorted(seq for seq in committed if seq > cursor.high or seq in holes)


def test_a_slow_transaction_below_the_newest_entry_is_still_applied() -> None:
    cursor = LogCursor()
    cursor.advance([1, 2, 4], now=0.0)  # 3 is still committing
    assert cursor.high == 4 and set(cursor.holes) == {3}
    assert cursor.unseen(visible_to(cursor, {1, 2, 4})) == []
    assert cursor.unseen(visible_to(cursor, {1, 2, 3, 4})) == [3]
    cursor.advance([3], now=1.0)
    assert cursor.holes == {}


def test_a_hole_older_than_the_grace_is_forgotten() -> None:
    cursor = LogCursor(grace=60.0)
    cursor.advance([1, 3], now=0.0)  # 2 rolled back
    cursor.advance([], now=59.0)
    assert 2 in cursor.holes
    cursor.advance([], now=61.0)
    assert cursor.holes == {} and cursor.lowest_wanted() == 3


def test_many_holes_are_asked_for_as_a_range() -> None:
    cursor = LogCursor()
    cursor.advance([MAX_LISTED_HOLES + 10], now=0.0)
    assert cursor.listed_holes() is None
    assert cursor.lowest_wanted() == 0


def test_a_cursor_starts_from_a_rebuild_with_its_holes() -> None:
    cursor = LogCursor(10, holes={7, 12}, now=0.0)
    assert set(cursor.holes) == {7}  # 12 is above the newest entry: asked for anyway
    assert cursor.unseen([7, 8, 11, 12]) == [7, 11, 12]


@given(
    order=st.permutations(list(range(1, 31))),
    rolled_back=st.sets(st.integers(1, 30), max_size=8),
    batch=st.integers(1, 6),
)
def test_every_committed_entry_is_applied_exactly_once(
    order: list[int], rolled_back: set[int], batch: int
) -> None:
    """Entries commit in any order (all within the grace); some never commit."""
    cursor = LogCursor(grace=60.0)
    committed: set[int] = set()
    applied: list[int] = []
    now = 0.0
    for start in range(0, len(order), batch):
        committed |= {seq for seq in order[start : start + batch] if seq not in rolled_back}
        fresh = cursor.unseen(visible_to(cursor, committed))
        applied += fresh
        now += 1.0
        cursor.advance(fresh, now)
    fresh = cursor.unseen(visible_to(cursor, committed))
    applied += fresh
    assert sorted(applied) == sorted(committed)
    assert len(applied) == len(set(applied))
