"""Which column of a form export answers which question, and how a cell becomes an answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

import msgspec
import yaml

from service.errors import InvalidInputError
from service.questionnaire.schemas import AnswerValue, Question
from service.reference import fold as _fold
from service.reference import normalize_region

fold = lru_cache(maxsize=65536)(_fold)
"""`service.reference.fold`, cached: form exports repeat the same few answers."""

MEMBER_FIELDS = ("email", "display_name", "organization", "job_title", "consent")
_YES = {"oui", "yes", "true", "vrai", "1", "x", "o", "y", "j accepte", "d accord", "accepte"}
_NO = {"non", "no", "false", "faux", "0", "n", "refuse", "je refuse"}
_SEPARATORS = re.compile(r"^[\s,;|/]*$")
_LEADING_INT = re.compile(r"^\s*(\d{1,3})\b")


class ColumnMapping(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A mapping file: member columns, answer columns (header -> question key), choice aliases."""

    member: dict[str, str]
    answers: dict[str, str] = msgspec.field(default_factory=dict)
    aliases: dict[str, dict[str, str]] = msgspec.field(default_factory=dict)
    questionnaire: int | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.member) - set(MEMBER_FIELDS))
        if unknown:
            raise ValueError(f"member: unknown field(s) {unknown}; expected {list(MEMBER_FIELDS)}")
        if "email" not in self.member:
            raise ValueError("member: the 'email' column is required (members are keyed on it)")


def parse_mapping(text: str) -> ColumnMapping:
    """A mapping from YAML text; 422 on field `mapping` when it is not a valid mapping."""
    try:
        return msgspec.convert(yaml.safe_load(text), ColumnMapping)
    except (yaml.YAMLError, msgspec.ValidationError, ValueError) as exc:
        raise InvalidInputError.for_field("mapping", str(exc).splitlines()[0]) from None


@cache
def default_mapping() -> ColumnMapping:
    """The mapping shipped for the default questionnaire (`data/default_mapping.yaml`)."""
    raw = resources.files(__package__).joinpath("data", "default_mapping.yaml")
    return parse_mapping(raw.read_text("utf-8"))


@dataclass
class ResolvedColumns:
    """Column positions of one file: member fields and questions, and the columns left over."""

    header: list[str]
    member: dict[str, int] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def clean_header(name: str) -> str:
    """A header as shown in reports: BOM and surrounding/double spaces removed."""
    return " ".join(name.replace("\ufeff", "").split())


def resolve_columns(
    mapping: ColumnMapping, header: Sequence[str], questions: Sequence[Question]
) -> ResolvedColumns:
    """Locate each mapped column in `header` (compared folded: case, accents, spaces).

    A column named like a question's label or key is taken even when the mapping omits it.
    422 on field `file` when the email column or a required question's column is missing.
    """
    resolved = ResolvedColumns(header=[clean_header(name) for name in header])
    position = {fold(name): i for i, name in reversed(list(enumerate(resolved.header)))}
    keys = {question.key for question in questions}
    for member_field, column in mapping.member.items():
        if fold(column) in position:
            resolved.member[member_field] = position[fold(column)]
    if "email" not in resolved.member:
        raise InvalidInputError.for_field(
            "file", f"no column '{mapping.member['email']}' (the members' email) in the header"
        )
    wanted = {fold(column): key for column, key in mapping.answers.items()}
    unknown = sorted({key for key in wanted.values() if key not in keys})
    if unknown:
        raise InvalidInputError.for_field("mapping", f"unknown question key(s) {unknown}")
    for question in questions:
        wanted.setdefault(fold(question.label), question.key)
        wanted.setdefault(fold(question.key), question.key)
    for folded, key in wanted.items():
        if folded in position and key not in resolved.answers:
            resolved.answers[key] = position[folded]
    missing = [q.key for q in questions if q.required and q.key not in resolved.answers]
    if missing:
        raise InvalidInputError.for_field(
            "file", f"no column for the required question(s) {missing}: check the mapping"
        )
    used = {*resolved.member.values(), *resolved.answers.values()}
    resolved.ignored = [name for i, name in enumerate(resolved.header) if i not in used and name]
    return resolved


@dataclass(frozen=True)
class ChoiceMatcher:
    """Recognises a question's choices in a cell by value, label or alias, folded."""

    question: Question
    names: tuple[tuple[str, str], ...]

    @classmethod
    def build(cls, question: Question, aliases: dict[str, str]) -> ChoiceMatcher:
        """Folded names of every choice, longest first (so labels containing commas win)."""
        names: dict[str, str] = {}
        for choice in question.choices:
            names.setdefault(fold(choice.label), choice.value)
            names.setdefault(fold(choice.value), choice.value)
        for alias, value in aliases.items():
            names[fold(alias)] = value
        ordered = sorted(names.items(), key=lambda item: -len(item[0]))
        return cls(question, tuple((name, value) for name, value in ordered if name))

    def one(self, cell: str) -> str:
        """The choice a single-choice cell names, or ValueError."""
        folded = fold(cell)
        for name, value in self.names:
            if name == folded:
                return value
        if self.question.maps_to == "region":
            return normalize_region(cell)
        raise ValueError(f"unknown choice {cell.strip()!r}")

    def many(self, cell: str) -> list[str]:
        """The choices a multiple-choice cell names (any separator), in questionnaire order."""
        rest = f" {fold(cell)} "
        found: list[str] = []
        for name, value in self.names:
            marker = f" {name} "
            if marker in rest:
                rest = rest.replace(marker, " | ")
                found.append(value)
        leftover = [part.strip() for part in rest.split("|") if part.strip()]
        if leftover and not _SEPARATORS.match(" ".join(leftover)):
            raise ValueError(f"unknown choice(s) {leftover}")
        order = {choice.value: i for i, choice in enumerate(self.question.choices)}
        return sorted(set(found), key=lambda value: order.get(value, len(order)))


def make_matchers(
    questions: Sequence[Question], mapping: ColumnMapping
) -> dict[str, ChoiceMatcher]:
    """One matcher per choice question, and per question given aliases in the mapping."""
    return {
        q.key: ChoiceMatcher.build(q, mapping.aliases.get(q.key, {}))
        for q in questions
        if q.kind in ("single", "multiple") or q.key in mapping.aliases
    }


def convert_cell(question: Question, cell: str, matcher: ChoiceMatcher | None) -> AnswerValue:
    """The answer a non-blank cell gives to `question`, or ValueError saying why not."""
    if question.kind == "single" and matcher is not None:
        return matcher.one(cell)
    if question.kind == "multiple" and matcher is not None:
        return matcher.many(cell)
    if question.kind == "scale":
        aliased = dict(matcher.names).get(fold(cell)) if matcher else None
        match = _LEADING_INT.match(aliased or cell)
        if match is None:
            raise ValueError(f"expected a number, got {cell.strip()!r}")
        return int(match.group(1))
    return cell.strip()


def convert_consent(cell: str) -> bool | None:
    """Yes/no in the usual spellings; None for a blank cell; ValueError otherwise."""
    folded = fold(cell)
    if not folded:
        return None
    if folded in _YES or folded.startswith("oui"):
        return True
    if folded in _NO or folded.startswith("non"):
        return False
    raise ValueError(f"expected oui or non, got {cell.strip()!r}")
