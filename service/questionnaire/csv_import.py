"""Reading form exports: encoding, separator, quoted multi-line cells, then rows to import.

Everything here is pure (no database): bytes in, candidate rows and row errors out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from service.accounts.emails import normalize_email
from service.errors import InvalidInputError
from service.questionnaire.mapping import (
    ColumnMapping,
    convert_cell,
    convert_consent,
    make_matchers,
    resolve_columns,
)
from service.questionnaire.schemas import AnswerValue, ImportRowError, JsonImportRow, Question
from service.questionnaire.services import validate_answers

MAX_CSV_BYTES = 50 * 1024 * 1024
"""Files above this size are refused before parsing (about 100,000 typical form rows)."""
MAX_ROWS = 100_000
MAX_CELL_CHARS = 20_000
_LIMITS = {"display_name": 120, "organization": 200, "job_title": 200}
_DELIMITERS = (";", ",", "\t")


@dataclass
class CsvTable:
    """A parsed file: the header and each record with the line it starts on (header: line 1)."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass
class Candidate:
    """One row ready to import: the member's fields and answers, and where each came from."""

    line: int
    email: str
    member: dict[str, object]
    answers: dict[str, AnswerValue]
    columns: dict[str, str] = field(default_factory=dict)

    def column(self, key: str) -> str:
        """The column (or JSON field) an answer or member field came from."""
        return self.columns.get(key, key)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1 (never fails)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """The separator used in the header line (outside quotes): `;`, `,` or tab."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes) -> CsvTable:
    """Parse a form export; 422 on field `file` when it is too big, empty or malformed."""
    if len(data) > MAX_CSV_BYTES:
        raise InvalidInputError.for_field(
            "file", f"the file is over {MAX_CSV_BYTES // (1024 * 1024)} MiB: split it"
        )
    text = decode(data)
    if not text.strip():
        raise InvalidInputError.for_field("file", "the file is empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header = next(reader)
        rows: list[tuple[int, list[str]]] = []
        start = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                rows.append((start, record))
                if len(rows) > MAX_ROWS:
                    raise InvalidInputError.for_field("file", f"at most {MAX_ROWS} rows")
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInputError.for_field(
            "file", f"line {reader.line_num}: unreadable CSV ({exc})"
        ) from None
    return CsvTable(header=header, rows=rows)


def _member_field(name: str, cell: str) -> object:
    if name == "email":
        try:
            return normalize_email(cell)
        except ValueError:
            raise ValueError(f"not a valid email: {cell.strip()!r}") from None
    if name == "consent":
        return convert_consent(cell)
    value = " ".join(cell.split())
    if len(value) > _LIMITS[name]:
        raise ValueError(f"at most {_LIMITS[name]} characters")
    return value or None


def _check(
    candidate: Candidate,
    questions: Sequence[Question],
    errors: list[ImportRowError],
    already: Collection[str] = (),
) -> bool:
    """Validate the answers against the questionnaire; False (errors added) when invalid.

    Questions in `already` had an unreadable cell, reported once already.
    """
    clean, problems = validate_answers(questions, candidate.answers)
    problems = [(key, message) for key, message in problems if key not in already]
    for key, message in problems:
        errors.append(
            ImportRowError(line=candidate.line, column=candidate.column(key), message=message)
        )
    candidate.answers = clean
    return not problems


def candidates_from_table(
    table: CsvTable, mapping: ColumnMapping, questions: Sequence[Question]
) -> tuple[list[Candidate], list[ImportRowError], list[str]]:
    """Valid rows, every row error (line and column), and the columns nobody asked for."""
    columns = resolve_columns(mapping, table.header, questions)
    matchers = make_matchers(questions, mapping)
    by_key = {question.key: question for question in questions}
    names = {key: columns.header[i] for key, i in (columns.member | columns.answers).items()}
    candidates: list[Candidate] = []
    errors: list[ImportRowError] = []
    memo: dict[tuple[str, str], AnswerValue | ValueError] = {}  # exports repeat their answers
    for line, record in table.rows:
        cells = record + [""] * (len(columns.header) - len(record))
        member: dict[str, object] = {}
        answers: dict[str, AnswerValue] = {}
        failed: set[str] = set()
        row_ok = True
        for name, i in columns.member.items():
            try:
                value = _member_field(name, cells[i])
            except ValueError as exc:
                errors.append(ImportRowError(line=line, column=names[name], message=str(exc)))
                row_ok = False
                continue
            if value is not None:
                member[name] = value
        for key, i in columns.answers.items():
            cell = cells[i]
            if not cell.strip():
                continue
            if len(cell) > MAX_CELL_CHARS:
                errors.append(ImportRowError(line=line, column=names[key], message="cell too long"))
                failed.add(key)
                continue
            converted = memo.get((key, cell))
            if converted is None:
                try:
                    converted = convert_cell(by_key[key], cell, matchers.get(key))
                except ValueError as exc:
                    converted = exc
                if by_key[key].kind != "text":
                    memo[(key, cell)] = converted
            if isinstance(converted, ValueError):
                errors.append(ImportRowError(line=line, column=names[key], message=str(converted)))
                failed.add(key)
            else:
                answers[key] = converted
        if "email" not in member:
            if row_ok:
                errors.append(ImportRowError(line=line, column=names["email"], message="missing"))
            continue
        candidate = Candidate(line, str(member.pop("email")), member, answers, names)
        if _check(candidate, questions, errors, failed) and row_ok and not failed:
            candidates.append(candidate)
    return candidates, errors, columns.ignored


def candidates_from_json(
    rows: Sequence[JsonImportRow], questions: Sequence[Question]
) -> tuple[list[Candidate], list[ImportRowError]]:
    """The same from JSON rows; `line` is the row's position (from 1), columns are field names."""
    candidates: list[Candidate] = []
    errors: list[ImportRowError] = []
    for position, row in enumerate(rows, start=1):
        member: dict[str, object] = {}
        row_ok = True
        for name in ("email", "display_name", "organization", "job_title"):
            raw = getattr(row, name)
            if raw is None:
                continue
            try:
                value = _member_field(name, raw)
            except ValueError as exc:
                errors.append(ImportRowError(line=position, column=name, message=str(exc)))
                row_ok = False
                continue
            if value is not None:
                member[name] = value
        if row.consent is not None:
            member["consent"] = row.consent
        columns = {key: f"answers.{key}" for key in row.answers}
        if "email" not in member:
            continue
        candidate = Candidate(
            position, str(member.pop("email")), member, dict(row.answers), columns
        )
        if _check(candidate, questions, errors) and row_ok:
            candidates.append(candidate)
    return candidates, errors
