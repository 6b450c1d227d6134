"""The words of members' needs as they wrote them: stems, telling phrases, distinctive words.

`NeedReader` reads a batch of need texts once (every token stemmed once per batch) and, on
demand, each need's content words with their positions, so a phrase can be shown exactly as
members wrote it (« accueil du public », accents and all) while phrases are compared by stems.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from matching.text import analyze, normalize

__all__ = ["NeedReader", "telling_phrase", "top_words"]

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_ELIDED = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_BREAK = re.compile(r"[^\w\s'’-]")  # punctuation between two words ends a phrase


class NeedReader:
    """The stems of each need (every token stemmed once per call), and on demand its content
    words with their positions (for phrases as members wrote them)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts
        self._stem_of: dict[str, str] = {}
        self._written: dict[str, str] = {}
        self.stems = [self._stems(t) for t in texts]
        self.joined = [" " + " ".join(s) + " " for s in self.stems]
        self._words: dict[int, list[tuple[str, int, int]]] = {}
        self._phrases: dict[int, dict[tuple[str, ...], str]] = {}

    def _stem(self, token: str) -> str:
        found = self._stem_of.get(token)
        if found is None:
            stems = analyze(token)
            found = self._stem_of[token] = stems[-1] if stems else ""
        return found

    def _stems(self, text: str) -> tuple[str, ...]:
        return tuple(s for s in map(self._stem, normalize(text).split()) if s)

    def words(self, i: int) -> list[tuple[str, int, int]]:
        """Need `i`'s content words: (stem, start, end) in its text."""
        if i not in self._words:
            words = []
            for match in _WORD.finditer(self.texts[i]):
                written = match.group(0).lower()
                stem = self._written.get(written)
                if stem is None:
                    tokens = normalize(written).split()
                    stem = self._written[written] = self._stem(tokens[-1]) if tokens else ""
                if stem:
                    elided = _ELIDED.match(match.group(0))
                    start = match.start() + (elided.end() if elided else 0)
                    words.append((stem, start, match.end()))
            self._words[i] = words
        return self._words[i]

    def phrases(self, i: int) -> dict[tuple[str, ...], str]:
        """Runs of 1-3 content words of need `i`: stems -> the words as written (stop words
        inside a run kept, as in « accueil du public »)."""
        if i not in self._phrases:
            words, text = self.words(i), self.texts[i]
            out: dict[tuple[str, ...], str] = {}
            for n in (1, 2, 3):
                for a in range(len(words) - n + 1):
                    run = words[a : a + n]
                    surface = text[run[0][1] : run[-1][2]]
                    if n == 1 or not _BREAK.search(surface):
                        out.setdefault(tuple(w[0] for w in run), surface)
            self._phrases[i] = out
        return self._phrases[i]

    def counts(self, indices: Sequence[int]) -> tuple[Counter[tuple[str, ...]], dict]:
        """How many of `indices` contain each phrase, and how each phrase was written."""
        counts: Counter[tuple[str, ...]] = Counter()
        written: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        for i in indices:
            for key, surface in self.phrases(i).items():
                counts[key] += 1
                written[key][surface.lower()] += 1
        return counts, written

    def contains(self, i: int, phrase: tuple[str, ...]) -> bool:
        """True when need `i` has the phrase's stems in a row."""
        return " " + " ".join(phrase) + " " in self.joined[i]


def telling_phrase(
    group: list[int], reader: NeedReader, scope: Counter[tuple[str, ...]], scope_size: int
) -> str:
    """The phrase in most of the group's needs and rare in its scope (`scope`: phrase counts
    over `scope_size` needs; longer phrases win ties), capitalised; the group's first words
    when no phrase is in two of its needs."""
    counts, written = reader.counts(group)
    keys = [k for k, c in counts.items() if c >= 2]
    if not keys:
        text = " ".join(reader.texts[group[0]].split())
        cut = text if len(text) <= 60 else text[:60].rsplit(" ", 1)[0] + "…"
        return cut[:1].upper() + cut[1:]

    def score(key: tuple[str, ...]) -> tuple[float, tuple[str, ...]]:
        rarity = math.log(1 + scope_size / max(scope[key], counts[key]))
        return counts[key] / len(group) * rarity * (1 + 0.25 * (len(key) - 1)), key

    best = max(keys, key=score)
    phrase = written[best].most_common(1)[0][0]
    return phrase[:1].upper() + phrase[1:]


def top_words(
    indices: Sequence[int], reader: NeedReader, centroid: Mapping[str, float], limit: int
) -> tuple[str, ...]:
    """The group's most distinguishing stems, shown as the words members wrote."""
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for i in spread(indices, 300):
        text = reader.texts[i]
        for stem, start, end in reader.words(i):
            written[stem][text[start:end].lower()] += 1
    words = [written[s].most_common(1)[0][0] for s in centroid if s in written]
    return tuple(dict.fromkeys(words))[:limit]


def spread(indices: Sequence[int], limit: int) -> list[int]:
    """At most `limit` evenly spaced items of `indices` (deterministic)."""
    if len(indices) <= limit:
        return list(indices)
    step = (len(indices) - 1) / (limit - 1) if limit > 1 else 0
    picks = sorted({round(k * step) for k in range(limit)})
    return [indices[i] for i in picks]
