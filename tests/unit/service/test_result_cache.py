"""Remembered match answers live exactly as long as the index version."""

from __future__ import annotations

from service.result_cache import ResultCache


def test_an_answer_is_reused_at_the_same_version_only() -> None:
    cache = ResultCache()
    cache.put(("matches", 1), 7, "answer")
    assert cache.get(("matches", 1), 7) == "answer"
    assert cache.get(("matches", 1), 8) is None
    cache.put(("matches", 2), 8, "newer")
    assert cache.get(("matches", 1), 7) is None  # older versions were dropped


def test_the_cache_is_bounded() -> None:
    cache = ResultCache(capacity=2)
    for member in range(3):
        cache.put(member, 1, member)
    assert cache.get(0, 1) is None and cache.get(2, 1) == 2
