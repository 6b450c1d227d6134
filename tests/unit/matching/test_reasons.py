"""French reasons: quotes never cut a word; a cue says what really made two rows similar."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from matching.features import Featurizer, RowText
from matching.reasons import (
    QUOTE_LIMIT,
    WIDENED,
    PairCue,
    best_pairs,
    pair_cue,
    pair_reason,
    quote,
    region_reason,
    shared_need_reason,
    silo_reason,
)
from matching.rows import Rows, pair_products
from matching.text import analyze
from tests.unit.matching.conftest import HYBRID_NEED, HYBRID_OFFER

_FRENCH_WORD = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzéèêàçôûïœ'’-ABCDEÉ0123456789")),
    min_size=1,
    max_size=14,
)
_SEPARATOR = st.sampled_from([" ", " ", " ", ", ", " : ", " — ", "\n", "\t", "\u00a0", ". ", " ("])
FRENCH_LIKE = st.lists(st.tuples(_FRENCH_WORD, _SEPARATOR), max_size=40).map(
    lambda parts: "".join(word + sep for word, sep in parts)
)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum()


def _assert_cut_at_a_word_boundary(text: str, quoted: str, limit: int) -> None:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        assert quoted == flat
        return
    assert quoted.endswith("…") and len(quoted) <= limit
    prefix = quoted[:-1]
    assert flat.startswith(prefix)
    if prefix:
        following = flat[len(prefix)]
        assert not (_is_word_char(prefix[-1]) and _is_word_char(following)), (prefix, following)


@settings(max_examples=400, deadline=None)
@given(FRENCH_LIKE, st.integers(2, 160))
def test_quote_never_cuts_inside_a_word(text: str, limit: int) -> None:
    words = text.split()
    assume(not words or len(words[0]) < limit)  # the first word fits (see the xfail below)
    quoted = quote(text, limit)
    assert "\n" not in quoted and "\t" not in quoted
    _assert_cut_at_a_word_boundary(text, quoted, limit)


def test_quote_keeps_a_first_word_longer_than_the_limit_whole() -> None:
    url = "https://www.collectivites-locales.gouv.fr/" + "publications-et-ressources/" * 5
    text = f"{url} : toutes nos fiches"
    assert quote(text) == f"{url}…"  # the one case where the limit yields to a whole word
    assert quote(url) == url


def test_quote_examples() -> None:
    assert quote("  court\n texte ") == "court texte"
    long = "Organiser " + "le travail d'une équipe qui alterne présentiel et télétravail, " * 3
    quoted = quote(long)
    assert quoted.endswith("…") and len(quoted) <= QUOTE_LIMIT
    assert not quoted[:-1].endswith((",", " ", "'"))


# -------------------------------------------------------------------------------- pairs
def test_best_pairs_keep_each_query_rows_best_row_above_the_threshold() -> None:
    sims = np.array([[0.1, 0.7, 0.2], [0.0, 0.0, 0.0], [0.5, 0.4, 0.3], [0.04, 0.0, 0.01]])
    assert best_pairs(sims, 0.05, 10) == [(0, 1, 0.7), (2, 0, 0.5)]
    assert best_pairs(sims, 0.05, 1) == [(0, 1, 0.7)]
    assert best_pairs(sims, 0.0, 10)[-1] == (3, 0, 0.04)  # zero is never a reason
    assert best_pairs(np.zeros((0, 3)), 0.0, 5) == []


def _cue(featurizer: Featurizer, need: str, offer: str) -> tuple[PairCue, float]:
    encoded = featurizer.encode(
        [RowText("need", need, 1), RowText("offer", offer)], [1.0, 1.0], [None, None]
    )
    rows = Rows.of(encoded.rows, encoded.themes)
    names = [featurizer.model.names_[t] for t in featurizer.model.themes_]
    similarity = float(pair_products(rows.row(0), rows.row(1))[0, 0])
    return pair_cue(rows.row(0), rows.row(1), need, offer, names), similarity


def test_a_shared_theme_is_named(featurizer: Featurizer) -> None:
    cue, similarity = _cue(featurizer, HYBRID_NEED, HYBRID_OFFER)
    assert similarity >= 0.05  # shown (MatchConfig.min_score); no word in common
    assert cue == PairCue("Management hybride et travail à distance", ())
    assert cue.lead() == "Thème commun : Management hybride et travail à distance"


def test_shared_words_are_named_when_words_made_the_match(featurizer: Featurizer) -> None:
    need = "réparer la chaudière de la piscine municipale"
    offer = "maintenance de chaudière et de piscine"
    cue, similarity = _cue(featurizer, need, offer)
    assert similarity > 0.3
    assert cue.theme is None and cue.words == ("chaudière", "piscine")
    assert cue.lead() == "Mots en commun : « chaudière », « piscine »"


def test_a_shared_dotted_acronym_is_named(featurizer: Featurizer) -> None:
    need = "le D.G.S. a changé, on repart de zéro"
    offer = "j'accompagne les D.G.S. qui prennent leur poste"
    cue, similarity = _cue(featurizer, need, offer)
    assert similarity >= 0.05  # precondition: shown as a reason (MatchConfig.min_score)
    assert cue.theme is None
    assert cue.words  # at least the shared acronym


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["cantine", "scolaire", "télétravail", "équipe", "piscine", "budget", "habitants",
             "de", "la", "tiers-lieu", "données", "marché", "atelier", "bénévoles", "fête"]
        ),
        min_size=1,
        max_size=8,
    ).map(" ".join),
    st.lists(
        st.sampled_from(
            ["cantine", "scolaire", "équipe", "piscine", "budget", "et", "des", "repas",
             "données", "ateliers", "bénévoles", "village", "tiers-lieu"]
        ),
        min_size=1,
        max_size=8,
    ).map(" ".join),
)  # fmt: skip
def test_words_named_are_words_both_texts_use(
    featurizer: Featurizer, need: str, offer: str
) -> None:
    cue, _ = _cue(featurizer, need, offer)
    assert len(cue.words) <= 3
    for word in cue.words:
        assert word in need.split() or word in need
        assert set(analyze(word)) <= set(analyze(offer))


# -------------------------------------------------------------------------- sentences
def test_reason_sentences_name_each_side_by_its_kind() -> None:
    cue = PairCue("Facilitation et intelligence collective", ())
    mine, title = RowText("need", "animer un atelier", 3), RowText("title", "Facilitatrice")
    assert pair_reason(cue, mine, title) == (
        "Thème commun : Facilitation et intelligence collective — "
        "votre besoin « animer un atelier » / son poste « Facilitatrice »"
    )
    bio = RowText("bio", "J'anime des ateliers depuis dix ans.")
    assert "son parcours « J'anime des ateliers depuis dix ans. »" in pair_reason(cue, mine, bio)
    shared = shared_need_reason(cue, mine, RowText("need", "faire participer les élus", 4))
    assert shared.startswith("Besoin partagé — Thème commun") and "son besoin « faire" in shared
    assert region_reason("Bretagne") == "Même région : Bretagne"
    assert silo_reason("etat") == "Autre type de structure : services de l'État"
    assert silo_reason("inconnu") == "Autre type de structure : inconnu"
    assert "national" in WIDENED
