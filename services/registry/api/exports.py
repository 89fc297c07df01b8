"""The bank of mentors the caller may see, downloaded as XLSX or as CSV (the bank's columns)."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint

from services.registry.adapters.exports import to_csv, to_xlsx
from services.registry.api.people import person_filters
from services.registry.api.schemas.common import PersonQuery
from services.registry.api.tags import mentors_tag
from services.registry.use_cases.exports import export_mentors
from shared.openapi import file_answer
from shared.web import context, principal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register(api: APIBlueprint) -> None:
    """GET /exports/mentors.xlsx and /exports/mentors.csv."""

    @api.get("/exports/mentors.xlsx", tags=[mentors_tag], summary="Банк наставников в XLSX (колонки банка)",
             responses={200: file_answer(XLSX, "Банк наставников (XLSX)")})
    def export_xlsx(query: PersonQuery) -> Response:
        return _download(to_xlsx(_bank_rows(query)), "xlsx", XLSX)

    @api.get("/exports/mentors.csv", tags=[mentors_tag], summary="Банк наставников в CSV (UTF-8 с BOM, «;»)",
             responses={200: file_answer("text/csv", "Банк наставников (CSV)")})
    def export_csv(query: PersonQuery) -> Response:
        return _download(to_csv(_bank_rows(query)), "csv", "text/csv; charset=utf-8")


def _bank_rows(query: PersonQuery) -> list[list[object]]:
    with context().uow() as uow:
        return export_mentors(uow, principal(), person_filters(query))


def _download(body: bytes, extension: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype.split(";")[0], content_type=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=mentors.{extension}"
    return response
