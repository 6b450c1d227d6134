"""The taxonomy of public-innovation themes and the labelled corpus the theme model learns from.

Both are data shipped with the package (`matching/data/taxonomy.json`,
`matching/data/corpus/*.jsonl`, described in `matching/data/corpus/README.md`). A corpus line is
``{"text", "theme", "kind": "need" | "offer", "hard_negative", "looks_like"?}``; `theme` is a
taxonomy theme id or `OFF_TOPIC` for sentences outside public innovation altogether.

The corpus is split once and for all by a hash of each text: `GUARD_SHARE` of it is the *guard*
split, never fitted, on which a refitted model must do at least as well as the model it would
replace (`matching.themes.accept_refit`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from matching.errors import InvalidInputError

__all__ = [
    "GUARD_SHARE",
    "OFF_TOPIC",
    "OFF_TOPIC_NAME",
    "Example",
    "Family",
    "Taxonomy",
    "Theme",
    "corpus_fingerprint",
    "in_guard_split",
    "load_corpus",
    "load_taxonomy",
    "parse_taxonomy",
]

OFF_TOPIC = "hors_themes"
OFF_TOPIC_NAME = "Hors thèmes"
GUARD_SHARE = 0.15
KINDS = ("need", "offer")


@dataclass(frozen=True, slots=True)
class Family:
    """A group of related themes (« Usagers et citoyens »...)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Theme:
    """One theme: stable id, French heading, description, methods, vocabulary and objectives."""

    id: str
    name: str
    family: str
    description: str
    methods: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """The themes in their stable order, their families and the references they come from."""

    version: int
    families: tuple[Family, ...]
    themes: tuple[Theme, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """Theme ids in the taxonomy's order (the columns of every theme distribution)."""
        return tuple(theme.id for theme in self.themes)

    def theme(self, theme_id: str) -> Theme:
        """The theme of an id; InvalidInputError for an unknown id."""
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise InvalidInputError(f"unknown theme: {theme_id!r}")

    def name(self, theme_id: str) -> str:
        """The French heading of a theme id (« Hors thèmes » for `OFF_TOPIC`)."""
        return OFF_TOPIC_NAME if theme_id == OFF_TOPIC else self.theme(theme_id).name

    def fingerprint(self) -> str:
        """A hash of everything the theme model reads from the taxonomy."""
        payload = [(t.id, t.vocabulary, t.methods) for t in self.themes]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled sentence: its text, its theme (or `OFF_TOPIC`) and where it comes from."""

    text: str
    theme: str
    kind: str = "need"
    hard_negative: bool = False
    source: str = "corpus"


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidInputError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_taxonomy(data: Mapping[str, Any]) -> Taxonomy:
    """Validate the JSON form of a taxonomy (see `matching/data/taxonomy.json`)."""
    families = tuple(Family(f["id"], f["name"]) for f in data["families"])
    family_ids = {f.id for f in families}
    themes = []
    for raw in data["themes"]:
        theme_id = raw["id"]
        if raw["family"] not in family_ids:
            raise InvalidInputError(f"theme {theme_id}: unknown family {raw['family']!r}")
        themes.append(
            Theme(
                id=theme_id,
                name=raw["name"],
                family=raw["family"],
                description=raw["description"],
                methods=_strings(raw.get("methods", []), f"theme {theme_id} methods"),
                vocabulary=_strings(raw.get("vocabulary", []), f"theme {theme_id} vocabulary"),
                objectives=_strings(raw.get("objectives", []), f"theme {theme_id} objectives"),
            )
        )
    ids = [t.id for t in themes]
    if len(set(ids)) != len(ids) or OFF_TOPIC in ids:
        raise InvalidInputError("theme ids must be unique and differ from 'hors_themes'")
    return Taxonomy(int(data.get("version", 1)), families, tuple(themes))


@cache
def load_taxonomy() -> Taxonomy:
    """The packaged taxonomy (parsed once per process; immutable)."""
    raw = resources.files("matching").joinpath("data", "taxonomy.json").read_text("utf-8")
    return parse_taxonomy(json.loads(raw))


def _corpus_files() -> list[Any]:
    folder = resources.files("matching").joinpath("data", "corpus")
    return sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".jsonl")),
        key=lambda entry: entry.name,
    )


@cache
def load_corpus() -> tuple[Example, ...]:
    """Every labelled sentence of the packaged corpus, in file and line order."""
    valid = set(load_taxonomy().ids) | {OFF_TOPIC}
    examples = []
    for entry in _corpus_files():
        author = entry.name.removesuffix(".jsonl")
        for number, line in enumerate(entry.read_text("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            raw = json.loads(line)
            if raw["theme"] not in valid or raw.get("kind", "need") not in KINDS:
                raise InvalidInputError(f"corpus {entry.name}:{number}: bad theme or kind")
            examples.append(
                Example(
                    text=raw["text"].strip(),
                    theme=raw["theme"],
                    kind=raw.get("kind", "need"),
                    hard_negative=bool(raw.get("hard_negative", False)),
                    source=author,
                )
            )
    return tuple(examples)


def in_guard_split(text: str) -> bool:
    """True for the `GUARD_SHARE` of texts (by a hash of the text) kept out of every fit."""
    digest = hashlib.sha256(text.strip().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") < GUARD_SHARE * 2**32


def corpus_fingerprint(examples: Iterable[Example]) -> str:
    """A hash of labelled examples (text and theme), order included."""
    sha = hashlib.sha256()
    for example in examples:
        sha.update(f"{example.theme}\t{example.text}\n".encode())
    return sha.hexdigest()[:16]
