"""Demand clusters: group need texts into themes, label them in French, keep ids stable.

Pipeline (`cluster_needs`):

1. features: TF-IDF over stemmed French words (`matching.text.make_word_vectorizer`) beside the
   theme counts of the domain thesaurus (`matching.features.ThesaurusVectorizer`, block weight
   `thesaurus_weight`: members' everyday words and method names meet there), identical texts
   vectorised once, then LSA (truncated SVD to `n_components`, L2-normalised rows);
2. k: the silhouette (cosine) of k-means on a random sample of at most `sample_size` rows,
   for up to `K_CANDIDATES` values of k spread evenly over ``[k_min, min(k_max, n // 5)]`` (every
   k when the range is that small, plus the previous run's k); the best k wins, except
   that the previous run's k is kept when its silhouette is within `K_HYSTERESIS` of the best
   (so one new need does not reshuffle the themes);
3. clustering: k-means on all rows (MiniBatchKMeans beyond `MINIBATCH_FROM` texts); when the
   previous run's k is kept, k-means is warm-started from the previous clusters (each text goes
   to the previous centroid it is most similar to in term space) so memberships barely move;
4. labels: class-based TF-IDF (c-TF-IDF) of stems per cluster; each distinguishing stem is shown
   as the surface word (with its accents) that members used most for it, so labels read
   "Télétravail, équipe et distance", never "teletravail" or "anim"; `theme` is the thesaurus
   theme key that is the top theme of at least half of the cluster's needs (else None), and
   that theme's words are shown first;
5. ids: each cluster's centroid in term space (top `CENTROID_TERMS` stems, JSON-friendly) is
   matched to the previous run's centroids by the Hungarian algorithm; a pair is kept when its
   cosine is at least `MATCH_THRESHOLD`, other clusters get fresh ids (max previous id + 1, ...).
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.metrics import silhouette_score
from sklearn.metrics.pairwise import cosine_distances
from sklearn.preprocessing import normalize as l2_normalize

from matching.errors import InvalidInputError
from matching.text import ABBREVIATIONS, analyze, fold_accents, make_word_vectorizer, stem, tokenize

__all__ = [
    "CENTROID_TERMS",
    "K_HYSTERESIS",
    "MATCH_THRESHOLD",
    "Cluster",
    "ClusteringResult",
    "PreviousCluster",
    "cluster_needs",
]

CENTROID_TERMS = 60
MATCH_THRESHOLD = 0.35
K_HYSTERESIS = 0.03
K_CANDIDATES = 20
MINIBATCH_FROM = 5000
LABEL_WORDS = 3
TOP_TERMS = 6
SURFACE_SAMPLE = 400

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
#: Generic verb forms and fillers of need statements that are never shown in a label.
_LABEL_SKIP_WORDS = (
    "sais sait savons savent peux peut pouvons peuvent veux veut voulons veulent fait font "
    "ferait faut vont va passe passer mettre mis met trouver trouve donner prendre rendre dire "
    "dit plus tout tous toujours jamais rien personne gens ici part"
)
_LABEL_SKIP = frozenset(_LABEL_SKIP_WORDS.split())


@dataclass(frozen=True, slots=True)
class PreviousCluster:
    """What a run remembers of a cluster so the next run can keep its id (JSON-serialisable)."""

    id: int
    size: int
    centroid: Mapping[str, float]
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON storage."""
        return {
            "id": self.id,
            "size": self.size,
            "label": self.label,
            "centroid": dict(self.centroid),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PreviousCluster:
        """Inverse of `to_dict`."""
        centroid = {str(k): float(v) for k, v in dict(data["centroid"]).items()}
        return cls(int(data["id"]), int(data["size"]), centroid, str(data.get("label", "")))


@dataclass(frozen=True, slots=True)
class Cluster:
    """One demand theme: its stable id, readable label, distinguishing words and members."""

    id: int
    label: str
    top_terms: tuple[str, ...]
    member_indices: tuple[int, ...]
    centroid: Mapping[str, float]
    previous_size: int | None = None
    theme: str | None = None

    @property
    def size(self) -> int:
        """Number of needs in the cluster."""
        return len(self.member_indices)

    @property
    def change(self) -> int | None:
        """Growth since the previous run (None for a new cluster)."""
        return None if self.previous_size is None else self.size - self.previous_size

    @property
    def is_new(self) -> bool:
        """True when no cluster of the previous run matched this one."""
        return self.previous_size is None

    def to_previous(self) -> PreviousCluster:
        """The state the next run needs to keep this cluster's id."""
        return PreviousCluster(self.id, self.size, dict(self.centroid), self.label)


@dataclass(frozen=True, slots=True)
class ClusteringResult:
    """Clusters (largest first), each text's cluster id (-1: no content word), diagnostics."""

    clusters: tuple[Cluster, ...]
    assignments: tuple[int, ...]
    k: int
    k_scores: Mapping[int, float] = field(default_factory=dict)
    disappeared: tuple[int, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)

    def state(self) -> list[dict[str, Any]]:
        """JSON-serialisable state to pass back (via `PreviousCluster.from_dict`) next run."""
        return [c.to_previous().to_dict() for c in self.clusters]


def cluster_needs(
    texts: Sequence[str],
    previous: Sequence[PreviousCluster] | None = None,
    *,
    k_min: int = 2,
    k_max: int = 40,
    sample_size: int = 2000,
    n_components: int = 30,
    thesaurus_weight: float = 4.0,
    random_state: int = 0,
) -> ClusteringResult:
    """Cluster need texts into themes with readable labels and ids stable across runs."""
    if k_min < 2 or k_max < k_min:
        raise InvalidInputError(f"need 2 <= k_min <= k_max, got {k_min}, {k_max}")
    if isinstance(texts, str) or any(not isinstance(t, str) for t in texts):
        raise InvalidInputError("texts must be a sequence of str")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    uniq, inverse = _dedupe(texts)
    stems = [analyze(t) for t in uniq]
    keep = np.array([bool(s) for s in stems], dtype=bool)
    if not keep.any():
        return ClusteringResult((), tuple([-1] * len(texts)), 0, timings=timings)
    vectorizer = make_word_vectorizer(ngram_range=(1, 1), analyzer=_pre_analyzed)
    tfidf = vectorizer.fit_transform([s for s, k in zip(stems, keep, strict=True) if k])
    terms = vectorizer.get_feature_names_out()
    counts = np.bincount(inverse, minlength=len(uniq))[keep].astype(np.float64)
    themes, theme_counts = _theme_counts(uniq[keep].tolist(), thesaurus_weight)
    blocks = [l2_normalize(tfidf)]
    if theme_counts is not None:
        blocks.append(np.sqrt(thesaurus_weight) * l2_normalize(theme_counts))
    lsa = _lsa(sparse.hstack(blocks, format="csr"), n_components, random_state)
    timings["features"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_texts = int(counts.sum())
    upper = min(k_max, max(k_min, n_texts // 5), lsa.shape[0])
    prev_k = len(previous) if previous else None
    k, scores = _choose_k(lsa, counts, k_min, upper, sample_size, prev_k, random_state)
    init = None
    if previous and k == len(previous) and k <= lsa.shape[0]:
        init = _warm_start(tfidf, lsa, terms, previous)
    labels_u = _fit_kmeans(lsa, counts, k, random_state, init)
    timings["clustering"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    found = np.unique(labels_u)
    centroids = [_centroid(tfidf, counts, labels_u == c, terms) for c in found]
    dominant = _dominant_themes(theme_counts, counts, labels_u, found, themes)
    top = _distinguishing_terms(tfidf, counts, labels_u, found, terms, uniq[keep], dominant)
    timings["labels"] = time.perf_counter() - t0

    ids, prev_sizes, gone = _match_ids(centroids, previous or ())
    row_of_unique = np.full(len(uniq), -1)
    row_of_unique[np.flatnonzero(keep)] = labels_u
    per_text = row_of_unique[inverse]
    id_of = {int(c): ids[i] for i, c in enumerate(found)}
    assignments = tuple(id_of.get(int(c), -1) for c in per_text)
    clusters = []
    for i, c in enumerate(found):
        words = top[i]
        members = tuple(int(j) for j in np.flatnonzero(per_text == c))
        clusters.append(
            Cluster(
                ids[i],
                _label(words),
                tuple(words),
                members,
                centroids[i],
                prev_sizes[i],
                dominant[i],
            )
        )
    clusters.sort(key=lambda cl: (-cl.size, cl.id))
    return ClusteringResult(tuple(clusters), assignments, int(k), scores, gone, timings)


def _dedupe(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Unique texts (first-seen order) and, for each text, the index of its unique text."""
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.intp)
    uniq = np.empty(len(index), dtype=object)
    uniq[:] = list(index)
    return uniq, inverse


def _pre_analyzed(stems: list[str]) -> list[str]:
    """Analyzer for texts already analysed by `matching.text.analyze`."""
    return stems


def _theme_counts(texts: list[str], weight: float) -> tuple[list[str], sparse.csr_matrix | None]:
    """Thesaurus theme counts of each text (None when the block is switched off)."""
    if weight <= 0:
        return [], None
    from matching.features import ThesaurusVectorizer

    vectorizer = ThesaurusVectorizer().fit(texts)
    return [str(t) for t in vectorizer.get_feature_names_out()], vectorizer.transform(texts)


def _dominant_themes(
    theme_counts: sparse.csr_matrix | None,
    counts: np.ndarray,
    labels: np.ndarray,
    found: np.ndarray,
    themes: list[str],
) -> list[str | None]:
    """Per cluster, the thesaurus theme that is the top theme of at least half its needs."""
    if theme_counts is None:
        return [None] * len(found)
    dense = theme_counts.toarray()
    top = np.where(dense.max(axis=1) > 0, dense.argmax(axis=1), -1)
    result: list[str | None] = []
    for c in found:
        mask = labels == c
        votes = np.bincount(top[mask] + 1, weights=counts[mask], minlength=len(themes) + 1)[1:]
        best = int(np.argmax(votes)) if votes.size else 0
        enough = votes.size and votes[best] > 0 and votes[best] >= 0.5 * counts[mask].sum()
        result.append(themes[best] if enough else None)
    return result


def _lsa(tfidf: sparse.csr_matrix, n_components: int, random_state: int) -> np.ndarray:
    dims = min(n_components, tfidf.shape[1] - 1, tfidf.shape[0] - 1)
    if dims < 2:
        return l2_normalize(tfidf.toarray())
    svd = TruncatedSVD(
        n_components=dims, algorithm="randomized", n_iter=4, random_state=random_state
    )
    return l2_normalize(svd.fit_transform(tfidf))


def _choose_k(
    x: np.ndarray,
    weights: np.ndarray,
    k_min: int,
    k_max: int,
    sample_size: int,
    prev_k: int | None,
    random_state: int,
) -> tuple[int, dict[int, float]]:
    """Silhouette-best k on a weighted random sample (see the module docstring)."""
    if x.shape[0] <= k_min:
        return max(1, x.shape[0]), {}
    rng = np.random.default_rng(random_state)
    if x.shape[0] > sample_size:
        rows = rng.choice(x.shape[0], size=sample_size, replace=False, p=weights / weights.sum())
        xs = x[rows]
    else:
        xs = x
    upper = min(k_max, xs.shape[0] - 1)
    candidates = np.unique(np.linspace(k_min, upper, num=min(K_CANDIDATES, upper - k_min + 1)))
    if prev_k is not None and k_min <= prev_k <= upper:
        candidates = np.union1d(candidates, [prev_k])
    distances = np.clip(cosine_distances(xs), 0.0, None)
    np.fill_diagonal(distances, 0.0)
    scores: dict[int, float] = {}
    for k in candidates.round().astype(int):
        km = KMeans(n_clusters=int(k), n_init=2, random_state=random_state).fit(xs)
        if len(np.unique(km.labels_)) < 2:
            continue
        scores[int(k)] = float(silhouette_score(distances, km.labels_, metric="precomputed"))
    if not scores:
        return k_min, scores
    best = max(scores, key=lambda k: scores[k])
    if prev_k in scores and scores[prev_k] >= scores[best] - K_HYSTERESIS:
        best = prev_k
    return best, scores


def _fit_kmeans(
    x: np.ndarray, weights: np.ndarray, k: int, random_state: int, init: np.ndarray | None = None
) -> np.ndarray:
    """k-means labels; warm-started from `init` centroids when given (one run, no restarts)."""
    if k <= 1:
        return np.zeros(x.shape[0], dtype=int)
    starts: Any = init if init is not None else "k-means++"
    if x.shape[0] >= MINIBATCH_FROM:
        model: KMeans | MiniBatchKMeans = MiniBatchKMeans(
            n_clusters=k, init=starts, batch_size=4096, n_init=1 if init is not None else 3,
            random_state=random_state,
        )  # fmt: skip
    else:
        model = KMeans(
            n_clusters=k,
            init=starts,
            n_init=1 if init is not None else 5,
            random_state=random_state,
        )
    return model.fit_predict(x, sample_weight=weights)


def _warm_start(
    tfidf: sparse.csr_matrix,
    lsa: np.ndarray,
    terms: np.ndarray,
    previous: Sequence[PreviousCluster],
) -> np.ndarray | None:
    """Starting centroids in the new LSA space from the previous run's term-space centroids.

    Each text goes to the previous cluster whose centroid it is most similar to; a start is the
    mean LSA row of those texts (the single most similar text when none went there).
    """
    column = {str(t): j for j, t in enumerate(terms)}
    rows, cols, vals = [], [], []
    for i, cluster in enumerate(previous):
        for term, weight in cluster.centroid.items():
            if term in column:
                rows.append(i)
                cols.append(column[term])
                vals.append(weight)
    if not vals:
        return None
    shape = (len(previous), len(terms))
    prev = sparse.csr_matrix((vals, (rows, cols)), shape=shape)
    sims = (l2_normalize(tfidf) @ prev.T).toarray()
    nearest = sims.argmax(axis=1)
    starts = np.empty((len(previous), lsa.shape[1]))
    for i in range(len(previous)):
        members = nearest == i
        starts[i] = lsa[members].mean(axis=0) if members.any() else lsa[sims[:, i].argmax()]
    if len(np.unique(starts.round(9), axis=0)) < len(previous):
        return None
    return starts


def _centroid(
    tfidf: sparse.csr_matrix, counts: np.ndarray, mask: np.ndarray, terms: np.ndarray
) -> dict[str, float]:
    """Weighted mean TF-IDF row of a cluster, truncated to its top terms and L2-normalised."""
    w = counts[mask]
    mean = np.asarray(tfidf[mask].T @ w).ravel() / max(w.sum(), 1.0)
    top = np.argsort(-mean)[:CENTROID_TERMS]
    top = top[mean[top] > 0]
    norm = float(np.linalg.norm(mean[top])) or 1.0
    return {str(terms[j]): round(float(mean[j] / norm), 6) for j in top}


def _distinguishing_terms(
    tfidf: sparse.csr_matrix,
    counts: np.ndarray,
    labels: np.ndarray,
    found: np.ndarray,
    terms: np.ndarray,
    texts: np.ndarray,
    dominant: Sequence[str | None],
) -> list[list[str]]:
    """c-TF-IDF: tf of a stem in the cluster x log(1 + A / its frequency over all clusters).

    Stems of the cluster's dominant thesaurus theme come first, then stems shared by several
    needs of the cluster, each group in c-TF-IDF order.
    """
    present = (tfidf > 0).astype(np.float64).multiply(counts[:, None]).tocsr()
    onehot = sparse.csr_matrix(
        (np.ones(len(labels)), (np.searchsorted(found, labels), np.arange(len(labels)))),
        shape=(len(found), len(labels)),
    )
    tf = np.asarray((onehot @ present).todense())
    avg = tf.sum() / len(found)
    ctfidf = (tf / np.maximum(tf.sum(axis=1, keepdims=True), 1.0)) * np.log1p(
        avg / np.maximum(tf.sum(axis=0), 1.0)
    )
    surface = _surface_words(texts, labels, found)
    result = []
    for i in range(len(found)):
        words: list[str] = []
        in_theme = np.isin(terms, list(_theme_stems(dominant[i])))
        order = np.lexsort((-ctfidf[i], tf[i] < 2, ~in_theme))
        for j in order:
            if ctfidf[i, j] <= 0:
                continue
            if len(words) >= TOP_TERMS:
                break
            word = surface[i].get(str(terms[j]))
            if word and word not in words and fold_accents(word) not in _LABEL_SKIP:
                words.append(word)
        result.append(words)
    return result


def _theme_stems(theme: str | None) -> set[str]:
    """Stems of the one-word thesaurus terms of a theme (empty for None)."""
    if theme is None:
        return set()
    from matching.features import load_thesaurus

    terms = load_thesaurus().get(theme, ())
    return {stems[0] for stems in (analyze(t) for t in terms) if len(stems) == 1}


def _surface_words(
    texts: np.ndarray, labels: np.ndarray, found: np.ndarray
) -> list[dict[str, str]]:
    """Per cluster, the most used surface word (accents kept) for each stem.

    Read on at most `SURFACE_SAMPLE` texts per cluster (evenly spaced), plenty to spell a label.
    """
    counters: list[defaultdict[str, Counter[str]]] = [defaultdict(Counter) for _ in found]
    position = {int(c): i for i, c in enumerate(found)}
    cache: dict[str, str | None] = {}
    rows = []
    for c in found:
        members = np.flatnonzero(labels == c)
        step = max(1, len(members) // SURFACE_SAMPLE)
        rows.extend(members[::step][:SURFACE_SAMPLE].tolist())
    for text, label in zip(texts[rows], labels[rows], strict=True):
        by_stem = counters[position[int(label)]]
        for word in _WORD.findall(text.lower()):
            if word not in cache:
                toks = tokenize(word)
                cache[word] = (
                    stem(toks[0]) if len(toks) == 1 and toks[0] == fold_accents(word) else None
                )
            key = cache[word]
            if key is not None:
                by_stem[key][word] += 1
    return [{s: _best_spelling(c) for s, c in by_stem.items()} for by_stem in counters]


def _best_spelling(variants: Counter[str]) -> str:
    """Most used word form; among spellings of that form, the accented one ("télétravail")."""
    by_fold: Counter[str] = Counter()
    for word, n in variants.items():
        by_fold[fold_accents(word)] += n
    form = by_fold.most_common(1)[0][0]
    if form in ABBREVIATIONS:
        return form.upper()
    spellings = [w for w in variants if fold_accents(w) == form]
    return max(spellings, key=lambda w: (w != form, variants[w], w))


def _label(words: Sequence[str]) -> str:
    """'Télétravail, équipe et distance' from the best distinguishing words."""
    shown = list(words[:LABEL_WORDS])
    if not shown:
        return "Thème sans mot distinctif"
    text = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " et " + shown[-1]
    return text[0].upper() + text[1:]


def _match_ids(
    centroids: Sequence[Mapping[str, float]], previous: Sequence[PreviousCluster]
) -> tuple[list[int], list[int | None], tuple[int, ...]]:
    """Hungarian matching of new centroids to previous ones; fresh ids for the rest."""
    ids: list[int | None] = [None] * len(centroids)
    sizes: list[int | None] = [None] * len(centroids)
    used: set[int] = set()
    if previous and centroids:
        sim = np.array([[_cosine(c, p.centroid) for p in previous] for c in centroids])
        rows, cols = linear_sum_assignment(-sim)
        for r, c in zip(rows, cols, strict=True):
            if sim[r, c] >= MATCH_THRESHOLD:
                ids[r], sizes[r] = previous[c].id, previous[c].size
                used.add(previous[c].id)
    next_id = max((p.id for p in previous), default=0) + 1
    final: list[int] = []
    for value in ids:
        if value is None:
            value, next_id = next_id, next_id + 1
        final.append(value)
    gone = tuple(sorted(p.id for p in previous if p.id not in used))
    return final, sizes, gone


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(w * b.get(t, 0.0) for t, w in a.items())
    na = float(np.sqrt(sum(w * w for w in a.values())))
    nb = float(np.sqrt(sum(w * w for w in b.values())))
    return dot / (na * nb) if na and nb else 0.0
