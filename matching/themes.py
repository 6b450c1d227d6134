"""The theme model: what a French text is about, as a probability per taxonomy theme.

`ThemeModel` is a scikit-learn classifier trained on the labelled corpus
(`matching.taxonomy.load_corpus`) plus whatever the community taught it (corrected needs, good
pairs). Features, side by side (`FeatureUnion`):

- word TF-IDF over Snowball stems and stem bigrams (`matching.text.word_ngrams`);
- character 4-gram TF-IDF inside words of the folded text (typos, missing accents, inflections;
  3-5-grams read the guard split and dev-tune needs no better and cost three times as much);
- the taxonomy's vocabulary: one column per theme counting its vocabulary and method terms found
  in the text (`VocabularyCounts`).

A linear support vector machine (one-vs-rest) ranks the themes; its decision values become
probabilities by *temperature scaling*: a softmax of the decision values divided by one
temperature, chosen to minimise the log loss of 5-fold out-of-fold decisions (Guo et al., 2017),
so that "0.8" means right about 80 % of the time. On the corpus it fitted 10x faster than a
multinomial logistic regression with the same guard accuracy and Brier score (figures printed
by `bench/theme_model.py`). A text whose best theme stays under `min_confidence` is « hors
thèmes » (the corpus also has an explicit `hors_themes` class for sentences outside public
innovation): matching then relies on its words only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from matching.errors import InvalidInputError
from matching.taxonomy import (
    OFF_TOPIC,
    Example,
    Taxonomy,
    in_guard_split,
    load_corpus,
    load_taxonomy,
)
from matching.text import (
    Analysis,
    Document,
    analyze,
    make_char_vectorizer,
    make_word_vectorizer,
    stems_of,
    surface_words,
)

__all__ = [
    "MIN_CONFIDENCE",
    "ThemeModel",
    "ThemeReading",
    "VocabularyCounts",
    "accept_refit",
    "fit_default_model",
    "guard_accuracy",
    "guard_size",
]

MIN_CONFIDENCE = 0.35
"""Below this probability for its best theme, a text is « hors thèmes »."""


class VocabularyCounts(TransformerMixin, BaseEstimator):
    """One column per taxonomy theme: ``log(1 + n)`` of its vocabulary and method terms found.

    Terms and texts go through `matching.text.analyze` (folded, stemmed); a multi-word term
    matches a contiguous run of stems.
    """

    def __init__(self, taxonomy: Taxonomy | None = None) -> None:
        self.taxonomy = taxonomy

    def fit(self, X: Iterable[str], y: Any = None) -> VocabularyCounts:
        """Compile every theme's terms into stem sequences indexed by their first stem."""
        taxonomy = self.taxonomy or load_taxonomy()
        patterns: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for column, theme in enumerate(taxonomy.themes):
            for term in dict.fromkeys(theme.vocabulary + theme.methods):
                stems = tuple(analyze(term))
                if stems:
                    patterns.setdefault(stems[0], []).append((stems, column))
        self.patterns_ = patterns
        self.n_themes_ = len(taxonomy.themes)
        return self

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        """(n_texts, n_themes) dampened counts of theme terms."""
        check_is_fitted(self, "patterns_")
        rows, cols = [], []
        texts = list(X)
        for i, text in enumerate(texts):
            stems = stems_of(text)
            for pos, first in enumerate(stems):
                for pattern, column in self.patterns_.get(first, ()):
                    if tuple(stems[pos : pos + len(pattern)]) == pattern:
                        rows.append(i)
                        cols.append(column)
        counts = sp.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(len(texts), self.n_themes_)
        )
        counts.sum_duplicates()
        counts.data = np.log1p(counts.data)
        return counts

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """One name per theme column."""
        check_is_fitted(self, "patterns_")
        return np.asarray([f"theme_{i}" for i in range(self.n_themes_)], dtype=object)


@dataclass(frozen=True, slots=True)
class ThemeReading:
    """What the model reads in one text: its best theme (or None), probability and cue words."""

    theme: str | None
    probability: float
    words: tuple[str, ...]


class ThemeModel(ClassifierMixin, BaseEstimator):
    """Calibrated probabilities of taxonomy themes for French texts (see the module docstring).

    Parameters
    ----------
    taxonomy : Taxonomy or None
        The themes (None: the packaged taxonomy). Labels must be its ids or ``hors_themes``.
    C : float
        Inverse regularisation strength of the linear support vector machine.
    char_weight, vocabulary_weight : float
        Weights of the character n-gram and taxonomy-vocabulary blocks (words weigh 1).
    min_confidence : float
        Best-theme probability under which a text is « hors thèmes ».
    calibration_folds : int
        Folds of the out-of-fold predictions the temperature is fitted on.
    """

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        C: float = 0.5,
        char_weight: float = 1.0,
        vocabulary_weight: float = 0.5,
        min_confidence: float = MIN_CONFIDENCE,
        calibration_folds: int = 5,
    ) -> None:
        self.taxonomy = taxonomy
        self.C = C
        self.char_weight = char_weight
        self.vocabulary_weight = vocabulary_weight
        self.min_confidence = min_confidence
        self.calibration_folds = calibration_folds

    # ------------------------------------------------------------------------------ fitting
    def _features(self) -> FeatureUnion:
        return FeatureUnion(
            [
                ("words", make_word_vectorizer()),
                ("chars", make_char_vectorizer(min_df=2, ngram_range=(4, 4))),
                ("vocabulary", VocabularyCounts(self.taxonomy)),
            ],
            transformer_weights={
                "words": 1.0,
                "chars": self.char_weight,
                "vocabulary": self.vocabulary_weight,
            },
        )

    def _classifier(self) -> LinearSVC:
        return LinearSVC(C=self.C, random_state=0)  # liblinear shuffles: fixed for equal fits

    def fit(self, X: Sequence[str], y: Sequence[str]) -> ThemeModel:
        """Learn the features and the classifier from labelled texts, then the temperature."""
        texts, labels = _texts(X), np.asarray(list(y), dtype=object)
        if not all(isinstance(t, str) for t in texts):
            raise InvalidInputError("the theme model learns from plain texts (str)")
        if len(texts) != labels.size:
            raise InvalidInputError("X and y have different lengths")
        taxonomy = self.taxonomy or load_taxonomy()
        unknown = set(labels.tolist()) - set(taxonomy.ids) - {OFF_TOPIC}
        if unknown:
            raise InvalidInputError(f"unknown theme labels: {sorted(unknown)}")
        if len(set(labels.tolist())) < 2:
            raise InvalidInputError("the theme model needs at least two themes to learn")
        self.features_ = self._features()
        features = self.features_.fit_transform([Analysis.of(t) for t in texts])
        self.classifier_ = self._classifier().fit(features, labels)
        self.classes_ = self.classifier_.classes_
        self.temperature_ = self._fit_temperature(features, labels)
        self.themes_ = taxonomy.ids
        self.names_ = {theme.id: theme.name for theme in taxonomy.themes}
        positions = {label: k for k, label in enumerate(self.classes_)}
        self.columns_ = np.asarray([positions.get(t, -1) for t in self.themes_], dtype=np.intp)
        self.fingerprint_ = _fingerprint(texts, labels.tolist(), self.get_params(deep=False))
        return self

    def _fit_temperature(self, features: sp.csr_matrix, labels: np.ndarray) -> float:
        smallest = int(min(np.unique(labels, return_counts=True)[1]))
        folds = min(self.calibration_folds, smallest)
        if folds < 2:
            return 1.0
        splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
        decisions = cross_val_predict(
            self._classifier(), features, labels, cv=splitter, method="decision_function"
        )
        truth = np.searchsorted(self.classes_, labels)

        def log_loss(temperature: float) -> float:
            logp = log_softmax(decisions / temperature, axis=1)
            return float(-logp[np.arange(truth.size), truth].mean())

        found = minimize_scalar(log_loss, bounds=(0.05, 20.0), method="bounded")
        return float(found.x)

    # ----------------------------------------------------------------------------- reading
    def predict_proba(self, X: Sequence[Document]) -> np.ndarray:
        """(n_texts, n_classes) calibrated probabilities, columns in `classes_` order.

        Texts may be given analysed already (`matching.text.Analysis`); plain texts are
        analysed once here for all three feature blocks.
        """
        check_is_fitted(self, "classifier_")
        texts = _texts(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        analysed = [t if isinstance(t, Analysis) else Analysis.of(t) for t in texts]
        decisions = self.classifier_.decision_function(self.features_.transform(analysed))
        return softmax(decisions / self.temperature_, axis=1)

    def predict(self, X: Sequence[Document]) -> np.ndarray:
        """The most probable class of each text (a theme id or ``hors_themes``)."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def distributions(self, X: Sequence[Document]) -> np.ndarray:
        """(n_texts, n_themes) float32 probabilities in taxonomy order (off-topic mass left out)."""
        return self.to_distributions(self.predict_proba(X))

    def to_distributions(self, proba: np.ndarray) -> np.ndarray:
        """Reorder `predict_proba` columns to the taxonomy's themes (0 for unseen themes)."""
        out = np.zeros((proba.shape[0], len(self.themes_)), dtype=np.float32)
        seen = self.columns_ >= 0
        out[:, seen] = proba[:, self.columns_[seen]]
        return out

    def best_themes(self, distributions: np.ndarray) -> list[str | None]:
        """Each row's best theme, or None when it stays under `min_confidence` (hors thèmes)."""
        if distributions.shape[0] == 0:
            return []
        best = distributions.argmax(axis=1)
        top = distributions[np.arange(best.size), best]
        return [
            self.themes_[b] if p >= self.min_confidence else None
            for b, p in zip(best, top, strict=True)
        ]

    def read(self, text: str, words: int = 3) -> ThemeReading:
        """The best theme of one text, its probability, and the words of the text behind it."""
        distribution = self.distributions([text])[0]
        best = int(distribution.argmax())
        probability = float(distribution[best])
        if probability < self.min_confidence:
            return ThemeReading(None, probability, ())
        return ThemeReading(self.themes_[best], probability, self.cue_words(text, best, words))

    def cue_words(self, text: str, theme_column: int, limit: int = 3) -> tuple[str, ...]:
        """Words of `text` that pushed it most towards a theme (by weight x feature value)."""
        check_is_fitted(self, "classifier_")
        position = self.columns_[theme_column]
        if position < 0:
            return ()
        words = self.features_.transformer_list[0][1]
        row = words.transform([text])
        coef = self.classifier_.coef_[position]
        vocabulary_size = row.shape[1]
        contributions = {
            int(j): float(v * coef[j])
            for j, v in zip(row.indices, row.data, strict=True)
            if j < vocabulary_size
        }
        names = words.get_feature_names_out()
        stems = [
            str(names[j])
            for j, c in sorted(contributions.items(), key=lambda kv: -kv[1])
            if c > 0 and " " not in str(names[j])
        ]
        return surface_words(text, stems, limit)


def _fingerprint(texts: Sequence[str], labels: Sequence[str], params: dict[str, Any]) -> str:
    """A short hash of what a fit depends on: examples, parameters, scikit-learn's version."""
    sha = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        sha.update(f"{label}\t{text}\n".encode())
    shown = {k: v for k, v in params.items() if k != "taxonomy"}
    taxonomy = params.get("taxonomy") or load_taxonomy()
    sha.update(f"{sorted(shown.items())}|{taxonomy.fingerprint()}|{sklearn.__version__}".encode())
    return sha.hexdigest()[:12]


def _texts(X: Iterable[Document]) -> list[Document]:
    if isinstance(X, str):
        raise InvalidInputError("expected a sequence of texts, got a single string")
    texts = list(X)
    if not all(isinstance(t, str | Analysis) for t in texts):
        raise InvalidInputError("expected texts (str)")
    return texts


def fit_default_model(extra: Sequence[Example] = (), model: ThemeModel | None = None) -> ThemeModel:
    """A model fitted on the corpus's fitting split plus `extra` examples (community teaching)."""
    examples = [e for e in load_corpus() if not in_guard_split(e.text)] + list(extra)
    model = model if model is not None else ThemeModel()
    return model.fit([e.text for e in examples], [e.theme for e in examples])


def guard_size() -> int:
    """Sentences in the corpus's guard split."""
    return sum(in_guard_split(e.text) for e in load_corpus())


def accept_refit(candidate_accuracy: float, reference_accuracy: float) -> bool:
    """A refit replaces the model in use unless it gets more than one guard sentence fewer
    right (one sentence, about 0.3 %, is far below the guard's own sampling noise)."""
    return candidate_accuracy >= reference_accuracy - 1.0 / max(guard_size(), 1) - 1e-9


def guard_accuracy(model: ThemeModel) -> float:
    """Share of the corpus's guard split (never fitted) whose theme the model gets right."""
    guard = [e for e in load_corpus() if in_guard_split(e.text)]
    if not guard:
        return 0.0
    predicted = model.predict([e.text for e in guard])
    return float(np.mean(predicted == np.asarray([e.theme for e in guard], dtype=object)))
