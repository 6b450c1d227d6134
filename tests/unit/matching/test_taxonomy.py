"""The taxonomy and the labelled corpus: the data the theme model and the incubator stand on."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tomllib
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from matching.errors import InvalidInputError
from matching.taxonomy import (
    GUARD_SHARE,
    OFF_TOPIC,
    OFF_TOPIC_NAME,
    Example,
    corpus_fingerprint,
    in_guard_split,
    load_corpus,
    load_taxonomy,
    parse_taxonomy,
)

ROOT = Path(__file__).resolve().parents[3]
MATCHING = ROOT / "matching"


def _corpus_lines() -> list[dict[str, Any]]:
    folder = resources.files("matching").joinpath("data", "corpus")
    return [
        json.loads(line)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".jsonl")
        for line in entry.read_text("utf-8").splitlines()
        if line.strip()
    ]


def _raw_taxonomy() -> dict[str, Any]:
    return json.loads((MATCHING / "data" / "taxonomy.json").read_text("utf-8"))


# ------------------------------------------------------------------------------ taxonomy
def test_taxonomy_has_enough_fully_described_themes() -> None:
    taxonomy = load_taxonomy()
    assert len(taxonomy.themes) >= 24
    assert len(set(taxonomy.ids)) == len(taxonomy.ids)
    assert OFF_TOPIC not in taxonomy.ids
    families = {f.id for f in taxonomy.families}
    for theme in taxonomy.themes:
        assert theme.family in families, theme.id
        assert len(theme.name) >= 5 and len(theme.description) >= 60, theme.id
        assert 3 <= len(theme.objectives) <= 5, theme.id
        assert len(theme.methods) >= 3 and len(theme.vocabulary) >= 10, theme.id
        assert len({o.casefold() for o in theme.objectives}) == len(theme.objectives), theme.id
    assert len({t.name.casefold() for t in taxonomy.themes}) == len(taxonomy.themes)
    assert {t.family for t in taxonomy.themes} == families  # no empty family


def test_theme_names_and_unknown_ids() -> None:
    taxonomy = load_taxonomy()
    first = taxonomy.themes[0]
    assert taxonomy.theme(first.id) is first
    assert taxonomy.name(first.id) == first.name
    assert taxonomy.name(OFF_TOPIC) == OFF_TOPIC_NAME == "Hors thèmes"
    with pytest.raises(InvalidInputError):
        taxonomy.theme("no_such_theme")
    with pytest.raises(InvalidInputError):
        taxonomy.name("no_such_theme")


def _with_first_theme(**changes: Any) -> dict[str, Any]:
    data = _raw_taxonomy()
    data["themes"] = [dict(data["themes"][0], **changes), *data["themes"][1:]]
    return data


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_with_first_theme(family="nowhere"), id="unknown-family"),
        pytest.param(_with_first_theme(id=OFF_TOPIC), id="off-topic-id"),
        pytest.param(_with_first_theme(vocabulary=["télétravail", "  "]), id="blank-term"),
        pytest.param(_with_first_theme(objectives="une seule chaîne"), id="not-a-list"),
        pytest.param(
            {**_raw_taxonomy(), "themes": _raw_taxonomy()["themes"][:2] * 2}, id="duplicate-ids"
        ),
    ],
)
def test_an_invalid_taxonomy_is_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        parse_taxonomy(data)


def test_the_fingerprint_follows_what_the_model_reads() -> None:
    taxonomy = load_taxonomy()
    same = parse_taxonomy(_raw_taxonomy())
    assert same.fingerprint() == taxonomy.fingerprint()
    vocabulary = [*taxonomy.themes[0].vocabulary, "un terme de plus"]
    assert parse_taxonomy(_with_first_theme(vocabulary=vocabulary)).fingerprint() != (
        taxonomy.fingerprint()
    )
    renamed = parse_taxonomy(_with_first_theme(name="Un autre nom"))
    assert renamed.fingerprint() == taxonomy.fingerprint()  # names are not read by the model


# -------------------------------------------------------------------------------- corpus
def test_every_theme_has_enough_needs_and_offers() -> None:
    counts = Counter((e.theme, e.kind) for e in load_corpus())
    for theme in load_taxonomy().ids:
        needs, offers = counts[(theme, "need")], counts[(theme, "offer")]
        assert needs + offers >= 60, theme
        assert min(needs, offers) >= 0.35 * (needs + offers), theme
    assert counts[(OFF_TOPIC, "need")] + counts[(OFF_TOPIC, "offer")] >= 30


def test_hard_negatives_look_like_another_theme_than_their_own() -> None:
    ids = set(load_taxonomy().ids)
    hard = [line for line in _corpus_lines() if line.get("hard_negative")]
    assert len(hard) >= 150
    assert sum(e.hard_negative for e in load_corpus()) == len(hard)
    for line in hard:
        assert line.get("looks_like") in ids, line["text"]
        assert line["looks_like"] != line["theme"], line["text"]
    assert Counter(line["theme"] for line in hard)[OFF_TOPIC] >= 30


def test_the_corpus_has_no_near_duplicates() -> None:
    texts = [e.text for e in load_corpus()]
    assert len({t.casefold() for t in texts}) == len(texts)
    grams = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(texts)
    similarity = (grams @ grams.T).toarray()
    np.fill_diagonal(similarity, 0.0)
    i, j = np.unravel_index(int(similarity.argmax()), similarity.shape)
    assert similarity[i, j] <= 0.8, (texts[i], texts[j])


def test_every_line_is_a_valid_example() -> None:
    valid = set(load_taxonomy().ids) | {OFF_TOPIC}
    examples = load_corpus()
    assert len(examples) == len(_corpus_lines())
    assert {e.source for e in examples} == {
        p.name.removesuffix(".jsonl") for p in (MATCHING / "data" / "corpus").glob("*.jsonl")
    }
    for example in examples:
        assert example.theme in valid and example.kind in ("need", "offer")
        assert example.text == example.text.strip() and len(example.text) >= 10


# --------------------------------------------------------------------------- guard split
def test_the_guard_split_holds_about_fifteen_percent_of_every_theme() -> None:
    examples = load_corpus()
    guard = [e for e in examples if in_guard_split(e.text)]
    assert abs(len(guard) / len(examples) - GUARD_SHARE) < 0.03
    per_theme = Counter(e.theme for e in guard)
    assert all(per_theme[t] >= 5 for t in (*load_taxonomy().ids, OFF_TOPIC))


def test_the_guard_split_depends_on_the_text_alone() -> None:
    texts = [e.text for e in load_corpus()]
    here = [in_guard_split(t) for t in texts]
    assert [in_guard_split(f"  {t}\n") for t in texts] == here
    # another process with another string-hash seed agrees (no salted hash() involved)
    script = (
        "import json; from matching.taxonomy import in_guard_split, load_corpus; "
        "print(json.dumps([in_guard_split(e.text) for e in load_corpus()]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, check=True
    )
    assert json.loads(other.stdout) == here


def test_the_corpus_fingerprint_sees_labels_and_order() -> None:
    a, b = Example("animer un atelier", "facilitation"), Example("ouvrir les données", OFF_TOPIC)
    assert corpus_fingerprint([a, b]) == corpus_fingerprint([a, b])
    assert corpus_fingerprint([a, b]) != corpus_fingerprint([b, a])
    relabelled = Example(a.text, "design_services")
    assert corpus_fingerprint([relabelled, b]) != corpus_fingerprint([a, b])


# ------------------------------------------------------------------------------ shipping
def test_every_data_file_of_matching_ships_with_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["matching"]
    # setuptools' build_py.find_data_files: recursive glob under the package, files only
    shipped = {
        Path(found).relative_to(MATCHING)
        for pattern in patterns
        for found in glob.glob(str(MATCHING / pattern), recursive=True)
        if Path(found).is_file()
    }
    data = {p.relative_to(MATCHING) for p in (MATCHING / "data").rglob("*") if p.is_file()}
    assert data - shipped == set()


def test_the_corpus_is_described_by_its_readme() -> None:
    readme = MATCHING / "data" / "corpus" / "README.md"
    assert readme.is_file()
    text = readme.read_text("utf-8")
    assert "hard_negative" in text and "looks_like" in text
