"""The French text pipeline: normalisation, analysis, vectorizers, scikit-learn composition."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity
from sklearn.pipeline import make_pipeline

from matching.text import (
    STOP_WORDS,
    FrenchNormalizer,
    analyze,
    distinct,
    fit_tfidf,
    fold_accents,
    make_char_vectorizer,
    make_word_vectorizer,
    normalize,
)


def test_elisions_are_removed() -> None:
    words = normalize("L'équipe d'animation qu'on réunit jusqu'à l’automne").split()
    assert "equipe" in words and "animation" in words and "automne" in words
    assert not {"l", "d", "qu", "jusqu"} & set(words)


def test_accents_and_case_are_folded() -> None:
    assert normalize("Île-de-France : TÉLÉTRAVAIL à l'Hôtel de Région") == (
        "ile de france teletravail a hotel de region"
    )


def test_abbreviations_are_kept_as_tokens() -> None:
    tokens = analyze("Le DGS, la DRH et le C.C.A.S. de l'EPCI ; côté RH et SIG")
    for abbreviation in ("dgs", "drh", "ccas", "epci", "rh", "sig"):
        assert abbreviation in tokens


def test_stemming_makes_animer_animation_animateur_meet() -> None:
    stems = {tuple(analyze(w)) for w in ("animer", "animation", "animateur", "Animatrice")}
    assert len(stems) == 1


def test_stop_words_and_filler_are_dropped() -> None:
    assert analyze("J'aimerais savoir comment on fait pour que ce soit mieux") != []
    assert analyze("le la les de des du pour avec dans sur") == []


def test_accented_and_unaccented_spellings_analyse_the_same() -> None:
    assert analyze("équipe éloignée à distance") == analyze("equipe eloignee a distance")


def test_char_ngrams_tolerate_typos_where_words_do_not() -> None:
    texts = ["organisation du télétravail", "organisaton du teletravial"]
    word = make_word_vectorizer().fit(texts)
    char = make_char_vectorizer().fit(texts)
    assert cosine_similarity(word.transform(texts))[0, 1] < 0.01
    assert cosine_similarity(char.transform(texts))[0, 1] > 0.4


def test_word_vectorizer_is_a_plain_tfidf_that_clones() -> None:
    vec = make_word_vectorizer(min_df=1)
    assert isinstance(vec, TfidfVectorizer)
    copy = clone(vec)
    assert copy.get_params()["analyzer"] is vec.get_params()["analyzer"]
    matrix = copy.fit_transform(["animer des ateliers", "animation d'un atelier"])
    assert cosine_similarity(matrix)[0, 1] > 0.9


def test_normalizer_follows_sklearn_rules_and_composes_in_a_pipeline() -> None:
    norm = FrenchNormalizer(drop_stop_words=True)
    assert norm.get_params() == {"drop_stop_words": True}
    assert clone(norm).get_params() == norm.get_params()
    assert norm.fit(["x"]) is norm
    pipe = make_pipeline(FrenchNormalizer(), TfidfVectorizer())
    matrix = pipe.fit_transform(["L'Équipe", "l'equipe"])
    assert np.allclose(matrix[0].toarray(), matrix[1].toarray())


def test_normalizer_rejects_a_single_string() -> None:
    try:
        FrenchNormalizer().fit("pas une liste")
    except ValueError:
        return
    raise AssertionError("a bare string must be rejected")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_normalize_is_idempotent_and_plain_ascii(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.lower()
    assert all(ch.isalnum() or ch == " " for ch in once)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_analyze_never_returns_stop_words_or_empty_tokens(text: str) -> None:
    tokens = analyze(text)
    assert all(tokens)
    assert not set(tokens) & (STOP_WORDS - {"a"})


def _fold_accents_by_definition(text: str) -> str:
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_FRENCH_LOOKING = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("aàâäbcçdeéèêëfghiîïjklmnoôöpqrstuùûüvwxyÿzœæ'’- .,;:!?0123456789")),
        st.sampled_from(list("AÀÂÉÈÊËÎÏÔÙÛÜÇŒÆ")),
        st.sampled_from(["\u0301", "\u0300", "\u0327", "\u0308", "\ufb01", "½", "²", "\u00a0"]),
        st.characters(codec="utf-8"),
    ),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(_FRENCH_LOOKING)
def test_fold_accents_fast_path_equals_its_definition(text: str) -> None:
    assert fold_accents(text) == _fold_accents_by_definition(text)


def test_fold_accents_examples() -> None:
    assert fold_accents("Île-de-France") == "Ile-de-France"
    assert fold_accents("Œuvre, cœur et ex æquo") == "OEuvre, coeur et ex aequo"
    assert fold_accents("e\u0301quipe") == "equipe"
    assert fold_accents("plain ascii") == "plain ascii"


_POOL = [
    "animer des ateliers participatifs",
    "mes agents décrochent depuis qu'on alterne présentiel et distanciel",
    "management hybride, rituels d'équipe à distance",
    "L'EPCI et le CCAS coopèrent",
    "ouverture des données publiques",
    "",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_POOL) | st.text(max_size=30), min_size=1, max_size=25))
def test_fit_tfidf_on_distinct_texts_equals_a_plain_fit(texts: list[str]) -> None:
    for make in (make_word_vectorizer, make_char_vectorizer):
        try:
            plain = make().fit(texts)
        except ValueError:  # empty vocabulary: both ways must refuse
            with pytest.raises(ValueError):
                fit_tfidf(make(), texts)
            continue
        fast = fit_tfidf(make(), texts)
        assert fast.vocabulary_ == plain.vocabulary_
        assert np.array_equal(fast.idf_, plain.idf_)
        a, b = fast.transform(texts), plain.transform(texts)
        assert (a != b).nnz == 0


def test_distinct_keeps_first_appearance_order() -> None:
    unique, inverse = distinct(["b", "a", "b", "c", "a"])
    assert unique == ["b", "a", "c"]
    assert inverse.tolist() == [0, 1, 0, 2, 1]
