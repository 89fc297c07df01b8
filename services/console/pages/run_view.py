"""What the run pages read: the scopes a person may match (by name), who did what (names from the console's own
accounts), and one page of a run's proposals with the filters the matching API lacks applied here."""

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
    return [(region, f"{name} (весь регион)"), *districts]


def scope_names() -> dict[str, str]:
    """`kind:id` → name of every region, district and organization the person sees."""
    settings = console().settings
    names = {f"region:{settings.region_id}": settings.region_name}
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
    run["scope_name"] = names.get(run["scope"], "область вне вашего списка")
    for who in ("requested_by", "reviewed_by", "published_by"):
        run[f"{who}_name"] = people.name(run.get(who))
    return run


def proposal_filters(run: dict[str, Any]) -> dict[str, str]:
    """The table's filters from the query string, each one of its options (the school by name, as the API
    names it)."""
    args = request.args
    decision, change = args.get("decision", ""), args.get("change", "")
    subject, school = args.get("subject", ""), args.get("school", "").strip()[:300]
    return {"tab": "proposals", "decision": decision if decision in DECISIONS else "",
            "change": change if change in CHANGES else "",
            "subject": subject if subject in labels("subjects") else "", "school": school}


def school_options(run: dict[str, Any]) -> list[str]:
    """The schools of the run's scope by name (the API names a proposal's school, not its id)."""
    kind, _, ident = run["scope"].partition(":")
    key = {"municipality": "municipality_id", "organization": "id"}.get(kind)
    return sorted({o["name"] for o in organizations() if key is None or o.get(key) == ident})


def proposals_page(run: dict[str, Any], filters: dict[str, str]) -> tuple[list[dict[str, Any]], Pager]:
    """One page of proposals: the API pages by decision and change itself; a school or subject filter is
    applied here over every proposal (then the cursor is an offset)."""
    cursor, back = request.args.get("cursor") or None, parse_stack(request.args.get("back"))
    asked = {"decision": filters["decision"] or None, "change": filters["change"] or None}
    if not (filters["school"] or filters["subject"]):
        page = api().run_proposals(run["id"], cursor=cursor, limit=PAGE_SIZE, **asked)
        total = shown_total(run, filters)
        return page["items"], Pager(filters, cursor, back, page.get("next_cursor"), total=total, size=PAGE_SIZE,
                                    shown=len(page["items"]))
    found = [p for p in api().every_run_proposal(run["id"], **asked)
             if (not filters["school"] or filters["school"] in (p["mentee_organization"], p["mentor_organization"]))
             and (not filters["subject"] or p.get("subject") == filters["subject"])]
    start = int(cursor) if (cursor or "").isdigit() else 0
    items = found[start:start + PAGE_SIZE]
    following = str(start + PAGE_SIZE) if start + PAGE_SIZE < len(found) else None
    return items, Pager(filters, cursor, back, following, total=len(found), size=PAGE_SIZE, shown=len(items))


def shown_total(run: dict[str, Any], filters: dict[str, str]) -> int | None:
    """How many proposals the table holds without a school or subject filter (known for a draft by decision)."""
    decisions = run.get("decisions")
    if filters["change"]:
        changes = run.get("changes") or {}
        return None if filters["decision"] else changes.get("added" if filters["change"] == "new" else "kept")
    if decisions:
        return decisions.get(filters["decision"]) if filters["decision"] else sum(decisions.values())
    return (run.get("counts") or {}).get("matched") if not filters["decision"] else 0
