"""Who may read and change what: every endpoint of the three services against every role and scope.

Two regions, three municipalities and four schools are seeded through the APIs (the registry's events feed
the matching read model and the reports projection, as the relay and the consumers would), so each scoped
role has its own records and, just outside its scope, someone else's:

    place  region  municipality  outside the scope of
    A1a    86      A1            nobody: the school of the curator, inside every scoped token; its mentor and
                                 mentee are the `mentor:` and `mentee:` tokens
    A1b    86      A1            the school curator, the mentor and the mentee of A1a
    A2a    86      A2            the municipal operator
    B1a    72      B1            the region operator

Each case probes the role's own place and its foreign place (admin, integrator and anonymous probe B1a).
Out of scope: a record named in the path reads as absent (404, its existence is not disclosed); a scope
named in the query (indicators, order drafts) is refused (403); registry writes are refused (403) and pair
writes read as absent (404, the pair is looked up through the caller's scope). Integrators never write (403),
anonymous callers see only the public endpoints and get 401 elsewhere. A mentor and a mentee reach their own
record, their own pairs (the mentor writes the diary and the report, the mentee marks the plan, each gives their
own consent) and nothing else: 403 for every other endpoint. Lists contain exactly the records inside the
caller's scope.
"""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import jwt
import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, insert, select, update
from werkzeug.test import TestResponse

from services.matching.adapters.default_order_template import shipped
from services.matching.adapters.read_model import read_model_handlers
from services.matching.adapters.run_inputs import input_hash
from services.matching.adapters.tables import OPEN_STATES, DiaryEntry, HalfYearReport, Pair, PlanItem, Run, RunProposal
from services.matching.adapters.tables import outbox as matching_outbox
from services.matching.app import create_app as matching_app
from services.registry.adapters.tables import Mentee, Mentor, Organization
from services.registry.adapters.tables import outbox as registry_outbox
from services.registry.app import create_app as registry_app
from services.reports.adapters.projection import apply as project
from services.reports.adapters.tables import SubmissionEventRow, SubmissionRow
from services.reports.app import create_app as reports_app
from services.reports.domain.submission import HalfYear
from shared.auth import issue_token
from shared.config import Settings
from shared.consumer import dispatch
from shared.db import UnitOfWork
from shared.dictionaries import normalize
from shared.events import decode
from shared.scopes import Scope

TODAY = date.today()
REGION_A, REGION_B = "86", "72"
SCOPED = ("region_operator", "municipal_operator", "school_curator")
PEOPLE = ("mentor", "mentee")
ROLES = ("admin", *SCOPED, *PEOPLE, "integrator", "anonymous")
READERS = ("admin", *SCOPED, "integrator")
WRITERS = ("admin", *SCOPED)
PLACES = {"A1a": (REGION_A, "Белоярский район", "МБОУ СОШ № 1"),
          "A1b": (REGION_A, "Белоярский район", "МБОУ СОШ № 2"),
          "A2a": (REGION_A, "Октябрьский район", "МБОУ СОШ № 3"),
          "B1a": (REGION_B, "Тобольский район", "МАОУ Гимназия № 1")}
FOREIGN = {"school_curator": "A1b", "municipal_operator": "A2a", "region_operator": "B1a", "mentor": "A1b",
           "mentee": "A1b"}
VISIBLE = {"admin": set(PLACES), "integrator": set(PLACES), "region_operator": {"A1a", "A1b", "A2a"},
           "municipal_operator": {"A1a", "A1b"}, "school_curator": {"A1a"}, "mentor": {"A1a"}, "mentee": {"A1a"}}
PROBLEM_JSON = "application/problem+json"
CONFIRM = {"mentor_consent_on": str(TODAY), "mentee_consent_on": str(TODAY), "order_number": "15-н",
           "order_date": str(TODAY), "curator_name": "Ефимова М. Г."}
ACTIVE_FROM, ACTIVE_TO = TODAY - timedelta(days=40), TODAY + timedelta(days=150)


@dataclass
class Place:
    """One school with its records in every service."""

    key: str
    region: str
    municipality_name: str
    org_name: str
    org_id: str = ""
    municipality_id: str = ""
    mentor_id: str = ""
    mentor_name: str = ""
    mentee_id: str = ""
    spare_id: str = ""
    pair_id: str = ""
    item_id: str = ""
    report_id: str = ""
    run_id: str = ""
    application_id: str = ""


@dataclass
class World:
    clients: dict[str, FlaskClient]
    places: dict[str, Place]
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)
    serial: itertools.count = field(default_factory=lambda: itertools.count(1))
    fed: dict[str, int] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return self.tokens.get(role, {})

    def engine(self, service: str) -> Any:
        return engine_of(self.clients[service])

    def sql(self, service: str, *statements: Any) -> None:
        with UnitOfWork(self.engine(service)) as uow:
            for statement in statements:
                uow.session.execute(statement)
            uow.commit()

    def admin(self, service: str, method: str, path: str, status: int, **kwargs: Any) -> dict[str, Any]:
        response = self.clients[service].open(path, method=method, headers=self.headers("admin"), **kwargs)
        assert response.status_code == status, response.get_json()
        return response.get_json()


def target(role: str, relation: str) -> str:
    """The place a probe addresses: the role's own school, or the nearest one outside its scope."""
    return "A1a" if relation == "own" else FOREIGN.get(role, "B1a")


# Seeding through the APIs -------------------------------------------------------------------------------------


def apps(settings_factory: Callable[..., Settings], database_url: str, nats_url: str,
         **extra: Any) -> dict[str, FlaskClient]:
    """The three services on one database (each owns its tables), region A by default."""
    factories = {"registry": registry_app, "matching": matching_app, "reports": reports_app}
    clients = {}
    options = {"region_id": REGION_A, "log_level": "CRITICAL", **extra}
    for name, factory in factories.items():
        settings = settings_factory(name, database_url, nats_url, **options)
        clients[name] = factory(settings).test_client()
    return clients


def engine_of(client: FlaskClient) -> Any:
    return client.application.extensions["mentoring"].engine


def deliver(clients: dict[str, FlaskClient], fed: dict[str, int]) -> None:
    """Registry events into matching and reports, pair events into reports: what relay and consumers do.

    `fed` holds the last outbox sequence delivered per source service and moves on.
    """
    handlers = read_model_handlers(clients["matching"].application.extensions["mentoring"].settings)
    for source, outbox in (("registry", registry_outbox), ("matching", matching_outbox)):
        table = outbox.table
        with UnitOfWork(engine_of(clients[source])) as uow:
            rows = uow.session.execute(select(table.c.seq, table.c.body).where(table.c.seq > fed.get(source, 0))
                                       .order_by(table.c.seq)).all()
        for seq, body in rows:
            event = decode(body)
            if event.type in handlers:
                with UnitOfWork(engine_of(clients["matching"]), matching_outbox) as uow:
                    dispatch(handlers)(uow, event)
                    uow.commit()
            with UnitOfWork(engine_of(clients["reports"])) as uow:
                project(uow, event)
                uow.commit()
            fed[source] = seq


def seed_registry(world: World) -> None:
    """Per place: the school, a published mentor and two mentees, with contacts, as an admin registers them."""
    for key, (region, municipality, name) in PLACES.items():
        place = world.places[key] = Place(key, region, municipality, name)
        org = world.admin("registry", "POST", "/api/v1/organizations", 201, json={
            "name": name, "municipality": municipality, "region_id": region, "teachers": 40, "young_specialists": 4})
        place.org_id, place.municipality_id = org["id"], org["municipality_id"]
        place.mentor_name = f"Наставникова {key} Анна Петровна"
        place.mentor_id = world.admin("registry", "POST", "/api/v1/mentors", 201, json={
            "organization_id": org["id"], "full_name": place.mentor_name, "subjects": ["math"],
            "stages": ["basic", "secondary"], "capacity": 5, "consent_publication": True,
            "email": f"mentor-{key.lower()}@example.ru"})["id"]
        place.mentee_id, place.spare_id = (world.admin("registry", "POST", "/api/v1/mentees", 201, json={
            "organization_id": org["id"], "full_name": f"{who} {key} Мария Ивановна", "subject": "math",
            "stage": "basic", "email": f"{slug}-{key.lower()}@example.ru"})["id"]
            for who, slug in (("Молодая", "mentee"), ("Запасная", "spare")))


def seed_matching(world: World) -> None:
    """Per place: an active pair with a program, an overdue plan item and a report; a queued run."""
    for place in world.places.values():
        pair = world.admin("matching", "POST", "/api/v1/pairs", 201,
                           json={"mentor_id": place.mentor_id, "mentee_id": place.mentee_id})
        place.pair_id = pair["id"]
        base = f"/api/v1/pairs/{pair['id']}"
        world.admin("matching", "POST", f"{base}/confirm", 200, json=CONFIRM)
        world.admin("matching", "POST", f"{base}/activate", 200,
                    json={"started_on": str(ACTIVE_FROM), "planned_end_on": str(ACTIVE_TO)})
        program = world.admin("matching", "PUT", f"{base}/program", 200, json={
            "goals": "освоить формирующее оценивание",
            "plan": [{"title": "посетить уроки наставника", "due_on": str(TODAY - timedelta(days=3))}]})
        place.item_id = program["plan"][0]["id"]
        place.report_id = world.admin("matching", "POST", f"{base}/reports", 201,
                                      json={"period": f"{TODAY.year}-H1", "text": "идём по плану"})["id"]
        scope = {"A2a": f"municipality:{place.municipality_id}", "B1a": f"region:{place.region}"}.get(
            place.key, f"organization:{place.org_id}")
        place.run_id = world.admin("matching", "POST", "/api/v1/runs", 202, json={"scope": scope})["id"]


def seed(world: World) -> None:
    settings = world.clients["registry"].application.extensions["mentoring"].settings
    world.tokens["admin"] = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
    seed_registry(world)
    deliver(world.clients, world.fed)
    seed_matching(world)
    deliver(world.clients, world.fed)
    for place in world.places.values():
        world.admin("reports", "POST", "/api/v1/assessments", 200, json={
            "municipality_id": place.municipality_id, "period": f"{TODAY.year}-H1",
            "answers": {"normative_documents": 2}})
    own = world.places["A1a"]
    scopes = {"region_operator": f"region:{REGION_A}", "municipal_operator": f"municipality:{own.municipality_id}",
              "school_curator": f"organization:{own.org_id}", "mentor": f"mentor:{own.mentor_id}",
              "mentee": f"mentee:{own.mentee_id}"}
    for role in (*READERS, *PEOPLE):
        world.tokens[role] = {"Authorization": f"Bearer {issue_token(settings, role, scopes.get(role))}"}


@pytest.fixture
def world(database_url, nats_server, settings_factory) -> World:
    # every probe of the public forms comes from the test client's one address: the hourly limit is tested apart
    built = World(apps(settings_factory, database_url, nats_server.url, public_applications_per_hour=100_000), {})
    seed(built)
    return built


# Preparing the target record before a probe --------------------------------------------------------------------


def pair_in(state: str, *, report: bool = False, diary: bool = False) -> Callable[[World, Place], None]:
    """Put the place's pair into `state` (and its report back to `submitted`, its diary empty)."""
    def before(world: World, place: Place) -> None:
        dates = (ACTIVE_FROM, ACTIVE_TO) if state == "active" else (None, None)
        statements = [update(Pair).where(Pair.id == place.pair_id).values(
            state=state, started_on=dates[0], planned_end_on=dates[1], ended_at=None, result=None)]
        if report:
            statements.append(update(HalfYearReport).where(HalfYearReport.id == place.report_id)
                              .values(status="submitted"))
        if diary:
            statements.append(delete(DiaryEntry).where(DiaryEntry.pair_id == place.pair_id))
        world.sql("matching", *statements)

    return before


def every_pair_needing_attention(world: World, _place: Place) -> None:
    """All pairs working, each with an overdue plan item."""
    ids = [p.pair_id for p in world.places.values()]
    world.sql("matching", update(Pair).where(Pair.id.in_(ids)).values(
        state="active", started_on=ACTIVE_FROM, planned_end_on=ACTIVE_TO),
        update(PlanItem).where(PlanItem.pair_id.in_(ids)).values(done_on=None))


def spare_mentee_free(world: World, place: Place) -> None:
    world.sql("matching", update(Pair).where(Pair.mentee_id == place.spare_id, Pair.state.in_(OPEN_STATES))
              .values(state="expired"))


def draft_in_review(world: World, place: Place) -> None:
    """The place's run as a solved draft under review: one approved proposal (its mentor, its free spare mentee)
    and a fingerprint of the data as it is now, so that it can be published."""
    spare_mentee_free(world, place)
    world.sql("matching", delete(RunProposal).where(RunProposal.run_id == place.run_id), insert(RunProposal).values(
        id=f"proposal-{place.key}-{next(world.serial)}", run_id=place.run_id, mentor_id=place.mentor_id,
        mentee_id=place.spare_id, cost=0, region_id=place.region, municipality_id=place.municipality_id,
        organization_id=place.org_id, mentor_organization_id=place.org_id, mentee_category="young_specialist",
        decision="approved"))
    with UnitOfWork(world.engine("matching")) as uow:
        run = uow.session.get(Run, place.run_id)
        run.draft, run.dry_run, run.status, run.publication = True, False, "succeeded", "review"
        run.input_hash = input_hash(uow.session, Scope.parse(run.scope), place.region)
        uow.commit()


def run_succeeded(world: World, place: Place) -> None:
    """The place's run as an ordinary run that has written its pairs."""
    world.sql("matching", update(Run).where(Run.id == place.run_id).values(
        draft=False, dry_run=False, status="succeeded", publication=None))


def active_again(model: Any, attribute: str) -> Callable[[World, Place], None]:
    """Undo a withdrawal so that later probes find the record as seeded."""
    def reset(world: World, place: Place) -> None:
        world.sql("registry", update(model).where(model.id == getattr(place, attribute)).values(status="active"))

    return reset


def named_again(model: Any, attribute: str) -> Callable[[World, Place], None]:
    """Undo an erasure (the test's own undo: the API has none) so that later probes find the record as seeded."""
    def reset(world: World, place: Place) -> None:
        name = place.mentor_name if model is Mentor else f"Молодая {place.key} Мария Ивановна"
        world.sql("registry", update(model).where(model.id == getattr(place, attribute)).values(
            full_name=name, normalized_name=normalize(name), erased_at=None, consent_processing=True,
            consent_processing_on=TODAY, **({"consent_publication": True} if model is Mentor else {})))

    return reset


def consent(model: Any, attribute: str, given: bool) -> Callable[[World, Place], None]:
    """The person has not consented yet (so that giving it changes the record), or has again as seeded."""
    def change(world: World, place: Place) -> None:
        world.sql("registry", update(model).where(model.id == getattr(place, attribute)).values(
            consent_processing=given, consent_processing_on=TODAY if given else None))

    return change


# Checking what an allowed answer contains ------------------------------------------------------------------------


def listing(ids: Callable[[TestResponse], set[str]], key: Callable[[Place], str], *, filtered: bool = True,
            visible: dict[str, set[str]] = VISIBLE) -> Callable[[World, str, Place, TestResponse], None]:
    """A list holds exactly the seeded records inside the caller's scope (and, when filtered, of the place)."""
    def check(world: World, role: str, place: Place, response: TestResponse) -> None:
        got = ids(response) & {key(p) for p in world.places.values()}
        places = visible[role] & ({place.key} if filtered else set(PLACES))
        expected = {key(world.places[k]) for k in places}
        assert got == expected, f"seeded records in the answer {sorted(got)}, expected {sorted(expected)}"

    return check


def items(field_name: str) -> Callable[[TestResponse], set[str]]:
    return lambda response: {str(item[field_name]) for item in response.get_json()["items"]}


def csv_names(response: TestResponse) -> set[str]:
    return {row["ФИО наставника"] for row in csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")),
                                                               delimiter=";")}


def xlsx_names(response: TestResponse) -> set[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).active
    return {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell}


def counted(check: Callable[[World, str, Place, TestResponse], None]) -> Callable[..., None]:
    """The list's check, and its `total` counts exactly the items (every list here fits on one page)."""
    def both(world: World, role: str, place: Place, response: TestResponse) -> None:
        check(world, role, place, response)
        body = response.get_json()
        assert body["next_cursor"] is None and body["total"] == len(body["items"]), (body["total"], len(body["items"]))

    return both


def one_school(world: World, role: str, place: Place, response: TestResponse) -> None:
    assert response.get_json()["organizations"] == 1, response.get_json()


def counted_pairs(world: World, role: str, place: Place, response: TestResponse) -> None:
    assert response.get_json()["total"] >= 1, response.get_json()


def mentee_sees_no_diary(world: World, role: str, place: Place, response: TestResponse) -> None:
    """The mentee reads the mentor, the program and the plan of their pair, not the mentor's diary and reports."""
    body = response.get_json()
    assert body["mentor_name"] == place.mentor_name and body["plan"], body
    if role == "mentee":
        assert body["diary"] == [] and body["reports"] == [], body


def consented_today(world: World, role: str, place: Place, response: TestResponse) -> None:
    body = response.get_json()
    assert body["consent_processing"] is True and body["consent_processing_on"] == str(TODAY), body


def out_of_scope_rows(world: World, role: str, place: Place, response: TestResponse) -> None:
    if response.status_code == 422:
        assert {e["code"] for e in response.get_json()["errors"]} == {"out_of_scope"}, response.get_json()


# The matrix ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    own: int
    foreign: int


def public(status: int = 200) -> dict[str, Expect]:
    """Everyone, with a token or without, gets the same answer."""
    return {role: Expect(status, status) for role in ROLES}


def guarded(allowed: tuple[str, ...], ok: int = 200, foreign: int | None = 404) -> dict[str, Expect]:
    """`allowed` roles get `ok` inside their scope and `foreign` outside it (None: the endpoint has no scope);
    other roles get 403 and anonymous callers 401."""
    out = {}
    for role in ROLES:
        if role == "anonymous":
            out[role] = Expect(401, 401)
        elif role not in allowed:
            out[role] = Expect(403, 403)
        elif role in (*SCOPED, *PEOPLE) and foreign is not None:
            out[role] = Expect(ok, foreign)
        else:
            out[role] = Expect(ok, ok)
    return out


def listed(allowed: tuple[str, ...]) -> dict[str, Expect]:
    """A list: every allowed role gets 200, filtered or not; what it contains is checked separately."""
    return guarded(allowed, 200, None)


Request = Callable[[World, Place], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    service: str
    method: str
    rule: str
    expect: dict[str, Expect]
    request: Request
    before: Callable[[World, Place], None] | None = None
    after: Callable[[World, Place], None] | None = None
    check: Callable[[World, str, Place, TestResponse], None] | None = None


def get(path: str, **query: Callable[[Place], Any]) -> Request:
    """A GET of `path` (formatted with the place) with query parameters computed from the place."""
    return lambda world, p: {"path": path.format(p=p), "query_string": {k: f(p) for k, f in query.items()}}


def send(path: str, body: Callable[[World, Place], dict[str, Any]]) -> Request:
    return lambda world, p: {"path": path.format(p=p), "json": body(world, p)}


def fixed(body: dict[str, Any]) -> Callable[[World, Place], dict[str, Any]]:
    return lambda world, p: body


def organizations_csv(world: World, p: Place) -> dict[str, Any]:
    content = f"Район;ОО;Педагогов\n{p.municipality_name};{p.org_name};40\n".encode()
    return {"path": "/api/v1/imports", "query_string": {"kind": "organizations", "dry_run": "true", "region": p.region},
            "data": {"file": (io.BytesIO(content), "organizations.csv")}, "content_type": "multipart/form-data"}


def serial_name(prefix: str) -> Callable[[World], str]:
    return lambda world: f"{prefix} {next(world.serial):04d}"


NOMINATIONS, REQUESTS, APPLICATIONS = "/api/v1/bank/nominations", "/api/v1/bank/requests", "/api/v1/applications"


def nomination(world: World, p: Place) -> dict[str, Any]:
    serial = next(world.serial)
    return {"organization_id": p.org_id, "full_name": f"Кандидатова {p.key} Ольга {serial:04d}",
            "email": f"candidate-{serial}@example.ru", "subjects": ["math"], "consent_processing": True}


def mentor_request(world: World, p: Place) -> dict[str, Any]:
    serial = next(world.serial)
    return {"mentor_id": p.mentor_id, "organization_id": p.org_id, "full_name": f"Просящая {p.key} Ирина {serial:04d}",
            "email": f"asking-{serial}@example.ru", "subject": "math", "stage": "basic", "consent_processing": True}


def application_waiting(body: Callable[[World, Place], dict[str, Any]], path: str) -> Callable[[World, Place], None]:
    """A fresh application of the place, sent as a teacher sends it (each decision probe decides its own)."""
    def send_one(world: World, place: Place) -> None:
        response = world.clients["registry"].post(path, json=body(world, place))
        assert response.status_code == 201, response.get_json()
        place.application_id = response.get_json()["id"]

    return send_one


def application_cases() -> list[Case]:
    record = APPLICATIONS + "/{p.application_id}"
    nominated, requested = application_waiting(nomination, NOMINATIONS), application_waiting(mentor_request, REQUESTS)
    return [
        Case("registry", "POST", NOMINATIONS, public(201), send(NOMINATIONS, nomination)),
        Case("registry", "POST", REQUESTS, public(201), send(REQUESTS, mentor_request)),
        Case("registry", "GET", APPLICATIONS, listed(WRITERS), get(APPLICATIONS, limit=lambda p: 500),
             before=nominated, check=listing(items("organization_id"), lambda p: p.org_id, filtered=False)),
        Case("registry", "GET", f"{APPLICATIONS}/<id>", guarded(WRITERS), get(record), before=nominated),
        Case("registry", "POST", f"{APPLICATIONS}/<id>/select", guarded(WRITERS, 200, 403),
             send(record + "/select", fixed({})), before=nominated),
        Case("registry", "POST", f"{APPLICATIONS}/<id>/accept", guarded(WRITERS, 200, 403),
             send(record + "/accept", fixed({})), before=requested),
        Case("registry", "POST", f"{APPLICATIONS}/<id>/decline", guarded(WRITERS, 200, 403),
             send(record + "/decline", fixed({"reason": "проверка прав"})), before=nominated),
    ]


def registry_cases() -> list[Case]:
    org, mentors, mentees = "/api/v1/organizations", "/api/v1/mentors", "/api/v1/mentees"
    operators = ("admin", "region_operator", "municipal_operator")
    name = serial_name("Проверочная Школа")
    person = serial_name("Проверочный Учитель")
    cases = [
        Case("registry", "GET", org, listed(READERS), get(org, organization=lambda p: p.org_id, limit=lambda p: 500),
             check=counted(listing(items("id"), lambda p: p.org_id))),
        Case("registry", "GET", "/api/v1/municipalities", listed(READERS), get("/api/v1/municipalities"),
             check=listing(items("id"), lambda p: p.municipality_id, filtered=False)),
        Case("registry", "GET", "/api/v1/summary", guarded(READERS, foreign=403),
             get("/api/v1/summary", scope=lambda p: f"organization:{p.org_id}"), check=one_school),
        Case("registry", "POST", org, guarded(operators, 201, 403), send(org, lambda w, p: {
            "name": name(w), "municipality": p.municipality_name, "region_id": p.region})),
        Case("registry", "GET", f"{org}/<id>", guarded(READERS), get(org + "/{p.org_id}")),
        Case("registry", "PATCH", f"{org}/<id>", guarded(WRITERS, 200, 403),
             send(org + "/{p.org_id}", fixed({"teachers": 40}))),
        Case("registry", "POST", f"{org}/<id>/withdraw", guarded(operators, 200, 403),
             send(org + "/{p.org_id}/withdraw", fixed({"reason": "проверка прав"})),
             after=active_again(Organization, "org_id")),
        Case("registry", "POST", "/api/v1/imports", guarded(WRITERS, 200, 422), organizations_csv,
             check=out_of_scope_rows),
        Case("registry", "GET", "/api/v1/imports/templates/<kind>.xlsx", guarded(WRITERS, foreign=None),
             get("/api/v1/imports/templates/mentees.xlsx")),
        Case("registry", "GET", "/api/v1/exports/mentors.xlsx", listed(READERS),
             get("/api/v1/exports/mentors.xlsx", organization=lambda p: p.org_id),
             check=listing(xlsx_names, lambda p: p.mentor_name)),
        Case("registry", "GET", "/api/v1/exports/mentors.csv", listed(READERS),
             get("/api/v1/exports/mentors.csv", organization=lambda p: p.org_id),
             check=listing(csv_names, lambda p: p.mentor_name)),
        Case("registry", "GET", "/api/v1/exports/mentees.xlsx", listed(READERS),
             get("/api/v1/exports/mentees.xlsx", organization=lambda p: p.org_id),
             check=listing(xlsx_names, lambda p: f"Молодая {p.key} Мария Ивановна")),
        Case("registry", "GET", "/api/v1/dictionaries", public(), get("/api/v1/dictionaries")),
        Case("registry", "GET", "/api/v1/audit", guarded(("admin",), foreign=None), get("/api/v1/audit")),
        Case("registry", "GET", "/api/v1/bank", public(), get("/api/v1/bank", district=lambda p: p.municipality_id)),
        Case("registry", "GET", "/bank", public(), get("/bank", district=lambda p: p.municipality_id)),
        Case("registry", "GET", "/bank/apply", public(), get("/bank/apply")),
        Case("registry", "POST", "/bank/apply", public(303), lambda w, p: {
            "path": "/bank/apply", "data": {**nomination(w, p), "consent_processing": "yes", "subjects": "math"}}),
        Case("registry", "GET", "/bank/ask/<mentor_id>", public(), get("/bank/ask/{p.mentor_id}")),
        Case("registry", "POST", "/bank/ask/<mentor_id>", public(303), lambda w, p: {
            "path": f"/bank/ask/{p.mentor_id}", "data": {**mentor_request(w, p), "consent_processing": "yes"}}),
        Case("registry", "GET", "/bank/sent", public(), get("/bank/sent")),
        *application_cases(),
    ]
    for path, attribute, model, subject, patch, own in (
            (mentors, "mentor_id", Mentor, {"subjects": ["math"]}, {"capacity": 5}, "mentor"),
            (mentees, "mentee_id", Mentee, {"subject": "math"}, {"experience_years": 1}, "mentee")):
        record = f"{path}/{{p.{attribute}}}"
        cases += [
            Case("registry", "GET", path, listed(READERS),
                 get(path, organization=lambda p: p.org_id, limit=lambda p: 500),
                 check=counted(listing(items("id"), lambda p, a=attribute: getattr(p, a)))),
            Case("registry", "POST", path, guarded(WRITERS, 201, 403), send(path, lambda w, p, s=subject: {
                "organization_id": p.org_id, "full_name": person(w), **s})),
            Case("registry", "GET", f"{path}/<id>", guarded((*READERS, own)), get(record)),
            Case("registry", "POST", f"{path}/<id>/consent", guarded((own,)), send(record + "/consent", fixed({})),
                 before=consent(model, attribute, False), after=consent(model, attribute, True),
                 check=consented_today),
            Case("registry", "PATCH", f"{path}/<id>", guarded(WRITERS, 200, 403), send(record, fixed(patch))),
            Case("registry", "POST", f"{path}/<id>/withdraw", guarded(WRITERS, 200, 403),
                 send(record + "/withdraw", fixed({"reason": "проверка прав"})), after=active_again(model, attribute)),
            Case("registry", "POST", f"{path}/<id>/erase", guarded(operators, 200, 403),
                 send(record + "/erase", fixed({"reason": "проверка прав"})), after=named_again(model, attribute)),
        ]
    return cases


ORDER_TEMPLATE = "/api/v1/documents/order-template"
TEMPLATE_KEEPERS = ("admin", "region_operator", "municipal_operator")


def template_upload(world: World, p: Place) -> dict[str, Any]:
    """The default order template uploaded as the district's own (the raw request body)."""
    return {"path": ORDER_TEMPLATE, "query_string": {"municipality": p.municipality_id}, "data": shipped(),
            "content_type": "application/octet-stream"}


def matching_cases() -> list[Case]:
    pair, runs = "/api/v1/pairs/{p.pair_id}", "/api/v1/runs"
    deciders = ("admin", *SCOPED)
    action = {
        "confirm": ("proposed", CONFIRM),
        "decline": ("proposed", {"by": "curator", "reason": "не подходит график"}),
        "activate": ("confirmed", {"started_on": str(ACTIVE_FROM), "planned_end_on": str(ACTIVE_TO)}),
        "extend": ("active", {"planned_end_on": str(ACTIVE_TO + timedelta(days=30)), "mentor_consent": True,
                              "mentee_consent": True}),
        "complete": ("active", {"result": "reached"}),
        "terminate": ("active", {"by": "curator", "reason": "неисполнение плана"}),
    }
    cases = [
        Case("matching", "POST", runs, guarded(WRITERS, 202, 403), send(runs, lambda w, p: {
            "scope": f"organization:{p.org_id}", "dry_run": True})),
        Case("matching", "GET", runs, listed(READERS), get(runs, limit=lambda p: 500),
             check=listing(items("id"), lambda p: p.run_id, filtered=False)),
        Case("matching", "GET", f"{runs}/<id>", guarded(READERS), get(runs + "/{p.run_id}")),
        Case("matching", "GET", f"{runs}/<id>/proposals", guarded(READERS), get(runs + "/{p.run_id}/proposals")),
        Case("matching", "GET", f"{runs}/<id>/proposals/facets", guarded(READERS),
             get(runs + "/{p.run_id}/proposals/facets")),
        Case("matching", "POST", f"{runs}/<id>/decisions", guarded(WRITERS),
             send(runs + "/{p.run_id}/decisions", fixed({"all": "approve"})), before=draft_in_review),
        *[Case("matching", "POST", f"{runs}/<id>/{name}", guarded(WRITERS), send(runs + "/{p.run_id}/" + name,
                                                                                 fixed({})), before=before)
          for name, before in (("publish", draft_in_review), ("discard", draft_in_review),
                               ("withdraw", run_succeeded))],
        *[Case("matching", "GET", f"{runs}/<id>/{name}", guarded(READERS), get(runs + "/{p.run_id}/" + name))
          for name in ("proposals.xlsx", "unmatched.xlsx")],
        Case("matching", "GET", "/api/v1/pairs/summary", guarded(READERS, foreign=403),
             get("/api/v1/pairs/summary", scope=lambda p: f"organization:{p.org_id}"), check=counted_pairs),
        Case("matching", "GET", "/api/v1/status", guarded(READERS, foreign=None), get("/api/v1/status")),
        Case("matching", "GET", "/api/v1/mentees/<id>/suggestions", guarded(WRITERS),
             get("/api/v1/mentees/{p.mentee_id}/suggestions")),
        Case("matching", "GET", "/api/v1/pairs", listed((*READERS, *PEOPLE)),
             get("/api/v1/pairs", organization=lambda p: p.org_id, limit=lambda p: 500),
             check=listing(items("id"), lambda p: p.pair_id)),
        Case("matching", "POST", "/api/v1/pairs", guarded(WRITERS, 201, 403),
             send("/api/v1/pairs", lambda w, p: {"mentor_id": p.mentor_id, "mentee_id": p.spare_id}),
             before=spare_mentee_free),
        Case("matching", "GET", "/api/v1/pairs/attention", listed(WRITERS), get("/api/v1/pairs/attention"),
             before=every_pair_needing_attention, check=listing(items("pair_id"), lambda p: p.pair_id, filtered=False)),
        Case("matching", "GET", "/api/v1/pairs/<id>", guarded((*READERS, *PEOPLE)), get(pair),
             check=mentee_sees_no_diary),
        Case("matching", "PUT", "/api/v1/pairs/<id>/program", guarded(WRITERS), send(pair + "/program", fixed({
            "goals": "подготовить открытый урок"})), before=pair_in("active")),
        Case("matching", "PATCH", "/api/v1/pairs/<id>/plan/<item_id>", guarded((*WRITERS, "mentee")),
             send(pair + "/plan/{p.item_id}", fixed({"done_on": str(TODAY)})), before=pair_in("active")),
        Case("matching", "POST", "/api/v1/pairs/<id>/diary", guarded((*WRITERS, "mentor"), 201),
             send(pair + "/diary", fixed({"month": f"{TODAY.year - 1}-01", "text": "посетили уроки",
                                          "author": "наставник"})),
             before=pair_in("active", diary=True)),
        Case("matching", "POST", "/api/v1/pairs/<id>/reports", guarded((*WRITERS, "mentor"), 201),
             send(pair + "/reports", fixed({
            "period": f"{TODAY.year}-H1", "text": "дополнено"})), before=pair_in("active", report=True)),
        Case("matching", "POST", "/api/v1/pairs/<id>/reports/<report_id>/decision", guarded(deciders),
             send(pair + "/reports/{p.report_id}/decision", fixed({"accept": False, "comment": "добавьте"})),
             before=pair_in("active", report=True)),
        Case("matching", "GET", "/api/v1/documents/order.docx", guarded(deciders, foreign=403),
             get("/api/v1/documents/order.docx", organization=lambda p: p.org_id)),
        Case("matching", "GET", "/api/v1/pairs.xlsx", listed(READERS),
             get("/api/v1/pairs.xlsx", organization=lambda p: p.org_id),
             check=listing(xlsx_names, lambda p: f"Молодая {p.key} Мария Ивановна")),
        Case("matching", "GET", ORDER_TEMPLATE, guarded(TEMPLATE_KEEPERS, foreign=403),
             get(ORDER_TEMPLATE, municipality=lambda p: p.municipality_id)),
        Case("matching", "PUT", ORDER_TEMPLATE, guarded(TEMPLATE_KEEPERS, foreign=403), template_upload),
        Case("matching", "DELETE", ORDER_TEMPLATE, guarded(TEMPLATE_KEEPERS, 204, 403),
             get(ORDER_TEMPLATE, municipality=lambda p: p.municipality_id)),
    ]
    for name, (state, body) in action.items():
        cases.append(Case("matching", "POST", f"/api/v1/pairs/<id>/{name}", guarded(WRITERS),
                          send(f"{pair}/{name}", fixed(body)), before=pair_in(state)))
    return cases


HALF = HalfYear.of(TODAY).code
MONITORS = ("admin", "region_operator", "municipal_operator", "integrator")


def no_submission(world: World, place: Place) -> None:
    """The place's district has not submitted the current half-year yet (each probe submits anew)."""
    ids = select(SubmissionRow.id).where(SubmissionRow.municipality_id == place.municipality_id)
    world.sql("reports", delete(SubmissionEventRow).where(SubmissionEventRow.submission_id.in_(ids)),
              delete(SubmissionRow).where(SubmissionRow.municipality_id == place.municipality_id))


def live_submission(world: World, place: Place) -> str:
    """The live monitoring report of the place's district for the current half-year (the admin submits it anew
    when there is none or it was reopened by an earlier probe)."""
    with UnitOfWork(world.engine("reports")) as uow:
        found = uow.session.execute(select(SubmissionRow.id, SubmissionRow.status).where(
            SubmissionRow.municipality_id == place.municipality_id, SubmissionRow.period == HALF)
            .order_by(SubmissionRow.version.desc())).first()
    if found is not None and found.status == "submitted":
        return str(found.id)
    return str(world.admin("reports", "POST", "/api/v1/submissions", 201,
                           json={"period": HALF, "municipality": place.municipality_id})["id"])


def every_district_submitted(world: World, place: Place) -> None:
    for each in world.places.values():
        live_submission(world, each)


def submission(tail: str = "", body: dict[str, Any] | None = None) -> Request:
    """A request on the place's live submission (`tail`: `.xlsx`, `/reopen`)."""
    def build(world: World, p: Place) -> dict[str, Any]:
        return {"path": f"/api/v1/submissions/{live_submission(world, p)}{tail}",
                **({"json": body} if body is not None else {})}

    return build


def names_the_district(world: World, role: str, place: Place, response: TestResponse) -> None:
    names = {m["name"] for m in response.get_json()["municipalities"]}
    assert place.municipality_name in names, names


def monitoring_cases() -> list[Case]:
    overview = {"period": lambda p: HALF, "region": lambda p: p.region}
    region_readers = ("admin", "region_operator", "integrator")
    return [
        Case("reports", "POST", "/api/v1/submissions", guarded(("admin", "region_operator", "municipal_operator"),
                                                               201, foreign=403),
             send("/api/v1/submissions", lambda w, p: {"period": HALF, "municipality": p.municipality_id}),
             before=no_submission),
        Case("reports", "GET", "/api/v1/submissions", listed(MONITORS),
             get("/api/v1/submissions", municipality=lambda p: p.municipality_id, period=lambda p: HALF),
             before=every_district_submitted,
             check=listing(items("municipality_id"), lambda p: p.municipality_id)),
        Case("reports", "GET", "/api/v1/submissions/<id>", guarded(MONITORS), submission()),
        Case("reports", "GET", "/api/v1/submissions/<id>.xlsx", guarded(MONITORS), submission(".xlsx")),
        Case("reports", "POST", "/api/v1/submissions/<id>/reopen", guarded(("admin", "region_operator")),
             submission("/reopen", {"reason": "проверка прав"})),
        Case("reports", "GET", "/api/v1/submissions/overview", guarded(region_readers, foreign=403),
             get("/api/v1/submissions/overview", **overview), before=every_district_submitted,
             check=names_the_district),
        Case("reports", "GET", "/api/v1/submissions/overview.xlsx", guarded(region_readers, foreign=403),
             get("/api/v1/submissions/overview.xlsx", **overview)),
    ]


def reports_cases() -> list[Case]:
    scope = {"scope": lambda p: f"organization:{p.org_id}"}
    return [
        Case("reports", "GET", "/api/v1/indicators", guarded(READERS, foreign=403), get("/api/v1/indicators", **scope)),
        Case("reports", "GET", "/api/v1/indicators.xlsx", guarded(READERS, foreign=403),
             get("/api/v1/indicators.xlsx", **scope)),
        Case("reports", "GET", "/api/v1/unmet-demand", guarded(READERS, foreign=403),
             get("/api/v1/unmet-demand", **scope)),
        Case("reports", "PUT", "/api/v1/targets", guarded(("admin", "region_operator"), foreign=403),
             send("/api/v1/targets", lambda w, p: {"code": "coverage", "value": 50, "scope": f"region:{p.region}"})),
        Case("reports", "POST", "/api/v1/assessments", guarded(("admin", "region_operator", "municipal_operator"),
                                                                foreign=403),
             send("/api/v1/assessments", lambda w, p: {"municipality_id": p.municipality_id,
                                                       "period": f"{TODAY.year}-H2",
                                                       "answers": {"normative_documents": 1}})),
        Case("reports", "GET", "/api/v1/assessments", listed(READERS),
             get("/api/v1/assessments", municipality_id=lambda p: p.municipality_id),
             check=listing(items("municipality_id"), lambda p: p.municipality_id,
                           visible={**VISIBLE, "school_curator": set()})),
        Case("reports", "GET", "/dashboard", public(), get("/dashboard")),
        *municipal_fact_cases(),
        *monitoring_cases(),
    ]


FACTS = "/api/v1/municipal-facts"
EVIDENCE = b"%PDF-1.4 evidence\n%%EOF\n"


def fact_form(world: World, p: Place) -> dict[str, Any]:
    """A record of a municipal fact of the place's district with a document attached (multipart)."""
    return {"path": FACTS, "content_type": "multipart/form-data", "data": {
        "code": "methodical_centre", "municipality_id": p.municipality_id, "value": "1", "recorded_on": str(TODAY),
        "file": (io.BytesIO(EVIDENCE), "Приказ о совете.pdf")}}


def fact_with_document(world: World, p: Place) -> dict[str, Any]:
    """The evidence download of the place's district's latest record (the admin records one when there is none)."""
    from services.reports.adapters.tables import MunicipalFactRow

    with UnitOfWork(world.engine("reports")) as uow:
        found = uow.session.execute(select(MunicipalFactRow.id).where(
            MunicipalFactRow.municipality_id == p.municipality_id, MunicipalFactRow.evidence.is_not(None))
            .order_by(MunicipalFactRow.id.desc())).scalar()
    if found is None:
        form = fact_form(world, p)
        found = world.admin("reports", "POST", FACTS, 201, data=form["data"], content_type=form["content_type"])["id"]
    return {"path": f"{FACTS}/{found}/evidence"}


def municipal_fact_cases() -> list[Case]:
    """Municipal facts: written as targets are (the district's operator, the region's, the admin), read like the
    self-assessments (a school curator sees no district's records)."""
    evidence = {**guarded(READERS), "school_curator": Expect(404, 404)}
    return [
        Case("reports", "POST", FACTS, guarded(("admin", "region_operator", "municipal_operator"), 201, foreign=403),
             fact_form),
        Case("reports", "GET", FACTS, listed(READERS), get(FACTS, municipality_id=lambda p: p.municipality_id),
             before=lambda w, p: fact_with_document(w, p) and None,
             check=listing(items("municipality_id"), lambda p: p.municipality_id,
                           visible={**VISIBLE, "school_curator": set()})),
        Case("reports", "GET", f"{FACTS}/<fact_id>/evidence", evidence, fact_with_document),
    ]


def service_cases(service: str) -> list[Case]:
    """Health, metrics, the OpenAPI document and its interactive docs: public on every service."""
    files = {"/docs/static/<path:filename>": "/docs/static/none.js",
             "/docs/swagger/<path:filename>": "/docs/swagger/css/swagger-ui.css",
             "/static/<path:filename>": "/static/none.css"}
    paths = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs/", "/docs/openapi.json", "/docs/swagger",
             "/docs/oauth2-redirect.html"]
    cases = [Case(service, "GET", path, public(), get(path)) for path in paths]
    cases += [Case(service, "GET", rule, public(404 if "none" in path else 200), get(path))
              for rule, path in files.items()]
    return cases


CASES = [*registry_cases(), *matching_cases(), *reports_cases(),
         *[case for service in ("registry", "matching", "reports") for case in service_cases(service)],
         *[Case(service, "GET", "/asyncapi.yaml", public(), get("/asyncapi.yaml"))
           for service in ("registry", "matching")]]


def probe(world: World, case: Case, role: str, relation: str) -> str | None:
    """Run one probe; a description of what went wrong, or None."""
    place = world.places[target(role, relation)]
    if case.before:
        case.before(world, place)
    request = case.request(world, place)
    response = world.clients[case.service].open(request.pop("path"), method=case.method,
                                                headers=world.headers(role), **request)
    if case.after:
        case.after(world, place)
    expected = getattr(case.expect[role], relation)
    where = f"{case.service} {case.method} {case.rule} as {role} on {relation} ({place.key})"
    if response.status_code != expected:
        detail = response.get_json(silent=True) or response.data[:200]
        return f"{where}: expected {expected}, got {response.status_code} {detail}"
    refused = expected in (401, 403) or (expected == 404 and case.rule.startswith("/api/"))
    if refused and response.mimetype != PROBLEM_JSON:
        return f"{where}: refusal is {response.mimetype}, not problem+json"
    if case.check and expected not in (401, 403, 404):
        try:
            case.check(world, role, place, response)
        except AssertionError as exc:
            return f"{where}: {exc}"
    return None


def test_every_endpoint_answers_every_role_and_scope_as_the_matrix_says(world):
    failures = [problem for case in CASES for role in ROLES for relation in ("own", "foreign")
                if (problem := probe(world, case, role, relation))]
    assert not failures, f"{len(failures)} of {len(CASES) * len(ROLES) * 2} probes failed:\n" + "\n".join(failures)


def test_an_import_row_cannot_reach_a_school_of_another_district_by_naming_ones_own(world):
    """Schools are matched by name across the region, so the school's own municipality decides, not the row."""
    own, foreign = world.places["A1a"], world.places["A2a"]
    content = f"Район;ОО;Педагогов\n{own.municipality_name};{foreign.org_name};999\n".encode()
    response = world.clients["registry"].post(
        "/api/v1/imports", query_string={"kind": "organizations", "on_error": "skip"},
        data={"file": (io.BytesIO(content), "organizations.csv")}, content_type="multipart/form-data",
        headers=world.headers("municipal_operator"))
    assert response.status_code == 200, response.get_json()
    assert [e["code"] for e in response.get_json()["errors"]] == ["out_of_scope"]
    assert world.admin("registry", "GET", f"/api/v1/organizations/{foreign.org_id}", 200)["teachers"] == 40


# The matrix is complete ---------------------------------------------------------------------------------------


@pytest.fixture
def bare_apps(tmp_path, nats_server, settings_factory) -> dict[str, FlaskClient]:
    return apps(settings_factory, f"sqlite:///{tmp_path / 'bare.db'}", nats_server.url)


def routes(client: FlaskClient) -> set[tuple[str, str]]:
    app = client.application
    return {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_the_matrix_names_every_endpoint_of_every_service_and_nothing_else(bare_apps):
    for service, client in bare_apps.items():
        served = routes(client)
        documented = {(method.upper(), path.replace("{", "<").replace("}", ">"))
                      for path, item in client.get("/openapi.json").get_json()["paths"].items() for method in item}
        assert documented <= served, f"{service}: documented but not served: {documented - served}"
        covered = {(case.method, case.rule) for case in CASES if case.service == service}
        assert served - covered == set(), f"{service}: endpoints without an expectation: {sorted(served - covered)}"
        assert covered - served == set(), f"{service}: expectations for endpoints that are gone: {covered - served}"
    assert len({(c.service, c.method, c.rule) for c in CASES}) == len(CASES)


def test_integrators_never_write_and_anonymous_callers_reach_only_public_endpoints():
    public_paths = {"/bank", "/api/v1/bank", "/api/v1/dictionaries", "/dashboard", "/healthz", "/readyz", "/metrics",
                    "/bank/apply", "/bank/ask/<mentor_id>", "/bank/sent", NOMINATIONS, REQUESTS,
                    "/openapi.json", "/asyncapi.yaml"}
    for case in CASES:
        if case.method != "GET" and case.rule not in public_paths:
            assert case.expect["integrator"] == Expect(403, 403), (case.method, case.rule)
        is_public = case.rule in public_paths or case.rule.startswith(("/docs", "/static"))
        assert (case.expect["anonymous"] != Expect(401, 401)) == is_public, (case.method, case.rule)


# Tokens that must not pass -------------------------------------------------------------------------------------

PROTECTED = {"registry": "/api/v1/mentors", "matching": "/api/v1/pairs", "reports": "/api/v1/assessments"}


def bad_tokens(settings: Settings) -> dict[str, str]:
    now = int(time.time())
    claims = {"sub": "intruder", "role": "admin", "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
              "iat": now, "nbf": now, "exp": now + 600}
    other = {"jwt_secret": "another-secret-of-someone-else-0123456789abcdef"}
    return {
        "expired": issue_token(settings, "admin", ttl_s=-60),
        "forged": issue_token(settings.model_copy(update=other), "admin"),
        "wrong audience": issue_token(settings.model_copy(update={"jwt_audience": "somebody-else"}), "admin"),
        "wrong issuer": issue_token(settings.model_copy(update={"jwt_issuer": "somebody-else"}), "admin"),
        "alg none": jwt.encode(claims, key=None, algorithm="none"),
        "unsigned tail cut": issue_token(settings, "admin").rsplit(".", 1)[0] + ".",
        "scope missing": jwt.encode({**claims, "role": "school_curator"}, settings.jwt_secret, algorithm="HS256"),
        "unknown role": jwt.encode({**claims, "role": "superuser"}, settings.jwt_secret, algorithm="HS256"),
    }


@pytest.mark.parametrize("service", list(PROTECTED))
def test_expired_forged_foreign_and_unsigned_tokens_are_401_problem_json(bare_apps, service):
    client = bare_apps[service]
    settings = client.application.extensions["mentoring"].settings
    assert client.get(PROTECTED[service], headers={"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
                      ).status_code == 200
    for kind, token in bad_tokens(settings).items():
        response = client.get(PROTECTED[service], headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (kind, response.get_json())
        assert response.mimetype == PROBLEM_JSON, kind
        assert response.get_json()["title"] == "Требуется авторизация", kind
    assert client.get(PROTECTED[service], headers={"Authorization": "Basic YWRtaW46YWRtaW4="}).status_code == 401
