"""The matching index: who is proposed to whom, why, and how it follows members' changes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import UnknownMemberError
from matching.features import Featurizer, need_texts, offer_texts
from matching.index import MemberIndex
from matching.profiles import Match, MemberProfile
from matching.reasons import quote
from matching.scoring import MatchConfig
from matching.text import analyze
from tests.unit.matching.conftest import (
    DATA_OFFER,
    FACILITATION_OFFER,
    HYBRID_NEED,
    HYBRID_OFFER,
    UNRELATED_OFFER,
    Build,
    make_coach_profile,
    make_member,
    replace,
)

LONG_NEED = (
    "je dois animer un séminaire de deux jours avec quarante élus et cadres qui ne se "
    "connaissent pas, sur le projet de territoire, et je voudrais des techniques "
    "d'intelligence collective pour que chacun participe vraiment"
)
PEOPLE = [
    make_member(
        1,
        needs=(HYBRID_NEED, LONG_NEED),
        region="Occitanie",
        network_level="local",
        organization_type="commune",
        organization="Mairie d'Albi",
    ),
    make_member(
        2,
        needs=("nos équipes en télétravail se sentent isolées, comment garder le lien",),
        offers=("je sais animer des ateliers de facilitation avec des post-it",),
        region="Bretagne",
    ),
    make_member(
        3,
        needs=("ouvrir nos jeux de données en open data",),
        offers=("rituels d'équipe pour un service en travail hybride",),
        job_title="Cheffe du service informatique",
    ),
    make_member(
        4,
        needs=("réparer la chaudière de la piscine municipale",),
        offers=("budget participatif avec les habitants du quartier",),
        organization="Mairie d'Albi",
    ),
    make_member(5, needs=("l'équipe en distanciel décroche",), peer_exchange=False),
    make_member(6, needs=(HYBRID_NEED,), offers=(FACILITATION_OFFER,), available=False),
    make_member(7, offers=("management d'une équipe en télétravail",)),
    make_coach_profile(
        10,
        HYBRID_OFFER,
        "accompagnement des managers de proximité",
        job_title="Coach en management",
        bio="Ancienne DRH d'une métropole. J'accompagne les équipes en télétravail depuis dix "
        "ans ; je forme aussi les encadrants.",
        region="Bretagne",
    ),
    make_coach_profile(
        11,
        FACILITATION_OFFER,
        job_title="Facilitatrice",
        bio="J'anime des séminaires d'élus. Intelligence collective et forum ouvert.",
        region="Occitanie",
    ),
    make_coach_profile(12, DATA_OFFER),
    make_coach_profile(13, UNRELATED_OFFER),
    make_coach_profile(14, HYBRID_OFFER, available=False),
    make_coach_profile(15, HYBRID_OFFER, organization="Mairie d'Albi"),
    make_coach_profile(
        16, "maintenance de chaudière et de piscine", role="trainer", needs=(HYBRID_NEED,)
    ),
]
COACHES = [p.id for p in PEOPLE if p.is_coach]
PEERS = [p.id for p in PEOPLE if p.available and not p.is_coach and p.peer_exchange]

_PAIR = re.compile(r"votre (\w+) « (.*?) » / son (\w+) « (.*?) »$")
_KIND = {"besoin": "need", "offre": "offer", "poste": "title", "parcours": "bio"}


@pytest.fixture(scope="module")
def index(featurizer: Featurizer) -> MemberIndex:
    return MemberIndex(featurizer, MatchConfig()).build(PEOPLE)


def ids(matches: Iterable[Match]) -> list[int]:
    return [m.member_id for m in matches]


def _answers(index: MemberIndex) -> dict[object, object]:
    """Every query of the index for every member, in a comparable form."""

    def plain(matches: list[Match]) -> list[tuple]:
        return [(m.member_id, round(m.score, 5), m.reasons, m.matched_need_ids) for m in matches]

    out: dict[object, object] = {}
    members = sorted(p.id for p in index.profiles())
    for member in members:
        out["mentors", member] = plain(index.mentors_for(member, limit=50))
        out["peers", member] = plain(index.peers_for(member, limit=50))
        out["suggestions", member] = plain(index.suggestions_for_coach(member, limit=50))
    out["cohort"] = np.round(index.cohort_scores(members, members).toarray(), 5).tolist()
    need_ids, rows, themes = index.need_table()
    order = np.argsort(need_ids)
    out["needs"] = (need_ids[order].tolist(), themes[order].tolist())
    ordered = rows[order].tocsr()
    ordered.sort_indices()
    out["need_rows"] = [
        (ordered[k].indices.tolist(), np.round(ordered[k].data, 5).tolist())
        for k in range(ordered.shape[0])
    ]
    return out


# ------------------------------------------------------------------------ who comes first
def test_the_hybrid_need_reaches_the_hybrid_coach_first(
    build: Build, hybrid_member: MemberProfile, distractors: list[MemberProfile]
) -> None:
    coach = make_coach_profile(10, HYBRID_OFFER, region="Bretagne")
    found = build(hybrid_member, *distractors, coach).mentors_for(1)
    assert ids(found)[0] == 10
    assert found[0].reasons[0] == (
        "Thème commun : Management hybride et travail à distance — "
        f"votre besoin « {HYBRID_NEED} » / son offre « {HYBRID_OFFER} »"
    )
    assert found[0].matched_need_ids == (100,)
    assert 52 not in ids(found)  # pottery answers nothing


def test_a_coach_on_the_needs_theme_helps_without_a_word_in_common(build: Build) -> None:
    member = make_member(1, needs=(HYBRID_NEED,))
    coach = make_coach_profile(2, HYBRID_OFFER)
    assert not set(analyze(HYBRID_NEED)) & set(analyze(HYBRID_OFFER))  # meaning only
    index = build(member, coach)
    threshold = index.config.help_threshold
    assert index.mentors_for(1)[0].score >= threshold
    assert ids(index.suggestions_for_coach(2)) == [1]
    assert index.cohort_scores([1], [2]).toarray()[0, 0] >= threshold


def test_members_sharing_a_need_in_other_words_are_peers(build: Build) -> None:
    other = "nos équipes en télétravail se sentent isolées"
    assert not set(analyze(HYBRID_NEED)) & set(analyze(other))  # meaning only
    index = build(make_member(1, needs=(HYBRID_NEED,)), make_member(2, needs=(other,)))
    found = index.peers_for(1)
    assert ids(found) == [2]
    assert (
        found[0]
        .reasons[0]
        .startswith("Besoin partagé — Thème commun : Management hybride et travail à distance")
    )


def test_each_need_reaches_the_coach_of_its_theme(index: MemberIndex) -> None:
    found = index.mentors_for(1)
    assert set(ids(found)[:2]) == {10, 11}
    by_coach = {m.member_id: m for m in found}
    assert by_coach[10].matched_need_ids == (100,)
    assert by_coach[11].matched_need_ids == (101,)
    assert ids(index.mentors_for(3))[0] == 12
    assert ids(index.mentors_for(4))[0] == 16  # a need hors thèmes meets shared words


# --------------------------------------------------------------------------- reasons
def _check_pair(
    index: MemberIndex, reason: str, mine_id: int, theirs_id: int, mine_kind: str
) -> None:
    """The quoted rows exist (`mine_kind`: my side, "need" or "offer"), each quoted whole or
    cut by `quote`, named by its kind; the theme named is in both rows' meaning; the words
    named are in both texts."""
    found = _PAIR.search(reason)
    assert found, reason
    my_kind, my_text, their_kind, their_text = found.groups()
    assert (_KIND[my_kind] == "need") == (mine_kind == "need"), reason
    my_rows = need_texts(index.profile(mine_id)) if mine_kind == "need" else (
        offer_texts(index.profile(mine_id))
    )  # fmt: skip
    their_rows = (
        offer_texts(index.profile(theirs_id))
        if mine_kind == "need" and "Besoin partagé" not in reason
        else need_texts(index.profile(theirs_id))
    )
    mine = [
        k for k, r in enumerate(my_rows) if r.kind == _KIND[my_kind] and quote(r.text) == my_text
    ]
    theirs = [
        k
        for k, r in enumerate(their_rows)
        if r.kind == _KIND[their_kind] and quote(r.text) == their_text
    ]
    assert mine and theirs, reason
    i, j = mine[0], theirs[0]
    lead = reason.removeprefix("Besoin partagé — ").removeprefix("Vous pouvez l'aider — ")
    if lead.startswith("Thème commun : "):
        name = lead.removeprefix("Thème commun : ").split(" — ")[0]
        model = index.featurizer.model
        column = [model.names_[t] for t in model.themes_].index(name)
        vectors = index.need_vectors if mine_kind == "need" else index.offer_vectors
        my_block = vectors(mine_id)[1].row(i).csr.toarray().ravel()
        their_vectors = index.need_vectors if their_kind == "besoin" else index.offer_vectors
        their_block = their_vectors(theirs_id)[1].row(j).csr.toarray().ravel()
        assert my_block[column] > 0 and their_block[column] > 0, reason
    else:
        assert lead.startswith("Mots en commun : « "), reason
        words = re.findall(r"« ([^»]+) »", lead.split(" — ")[0])
        assert words, reason
        for word in words:
            assert word in my_rows[i].text, reason
            assert set(analyze(word)) <= set(analyze(their_rows[j].text)), reason


_EXTRA = ("Même région : ", "Autre type de structure : ", "Aucun coach pertinent")


def test_mentor_reasons_quote_a_need_of_mine_and_an_offer_of_theirs(index: MemberIndex) -> None:
    seen = set()
    for member in [p.id for p in PEOPLE]:
        for match in index.mentors_for(member, limit=50):
            assert match.reasons, match
            for reason in match.reasons:
                if reason.startswith(_EXTRA):
                    continue
                _check_pair(index, reason, member, match.member_id, "need")
                seen.add(_PAIR.search(reason).group(3))
            assert set(match.matched_need_ids) <= {n.id for n in index.profile(member).needs}
    assert "offre" in seen
    long_quoted = [r for m in index.mentors_for(1) for r in m.reasons if quote(LONG_NEED) in r]
    assert long_quoted and quote(LONG_NEED).endswith("…")


def test_peer_and_suggestion_reasons_quote_rows_that_exist(index: MemberIndex) -> None:
    checked = 0
    for member in PEERS:
        for match in index.peers_for(member, limit=50):
            for reason in match.reasons:
                if reason.startswith("Besoin partagé — "):
                    _check_pair(index, reason, member, match.member_id, "need")
                elif reason.startswith("Vous pouvez l'aider — "):
                    _check_pair(index, reason, member, match.member_id, "offer")
                else:
                    _check_pair(index, reason, member, match.member_id, "need")
                checked += 1
    for coach in COACHES:
        for match in index.suggestions_for_coach(coach, limit=50):
            assert match.reasons
            for reason in match.reasons:
                _check_pair(index, reason, coach, match.member_id, "offer")
                checked += 1
    assert checked >= 6


def test_job_title_and_bio_sentences_are_quoted_on_their_own(build: Build) -> None:
    title = "Facilitatrice"
    bio = (
        "Ancienne DRH d'une métropole. "
        "J'anime des séminaires d'élus avec des techniques d'intelligence collective."
    )
    coach = make_coach_profile(20, UNRELATED_OFFER, job_title=title, bio=bio)
    member = make_member(
        1,
        needs=(
            "animer un séminaire d'élus en intelligence collective",
            "je cherche une facilitatrice pour notre séminaire",
        ),
    )
    index = build(member, coach)
    reasons = [r for r in index.mentors_for(1)[0].reasons if not r.startswith(_EXTRA)]
    about = [title, *(s.strip() for s in bio.replace(". ", ".\n").splitlines())]
    cited = [_PAIR.search(r).group(4) for r in reasons if _PAIR.search(r)]
    assert cited and all(c in about for c in cited), cited  # one row each, never glued
    assert any(r.split(" / ")[1].startswith(("son poste « ", "son parcours « ")) for r in reasons)
    for reason in reasons:
        _check_pair(index, reason, 1, 20, "need")


def test_a_theme_is_named_only_when_both_texts_are_read_in_it(build: Build) -> None:
    need = "la fusion de deux services inquiète les équipes"
    offer = "management d'équipes à distance"
    index = build(make_member(1, needs=(need,)), make_coach_profile(2, offer))
    found = index.mentors_for(1)
    assert found  # precondition: the coach is proposed, with a reason
    model = index.featurizer.model
    for reason in found[0].reasons:
        if reason.startswith("Thème commun : "):
            name = reason.removeprefix("Thème commun : ").split(" — ")[0]
            column = [model.names_[t] for t in model.themes_].index(name)
            read = model.distributions([need, offer])[:, column]
            assert (read >= model.min_confidence).all(), (name, read)


def test_removing_the_cited_offer_lowers_the_score(featurizer: Featurizer) -> None:
    index = MemberIndex(featurizer).build(PEOPLE)
    before = next(m for m in index.mentors_for(1) if m.member_id == 10)
    assert f"son offre « {HYBRID_OFFER} »" in before.reasons[0]
    coach = index.profile(10)
    index.upsert_many([replace(coach, offers=tuple(o for o in coach.offers if o != HYBRID_OFFER))])
    after = [m for m in index.mentors_for(1) if m.member_id == 10]
    assert not after or after[0].score < before.score
    assert not any(HYBRID_OFFER in r for m in after for r in m.reasons)


# ----------------------------------------------------------------------------- peers
def test_peer_scores_are_symmetric(index: MemberIndex) -> None:
    scores = {(a, m.member_id): m.score for a in PEERS for m in index.peers_for(a, limit=50)}
    assert len(scores) >= 4
    for (a, b), score in scores.items():
        assert (b, a) in scores
        assert scores[b, a] == pytest.approx(score, abs=1e-6)


def test_a_shared_need_makes_peers(build: Build) -> None:
    a = make_member(1, needs=(HYBRID_NEED,))
    b = make_member(2, needs=("nos agents décrochent avec le travail en distanciel",))
    index = build(a, b, make_member(3, needs=(UNRELATED_OFFER,)))
    found = index.peers_for(1)
    assert ids(found) == [2]
    assert found[0].reasons[0].startswith("Besoin partagé — ")
    assert found[0].matched_need_ids == (100,)
    _check_pair(index, found[0].reasons[0], 1, 2, "need")
    assert ids(index.peers_for(2)) == [1]


# ----------------------------------------------------------------------- who never comes
def test_paused_self_coaches_and_closed_members_are_never_peers(index: MemberIndex) -> None:
    for member in [p.id for p in PEOPLE]:
        found = ids(index.peers_for(member, limit=50))
        assert member not in found
        assert set(found) <= set(PEERS)  # not paused (6), not closed (5), not coaches


def test_only_available_coaches_are_mentors(index: MemberIndex) -> None:
    for member in [p.id for p in PEOPLE]:
        found = ids(index.mentors_for(member, limit=50))
        assert member not in found
        assert set(found) <= set(COACHES) - {14}
    assert 16 in ids(index.mentors_for(4))  # trainers count as coaches
    assert 10 in ids(index.mentors_for(16))  # a trainer with needs gets other coaches


def test_exclusions_and_own_organisation(index: MemberIndex) -> None:
    assert 15 in ids(index.mentors_for(1))
    assert 15 not in ids(index.mentors_for(1, exclude_organization=True))
    assert 10 not in ids(index.mentors_for(1, exclude={10, 999}))
    assert 4 not in ids(index.peers_for(1, limit=50, exclude_organization=True))
    assert 2 not in ids(index.peers_for(1, limit=50, exclude={2}))
    assert 1 not in ids(index.suggestions_for_coach(10, limit=50, exclude={1}))
    no_organisation = ids(index.mentors_for(3, exclude_organization=True))
    assert no_organisation == ids(index.mentors_for(3))  # nothing to exclude


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([p.id for p in PEOPLE]), st.integers(0, 8))
def test_a_short_list_is_the_head_of_a_longer_list(
    index: MemberIndex, member: int, limit: int
) -> None:
    for query in (index.mentors_for, index.peers_for, index.suggestions_for_coach):
        assert query(member, limit=limit) == query(member, limit=50)[:limit]


def test_mentors_without_reasons_rank_alike(index: MemberIndex) -> None:
    for member in [p.id for p in PEOPLE]:
        full = index.mentors_for(member, limit=50)
        bare = index.mentors_for(member, limit=50, explain=False)
        assert [(m.member_id, m.score) for m in bare] == [(m.member_id, m.score) for m in full]
        assert all(m.reasons == () and m.matched_need_ids == () for m in bare)


# ---------------------------------------------------------------------- coaches' views
def test_a_coach_is_suggested_members_it_can_really_help(build: Build) -> None:
    coach = make_coach_profile(10, "remobiliser les agents qui décrochent en distanciel")
    members = [
        make_member(1, needs=(HYBRID_NEED, "réparer la chaudière de la piscine")),
        make_member(2, needs=("mes agents en distanciel décrochent",)),
        make_member(3, needs=(HYBRID_NEED,), available=False),
        make_member(4, needs=("ouvrir nos données publiques",)),
        make_coach_profile(5, UNRELATED_OFFER, needs=(HYBRID_NEED,)),
        make_member(6, needs=(HYBRID_NEED,), peer_exchange=False),
    ]
    index = build(coach, *members)
    found = index.suggestions_for_coach(10, limit=50)
    assert set(ids(found)) == {1, 2, 6}  # not paused (3), not off-subject (4), not coaches (5)
    scores = [m.score for m in found]
    assert scores == sorted(scores, reverse=True)
    assert all(index.config.help_threshold <= s <= 1 for s in scores)
    by_member = {m.member_id: m for m in found}
    assert by_member[1].matched_need_ids == (100,)  # the boiler is not the coach's business
    for match in found:
        for reason in match.reasons:
            _check_pair(index, reason, 10, match.member_id, "offer")
    assert index.suggestions_for_coach(10, exclude={2}, limit=50) == [
        m for m in found if m.member_id != 2
    ]
    assert index.suggestions_for_coach(5) == []  # pottery helps nobody here


def test_cohort_scores_are_mentor_scores_where_the_coach_can_help(index: MemberIndex) -> None:
    members = [1, 2, 3, 4, 16]
    coaches = [c for c in COACHES if index.profile(c).available]  # the caller's choice
    scores = index.cohort_scores(members, coaches).toarray()
    assert scores.shape == (len(members), len(coaches))
    assert ((scores >= 0) & (scores <= 1)).all()
    assert not scores[:, coaches.index(13)].any()  # pottery
    assert scores[members.index(16), coaches.index(16)] == 0  # nobody coaches themselves
    for i, member in enumerate(members):
        mentors = {m.member_id: m.score for m in index.mentors_for(member, limit=50)}
        for j, coach in enumerate(coaches):
            if scores[i, j] > 0:
                assert scores[i, j] >= index.config.help_threshold
                assert scores[i, j] == pytest.approx(mentors[coach], abs=1e-6)
    assert index.cohort_scores([], COACHES).shape == (0, len(COACHES))
    assert index.cohort_scores(members, []).shape == (len(members), 0)


# --------------------------------------------------------------------- keeping up to date
def test_need_table_lists_every_open_need_once(index: MemberIndex) -> None:
    need_ids, rows, themes = index.need_table()
    expected = sorted(n.id for p in PEOPLE for n in p.needs if n.text.strip())
    assert sorted(need_ids.tolist()) == expected
    assert rows.shape == (len(expected), index.featurizer.n_features)
    assert themes.shape == (len(expected),)
    position = {int(n): k for k, n in enumerate(need_ids)}
    rows_1, vectors_1 = index.need_vectors(1)
    for k, row in enumerate(rows_1):
        at = position[row.need_id]
        assert (rows[at] != vectors_1.row(k).csr).nnz == 0 and themes[at] == vectors_1.themes[k]


def test_upsert_and_remove_take_effect_without_rebuild(featurizer: Featurizer) -> None:
    index = MemberIndex(featurizer).build(PEOPLE)
    version = index.version
    assert 17 not in ids(index.mentors_for(3))
    index.upsert_many(
        [make_coach_profile(17, "open data, ouverture des jeux de données publiques")]
    )
    assert ids(index.mentors_for(3))[0] in {12, 17} and 17 in ids(index.mentors_for(3))
    index.remove(12)
    assert 12 not in index and 12 not in ids(index.mentors_for(3))
    index.upsert_many([replace(index.profile(10), available=False)])
    assert 10 not in ids(index.mentors_for(1))
    index.upsert_many([replace(index.profile(1), needs=())])
    assert index.mentors_for(1) == []
    assert 100 not in index.need_table()[0].tolist()
    assert index.version > version and len(index) == len(PEOPLE)
    fresh = MemberIndex(featurizer).build(index.profiles())
    assert _answers(index) == _answers(fresh)


_POOL_NEEDS = [
    HYBRID_NEED,
    LONG_NEED,
    "ouvrir nos jeux de données en open data",
    "réparer la chaudière de la piscine municipale",
    "nos courriers aux familles sont incompréhensibles",
    "",
]
_POOL_OFFERS = [HYBRID_OFFER, FACILITATION_OFFER, DATA_OFFER, "écriture en langage clair"]


@st.composite
def _profiles(draw: Callable) -> MemberProfile:
    member = draw(st.integers(1, 12))
    coach = draw(st.booleans())
    return make_member(
        member,
        needs=tuple(draw(st.lists(st.sampled_from(_POOL_NEEDS), max_size=2))),
        offers=tuple(draw(st.lists(st.sampled_from(_POOL_OFFERS), max_size=2, unique=True))),
        role="coach" if coach else "member",
        available=draw(st.booleans()),
        peer_exchange=draw(st.booleans()),
        region=draw(st.sampled_from([None, "Bretagne", "Occitanie"])),
        network_level=draw(st.sampled_from(["local", "regional", "national"])),
        organization=draw(st.sampled_from(["", "Mairie d'Albi"])),
    )


@settings(max_examples=25, deadline=None)
@given(
    st.lists(_profiles(), max_size=8),
    st.lists(st.one_of(_profiles(), st.integers(1, 12)), max_size=8),
)
def test_any_updates_answer_like_a_fresh_build(
    featurizer: Featurizer, initial: list[MemberProfile], updates: list
) -> None:
    index = MemberIndex(featurizer).build(initial)
    current = {p.id: p for p in initial}
    for update in updates:
        if isinstance(update, MemberProfile):
            index.upsert_many([update])
            current[update.id] = update
        elif update in current:
            index.remove(update)
            del current[update]
        else:
            with pytest.raises(UnknownMemberError):
                index.remove(update)
    assert sorted(p.id for p in index.profiles()) == sorted(current)
    expected = _answers(MemberIndex(featurizer).build(current.values()))
    assert _answers(index) == expected
    index.blocks()  # compaction keeps every answer
    assert _answers(index) == expected


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "query",
    [
        lambda ix: ix.mentors_for(999),
        lambda ix: ix.peers_for(999),
        lambda ix: ix.suggestions_for_coach(999),
        lambda ix: ix.remove(999),
        lambda ix: ix.profile(999),
        lambda ix: ix.need_vectors(999),
        lambda ix: ix.offer_vectors(999),
        lambda ix: ix.cohort_scores([999], [10]),
    ],
    ids=["mentors", "peers", "suggestions", "remove", "profile", "needs", "offers", "cohort"],
)
def test_unknown_members_raise(index: MemberIndex, query: Callable) -> None:
    with pytest.raises(UnknownMemberError) as raised:
        query(index)
    assert raised.value.member_id == 999
    assert isinstance(raised.value, KeyError)


def test_an_unknown_coach_in_a_cohort_raises(index: MemberIndex) -> None:
    with pytest.raises(UnknownMemberError):
        index.cohort_scores([1], [999])


def test_an_empty_index_answers_nothing(featurizer: Featurizer) -> None:
    index = MemberIndex(featurizer)
    assert len(index) == 0 and index.profiles() == []
    index.upsert_many([make_member(1, needs=(HYBRID_NEED,))])
    assert index.mentors_for(1) == [] and index.peers_for(1) == []
    assert index.need_table()[0].tolist() == [100]


def test_explain_mentor_gives_the_reasons_of_a_pair(featurizer: Featurizer) -> None:
    index = MemberIndex(featurizer).build(PEOPLE)
    ranked = next(m for m in index.mentors_for(1) if m.member_id == 10)
    offer_reasons = tuple(r for r in ranked.reasons if " — votre besoin « " in r)
    assert index.explain_mentor(1, 10) == offer_reasons
    with pytest.raises(UnknownMemberError):
        index.explain_mentor(1, 999)
