"""Small hand-made profiles for the matching unit tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from matching.engine import MatchEngine
from matching.profiles import MemberProfile, Need

HYBRID_NEED = "mes agents décrochent depuis qu'on alterne présentiel et distanciel"
HYBRID_OFFER = "management hybride, rituels d'équipe à distance"
FACILITATION_OFFER = "animation d'ateliers participatifs et intelligence collective"
DATA_OFFER = "ouverture des données publiques et tableaux de bord"
UNRELATED_OFFER = "cours de poterie et de céramique"

ProfileFactory = Callable[..., MemberProfile]


@pytest.fixture
def make_profile() -> ProfileFactory:
    """Build a MemberProfile with short defaults; needs are given as plain strings."""

    def factory(member_id: int, *, needs: tuple[str, ...] = (), **kw: Any) -> MemberProfile:
        kw.setdefault("display_name", f"Membre {member_id}")
        return MemberProfile(
            id=member_id,
            needs=tuple(Need(member_id * 100 + k, t) for k, t in enumerate(needs)),
            **kw,
        )

    return factory


@pytest.fixture
def make_coach(make_profile: ProfileFactory) -> ProfileFactory:
    """A coach offering the given texts (default: hybrid management)."""

    def factory(member_id: int, *offers: str, **kw: Any) -> MemberProfile:
        kw.setdefault("role", "coach")
        kw.setdefault("organization_type", "entreprise")
        return make_profile(member_id, offers=offers or (HYBRID_OFFER,), **kw)

    return factory


@pytest.fixture
def hybrid_member(make_profile: ProfileFactory) -> MemberProfile:
    """A local member of Occitanie, from a commune, struggling with hybrid work."""
    return make_profile(
        1,
        needs=(HYBRID_NEED,),
        region="Occitanie",
        network_level="local",
        organization_type="commune",
        organization="Mairie d'Albi",
    )


@pytest.fixture
def distractors(make_coach: ProfileFactory) -> list[MemberProfile]:
    """Coaches on other themes, from another region."""
    return [
        make_coach(50, FACILITATION_OFFER, region="Bretagne"),
        make_coach(51, DATA_OFFER, region="Bretagne"),
        make_coach(52, UNRELATED_OFFER, region="Bretagne"),
    ]


@pytest.fixture
def build() -> Callable[..., MatchEngine]:
    """Build an engine on the given profiles."""

    def factory(*profiles: MemberProfile, **config: Any) -> MatchEngine:
        from matching.engine import MatchConfig

        return MatchEngine(MatchConfig(**config) if config else None).build(profiles)

    return factory
