"""The engine facade: peers, reasons, updates without refit, coach suggestions, cohorts."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import MatchConfig, MatchEngine
from matching.errors import NotFittedError, UnknownMemberError
from matching.profiles import MemberProfile, Need
from matching.stacks import products
from tests.unit.matching.conftest import (
    DATA_OFFER,
    FACILITATION_OFFER,
    HYBRID_NEED,
    HYBRID_OFFER,
    ProfileFactory,
)

Build = Callable[..., MatchEngine]

SENTENCES = [
    HYBRID_NEED,
    HYBRID_OFFER,
    FACILITATION_OFFER,
    DATA_OFFER,
    "faire travailler ensemble des services qui ne se parlent pas",
    "nos tableurs Excel disent tous des chiffres différents",
    "j'ai lancé un budget participatif dans ma commune",
    "les habitants ne viennent plus aux réunions publiques",
    "réécrire nos courriers incompréhensibles",
    "la facture de chauffage des écoles a doublé",
    "",
]


def test_example_need_reaches_the_hybrid_management_coach(
    build: Build, hybrid_member: MemberProfile, distractors: list, make_coach: ProfileFactory
) -> None:
    found = build(hybrid_member, make_coach(10, region="Bretagne"), *distractors).mentors_for(1)
    assert found[0].member_id == 10
    assert found[0].matched_need_ids == (100,)


def test_reasons_cite_only_offers_that_drove_the_score(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    offers = (HYBRID_OFFER, FACILITATION_OFFER, "cours de poterie")
    engine = build(hybrid_member, make_coach(10, *offers, region="Bretagne"))
    match = engine.mentors_for(1)[0]
    cited = [o for o in offers if any(f"Propose : {o}" in r for r in match.reasons)]
    assert cited == [HYBRID_OFFER]
    assert not any("poterie" in r for r in match.reasons)
    engine.upsert(make_coach(10, *(o for o in offers if o not in cited), region="Bretagne"))
    after = engine.mentors_for(1)
    assert not after or after[0].score < match.score


def test_reason_contributions_are_positive(
    build: Build, make_profile: ProfileFactory, make_coach: ProfileFactory
) -> None:
    member = make_profile(1, needs=(HYBRID_NEED, "nos tableurs Excel disent tous autre chose"))
    coach = make_coach(10, HYBRID_OFFER, DATA_OFFER, "cours de poterie")
    engine = build(member, coach)
    match = engine.mentors_for(1)[0]
    assert match.reasons
    cited = [r for r in match.reasons if r.startswith("Propose : ")]
    assert len(cited) == 2  # one per need: the hybrid offer and the data offer
    for reason in cited:
        offer = next(o for o in coach.offers if reason.startswith(f"Propose : {o}"))
        alone = build(member, make_coach(10, offer)).mentors_for(1)
        assert alone and alone[0].score > 0
        rest = tuple(o for o in coach.offers if o != offer)
        without = build(member, make_coach(10, *rest)).mentors_for(1)
        assert not without or without[0].score < match.score


def test_peers_share_a_need_or_help_each_other(build: Build, make_profile: ProfileFactory) -> None:
    a = make_profile(1, needs=(HYBRID_NEED,), offers=("j'ai lancé un budget participatif",))
    b = make_profile(2, needs=("les habitants ne viennent plus aux réunions publiques",))
    c = make_profile(3, needs=("mes agents en télétravail décrochent",))
    d = make_profile(4, needs=("réécrire nos courriers",))
    found = build(a, b, c, d).peers_for(1)
    assert [m.member_id for m in found][:2] == [3, 2] or [m.member_id for m in found][:2] == [2, 3]
    reasons = {m.member_id: m.reasons for m in found}
    assert any(r.startswith("Besoin partagé") for r in reasons[3])
    assert any(r.startswith("Vous pouvez l'aider") for r in reasons[2])
    assert 4 not in reasons


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(SENTENCES), max_size=2),
            st.lists(st.sampled_from(SENTENCES), max_size=2),
        ),
        min_size=2,
        max_size=6,
    )
)
def test_peer_score_is_symmetric(people: list) -> None:
    profiles = [
        MemberProfile(
            id=i,
            display_name=f"M{i}",
            needs=tuple(Need(i * 10 + k, t) for k, t in enumerate(needs)),
            offers=tuple(offers),
        )
        for i, (needs, offers) in enumerate(people)
    ]
    engine = MatchEngine().build(profiles)
    for a in range(len(profiles)):
        listed = {m.member_id: m.score for m in engine.peers_for(a, limit=100)}
        for b in range(len(profiles)):
            if a != b:
                ab, ba = engine.peer_score(a, b), engine.peer_score(b, a)
                assert ab == pytest.approx(ba, abs=1e-6)
                assert 0.0 <= ab <= 1.0
                if b in listed:
                    assert listed[b] == pytest.approx(ab, abs=1e-6)


def test_upsert_without_refit_changes_results(
    build: Build, hybrid_member: MemberProfile, distractors: list, make_coach: ProfileFactory
) -> None:
    engine = build(hybrid_member, *distractors)
    version, encoder = engine.version, engine._encoder
    assert 20 not in [m.member_id for m in engine.mentors_for(1)]
    engine.upsert(make_coach(20, region="Bretagne"))
    assert engine.mentors_for(1)[0].member_id == 20
    assert engine._encoder is encoder  # same fitted vocabulary
    assert engine.version > version and engine.changes_since_fit == 1
    assert 20 in engine and len(engine) == 5


def test_remove_makes_a_member_disappear(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    engine = build(hybrid_member, make_coach(10), make_coach(11))
    engine.remove(10)
    assert [m.member_id for m in engine.mentors_for(1)] == [11]
    assert 10 not in engine and engine.changes_since_fit == 1
    with pytest.raises(UnknownMemberError):
        engine.remove(10)
    with pytest.raises(UnknownMemberError):
        engine.profile(10)


def test_unknown_ids_and_unbuilt_engine_raise(build: Build, hybrid_member: MemberProfile) -> None:
    with pytest.raises(NotFittedError):
        MatchEngine().mentors_for(1)
    engine = build(hybrid_member)
    for query in (engine.mentors_for, engine.peers_for, engine.suggestions_for_coach):
        with pytest.raises(UnknownMemberError):
            query(999)
    with pytest.raises(UnknownMemberError):
        engine.cohort_scores([1], [999])


def test_suggestions_for_coach_lists_members_it_can_help(
    build: Build, make_profile: ProfileFactory, make_coach: ProfileFactory
) -> None:
    helped = make_profile(1, needs=("réécrire nos courriers", HYBRID_NEED))
    other = make_profile(2, needs=("la facture de chauffage des écoles a doublé",))
    paused = make_profile(3, needs=(HYBRID_NEED,), available=False)
    engine = build(helped, other, paused, make_coach(10))
    found = engine.suggestions_for_coach(10)
    assert [m.member_id for m in found] == [1]
    assert found[0].matched_need_ids == (101,)
    assert engine.suggestions_for_coach(10, exclude={1}) == []


def test_cohort_scores_are_bounded_and_zero_where_coach_cannot_help(
    build: Build,
    hybrid_member: MemberProfile,
    make_profile: ProfileFactory,
    distractors: list,
    make_coach: ProfileFactory,
) -> None:
    other = make_profile(2, needs=("la facture de chauffage des écoles a doublé",))
    engine = build(hybrid_member, other, make_coach(10), *distractors)
    scores = engine.cohort_scores([1, 2], [10, 50, 51, 52]).toarray()
    assert scores.shape == (2, 4)
    assert ((scores >= 0) & (scores <= 1)).all()
    assert scores[0, 0] > 0 and np.count_nonzero(scores[0]) == 1
    assert not scores[1].any()
    assert scores[0, 0] == pytest.approx(engine.mentors_for(1)[0].score)


_REGIONS = ("Occitanie", "Bretagne", None)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),  # coach
            st.lists(st.sampled_from(SENTENCES), max_size=2),  # needs
            st.lists(st.sampled_from(SENTENCES), max_size=2),  # offers
            st.sampled_from(_REGIONS),
            st.sampled_from(("local", "regional", "national")),
            st.sampled_from(("commune", "entreprise")),
            st.sampled_from(("A", "B", "")),  # organisation
        ),
        min_size=2,
        max_size=14,
    ),
    st.integers(min_value=0, max_value=6),
    st.booleans(),
)
def test_a_short_list_is_the_head_of_the_long_one(
    people: list, limit: int, exclude_organization: bool
) -> None:
    """The top-k cut (partition, then sort of the head) changes nothing but the length.

    Duplicated texts make ties, broken by member id as in a full sort.
    """
    profiles = [
        MemberProfile(
            id=i,
            display_name=f"M{i}",
            role="coach" if coach else "member",
            needs=tuple(Need(i * 10 + k, t) for k, t in enumerate(needs)),
            offers=tuple(offers),
            region=region,
            network_level=level,
            organization_type=kind,
            organization=org,
        )
        for i, (coach, needs, offers, region, level, kind, org) in enumerate(people)
    ]
    for config in ({}, {"min_score": 0.0}):
        engine = MatchEngine(MatchConfig(**config)).build(profiles)
        for member in range(len(profiles)):
            for query in (engine.mentors_for, engine.peers_for):
                everyone = query(member, 1000, (), exclude_organization)
                assert query(member, limit, (), exclude_organization) == everyone[:limit]
                kept = query(member, limit, {1, 2}, exclude_organization)
                rest = [m for m in everyone if m.member_id not in {1, 2}][:limit]
                # (reasons may differ: excluding the only coach of my region widens the search)
                assert [(m.member_id, m.score) for m in kept] == [
                    (m.member_id, m.score) for m in rest
                ]
            if exclude_organization and profiles[member].organization:
                same = {p.id for p in profiles if p.organization == profiles[member].organization}
                found = engine.mentors_for(member, 1000, (), True)
                assert not same & {m.member_id for m in found}


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=2**31), st.integers(min_value=1, max_value=4))
def test_similarity_product_is_bitwise_the_sparse_product(seed: int, n_queries: int) -> None:
    rng = np.random.default_rng(seed)
    rows = sp.random(200, 60, density=0.15, format="csr", dtype=np.float32, random_state=rng)
    queries = sp.random(
        n_queries, 60, density=0.3, format="csr", dtype=np.float32, random_state=rng
    )
    matrix_t = rows.T.tocsr()
    assert np.array_equal(products(matrix_t, queries), (queries @ matrix_t).toarray())
