"""Who is reminded of what on a given day (pure: plain values in, facts and digests out).

A fact is one thing someone should act on, under a key that names it for good: `plan:<item>` (a plan item past
its due day), `diary:<pair>:<month>` (no diary entry for last month), `report:<pair>:<period>` (no half-year report
for the half-year that ended last), `expiry:<pair>:<day>` (a proposal that expires within EXPIRY_NOTICE_DAYS) and
`end:<pair>:<day>` (a program whose planned end is within END_NOTICE_DAYS). A fact is reminded once per account:
an overdue item is not reminded daily; a new due day (an extension, a proposal made again) is a new fact.

Recipients are accounts whose scope covers the pair: a school curator (`organization:<id>`, the mentee's school)
hears of every kind; a municipal operator (`municipality:<id>`) of proposals about to expire in the district; a
mentor (`mentor:<id>`) of their own pairs, and a mentee (`mentee:<id>`) of theirs but for the mentor's diary and
report. Each account gets at most one digest a day, with the facts it has not been reminded of yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

EXPIRY_NOTICE_DAYS = 3
END_NOTICE_DAYS = 14
KINDS = ("application_waiting", "plan_overdue", "diary_missing", "report_due", "proposal_expiring", "program_ending")
AUDIENCE = {
    "plan_overdue": ("organization", "mentor", "mentee"),
    "diary_missing": ("organization", "mentor"),
    "report_due": ("organization", "mentor"),
    "proposal_expiring": ("organization", "municipality", "mentor", "mentee"),
    "program_ending": ("organization", "mentor", "mentee"),
    "application_waiting": ("organization",),  # the curator who decides it
}
ROLE_SCOPE_KIND = {"school_curator": "organization", "municipal_operator": "municipality", "mentor": "mentor",
                   "mentee": "mentee"}
REMINDED_ROLES = tuple(ROLE_SCOPE_KIND)


@dataclass(frozen=True)
class HalfYear:
    period: str  # ГГГГ-H1 or ГГГГ-H2, as matching's half-year reports name it
    start: date
    end: date


@dataclass(frozen=True)
class Fact:
    key: str
    kind: str
    pair_id: str
    mentor_name: str
    mentee_name: str
    organization_name: str
    scopes: frozenset[str]
    day: date | None = None  # the due day, the expiry, the planned end
    detail: str = ""  # the plan item's title, the month ГГГГ-ММ, the half-year ГГГГ-Hn


@dataclass(frozen=True)
class Reader:
    """An account as the rule reads it."""

    id: str
    email: str
    full_name: str
    role: str
    scope: str | None
    active: bool = True
    reminders_on: bool = True


@dataclass(frozen=True)
class Digest:
    reader: Reader
    facts: tuple[Fact, ...]


def half_year_before(today: date) -> HalfYear:
    """The half-year that ended last before `today`."""
    if today.month >= 7:
        return HalfYear(f"{today.year}-H1", date(today.year, 1, 1), date(today.year, 6, 30))
    return HalfYear(f"{today.year - 1}-H2", date(today.year - 1, 7, 1), date(today.year - 1, 12, 31))


def local_day(value: str | None, timezone: str) -> date | None:
    """A day (`2026-11-26`) or a moment (`2026-11-26T21:30:00Z`, UTC) as the day it is in `timezone`."""
    if not value:
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZoneInfo(timezone)).date()


def owes_report(pair: Mapping[str, Any], half: HalfYear, timezone: str) -> bool:
    """An active or completed pair that worked during some of `half` (a report is written for it)."""
    started = local_day(pair.get("started_on"), timezone)
    ended = local_day(pair.get("ended_at"), timezone)
    return (pair.get("state") in ("active", "completed") and started is not None and started <= half.end
            and (ended is None or ended >= half.start))


def _scopes(pair: Mapping[str, Any], kind: str) -> frozenset[str]:
    ids = {"organization": pair.get("organization_id"), "municipality": pair.get("municipality_id"),
           "mentor": pair.get("mentor_id"), "mentee": pair.get("mentee_id")}
    return frozenset(f"{scope_kind}:{ids[scope_kind]}" for scope_kind in AUDIENCE[kind] if ids[scope_kind])


def _fact(pair: Mapping[str, Any], kind: str, key: str, day: date | None = None, detail: str = "") -> Fact:
    return Fact(key=key, kind=kind, pair_id=str(pair.get("pair_id") or pair["id"]),
                mentor_name=pair.get("mentor_name") or "", mentee_name=pair.get("mentee_name") or "",
                organization_name=pair.get("organization_name") or "", scopes=_scopes(pair, kind), day=day,
                detail=detail)


def pair_facts(today: date, timezone: str, *, working: Iterable[Mapping[str, Any]],
               proposed: Iterable[Mapping[str, Any]], attention: Iterable[Mapping[str, Any]],
               reported: Mapping[str, set[str]]) -> list[Fact]:
    """Every fact of `today`: `working` are active and completed pairs (matching's list), `proposed` the proposals,
    `attention` matching's pairs needing attention on `today`, `reported` the half-year periods each pair has a
    submitted or accepted report for (read for the pairs `owes_report` names)."""
    facts: list[Fact] = []
    for item in attention:
        for overdue in item.get("overdue_plan_items") or []:
            facts.append(_fact(item, "plan_overdue", f"plan:{overdue['id']}", date.fromisoformat(overdue["due_on"]),
                               overdue["title"]))
        if item.get("missing_diary_month"):
            month = item["missing_diary_month"]
            facts.append(_fact(item, "diary_missing", f"diary:{item['pair_id']}:{month}", detail=month))
    half = half_year_before(today)
    for pair in working:
        if owes_report(pair, half, timezone) and half.period not in reported.get(pair["id"], set()):
            facts.append(_fact(pair, "report_due", f"report:{pair['id']}:{half.period}", half.end, half.period))
        end = local_day(pair.get("planned_end_on"), timezone)
        if pair.get("state") == "active" and end is not None and today <= end <= today + timedelta(END_NOTICE_DAYS):
            facts.append(_fact(pair, "program_ending", f"end:{pair['id']}:{end.isoformat()}", end))
    for pair in proposed:
        expires = local_day(pair.get("expires_at"), timezone)
        if expires is not None and today <= expires <= today + timedelta(EXPIRY_NOTICE_DAYS):
            facts.append(_fact(pair, "proposal_expiring", f"expiry:{pair['id']}:{expires.isoformat()}", expires))
    return facts


def application_facts(waiting: Iterable[Mapping[str, Any]], timezone: str) -> list[Fact]:
    """An application from the public bank that waits for its curator's decision (the registry's `new` ones): the
    applicant as `detail`, the mentor asked for (a request) or none (a nomination), the day it came."""
    return [Fact(key=f"application:{app['id']}", kind="application_waiting", pair_id="",
                 mentor_name=app.get("mentor_name") or "", mentee_name="",
                 organization_name=app.get("applicant_organization_name") or "",
                 scopes=frozenset({f"organization:{app['organization_id']}"}),
                 day=local_day(app.get("created_at"), timezone), detail=app["full_name"])
            for app in waiting if app.get("status") == "new"]


def reader_scope(reader: Reader) -> str | None:
    """The scope a reminded role hears of (`organization:<id>` of a curator, `mentor:<id>` of a mentor, …)."""
    kind = ROLE_SCOPE_KIND.get(reader.role)
    scope_kind, _, ident = (reader.scope or "").partition(":")
    return reader.scope if kind is not None and scope_kind == kind and ident else None


def plan_digests(facts: Iterable[Fact], readers: Iterable[Reader], sent: Mapping[str, set[str]],
                 reminded_today: set[str]) -> list[Digest]:
    """One digest per reader with what it has not been reminded of: none for a reader already reminded today,
    disabled, unsubscribed, or whose role is not reminded."""
    by_scope: dict[str, dict[str, Fact]] = {}
    for fact in facts:
        for scope in fact.scopes:
            by_scope.setdefault(scope, {})[fact.key] = fact
    digests = []
    for reader in readers:
        heard = reader_scope(reader)
        if heard is None or not (reader.active and reader.reminders_on and reader.email) or \
                reader.id in reminded_today:
            continue
        seen = sent.get(reader.id, set())
        new = [fact for key, fact in by_scope.get(heard, {}).items() if key not in seen]
        if new:
            new.sort(key=lambda f: (KINDS.index(f.kind), f.day or date.min, f.mentor_name, f.mentee_name, f.key))
            digests.append(Digest(reader, tuple(new)))
    return digests
