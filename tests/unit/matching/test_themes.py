"""The theme model: what a French text is about, read the same way by every worker."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from matching.errors import InvalidInputError
from matching.lexical import LexicalEncoder
from matching.taxonomy import OFF_TOPIC, in_guard_split, load_corpus, load_taxonomy
from matching.text import Analysis, analyze
from matching.themes import (
    MIN_CONFIDENCE,
    ThemeModel,
    VocabularyCounts,
    accept_refit,
    fit_default_model,
    guard_accuracy,
)

# Written for these tests (not taken from the corpus): one plain need per theme.
TYPICAL_NEEDS = {
    "management_hybride": "depuis qu'une moitié du service travaille de chez elle, "
    "l'équipe ne se parle plus et les réunions en visio sont pénibles",
    "participation_citoyenne": "comment organiser un budget participatif avec les habitants",
    "langage_clair": "nos courriers aux usagers sont incompréhensibles, "
    "il faut les réécrire simplement",
    "donnees_publiques": "ouvrir nos jeux de données en open data et construire des "
    "tableaux de bord",
    "achats_innovants": "acheter une solution innovante sans enfreindre le code de la "
    "commande publique",
    "facilitation": "je cherche à animer un atelier d'intelligence collective avec des post-it",
    "inclusion_numerique": "les seniors du quartier n'arrivent pas à faire leurs démarches "
    "en ligne",
    "evaluation_experimentation": "mesurer l'impact de notre expérimentation avant de la "
    "généraliser",
    "transition_ecologique": "isoler les écoles pour consommer moins de chauffage",
    "financement_projets": "trouver des subventions européennes pour financer notre tiers-lieu",
}
OFF_TOPIC_TEXTS = (
    "recette du gâteau au chocolat pour le pot de départ",
    "résultats du match de foot de dimanche",
)
_WORDS = [
    "télétravail", "équipe", "budget", "participatif", "habitants", "courrier", "données",
    "atelier", "gâteau", "chocolat", "foot", "subventions", "énergie", "l'usager", "le", "de",
    "DGS", "CCAS", "12", ",", "tiers-lieu", "expérimentation", "marché", "public", "élus",
]  # fmt: skip
FRENCH_LIKE = st.lists(st.sampled_from(_WORDS), max_size=15).map(" ".join)


def _small_fit_data() -> tuple[list[str], list[str]]:
    kept = ("facilitation", "langage_clair", OFF_TOPIC)
    examples = [e for e in load_corpus() if e.theme in kept]
    return [e.text for e in examples], [e.theme for e in examples]


def _is_word_of(word: str, text: str) -> bool:
    return re.search(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", text) is not None


# ------------------------------------------------------------------- scikit-learn rules
@pytest.mark.parametrize(
    "estimator",
    [ThemeModel(C=2.0, min_confidence=0.5), VocabularyCounts(), LexicalEncoder(n_features=2**10)],
    ids=["theme-model", "vocabulary-counts", "lexical"],
)
def test_estimators_follow_scikit_learn_rules(estimator: object) -> None:
    params = estimator.get_params()  # type: ignore[attr-defined]
    assert vars(estimator) == params  # __init__ only stores parameters
    twin = clone(estimator)
    assert twin.get_params() == params and twin is not estimator
    key = next(iter(params))
    assert twin.set_params(**{key: params[key]}).get_params() == params
    texts, labels = _small_fit_data()
    assert estimator.fit(texts, labels) is estimator  # type: ignore[attr-defined]
    fitted = set(vars(estimator)) - set(params)
    assert fitted and all(name.endswith("_") and not name.startswith("_") for name in fitted)
    assert estimator.get_params() == params  # type: ignore[attr-defined]  # fit changes none
    assert not set(vars(clone(estimator))) - set(params)  # a clone of a fitted one is unfitted


def test_set_params_round_trip() -> None:
    model = ThemeModel()
    model.set_params(C=1.5, char_weight=0.5, min_confidence=0.4)
    assert model.get_params()["C"] == 1.5
    assert clone(model).get_params() == model.get_params()


def test_an_unfitted_model_refuses_to_read() -> None:
    with pytest.raises(SklearnNotFittedError):
        ThemeModel().predict_proba(["animer un atelier"])
    with pytest.raises(SklearnNotFittedError):
        ThemeModel().read("animer un atelier")


@pytest.mark.parametrize(
    ("texts", "labels"),
    [
        pytest.param("animer un atelier", ["facilitation"] * 17, id="single-string"),
        pytest.param([1, 2], ["facilitation", "langage_clair"], id="not-strings"),
        pytest.param(["a b", None], ["facilitation", "langage_clair"], id="none-text"),
        pytest.param(["animer", "écrire"], ["facilitation", "no_such_theme"], id="unknown-label"),
        pytest.param(["animer", "écrire"], ["facilitation"], id="length-mismatch"),
        pytest.param(["animer", "écrire"], ["facilitation"] * 2, id="one-theme"),
        pytest.param([], [], id="empty"),
    ],
)
def test_bad_training_input_is_rejected(texts: object, labels: list) -> None:
    with pytest.raises(InvalidInputError):
        ThemeModel().fit(texts, labels)  # type: ignore[arg-type]


def test_bad_reading_input_is_rejected(theme_model: ThemeModel) -> None:
    for bad in ("un seul texte", [None], [3.5]):
        with pytest.raises(InvalidInputError):
            theme_model.distributions(bad)  # type: ignore[arg-type]
    assert theme_model.distributions([]).shape == (0, len(load_taxonomy().ids))
    assert theme_model.best_themes(theme_model.distributions([])) == []


# ----------------------------------------------------------------------- probabilities
@settings(max_examples=60, deadline=None)
@given(st.lists(FRENCH_LIKE | st.text(max_size=40), min_size=1, max_size=4))
def test_probabilities_are_probabilities(theme_model: ThemeModel, texts: list[str]) -> None:
    proba = theme_model.predict_proba(texts)
    assert proba.shape == (len(texts), len(theme_model.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    dist = theme_model.distributions(texts)
    assert dist.shape == (len(texts), len(load_taxonomy().ids))
    assert ((dist >= 0) & (dist <= 1)).all()
    assert (dist.sum(axis=1) <= 1 + 1e-5).all()
    off_topic = proba[:, list(theme_model.classes_).index(OFF_TOPIC)]
    np.testing.assert_allclose(dist.sum(axis=1) + off_topic, 1.0, atol=1e-5)


@pytest.mark.parametrize(("theme", "text"), sorted(TYPICAL_NEEDS.items()))
def test_a_typical_need_is_read_in_its_theme(
    theme_model: ThemeModel, theme: str, text: str
) -> None:
    reading = theme_model.read(text)
    assert reading.theme == theme
    assert reading.probability >= MIN_CONFIDENCE
    assert 1 <= len(reading.words) <= 3
    assert all(_is_word_of(word, text) for word in reading.words)


@pytest.mark.parametrize("text", OFF_TOPIC_TEXTS)
def test_an_off_topic_sentence_is_hors_themes(theme_model: ThemeModel, text: str) -> None:
    reading = theme_model.read(text)
    assert reading.theme is None and reading.words == ()
    assert reading.probability < MIN_CONFIDENCE
    assert theme_model.best_themes(theme_model.distributions([text])) == [None]
    assert theme_model.predict([text]).tolist() == [OFF_TOPIC]


@settings(max_examples=80, deadline=None)
@given(FRENCH_LIKE, st.integers(1, 5))
def test_cue_words_are_words_of_the_text(theme_model: ThemeModel, text: str, limit: int) -> None:
    reading = theme_model.read(text, words=limit)
    assert len(reading.words) <= limit
    assert all(_is_word_of(word, text) for word in reading.words)
    assert (reading.theme is None) == (reading.probability < theme_model.min_confidence)
    assert theme_model.best_themes(theme_model.distributions([text])) == [reading.theme]


def test_min_confidence_decides_what_is_hors_themes(theme_model: ThemeModel) -> None:
    text = TYPICAL_NEEDS["facilitation"]
    strict = copy.copy(theme_model).set_params(min_confidence=1.01)
    assert strict.read(text).theme is None
    lenient = copy.copy(theme_model).set_params(min_confidence=0.0)
    assert lenient.read(OFF_TOPIC_TEXTS[0]).theme is not None


def test_themes_never_seen_in_training_get_zero_probability() -> None:
    texts, labels = _small_fit_data()
    model = ThemeModel().fit(texts, labels)
    assert model.themes_ == load_taxonomy().ids
    dist = model.distributions([TYPICAL_NEEDS["facilitation"], TYPICAL_NEEDS["achats_innovants"]])
    seen = [model.themes_.index("facilitation"), model.themes_.index("langage_clair")]
    others = np.delete(dist, seen, axis=1)
    assert (others == 0).all()
    assert model.read(TYPICAL_NEEDS["facilitation"]).theme == "facilitation"


# ------------------------------------------------------------------ fitting the default
@pytest.fixture(scope="module")
def refitted() -> ThemeModel:
    """A second fit of the default model, as another worker would make it."""
    return fit_default_model()


def test_two_fits_read_texts_alike(theme_model: ThemeModel, refitted: ThemeModel) -> None:
    texts = [*TYPICAL_NEEDS.values(), *OFF_TOPIC_TEXTS]
    dist = theme_model.distributions(texts)
    assert refitted.fingerprint_ == theme_model.fingerprint_
    assert refitted.best_themes(refitted.distributions(texts)) == theme_model.best_themes(dist)
    np.testing.assert_allclose(refitted.distributions(texts), dist, atol=1e-4)


def test_two_fits_give_identical_probabilities(
    theme_model: ThemeModel, refitted: ThemeModel
) -> None:
    texts = [*TYPICAL_NEEDS.values(), *OFF_TOPIC_TEXTS]
    assert np.array_equal(refitted.distributions(texts), theme_model.distributions(texts))
    assert refitted.temperature_ == theme_model.temperature_


def test_the_guard_split_is_never_fitted(theme_model: ThemeModel) -> None:
    fitted, guard = set(), set()
    for example in load_corpus():
        (guard if in_guard_split(example.text) else fitted).update(analyze(example.text))
    only_in_guard = guard - fitted
    assert only_in_guard  # precondition: the guard split has words of its own
    vocabulary = theme_model.features_.transformer_list[0][1].vocabulary_
    assert not only_in_guard & set(vocabulary)
    assert fitted <= set(vocabulary)


def test_the_default_model_reads_the_guard_split_well(theme_model: ThemeModel) -> None:
    assert guard_accuracy(theme_model) >= 0.7


def test_vocabulary_counts_find_multi_word_terms() -> None:
    counts = VocabularyCounts().fit([])
    taxonomy = load_taxonomy()
    column = taxonomy.ids.index("management_hybride")
    row = counts.transform(["nous avons écrit une charte du télétravail"]).toarray()[0]
    assert row[column] > 0
    assert counts.transform(["recette du gâteau"]).nnz == 0
    assert counts.get_feature_names_out().shape == (len(taxonomy.ids),)


@settings(max_examples=30, deadline=None)
@given(st.lists(FRENCH_LIKE, min_size=1, max_size=3))
def test_a_text_analysed_beforehand_reads_the_same(theme_model: ThemeModel, texts: list) -> None:
    plain = theme_model.distributions(texts)
    analysed = theme_model.distributions([Analysis.of(t) for t in texts])
    np.testing.assert_array_equal(analysed, plain)


def test_a_refit_is_accepted_unless_it_loses_more_than_one_guard_sentence() -> None:
    size = sum(in_guard_split(e.text) for e in load_corpus())
    reference = 250 / size
    assert accept_refit(reference, reference)
    assert accept_refit(251 / size, reference)
    assert accept_refit(249 / size, reference)  # one sentence: within the guard's noise
    assert not accept_refit(248 / size, reference)
