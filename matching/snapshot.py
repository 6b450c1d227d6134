"""Save a `MemberIndex` to a directory and load it back without encoding anything.

The format is safe to load: sparse matrices through ``scipy.sparse.save_npz``/``load_npz``,
dense arrays through ``numpy.savez`` read back with ``allow_pickle=False``, and JSON for
profiles and metadata. Nothing is pickled, so a tampered snapshot cannot run code.

Layout of a snapshot directory::

    meta.json      format version, fingerprint (featurizer, config), caller metadata
    profiles.json  the indexed profiles as plain dicts (needs as {"id", "text", "theme"})
    needs.npz      needs-side rows (CSR)      offers.npz   offers-side rows (CSR)
    groups.npz     both sides' row themes, group members and group starts

`load_index` returns None, after logging why, when the snapshot is missing, corrupt, written by
another format, another model or configuration, or when its caller metadata (e.g. the
change-log position of the database) differs from what the caller expects.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from matching.features import Featurizer
from matching.index import MemberIndex
from matching.profiles import MemberProfile, Need
from matching.rows import Block
from matching.scoring import MatchConfig

__all__ = ["FORMAT_VERSION", "fingerprint", "load_index", "read_metadata", "save_index"]

FORMAT_VERSION = 2
_LOG = logging.getLogger(__name__)
_FILES = ("meta.json", "profiles.json", "needs.npz", "offers.npz", "groups.npz")


def fingerprint(featurizer: Featurizer, config: MatchConfig) -> dict[str, Any]:
    """What a snapshot must agree with to be reused."""
    return {
        "format": FORMAT_VERSION,
        "featurizer": featurizer.fingerprint,
        "config": dataclasses.asdict(config),
    }


def save_index(index: MemberIndex, directory: Path, metadata: dict[str, Any]) -> None:
    """Write `index` to `directory`, replacing any previous snapshot atomically."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    needs, offers = index.blocks()
    staging = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=directory.parent))
    try:
        meta = {"fingerprint": fingerprint(index.featurizer, index.config), "metadata": metadata}
        (staging / "meta.json").write_text(json.dumps(meta), "utf-8")
        profiles = [_profile_to_dict(p) for p in index.profiles()]
        (staging / "profiles.json").write_text(json.dumps(profiles, ensure_ascii=False), "utf-8")
        sp.save_npz(staging / "needs.npz", needs.rows)
        sp.save_npz(staging / "offers.npz", offers.rows)
        np.savez(
            staging / "groups.npz",
            **{
                f"{side}_{name}": getattr(block, name)
                for side, block in (("needs", needs), ("offers", offers))
                for name in ("themes", "members", "starts")
            },
        )
        old = directory.with_name(directory.name + ".old")
        if directory.exists():
            shutil.rmtree(old, ignore_errors=True)
            os.replace(directory, old)
        os.replace(staging, directory)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_metadata(directory: Path) -> dict[str, Any] | None:
    """The caller metadata of a snapshot, or None when there is no readable snapshot."""
    try:
        meta = json.loads((Path(directory) / "meta.json").read_text("utf-8"))
        return dict(meta["metadata"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_index(
    directory: Path,
    featurizer: Featurizer,
    config: MatchConfig,
    expected: dict[str, Any] | None = None,
) -> MemberIndex | None:
    """The saved index, or None (logged) when it cannot be used as is."""
    directory = Path(directory)
    if not all((directory / name).is_file() for name in _FILES):
        return None
    try:
        meta = json.loads((directory / "meta.json").read_text("utf-8"))
        if meta.get("fingerprint") != fingerprint(featurizer, config):
            _LOG.info("index snapshot ignored: written by another model or configuration")
            return None
        if expected is not None and any(meta["metadata"].get(k) != v for k, v in expected.items()):
            _LOG.info("index snapshot ignored: it was taken at another point of the change log")
            return None
        profiles = [
            _profile_from_dict(p)
            for p in json.loads((directory / "profiles.json").read_text("utf-8"))
        ]
        groups = np.load(directory / "groups.npz", allow_pickle=False)
        blocks = [
            Block(
                sp.csr_matrix(sp.load_npz(directory / f"{side}.npz"), dtype=np.float32),
                groups[f"{side}_themes"].astype(np.int16),
                groups[f"{side}_members"].astype(np.int64),
                groups[f"{side}_starts"].astype(np.int64),
            )
            for side in ("needs", "offers")
        ]
        if any(b.rows.shape[1] != featurizer.n_features for b in blocks):
            raise ValueError("rows of another width")
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as error:
        _LOG.warning("index snapshot ignored: unreadable (%s)", error)
        return None
    index = MemberIndex(featurizer, config)
    index.restore(profiles, blocks[0], blocks[1])
    return index


def _profile_to_dict(profile: MemberProfile) -> dict[str, Any]:
    data = dataclasses.asdict(profile)
    data["offers"] = list(profile.offers)
    data["topics"] = list(profile.topics)
    return data


def _profile_from_dict(data: dict[str, Any]) -> MemberProfile:
    fields = dict(data)
    fields["needs"] = tuple(Need(**need) for need in fields.get("needs", ()))
    fields["offers"] = tuple(fields.get("offers", ()))
    fields["topics"] = tuple(fields.get("topics", ()))
    return MemberProfile(**fields)
