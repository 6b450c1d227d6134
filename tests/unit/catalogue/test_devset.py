"""The catalogue dev set stays usable: enough needs, honest splits, consistent labels."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from catalogue.modules import load_catalogue

DEVSET = Path(__file__).resolve().parents[2] / "data" / "devset_catalogue.json"
THEMES = {
    "management_hybride", "facilitation", "design_services", "conduite_changement",
    "participation_citoyenne", "donnees_publiques", "evaluation_experimentation",
    "communautes_pratique", "coaching_posture", "inclusion_numerique", "achats_innovants",
    "transition_ecologique", "qualite_vie_travail", "strategie_innovation", "langage_clair",
    "cooperation_territoriale",
}  # fmt: skip


def test_devset_has_enough_labelled_needs_in_both_splits() -> None:
    data = json.loads(DEVSET.read_text(encoding="utf-8"))
    needs = data["needs"]
    assert len(needs) >= 200
    assert len({n["id"] for n in needs}) == len(needs)
    assert {n["theme"] for n in needs} <= THEMES and len({n["theme"] for n in needs}) >= 14
    per_split = Counter((n["theme"], n["split"]) for n in needs)
    assert all(per_split[(t, s)] >= 3 for t in THEMES for s in ("tune", "test"))
    assert len({n["text"].casefold() for n in needs}) == len(needs)


def test_every_module_is_labelled_and_gaps_have_no_module() -> None:
    data = json.loads(DEVSET.read_text(encoding="utf-8"))
    labels = data["module_themes"]
    modules = load_catalogue()
    assert {m.id for m in modules} == set(labels)
    assert set(labels.values()) <= THEMES
    assert not set(data["themes_without_modules"]) & set(labels.values())
