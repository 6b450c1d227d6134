"""How needs and offers become rows: meaning and words side by side, one fusion everywhere."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.features import Featurizer, RowText, need_texts, offer_texts
from matching.lexical import LexicalEncoder, fit_lexical
from matching.profiles import MemberProfile, Need
from matching.text import Analysis, analyze
from matching.themes import ThemeModel
from tests.unit.matching.conftest import HYBRID_NEED, HYBRID_OFFER

OFF_TOPIC_NEED = "recette du gâteau au chocolat pour le pot de départ"
FACILITATION_NEED = "je cherche à animer un atelier d'intelligence collective avec des élus"


def _blocks(featurizer: Featurizer, row: sp.csr_matrix) -> tuple[np.ndarray, sp.csr_matrix]:
    """The theme block (dense) and the word block (sparse) of one fused row."""
    k = featurizer.n_themes
    return row[:, :k].toarray().ravel(), row[:, k:]


def _norm(matrix: sp.csr_matrix) -> float:
    return float(sp.linalg.norm(matrix))


def test_a_corrected_theme_is_the_whole_meaning_of_the_need(featurizer: Featurizer) -> None:
    themes = featurizer.model.themes_
    read = featurizer.meaning([HYBRID_NEED])
    assert themes[int(read.themes[0])] == "management_hybride"  # precondition: read otherwise
    corrected = featurizer.meaning([HYBRID_NEED], ["facilitation"])
    column = themes.index("facilitation")
    assert corrected.themes.tolist() == [column] and corrected.confidence.tolist() == [1.0]
    block = corrected.rows.toarray().ravel()
    assert np.flatnonzero(block).tolist() == [column] and block[column] == pytest.approx(1.0)
    fused = featurizer.encode([RowText("need", HYBRID_NEED, 1)], [1.0], ["facilitation"]).rows
    meaning, words = _blocks(featurizer, fused)
    assert np.flatnonzero(meaning).tolist() == [column]
    assert meaning[column] == pytest.approx(featurizer.theme_weight)
    assert _norm(words) == pytest.approx(1 - featurizer.theme_weight, abs=1e-5)


def test_only_the_corrected_row_changes(featurizer: Featurizer) -> None:
    texts = [HYBRID_NEED, FACILITATION_NEED]
    plain = featurizer.meaning(texts)
    mixed = featurizer.meaning(texts, [None, "langage_clair"])
    assert np.array_equal(mixed.rows[0].toarray(), plain.rows[0].toarray())
    assert mixed.themes[0] == plain.themes[0]
    unknown = featurizer.meaning(texts, ["no_such_theme", None])  # ignored, not an error
    assert np.array_equal(unknown.rows.toarray(), plain.rows.toarray())


def test_a_need_hors_themes_is_matched_on_its_words_only(featurizer: Featurizer) -> None:
    encoded = featurizer.encode([RowText("need", OFF_TOPIC_NEED, 1)], [1.0], [None])
    assert encoded.themes.tolist() == [-1]
    assert encoded.confidence[0] < featurizer.model.min_confidence
    meaning, words = _blocks(featurizer, encoded.rows)
    assert not meaning.any()
    assert _norm(words) == pytest.approx(1.0, abs=1e-5)


def test_need_and_offer_rows_carry_the_fusion_weights(featurizer: Featurizer) -> None:
    w = featurizer.theme_weight
    rows = [
        RowText("need", HYBRID_NEED, 1),
        RowText("offer", HYBRID_OFFER),
        RowText("title", "Coach en management d'équipes à distance"),
    ]
    encoded = featurizer.encode(rows, [1.0, 1.0, 0.5], [None, None, None])
    assert (encoded.themes >= 0).all()
    expected = [(w, 1 - w), (1.0, 1.0), (0.5, 0.5)]
    for i, (theme_norm, word_norm) in enumerate(expected):
        meaning, words = _blocks(featurizer, encoded.rows[i])
        assert np.linalg.norm(meaning) == pytest.approx(theme_norm, abs=1e-5)
        assert _norm(words) == pytest.approx(word_norm, abs=1e-5)
        assert np.count_nonzero(meaning) <= featurizer.top_themes


def test_a_need_meets_an_offer_with_the_one_documented_fusion(featurizer: Featurizer) -> None:
    w = featurizer.theme_weight
    texts = [HYBRID_NEED, "alterner présentiel et distanciel : rituels d'équipe"]
    rows = [RowText("need", texts[0], 1), RowText("bio", texts[1])]
    encoded = featurizer.encode(rows, [1.0, 0.5], [None, None])
    similarity = float((encoded.rows[0] @ encoded.rows[1].T).toarray()[0, 0])
    meaning = featurizer.meaning(texts).rows.toarray()
    cos_themes = float(meaning[0] @ meaning[1])
    words = featurizer.lexical.transform(texts)
    cos_words = float((words[0] @ words[1].T).toarray()[0, 0])
    assert cos_themes > 0.5 and cos_words > 0  # precondition: both parts count
    assert similarity == pytest.approx(0.5 * (w * cos_themes + (1 - w) * cos_words), abs=1e-5)


def test_top_themes_bounds_the_meaning_block(theme_model: ThemeModel) -> None:
    lexical = fit_lexical()
    texts = [HYBRID_NEED, FACILITATION_NEED, "former les agents aux outils numériques"]
    for top in (1, 2, 5):
        block = Featurizer(theme_model, lexical, 0.6, top).meaning(texts).rows.toarray()
        assert (np.count_nonzero(block, axis=1) <= top).all()
        np.testing.assert_allclose(np.linalg.norm(block, axis=1), 1.0, atol=1e-5)


def test_empty_inputs_work(featurizer: Featurizer) -> None:
    assert featurizer.encode([], [], []).rows.shape == (0, featurizer.n_features)
    assert len(featurizer.encode([], [], [])) == 0
    assert featurizer.meaning([]).rows.shape == (0, featurizer.n_themes)
    empty = featurizer.encode([RowText("need", "le la les", 1)], [1.0], [None])
    assert empty.rows.shape == (1, featurizer.n_features)
    assert np.isfinite(empty.rows.data).all()
    assert _norm(_blocks(featurizer, empty.rows)[1]) == 0.0


def test_a_text_encodes_the_same_alone_or_in_a_batch(featurizer: Featurizer) -> None:
    rows = [
        RowText("need", HYBRID_NEED, 1),
        RowText("need", OFF_TOPIC_NEED, 2),
        RowText("offer", HYBRID_OFFER),
    ]
    weights, corrected = [1.0, 1.0, 1.0], [None, "facilitation", None]
    batch = featurizer.encode(rows, weights, corrected)
    for i, row in enumerate(rows):
        alone = featurizer.encode([row], [weights[i]], [corrected[i]])
        np.testing.assert_allclose(alone.rows.toarray(), batch.rows[i].toarray(), atol=1e-7)
        assert alone.themes[0] == batch.themes[i]


def test_the_fingerprint_follows_the_fusion_settings(
    featurizer: Featurizer, theme_model: ThemeModel, lexical: LexicalEncoder
) -> None:
    same = Featurizer(theme_model, lexical, featurizer.theme_weight, featurizer.top_themes)
    assert same.fingerprint == featurizer.fingerprint
    assert Featurizer(theme_model, lexical, 0.5, featurizer.top_themes).fingerprint != (
        featurizer.fingerprint
    )
    assert Featurizer(theme_model, lexical, featurizer.theme_weight, 4).fingerprint != (
        featurizer.fingerprint
    )


# ---------------------------------------------------------------------------- row texts
def test_each_offer_title_and_bio_sentence_is_a_row_of_its_own() -> None:
    profile = MemberProfile(
        id=1,
        display_name="Alice",
        job_title="  Directrice de l'innovation ",
        bio="J'ai créé un labo. Puis un tiers-lieu ! Et maintenant ?  Je coache;des DGS",
        offers=("facilitation", "   ", "design de services"),
        needs=(Need(1, "écrire clair"), Need(2, "  "), Need(3, "budget participatif")),
    )
    assert [(r.kind, r.text) for r in offer_texts(profile)] == [
        ("offer", "facilitation"),
        ("offer", "design de services"),
        ("title", "Directrice de l'innovation"),
        ("bio", "J'ai créé un labo."),
        ("bio", "Puis un tiers-lieu !"),
        ("bio", "Et maintenant ?"),
        ("bio", "Je coache;des DGS"),
    ]
    assert [(r.need_id, r.text) for r in need_texts(profile)] == [
        (1, "écrire clair"),
        (3, "budget participatif"),
    ]
    assert offer_texts(MemberProfile(id=2, display_name="Bob")) == []


# ------------------------------------------------------------------------------ lexical
def test_lexical_rows_are_unit_rows_or_empty(lexical: LexicalEncoder) -> None:
    rows = lexical.transform([HYBRID_NEED, "", "le la les"])
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, [1.0, 0.0, 0.0], atol=1e-6)
    assert lexical.transform([]).shape == (0, lexical.n_features)


def test_a_word_the_corpus_never_saw_counts_as_the_rarest(lexical: LexicalEncoder) -> None:
    row = lexical.transform(["équipe Zorbatronix"])
    hasher = lexical._hasher()
    column_of = {s: int(hasher.transform([s]).indices[0]) for s in analyze("équipe Zorbatronix")}
    weights = {s: float(row[0, c]) for s, c in column_of.items()}
    assert weights[analyze("Zorbatronix")[0]] > weights[analyze("équipe")[0]] > 0


def test_lexical_rows_of_an_analysis_equal_those_of_its_text(lexical: LexicalEncoder) -> None:
    texts = [HYBRID_NEED, OFF_TOPIC_NEED, "Le DGS et la D.G.S. du CCAS", ""]
    plain = lexical.transform(texts)
    assert (lexical.transform([Analysis.of(t) for t in texts]) != plain).nnz == 0


def test_two_lexical_fits_agree(lexical: LexicalEncoder) -> None:
    again = fit_lexical()
    assert again.fingerprint_ == lexical.fingerprint_
    text = [HYBRID_NEED]
    assert (again.transform(text) != lexical.transform(text)).nnz == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=4))
def test_any_texts_encode_to_finite_rows(featurizer: Featurizer, texts: list[str]) -> None:
    rows = [RowText("need" if i % 2 else "offer", t, i) for i, t in enumerate(texts)]
    encoded = featurizer.encode(rows, [1.0] * len(rows), [None] * len(rows))
    assert encoded.rows.shape == (len(rows), featurizer.n_features)
    assert np.isfinite(encoded.rows.data).all()
    assert ((encoded.themes >= -1) & (encoded.themes < featurizer.n_themes)).all()
    norms = np.sqrt(np.asarray(encoded.rows.multiply(encoded.rows).sum(axis=1)).ravel())
    assert (norms <= np.sqrt(2) + 1e-5).all()
