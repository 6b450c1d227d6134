"""The expectations dashboard: aggregated answers, every count with its `n`, small cells masked.

A respondent's figures come from their answers to the version, falling back to their profile
for questions the version does not ask. Any count below `MASK_BELOW` is reported as `"<5"`.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from matching.text import analyze
from service.csv_safety import SafeWriter
from service.db.models import Member, Need
from service.questionnaire.models import QuestionnaireResponse
from service.questionnaire.schemas import (
    Breakdown,
    CoachFigures,
    Count,
    CoUsage,
    Expectations,
    NeedsFigures,
    NetworkLevelFigures,
    Question,
    TermCount,
    ThemeCount,
    ToolFigures,
    ToolUsage,
)
from service.questionnaire.services import TOOLS, get_questionnaire, questions_of, split_items
from service.reference import normalize_region
from service.training.cache import TrainingCache
from service.training.demand import SMALL_CLUSTER_LABEL, compute_demand

MASK_BELOW = 5
MASKED = "<5"
TOP_TERMS = 15
NO_REGION = "non renseignée"
LEVELS = ("local", "regional", "national")
_WORD = re.compile(r"[^\W\d_]{3,}")


def mask(count: int) -> Count:
    """`count`, or `"<5"` when fewer than five respondents are behind it."""
    return count if count >= MASK_BELOW else MASKED


@dataclass
class Respondent:
    """What the figures need from one respondent."""

    region: str | None
    organization_type: str
    network_level: str
    tools: list[str]
    capacity: int
    needs: list[str]
    usages: dict[str, list[str]] = field(default_factory=dict)
    member_id: int = 0


def _by_target(questions: Sequence[Question]) -> dict[str, str]:
    return {q.maps_to: q.key for q in questions if q.maps_to is not None}


def respondent(
    questions: Sequence[Question],
    answers: Mapping[str, Any],
    member: Member,
    open_needs: Sequence[str],
) -> Respondent:
    """A respondent's facts: answers first, profile for what the version does not ask."""
    keys = _by_target(questions)

    def answer(target: str, fallback: Any) -> Any:
        key = keys.get(target)
        return answers[key] if key is not None and key in answers else fallback

    region = answer("region", member.region)
    needs_key = keys.get("needs")
    needs = split_items(answers[needs_key]) if needs_key in answers else list(open_needs)
    return Respondent(
        region=normalize_region(region) if region else None,
        organization_type=answer("organization_type", member.organization_type),
        network_level=answer("network_level", member.network_level),
        tools=list(answer("tools", member.tools or [])),
        capacity=int(answer("capacity", member.capacity)),
        needs=needs,
        usages={q.usage_of: list(answers.get(q.key, [])) for q in questions if q.usage_of},
        member_id=member.id,
    )


def _breakdown(group: str | None, items: Sequence[Any], categories: Iterable[str]) -> Breakdown:
    counts = Counter(items)
    return Breakdown(
        group=group,
        n=mask(len(items)),
        counts={category: mask(counts[category]) for category in categories},
    )


def _grouped(
    people: Sequence[Respondent], group_of: Any, value_of: Any, categories: Sequence[str]
) -> list[Breakdown]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for person in people:
        groups[group_of(person) or NO_REGION].append(value_of(person))
    return [_breakdown(group, groups[group], categories) for group in sorted(groups)]


def _tool_figures(people: Sequence[Respondent], questions: Sequence[Question]) -> ToolFigures:
    total = len(people)
    users = {tool: [p for p in people if tool in p.tools] for tool in TOOLS}
    usage = [
        ToolUsage(
            tool=tool,
            n=mask(len(users[tool])),
            share=round(len(users[tool]) / total, 3)
            if total and len(users[tool]) >= MASK_BELOW
            else None,
        )
        for tool in TOOLS
    ]
    matrix: list[list[Count]] = [
        [mask(sum(1 for p in people if a in p.tools and b in p.tools)) for b in TOOLS]
        for a in TOOLS
    ]
    purposes = []
    for question in questions:
        if question.usage_of is None:
            continue
        answered = [p for p in people if p.usages.get(question.usage_of)]
        chosen = [purpose for p in answered for purpose in p.usages[question.usage_of]]
        counts = Counter(chosen)
        purposes.append(
            Breakdown(
                group=question.usage_of,
                n=mask(len(answered)),
                counts={c.value: mask(counts[c.value]) for c in question.choices},
            )
        )
    return ToolFigures(
        n=mask(total),
        usage=usage,
        co_usage=CoUsage(tools=list(TOOLS), counts=matrix),
        purposes=purposes,
    )


def top_terms(needs_by_person: Sequence[Sequence[str]], limit: int = TOP_TERMS) -> list[TermCount]:
    """Stems used by at least five respondents, each shown as its most frequent written word."""
    people_per_stem: Counter[str] = Counter()
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    for needs in needs_by_person:
        stems: set[str] = set()
        for word in _WORD.findall(" ".join(needs)):
            analyzed = analyze(word)
            if len(analyzed) == 1:
                stems.add(analyzed[0])
                surfaces[analyzed[0]][word.lower()] += 1
        people_per_stem.update(stems)
    frequent = [(stem, n) for stem, n in people_per_stem.items() if n >= MASK_BELOW]
    frequent.sort(key=lambda item: (-item[1], item[0]))
    return [
        TermCount(term=surfaces[stem].most_common(1)[0][0], n=n) for stem, n in frequent[:limit]
    ]


async def _respondents(
    session: AsyncSession, questionnaire_id: int, questions: Sequence[Question]
) -> list[Respondent]:
    rows = (
        await session.execute(
            select(QuestionnaireResponse.answers, Member)
            .join(Member, Member.id == QuestionnaireResponse.member_id)
            .where(QuestionnaireResponse.questionnaire_id == questionnaire_id)
        )
    ).all()
    needs: dict[int, list[str]] = defaultdict(list)
    if "needs" not in _by_target(questions):
        ids = [member.id for _, member in rows]
        found = await session.execute(
            select(Need.member_id, Need.text).where(Need.member_id.in_(ids), Need.status == "open")
        )
        for member_id, text in found:
            needs[member_id].append(text)
    return [respondent(questions, answers, member, needs[member.id]) for answers, member in rows]


def _willing(person: Respondent) -> str:
    return "willing" if person.capacity > 0 else "not"


async def needs_themes(
    session: AsyncSession, cache: TrainingCache, people: Sequence[Respondent]
) -> list[ThemeCount]:
    """The demand clusters respondents' open needs fall in, most frequent first.

    A theme whose cluster gathers fewer than 5 distinct members shows no label (as for
    trainers), and every count below 5 is masked.
    """
    snapshot = await compute_demand(session, cache)
    respondents = {person.member_id for person in people}
    themes = []
    for cluster in snapshot.result.groups:
        members = {snapshot.rows[i].need.member_id for i in cluster.member_indices}
        count = len(members & respondents)
        if count:
            label = cluster.label if len(members) >= MASK_BELOW else SMALL_CLUSTER_LABEL
            themes.append((count, cluster.id, label))
    themes.sort(key=lambda item: (-item[0], item[1]))
    return [ThemeCount(cluster_id=i, label=label, n=mask(n)) for n, i, label in themes]


async def expectations(
    session: AsyncSession, version: int | None, cache: TrainingCache | None = None
) -> Expectations:
    """Every figure for `version` (default: the current questionnaire).

    With the worker's training cache, needs are also grouped by demand cluster.
    """
    questionnaire = await get_questionnaire(session, version)
    questions = questions_of(questionnaire)
    people = await _respondents(session, questionnaire.id, questions)
    total = len(people)
    willing = [p for p in people if p.capacity > 0]
    with_needs = [p.needs for p in people if p.needs]
    themes = await needs_themes(session, cache, people) if cache is not None else []

    def level(p: Respondent) -> str:
        return p.network_level

    return Expectations(
        version=questionnaire.version,
        respondents=mask(total),
        network_level=NetworkLevelFigures(
            overall=_breakdown(None, [p.network_level for p in people], LEVELS),
            by_region=_grouped(people, lambda p: p.region, level, LEVELS),
            by_organization_type=_grouped(people, lambda p: p.organization_type, level, LEVELS),
        ),
        tools=_tool_figures(people, questions),
        needs=NeedsFigures(
            n=mask(len(with_needs)),
            source="clusters" if themes else "terms",
            top_terms=top_terms(with_needs),
            themes=themes,
        ),
        coaches=CoachFigures(
            n=mask(total),
            willing=mask(len(willing)),
            by_region=_grouped(people, lambda p: p.region, _willing, ["willing"]),
        ),
    )


CSV_HEADER = ("figure", "breakdown", "group", "category", "count", "n")
CSV_HEADER_FR = ("indicateur", "ventilation", "groupe", "catégorie", "effectif", "base")


def to_csv(figures: Expectations, keys: bool = False) -> str:
    """The figures as CSV rows (UTF-8, `,`): French headers `indicateur,ventilation,groupe,
    catégorie,effectif,base`, or with `keys` the machine keys `figure,breakdown,group,category,
    count,n`."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\r\n")  # no cell can become a formula
    writer.writerow(CSV_HEADER if keys else CSV_HEADER_FR)
    writer.writerow(("respondents", "overall", "", "", figures.respondents, figures.respondents))

    def breakdowns(figure: str, kind: str, items: Iterable[Breakdown]) -> None:
        for item in items:
            for category, count in item.counts.items():
                writer.writerow((figure, kind, item.group or "", category, count, item.n))

    levels = figures.network_level
    breakdowns("network_level", "overall", [levels.overall])
    breakdowns("network_level", "region", levels.by_region)
    breakdowns("network_level", "organization_type", levels.by_organization_type)
    for usage in figures.tools.usage:
        writer.writerow(("tool_usage", "overall", "", usage.tool, usage.n, figures.tools.n))
    co = figures.tools.co_usage
    for i, a in enumerate(co.tools):
        for j, b in enumerate(co.tools):
            writer.writerow(("tool_co_usage", "tool", a, b, co.counts[i][j], figures.tools.n))
    breakdowns("tool_purpose", "tool", figures.tools.purposes)
    for term in figures.needs.top_terms:
        writer.writerow(("needs_term", "overall", "", term.term, term.n, figures.needs.n))
    for theme in figures.needs.themes:
        writer.writerow(("needs_theme", "overall", "", theme.label, theme.n, figures.needs.n))
    coaches = figures.coaches
    writer.writerow(("willing_to_coach", "overall", "", "willing", coaches.willing, coaches.n))
    breakdowns("willing_to_coach", "region", coaches.by_region)
    return out.getvalue()
