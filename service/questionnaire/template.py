"""The columns an import of form answers expects, each with a sentence, and a template CSV.

Both come from what the importer itself reads: the column mapping (`default_mapping.yaml`) and
the current questionnaire's questions, so the page, the template and the importer cannot drift.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from service.questionnaire.mapping import ColumnMapping
from service.questionnaire.schemas import Question

_MEMBER_SENTENCES = {
    "email": "Adresse e-mail de la personne : elle identifie le membre (une adresse déjà "
    "connue met son profil à jour au lieu d'en créer un).",
    "display_name": "Nom et prénom, tels qu'ils apparaîtront dans l'annuaire des membres.",
    "organization": "Nom de la structure : mairie, intercommunalité, département, association…",
    "job_title": "Fonction occupée dans cette structure.",
    "consent": "« Oui » si la personne accepte d'apparaître dans l'annuaire et d'être proposée "
    "à d'autres membres, « Non » sinon.",
}
TEMPLATE_FILENAME = "modele-import-reponses.csv"
DELIMITER = ";"  # what a French spreadsheet writes; the importer also reads commas


@dataclass(frozen=True, slots=True)
class ExpectedColumn:
    """One column of the file: its header, what to write in it, and whether it is required."""

    header: str
    sentence: str
    required: bool


def _labels(question: Question) -> str:
    return ", ".join(f"« {choice.label} »" for choice in question.choices)


def _sentence(question: Question, tool_labels: dict[str, str]) -> str:
    """What to write in the column answering `question`, in French."""
    if question.maps_to == "region":
        hint = "Le nom d'une région, par exemple « Bretagne » ou « Île-de-France »."
    elif question.kind == "single":
        hint = f"Une réponse parmi : {_labels(question)}."
    elif question.kind == "multiple":
        hint = (
            f"Une ou plusieurs réponses, séparées par des points-virgules, parmi : "
            f"{_labels(question)}."
        )
    elif question.kind == "scale":
        hint = f"Un nombre entier de {question.scale_min} à {question.scale_max}."
    elif question.maps_to in ("needs", "offers"):
        hint = "Texte libre, une idée par ligne (retour à la ligne dans la cellule)."
    else:
        hint = "Texte libre."
    if question.usage_of is not None:
        tool = tool_labels.get(question.usage_of, question.usage_of)
        hint += f" Lue seulement si « {tool} » figure dans les outils utilisés."
    return f"{question.label} {hint}"


def expected_columns(mapping: ColumnMapping, questions: Sequence[Question]) -> list[ExpectedColumn]:
    """The columns of the mapping, member fields first, then one per question mapped."""
    columns = [
        ExpectedColumn(header, _MEMBER_SENTENCES.get(name, ""), name == "email")
        for name, header in mapping.member.items()
    ]
    by_key = {question.key: question for question in questions}
    tool_labels = {
        choice.value: choice.label
        for q in questions
        if q.maps_to == "tools"
        for choice in q.choices
    }
    for header, key in mapping.answers.items():
        question = by_key.get(key)
        if question is not None:
            columns.append(
                ExpectedColumn(header, _sentence(question, tool_labels), question.required)
            )
    return columns


def template_csv(columns: Sequence[ExpectedColumn]) -> str:
    """A header-only CSV (`;`, with a byte order mark so spreadsheets read the accents)."""
    out = io.StringIO()
    csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n").writerow(
        [column.header for column in columns]
    )
    return "\ufeff" + out.getvalue()
