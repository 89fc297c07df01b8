"""Views of the municipal facts (seed 000 rows 4, 5, 7–12): record one with a link or a document, list, download."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from flask import Response, has_request_context, jsonify, request
from flask_openapi3 import APIBlueprint, FileStorage, Tag
from pydantic import BaseModel, Field, model_validator

from services.reports.api.responses import MunicipalFactOut, MunicipalFacts
from services.reports.domain.catalog import FACT_CODES
from services.reports.domain.fact_rules import MAX_EVIDENCE_BYTES, MEDIA_TYPES, FactEntry
from services.reports.use_cases.municipal_facts import Document, SavedFact, evidence_of, list_facts, record_fact
from shared.errors import ValidationFailed
from shared.fields import Day, Query, WebUrl
from shared.openapi import file_answer
from shared.web import context, principal

facts_tag = Tag(name="Муниципальные показатели", description="Факты муниципалитета по показателям 4, 5, 7–12 "
                                                              "seed 000 с датой и подтверждением")


# The codes of the facts an operator records, as the schema's enum; the request is checked by `FactEntry`, whose
# refusal names the unknown code in Russian.
FactCode = Annotated[str, Field(max_length=50, json_schema_extra={"enum": list(FACT_CODES)})]


class FactForm(BaseModel):
    """A record as a form (multipart/form-data when a document is attached).

    flask-openapi3 reads every form value as JSON first: `0` would arrive as a number (refused by a text field)
    and `null` as nothing at all; each text part keeps what the client wrote, and the fields parse it themselves.
    """

    code: FactCode = Field(description="код показателя")
    municipality_id: str = Field(min_length=1, max_length=36)
    value: float = Field(ge=0, le=10_000, description="1 — да, 0 — нет; для показателей 11 и 12 — количество")
    recorded_on: Day = Field(description="дата события или документа")
    # no `| None`: a multipart form cannot say null (an absent field is None), so the schema does not offer it
    evidence_url: WebUrl = Field(None, description="ссылка на подтверждение")  # type: ignore[assignment]
    file: FileStorage = Field(None, description=f"документ-подтверждение до {MAX_EVIDENCE_BYTES} байт")  # type: ignore[assignment]

    @model_validator(mode="before")
    @classmethod
    def _as_sent(cls, data: Any) -> Any:
        if not (has_request_context() and isinstance(data, dict)):
            return data
        return {**data, **{name: text for name, text in request.form.items() if name in cls.model_fields}}


class FactsQuery(Query):
    municipality_id: str | None = Field(None, max_length=36)
    code: Literal[FACT_CODES] | None = None  # type: ignore[valid-type]


class FactPath(BaseModel):
    fact_id: int = Field(ge=1, le=2**31 - 1)  # a serial id: what the integer column can hold


def fact_json(fact: SavedFact) -> dict[str, Any]:
    """A stored record as `MunicipalFactOut`."""
    return {"id": fact.id, "code": fact.code, "number": fact.number, "label": fact.label,
            "municipality_id": fact.municipality_id, "municipality_name": fact.municipality_name,
            "region_id": fact.region_id, "value": fact.value, "recorded_on": fact.recorded_on.isoformat(),
            "evidence_url": fact.evidence_url, "evidence_name": fact.evidence_name,
            "evidence_type": fact.evidence_type, "evidence_size": fact.evidence_size,
            "evidence_download": None if fact.evidence_name is None else f"/api/v1/municipal-facts/{fact.id}/evidence",
            "recorded_by": fact.recorded_by, "recorded_at": fact.recorded_at.isoformat()}


def register(api: APIBlueprint) -> None:
    """Add the municipal fact operations to the `/api/v1` blueprint."""

    @api.post("/municipal-facts", tags=[facts_tag], summary="Внести муниципальный показатель с подтверждением",
              responses={201: MunicipalFactOut},
              description="Да/нет (1/0) или количество на дату, со ссылкой или документом (PDF, PNG, JPEG, DOCX, "
                          "XLSX, ODT, ODS). Прежние записи сохраняются; действует последняя по дате.")
    def post_fact(form: FactForm) -> Response:
        document = None
        size = 0
        if form.file is not None and not hasattr(form.file, "filename"):  # a text field named «file»
            raise ValidationFailed("Документ-подтверждение нужно приложить файлом",
                                   errors=[{"field": "file", "message": "приложите файл"}])
        if form.file is not None and form.file.filename:
            content = form.file.read(MAX_EVIDENCE_BYTES + 1)
            document, size = Document(form.file.filename, content), len(content)
        entry = FactEntry(form.code, form.municipality_id, form.value, form.recorded_on, form.evidence_url,
                          document.name if document else None, size)
        saved = record_fact(context().uow, principal(), entry, document)
        response = jsonify(fact_json(saved))
        response.status_code = 201
        return response

    @api.get("/municipal-facts", tags=[facts_tag], summary="Записи муниципальных показателей (новые сначала)",
             responses={200: MunicipalFacts})
    def get_facts(query: FactsQuery) -> Response:
        items = list_facts(context().uow, principal(), query.municipality_id, query.code)
        return jsonify({"items": [fact_json(f) for f in items]})

    @api.get("/municipal-facts/<fact_id>/evidence", tags=[facts_tag], summary="Документ-подтверждение записи",
             responses={200: file_answer(MEDIA_TYPES.values(), "Документ")})
    def get_evidence(path: FactPath) -> Response:
        content, name, media = evidence_of(context().uow, principal(), path.fact_id)
        response = Response(content, mimetype=media)
        response.headers["Content-Disposition"] = f"attachment; filename=\"evidence\"; filename*=UTF-8''{quote(name)}"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
