"""Library endpoints: sheets, their history and suggestions, shared lessons, recommendations."""

from __future__ import annotations

from typing import Annotated, Any

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, patch, post
from litestar.datastructures import UploadFile
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from catalogue.modules import Audience
from service.accounts.guards import animator_only
from service.dependencies import CurrentPrincipal, DbSession, Reads, ThemesDep
from service.errors import InvalidInputError
from service.pagination import DEFAULT_LIMIT, LimitParam, OffsetParam
from service.params import MAX_ID, IdPath
from service.practices import lessons, services
from service.practices.importer import MAX_IMPORT_BYTES, import_practices
from service.practices.recommend import practices_for
from service.practices.schemas import (
    LibraryLesson,
    PracticeChanges,
    PracticeCreate,
    PracticeImportReport,
    PracticeRead,
    PracticesForMember,
    PracticeStatus,
    PracticeSuggestionDecision,
    RevisionRead,
    TaxonomyTheme,
)

SuggestionPath = Annotated[int, PathParameter(ge=1, le=MAX_ID, description="A suggestion id.")]
SearchText = Annotated[str | None, QueryParameter(max_length=200, description="Words searched.")]


async def _read(db_session: Any, record: Any, model: Any = None) -> PracticeRead:
    names = await services.author_names(db_session, [record.author_id])
    return services.to_read(record, names, model)


class PracticeController(Controller):
    """Tool sheets: members read published ones; coaches, trainers and animators write."""

    path = "/api/practices"
    tags = ["library"]

    @get("/", summary="List or search sheets")
    async def list_practices(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        q: SearchText = None,
        theme: FromQuery[TaxonomyTheme | None] = None,
        audience: FromQuery[Audience | None] = None,
        status: FromQuery[PracticeStatus | None] = None,
        limit: LimitParam = DEFAULT_LIMIT,
        offset: OffsetParam = 0,
    ) -> OffsetPagination[PracticeRead]:
        rows, total = await services.list_practices(
            db_session,
            principal,
            q=q,
            theme=theme,
            audience=audience,
            status=status,
            limit=limit,
            offset=offset,
        )
        names = await services.author_names(db_session, [r.author_id for r in rows])
        return OffsetPagination(
            items=[services.to_read(r, names) for r in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    @post("/", status_code=HTTP_201_CREATED, summary="Write a sheet (coach, trainer, animator)")
    async def create_practice(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        themes: ThemesDep,
        data: JSONBody[PracticeCreate],
    ) -> PracticeRead:
        model = themes.current.model
        record = await services.create_practice(db_session, principal, data, model)
        return await _read(db_session, record, model)

    @get("/{practice_id:int}", summary="Read a sheet")
    async def get_practice(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        themes: ThemesDep,
        practice_id: IdPath,
    ) -> PracticeRead:
        record = await services.get_practice(db_session, principal, practice_id)
        return await _read(db_session, record, themes.current.model)

    @patch("/{practice_id:int}", summary="Edit a sheet (its author, animators)")
    async def update_practice(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        practice_id: IdPath,
        data: JSONBody[PracticeChanges],
    ) -> PracticeRead:
        record = await services.update_practice(db_session, principal, practice_id, data)
        return await _read(db_session, record)

    @get("/{practice_id:int}/history", summary="Every change: who, when, what")
    async def history(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        practice_id: IdPath,
        limit: LimitParam = DEFAULT_LIMIT,
        offset: OffsetParam = 0,
    ) -> OffsetPagination[RevisionRead]:
        rows, total = await services.history(db_session, principal, practice_id, limit, offset)
        return OffsetPagination(items=rows, total=total, limit=limit, offset=offset)

    @get("/{practice_id:int}/suggestions", summary="Suggested edits (editors: all; others: own)")
    async def suggestions(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        practice_id: IdPath,
        status: FromQuery[str | None] = None,
    ) -> list[RevisionRead]:
        wanted = status if status in ("pending", "accepted", "rejected") else None
        rows, _ = await services.suggestions(db_session, principal, practice_id, wanted)
        return rows

    @post(
        "/{practice_id:int}/suggestions",
        status_code=HTTP_201_CREATED,
        summary="Suggest an edit (anyone who reads the sheet)",
    )
    async def suggest(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        practice_id: IdPath,
        data: JSONBody[PracticeChanges],
    ) -> RevisionRead:
        row = await services.suggest(db_session, principal, practice_id, data)
        names = await services.author_names(db_session, [row.author_id])
        return services.revision_read(row, names)

    @post(
        "/{practice_id:int}/suggestions/{suggestion_id:int}/accept",
        status_code=HTTP_200_OK,
        summary="Accept a suggestion (author, animators): a new version",
    )
    async def accept(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        practice_id: IdPath,
        suggestion_id: SuggestionPath,
        data: JSONBody[PracticeSuggestionDecision | None] = None,
    ) -> RevisionRead:
        comment = data.comment if data else ""
        row = await services.decide(
            db_session, principal, practice_id, suggestion_id, accept=True, comment=comment
        )
        names = await services.author_names(db_session, [row.author_id])
        return services.revision_read(row, names)

    @post(
        "/{practice_id:int}/suggestions/{suggestion_id:int}/reject",
        status_code=HTTP_200_OK,
        summary="Refuse a suggestion (author, animators)",
    )
    async def reject(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        practice_id: IdPath,
        suggestion_id: SuggestionPath,
        data: JSONBody[PracticeSuggestionDecision | None] = None,
    ) -> RevisionRead:
        comment = data.comment if data else ""
        row = await services.decide(
            db_session, principal, practice_id, suggestion_id, accept=False, comment=comment
        )
        names = await services.author_names(db_session, [row.author_id])
        return services.revision_read(row, names)


class LessonController(Controller):
    """Shared lessons in the library (unnamed), and a lesson turned into a sheet."""

    path = "/api/lessons"
    tags = ["library"]

    @get("/", summary="Shared lessons, unnamed, by theme")
    async def lessons(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        themes: ThemesDep,
        theme: FromQuery[TaxonomyTheme | None] = None,
    ) -> list[LibraryLesson]:
        return await lessons.library_lessons(db_session, principal, themes.current.model, theme)

    @post(
        "/{lesson_id:int}/practice",
        status_code=HTTP_201_CREATED,
        summary="Turn my shared lesson into a draft sheet (once)",
    )
    async def to_practice(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        themes: ThemesDep,
        lesson_id: IdPath,
    ) -> PracticeRead:
        model = themes.current.model
        record = await lessons.sheet_from_lesson(db_session, principal, lesson_id, model)
        return await _read(db_session, record, model)


class MemberPracticesController(Controller):
    """Sheets for a member's open needs (beside coaches and training)."""

    path = "/api/members/{member_id:int}"
    tags = ["library"]

    @get("/practices", summary="Sheets that answer my open needs")
    async def practices(
        self,
        reads: Reads,
        member_id: IdPath,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 5,
    ) -> PracticesForMember:
        return await practices_for(reads, member_id, limit)


class PracticeImportController(Controller):
    """The existing wiki brought in: a MediaWiki XML export or a zip of Markdown files."""

    path = "/api/import/practices"
    tags = ["import"]
    guards = [animator_only]

    @post(
        "/",
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_IMPORT_BYTES + 1024 * 1024,
        summary="Import sheets from a MediaWiki XML export or a zip of Markdown files "
        "(raw body or multipart `file`); all-or-nothing unless partial=true",
    )
    async def import_practices(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        principal: CurrentPrincipal,
        themes: ThemesDep,
        partial: FromQuery[bool] = False,
        dry_run: FromQuery[bool] = False,
    ) -> PracticeImportReport:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form()
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInputError.for_field("file", "joignez l'export comme `file`")
            data = await upload.read()
        else:
            data = await request.body()
        report = await import_practices(
            db_session,
            data,
            themes.current.model,
            partial=partial,
            dry_run=dry_run,
            importer=principal,
        )
        if dry_run:
            await db_session.rollback()
        return report
