"""Ranking rules of mentor matching (region, cross-silo, exclusions, tiered widening)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import InvalidInputError
from matching.index import MemberIndex
from matching.profiles import MemberProfile
from matching.reasons import WIDENED
from matching.scoring import MatchConfig, aggregate_needs, peer_score, rank_mentors
from tests.unit.matching.conftest import HYBRID_OFFER, Build, ProfileFactory

# Offers answering the hybrid member's need, from the closest to the faintest.
CLOSE_OFFER = "agents qui décrochent quand on alterne présentiel et distanciel"
STRONG_OFFER = (
    "remobiliser des agents qui décrochent quand l'équipe alterne présentiel et distanciel"
)
HELPING_OFFER = "rituels d'équipe pour des agents en distanciel"
WEAK_OFFER = "accompagner les agents qui décrochent"  # shares words, not the situation


# The ranking rules do not depend on the fusion weights being tuned: they are tested with one
# fixed fusion, under which the offers above keep their order and their side of the threshold.
FUSION = {"theme_weight": 0.6, "top_themes": 3, "about_row_weight": 0.5, "help_threshold": 0.25}


@pytest.fixture(scope="module")
def build(build: Build) -> Build:
    """The shared builder with the fixed fusion (explicit keyword arguments still win)."""

    def pinned(*profiles: MemberProfile, **config: Any) -> MemberIndex:
        return build(*profiles, **{**FUSION, **config})

    return pinned


def ids(matches: list) -> list[int]:
    return [m.member_id for m in matches]


def relevance(build: Build, member: MemberProfile, coach: MemberProfile) -> float:
    """Text relevance of one coach alone (national member, no bonus can apply)."""
    alone = MemberProfile(id=member.id, display_name="x", needs=member.needs)
    plain = MemberProfile(id=coach.id, display_name="c", role="coach", offers=coach.offers)
    found = build(alone, plain, cross_silo_bonus=0.0).mentors_for(member.id)
    return found[0].score if found else 0.0


def test_local_member_gets_helping_coaches_of_their_region_first(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    better_elsewhere = make_coach(10, CLOSE_OFFER, region="Bretagne")
    in_region = make_coach(11, HELPING_OFFER, region="Occitanie")
    found = build(hybrid_member, better_elsewhere, in_region).mentors_for(1)
    assert ids(found)[:2] == [11, 10]
    assert found[1].score > found[0].score  # the better text match still comes second
    assert "Même région : Occitanie" in found[0].reasons


def test_regional_member_prefers_region_but_a_much_better_coach_wins(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    member = MemberProfile(**{**_fields(hybrid_member), "network_level": "regional"})
    same_text_elsewhere = make_coach(10, STRONG_OFFER, region="Bretagne")
    same_text_here = make_coach(11, STRONG_OFFER, region="Occitanie")
    found = build(member, same_text_elsewhere, same_text_here).mentors_for(1)
    assert ids(found) == [11, 10] and "Même région : Occitanie" in found[0].reasons
    engine = build(member, same_text_elsewhere, same_text_here, region_bonus=0.0)
    assert ids(engine.mentors_for(1))[0] == 10  # without the bonus: plain id order
    much_better = make_coach(12, CLOSE_OFFER, region="Bretagne")
    here = make_coach(13, HELPING_OFFER, region="Occitanie")
    assert ids(build(member, much_better, here).mentors_for(1)) == [12, 13]


def test_national_member_ignores_regions(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    member = MemberProfile(**{**_fields(hybrid_member), "network_level": "national"})
    elsewhere = make_coach(10, STRONG_OFFER, region="Bretagne")
    here = make_coach(11, STRONG_OFFER, region="Occitanie")
    found = build(member, elsewhere, here).mentors_for(1)
    assert ids(found) == [10, 11]
    assert found[0].score == found[1].score
    assert not any("Même région" in r for m in found for r in m.reasons)


def test_region_never_lifts_a_coach_who_cannot_help(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    helper = make_coach(10, STRONG_OFFER, region="Bretagne")
    weak = make_coach(11, WEAK_OFFER, region="Occitanie")
    strong, faint = relevance(build, hybrid_member, helper), relevance(build, hybrid_member, weak)
    assert 0.05 < faint < strong  # precondition: the weak coach does score a little
    threshold = (strong + faint) / 2
    for level in ("local", "regional"):
        member = MemberProfile(**{**_fields(hybrid_member), "network_level": level})
        engine = build(member, helper, weak, help_threshold=threshold, region_bonus=1.0)
        found = engine.mentors_for(1)
        assert ids(found) == [10, 11]
        assert not any("Même région" in r for r in found[1].reasons)


def test_cross_silo_coach_wins_a_tie(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    same_type = make_coach(10, HYBRID_OFFER, organization_type="commune", region="Bretagne")
    other_type = make_coach(11, HYBRID_OFFER, organization_type="departement", region="Bretagne")
    found = build(hybrid_member, same_type, other_type).mentors_for(1)
    assert ids(found) == [11, 10]
    assert "Autre type de structure : département" in found[0].reasons
    assert found[0].score > found[1].score


def test_tiered_network_widens_and_says_so(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    far = make_coach(10, STRONG_OFFER, region="Bretagne")
    found = build(hybrid_member, far).mentors_for(1)
    assert ids(found) == [10]
    assert WIDENED in found[0].reasons
    near = make_coach(11, STRONG_OFFER, region="Occitanie")
    found = build(hybrid_member, far, near).mentors_for(1)
    assert not any(WIDENED in m.reasons for m in found)


def test_exclusions_self_and_availability(
    build: Build, make_profile: ProfileFactory, make_coach: ProfileFactory
) -> None:
    coach_with_need = make_coach(1, HYBRID_OFFER, needs=("mes agents décrochent en télétravail",))
    busy = make_coach(2, HYBRID_OFFER)
    paused = make_coach(3, HYBRID_OFFER, available=False)
    free = make_coach(4, HYBRID_OFFER)
    same_org = make_coach(5, HYBRID_OFFER, organization="Mairie d'Albi")
    engine = build(coach_with_need, busy, paused, free, same_org)
    assert ids(engine.mentors_for(1, exclude={2})) == [4, 5]
    member = make_profile(9, needs=("télétravail",), organization="Mairie d'Albi")
    engine.upsert_many([member])
    assert 5 not in ids(engine.mentors_for(9, exclude_organization=True))
    assert 5 in ids(engine.mentors_for(9))


def test_members_without_needs_get_no_mentors(
    build: Build, make_profile: ProfileFactory, make_coach: ProfileFactory
) -> None:
    engine = build(make_profile(1, offers=("télétravail",)), make_coach(2))
    assert engine.mentors_for(1) == []


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.booleans(), st.booleans(), st.integers(0, 10_000)),
        min_size=1,
        max_size=12,
        unique_by=lambda t: t[3],
    ),
    st.sampled_from(["local", "regional", "national"]),
)
def test_helping_coaches_always_rank_above_the_others(rows: list, level: str) -> None:
    rel, region, silo, cid = (np.asarray(col) for col in zip(*rows, strict=True))
    config = MatchConfig(region_bonus=0.5, cross_silo_bonus=0.3)
    ranking = rank_mentors(rel, region.astype(bool), silo.astype(bool), level, cid, config)
    helps = ranking.helps[ranking.order]
    assert list(helps) == sorted(helps, reverse=True)
    assert ((ranking.scores >= 0) & (ranking.scores <= 1)).all()
    if level == "national":
        assert not ranking.region_applied.any()


def _fields(profile: MemberProfile) -> dict:
    return {name: getattr(profile, name) for name in profile.__slots__}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.5, 0.9]),  # ties are the hard part
            st.booleans(),
            st.booleans(),
        ),
        min_size=0,
        max_size=15,
    ),
    st.sampled_from(["local", "regional", "national"]),
    st.integers(0, 17),
)
def test_a_short_ranking_is_the_head_of_the_full_ranking(
    rows: list, level: str, limit: int
) -> None:
    rel = np.asarray([r[0] for r in rows], dtype=float)
    region = np.asarray([r[1] for r in rows], dtype=bool)
    silo = np.asarray([r[2] for r in rows], dtype=bool)
    cid = np.arange(len(rows), dtype=np.int64)[::-1].copy()
    config = MatchConfig()
    full = rank_mentors(rel, region, silo, level, cid, config)
    short = rank_mentors(rel, region, silo, level, cid, config, limit=limit)
    assert short.order.tolist() == full.order[:limit].tolist()
    assert sorted(full.order.tolist()) == list(range(len(rows)))


def test_one_strongly_covered_need_weighs_more_than_several_weak_ones() -> None:
    # two candidates: A answers one need of three very well, B answers all three a little
    best = np.array([[0.9, 0.3], [0.0, 0.3], [0.0, 0.3]])
    a, b = aggregate_needs(best, MatchConfig().need_max_weight)
    assert a > b
    assert aggregate_needs(np.zeros((0, 4)), 0.7).tolist() == [0.0] * 4
    assert aggregate_needs(np.array([[0.4]]), 0.7)[0] == pytest.approx(0.4)


def test_peer_score_takes_the_stronger_of_reciprocal_help_and_shared_need() -> None:
    helps = peer_score(np.array([0.6, 0.1]), np.array([0.2, 0.1]), np.array([0.1, 0.8]))
    assert helps.tolist() == pytest.approx([0.4, 0.8])
    swapped = peer_score(np.array([0.2, 0.1]), np.array([0.6, 0.1]), np.array([0.1, 0.8]))
    assert swapped.tolist() == helps.tolist()


@pytest.mark.parametrize(
    "fields",
    [
        {"theme_weight": 1.5},
        {"need_max_weight": -0.1},
        {"top_themes": 0},
        {"min_score": 0.5, "help_threshold": 0.2},
        {"region_bonus": -0.1},
        {"about_row_weight": -1.0},
    ],
)
def test_inconsistent_configuration_is_rejected(fields: dict) -> None:
    with pytest.raises(InvalidInputError):
        MatchConfig(**fields)
