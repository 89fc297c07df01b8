"""Public routes: the bank of mentors as JSON and as a server-rendered page (no token needed)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, jsonify, render_template, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from services.registry.bank import bank_page, districts, labels
from services.registry.schemas import BankList, BankQuery, Dictionaries
from shared.dictionaries import as_json
from shared.web import Problem, context

bank_tag = Tag(name="Банк наставников (публичный)", description="Без токена: только согласившиеся на публикацию")
dictionaries_tag = Tag(name="Справочники и журнал")


def build_public() -> APIBlueprint:
    bp = APIBlueprint("registry_public", __name__, abp_security=[], abp_responses={400: Problem, 422: Problem},
                      template_folder="templates")

    @bp.get("/api/v1/dictionaries", tags=[dictionaries_tag], summary="Справочники: коды, названия, написания",
            responses={200: Dictionaries})
    def dictionaries() -> Response:
        return jsonify(as_json())

    @bp.get("/api/v1/bank", tags=[bank_tag], summary="Опубликованный банк наставников", responses={200: BankList})
    def bank_json(query: BankQuery) -> Response:
        with context().uow() as uow:
            entries, cursor = bank_page(uow.session, query)
            return jsonify({"items": [e.model_dump(mode="json") for e in entries], "next_cursor": cursor})

    @bp.get("/bank", summary="Страница банка наставников", responses={200: None}, doc_ui=False)
    def bank_html() -> Response:
        try:
            query = BankQuery.model_validate({k: v for k, v in request.args.items() if v != ""})
        except ValidationError:
            query = BankQuery()
        with context().uow() as uow:
            entries, cursor = bank_page(uow.session, query)
            choices = districts(uow.session)
        kept = {k: v for k, v in request.args.items() if k != "cursor" and v}
        next_query = urlencode({**kept, "cursor": cursor or ""})
        html = render_template("bank.html", entries=entries, districts=choices, query=query, next_cursor=cursor,
                               next_query=next_query, dicts=as_json(), labels=labels)
        return Response(html, mimetype="text/html")

    return bp
