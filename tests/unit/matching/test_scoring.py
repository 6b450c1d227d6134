"""Ranking rules of mentor matching (region, cross-silo, exclusions, tiered widening)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.engine import MatchEngine
from matching.profiles import MemberProfile
from matching.reasons import WIDENED
from matching.scoring import MatchConfig, rank_mentors
from tests.unit.matching.conftest import HYBRID_OFFER, ProfileFactory

Build = Callable[..., MatchEngine]
WEAK_OFFER = "formation des agents"  # shares a word with the need, not the situation


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
    close_words = "agents qui décrochent quand on alterne présentiel et distanciel"
    better_elsewhere = make_coach(10, close_words, region="Bretagne")
    in_region = make_coach(11, "rituels d'équipe", region="Occitanie")
    found = build(hybrid_member, better_elsewhere, in_region).mentors_for(1)
    assert ids(found)[:2] == [11, 10]
    assert found[1].score > found[0].score  # the better text match still comes second
    assert "Même région : Occitanie" in found[0].reasons


def test_regional_member_prefers_region_but_a_much_better_coach_wins(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    member = MemberProfile(**{**_fields(hybrid_member), "network_level": "regional"})
    same_text_elsewhere = make_coach(10, HYBRID_OFFER, region="Bretagne")
    same_text_here = make_coach(11, HYBRID_OFFER, region="Occitanie")
    assert ids(build(member, same_text_elsewhere, same_text_here).mentors_for(1))[0] == 11
    engine = build(member, same_text_elsewhere, same_text_here, region_bonus=0.0)
    assert ids(engine.mentors_for(1))[0] == 10  # without the bonus: plain id order


def test_national_member_ignores_regions(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    member = MemberProfile(**{**_fields(hybrid_member), "network_level": "national"})
    elsewhere = make_coach(10, HYBRID_OFFER, region="Bretagne")
    here = make_coach(11, HYBRID_OFFER, region="Occitanie")
    found = build(member, elsewhere, here).mentors_for(1)
    assert ids(found) == [10, 11]
    assert found[0].score == found[1].score
    assert not any("Même région" in r for m in found for r in m.reasons)


def test_region_never_lifts_a_coach_who_cannot_help(
    build: Build, hybrid_member: MemberProfile, make_coach: ProfileFactory
) -> None:
    helper = make_coach(10, HYBRID_OFFER, region="Bretagne")
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
    far = make_coach(10, HYBRID_OFFER, region="Bretagne")
    found = build(hybrid_member, far).mentors_for(1)
    assert ids(found) == [10]
    assert WIDENED in found[0].reasons
    near = make_coach(11, HYBRID_OFFER, region="Occitanie")
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
    engine.upsert(member)
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
