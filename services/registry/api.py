"""Registry HTTP API: thin handlers that parse, call a use case, and shape the answer."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, FileStorage, Tag
from pydantic import BaseModel
from sqlmodel import select

from services.registry import service
from services.registry.adapters.tables import AuditRecord, Municipality, Organization
from services.registry.schemas import (
    AuditList,
    AuditQuery,
    IdPath,
    ImportQuery,
    ImportReport,
    ListQuery,
    MenteeIn,
    MenteeList,
    MenteeOut,
    MenteePatch,
    MentorIn,
    MentorList,
    MentorOut,
    MentorPatch,
    OrganizationIn,
    OrganizationList,
    OrganizationOut,
    OrganizationPatch,
    PersonQuery,
    WithdrawIn,
)
from services.registry.service import MENTEES, MENTORS, PersonKind
from shared.auth import Role
from shared.errors import BadRequest, PayloadTooLarge
from shared.openapi import file_answer
from shared.web import SECURITY, Problem, context, etag_response, expected_version, principal

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
organizations_tag = Tag(name="Организации", description="Образовательные организации и районы")
mentors_tag = Tag(name="Наставники", description="Банк наставников")
mentees_tag = Tag(name="Наставляемые", description="База наставляемых")
misc_tag = Tag(name="Справочники и журнал")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def organization_out(org: Organization, municipality_name: str) -> dict[str, Any]:
    data = OrganizationOut(municipality_name=municipality_name, **org.model_dump())
    return data.model_dump(mode="json")


def person_out(kind: PersonKind, row: Any, names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    org_name, muni_name = names.get(row.organization_id, ("", ""))
    model = MentorOut if kind is MENTORS else MenteeOut
    return model(organization_name=org_name, municipality_name=muni_name, **row.model_dump()).model_dump(mode="json")


def person_response(session: Any, kind: PersonKind, row: Any, status: int = 200) -> Response:
    """A mentor or mentee with its organization's names, versioned by ETag."""
    return etag_response(person_out(kind, row, service.names_of(session, {row.organization_id})), row.version, status)


def build_api() -> APIBlueprint:
    api = APIBlueprint("registry_api", __name__, url_prefix="/api/v1", abp_security=SECURITY,
                       abp_responses=PROBLEMS)
    _organization_routes(api)
    _person_routes(api, MENTORS, "mentors", MentorIn, MentorPatch, MentorOut, MentorList, mentors_tag)
    _person_routes(api, MENTEES, "mentees", MenteeIn, MenteePatch, MenteeOut, MenteeList, mentees_tag)
    _misc_routes(api)
    return api


def _organization_routes(api: APIBlueprint) -> None:
    @api.get("/organizations", tags=[organizations_tag], summary="Список организаций",
             responses={200: OrganizationList})
    def list_organizations(query: ListQuery) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            filters = service.common_filters(Organization, region=query.region, municipality=query.municipality,
                                             organization=query.organization, q=query.q, status=query.status)
            rows, cursor = service.list_rows(uow.session, Organization, principal(), filters=filters,
                                             cursor=query.cursor, limit=query.limit)
            munis = {m.id: m.name for m in uow.session.exec(select(Municipality).where(
                Municipality.id.in_({r.municipality_id for r in rows}))).all()}
            return jsonify({"items": [organization_out(r, munis.get(r.municipality_id, "")) for r in rows],
                            "next_cursor": cursor})

    @api.post("/organizations", tags=[organizations_tag], summary="Добавить организацию",
              responses={201: OrganizationOut})
    def create_organization(body: OrganizationIn) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            org = service.create_organization(uow, principal(), body.model_dump(), ctx.settings.region_id)
            muni = uow.session.get(Municipality, org.municipality_id)
            return etag_response(organization_out(org, muni.name), org.version, 201)

    @api.get("/organizations/<id>", tags=[organizations_tag], summary="Организация",
             responses={200: OrganizationOut})
    def get_organization(path: IdPath) -> Response:
        with context().uow() as uow:
            org = service.get_visible(uow.session, Organization, principal(), path.id, "Организация")
            muni = uow.session.get(Municipality, org.municipality_id)
            return etag_response(organization_out(org, muni.name), org.version)

    @api.patch("/organizations/<id>", tags=[organizations_tag], summary="Изменить организацию",
               description="Оптимистическая блокировка: версия в `If-Match` или в поле `version`; устаревшая → 409.",
               responses={200: OrganizationOut})
    def patch_organization(path: IdPath, body: OrganizationPatch) -> Response:
        changes = body.model_dump(exclude_unset=True, exclude={"version"})
        with context().uow() as uow:
            org = service.patch_organization(uow, principal(), path.id, changes, expected_version(body.version))
            muni = uow.session.get(Municipality, org.municipality_id)
            return etag_response(organization_out(org, muni.name), org.version)

    @api.post("/organizations/<id>/withdraw", tags=[organizations_tag], summary="Исключить организацию",
              responses={200: OrganizationOut})
    def withdraw_organization(path: IdPath, body: WithdrawIn) -> Response:
        with context().uow() as uow:
            org = service.withdraw_organization(uow, principal(), path.id, expected_version(body.version), body.reason)
            muni = uow.session.get(Municipality, org.municipality_id)
            return etag_response(organization_out(org, muni.name), org.version)


def _person_routes(api: APIBlueprint, kind: PersonKind, plural: str, create_model: type, patch_model: type,
                   out_model: type, list_model: type, tag: Tag) -> None:
    def list_people(query: PersonQuery) -> Response:
        with context().uow() as uow:
            filters = service.common_filters(kind.model, region=query.region, municipality=query.municipality,
                                             organization=query.organization, q=query.q, status=query.status)
            filters += service.person_filters(kind, subject=query.subject, stage=query.stage,
                                              direction=query.direction, category=query.category)
            rows, cursor = service.list_rows(uow.session, kind.model, principal(), filters=filters,
                                             cursor=query.cursor, limit=query.limit)
            names = service.names_of(uow.session, {r.organization_id for r in rows})
            return jsonify({"items": [person_out(kind, r, names) for r in rows], "next_cursor": cursor})

    def create_person(body: Any) -> Response:
        with context().uow() as uow:
            row = service.create_person(uow, principal(), kind, body.model_dump())
            return person_response(uow.session, kind, row, 201)

    def get_person(path: IdPath) -> Response:
        with context().uow() as uow:
            row = service.get_visible(uow.session, kind.model, principal(), path.id, kind.label)
            return person_response(uow.session, kind, row)

    def patch_person(path: IdPath, body: Any) -> Response:
        changes = body.model_dump(exclude_unset=True, exclude={"version"})
        with context().uow() as uow:
            row = service.patch_person(uow, principal(), kind, path.id, changes, expected_version(body.version))
            return person_response(uow.session, kind, row)

    def withdraw_person(path: IdPath, body: WithdrawIn) -> Response:
        with context().uow() as uow:
            row = service.withdraw_person(uow, principal(), kind, path.id, expected_version(body.version), body.reason)
            return person_response(uow.session, kind, row)

    create_person.__annotations__["body"] = create_model
    patch_person.__annotations__["body"] = patch_model
    for view, name in ((list_people, f"list_{plural}"), (create_person, f"create_{kind.entity}"),
                       (get_person, f"get_{kind.entity}"), (patch_person, f"patch_{kind.entity}"),
                       (withdraw_person, f"withdraw_{kind.entity}")):
        view.__name__ = view.__qualname__ = name
    label = kind.label.lower()
    api.get(f"/{plural}", tags=[tag], summary=f"Список: {label}", operation_id=f"list_{plural}",
            responses={200: list_model})(list_people)
    api.post(f"/{plural}", tags=[tag], summary=f"Добавить: {label}", operation_id=f"create_{kind.entity}",
             responses={201: out_model})(create_person)
    api.get(f"/{plural}/<id>", tags=[tag], summary=f"Карточка: {label}", operation_id=f"get_{kind.entity}",
            responses={200: out_model})(get_person)
    api.patch(f"/{plural}/<id>", tags=[tag], summary=f"Изменить: {label}", operation_id=f"patch_{kind.entity}",
              description="Оптимистическая блокировка: версия в `If-Match` или в поле `version`; устаревшая → 409.",
              responses={200: out_model})(patch_person)
    api.post(f"/{plural}/<id>/withdraw", tags=[tag], summary=f"Вывести из базы: {label}",
             operation_id=f"withdraw_{kind.entity}", responses={200: out_model})(withdraw_person)


class ImportForm(BaseModel):
    file: FileStorage


def _misc_routes(api: APIBlueprint) -> None:
    @api.post("/imports", tags=[misc_tag], summary="Импорт XLSX или CSV",
              responses={200: ImportReport, 415: Problem},
              description="Файл в раскладке операторов. `dry_run=true` только проверяет; `on_error=abort` "
                          "(по умолчанию) не записывает ничего, если есть ошибки (422 с тем же отчётом); "
                          "`on_error=skip` записывает верные строки. Повторный импорт ничего не меняет.")
    def create_import(query: ImportQuery, form: ImportForm) -> Response:
        from services.registry.imports import run_import

        ctx = context()
        limit = ctx.settings.max_upload_bytes
        data = form.file.read(limit + 1)
        if len(data) > limit:
            raise PayloadTooLarge(f"Файл больше {limit // (1024 * 1024)} МБ")
        with ctx.uow() as uow:
            report = run_import(uow, principal(), kind=query.kind, data=data, filename=form.file.filename or "",
                                content_type=form.file.mimetype, dry_run=query.dry_run, on_error=query.on_error,
                                region_id=query.region or ctx.settings.region_id)
        return jsonify(report)

    @api.get("/exports/mentors.xlsx", tags=[mentors_tag], summary="Банк наставников в XLSX (колонки банка)",
             responses={200: file_answer(XLSX, "Банк наставников (XLSX)")})
    def export_xlsx(query: PersonQuery) -> Response:
        from services.registry.exports import to_xlsx

        return _export(query, to_xlsx(_bank_rows(query)), "xlsx", XLSX)

    @api.get("/exports/mentors.csv", tags=[mentors_tag], summary="Банк наставников в CSV (UTF-8 с BOM, «;»)",
             responses={200: file_answer("text/csv", "Банк наставников (CSV)")})
    def export_csv(query: PersonQuery) -> Response:
        from services.registry.exports import to_csv

        return _export(query, to_csv(_bank_rows(query)), "csv", "text/csv; charset=utf-8")

    @api.get("/audit", tags=[misc_tag], summary="Журнал изменений (администратор)", responses={200: AuditList})
    def audit(query: AuditQuery) -> Response:
        import json

        principal().require(Role.ADMIN)
        with context().uow() as uow:
            stmt = select(AuditRecord).order_by(AuditRecord.id.desc())
            if query.entity_id:
                stmt = stmt.where(AuditRecord.entity_id == query.entity_id)
            if query.actor:
                stmt = stmt.where(AuditRecord.actor == query.actor)
            if query.cursor:
                if not query.cursor.isdigit():
                    raise BadRequest("Некорректный курсор страницы")
                stmt = stmt.where(AuditRecord.id < int(query.cursor))
            rows = list(uow.session.exec(stmt.limit(query.limit + 1)).all())
            items = [{**r.model_dump(mode="json"), "changes": json.loads(r.changes) if r.changes else None}
                     for r in rows[: query.limit]]
            return jsonify({"items": items, "next_cursor": str(rows[query.limit - 1].id)
                            if len(rows) > query.limit else None})


def _bank_rows(query: Any) -> list[list[object]]:
    from services.registry.exports import bank_rows

    with context().uow() as uow:
        filters = service.common_filters(MENTORS.model, region=query.region, municipality=query.municipality,
                                         organization=query.organization, q=query.q, status=query.status)
        filters += service.person_filters(MENTORS, subject=query.subject, stage=query.stage,
                                          direction=query.direction, category=query.category)
        rows = service.all_rows(uow.session, MENTORS.model, principal(), filters=filters)
        return bank_rows(rows, service.names_of(uow.session, {r.organization_id for r in rows}))


def _export(query: Any, body: bytes, extension: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype.split(";")[0], content_type=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=mentors.{extension}"
    return response
