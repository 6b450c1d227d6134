"""Demand themes: members' open needs grouped by what they are about, with stable ids.

`group_needs` takes the needs' texts and the theme the model read in each (None: « hors
thèmes »), and returns groups of three kinds:

- **theme**: the needs of one theme, labelled with the theme's French name;
- **subtheme**: in a large theme (at least `SPLIT_MIN` needs), the needs sharing a telling
  phrase — a run of one to three content words found in `SUBGROUP_SHARE` to `SUBGROUP_MAX_SHARE`
  of the theme's needs, at least `SUBGROUP_MIN` of them, and rare elsewhere — form a named
  sub-group (« Participation citoyenne — budget participatif »); at most `MAX_SUBGROUPS` per
  theme, the other needs stay in the theme's group. Every need of a sub-group contains its
  phrase, so the name never claims what the needs do not say;
- **emerging**: needs « hors thèmes » sharing words (cosine of their word TF-IDF at least
  `EMERGING_SIMILARITY` to the group's first need, longest needs first) form a group of at least
  `EMERGING_MIN` needs, labelled by its most telling phrase (never a list of loose words); the
  other needs « hors thèmes » are kept together in one group of isolated needs.

Ids stay stable from run to run: a theme's group and a sub-group keep the id of the previous
run's group with the same key (theme, or theme and phrase); emerging groups are matched to the
previous ones by the cosine of their centroids (top `CENTROID_TERMS` stems, Hungarian algorithm,
kept from `MATCH_THRESHOLD`). Other groups get fresh ids. Deterministic for given inputs.

Large inputs stay fast: phrases are counted on evenly spread samples (`THEME_SAMPLE` needs of a
theme, `PHRASE_SAMPLE` of everything), and every word's stem is computed once per call.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.feature_extraction.text import TfidfVectorizer

from matching.phrases import NeedReader, spread, telling_phrase, top_words

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
SUBGROUP_MIN = 10
SUBGROUP_SHARE = 0.15
SUBGROUP_MAX_SHARE = 0.6
MAX_SUBGROUPS = 3
EMERGING_SIMILARITY = 0.3
EMERGING_MIN = 3
EMERGING_MAX = 20_000
CENTROID_TERMS = 60
MATCH_THRESHOLD = 0.3
PHRASE_SAMPLE = 2000
THEME_SAMPLE = 500
TOP_TERMS = 6
ISOLATED_LABEL = "Besoins isolés, hors des thèmes connus"


@dataclass(frozen=True, slots=True)
class PreviousGroup:
    """What a run remembers of a group so the next run can keep its id (JSON-serialisable)."""

    id: int
    kind: str
    theme: str | None
    size: int
    centroid: Mapping[str, float]
    label: str = ""
    key: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON storage."""
        return {
            "id": self.id,
            "kind": self.kind,
            "theme": self.theme,
            "key": self.key,
            "size": self.size,
            "label": self.label,
            "centroid": dict(self.centroid),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PreviousGroup:
        """Inverse of `to_dict` (states of older runs, without `kind`, count as emerging)."""
        centroid = {str(k): float(v) for k, v in dict(data.get("centroid", {})).items()}
        return cls(
            id=int(data["id"]),
            kind=str(data.get("kind", "emerging")),
            theme=data.get("theme"),
            size=int(data.get("size", 0)),
            centroid=centroid,
            label=str(data.get("label", "")),
            key=str(data.get("key", "")),
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
    key: str = ""

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
        return PreviousGroup(
            self.id, self.kind, self.theme, self.size, self.centroid, self.label, self.key
        )


@dataclass(frozen=True, slots=True)
class DemandResult:
    """Groups (largest first) and each need's group id (-1: a need without content words)."""

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
    key: str
    centroid: dict[str, float] = field(default_factory=dict)


def group_needs(
    texts: Sequence[str],
    themes: Sequence[str | None],
    theme_names: Mapping[str, str],
    previous: Sequence[PreviousGroup] = (),
) -> DemandResult:
    """Group needs by theme, name the sub-groups of large themes, gather the rest as emerging.

    `themes[i]` is the theme read in `texts[i]` (a key of `theme_names`) or None.
    """
    started = time.perf_counter()
    reader = NeedReader(texts)
    by_theme: dict[str, list[int]] = defaultdict(list)
    off_topic: list[int] = []
    for i, theme in enumerate(themes):
        if reader.stems[i]:
            (by_theme[theme] if theme else off_topic).append(i)
    everyone = [i for i in range(len(texts)) if reader.stems[i]]
    background, _ = reader.counts(spread(everyone, PHRASE_SAMPLE))
    background_size = min(len(everyone), PHRASE_SAMPLE)
    read = time.perf_counter()
    drafts: list[_Draft] = []
    for theme in sorted(by_theme):
        drafts += _theme_groups(
            theme, theme_names[theme], by_theme[theme], reader, background, background_size
        )
    themed = time.perf_counter()
    drafts += _emerging_groups(off_topic, reader)
    idf = _idf(reader.stems)
    for draft in drafts:
        draft.centroid = _centroid(draft.indices, reader.stems, idf)
    ids, sizes = _stable_ids(drafts, previous)
    groups = [
        DemandGroup(
            id=ids[k],
            kind=d.kind,
            theme=d.theme,
            label=d.label,
            top_terms=top_words(d.indices, reader, d.centroid, TOP_TERMS),
            member_indices=tuple(d.indices),
            centroid=d.centroid,
            previous_size=sizes[k],
            key=d.key,
        )
        for k, d in enumerate(drafts)
    ]
    groups.sort(key=lambda g: (-g.size, g.id))
    assignments = [-1] * len(texts)
    for g in groups:
        for i in g.member_indices:
            assignments[i] = g.id
    timings = {
        "reading_s": read - started,
        "themes_s": themed - read,
        "total_s": time.perf_counter() - started,
    }
    return DemandResult(tuple(groups), tuple(assignments), timings)


def _theme_groups(
    theme: str,
    name: str,
    indices: list[int],
    reader: NeedReader,
    background: Counter[tuple[str, ...]],
    background_size: int,
) -> list[_Draft]:
    """The theme's group, and the named sub-groups of a large theme (module docstring)."""
    main = _Draft("theme", theme, name, indices, f"theme:{theme}")
    if len(indices) < SPLIT_MIN:
        return [main]
    sample = spread(indices, THEME_SAMPLE)
    counts, written = reader.counts(sample)
    lowest = max(SUBGROUP_MIN * len(sample) / len(indices), SUBGROUP_SHARE * len(sample))

    def score(key: tuple[str, ...]) -> float:
        rarity = math.log(1 + background_size / max(background[key], 1))
        return counts[key] * rarity * (1 + 0.25 * (len(key) - 1))

    candidates = [
        key
        for key, count in counts.items()
        if lowest <= count <= SUBGROUP_MAX_SHARE * len(sample)
        and background[key] <= 3 * count  # telling: not a word every theme uses
    ]
    chosen: list[tuple[str, ...]] = []
    for key in sorted(candidates, key=lambda k: (-score(k), k)):
        if len(chosen) == MAX_SUBGROUPS:
            break
        if not any(set(key) & set(other) for other in chosen):
            chosen.append(key)
    parts: dict[tuple[str, ...], list[int]] = {key: [] for key in chosen}
    rest = []
    for i in indices:
        found = next((key for key in chosen if reader.contains(i, key)), None)
        (parts[found] if found is not None else rest).append(i)
    drafts = []
    for key in chosen:
        if len(parts[key]) < SUBGROUP_MIN:
            rest += parts[key]
            continue
        phrase = written[key].most_common(1)[0][0]
        label = f"{name} — {phrase}"
        drafts.append(_Draft("subtheme", theme, label, parts[key], f"sub:{theme}:{' '.join(key)}"))
    if not drafts:
        return [main]
    if rest:
        drafts.insert(0, _Draft("theme", theme, name, sorted(rest), f"theme:{theme}"))
    return drafts


def _emerging_groups(indices: list[int], reader: NeedReader) -> list[_Draft]:
    """Needs « hors thèmes » that share words, grouped around leaders; lone needs together."""
    if not indices:
        return []
    considered = indices[:EMERGING_MAX]
    matrix = TfidfVectorizer(analyzer=_identity, sublinear_tf=True).fit_transform(
        [reader.stems[i] for i in considered]
    )
    sims = (matrix @ matrix.T).tocsr()
    order = sorted(range(len(considered)), key=lambda j: (-len(reader.stems[considered[j]]), j))
    leader_of = np.full(len(considered), -1, dtype=np.int64)
    members: dict[int, list[int]] = {}
    for j in order:
        row = slice(sims.indptr[j], sims.indptr[j + 1])
        cols, values = sims.indices[row], sims.data[row]
        best, best_value = -1, EMERGING_SIMILARITY
        for col, value in zip(cols.tolist(), values.tolist(), strict=True):
            if col in members and value >= best_value and col != j:
                best, best_value = col, value
        if best < 0:
            members[j] = [j]
            leader_of[j] = j
        else:
            members[best].append(j)
            leader_of[j] = best
    drafts, lone = [], list(indices[EMERGING_MAX:])
    sample = spread(considered, PHRASE_SAMPLE)
    scope, _ = reader.counts(sample)
    for group in members.values():
        needs = sorted(considered[j] for j in group)
        if len(needs) < EMERGING_MIN:
            lone += needs
            continue
        phrase = telling_phrase(needs, reader, scope, len(sample))
        drafts.append(_Draft("emerging", None, phrase, needs, "emerging"))
    if lone:
        drafts.append(_Draft("emerging", None, ISOLATED_LABEL, sorted(lone), "isolated"))
    return drafts


def _identity(tokens: Sequence[str]) -> Sequence[str]:
    return tokens


def _idf(stems: Sequence[Sequence[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for tokens in stems:
        df.update(set(tokens))
    n = max(len(stems), 1)
    return {t: math.log(1 + n / c) for t, c in df.items()}


def _centroid(
    indices: Sequence[int], stems: Sequence[Sequence[str]], idf: Mapping[str, float]
) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for i in indices:
        counts.update(set(stems[i]))
    weights = {t: c / len(indices) * idf.get(t, 0.0) for t, c in counts.items()}
    top = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:CENTROID_TERMS]
    return {t: round(w, 5) for t, w in top}


def _stable_ids(
    drafts: Sequence[_Draft], previous: Sequence[PreviousGroup]
) -> tuple[list[int], list[int | None]]:
    """Ids kept from the previous run (see the module docstring), fresh ids for the rest."""
    ids: list[int | None] = [None] * len(drafts)
    sizes: list[int | None] = [None] * len(drafts)
    by_key = {p.key: p for p in previous if p.key and p.key != "emerging"}
    used: set[int] = set()
    for k, d in enumerate(drafts):
        old = by_key.get(d.key) if d.key != "emerging" else None
        if old is not None:
            ids[k], sizes[k] = old.id, old.size
            used.add(old.id)
    emerging = [k for k, d in enumerate(drafts) if d.key == "emerging"]
    olds = [p for p in previous if p.key in ("emerging", "") and p.id not in used]
    if emerging and olds:
        sim = np.array([[_cosine(drafts[k].centroid, p.centroid) for p in olds] for k in emerging])
        rows, cols = linear_sum_assignment(-sim)
        for r, c in zip(rows, cols, strict=True):
            if sim[r, c] >= MATCH_THRESHOLD:
                ids[emerging[r]], sizes[emerging[r]] = olds[c].id, olds[c].size
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
