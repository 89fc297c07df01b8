"""Every operation of the three services keeps its OpenAPI contract under schemathesis, with valid and invalid data.

Each service runs in-process on SQLite with a little real data (an organization, mentors, a mentee, an active pair
with its program, a run), and schemathesis sends `EXAMPLES` positive and `EXAMPLES` negative requests per operation,
reproducibly (`derandomize`). Valid cases sometimes carry a seeded id in a path or a reference field, and leave
`cursor` out (only a cursor the service issued is valid). Every response is checked by not_a_server_error,
status_code_conformance, content_type_conformance, response_schema_conformance, negative_data_rejection,
validation_agrees_with_schema (below) and positive_data_acceptance.

Excluded, and why:
- positive_data_acceptance on the operations of `DOMAIN_RULES`: they refuse some schema-valid requests by a rule a
  JSON Schema cannot state (stored records, dates against each other or today, a spreadsheet's layout). There
  validation_agrees_with_schema still holds: such a refusal may come from the rule, never from request validation.
- ignored_auth, use_after_free, ensure_resource_availability, unsupported_method and the other stateful or
  method-probing checks: roles and scopes have their own tests, and the API declares no links (its one DELETE,
  an order template's reset, has its own tests).
- response_headers_conformance and missing_required_header: no response headers and no required request headers
  besides the bearer token are declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask_openapi3 import OpenAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from services.matching.adapters.read_model import HANDLERS
from services.matching.app import create_app as matching_app
from services.registry.app import create_app as registry_app
from services.reports.adapters.projection import apply as project
from services.reports.app import create_app as reports_app
from shared.auth import issue_token
from shared.consumer import dispatch
from shared.db import UnitOfWork
from shared.events import CloudEvent, decode

SERVICES = ("registry", "matching", "reports")
# Operations that refuse some schema-valid requests by a rule the schema cannot state (stored data, dates
# relative to each other or to today, a file's layout): positive_data_acceptance is not sound for them.
DOMAIN_RULES = {
    "POST /api/v1/imports": "the file must be a spreadsheet in the operators' layout",
    "POST /api/v1/mentors": "organization_id must name an active organization; experience range min <= max",
    "POST /api/v1/mentees": "organization_id must name an active organization; preferred mentors must exist",
    "PATCH /api/v1/mentors/{id}": "the experience range must stay ordered (min <= max)",
    "PATCH /api/v1/mentees/{id}": "preferred mentors must exist in the bank",
    "POST /api/v1/runs": "the distance weights must keep their order (organization <= municipality <= region)",
    "POST /api/v1/pairs": "the stored mentor and mentee must pass the matching rules (subject, stage, load)",
    "POST /api/v1/pairs/{id}/confirm": "consent and order dates may not lie in the future",
    "POST /api/v1/pairs/{id}/activate": "a program lasts 3 to 12 months unless an override reason is given",
    "POST /api/v1/pairs/{id}/extend": "both consents, a later end date, at most 12 months in all",
    "POST /api/v1/submissions": "the half-year may not lie in the future nor be submitted twice; the admin and the "
                                "region name the municipality",
    "POST /api/v1/municipal-facts": "a value above zero needs evidence (a link or a document); the municipality must "
                                    "be known and in the caller's scope",
    "PUT /api/v1/documents/order-template": "the file must be a Word template with the known placeholders and the "
                                            "pairs loop",
    "GET /api/v1/documents/order.docx": "chosen pairs must be open proposals of the organization",
}
# Body fields that refer to stored records: valid cases sometimes carry a seeded id there.
REFERENCES = {"organization_id": "organizations", "mentor_id": "mentors", "mentee_id": "mentees"}
CONFIG = {"seed": 20261101, "generation": {"mode": "all"}}
TODAY = date.today()
EXAMPLES = 20


@dataclass
class Seeded:
    """Three apps on their own SQLite files, holding a little real data, and the ids worth hitting."""

    apps: dict[str, OpenAPI]
    token: str
    ids: dict[str, list[str]] = field(default_factory=dict)


def outbox_events(app: OpenAPI) -> list[CloudEvent]:
    ctx = app.extensions["mentoring"]
    with UnitOfWork(ctx.engine) as uow:
        rows = uow.session.execute(select(ctx.outbox.table.c.body).order_by(ctx.outbox.table.c.seq)).scalars()
        return [decode(body) for body in rows]


def feed(app: OpenAPI, events: list[CloudEvent], handle: Any) -> None:
    for event in events:
        with UnitOfWork(app.extensions["mentoring"].engine) as uow:
            handle(uow, event)
            uow.commit()


def created(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201, 202), response.json
    return response.json


@pytest.fixture
def seeded(tmp_path: Path, nats_server: Any, settings_factory: Any) -> Seeded:
    """An organization, two mentors and a mentee through the registry; their events fed to matching and reports."""
    apps = {name: factory(settings_factory(name, f"sqlite:///{tmp_path / f'{name}.db'}", nats_server.url,
                                           log_level="CRITICAL", region_id="86"))
            for name, factory in (("registry", registry_app), ("matching", matching_app), ("reports", reports_app))}
    settings = apps["registry"].extensions["mentoring"].settings
    token = issue_token(settings, "admin")
    admin = {"Authorization": f"Bearer {token}"}
    registry = apps["registry"].test_client()
    org = created(registry.post("/api/v1/organizations", headers=admin, json={
        "name": "МБОУ СОШ № 1", "municipality": "Белоярский район", "teachers": 40, "young_specialists": 4}))
    mentors = [created(registry.post("/api/v1/mentors", headers=admin, json={
        "organization_id": org["id"], "full_name": name, "subjects": ["math"], "stages": ["basic", "secondary"],
        "capacity": 2, "consent_publication": True})) for name in ("Иванова Анна Петровна", "Петров Иван Ильич")]
    mentee = created(registry.post("/api/v1/mentees", headers=admin, json={
        "organization_id": org["id"], "full_name": "Сидорова Мария Олеговна", "subject": "math", "stage": "basic"}))
    feed(apps["matching"], outbox_events(apps["registry"]), dispatch(HANDLERS))

    matching = apps["matching"].test_client()
    pair = created(matching.post("/api/v1/pairs", headers=admin, json={"mentor_id": mentors[0]["id"],
                                                                       "mentee_id": mentee["id"]}))
    base = f"/api/v1/pairs/{pair['id']}"
    created(matching.post(f"{base}/confirm", headers=admin, json={
        "mentor_consent_on": str(TODAY), "mentee_consent_on": str(TODAY), "order_number": "15-н",
        "order_date": str(TODAY), "curator_name": "Ефимова М. Г."}))
    start = TODAY - timedelta(days=40)
    created(matching.post(f"{base}/activate", headers=admin, json={
        "started_on": str(start), "planned_end_on": str(start + timedelta(days=180))}))
    program = created(matching.put(f"{base}/program", headers=admin, json={
        "goals": "освоить формирующее оценивание",
        "plan": [{"title": "посетить 4 урока наставника", "due_on": str(TODAY + timedelta(days=30))}]}))
    report = created(matching.post(f"{base}/reports", headers=admin, json={"period": f"{TODAY.year}-H2",
                                                                             "text": "идём по плану"}))
    run = created(matching.post("/api/v1/runs", headers=admin, json={"scope": f"municipality:{org['municipality_id']}",
                                                                     "dry_run": True}))
    feed(apps["reports"], outbox_events(apps["registry"]) + outbox_events(apps["matching"]), project)
    ids = {"organizations": [org["id"]], "mentors": [m["id"] for m in mentors], "mentees": [mentee["id"]],
           "pairs": [pair["id"]], "runs": [run["id"]], "report_id": [report["id"]],
           "item_id": [item["id"] for item in program["plan"]]}
    return Seeded(apps=apps, token=token, ids=ids)


def known_ids(seeded: Seeded, path: str, name: str) -> list[str]:
    """Seeded ids that fit the path parameter `name` of `path` (by the collection it names)."""
    if name != "id":
        return seeded.ids.get(name, [])
    collection = path.removeprefix("/api/v1/").split("/")[0]
    return seeded.ids.get(collection, [])


@pytest.fixture(params=SERVICES)
def api_schema(request: pytest.FixtureRequest, seeded: Seeded) -> Any:
    """The service's own /openapi.json; valid cases are sometimes aimed at the seeded records."""
    # The admin's token through OpenAPI-aware auth, so cases that leave out or spoil the token keep doing so.
    config = SchemathesisConfig.from_dict({**CONFIG, "auth": {"openapi": {"bearer": {"bearer": seeded.token}}}})
    schema = schemathesis.openapi.from_wsgi("/openapi.json", seeded.apps[request.param], config=config)

    @schema.hook
    def flatmap_case(context: Any, case: Any) -> Any:
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return st.just(case)
        if isinstance(case.query, dict):
            case.query.pop("cursor", None)  # opaque: only a `next_cursor` the service issued is a valid one
        slots = [(case.path_parameters, name, known_ids(seeded, case.operation.path, name))
                 for name in case.path_parameters or {}]
        if isinstance(case.body, dict):
            slots += [(case.body, key, seeded.ids[collection]) for key, collection in REFERENCES.items()
                      if key in case.body]
        slots = [(container, name, values) for container, name, values in slots if values]
        if not slots:
            return st.just(case)

        def aim(picks: tuple[str | None, ...]) -> Any:
            for (container, name, _), value in zip(slots, picks, strict=True):
                if value is not None:
                    container[name] = value
            return case

        return st.tuples(*(st.sampled_from([None, *values]) for _, _, values in slots)).map(aim)

    return schema


def validation_agrees_with_schema(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the schema allows is never refused by request validation (a 422 naming validator error types).

    Holds on every operation, also where positive_data_acceptance is left out: a domain rule may refuse valid
    data, the validator behind the published schema may not.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    refused = [error for error in (response.json().get("errors") or []) if error.get("type")]
    if refused:
        raise AssertionError(f"Schema-valid request refused by request validation: {refused}")
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, positive_data_acceptance, validation_agrees_with_schema]


def takes_input(operation: Any) -> bool:
    """Whether there is anything to make invalid (negative data needs a parameter or a body)."""
    return bool(operation.path_parameters or operation.query or operation.headers or operation.body)


def checks_for(operation: Any) -> list[Any]:
    if operation.label in DOMAIN_RULES:
        return [check for check in CHECKS if check is not positive_data_acceptance]
    return CHECKS


def exercise(operation: Any, mode: GenerationMode) -> int:
    """Send up to `EXAMPLES` generated requests of one mode to one operation; how many were sent."""
    sent, checks = 0, checks_for(operation)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        nonlocal sent
        sent += 1
        case.call_and_validate(checks=checks)

    run()
    return sent


def test_every_operation_keeps_its_contract(api_schema: Any, seeded: Seeded) -> None:
    failures, sent, operations = [], 0, 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in GenerationMode if takes_input(operation) else [GenerationMode.POSITIVE]:
            try:
                sent += exercise(operation, mode)
            except (Exception, FailureGroup) as exc:  # noqa: BLE001 - every operation's failures are reported together
                failures.append(f"{operation.label} [{mode.value}]: {type(exc).__name__}: {exc}")
    print(f"{api_schema.title}: {operations} operations, {sent} requests")
    assert not failures, "\n\n".join(failures)
