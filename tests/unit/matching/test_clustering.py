"""Demand clusters: stable ids, size changes, readable labels, documented k range."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.clustering import ClusteringResult, PreviousCluster, cluster_needs
from matching.errors import InvalidInputError

DEVSET = Path(__file__).resolve().parents[2] / "data" / "devset_catalogue.json"
THEMES = {
    "teletravail": [
        "mes agents en télétravail décrochent de l'équipe",
        "garder le lien avec l'équipe en télétravail",
        "le télétravail isole les agents de l'équipe",
        "organiser les jours de télétravail de l'équipe",
        "une équipe en télétravail qui ne se voit plus",
        "réunir l'équipe malgré le télétravail",
    ],
    "budget": [
        "lancer un budget participatif avec les habitants",
        "les habitants votent le budget participatif",
        "un budget participatif pour les habitants du quartier",
        "associer les habitants au budget participatif",
        "le règlement du budget participatif des habitants",
        "faire voter les habitants sur un budget participatif",
    ],
    "courriers": [
        "nos courriers sont incompréhensibles pour les usagers",
        "simplifier les courriers envoyés aux usagers",
        "réécrire les courriers de relance aux usagers",
        "des courriers trop longs que les usagers ne lisent pas",
        "les usagers ne comprennent pas nos courriers",
        "des courriers clairs pour les usagers",
    ],
    "achats": [
        "nos marchés publics bloquent les achats innovants",
        "acheter une solution innovante dans un marché public",
        "les acheteurs ont peur des marchés innovants",
        "sourcer des fournisseurs pour un marché innovant",
        "un marché public pour des achats innovants",
        "intégrer l'innovation dans nos marchés publics",
    ],
}
TEXTS = [t for texts in THEMES.values() for t in texts]


@pytest.fixture(scope="module")
def first() -> ClusteringResult:
    return cluster_needs(TEXTS, k_max=8)


def test_separated_themes_are_found(first: ClusteringResult) -> None:
    assert first.k == len(THEMES)
    groups = {frozenset(c.member_indices) for c in first.clusters}
    expected = {frozenset(range(i * 6, i * 6 + 6)) for i in range(len(THEMES))}
    assert groups == expected
    assert len(first.assignments) == len(TEXTS)


def test_ids_stay_stable_after_one_new_need(first: ClusteringResult) -> None:
    previous = [PreviousCluster.from_dict(d) for d in json.loads(json.dumps(first.state()))]
    texts = [*TEXTS, "un budget participatif ouvert aux jeunes habitants"]
    second = cluster_needs(texts, previous, k_max=8)
    before = {frozenset(c.member_indices): c.id for c in first.clusters}
    for cluster in second.clusters:
        old = frozenset(i for i in cluster.member_indices if i < len(TEXTS))
        assert before[old] == cluster.id
    grown = next(c for c in second.clusters if len(TEXTS) in c.member_indices)
    assert grown.previous_size == 6 and grown.change == 1 and not grown.is_new
    assert second.disappeared == ()


def test_new_theme_gets_a_fresh_id(first: ClusteringResult) -> None:
    extra = [
        "réduire la facture énergétique des écoles",
        "la facture énergétique des gymnases explose",
        "baisser la facture énergétique des bâtiments",
        "suivre la facture énergétique des écoles",
        "une facture énergétique trop lourde pour la commune",
        "partager la facture énergétique entre services",
    ]
    second = cluster_needs([*TEXTS, *extra], [c.to_previous() for c in first.clusters], k_max=8)
    new = [c for c in second.clusters if c.is_new]
    assert len(new) == 1 and new[0].id > max(c.id for c in first.clusters)
    assert set(new[0].member_indices) == set(range(len(TEXTS), len(TEXTS) + 6))


def test_labels_are_readable_words_from_the_needs(first: ClusteringResult) -> None:
    vocabulary = {w for t in TEXTS for w in re.findall(r"[^\W\d_]+", t.lower())}
    for cluster in first.clusters:
        assert cluster.label and cluster.label[0].isupper()
        assert all(term in vocabulary for term in cluster.top_terms)
        assert len(cluster.top_terms) >= 2
    labels = " ".join(c.label.lower() for c in first.clusters)
    assert "télétravail" in labels and "courriers" in labels
    assert "teletravail" not in labels and "courri " not in labels


def test_k_is_chosen_within_the_documented_range() -> None:
    result = cluster_needs(TEXTS, k_min=2, k_max=5)
    assert 2 <= result.k <= 5
    assert set(result.k_scores) <= set(range(2, 6))
    small = cluster_needs(TEXTS[:10], k_max=40)
    assert small.k <= max(2, len(small.assignments) // 5)


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(InvalidInputError):
        cluster_needs(TEXTS, k_min=1)
    with pytest.raises(InvalidInputError):
        cluster_needs("une seule chaîne")  # type: ignore[arg-type]


def test_texts_without_content_words_are_not_clustered() -> None:
    result = cluster_needs(["", "le la les", *TEXTS[:12]], k_max=4)
    assert result.assignments[:2] == (-1, -1)
    assert sum(c.size for c in result.clusters) == 12


@settings(max_examples=10, deadline=None)
@given(
    st.lists(
        st.sampled_from([*TEXTS, "", "agents", "é", "DGS et CCAS", "l'équipe d'accueil"]),
        min_size=0,
        max_size=24,
    )
)
def test_every_clustered_text_belongs_to_exactly_one_cluster(texts: list[str]) -> None:
    result = cluster_needs(texts, k_max=4)
    members = [i for c in result.clusters for i in c.member_indices]
    assert len(members) == len(set(members))
    assert sorted(members) == [i for i, a in enumerate(result.assignments) if a != -1]
    assert len({c.id for c in result.clusters}) == len(result.clusters)
    json.dumps(result.state())


def test_realistic_needs_keep_their_clusters_after_one_new_need() -> None:
    data = json.loads(DEVSET.read_text(encoding="utf-8"))
    texts = [n["text"] for n in data["needs"] if n["split"] == "tune"]
    first = cluster_needs(texts)
    newcomer = next(n["text"] for n in data["needs"] if n["split"] == "test")
    second = cluster_needs([*texts, newcomer], [c.to_previous() for c in first.clusters])
    after = {c.id: set(c.member_indices) - {len(texts)} for c in second.clusters}
    kept = [
        c
        for c in first.clusters
        if len(set(c.member_indices) & after.get(c.id, set()))
        >= 0.8 * len(set(c.member_indices) | after.get(c.id, set()))
    ]
    assert len(kept) >= 0.8 * len(first.clusters)
    assert sum(c.size for c in second.clusters) == sum(c.size for c in first.clusters) + 1
