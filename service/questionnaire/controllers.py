"""Questionnaire, responses import and expectations endpoints: thin, logic in the services."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.accounts.guards import animator_only, trainer_or_animator
from service.dependencies import CurrentPrincipal, DbSession, TrainingCacheDep
from service.errors import InvalidInputError
from service.params import MAX_VERSION, CsvHeadersQuery, VersionPath
from service.questionnaire import dashboard, services
from service.questionnaire.csv_import import MAX_CSV_BYTES
from service.questionnaire.importer import import_csv, import_json
from service.questionnaire.mapping import parse_mapping
from service.questionnaire.schemas import (
    Expectations,
    JsonImport,
    QuestionnaireCreate,
    QuestionnaireRead,
    ResponseRead,
    ResponsesImportReport,
    ResponseWrite,
)

VersionQuery = Annotated[int | None, QueryParameter(ge=1, le=MAX_VERSION)]


class QuestionnaireController(Controller):
    """The current questionnaire, members' responses, and the animators' versions."""

    path = "/api/questionnaires"
    tags = ["questionnaire"]

    @get("/current", summary="The questionnaire members answer now")
    async def current(
        self, db_session: DbSession, principal: CurrentPrincipal
    ) -> QuestionnaireRead:
        return services.to_read(await services.current_questionnaire(db_session))

    @get("/{version:int}", summary="One version of the questionnaire")
    async def get_version(
        self, db_session: DbSession, principal: CurrentPrincipal, version: VersionPath
    ) -> QuestionnaireRead:
        return services.to_read(await services.get_questionnaire(db_session, version))

    @post("/", status_code=HTTP_201_CREATED, guards=[animator_only], summary="Open a new version")
    async def create_version(
        self, db_session: DbSession, data: JSONBody[QuestionnaireCreate]
    ) -> QuestionnaireRead:
        return services.to_read(await services.create_version(db_session, data))

    @post(
        "/{version:int}/close",
        status_code=HTTP_200_OK,
        guards=[animator_only],
        summary="Close a version (answers become final)",
    )
    async def close_version(self, db_session: DbSession, version: VersionPath) -> QuestionnaireRead:
        return services.to_read(await services.close_version(db_session, version))

    @post("/{version:int}/responses", status_code=HTTP_201_CREATED, summary="Answer a version")
    async def answer(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        version: VersionPath,
        data: JSONBody[ResponseWrite],
    ) -> ResponseRead:
        return await services.submit_response(
            db_session, principal, version, data.answers, replace=False
        )

    @put("/{version:int}/responses/mine", summary="Edit one's response while the version is open")
    async def edit_answer(
        self,
        db_session: DbSession,
        principal: CurrentPrincipal,
        version: VersionPath,
        data: JSONBody[ResponseWrite],
    ) -> ResponseRead:
        return await services.submit_response(
            db_session, principal, version, data.answers, replace=True
        )

    @get("/{version:int}/responses/mine", summary="One's own response")
    async def my_answer(
        self, db_session: DbSession, principal: CurrentPrincipal, version: VersionPath
    ) -> ResponseRead:
        return await services.my_response(db_session, principal, version)


class ResponsesImportController(Controller):
    """Form exports (CSV) or JSON rows -> members and responses, all-or-nothing by default."""

    path = "/api/import/responses"
    tags = ["import"]
    guards = [animator_only]

    @post(
        "/",
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_CSV_BYTES + 1024 * 1024,
        summary="Import questionnaire responses: CSV (multipart `file`, optional `mapping` "
        "YAML, or a text/csv body) or JSON `{rows: [...]}`",
    )
    async def import_responses(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        partial: FromQuery[bool] = False,
        dry_run: FromQuery[bool] = False,
        version: VersionQuery = None,
    ) -> ResponsesImportReport:
        options: dict[str, Any] = {"partial": partial, "dry_run": dry_run, "version": version}
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            body = await request.body()
            return await import_json(db_session, _decode_json(body), **options)
        if content_type.startswith("multipart/form-data"):
            data, mapping_text = await _read_form(request)
            mapping = parse_mapping(mapping_text) if mapping_text else None
            return await import_csv(db_session, data, mapping, **options)
        return await import_csv(db_session, await request.body(), **options)


class ExpectationsController(Controller):
    """The community's expectations, aggregated; small cells masked."""

    path = "/api/community"
    tags = ["community"]
    guards = [trainer_or_animator]

    @get("/expectations", summary="Expectations figures (animators and trainers)")
    async def expectations(
        self,
        db_session: DbSession,
        training_cache: TrainingCacheDep,
        version: VersionQuery = None,
    ) -> Expectations:
        return await dashboard.expectations(db_session, version, training_cache)

    @get(
        "/expectations.csv",
        summary="The same figures as CSV",
        media_type="text/csv; charset=utf-8",
    )
    async def expectations_csv(
        self,
        db_session: DbSession,
        training_cache: TrainingCacheDep,
        version: VersionQuery = None,
        header_row: CsvHeadersQuery = "fr",
    ) -> Response[str]:
        figures = await dashboard.expectations(db_session, version, training_cache)
        return Response(
            dashboard.to_csv(figures, keys=header_row == "keys"),
            media_type="text/csv",  # Litestar adds "; charset=utf-8" to text types
            headers={
                "Content-Disposition": f'attachment; filename="attentes-v{figures.version}.csv"'
            },
        )


def _decode_json(body: bytes) -> JsonImport:
    try:
        return msgspec.json.decode(body, type=JsonImport)
    except msgspec.ValidationError as exc:
        raise InvalidInputError.for_field("rows", str(exc)) from None
    except msgspec.DecodeError:
        raise InvalidInputError.for_field("rows", "malformed JSON") from None


async def _read_form(request: Request[Any, Any, Any]) -> tuple[bytes, str | None]:
    """The uploaded CSV (`file`) and the optional mapping YAML (`mapping`, file or text)."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInputError.for_field("file", "attach the CSV export as `file`")
    data = await upload.read()
    mapping = form.get("mapping")
    if isinstance(mapping, UploadFile):
        mapping = (await mapping.read()).decode("utf-8", errors="replace")
    return data, mapping or None
