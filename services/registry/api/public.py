"""Public routes: the bank of mentors as JSON and as a server-rendered page, and the dictionaries (no token)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, jsonify, render_template, request
from flask_openapi3 import APIBlueprint
from pydantic import ValidationError

from services.registry.api.applications import register_public
from services.registry.api.public_forms import register_forms
from services.registry.api.schemas.bank import BankEntry, BankList, BankQuery, Dictionaries
from services.registry.api.tags import bank_tag, misc_tag
from services.registry.use_cases.bank import browse_bank, list_districts
from services.registry.use_cases.results import Page, PersonCard
from shared.db import UnitOfWork
from shared.dictionaries import as_json, labels
from shared.web import Problem, context


def bank_entry(card: PersonCard) -> BankEntry:
    """Only the public fields of a published mentor."""
    m = card.person
    return BankEntry(
        id=m.id, full_name=m.full_name, organization_name=card.organization_name,
        municipality_name=card.municipality_name, subjects=m.subjects, stages=m.stages, directions=m.directions,
        mentee_categories=m.mentee_categories, qualification_category=m.qualification_category, formats=m.formats,
        page_url=m.page_url,
    )


def bank_page(uow: UnitOfWork, query: BankQuery) -> Page[BankEntry]:
    """One page of the public bank as the query asks for it."""
    page = browse_bank(uow, district=query.district, subject=query.subject, stage=query.stage,
                       direction=query.direction, q=query.q, cursor=query.cursor, limit=query.limit)
    return Page([bank_entry(card) for card in page.items], page.next_cursor)


def build_public() -> APIBlueprint:
    """The dictionaries, the bank as JSON and the bank page (/bank, not in OpenAPI), and the applications a
    teacher sends from it (JSON and the pages' forms)."""
    bp = APIBlueprint("registry_public", __name__, abp_security=[], abp_responses={400: Problem, 422: Problem},
                      template_folder="templates")

    @bp.get("/api/v1/dictionaries", tags=[misc_tag], summary="Справочники: коды, названия, написания",
            responses={200: Dictionaries})
    def dictionaries() -> Response:
        return jsonify(as_json())

    @bp.get("/api/v1/bank", tags=[bank_tag], summary="Опубликованный банк наставников", responses={200: BankList})
    def bank_json(query: BankQuery) -> Response:
        with context().uow() as uow:
            page = bank_page(uow, query)
            return jsonify({"items": [e.model_dump(mode="json") for e in page.items],
                            "next_cursor": page.next_cursor})

    @bp.get("/bank", summary="Страница банка наставников", responses={200: None}, doc_ui=False)
    def bank_html() -> Response:
        try:
            query = BankQuery.model_validate({k: v for k, v in request.args.items() if v != ""})
        except ValidationError:
            query = BankQuery()
        with context().uow() as uow:
            page = bank_page(uow, query)
            choices = list_districts(uow)
        kept = {k: v for k, v in request.args.items() if k != "cursor" and v}
        next_query = urlencode({**kept, "cursor": page.next_cursor or ""})
        html = render_template("bank.html", entries=page.items, districts=choices, query=query,
                               next_cursor=page.next_cursor, next_query=next_query, dicts=as_json(), labels=labels)
        return Response(html, mimetype="text/html")

    register_public(bp, bank_tag)
    register_forms(bp)
    return bp
