"""The French text pipeline: normalisation, analysis, vectorizers, scikit-learn composition."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from matching.text import (
    ABBREVIATIONS,
    STOP_WORDS,
    Analysis,
    analyze,
    content_text,
    fold_accents,
    make_char_vectorizer,
    make_word_vectorizer,
    normalize,
    stem,
    surface_words,
    tokenize,
    word_ngrams,
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


def test_word_ngrams_are_stems_and_bigrams_of_consecutive_stems() -> None:
    # stop words in between do not break a bigram: "des" is skipped
    assert word_ngrams("Animer des ateliers participatifs") == [
        "anim", "ateli", "particip", "anim ateli", "ateli particip"
    ]  # fmt: skip
    assert word_ngrams("le la les") == []


def test_tokens_drop_digits_and_stop_words_but_keep_abbreviations() -> None:
    tokens = tokenize("les 12 agents du CCAS et la DRH en 2024 à Albi")
    assert tokens == ["agents", "ccas", "drh", "albi"]
    assert content_text("L'équipe de la DGS anime 3 ateliers") == "equipe dgs anime ateliers"
    assert all(stem(a) == a for a in ABBREVIATIONS)


def test_surface_words_are_shown_as_the_member_wrote_them() -> None:
    text = "Nous cherchons des Ateliers participatifs pour l'équipe"
    found = surface_words(text, analyze("équipe atelier"), 3)
    assert found == ("équipe", "Ateliers")
    assert surface_words(text, analyze("équipe atelier"), 1) == ("équipe",)
    assert surface_words(text, ["zzz"], 3) == ()


_WORDISH = st.lists(
    st.sampled_from(
        ["télétravail", "Équipe", "l'équipe", "ateliers", "animer", "DGS", "tiers-lieu",
         "données", "de", "la", "12", ",", ":", "cœur", "habitants", "CCAS"]
    ),
    max_size=12,
).map(" ".join)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(_WORDISH, st.integers(1, 5))
def test_surface_words_are_whole_words_of_the_text(text: str, limit: int) -> None:
    found = surface_words(text, analyze(text), limit)
    assert len(found) <= limit
    assert len(set(found)) == len(found)
    for word in found:
        assert re.search(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", text)


@settings(max_examples=200, deadline=None)
@given(_WORDISH | st.text(max_size=60))
def test_an_analysis_reads_like_its_text(text: str) -> None:
    analysis = Analysis.of(text)
    assert analysis.content == content_text(text)
    assert list(analysis.stems) == analyze(text)
    assert word_ngrams(analysis) == word_ngrams(text)
