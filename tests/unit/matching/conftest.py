"""Small hand-made profiles and an index builder for the matching unit tests.

The fitted model, lexical encoder and featurizer are session fixtures of `tests/unit/conftest.py`.
Every sentence here is written for the tests, not copied from the labelled corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from matching.features import Featurizer
from matching.index import MemberIndex
from matching.profiles import MemberProfile, Need
from matching.scoring import MatchConfig

HYBRID_NEED = "mes agents décrochent depuis qu'on alterne présentiel et distanciel"
HYBRID_OFFER = "management hybride, rituels d'équipe à distance"
FACILITATION_OFFER = "animation d'ateliers participatifs et intelligence collective"
DATA_OFFER = "ouverture des données publiques et tableaux de bord"
UNRELATED_OFFER = "cours de poterie et de céramique"

ProfileFactory = Callable[..., MemberProfile]
Build = Callable[..., MemberIndex]


def make_member(member_id: int, *, needs: tuple[str, ...] = (), **kw: Any) -> MemberProfile:
    """A MemberProfile with short defaults; needs are plain strings (need id = 100 * id + k)."""
    kw.setdefault("display_name", f"Membre {member_id}")
    return MemberProfile(
        id=member_id,
        needs=tuple(Need(member_id * 100 + k, text) for k, text in enumerate(needs)),
        **kw,
    )


def make_coach_profile(member_id: int, *offers: str, **kw: Any) -> MemberProfile:
    """A coach of a company offering the given texts (default: hybrid management)."""
    kw.setdefault("role", "coach")
    kw.setdefault("organization_type", "entreprise")
    return make_member(member_id, offers=offers or (HYBRID_OFFER,), **kw)


def replace(profile: MemberProfile, **changes: Any) -> MemberProfile:
    """A copy of a profile with some fields changed (slots dataclasses have no __dict__)."""
    fields = {name: getattr(profile, name) for name in profile.__slots__}
    fields.update(changes)
    return MemberProfile(**fields)


@pytest.fixture
def make_profile() -> ProfileFactory:
    """Build a MemberProfile with short defaults; needs are given as plain strings."""
    return make_member


@pytest.fixture
def make_coach() -> ProfileFactory:
    """A coach offering the given texts (default: hybrid management)."""
    return make_coach_profile


@pytest.fixture
def hybrid_member() -> MemberProfile:
    """A local member of Occitanie, from a commune, struggling with hybrid work."""
    return make_member(
        1,
        needs=(HYBRID_NEED,),
        region="Occitanie",
        network_level="local",
        organization_type="commune",
        organization="Mairie d'Albi",
    )


@pytest.fixture
def distractors() -> list[MemberProfile]:
    """Coaches on other themes, from another region."""
    return [
        make_coach_profile(50, FACILITATION_OFFER, region="Bretagne"),
        make_coach_profile(51, DATA_OFFER, region="Bretagne"),
        make_coach_profile(52, UNRELATED_OFFER, region="Bretagne"),
    ]


@pytest.fixture(scope="session")
def build(featurizer: Featurizer) -> Build:
    """Build an index on the given profiles (keyword arguments override MatchConfig fields,
    the fusion ones included: the featurizer follows the configuration)."""

    def factory(*profiles: MemberProfile, **config: Any) -> MemberIndex:
        settings = MatchConfig(**config)
        fused = Featurizer(
            featurizer.model, featurizer.lexical, settings.theme_weight, settings.top_themes
        )
        return MemberIndex(fused, settings).build(profiles)

    return factory
