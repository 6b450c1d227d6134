"""Demand themes: needs grouped by what they are about, labelled in French, with stable ids."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.demand import (
    ISOLATED_LABEL,
    DemandResult,
    PreviousGroup,
    group_needs,
)
from matching.taxonomy import load_taxonomy
from matching.text import analyze

NAMES = {theme.id: theme.name for theme in load_taxonomy().themes}

HYBRID = [
    "mes agents décrochent depuis qu'on alterne présentiel et télétravail",
    "garder le lien avec une équipe à moitié à distance",
    "nos réunions hybrides sont pénibles pour ceux qui sont en visio",
]
PARTICIPATION = [
    "lancer un budget participatif avec les habitants",
    "la concertation des habitants sur le futur parc",
    "notre conseil citoyen s'essouffle",
]
DATA = [
    "ouvrir nos jeux de données en open data",
    "construire des tableaux de bord de pilotage",
    "publier les données de la commune",
]
CANTEEN = [
    "la cantine scolaire gaspille trop de pain",
    "revoir les menus de la cantine scolaire",
    "la cantine scolaire est trop bruyante le midi",
]
LONE = ["le chauffage de la piscine municipale est en panne", "déneiger les trottoirs en hiver"]


def _themed() -> tuple[list[str], list[str | None]]:
    texts = HYBRID + PARTICIPATION + DATA
    themes: list[str | None] = (
        ["management_hybride"] * 3 + ["participation_citoyenne"] * 3 + ["donnees_publiques"] * 3
    )
    return texts, themes


def _previous(result: DemandResult) -> list[PreviousGroup]:
    """The state as the service stores it (JSON) and reads it back."""
    return [PreviousGroup.from_dict(item) for item in json.loads(json.dumps(result.state()))]


def _group_of(result: DemandResult, index: int) -> object:
    return next(g for g in result.groups if index in g.member_indices)


def test_needs_of_three_themes_make_three_theme_groups() -> None:
    texts, themes = _themed()
    result = group_needs(texts, themes, NAMES)
    assert len(result.groups) == 3
    assert all(g.kind == "theme" for g in result.groups)
    by_theme = {g.theme: g for g in result.groups}
    assert {t: g.label for t, g in by_theme.items()} == {
        "management_hybride": "Management hybride et travail à distance",
        "participation_citoyenne": "Participation citoyenne",
        "donnees_publiques": "Données publiques et pilotage par la donnée",
    }
    assert by_theme["management_hybride"].member_indices == (0, 1, 2)
    for i, group_id in enumerate(result.assignments):
        assert i in next(g for g in result.groups if g.id == group_id).member_indices
    assert all(g.top_terms and g.change is None for g in result.groups)


def test_ids_stay_stable_when_a_need_is_added() -> None:
    texts, themes = _themed()
    first = group_needs(texts, themes, NAMES)
    second = group_needs(
        [*texts, "la visio avec l'équipe éclatée sur trois sites"],
        [*themes, "management_hybride"],
        NAMES,
        _previous(first),
    )
    before = {g.theme: g.id for g in first.groups}
    after = {g.theme: g for g in second.groups}
    assert {t: g.id for t, g in after.items()} == before
    assert after["management_hybride"].change == 1
    assert after["participation_citoyenne"].change == 0
    again = group_needs(texts, themes, NAMES, _previous(first))
    assert [(g.id, g.label) for g in again.groups] == [(g.id, g.label) for g in first.groups]


def test_a_new_theme_gets_a_fresh_id() -> None:
    texts, themes = _themed()
    first = group_needs(texts, themes, NAMES)
    second = group_needs(
        [*texts, "trouver des subventions européennes pour le tiers-lieu"],
        [*themes, "financement_projets"],
        NAMES,
        _previous(first),
    )
    new = next(g for g in second.groups if g.theme == "financement_projets")
    assert new.id not in {g.id for g in first.groups}
    assert new.change is None and new.label == "Financer les projets"
    assert len({g.id for g in second.groups}) == len(second.groups)


def test_off_topic_needs_sharing_words_emerge_under_a_phrase_of_their_own() -> None:
    texts = CANTEEN + LONE
    result = group_needs(texts, [None] * len(texts), NAMES)
    canteen = _group_of(result, 0)
    assert canteen.kind == "emerging" and canteen.theme is None
    assert canteen.member_indices == (0, 1, 2)
    assert canteen.label == "Cantine scolaire"
    assert canteen.label != ", ".join(canteen.top_terms[:3])
    lone = _group_of(result, 3)
    assert lone.label == ISOLATED_LABEL and lone.member_indices == (3, 4)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["cantine", "piscine", "marché", "stationnement", "bibliothèque"]),
            st.sampled_from(["de Noël", "municipale", "du centre", "des écoles", "du samedi"]),
            st.sampled_from(["ferme trop tôt", "manque de bénévoles", "coûte cher", "déborde"]),
        ),
        min_size=2,
        max_size=10,
    )
)
def test_emerging_labels_are_phrases_their_needs_contain(parts: list[tuple[str, str, str]]) -> None:
    texts = [f"le {a} {b} {c}" for a, b, c in parts]
    result = group_needs(texts, [None] * len(texts), NAMES)
    for group in result.groups:
        if group.label == ISOLATED_LABEL:
            continue
        phrase = group.label.rstrip("…").casefold()
        inside = [i for i in group.member_indices if phrase in texts[i].casefold()]
        assert inside, (group.label, [texts[i] for i in group.member_indices])
        assert group.label != ", ".join(group.top_terms[: len(group.label.split(", "))])


def test_an_emerging_label_is_not_a_list_of_loose_words() -> None:
    texts = [
        "horaires de la cantine, de la piscine et du gymnase pendant l'été",
        "la cantine, la piscine et le gymnase ferment trop tôt",
        "gymnase, piscine, cantine : qui gère les clés ?",
    ]
    result = group_needs(texts, [None] * len(texts), NAMES)
    (group,) = result.groups
    assert group.kind == "emerging" and group.label != ISOLATED_LABEL
    assert "," not in group.label and ":" not in group.label


_WORDS = [
    "cantine", "scolaire", "télétravail", "équipe", "budget", "participatif", "habitants",
    "données", "piscine", "de", "la", "12", "", "visio", "parc", "marché", "public",
]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(_WORDS), max_size=6).map(" ".join),
            st.sampled_from([None, None, "management_hybride", "participation_citoyenne"]),
        ),
        max_size=30,
    )
)
def test_every_need_with_content_words_is_in_exactly_one_group(
    needs: list[tuple[str, str | None]],
) -> None:
    texts = [t for t, _ in needs]
    themes = [theme for _, theme in needs]
    result = group_needs(texts, themes, NAMES)
    seen = [0] * len(texts)
    for group in result.groups:
        for i in group.member_indices:
            seen[i] += 1
        if group.kind != "emerging":
            assert all(themes[i] == group.theme for i in group.member_indices)
        else:
            assert all(themes[i] is None for i in group.member_indices)
    for i, text in enumerate(texts):
        has_words = bool(analyze(text))
        assert seen[i] == int(has_words)
        assert (result.assignments[i] == -1) == (not has_words)
    assert len({g.id for g in result.groups}) == len(result.groups)
    sizes = [g.size for g in result.groups]
    assert sizes == sorted(sizes, reverse=True)
    again = group_needs(texts, themes, NAMES, _previous(result))
    assert again.assignments == result.assignments  # same input, same ids


_BUDGET_DETAILS = [
    "le vote", "les projets lauréats", "le règlement", "la campagne", "les quartiers",
    "le dépôt des idées", "le calendrier", "les jeunes", "la communication", "le bilan",
    "les seniors", "les associations",
]  # fmt: skip
_LACKS = [
    "votants", "projets", "visibilité", "moyens", "bénévoles", "suivi", "transparence",
    "jeunes", "idées", "soutien", "relais", "animation",
]  # fmt: skip


def test_a_large_theme_with_two_separate_subjects_is_split_into_named_subgroups() -> None:
    budget = [f"budget participatif : comment organiser {d}" for d in _BUDGET_DETAILS]
    budget += [f"notre budget participatif manque de {x}" for x in _LACKS]
    urbanism = [
        f"concertation sur le plan local d'urbanisme : associer {d}" for d in _BUDGET_DETAILS
    ]
    urbanism += [f"réunions publiques d'urbanisme désertées par les {x}" for x in _LACKS]
    texts = budget + urbanism
    result = group_needs(texts, ["participation_citoyenne"] * len(texts), NAMES)
    name = NAMES["participation_citoyenne"]
    subgroups = [g for g in result.groups if g.kind == "subtheme"]
    assert len(subgroups) >= 2
    assert {g.kind for g in result.groups} <= {"subtheme", "theme"}
    assert all(g.theme == "participation_citoyenne" for g in result.groups)
    for group in subgroups:
        assert group.label.startswith(f"{name} — ")
        phrase = group.label.removeprefix(f"{name} — ").casefold()
        assert phrase and all(phrase in texts[i].casefold() for i in group.member_indices)
        sides = {i < len(budget) for i in group.member_indices}
        assert len(sides) == 1, group.label  # never mixes the two subjects
    assert {len(budget) > i for g in subgroups for i in g.member_indices} == {True, False}
    assert len({g.label for g in result.groups}) == len(result.groups)
    assert sorted(i for g in result.groups for i in g.member_indices) == list(range(len(texts)))
    grown = [*texts, "budget participatif : comment organiser la fête du quartier"]
    again = group_needs(grown, ["participation_citoyenne"] * len(grown), NAMES, _previous(result))
    assert {g.label: g.id for g in again.groups} == {g.label: g.id for g in result.groups}


def test_a_small_theme_is_never_split() -> None:
    texts = HYBRID * 5  # 15 needs: under the size where splitting is considered
    result = group_needs(texts, ["management_hybride"] * len(texts), NAMES)
    assert [g.kind for g in result.groups] == ["theme"]


def test_empty_input() -> None:
    result = group_needs([], [], NAMES)
    assert result.groups == () and result.assignments == ()
    assert group_needs(["", "le la"], [None, "facilitation"], NAMES).assignments == (-1, -1)


def test_state_round_trips_through_json() -> None:
    texts, themes = _themed()
    result = group_needs(texts + CANTEEN, themes + [None] * 3, NAMES)
    state = result.state()
    assert [PreviousGroup.from_dict(item).to_dict() for item in json.loads(json.dumps(state))] == (
        state
    )
    old_style = {"id": 7, "centroid": {"cantin": 1.0}}  # states of older runs had no kind
    assert PreviousGroup.from_dict(old_style).kind == "emerging"
