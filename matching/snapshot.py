"""Save a built `MatchEngine` to a directory and load it back without refitting.

The format is safe to load: sparse matrices through ``scipy.sparse.save_npz``/``load_npz``, dense
arrays through ``numpy.savez`` read back with ``allow_pickle=False``, and JSON for vocabularies,
profiles and metadata. Nothing is pickled, so a tampered snapshot cannot run code.

Layout of a snapshot directory::

    meta.json      format version, fingerprint, caller metadata, config, encoder parameters
    profiles.json  the indexed profiles as plain dicts (needs as {"id", "text"})
    vocab.json     word and character vocabularies (term -> column)
    arrays.npz     idf vectors, row owners and row weights
    needs.npz      needs-side rows (CSR)      offers.npz   offers-side rows (CSR)

`load_engine` returns None, after logging why, when the snapshot is missing, corrupt, written by
another format/configuration/thesaurus/scikit-learn, or when its caller metadata (e.g. the
change-log version of the database) differs from what the caller expects.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import sklearn

from matching.engine import MatchEngine
from matching.features import TextEncoder, ThesaurusVectorizer, load_thesaurus
from matching.profiles import MemberProfile, Need
from matching.scoring import MatchConfig
from matching.stacks import RowStore
from matching.text import make_char_vectorizer, make_word_vectorizer

__all__ = ["FORMAT_VERSION", "fingerprint", "load_engine", "read_metadata", "save_engine"]

FORMAT_VERSION = 1
_LOG = logging.getLogger(__name__)
_FILES = ("meta.json", "profiles.json", "vocab.json", "arrays.npz", "needs.npz", "offers.npz")


def fingerprint(config: MatchConfig, thesaurus: Any = None) -> dict[str, Any]:
    """What a snapshot must agree with to be reused: format, config, thesaurus, scikit-learn."""
    themes = load_thesaurus() if thesaurus is None else thesaurus
    canonical = json.dumps({k: list(v) for k, v in themes.items()}, sort_keys=True)
    return {
        "format": FORMAT_VERSION,
        "config": dataclasses.asdict(config),
        "thesaurus_sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        "sklearn": sklearn.__version__,
    }


def save_engine(engine: MatchEngine, directory: str | Path, metadata: dict[str, Any]) -> Path:
    """Write `engine` to `directory` atomically (temporary sibling, then rename); return it."""
    encoder, needs, offers = engine.state()
    if encoder.svd_ is not None:
        raise ValueError("snapshots do not support the LSA block (lsa_weight > 0)")
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _write(engine, encoder, needs, offers, tmp, metadata)
        if target.exists():  # swap: the old snapshot is moved aside, then removed
            old = target.with_name(f".{target.name}.old.{os.getpid()}")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _write(
    engine: MatchEngine,
    encoder: TextEncoder,
    needs: RowStore,
    offers: RowStore,
    out: Path,
    metadata: dict[str, Any],
) -> None:
    meta = {
        "fingerprint": fingerprint(engine.config, encoder.thesaurus),
        "metadata": metadata,
        "encoder": {k: v for k, v in encoder.get_params().items() if k != "thesaurus"},
        "thesaurus": None if encoder.thesaurus is None else dict(encoder.thesaurus),
        "n_features_out": int(encoder.n_features_out_),
        "changes_since_fit": engine.changes_since_fit,
    }
    profiles = [dataclasses.asdict(p) for p in engine.profiles()]
    vocab = {"word": _vocabulary(encoder.word_), "char": _vocabulary(encoder.char_)}
    arrays: dict[str, np.ndarray] = {"word_idf": encoder.word_.idf_}
    if encoder.char_ is not None:
        arrays["char_idf"] = encoder.char_.idf_
    for side, store in (("needs", needs), ("offers", offers)):
        matrix, owners, weights = store.consolidated()
        sp.save_npz(out / f"{side}.npz", matrix, compressed=False)
        arrays[f"{side}_owners"], arrays[f"{side}_weights"] = owners, weights
    np.savez(out / "arrays.npz", **arrays)
    for name, payload in (("profiles.json", profiles), ("vocab.json", vocab), ("meta.json", meta)):
        (out / name).write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def _vocabulary(vectorizer: Any) -> dict[str, int] | None:
    if vectorizer is None:
        return None
    return {term: int(col) for term, col in vectorizer.vocabulary_.items()}


def read_metadata(directory: str | Path) -> dict[str, Any] | None:
    """The caller metadata saved with a snapshot (cheap: reads meta.json only), or None."""
    try:
        meta = json.loads((Path(directory) / "meta.json").read_text(encoding="utf-8"))
        metadata = meta["metadata"]
        return metadata if isinstance(metadata, dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_engine(directory: str | Path, expected: dict[str, Any]) -> MatchEngine | None:
    """The engine saved in `directory`, or None (logged) if stale, mismatched or unreadable.

    `expected` is compared key by key with the metadata given to `save_engine`.
    """
    source = Path(directory)
    try:
        missing = [name for name in _FILES if not (source / name).is_file()]
        if missing:
            _LOG.info("no usable snapshot in %s: missing %s", source, ", ".join(missing))
            return None
        meta = json.loads((source / "meta.json").read_text(encoding="utf-8"))
        config = MatchConfig(**meta["fingerprint"]["config"])
        if meta["fingerprint"] != fingerprint(config, meta["thesaurus"]):
            _LOG.info("snapshot %s is stale: fingerprint differs", source)
            return None
        saved = meta["metadata"]
        stale = sorted(k for k, v in expected.items() if saved.get(k) != v)
        if stale:
            _LOG.info("snapshot %s is stale: metadata differs on %s", source, ", ".join(stale))
            return None
        return _read(source, meta, config)
    except Exception as exc:  # corrupt or foreign files: fall back to a build
        _LOG.warning("snapshot %s could not be loaded: %s: %s", source, type(exc).__name__, exc)
        return None


def _read(source: Path, meta: dict[str, Any], config: MatchConfig) -> MatchEngine:
    vocab = json.loads((source / "vocab.json").read_text(encoding="utf-8"))
    with np.load(source / "arrays.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    thesaurus = meta["thesaurus"]
    encoder = TextEncoder(**meta["encoder"], thesaurus=thesaurus)
    encoder.word_ = _vectorizer(make_word_vectorizer(), vocab["word"], arrays["word_idf"])
    encoder.char_ = None
    if vocab["char"] is not None:
        encoder.char_ = _vectorizer(make_char_vectorizer(), vocab["char"], arrays["char_idf"])
    encoder.thesaurus_ = None
    if encoder.thesaurus_weight > 0:
        encoder.thesaurus_ = ThesaurusVectorizer(thesaurus).fit([])
    encoder.svd_ = None
    encoder.n_features_out_ = int(meta["n_features_out"])
    stores = []
    for side in ("needs", "offers"):
        matrix = sp.csr_matrix(sp.load_npz(source / f"{side}.npz"))
        owners, weights = arrays[f"{side}_owners"], arrays[f"{side}_weights"]
        if matrix.shape != (owners.size, encoder.n_features_out_) or weights.size != owners.size:
            raise ValueError(f"{side}: matrix and row arrays disagree")
        stores.append(RowStore(matrix, owners.astype(np.int64), weights.astype(np.float64)))
    raw = json.loads((source / "profiles.json").read_text(encoding="utf-8"))
    profiles = [_profile(item) for item in raw]
    changes = int(meta.get("changes_since_fit", 0))
    return MatchEngine.restore(config, encoder, profiles, stores[0], stores[1], changes)


def _vectorizer(vectorizer: Any, vocabulary: dict[str, int], idf: np.ndarray) -> Any:
    """A fresh TF-IDF vectorizer given its fitted vocabulary and idf (what transform reads)."""
    if len(vocabulary) != idf.size or sorted(vocabulary.values()) != list(range(idf.size)):
        raise ValueError("vocabulary and idf disagree")
    vectorizer.vocabulary_ = dict(vocabulary)
    vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
    return vectorizer


def _profile(item: dict[str, Any]) -> MemberProfile:
    fields = dict(item)
    fields["needs"] = tuple(Need(**need) for need in fields.get("needs", ()))
    fields["offers"] = tuple(fields.get("offers", ()))
    fields["topics"] = tuple(fields.get("topics", ()))
    return MemberProfile(**fields)
