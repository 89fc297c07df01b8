"""What the run pages read: the scopes a person may match (by name), who did what (names from the console's own
accounts), and one page of a run's proposals as the matching API filters, pages and counts them."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from sqlmodel import select

from services.console.adapters.tables import Account
from services.console.context import console
from services.console.pages.common import api, labels, municipality_rows, organizations
from services.console.pages.paging import Pager, parse_stack
from services.console.pages.run_words import CHANGES, DECISIONS
from services.console.roles import ADMIN, MUNICIPAL, ROLE_LABELS

PAGE_SIZE = 25
ALL_REGIONS = "все регионы (по запуску на регион)"


def own_region() -> tuple[str, str]:
    settings = console().settings
    region = current_user.region_id or settings.region_id
    name = current_user.scope_name if (current_user.scope or "").startswith("region:") else None
    return f"region:{region}", name or settings.region_name


def scope_choices() -> list[tuple[str, str]]:
    """The scopes the person may start a run for, by name: a municipal operator's own district only; a region
    operator's region and its districts; an admin the installation's region and every district."""
    if current_user.role == MUNICIPAL:
        return [(current_user.scope or "", current_user.scope_name or "Ваш район")]
    region, name = own_region() if current_user.role != ADMIN else (
        f"region:{console().settings.region_id}", console().settings.region_name)
    districts = [(f"municipality:{m['id']}", m["name"]) for m in municipality_rows()]
    everywhere = [("all", ALL_REGIONS)] if current_user.role == ADMIN else []
    return [(region, f"{name} (весь регион)"), *districts, *everywhere]


def scope_names() -> dict[str, str]:
    """`kind:id` → name of every region, district and organization the person sees."""
    settings = console().settings
    names = {f"region:{settings.region_id}": settings.region_name, "all": ALL_REGIONS,
             "regions": "несколько регионов"}
    if current_user.role != ADMIN and (current_user.scope or "").startswith("region:"):
        names[current_user.scope] = current_user.scope_name or settings.region_name
    names.update({f"municipality:{m['id']}": m["name"] for m in municipality_rows()})
    names.update({f"organization:{o['id']}": f"{o['name']} ({o['municipality_name']})" for o in organizations()})
    if current_user.scope and current_user.scope_name:
        names.setdefault(current_user.scope, current_user.scope_name)
    return names


class People:
    """Names of who started, reviewed and published runs: `role:account-id` → the account's name."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def name(self, actor: str | None) -> str:
        if not actor:
            return "—"
        if actor not in self.seen:
            role, _, ident = actor.partition(":")
            with console().read() as session:
                account = session.exec(select(Account).where(Account.id == ident)).first() if ident else None
            label = ROLE_LABELS.get(role, "служебная учётная запись")
            self.seen[actor] = account.full_name if account else f"{label} (не через консоль)"
        return self.seen[actor]


def named_run(run: dict[str, Any], names: dict[str, str], people: People) -> dict[str, Any]:
    """The run with the names of its scope, of who did what, and of its regions' runs' regions."""
    run["scope_name"] = names.get(run["scope"], "область вне вашего списка")
    for who in ("requested_by", "reviewed_by", "published_by"):
        run[f"{who}_name"] = people.name(run.get(who))
    for child in run.get("child_runs") or []:
        child["region_name"] = names.get(f"region:{child['region_id']}", f"регион {child['region_id']}")
    return run


def proposal_filters() -> dict[str, str]:
    """The table's filters from the query string: the mentee's school (by id), the subject (a dictionary code) and
    a draft's decision and change (each one of its options)."""
    args = request.args
    decision, change, subject = args.get("decision", ""), args.get("change", ""), args.get("subject", "")
    return {"tab": "proposals", "decision": decision if decision in DECISIONS else "",
            "change": change if change in CHANGES else "",
            "subject": subject if subject in labels("subjects") else "", "school": args.get("school", "")[:36]}


def proposals_page(run: dict[str, Any], filters: dict[str, str]) -> tuple[list[dict[str, Any]], Pager]:
    """One page of proposals, filtered, paged and counted by the matching API (its `total` under the filters)."""
    cursor, back = request.args.get("cursor") or None, parse_stack(request.args.get("back"))
    page = api().run_proposals(run["id"], cursor=cursor, limit=PAGE_SIZE, decision=filters["decision"],
                               change=filters["change"], organization_id=filters["school"],
                               subject=filters["subject"])
    return page["items"], Pager(filters, cursor, back, page.get("next_cursor"), total=page["total"],
                                size=PAGE_SIZE, shown=len(page["items"]))
