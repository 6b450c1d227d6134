"""The training module record and the loading/validation of the catalogue file.

A `Module` is a msgspec Struct: field constraints are declared with `msgspec.Meta` and checked
whenever a module is decoded or converted (`module_from_dict`, `load_catalogue`); cross-field and
content rules live in `__post_init__` and also run on direct construction. Every rule failure is
reported as an `InvalidModuleError` naming the field (and the index in the file when loading).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import yaml

from catalogue.errors import CatalogueLoadError, InvalidModuleError

REGIONS: tuple[str, ...] = (
    "Auvergne-Rhône-Alpes",
    "Bourgogne-Franche-Comté",
    "Bretagne",
    "Centre-Val de Loire",
    "Corse",
    "Grand Est",
    "Hauts-de-France",
    "Île-de-France",
    "Normandie",
    "Nouvelle-Aquitaine",
    "Occitanie",
    "Pays de la Loire",
    "Provence-Alpes-Côte d'Azur",
    "Guadeloupe",
    "Martinique",
    "Guyane",
    "La Réunion",
    "Mayotte",
)
FORMATS: tuple[str, ...] = ("presentiel", "distanciel", "hybride")
AUDIENCES: tuple[str, ...] = ("agents", "managers", "direction", "elus")
STATUSES: tuple[str, ...] = ("published", "draft", "archived")

DEFAULT_CATALOGUE_PATH = Path(__file__).parent / "data" / "modules.yaml"

Region = Literal[REGIONS]  # type: ignore[valid-type]
Format = Literal["presentiel", "distanciel", "hybride"]
Audience = Literal["agents", "managers", "direction", "elus"]
Status = Literal["published", "draft", "archived"]
Source = Literal["catalogue", "incubator"]

Slug = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=3, max_length=80)
]
Title = Annotated[str, msgspec.Meta(min_length=5, max_length=160)]
Summary = Annotated[str, msgspec.Meta(min_length=20, max_length=2000)]
Objective = Annotated[str, msgspec.Meta(min_length=5, max_length=300)]
Topic = Annotated[str, msgspec.Meta(min_length=2, max_length=60)]
Hours = Annotated[float, msgspec.Meta(gt=0, le=300)]


class Module(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One training module of the catalogue (or a draft adopted from the incubator)."""

    id: Slug
    title: Title
    summary: Summary
    objectives: Annotated[tuple[Objective, ...], msgspec.Meta(min_length=1, max_length=12)]
    format: Format
    duration_hours: Hours
    audience: Annotated[tuple[Audience, ...], msgspec.Meta(min_length=1, max_length=4)]
    topics: tuple[Topic, ...] = ()
    region: Region | None = None
    status: Status = "published"
    source: Source = "catalogue"
    next_session: date | None = None
    """The date of the module's next session, when one is planned."""

    def __post_init__(self) -> None:
        """Cross-field and content rules (messages start with the field name)."""
        for name in ("title", "summary"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name}: must not be blank")
        _check_unique("objectives", [o.strip().casefold() for o in self.objectives])
        if any(not o.strip() for o in self.objectives):
            raise ValueError("objectives: an objective is blank")
        _check_unique("audience", list(self.audience))
        _check_unique("topics", [t.strip().casefold() for t in self.topics])
        if self.region is not None and self.format == "distanciel":
            # A fully remote module has no reason to be closed to other regions.
            raise ValueError("region: a regional module must be presentiel or hybride")

    @property
    def is_open(self) -> bool:
        """True when members may be offered the module (published, not archived or draft)."""
        return self.status == "published"

    @property
    def text(self) -> str:
        """All the words that describe what the module teaches (used for matching)."""
        parts = [self.title, self.summary, *self.objectives, *self.topics]
        return "\n".join(parts)


def _check_unique(field: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{field}: duplicate value {value!r}")
        seen.add(value)


_PATH_RE = re.compile(r"at `\$\.?([A-Za-z_]+)")
_MISSING_RE = re.compile(r"field `([A-Za-z_]+)`")
_PREFIX_RE = re.compile(r"^([a-z_]+): (.*)$", re.DOTALL)


def _field_of(error: msgspec.ValidationError) -> tuple[str, str]:
    """Split a msgspec validation message into (field, message)."""
    message = str(error)
    if match := _PATH_RE.search(message):
        return match.group(1), message
    if match := _PREFIX_RE.match(message):
        return match.group(1), match.group(2)
    if match := _MISSING_RE.search(message):
        return match.group(1), message
    return "$", message


def module_from_dict(data: Mapping[str, Any], index: int | None = None) -> Module:
    """Validate a mapping (decoded YAML/JSON) into a `Module`.

    Raises `InvalidModuleError` naming the field at fault (and `index` when given).
    """
    if not isinstance(data, Mapping):
        raise InvalidModuleError("$", "a module must be a mapping", index)
    try:
        return msgspec.convert(dict(data), Module, strict=False)
    except msgspec.ValidationError as error:
        field, message = _field_of(error)
        raise InvalidModuleError(field, message, index) from error


def module_to_dict(module: Module) -> dict[str, Any]:
    """The module as plain builtins (JSON/YAML-ready), the inverse of `module_from_dict`."""
    return msgspec.to_builtins(module)


def validate_modules(records: list[Any]) -> list[Module]:
    """Validate every record; raise `CatalogueLoadError` listing all invalid ones and duplicates."""
    modules: list[Module] = []
    errors: list[InvalidModuleError] = []
    seen: dict[str, int] = {}
    for index, record in enumerate(records):
        try:
            module = module_from_dict(record, index)
        except InvalidModuleError as error:
            errors.append(error)
            continue
        if module.id in seen:
            errors.append(
                InvalidModuleError(
                    "id", f"duplicate id {module.id!r} (first at #{seen[module.id]})", index
                )
            )
            continue
        seen[module.id] = index
        modules.append(module)
    if errors:
        raise CatalogueLoadError(f"{len(errors)} invalid module(s) in the catalogue", errors)
    return modules


def load_catalogue(path: str | Path | None = None) -> list[Module]:
    """Load and validate the catalogue YAML (the shipped starter catalogue by default).

    The file holds either a list of modules or a mapping with a `modules` list. Raises
    `CatalogueLoadError` when the file is unreadable or any entry is invalid; its `errors`
    list every invalid entry with its index and field.
    """
    file = Path(path) if path is not None else DEFAULT_CATALOGUE_PATH
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueLoadError(f"cannot read catalogue {file}: {error}") from error
    if isinstance(raw, Mapping):
        raw = raw.get("modules")
    if not isinstance(raw, list):
        raise CatalogueLoadError(f"catalogue {file} must hold a list of modules")
    return validate_modules(raw)
