"""Regions written any way a person types them come out in one spelling."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.reference import REGIONS, normalize_region


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@given(
    region=st.sampled_from(REGIONS),
    case=st.sampled_from([str.lower, str.upper, str.title, str]),
    accents=st.booleans(),
    dashes=st.booleans(),
)
def test_any_case_accent_or_dash_variant_normalises(
    region: str, case: object, accents: bool, dashes: bool
) -> None:
    variant = case(region)  # type: ignore[operator]
    if not accents:
        variant = _strip_accents(variant)
    if dashes:
        variant = variant.replace("-", " ")
    assert normalize_region(f"  {variant} ") == region


@pytest.mark.parametrize("value", ["Atlantide", "", "Bretagne Nord", "Occitanie; DROP TABLE"])
def test_unknown_regions_are_refused_with_the_accepted_list(value: str) -> None:
    with pytest.raises(ValueError, match="Occitanie"):
        normalize_region(value)
