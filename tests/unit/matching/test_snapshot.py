"""Index snapshots: a restart answers like a rebuild, and a bad snapshot is only ever skipped."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from matching.features import Featurizer
from matching.index import MemberIndex
from matching.lexical import LexicalEncoder
from matching.profiles import MemberProfile, Need
from matching.scoring import MatchConfig
from matching.snapshot import FORMAT_VERSION, load_index, read_metadata, save_index
from matching.themes import ThemeModel
from tests.unit.matching.conftest import (
    FACILITATION_OFFER,
    HYBRID_NEED,
    HYBRID_OFFER,
    make_coach_profile,
    make_member,
    replace,
)
from tests.unit.matching.test_index import PEOPLE, _answers

METADATA = {"version": 42, "anchor": "2026-11-29T10:00:00", "holes": [40]}
FILES = ("meta.json", "profiles.json", "needs.npz", "offers.npz", "groups.npz")


@pytest.fixture
def config() -> MatchConfig:
    return MatchConfig()


@pytest.fixture
def built(featurizer: Featurizer, config: MatchConfig) -> MemberIndex:
    corrected = make_member(30, needs=(HYBRID_NEED,))
    corrected = replace(corrected, needs=(Need(3000, HYBRID_NEED, "facilitation"),))
    return MemberIndex(featurizer, config).build([*PEOPLE, corrected])


@pytest.fixture
def saved(tmp_path: Path, built: MemberIndex) -> Path:
    directory = tmp_path / "snapshot"
    save_index(built, directory, METADATA)
    return directory


def _load(directory: Path, featurizer: Featurizer, config: MatchConfig) -> MemberIndex | None:
    return load_index(directory, featurizer, config, {"version": 42})


def test_a_loaded_index_answers_exactly_like_the_built_one(
    saved: Path, built: MemberIndex, featurizer: Featurizer, config: MatchConfig
) -> None:
    loaded = _load(saved, featurizer, config)
    assert loaded is not None
    assert sorted(p.id for p in loaded.profiles()) == sorted(p.id for p in built.profiles())
    assert {p.id: p for p in loaded.profiles()} == {p.id: p for p in built.profiles()}
    assert loaded.profile(30).needs[0].theme == "facilitation"  # corrections survive
    assert _answers(loaded) == _answers(built)
    assert read_metadata(saved) == METADATA


def test_a_snapshot_taken_after_updates_keeps_them(
    tmp_path: Path, built: MemberIndex, featurizer: Featurizer, config: MatchConfig
) -> None:
    built.upsert_many([make_coach_profile(40, FACILITATION_OFFER)])
    built.remove(12)
    save_index(built, tmp_path / "s", METADATA)
    loaded = _load(tmp_path / "s", featurizer, config)
    assert loaded is not None and 40 in loaded and 12 not in loaded
    assert _answers(loaded) == _answers(built)


def test_a_loaded_index_accepts_updates(
    saved: Path, featurizer: Featurizer, config: MatchConfig
) -> None:
    loaded = _load(saved, featurizer, config)
    assert loaded is not None
    newcomer = make_coach_profile(41, "rituels d'équipe pour des agents en distanciel")
    loaded.upsert_many([newcomer])
    loaded.upsert_many([replace(loaded.profile(1), needs=(Need(100, HYBRID_NEED),))])
    loaded.remove(10)
    assert 41 in [m.member_id for m in loaded.mentors_for(1)]
    fresh = MemberIndex(featurizer, config).build(loaded.profiles())
    assert _answers(loaded) == _answers(fresh)


def test_saving_again_replaces_the_snapshot(
    saved: Path, built: MemberIndex, featurizer: Featurizer, config: MatchConfig
) -> None:
    built.upsert_many([make_member(50, needs=("ouvrir nos données",))])
    save_index(built, saved, {**METADATA, "version": 43})
    assert read_metadata(saved)["version"] == 43
    loaded = load_index(saved, featurizer, config, {"version": 43})
    assert loaded is not None and 50 in loaded
    assert sorted(p.name for p in saved.parent.iterdir()) == ["snapshot"]  # no leftovers


# ------------------------------------------------------------------------ never reused
def test_another_model_or_configuration_is_not_reused(
    saved: Path,
    featurizer: Featurizer,
    config: MatchConfig,
    theme_model: ThemeModel,
    lexical: LexicalEncoder,
) -> None:
    other_weight = Featurizer(theme_model, lexical, featurizer.theme_weight / 2, 3)
    assert load_index(saved, other_weight, config) is None
    other_top = Featurizer(theme_model, lexical, featurizer.theme_weight, 5)
    assert load_index(saved, other_top, config) is None
    assert load_index(saved, featurizer, MatchConfig(help_threshold=0.3)) is None
    assert load_index(saved, featurizer, config) is not None  # no expectation: reused


def test_another_point_of_the_change_log_is_not_reused(
    saved: Path, featurizer: Featurizer, config: MatchConfig
) -> None:
    assert load_index(saved, featurizer, config, {"version": 41}) is None
    assert load_index(saved, featurizer, config, {"version": 42, "anchor": "x"}) is None
    assert load_index(saved, featurizer, config, {"missing": 1}) is None
    assert load_index(saved, featurizer, config, METADATA) is not None


def test_another_format_is_not_reused(
    saved: Path, featurizer: Featurizer, config: MatchConfig
) -> None:
    meta = json.loads((saved / "meta.json").read_text("utf-8"))
    meta["fingerprint"]["format"] = FORMAT_VERSION + 1
    (saved / "meta.json").write_text(json.dumps(meta), "utf-8")
    assert _load(saved, featurizer, config) is None


def test_a_missing_snapshot_or_file_is_none(
    tmp_path: Path, saved: Path, featurizer: Featurizer, config: MatchConfig
) -> None:
    assert _load(tmp_path / "nowhere", featurizer, config) is None
    assert read_metadata(tmp_path / "nowhere") is None
    for name in FILES:
        copy = tmp_path / f"without-{name}"
        shutil.copytree(saved, copy)
        (copy / name).unlink()
        assert _load(copy, featurizer, config) is None, name


def _truncate(directory: Path, copy: Path, name: str, share: float) -> Path:
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(directory, copy)
    data = (copy / name).read_bytes()
    (copy / name).write_bytes(data[: int(len(data) * share)])
    return copy


@pytest.mark.parametrize("name", ["meta.json", "profiles.json"])
@pytest.mark.parametrize("share", [0.0, 0.5, 0.9])
def test_a_truncated_json_file_is_none(
    tmp_path: Path,
    saved: Path,
    featurizer: Featurizer,
    config: MatchConfig,
    name: str,
    share: float,
) -> None:
    copy = _truncate(saved, tmp_path / "truncated", name, share)
    assert _load(copy, featurizer, config) is None


def test_a_truncated_array_file_is_none(
    tmp_path: Path, saved: Path, featurizer: Featurizer, config: MatchConfig
) -> None:
    for name in ("needs.npz", "offers.npz", "groups.npz"):
        for share in (0.0, 0.5, 0.9):
            copy = _truncate(saved, tmp_path / "truncated", name, share)
            assert _load(copy, featurizer, config) is None, (name, share)


def test_rows_of_another_width_are_none(
    tmp_path: Path, saved: Path, featurizer: Featurizer, config: MatchConfig
) -> None:
    rows = sp.load_npz(saved / "needs.npz")
    sp.save_npz(saved / "needs.npz", sp.csr_matrix(rows[:, :-5]))
    assert _load(saved, featurizer, config) is None


class _Trap:
    """Unpickling it would create a file: proof that a pickle was loaded."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.path,))


def test_a_pickle_is_never_unpickled(
    tmp_path: Path, saved: Path, featurizer: Featurizer, config: MatchConfig
) -> None:
    sprung = tmp_path / "sprung"
    groups = dict(np.load(saved / "groups.npz"))
    groups["needs_themes"] = np.array([_Trap(sprung)], dtype=object)
    np.savez(saved / "groups.npz", **groups)  # an object array: stored as a pickle
    assert _load(saved, featurizer, config) is None
    (saved / "offers.npz").write_bytes(pickle.dumps(_Trap(sprung)))  # a bare pickle file
    assert _load(saved, featurizer, config) is None
    assert not sprung.exists()


def test_profiles_survive_with_every_field(
    tmp_path: Path, featurizer: Featurizer, config: MatchConfig
) -> None:
    profile = MemberProfile(
        id=9,
        display_name="Élodie « Lo » Martin",
        role="trainer",
        organization="CD 31",
        organization_type="departement",
        region="Occitanie",
        network_level="regional",
        job_title="Formatrice",
        bio="Vingt ans d'expérience.",
        offers=(HYBRID_OFFER,),
        needs=(Need(900, HYBRID_NEED, "management_hybride"),),
        topics=("télétravail",),
        capacity=3,
        peer_exchange=False,
        available=False,
    )
    index = MemberIndex(featurizer, config).build([profile])
    save_index(index, tmp_path / "s", {})
    loaded = load_index(tmp_path / "s", featurizer, config, {})
    assert loaded is not None and loaded.profiles() == [profile]
