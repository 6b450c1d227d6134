"""Demand themes: members' open needs grouped by what they are about, with stable ids.

`group_needs` takes the needs' texts and the theme the model read in each (None: « hors
thèmes »), and returns groups:

- **theme**: every need of one theme, labelled with the theme's French name;
- **subtheme**: a large theme (at least `SPLIT_MIN` needs) whose needs diverge — k-means
  (k = 2 or 3) on their word TF-IDF separates them with a cosine silhouette of at least
  `SPLIT_SILHOUETTE` and groups of at least `SUBGROUP_MIN` — is split into named sub-groups
  (« Participation citoyenne — budget participatif »);
- **emerging**: needs « hors thèmes » that share words (cosine of word TF-IDF at least
  `EMERGING_SIMILARITY` to the group's first need, in order of length) form a group labelled by
  its most telling phrase (« cantine scolaire »): the 1-3-word phrase found in most of its
  needs, weighed against the other needs « hors thèmes »; lone needs are kept together in one
  group of isolated needs.

Ids stay stable from run to run: a theme keeps its id while it is one group; otherwise groups
are matched to the previous run's groups of the same theme (or to previous emerging groups) by
the cosine of their centroids (top `CENTROID_TERMS` stems) with the Hungarian algorithm, and a
pair is kept from `MATCH_THRESHOLD`; other groups get fresh ids. Deterministic for given inputs.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score

from matching.text import analyze

__all__ = [
    "CENTROID_TERMS",
    "ISOLATED_LABEL",
    "MATCH_THRESHOLD",
    "DemandGroup",
    "DemandResult",
    "PreviousGroup",
    "group_needs",
]

SPLIT_MIN = 40
SPLIT_SILHOUETTE = 0.08
SUBGROUP_MIN = 10
EMERGING_SIMILARITY = 0.3
EMERGING_MIN = 2
CENTROID_TERMS = 60
MATCH_THRESHOLD = 0.3
SILHOUETTE_SAMPLE = 1000
TOP_TERMS = 6
ISOLATED_LABEL = "Besoins isolés, hors des thèmes connus"

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class PreviousGroup:
    """What a run remembers of a group so the next run can keep its id (JSON-serialisable)."""

    id: int
    kind: str
    theme: str | None
    size: int
    centroid: Mapping[str, float]
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON storage."""
        return {
            "id": self.id,
            "kind": self.kind,
            "theme": self.theme,
            "size": self.size,
            "label": self.label,
            "centroid": dict(self.centroid),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PreviousGroup:
        """Inverse of `to_dict` (states of older runs without `kind` count as emerging)."""
        centroid = {str(k): float(v) for k, v in dict(data.get("centroid", {})).items()}
        return cls(
            int(data["id"]),
            str(data.get("kind", "emerging")),
            data.get("theme"),
            int(data.get("size", 0)),
            centroid,
            str(data.get("label", "")),
        )


@dataclass(frozen=True, slots=True)
class DemandGroup:
    """One group of needs: stable id, kind, theme, French label, telling words and members."""

    id: int
    kind: str  # "theme", "subtheme" or "emerging"
    theme: str | None
    label: str
    top_terms: tuple[str, ...]
    member_indices: tuple[int, ...]
    centroid: Mapping[str, float]
    previous_size: int | None = None

    @property
    def size(self) -> int:
        """Number of needs in the group."""
        return len(self.member_indices)

    @property
    def change(self) -> int | None:
        """Growth since the previous run (None for a new group)."""
        return None if self.previous_size is None else self.size - self.previous_size

    def to_previous(self) -> PreviousGroup:
        """The state the next run needs to keep this group's id."""
        return PreviousGroup(self.id, self.kind, self.theme, self.size, self.centroid, self.label)


@dataclass(frozen=True, slots=True)
class DemandResult:
    """Groups (largest first) and each need's group id."""

    groups: tuple[DemandGroup, ...]
    assignments: tuple[int, ...]
    timings: Mapping[str, float] = field(default_factory=dict)

    def state(self) -> list[dict[str, Any]]:
        """JSON-serialisable state to pass back (via `PreviousGroup.from_dict`) next run."""
        return [g.to_previous().to_dict() for g in self.groups]


@dataclass
class _Draft:
    kind: str
    theme: str | None
    label: str
    indices: list[int]
    top_terms: tuple[str, ...] = ()
    centroid: dict[str, float] = field(default_factory=dict)


def group_needs(
    texts: Sequence[str],
    themes: Sequence[str | None],
    theme_names: Mapping[str, str],
    previous: Sequence[PreviousGroup] = (),
) -> DemandResult:
    """Group needs by theme, split diverging large themes, gather the rest into emerging groups.

    `themes[i]` is the theme read in `texts[i]` (a key of `theme_names`) or None.
    """
    started = time.perf_counter()
    stems = [analyze(t) for t in texts]
    by_theme: dict[str, list[int]] = defaultdict(list)
    off_topic: list[int] = []
    for i, theme in enumerate(themes):
        if not stems[i]:
            continue
        (by_theme[theme] if theme else off_topic).append(i)
    phrases = _Phrases(texts)
    drafts: list[_Draft] = []
    for theme in sorted(by_theme):
        drafts += _theme_groups(theme, theme_names[theme], by_theme[theme], phrases, stems)
    analysed = time.perf_counter()
    drafts += _emerging_groups(off_topic, texts, phrases, stems)
    idf = _idf(stems)
    for draft in drafts:
        draft.centroid = _centroid(draft.indices, stems, idf)
        if not draft.top_terms:
            draft.top_terms = _top_words(draft.indices, texts, stems, draft.centroid)
    ids, sizes = _stable_ids(drafts, previous)
    groups = [
        DemandGroup(
            id=ids[k],
            kind=d.kind,
            theme=d.theme,
            label=d.label,
            top_terms=d.top_terms,
            member_indices=tuple(d.indices),
            centroid=d.centroid,
            previous_size=sizes[k],
        )
        for k, d in enumerate(drafts)
    ]
    groups.sort(key=lambda g: (-g.size, g.id))
    assignments = [-1] * len(texts)
    for g in groups:
        for i in g.member_indices:
            assignments[i] = g.id
    timings = {
        "themes_s": analysed - started,
        "total_s": time.perf_counter() - started,
    }
    return DemandResult(tuple(groups), tuple(assignments), timings)


def _theme_groups(
    theme: str, name: str, indices: list[int], phrases: _Phrases, stems: list[list[str]]
) -> list[_Draft]:
    """One group for the theme, or named sub-groups when its needs clearly diverge."""
    if len(indices) >= SPLIT_MIN:
        parts = _split(indices, stems)
        if len(parts) > 1:
            df = phrases.frequencies(indices)
            drafts = []
            for part in parts:
                phrase = phrases.telling(part, df, len(indices))
                label = f"{name} — {phrase}" if phrase else name
                drafts.append(_Draft("subtheme", theme, label, part))
            if len({d.label for d in drafts}) == len(drafts):
                return drafts
    return [_Draft("theme", theme, name, indices)]


def _split(indices: list[int], stems: list[list[str]]) -> list[list[int]]:
    """k-means sub-groups of a theme's needs when they are clearly apart, else one group."""
    matrix = TfidfVectorizer(analyzer=_identity, sublinear_tf=True).fit_transform(
        [stems[i] for i in indices]
    )
    rng = np.random.default_rng(0)
    sample = (
        rng.choice(len(indices), SILHOUETTE_SAMPLE, replace=False)
        if len(indices) > SILHOUETTE_SAMPLE
        else np.arange(len(indices))
    )
    best: tuple[float, np.ndarray] | None = None
    for k in (2, 3):
        labels = KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(matrix)
        sizes = np.bincount(labels, minlength=k)
        if sizes.min() < SUBGROUP_MIN or len(set(labels[sample])) < 2:
            continue
        score = float(silhouette_score(matrix[sample], labels[sample], metric="cosine"))
        if score >= SPLIT_SILHOUETTE and (best is None or score > best[0]):
            best = (score, labels)
    if best is None:
        return [indices]
    labels = best[1]
    parts = [[indices[j] for j in np.flatnonzero(labels == c)] for c in np.unique(labels)]
    return sorted(parts, key=lambda p: (-len(p), p[0]))


def _emerging_groups(
    indices: list[int], texts: Sequence[str], phrases: _Phrases, stems: list[list[str]]
) -> list[_Draft]:
    """Needs « hors thèmes » that share words, grouped around leaders; lone needs together."""
    if not indices:
        return []
    matrix = TfidfVectorizer(analyzer=_identity, sublinear_tf=True).fit_transform(
        [stems[i] for i in indices]
    )
    order = sorted(range(len(indices)), key=lambda j: (-len(stems[indices[j]]), indices[j]))
    leaders: list[int] = []
    members: list[list[int]] = []
    for j in order:
        if leaders:
            sims = (matrix[leaders] @ matrix[j].T).toarray().ravel()
            best = int(sims.argmax())
            if sims[best] >= EMERGING_SIMILARITY:
                members[best].append(indices[j])
                continue
        leaders.append(j)
        members.append([indices[j]])
    drafts, lone = [], []
    df = phrases.frequencies(indices) if any(len(g) >= EMERGING_MIN for g in members) else None
    for group in members:
        if len(group) < EMERGING_MIN or df is None:
            lone += group
            continue
        group.sort()
        phrase = phrases.telling(group, df, len(indices)) or _opening(texts[group[0]])
        drafts.append(_Draft("emerging", None, phrase[:1].upper() + phrase[1:], group))
    if lone:
        drafts.append(_Draft("emerging", None, ISOLATED_LABEL, sorted(lone)))
    return drafts


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _phrases(text: str) -> dict[tuple[str, ...], str]:
    """Every run of 1-3 content words of `text`: stems -> the words as written (stop words kept
    inside a run, as in « accueil du public »)."""
    words = []
    for match in _WORD.finditer(text):
        found = analyze(match.group(0))
        if found:
            words.append((found[-1], match.start(), match.end()))
    out: dict[tuple[str, ...], str] = {}
    for n in (1, 2, 3):
        for a in range(len(words) - n + 1):
            run = words[a : a + n]
            key = tuple(w[0] for w in run)
            out.setdefault(key, text[run[0][1] : run[-1][2]])
    return out


class _Phrases:
    """The phrases of each need, computed once, and their document frequencies over a scope."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._texts = texts
        self._cache: dict[int, dict[tuple[str, ...], str]] = {}

    def of(self, i: int) -> dict[tuple[str, ...], str]:
        if i not in self._cache:
            self._cache[i] = _phrases(self._texts[i])
        return self._cache[i]

    def frequencies(self, scope: Sequence[int]) -> Counter[tuple[str, ...]]:
        df: Counter[tuple[str, ...]] = Counter()
        for i in scope:
            df.update(self.of(i).keys())
        return df

    def telling(
        self, group: Sequence[int], scope_df: Counter[tuple[str, ...]], scope_size: int
    ) -> str:
        """The 1-3-word phrase in most of the group's needs and fewest of the rest of its scope
        (c-TF-IDF); longer phrases win ties. Empty when no phrase is in two of its needs."""
        inside: Counter[tuple[str, ...]] = Counter()
        written: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        for i in group:
            for key, surface in self.of(i).items():
                inside[key] += 1
                written[key][surface.lower()] += 1
        keys = sorted(k for k, c in inside.items() if c >= 2)
        if not keys:
            return ""

        def score(key: tuple[str, ...]) -> float:
            share = inside[key] / len(group)
            rarity = math.log(1 + scope_size / max(scope_df[key], 1))
            return share * rarity * (1 + 0.25 * (len(key) - 1))

        best = max(keys, key=score)
        return written[best].most_common(1)[0][0]


def _opening(text: str, limit: int = 60) -> str:
    """The first words of a text, cut at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def _idf(stems: list[list[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for tokens in stems:
        df.update(set(tokens))
    n = max(len(stems), 1)
    return {t: math.log(1 + n / c) for t, c in df.items()}


def _centroid(indices: Sequence[int], stems: list[list[str]], idf: Mapping[str, float]) -> dict:
    counts: Counter[str] = Counter()
    for i in indices:
        counts.update(set(stems[i]))
    weights = {t: c / len(indices) * idf.get(t, 0.0) for t, c in counts.items()}
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:CENTROID_TERMS]
    return {t: round(w, 5) for t, w in top}


def _top_words(
    indices: Sequence[int], texts: Sequence[str], stems: list[list[str]], centroid: Mapping
) -> tuple[str, ...]:
    """The group's most distinguishing stems, shown as the words members wrote."""
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for i in indices:
        for match in _WORD.finditer(texts[i]):
            for s in analyze(match.group(0)):
                written[s][match.group(0).lower()] += 1
    words = [written[s].most_common(1)[0][0] for s in centroid if s in written]
    return tuple(dict.fromkeys(words))[:TOP_TERMS]


def _stable_ids(
    drafts: Sequence[_Draft], previous: Sequence[PreviousGroup]
) -> tuple[list[int], list[int | None]]:
    """Ids kept from the previous run (see the module docstring), fresh ids for the rest."""
    ids: list[int | None] = [None] * len(drafts)
    sizes: list[int | None] = [None] * len(drafts)
    buckets: dict[str | None, list[int]] = defaultdict(list)
    for k, d in enumerate(drafts):
        buckets[d.theme].append(k)
    before: dict[str | None, list[PreviousGroup]] = defaultdict(list)
    for p in previous:
        before[p.theme if p.kind != "emerging" else None].append(p)
    for theme, members in buckets.items():
        olds = before.get(theme, [])
        if not olds:
            continue
        if theme is not None and len(members) == 1 and len(olds) == 1:
            ids[members[0]], sizes[members[0]] = olds[0].id, olds[0].size
            continue
        sim = np.array([[_cosine(drafts[k].centroid, p.centroid) for p in olds] for k in members])
        rows, cols = linear_sum_assignment(-sim)
        for r, c in zip(rows, cols, strict=True):
            if sim[r, c] >= MATCH_THRESHOLD:
                ids[members[r]], sizes[members[r]] = olds[c].id, olds[c].size
    next_id = max((p.id for p in previous), default=0) + 1
    final = []
    for value in ids:
        if value is None:
            value, next_id = next_id, next_id + 1
        final.append(value)
    return final, sizes


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    na = math.sqrt(sum(w * w for w in a.values()))
    nb = math.sqrt(sum(w * w for w in b.values()))
    return dot / (na * nb) if na and nb else 0.0
