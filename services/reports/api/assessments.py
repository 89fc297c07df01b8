"""Views of the municipal self-assessments: save one for a period, list those the caller may see."""

from __future__ import annotations

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint

from services.reports.api.responses import AssessmentOut, Assessments
from services.reports.api.schemas import AssessmentIn, AssessmentQuery, assessment_tag
from services.reports.api.serialize import assessment_json
from services.reports.domain.criteria import CRITERIA
from services.reports.use_cases.assessments import list_assessments, save_assessment
from shared.web import context, principal


def register(api: APIBlueprint) -> None:
    """Add the self-assessment operations to the `/api/v1` blueprint."""

    @api.post("/assessments", tags=[assessment_tag], summary="Сохранить самооценку муниципалитета за период",
              responses={200: AssessmentOut})
    def post_assessment(body: AssessmentIn) -> Response:
        saved = save_assessment(context().uow, principal(), body.municipality_id, body.period,
                                body.answers.model_dump(exclude_unset=True))
        return jsonify(assessment_json(saved))

    @api.get("/assessments", tags=[assessment_tag], summary="Самооценки с баллами и уровнем",
             responses={200: Assessments})
    def get_assessments(query: AssessmentQuery) -> Response:
        items = list_assessments(context().uow, principal(), query.municipality_id, query.period)
        return jsonify({"criteria": [{"code": c.code, "number": c.number, "label": c.label_ru} for c in CRITERIA],
                        "items": [assessment_json(saved) for saved in items]})
