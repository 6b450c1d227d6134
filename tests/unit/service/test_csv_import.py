"""Reading form exports: encodings, separators, multi-line cells, headers, choices in cells."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import InvalidInputError
from service.questionnaire import csv_import
from service.questionnaire.csv_import import decode, read_csv, sniff_delimiter
from service.questionnaire.mapping import (
    ChoiceMatcher,
    convert_cell,
    convert_consent,
    default_mapping,
    resolve_columns,
)
from service.questionnaire.services import check_definition, default_definition

QUESTIONS = {question.key: question for question in default_definition().questions}


def _matcher(key: str) -> ChoiceMatcher:
    return ChoiceMatcher.build(QUESTIONS[key], default_mapping().aliases.get(key, {}))


def test_the_shipped_questionnaire_and_mapping_are_consistent() -> None:
    check_definition(default_definition())
    header = [*default_mapping().member.values(), *default_mapping().answers]
    columns = resolve_columns(default_mapping(), header, default_definition().questions)
    assert set(columns.answers) == set(QUESTIONS)
    assert columns.ignored == []


def test_utf8_with_bom_and_windows_1252_are_both_read() -> None:
    assert decode("\ufeffRégion;Échelle".encode()) == "Région;Échelle"
    assert decode("Région;Échelle – œuvre".encode("cp1252")) == "Région;Échelle – œuvre"


def test_the_separator_is_found_in_the_header_outside_quotes() -> None:
    assert sniff_delimiter('"Nom, prénom";Région;Outils\n') == ";"
    assert sniff_delimiter('"Nom; prénom",Région,Outils\n') == ","
    assert sniff_delimiter("Nom\tRégion\n") == "\t"


def test_rows_keep_the_line_they_start_on_across_multi_line_cells() -> None:
    data = b'email;besoins\r\na@x.fr;"un\r\ndeux"\r\n\r\nb@x.fr;trois\r\n'
    table = read_csv(data)
    assert table.header == ["email", "besoins"]
    assert table.rows == [(2, ["a@x.fr", "un\r\ndeux"]), (5, ["b@x.fr", "trois"])]


def test_files_over_the_limit_are_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAX_CSV_BYTES", 10)
    with pytest.raises(InvalidInputError) as error:
        read_csv(b"email\na@b.fr\nc@d.fr\n")
    assert error.value.extra == [{"key": "file", "message": "the file is over 0 MiB: split it"}]


def test_headers_match_whatever_their_case_accents_or_spaces() -> None:
    header = ["  ADRESSE E-MAIL", "echelle d'echange   souhaitee ", "Vos besoins", "Horodateur"]
    columns = resolve_columns(default_mapping(), header, default_definition().questions)
    assert columns.member == {"email": 0}
    assert columns.answers == {"niveau_reseau": 1, "besoins": 2}
    assert columns.ignored == ["Horodateur"]


def test_a_file_without_the_email_column_is_refused() -> None:
    with pytest.raises(InvalidInputError) as error:
        resolve_columns(default_mapping(), ["Nom", "Vos besoins"], default_definition().questions)
    assert error.value.extra[0]["key"] == "file"


def test_choices_are_read_from_labels_values_or_aliases() -> None:
    assert _matcher("niveau_reseau").one(" régional ") == "regional"
    assert _matcher("niveau_reseau").one("Départemental") == "local"
    assert _matcher("region").one("PACA") == "Provence-Alpes-Côte d'Azur"
    with pytest.raises(ValueError, match="Européen"):
        _matcher("niveau_reseau").one("Européen")


def test_multiple_choices_survive_commas_inside_labels() -> None:
    cell = "Poser des questions, trouver de l'aide, Faire de la veille"
    assert _matcher("usage_linkedin").many(cell) == ["veille", "entraide"]
    assert _matcher("outils").many("LinkedIn;e-Communautés") == ["e_communautes", "linkedin"]
    with pytest.raises(ValueError, match="myspace"):
        _matcher("outils").many("LinkedIn, MySpace")


def test_scales_and_consent_accept_the_usual_spellings() -> None:
    assert convert_cell(QUESTIONS["capacite"], "3 personnes", _matcher("capacite")) == 3
    assert convert_cell(QUESTIONS["capacite"], "Aucune", _matcher("capacite")) == 0
    assert (convert_consent("OUI"), convert_consent("non"), convert_consent(" ")) == (
        True,
        False,
        None,
    )
    with pytest.raises(ValueError):
        convert_cell(QUESTIONS["capacite"], "beaucoup", None)


_CELL = st.text(
    alphabet=st.sampled_from(list("abcéèàçÉœ '’\"\n;,-0123456789")), max_size=25
).filter(lambda text: "\r" not in text)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=6),
    delimiter=st.sampled_from([";", ","]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_any_exported_table_reads_back_cell_for_cell(
    rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    header = ["Adresse e-mail", "Région", "Vos besoins"]
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    table = read_csv(out.getvalue().encode(encoding))
    assert table.header == header
    assert [cells for _, cells in table.rows] == rows
    lines = [line for line, _ in table.rows]
    assert lines == sorted(set(lines)) and all(line >= 2 for line in lines)
