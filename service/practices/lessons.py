"""Lessons become practices: shared lessons in the library, and a lesson turned into a sheet.

A lesson written when a pair closed is in the library only if its author agreed to share it,
without any name, under the theme the model reads in it (with the need it answered). Its author
may turn it into a draft sheet, once: `practices.lesson_id` is unique, so two concurrent
requests create one sheet and the other gets a 409.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.practices import suggest_themes
from matching.reasons import quote
from matching.themes import ThemeModel
from service.accounts.principal import Principal
from service.db.models import Lesson, Practice
from service.errors import ConflictError, NotFoundError, PermissionDeniedError
from service.practices.schemas import LibraryLesson
from service.practices.services import add_practice

ALREADY = "Ce retour d'expérience est déjà devenu une fiche."


def _reading(lesson: Lesson) -> str:
    return f"{lesson.need_text}\n{lesson.text}".strip()


async def library_lessons(
    session: AsyncSession, principal: Principal | None, model: ThemeModel, theme: str | None = None
) -> list[LibraryLesson]:
    """Every shared lesson, unnamed, with the theme the model reads in it (newest first)."""
    lessons = list(
        await session.scalars(
            select(Lesson).where(Lesson.shared.is_(True)).order_by(Lesson.created_at.desc())
        )
    )
    if not lessons:
        return []
    themes = model.best_themes(model.distributions([_reading(lesson) for lesson in lessons]))
    sheets = dict(
        (
            await session.execute(
                select(Practice.lesson_id, Practice.id).where(
                    Practice.lesson_id.in_([lesson.id for lesson in lessons])
                )
            )
        ).all()
    )
    found = []
    for lesson, read in zip(lessons, themes, strict=True):
        if theme is not None and read != theme:
            continue
        found.append(
            LibraryLesson(
                id=lesson.id,
                text=lesson.text,
                need=lesson.need_text,
                theme=read,
                theme_name=model.names_.get(read) if read else None,
                created_at=lesson.created_at,
                mine=principal is not None and lesson.author_id == principal.member_id,
                practice_id=sheets.get(lesson.id),
            )
        )
    return found


async def sheet_from_lesson(
    session: AsyncSession, principal: Principal, lesson_id: int, model: ThemeModel
) -> Practice:
    """Turn one's own shared lesson into a draft sheet (once)."""
    lesson = await session.get(Lesson, lesson_id)
    if lesson is None or not lesson.shared:
        raise NotFoundError(f"Lesson {lesson_id} not found.")
    if lesson.author_id != principal.member_id:
        raise PermissionDeniedError("Seul l'auteur d'un retour d'expérience en fait une fiche.")
    if await session.scalar(select(Practice.id).where(Practice.lesson_id == lesson_id)):
        raise ConflictError(ALREADY)
    need = lesson.need_text.strip()
    values = {
        "title": f"Retour d'expérience : {quote(need or lesson.text, 150)}",
        "summary": lesson.text,
        "when_to_use": f"Face à une situation comme : « {need} »" if need else "",
        "status": "draft",
    }
    values["themes"] = suggest_themes(model, _reading(lesson))
    try:
        async with session.begin_nested():
            return await add_practice(
                session,
                values,
                author=principal,
                source="lesson",
                lesson_id=lesson_id,
                comment="Fiche écrite à partir d'un retour d'expérience",
            )
    except IntegrityError:
        raise ConflictError(ALREADY) from None
