"""Views of the half-year monitoring: submit, list, read, download the frozen file, reopen, the region's overview."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint

from services.reports.api.serialize import indicator_json
from services.reports.api.submission_schemas import (
    OverviewOut,
    OverviewQuery,
    ReopenIn,
    SubmissionIn,
    SubmissionOut,
    SubmissionPath,
    Submissions,
    SubmissionsQuery,
    submission_tag,
)
from services.reports.domain.submission import ACTION_LABELS, STATUS_LABELS
from services.reports.domain.submission_overview import Overview
from services.reports.use_cases import submission_reading as reading
from services.reports.use_cases.submissions import Submission, reopen, submit
from shared.openapi import Problem, file_answer
from shared.web import context, principal

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def register(api: APIBlueprint) -> None:
    """Add the monitoring operations to the `/api/v1` blueprint."""
    tags = [submission_tag]

    @api.post("/submissions", tags=tags, summary="Сдать показатели полугодия (отчёт замораживается)",
              responses={201: SubmissionOut, 409: Problem})
    def post_submission(body: SubmissionIn) -> Response:
        saved = submit(context().uow, principal(), body.period, body.municipality, indicator_json)
        return _json(submission_json(saved), 201)

    @api.get("/submissions", tags=tags, summary="Сданные отчёты мониторинга (все версии)",
             responses={200: Submissions})
    def get_submissions(query: SubmissionsQuery) -> Response:
        items = reading.list_submissions(context().uow, principal(), query.period, query.municipality)
        return jsonify({"items": [brief_json(item) for item in items], "total": len(items)})

    @api.get("/submissions/overview", tags=tags, summary="Сводка региона: муниципалитеты и их показатели рядом",
             responses={200: OverviewOut})
    def get_overview(query: OverviewQuery) -> Response:
        found = reading.overview(context().uow, principal(), query.period, query.region, context().settings.region_id)
        return jsonify(overview_json(found))

    @api.get("/submissions/overview.xlsx", tags=tags, summary="Сводка региона в XLSX",
             responses={200: file_answer(XLSX, "Сводка мониторинга (XLSX)")})
    def get_overview_xlsx(query: OverviewQuery) -> Response:
        content = reading.overview_workbook(context().uow, principal(), query.period, query.region,
                                            context().settings.region_id)
        return _file(content, f"monitoring-{query.period}.xlsx")

    @api.get("/submissions/<id>", tags=tags, summary="Отчёт мониторинга: показатели на момент сдачи и история",
             responses={200: SubmissionOut})
    def get_submission(path: SubmissionPath) -> Response:
        return jsonify(submission_json(reading.get_submission(context().uow, principal(), path.id)))

    @api.get("/submissions/<id>.xlsx", tags=tags, summary="Замороженный XLSX отчёта (байт в байт как при сдаче)",
             responses={200: file_answer(XLSX, "Отчёт мониторинга (XLSX)")})
    def get_submission_xlsx(path: SubmissionPath) -> Response:
        content, _ = reading.submission_file(context().uow, principal(), path.id)
        return _file(content, f"submission-{path.id}.xlsx")

    @api.post("/submissions/<id>/reopen", tags=tags, summary="Вернуть сданный отчёт на доработку (регион, с причиной)",
              responses={200: SubmissionOut, 409: Problem})
    def post_reopen(path: SubmissionPath, body: ReopenIn) -> Response:
        return jsonify(submission_json(reopen(context().uow, principal(), path.id, body.reason)))


def _json(body: dict[str, Any], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _file(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def brief_json(item: Submission) -> dict[str, Any]:
    """A stored version as `SubmissionBrief`."""
    period = item.half.period
    return {"id": item.id, "municipality_id": item.municipality_id, "municipality_name": item.municipality_name,
            "region_id": item.region_id, "period": item.half.code, "period_label": item.half.label_ru,
            "start": period.start.isoformat(), "end": period.end.isoformat(), "version": item.version,
            "status": item.status, "status_label": STATUS_LABELS[item.status], "sha256": item.sha256,
            "submitted_by": item.submitted_by, "submitted_at": item.submitted_at.isoformat()}


def submission_json(item: Submission) -> dict[str, Any]:
    """A stored version with its frozen figures and its audit, as `SubmissionOut`."""
    return {**brief_json(item), "figures": item.figures,
            "history": [{"action": e.action, "action_label": ACTION_LABELS.get(e.action, e.action), "actor": e.actor,
                         "reason": e.reason, "at": e.at.isoformat()} for e in item.history]}


def overview_json(overview: Overview) -> dict[str, Any]:
    """The region's overview as `OverviewOut`."""
    return {"region_id": overview.region_id, "period": overview.half.code, "period_label": overview.half.label_ru,
            "submitted": overview.submitted, "total": len(overview.columns),
            "municipalities": [{"municipality_id": c.municipality_id, "name": c.name, "status": c.status,
                                "status_label": c.status_label,
                                "submission_id": c.latest.submission_id if c.latest else None,
                                "version": c.latest.version if c.latest else None,
                                "submitted_at": c.latest.submitted_at.isoformat() if c.latest else None,
                                "submitted_by": c.latest.submitted_by if c.latest else None}
                               for c in overview.columns],
            "rows": [{"code": r.code, "label": r.label, "unit": r.unit, "values": list(r.values)}
                     for r in overview.rows]}
