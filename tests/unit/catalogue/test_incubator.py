"""Incubator: coverage of demand clusters, proposals, contributors and adoption."""

from __future__ import annotations

import pytest

from catalogue.errors import InvalidProposalError
from catalogue.incubator import (
    DemandNeed,
    Proposal,
    assess_coverage,
    contributors,
    module_from_proposal,
    propose_modules,
)
from catalogue.modules import load_catalogue
from catalogue.recommend import ModuleRecommender
from matching.clustering import ClusteringResult, cluster_needs

ACHATS = [
    "nos marchés publics empêchent d'acheter quoi que ce soit de nouveau",
    "acheter une solution innovante quand on est soumis aux marchés publics",
    "les acheteurs refusent les marchés innovants par peur du juge",
    "sourcer des fournisseurs innovants avant de lancer un marché",
    "un cahier des charges de marché public qui laisse place à l'innovation",
]
TELETRAVAIL = [
    "mes agents décrochent depuis qu'on alterne présentiel et télétravail",
    "garder l'équipe soudée quand la moitié est en télétravail",
    "l'équipe ne se voit plus depuis le télétravail",
    "organiser les jours de présence sur site et de télétravail de l'équipe",
    "un agent en télétravail ne répond plus, l'équipe s'inquiète",
]
COACHES = [
    (1, "Claire Dumas", "coach", ["marchés innovants et sourcing des fournisseurs"]),
    (2, "Paul Petit", "trainer", ["poterie et céramique"]),
    (3, "Léa Roux", "member", ["achats publics innovants"]),
    (4, "Marc Lefèvre", "coach", ["management du télétravail"]),
]


@pytest.fixture(scope="module")
def recommender() -> ModuleRecommender:
    return ModuleRecommender().fit(load_catalogue())


@pytest.fixture(scope="module")
def demand() -> tuple[list[DemandNeed], ClusteringResult]:
    texts = ACHATS + TELETRAVAIL
    regions = ["Bretagne", "Occitanie", "Grand Est", "Bretagne", "Corse"] * 2
    needs = [DemandNeed(i, 100 + i, t, regions[i]) for i, t in enumerate(texts)]
    return needs, cluster_needs(texts, k_max=3)


def _cluster_of(result: ClusteringResult, index: int) -> object:
    return next(c for c in result.clusters if index in c.member_indices)


def test_uncovered_theme_gets_a_proposal_with_matching_contributors(
    demand: tuple[list[DemandNeed], ClusteringResult], recommender: ModuleRecommender
) -> None:
    needs, result = demand
    achats = _cluster_of(result, 0)
    proposals = propose_modules(result.clusters, needs, recommender, COACHES)
    mine = [p for p in proposals if p.cluster_id == achats.id]
    assert len(mine) == 1
    proposal = mine[0]
    assert 3 <= len(proposal.objectives) <= 4
    assert proposal.demand["members"] == 5
    assert proposal.demand["regions"] == ["Bretagne", "Corse", "Grand Est", "Occitanie"]
    assert proposal.format == "hybride"
    assert [c.member_id for c in proposal.contributors] == [1]
    assert "marchés innovants" in proposal.contributors[0].reasons[0]


def test_covered_theme_gets_no_proposal(
    demand: tuple[list[DemandNeed], ClusteringResult], recommender: ModuleRecommender
) -> None:
    needs, result = demand
    hybrid = _cluster_of(result, len(ACHATS))
    coverage = {c.cluster_id: c for c in assess_coverage(result.clusters, needs, recommender)}
    assert coverage[hybrid.id].covered
    assert coverage[hybrid.id].best_module_id == "manager-equipe-hybride"
    proposals = propose_modules(result.clusters, needs, recommender, COACHES)
    assert hybrid.id not in {p.cluster_id for p in proposals}


def test_too_little_demand_gets_no_proposal(
    demand: tuple[list[DemandNeed], ClusteringResult], recommender: ModuleRecommender
) -> None:
    needs, result = demand
    same_member = [DemandNeed(n.id, 7, n.text, n.region) for n in needs]
    assert propose_modules(result.clusters, same_member, recommender) == []


def test_contributors_are_coaches_or_trainers_whose_offers_match(
    demand: tuple[list[DemandNeed], ClusteringResult],
) -> None:
    _, result = demand
    found = contributors(_cluster_of(result, len(ACHATS)), COACHES)
    assert [c.member_id for c in found] == [4]
    assert all(c.reasons for c in found)


def test_adopting_a_proposal_makes_an_incubator_draft(
    demand: tuple[list[DemandNeed], ClusteringResult], recommender: ModuleRecommender
) -> None:
    needs, result = demand
    proposal = propose_modules(result.clusters, needs, recommender, COACHES)[0]
    module = module_from_proposal(proposal)
    assert module.status == "draft" and module.source == "incubator"
    assert module.objectives == proposal.objectives and not module.is_open
    assert module_from_proposal(proposal.to_dict()) == module


def test_incomplete_proposal_cannot_be_adopted() -> None:
    with pytest.raises(InvalidProposalError):
        module_from_proposal({"title": "Sans objectifs", "audience": ["agents"]})
    empty = Proposal(1, "Titre", (), ("agents",), "hybride", {"members": 3})
    with pytest.raises(InvalidProposalError):
        module_from_proposal(empty)
