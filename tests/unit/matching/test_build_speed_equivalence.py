"""The one-pass build and the cached query stacks give exactly what the plain paths give."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize as l2_normalize

from matching.engine import MatchEngine
from matching.features import TextEncoder, ThesaurusVectorizer
from matching.profiles import MemberProfile, Need
from matching.stacks import similarities
from matching.text import make_char_vectorizer, make_word_vectorizer

CORPUS = [
    "management hybride, rituels d'équipe à distance",
    "mes agents décrochent depuis qu'on alterne présentiel et distanciel",
    "management hybride, rituels d'équipe à distance",
    "L'EPCI et le CCAS coopèrent sur l'accueil",
    "ouverture des données publiques",
    "mes agents décrochent depuis qu'on alterne présentiel et distanciel",
    "management hybride, rituels d'équipe à distance",
    "",
]


def _plain_encoding(texts: list[str]) -> tuple[sp.csr_matrix, object, object]:
    """The reference: scikit-learn fit then transform on every text, repeats included."""
    word = make_word_vectorizer().fit(texts)
    char = make_char_vectorizer().fit(texts)
    thesaurus = ThesaurusVectorizer().fit(texts)
    blocks = [(word.transform(texts), 1.0), (char.transform(texts), 0.5)]
    blocks.append((thesaurus.transform(texts), 1.0))
    scaled = [np.sqrt(w) * l2_normalize(sp.csr_matrix(b)) for b, w in blocks]
    return l2_normalize(sp.hstack(scaled, format="csr")), word, char


def test_one_pass_fit_equals_plain_scikit_learn_fit_and_transform() -> None:
    encoder = TextEncoder()
    fast = encoder.fit_transform(CORPUS)
    reference, word, char = _plain_encoding(CORPUS)
    assert encoder.word_.vocabulary_ == word.vocabulary_
    assert encoder.char_.vocabulary_ == char.vocabulary_
    assert np.array_equal(encoder.word_.idf_, word.idf_)
    assert np.array_equal(encoder.char_.idf_, char.idf_)
    np.testing.assert_allclose(fast.toarray(), reference.toarray(), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(fast.toarray(), encoder.transform(CORPUS).toarray())


def _members() -> list[MemberProfile]:
    people = []
    for i in range(1, 31):
        text = CORPUS[i % 7]
        people.append(
            MemberProfile(
                id=i,
                display_name=f"M{i}",
                role="coach" if i % 3 == 0 else "member",
                organization=f"Org {i % 4}",
                region="Bretagne" if i % 2 else "Occitanie",
                offers=(CORPUS[(i + 1) % 7],),
                needs=(Need(i, text),) if i % 3 else (),
            )
        )
    return people


def test_cached_stacks_after_upserts_equal_freshly_assembled_stacks() -> None:
    engine = MatchEngine().build(_members())
    engine.mentors_for(1)
    engine.peers_for(1)  # the base parts are cached now
    engine.upsert(dataclasses.replace(engine.profile(4), offers=(CORPUS[4],)))
    engine.upsert(dataclasses.replace(engine.profile(3), role="member"))  # coach -> member
    engine.upsert(dataclasses.replace(engine.profile(8), available=False))
    engine.remove(10)
    queries, _ = engine.state()[1].rows(2)
    for name, coach, store in (
        ("coach_offers", True, engine.state()[2]),
        ("member_offers", False, engine.state()[2]),
        ("member_needs", False, engine.state()[1]),
    ):
        ids = [p.id for p in engine.profiles() if p.available and p.is_coach == coach]
        reference = store.stack(np.asarray(ids, dtype=np.int64))
        cached = engine._stack(name)
        assert np.array_equal(cached.members, reference.members)
        assert np.array_equal(cached.starts, reference.starts)
        assert np.array_equal(cached.weights, reference.weights)
        plain = (queries @ cached.matrix_t).toarray() * cached.weights
        assert np.array_equal(similarities(cached, queries), plain)
    assert 3 in engine._peer_candidates() and 8 not in engine._peer_candidates()
    assert 10 not in engine._peer_candidates()
