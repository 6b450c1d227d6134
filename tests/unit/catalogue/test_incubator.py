"""Incubator: coverage of demand groups, proposals from the taxonomy, contributors, adoption."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from catalogue.errors import InvalidProposalError
from catalogue.incubator import (
    COVERAGE_THRESHOLD,
    MAX_CONTRIBUTORS,
    CoachOffer,
    Coverage,
    DemandNeed,
    Proposal,
    assess_coverage,
    contributors,
    module_from_proposal,
    propose_modules,
)
from catalogue.modules import load_catalogue, module_to_dict
from catalogue.recommend import ModuleRecommender
from matching.demand import DemandGroup, DemandResult, group_needs
from matching.features import Featurizer, RowText
from matching.index import MemberIndex
from matching.profiles import MemberProfile
from matching.scoring import MatchConfig
from matching.taxonomy import load_taxonomy

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
FETE = ["la fête du village manque de bénévoles", "trouver des bénévoles pour la fête du village"]
REGIONS = ["Bretagne", "Occitanie", "Grand Est", "Bretagne", "Corse"]
PEOPLE = [
    MemberProfile(
        id=1, display_name="Claire Dumas", role="coach",
        offers=("sourcing des fournisseurs et marchés publics innovants",
                "rédiger un cahier des charges d'achat innovant"),
    ),
    MemberProfile(id=2, display_name="Paul Petit", role="trainer",
                  offers=("cours de poterie et de céramique",)),
    MemberProfile(id=3, display_name="Léa Roux", role="member",
                  offers=("achats publics innovants et sourcing",)),
    MemberProfile(id=4, display_name="Marc Lefèvre", role="coach",
                  offers=("management d'équipes en télétravail",)),
    MemberProfile(id=5, display_name="Inès Diallo", role="trainer",
                  offers=("former les acheteurs publics aux achats innovants",)),
]  # fmt: skip


@dataclass(frozen=True)
class Demand:
    needs: list[DemandNeed]
    result: DemandResult
    coverage: list[Coverage]
    offers: list[CoachOffer]


def coach_offers(index: MemberIndex) -> list[CoachOffer]:
    """The coaches' offers with the theme the index read in each (as the service lists them)."""
    themes = index.featurizer.model.themes_
    out = []
    for profile in index.profiles():
        if profile.is_coach:
            rows, vectors = index.offer_vectors(profile.id)
            for row, column in zip(rows, vectors.themes.tolist(), strict=True):
                if row.kind == "offer":
                    theme = themes[column] if column >= 0 else None
                    out.append(
                        CoachOffer(profile.id, profile.display_name, profile.role, row.text, theme)
                    )
    return out


def _demand(
    featurizer: Featurizer, recommender: ModuleRecommender, needs: list[DemandNeed]
) -> Demand:
    encoded = featurizer.encode(
        [RowText("need", n.text, n.id) for n in needs], [1.0] * len(needs), [None] * len(needs)
    )
    model = featurizer.model
    themes = [model.themes_[c] if c >= 0 else None for c in encoded.themes.tolist()]
    result = group_needs([n.text for n in needs], themes, model.names_)
    coverage = assess_coverage(result.groups, needs, encoded.rows, recommender)
    index = MemberIndex(featurizer, MatchConfig()).build(PEOPLE)
    return Demand(needs, result, coverage, coach_offers(index))


@pytest.fixture(scope="module")
def recommender(featurizer: Featurizer) -> ModuleRecommender:
    return ModuleRecommender(featurizer).fit(load_catalogue())


@pytest.fixture(scope="module")
def demand(featurizer: Featurizer, recommender: ModuleRecommender) -> Demand:
    texts = ACHATS + TELETRAVAIL + FETE
    regions = REGIONS * 2 + [None, None]
    audiences = ["agents", "managers", "agents", "direction", "agents"] * 2 + ["agents"] * 2
    needs = [DemandNeed(i, 100 + i, text, regions[i], audiences[i]) for i, text in enumerate(texts)]
    return _demand(featurizer, recommender, needs)


def _theme_group(demand: Demand, theme: str) -> DemandGroup:
    return next(g for g in demand.result.groups if g.theme == theme)


def test_the_needs_are_read_in_their_themes(demand: Demand) -> None:
    achats = _theme_group(demand, "achats_innovants")
    hybrid = _theme_group(demand, "management_hybride")
    assert achats.member_indices == (0, 1, 2, 3, 4)  # precondition of what follows
    assert hybrid.member_indices == (5, 6, 7, 8, 9)


def test_an_uncovered_theme_with_demand_gets_one_proposal_from_the_taxonomy(
    demand: Demand,
) -> None:
    achats = _theme_group(demand, "achats_innovants")
    coverage = {c.cluster_id: c for c in demand.coverage}
    assert not coverage[achats.id].covered
    taxonomy = load_taxonomy()
    proposals = propose_modules(
        demand.result.groups, demand.coverage, demand.needs, taxonomy, demand.offers
    )
    mine = [p for p in proposals if p.theme == "achats_innovants"]
    assert len(mine) == 1
    proposal, theme = mine[0], taxonomy.theme("achats_innovants")
    assert proposal.cluster_id == achats.id
    assert proposal.title.startswith(theme.name)
    assert proposal.objectives == theme.objectives[:5] and len(proposal.objectives) >= 3
    assert proposal.topics[0] == theme.name
    assert proposal.demand == {
        "members": 5,
        "needs": 5,
        "regions": ["Bretagne", "Corse", "Grand Est", "Occitanie"],
    }
    assert proposal.format == "hybride"  # members from several regions
    assert proposal.audience[0] == "agents"
    assert [c.member_id for c in proposal.contributors] == [1, 5]  # most offers first
    assert all(c.role in ("coach", "trainer") for c in proposal.contributors)
    assert all(f"(thème : {theme.name})" in r for c in proposal.contributors for r in c.reasons)
    assert "sourcing des fournisseurs" in proposal.contributors[0].reasons[0]
    assert all(p.theme is not None for p in proposals)  # emerging groups get none


def test_a_covered_theme_gets_no_proposal(demand: Demand, recommender: ModuleRecommender) -> None:
    hybrid = _theme_group(demand, "management_hybride")
    coverage = {c.cluster_id: c for c in demand.coverage}[hybrid.id]
    assert coverage.covered and coverage.members == 5 and coverage.size == 5
    in_theme = {
        m.id
        for m, themes in zip(recommender.modules_, recommender.module_themes_, strict=True)
        if "management_hybride" in themes and m.is_open
    }
    assert coverage.best_module_id in in_theme
    assert coverage.best_module_id == "manager-equipe-hybride"
    proposals = propose_modules(
        demand.result.groups, demand.coverage, demand.needs, load_taxonomy(), demand.offers
    )
    assert "management_hybride" not in {p.theme for p in proposals}


def test_an_emerging_group_is_covered_only_by_a_close_enough_module(demand: Demand) -> None:
    emerging = [g for g in demand.result.groups if g.kind == "emerging"]
    assert emerging  # the village fête
    for group in emerging:
        coverage = {c.cluster_id: c for c in demand.coverage}[group.id]
        assert coverage.covered == (coverage.similarity >= COVERAGE_THRESHOLD)
        assert not coverage.covered


def test_too_little_demand_gets_no_proposal(
    featurizer: Featurizer, recommender: ModuleRecommender
) -> None:
    two_members = [DemandNeed(i, 100 + i % 2, text, "Bretagne") for i, text in enumerate(ACHATS)]
    demand = _demand(featurizer, recommender, two_members)
    taxonomy = load_taxonomy()
    assert propose_modules(demand.result.groups, demand.coverage, two_members, taxonomy) == []
    lowered = propose_modules(
        demand.result.groups, demand.coverage, two_members, taxonomy, min_members=2
    )
    assert [p.theme for p in lowered] == ["achats_innovants"]
    assert lowered[0].format == "presentiel"  # one region only


def test_contributors_are_coaches_and_trainers_of_the_theme() -> None:
    offers = [
        CoachOffer(1, "Claire", "coach", "sourcing", "achats_innovants"),
        CoachOffer(2, "Paul", "trainer", "poterie", None),
        CoachOffer(3, "Léa", "member", "achats innovants", "achats_innovants"),
        CoachOffer(4, "Marc", "coach", "télétravail", "management_hybride"),
        *[CoachOffer(5, "Inès", "trainer", f"achat n°{k}", "achats_innovants") for k in range(3)],
        *[CoachOffer(10 + k, f"C{k}", "coach", "marchés", "achats_innovants") for k in range(6)],
    ]
    found = contributors("achats_innovants", "Achats publics innovants", offers)
    assert len(found) == MAX_CONTRIBUTORS
    assert [c.member_id for c in found][:1] == [5]  # three offers in the theme
    assert not {2, 3, 4} & {c.member_id for c in found}
    assert found[0].reasons == (
        "Propose « achat n°0 » (thème : Achats publics innovants)",
        "Propose « achat n°1 » (thème : Achats publics innovants)",
    )
    assert contributors("facilitation", "Facilitation", offers) == []


def test_adopting_a_proposal_makes_an_incubator_draft(demand: Demand) -> None:
    proposal = propose_modules(
        demand.result.groups, demand.coverage, demand.needs, load_taxonomy(), demand.offers
    )[0]
    module = module_from_proposal(proposal)
    assert module.status == "draft" and module.source == "incubator" and not module.is_open
    assert module.title == proposal.title
    assert module.objectives == proposal.objectives
    assert module.audience == proposal.audience and module.format == proposal.format
    assert module_from_proposal(proposal.to_dict()) == module
    assert module_to_dict(module)["status"] == "draft"


@pytest.mark.parametrize("theme_id", load_taxonomy().ids)
def test_a_proposal_for_any_theme_can_be_adopted(theme_id: str) -> None:
    taxonomy = load_taxonomy()
    group = DemandGroup(7, "theme", theme_id, taxonomy.name(theme_id), (), (0, 1, 2), {})
    needs = [DemandNeed(i, 100 + i, "un besoin", None, "elus") for i in range(3)]
    coverage = [Coverage(7, group.label, 3, 3, None, None, 0.0, False)]
    (proposal,) = propose_modules([group], coverage, needs, taxonomy)
    module = module_from_proposal(proposal, duration_hours=14)
    assert module.title.startswith(taxonomy.name(theme_id))
    assert module.audience == ("elus",) and module.duration_hours == 14


def test_an_incomplete_proposal_cannot_be_adopted() -> None:
    with pytest.raises(InvalidProposalError):
        module_from_proposal({"title": "Sans objectifs", "audience": ["agents"]})
    empty = Proposal(1, "facilitation", "Titre", (), ("agents",), "hybride", {"members": 3})
    with pytest.raises(InvalidProposalError):
        module_from_proposal(empty)
