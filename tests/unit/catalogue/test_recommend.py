"""Training recommendations: rules a member and the catalogue team rely on."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.errors import CatalogueError
from catalogue.modules import Module, load_catalogue, module_from_dict
from catalogue.recommend import ModuleRecommender, audience_for, recommend_modules
from matching.profiles import Need

PILOTAGE = "Construire des tableaux de bord et des indicateurs de pilotage"


def _module(module_id: str, **overrides: Any) -> Module:
    record: dict[str, Any] = {
        "id": module_id,
        "title": "Piloter avec des indicateurs",
        "summary": "Choisir des indicateurs et construire des tableaux de bord pour décider.",
        "objectives": [PILOTAGE, "Présenter les chiffres aux élus"],
        "format": "hybride",
        "duration_hours": 7,
        "audience": ["agents"],
    }
    record.update(overrides)
    return module_from_dict(record)


@pytest.fixture(scope="module")
def catalogue() -> list[Module]:
    return [
        _module("pilotage-agents", audience=["agents"]),
        _module("pilotage-direction", audience=["direction"]),
        _module("pilotage-bretagne", audience=["agents"], region="Bretagne"),
        _module("pilotage-archive", status="archived"),
        _module("pilotage-brouillon", status="draft", source="incubator"),
        _module(
            "ecrire-clair",
            title="Écrire en langage clair",
            summary="Rendre les courriers et formulaires compréhensibles par les habitants.",
            objectives=["Réécrire un courrier administratif en langage clair"],
        ),
    ]


@pytest.fixture(scope="module")
def recommender(catalogue: list[Module]) -> ModuleRecommender:
    return ModuleRecommender().fit(catalogue)


NEED = Need(1, "je voudrais des tableaux de bord avec des indicateurs pour le pilotage")


@pytest.mark.parametrize(
    ("job_title", "role", "expected"),
    [
        ("DGS", "member", "direction"),
        ("Directrice générale adjointe (DGA)", "member", "direction"),
        ("Maire adjoint à la culture", "member", "elus"),
        ("Conseillère municipale déléguée", "member", "elus"),
        ("Adjoint administratif", "member", "agents"),
        ("Cheffe de service état civil", "member", "managers"),
        ("Responsable du pôle accueil", "member", "managers"),
        ("Chargée de mission innovation", "member", "agents"),
        ("", "member", "agents"),
    ],
)
def test_audience_rule(job_title: str, role: str, expected: str) -> None:
    assert audience_for(job_title, role) == expected


def test_direction_modules_come_first_for_a_dgs(recommender: ModuleRecommender) -> None:
    ids = [r.module_id for r in recommender.recommend([NEED], audience_hint="direction")]
    assert ids.index("pilotage-direction") < ids.index("pilotage-agents")
    ids = [r.module_id for r in recommender.recommend([NEED], audience_hint="agents")]
    assert ids.index("pilotage-agents") < ids.index("pilotage-direction")


def test_regional_modules_only_for_their_region(recommender: ModuleRecommender) -> None:
    elsewhere = [r.module_id for r in recommender.recommend([NEED], region="Occitanie")]
    nowhere = [r.module_id for r in recommender.recommend([NEED], region=None)]
    in_region = [r.module_id for r in recommender.recommend([NEED], region="Bretagne")]
    assert "pilotage-bretagne" not in elsewhere and "pilotage-bretagne" not in nowhere
    assert "pilotage-bretagne" in in_region


def test_followed_archived_and_draft_are_left_out(recommender: ModuleRecommender) -> None:
    ids = [r.module_id for r in recommender.recommend([NEED], followed={"pilotage-agents"})]
    assert "pilotage-agents" not in ids
    assert "pilotage-archive" not in ids and "pilotage-brouillon" not in ids
    assert "pilotage-direction" in ids


def test_reasons_cite_the_need_and_what_answers_it(recommender: ModuleRecommender) -> None:
    unrelated = Need(2, "zzz qqq")
    best = recommender.recommend([NEED, unrelated], limit=1)[0]
    assert best.reasons[0].startswith(f"Répond à votre besoin « {NEED.text} »")
    module = next(m for m in recommender.modules_ if m.id == best.module_id)
    assert any(f"« {part} »" in best.reasons[0] for part in (module.title, *module.objectives))
    assert best.matched_need_ids == (1,)
    assert not any(unrelated.text in reason for reason in best.reasons)


def test_a_need_about_plain_language_gets_the_writing_module(catalogue: list[Module]) -> None:
    need = Need(3, "nos courriers aux habitants sont incompréhensibles")
    assert recommend_modules([need], catalogue, limit=1)[0].module_id == "ecrire-clair"


def test_shipped_catalogue_answers_a_remote_management_situation() -> None:
    need = Need(4, "mes agents décrochent depuis qu'on alterne présentiel et télétravail")
    ids = [r.module_id for r in recommend_modules([need], load_catalogue(), limit=3)]
    assert "manager-equipe-hybride" in ids


def test_unfitted_or_wrong_audience_is_an_error(recommender: ModuleRecommender) -> None:
    with pytest.raises(CatalogueError):
        ModuleRecommender().recommend([NEED])
    with pytest.raises(CatalogueError):
        recommender.recommend([NEED], audience_hint="stagiaires")
    with pytest.raises(CatalogueError):
        ModuleRecommender().fit([])


@settings(max_examples=40, deadline=None)
@given(
    texts=st.lists(st.text(min_size=0, max_size=80), min_size=0, max_size=4),
    limit=st.integers(min_value=0, max_value=8),
    audience=st.sampled_from([None, "agents", "managers", "direction", "elus"]),
)
def test_any_needs_give_bounded_sorted_open_results(
    recommender: ModuleRecommender, texts: list[str], limit: int, audience: str | None
) -> None:
    needs = [Need(i, t) for i, t in enumerate(texts)]
    results = recommender.recommend(needs, audience_hint=audience, limit=limit)
    assert len(results) <= limit
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    closed = {"pilotage-archive", "pilotage-brouillon", "pilotage-bretagne"}
    assert not closed & {r.module_id for r in results}
    assert all(set(r.matched_need_ids) <= {n.id for n in needs} for r in results)


def test_remembered_relevance_rows_equal_fresh_ones() -> None:
    catalogue = load_catalogue()
    texts = [
        "mes agents décrochent depuis qu'on alterne bureau et maison",
        "les habitants ne viennent plus aux réunions publiques",
        "on ne sait pas mesurer si l'expérimentation a marché",
    ]
    warm = ModuleRecommender().fit(catalogue)
    warm.relevance(texts[:2])  # remembered
    rel, idx = warm.relevance(list(reversed(texts)))  # two remembered rows, one new
    fresh_rel, fresh_idx = ModuleRecommender().fit(catalogue).relevance(list(reversed(texts)))
    assert (rel == fresh_rel).all() and (idx == fresh_idx).all()
    assert rel.max() > 0
