"""Pairs: the list by state (names, not ids) and its XLSX, the pair's page with its actions, the order as DOCX (the
draft of the accepted proposals, or a signed order by its number), and the mentee's page with suggested mentors;
school curators see their school, operators their scope."""

from __future__ import annotations

from itertools import islice
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from services.console.client import ServiceError
from services.console.pages import exports, pair_actions, suggestions
from services.console.pages.common import api, organization_choices, roles
from services.console.pages.paging import Pager, parse_stack
from services.console.pages.pair_view import Names, render_pair
from services.console.pages.pair_words import OPEN_STATES, STATES
from services.console.roles import ADMIN, CURATOR, MUNICIPAL, REGION

WORKERS = (ADMIN, REGION, MUNICIPAL, CURATOR)
PAGE_SIZE = 25
OPEN_SHOWN = 100
STATE_FILTER = {"open": "В работе", **{k: v.capitalize() for k, v in STATES.items()}, "all": "Все"}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(filename: str) -> str:
    return f"attachment; filename=\"order.docx\"; filename*=UTF-8''{quote(filename)}"


def own_school() -> str:
    """The curator's organization, or the one the operator picked (only from the visible ones)."""
    if current_user.role == CURATOR and current_user.scope:
        return current_user.scope.partition(":")[2]
    chosen = request.args.get("organization", "")
    return chosen if chosen in dict(organization_choices()) else ""


def list_filters() -> dict[str, str]:
    state = request.args.get("state", "open")
    return {"state": state if state in STATE_FILTER else "open", "organization": own_school()}


def page_of_pairs(filters: dict[str, str]) -> tuple[list[dict[str, Any]], Pager]:
    """One page of pairs; «в работе» reads the three open states one after another (a short list)."""
    cursor, back = request.args.get("cursor") or None, parse_stack(request.args.get("back"))
    organization = filters["organization"] or None
    if filters["state"] == "open":
        every = (p for state in OPEN_STATES for p in api().pairs(state=state, organization=organization))
        return list(islice(every, OPEN_SHOWN + 1)), Pager(filters, None, [], None)
    state = None if filters["state"] == "all" else filters["state"]
    page = api().get("matching", "/api/v1/pairs", state=state, organization=organization, cursor=cursor,
                     limit=PAGE_SIZE)
    return page["items"], Pager(filters, cursor, back, page.get("next_cursor"))


def unmatched(organization: str, pairs_open: set[str]) -> list[dict[str, Any]]:
    """The school's active mentees without a pair in work (only when the list shows one school's open pairs)."""
    try:
        mentees = list(api().every("registry", "/api/v1/mentees", organization=organization))
    except ServiceError:
        return []
    return sorted((m for m in mentees if m["id"] not in pairs_open), key=lambda m: m["full_name"])


def signed_orders(items: list[dict[str, Any]]) -> list[str]:
    """The numbers of the orders that confirmed the listed pairs in work, each once."""
    return sorted({p["order_number"] for p in items if p["state"] in ("confirmed", "active") and p.get("order_number")})


def blueprint() -> Blueprint:
    bp = Blueprint("pairs", __name__)

    @bp.get("/pairs/")
    @roles(*WORKERS)
    def index():
        filters = list_filters()
        items, pager = page_of_pairs(filters)
        more = len(items) > OPEN_SHOWN
        items = items[:OPEN_SHOWN]
        names = Names()
        for pair in items:
            names.fill(pair)
        waiting = unmatched(filters["organization"], {p["mentee_id"] for p in items}) \
            if filters["organization"] and filters["state"] == "open" else None
        return render_template("pairs/list.html", items=items, pager=pager, filters=filters, states=STATE_FILTER,
                               more=more, organizations=organization_choices("все организации"), waiting=waiting,
                               curator=current_user.role == CURATOR, orders=signed_orders(items),
                               proposals=any(p["state"] == "proposed" for p in items))

    @bp.get("/pairs/export.xlsx")
    @roles(*WORKERS)
    def export():
        filters = list_filters()
        state = filters["state"] if filters["state"] not in ("open", "all") else None
        answer = api().request("matching", "GET", "/api/v1/pairs.xlsx", timeout=300, params={
            k: v for k, v in (("state", state), ("organization", filters["organization"])) if v})
        return exports.handed_over(answer, "Наставнические пары.xlsx")

    @bp.get("/pairs/order.docx")
    @roles(ADMIN, REGION, MUNICIPAL, CURATOR)
    def order():
        """The school's order: the draft of its accepted proposals (or of the chosen `pair`s), or the signed
        order `order_number`."""
        organization = own_school()
        if not organization:
            abort(404)
        number = request.args.get("order_number", "").strip()
        params: dict[str, Any] = {"organization": organization, "pair": request.args.getlist("pair")}
        if number:
            params["order_number"] = number
        answer = api().request("matching", "GET", "/api/v1/documents/order.docx", params=params)
        title = f"Приказ № {number} о закреплении пар.docx" if number else "Проект приказа о закреплении пар.docx"
        response = Response(answer.content, mimetype=DOCX)
        response.headers["Content-Disposition"] = attachment(title)
        return response

    @bp.get("/pairs/<ident>")
    @roles(*WORKERS)
    def page(ident: str):
        return render_pair(ident)

    pair_actions.install(bp)
    suggestions.install(bp)
    return bp
