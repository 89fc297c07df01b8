"""The operators' review of a run over HTTP: decisions on a draft, publication, discarding, withdrawal, and the
workbooks for the schools."""

from __future__ import annotations

from datetime import date

from flask import Response, jsonify
from flask_openapi3 import APIBlueprint, Tag

from services.matching.api.responses import RunOut
from services.matching.api.review_responses import DecisionCounts, PublishOut, WithdrawOut
from services.matching.api.run_schemas import DecisionsIn, RunPath
from services.matching.use_cases import run_publication, run_review, runs
from services.matching.use_cases.run_downloads import proposals_workbook, unmatched_workbook
from shared.openapi import file_answer
from shared.web import SECURITY, Problem, context, principal
from shared.xlsx import XLSX

PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem}
review_tag = Tag(name="Проверка подбора", description="Черновик подбора: решения, публикация, отмена, отзыв пар")


def _download(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def build_review_api() -> APIBlueprint:
    """The review and download endpoints of runs (`/api/v1/runs/<id>/…`)."""
    api = APIBlueprint("run_review_api", __name__, url_prefix="/api/v1", abp_security=SECURITY,
                       abp_responses=PROBLEMS)

    @api.post("/runs/<id>/decisions", tags=[review_tag], summary="Решения по предложениям черновика",
              responses={200: DecisionCounts, 409: Problem},
              description="Одобрить (approve), отклонить (drop) или вернуть на рассмотрение (undo) предложения по "
                          "id, или все сразу ({\"all\": \"approve\"}). До публикации любое решение можно отменить. "
                          "409 — запуск не черновик на проверке.")
    def decisions(path: RunPath, body: DecisionsIn) -> Response:
        named = {"approve": body.approve or [], "drop": body.drop or [], "undo": body.undo or []}
        with context().uow() as uow:
            return jsonify(run_review.decide(uow, principal(), path.id, named, body.all))

    @api.post("/runs/<id>/publish", tags=[review_tag], summary="Опубликовать одобренные предложения как пары",
              responses={200: PublishOut, 409: Problem},
              description="Одобренные предложения становятся предложенными парами (с событиями). Если наставники, "
                          "наставляемые или пары изменились после подбора, ничего не публикуется: подбор "
                          "пересчитывается, ответ 409 с resolved_again: true.")
    def publish(path: RunPath) -> Response:
        ctx = context()
        with ctx.uow() as uow:
            return jsonify(run_publication.publish(uow, principal(), path.id, ctx.settings))

    @api.post("/runs/<id>/discard", tags=[review_tag], summary="Отменить черновик: пары не создаются",
              responses={200: RunOut, 409: Problem})
    def discard(path: RunPath) -> Response:
        with context().uow() as uow:
            run = run_review.discard(uow, principal(), path.id)
            return jsonify(runs.read_run(uow.session, principal(), run.id))

    @api.post("/runs/<id>/withdraw", tags=[review_tag], summary="Отозвать неотвеченные предложения запуска",
              responses={200: WithdrawOut, 409: Problem},
              description="Каждая пара запуска в состоянии «предложена» становится «предложение отозвано». "
                          "Отзыв не отказ: следующие запуски могут предложить эти пары снова.")
    def withdraw(path: RunPath) -> Response:
        with context().uow() as uow:
            return jsonify({"withdrawn": run_publication.withdraw(uow, principal(), path.id, date.today())})

    @api.get("/runs/<id>/proposals.xlsx", tags=[review_tag], summary="Предложения запуска для школ (XLSX)",
             responses={200: file_answer(XLSX, "Предложения: школа, наставляемый, наставник, решение, стоимость")})
    def proposals_xlsx(path: RunPath) -> Response:
        with context().uow() as uow:
            body = proposals_workbook(uow.session, principal(), path.id)
        return _download(body, f"proposals-{path.id}.xlsx")

    @api.get("/runs/<id>/unmatched.xlsx", tags=[review_tag], summary="Наставляемые без наставника (XLSX)",
             responses={200: file_answer(XLSX, "Наставляемые без пары: школа, предмет, уровень, причина")})
    def unmatched_xlsx(path: RunPath) -> Response:
        with context().uow() as uow:
            body = unmatched_workbook(uow.session, principal(), path.id)
        return _download(body, f"unmatched-{path.id}.xlsx")

    return api
