"""Snapshots: a saved engine answers exactly like the built one, and bad files give None."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from matching.engine import MatchEngine
from matching.profiles import MemberProfile, Need
from matching.snapshot import load_engine, save_engine

TEXTS = (
    "management hybride, rituels d'équipe à distance",
    "animation d'ateliers participatifs et intelligence collective",
    "ouverture des données publiques et tableaux de bord",
    "mes agents décrochent depuis qu'on alterne présentiel et distanciel",
    "mobiliser les habitants du quartier autour du budget participatif",
    "piloter un projet de tiers-lieu avec le CCAS et l'EPCI",
)


def _people() -> list[MemberProfile]:
    people = []
    for i in range(1, 41):
        coach = i % 4 == 0
        people.append(
            MemberProfile(
                id=i,
                display_name=f"Membre {i}",
                role="coach" if coach else "member",
                organization=f"Mairie {i % 7}",
                organization_type=("commune", "departement", "entreprise")[i % 3],
                region=("Occitanie", "Bretagne", None)[i % 3],
                network_level=("local", "regional", "national")[i % 3],
                job_title="chargé de mission",
                bio=TEXTS[(i + 2) % len(TEXTS)],
                offers=(TEXTS[i % len(TEXTS)],),
                needs=() if coach else (Need(i * 10, TEXTS[(i + 3) % len(TEXTS)]),),
            )
        )
    return people


def _answers(engine: MatchEngine) -> list:
    out = []
    for p in engine.profiles():
        out.append(engine.mentors_for(p.id))
        out.append(engine.peers_for(p.id, exclude_organization=True))
        if p.is_coach:
            out.append(engine.suggestions_for_coach(p.id))
    return out


@pytest.fixture
def engine() -> MatchEngine:
    built = MatchEngine().build(_people())
    built.upsert(dataclasses.replace(built.profile(5), offers=(TEXTS[2],)))
    built.remove(7)
    return built


def test_round_trip_answers_exactly_like_the_built_engine(
    engine: MatchEngine, tmp_path: Path
) -> None:
    save_engine(engine, tmp_path / "snap", {"version": 12})
    loaded = load_engine(tmp_path / "snap", {"version": 12})
    assert loaded is not None
    assert _answers(loaded) == _answers(engine)
    assert loaded.changes_since_fit == engine.changes_since_fit
    assert len(loaded) == len(engine) and 7 not in loaded


def test_a_loaded_engine_accepts_upserts(engine: MatchEngine, tmp_path: Path) -> None:
    save_engine(engine, tmp_path / "snap", {"version": 1})
    loaded = load_engine(tmp_path / "snap", {"version": 1})
    assert loaded is not None
    for e in (engine, loaded):
        e.upsert(dataclasses.replace(e.profile(2), needs=(Need(999, TEXTS[0]),)))
        e.remove(9)
    assert _answers(loaded) == _answers(engine)


def test_stale_metadata_or_fingerprint_gives_none(engine: MatchEngine, tmp_path: Path) -> None:
    target = save_engine(engine, tmp_path / "snap", {"version": 3})
    assert load_engine(target, {"version": 4}) is None
    meta = json.loads((target / "meta.json").read_text())
    meta["fingerprint"]["sklearn"] = "0.0"
    (target / "meta.json").write_text(json.dumps(meta))
    assert load_engine(target, {"version": 3}) is None
    assert load_engine(tmp_path / "absent", {}) is None


@pytest.mark.parametrize("name", ["needs.npz", "arrays.npz", "profiles.json", "vocab.json"])
def test_truncated_files_give_none(engine: MatchEngine, tmp_path: Path, name: str) -> None:
    target = save_engine(engine, tmp_path / "snap", {})
    data = (target / name).read_bytes()
    (target / name).write_bytes(data[: len(data) // 2])
    assert load_engine(target, {}) is None


class _Trap:
    def __reduce__(self) -> tuple:
        return (pytest.fail, ("a pickle in a snapshot was unpickled",))


def test_a_pickle_is_never_unpickled(engine: MatchEngine, tmp_path: Path) -> None:
    target = save_engine(engine, tmp_path / "snap", {})
    with np.load(target / "arrays.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["word_idf"] = np.array([_Trap()], dtype=object)
    np.savez(target / "arrays.npz", **arrays)  # object arrays are stored as pickles
    (target / "trap.pkl").write_bytes(pickle.dumps(_Trap()))
    assert load_engine(target, {}) is None


def test_saving_over_a_snapshot_replaces_it(engine: MatchEngine, tmp_path: Path) -> None:
    save_engine(engine, tmp_path / "snap", {"version": 1})
    save_engine(engine, tmp_path / "snap", {"version": 2})
    assert load_engine(tmp_path / "snap", {"version": 2}) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]
