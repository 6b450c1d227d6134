"""Module records and the catalogue loader: what an editor of the catalogue relies on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from catalogue.errors import CatalogueLoadError, InvalidModuleError
from catalogue.modules import (
    REGIONS,
    Module,
    load_catalogue,
    module_from_dict,
    module_to_dict,
)


def _record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "faciliter-ateliers",
        "title": "Faciliter des ateliers",
        "summary": "Concevoir et animer un atelier d'intelligence collective.",
        "objectives": ["Concevoir un déroulé", "Animer un groupe"],
        "format": "presentiel",
        "duration_hours": 7,
        "audience": ["agents", "managers"],
        "topics": ["facilitation"],
    }
    record.update(overrides)
    return record


def test_valid_record_round_trips() -> None:
    module = module_from_dict(_record(region="Bretagne"))
    assert module.status == "published" and module.source == "catalogue"
    assert module_from_dict(module_to_dict(module)) == module


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "Pas Un Slug"),
        ("format", "webinaire"),
        ("duration_hours", 0),
        ("audience", ["agents", "stagiaires"]),
        ("audience", []),
        ("region", "Bavière"),
        ("status", "en_cours"),
        ("source", "ailleurs"),
        ("objectives", []),
        ("title", "ab"),
    ],
)
def test_invalid_field_is_named(field: str, value: Any) -> None:
    with pytest.raises(InvalidModuleError) as info:
        module_from_dict(_record(**{field: value}))
    assert info.value.field == field


def test_missing_field_is_named() -> None:
    record = _record()
    del record["summary"]
    with pytest.raises(InvalidModuleError) as info:
        module_from_dict(record)
    assert info.value.field == "summary"


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(InvalidModuleError):
        module_from_dict(_record(theme="facilitation"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("audience", ["agents", "agents"]), ("objectives", ["Animer", "animer "])],
)
def test_duplicates_are_rejected_with_their_field(field: str, value: list[str]) -> None:
    with pytest.raises(InvalidModuleError) as info:
        module_from_dict(_record(**{field: value}))
    assert info.value.field == field


def test_fully_remote_module_cannot_be_regional() -> None:
    with pytest.raises(InvalidModuleError) as info:
        module_from_dict(_record(format="distanciel", region="Bretagne"))
    assert info.value.field == "region"
    with pytest.raises(ValueError, match="region"):
        Module(**{**_record(format="distanciel", region="Bretagne"), "objectives": ("Animer",)})


def test_loader_reports_every_invalid_entry_with_index(tmp_path: Path) -> None:
    records = [
        _record(id="un-module"),
        _record(id="deux-module", format="webinaire"),
        _record(id="un-module"),
        _record(id="quatre-module", duration_hours=-2),
    ]
    path = tmp_path / "modules.yaml"
    path.write_text(yaml.safe_dump({"modules": records}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueLoadError) as info:
        load_catalogue(path)
    found = {(e.index, e.field) for e in info.value.errors}
    assert found == {(1, "format"), (2, "id"), (3, "duration_hours")}
    assert "#1" in str(info.value) and "duration_hours" in str(info.value)


def test_loader_rejects_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("modules: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueLoadError):
        load_catalogue(path)
    with pytest.raises(CatalogueLoadError):
        load_catalogue(tmp_path / "absent.yaml")


def test_shipped_catalogue_is_valid_and_varied() -> None:
    modules = load_catalogue()
    assert len(modules) >= 25
    assert len({m.id for m in modules}) == len(modules)
    assert {m.format for m in modules} == {"presentiel", "distanciel", "hybride"}
    assert {a for m in modules for a in m.audience} == {"agents", "managers", "direction", "elus"}
    regional = [m for m in modules if m.region is not None]
    assert len(regional) >= 3 and all(m.region in REGIONS for m in regional)
