"""Downloads of what the caller may see: the bank of mentors as XLSX or CSV (the bank's columns), the base of
mentees as XLSX in its import layout; each file is written while the rows are read, then sent in chunks."""

from __future__ import annotations

from flask import Response
from flask_openapi3 import APIBlueprint

from services.registry.adapters.exports import bank_rows, mentee_rows, to_csv, to_xlsx
from services.registry.adapters.templates import layout_xlsx
from services.registry.api.downloads import XLSX, download
from services.registry.api.people import person_filters
from services.registry.api.schemas.common import PersonQuery
from services.registry.api.tags import mentees_tag, mentors_tag
from services.registry.use_cases.exports import export_mentees, export_mentors
from shared.openapi import file_answer
from shared.web import context, principal


def register(api: APIBlueprint) -> None:
    """GET /exports/mentors.xlsx, /exports/mentors.csv and /exports/mentees.xlsx."""

    @api.get("/exports/mentors.xlsx", tags=[mentors_tag], summary="Банк наставников в XLSX (колонки банка)",
             responses={200: file_answer(XLSX, "Банк наставников (XLSX)")})
    def export_xlsx(query: PersonQuery) -> Response:
        with context().uow() as uow:
            body = to_xlsx(bank_rows(export_mentors(uow, principal(), person_filters(query))))
        return download(body, "mentors.xlsx", XLSX)

    @api.get("/exports/mentors.csv", tags=[mentors_tag], summary="Банк наставников в CSV (UTF-8 с BOM, «;»)",
             responses={200: file_answer("text/csv", "Банк наставников (CSV)")})
    def export_csv(query: PersonQuery) -> Response:
        with context().uow() as uow:
            body = to_csv(bank_rows(export_mentors(uow, principal(), person_filters(query))))
        return download(body, "mentors.csv", "text/csv; charset=utf-8")

    @api.get("/exports/mentees.xlsx", tags=[mentees_tag], summary="База наставляемых в XLSX (раскладка импорта)",
             description="Те же фильтры, что у списка наставляемых. Столбцы — раскладка импорта наставляемых: "
                         "повторный импорт файла ничего не меняет.",
             responses={200: file_answer(XLSX, "База наставляемых (XLSX)")})
    def export_mentees_xlsx(query: PersonQuery) -> Response:
        with context().uow() as uow:
            rows, mentor_names = export_mentees(uow, principal(), person_filters(query))
            body = layout_xlsx("mentees", mentee_rows(rows, mentor_names))
        return download(body, "mentees.xlsx", XLSX)
