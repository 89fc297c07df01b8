"""Every database constraint a request can run into answers a 409 problem+json in Russian, never a 500.

Two ways in, both tested per constraint where a request can take them:
- one after the other: the use case sees the stored record and refuses with a message naming the clash;
- a race: a concurrent request commits its record between the use case's check and its write. `committed_twin`
  reproduces that moment: just before the request's flush writes a row of the model, a twin of that row (the same
  values, its own id) goes into the database on the request's connection, so the database's own constraint refuses
  the write; the one guard in shared/web.py answers 409 (and the transaction is rolled back).

The unique rules, by table: organization and municipality names in a region (registry); one open pair per mentee,
one diary entry a month, one half-year report a period (matching); one assessment per municipality and period, one
target per code, scope and year, one live submission version (reports); one console account per e-mail. The console
shows its refusal beside the form's e-mail field (its pages are HTML). Not reachable by a request: a run's
proposals (one per mentee, written by the worker from the solver's assignment) and a console link's token hash
(random).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from services.console.adapters.tables import Account
from services.console.adapters.tables import metadata as console_metadata
from services.console.auth import accounts
from services.matching.adapters.tables import DiaryEntry, HalfYearReport, Pair
from services.registry.adapters.tables import Municipality, Organization
from services.reports.adapters.tables import AssessmentRow, SubmissionRow, TargetRow
from shared.auth import issue_token
from shared.db import UnitOfWork, create_tables, engine_from_settings
from tests.integration.helpers import REGION, mentee_event, mentor_event, org_event
from tests.integration.test_reports_monitoring import CURRENT, seeded, submit

TODAY = date.today()
PROBLEM_JSON = "application/problem+json"
RACE_LOST = "Такая запись уже есть: её только что сохранил другой запрос. Обновите данные и повторите"


def conflict(answer: Any, detail: str) -> None:
    """A 409 problem+json whose detail is `detail` (Russian, naming the clash)."""
    assert answer.status_code == 409, answer.json
    assert answer.mimetype == PROBLEM_JSON
    assert answer.json["status"] == 409 and answer.json["title"] == "Конфликт состояния"
    assert answer.json["detail"] == detail


@contextmanager
def committed_twin(model: Any) -> Iterator[list[str]]:
    """The next flush that inserts a `model` row meets a twin of it already in the table (see the docstring)."""
    twins: list[str] = []
    mapper = inspect(model)

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        pending = next((obj for obj in session.new if isinstance(obj, model)), None)
        if pending is None or twins:
            return
        values = {attr.key: getattr(pending, attr.key) for attr in mapper.column_attrs}
        key = mapper.primary_key[0].key
        values[key] = str(uuid.uuid4()) if isinstance(values[key], str) else None
        session.connection().execute(insert(model.__table__).values(
            {column: value for column, value in values.items() if value is not None}))
        twins.append(model.__tablename__)

    event.listen(Session, "before_flush", before_flush)
    try:
        yield twins
    finally:
        event.remove(Session, "before_flush", before_flush)


def rows(engine: Any, model: Any) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.query(model).count()


# --- registry: organization and municipality names in a region ---

def add_organization(registry: Any, name: str, municipality: str = "Белоярский район") -> Any:
    return registry.post("/api/v1/organizations", headers=registry.admin, json={
        "name": name, "municipality": municipality, "teachers": 40, "young_specialists": 4})


def test_a_second_organization_of_the_same_name_is_a_409(registry):
    assert add_organization(registry, "МБОУ СОШ № 1").status_code == 201
    conflict(add_organization(registry, "  мбоу сош №  1 ", "Сургутский район"),
             "Организация «МБОУ СОШ № 1» уже есть в регионе")


def test_renaming_an_organization_to_the_name_of_another_is_a_409_naming_it(registry):
    """The independent fuzz's 500: PATCH /organizations/{id} with another organization's name."""
    assert add_organization(registry, "МБОУ СОШ № 1").status_code == 201
    second = add_organization(registry, "МБОУ СОШ № 2").json
    renamed = registry.patch(f"/api/v1/organizations/{second['id']}", headers=registry.admin,
                             json={"name": "мбоу  СОШ № 1"})
    conflict(renamed, "Организация «МБОУ СОШ № 1» уже есть в регионе: у двух организаций не может быть одного "
                      "названия")
    kept = registry.get(f"/api/v1/organizations/{second['id']}", headers=registry.admin).json
    assert kept["name"] == "МБОУ СОШ № 2" and kept["version"] == second["version"]
    own = registry.patch(f"/api/v1/organizations/{second['id']}", headers=registry.admin,
                         json={"name": "МБОУ СОШ №  2"})  # its own name, spaced differently
    assert own.status_code == 200, own.json


def test_an_organization_name_taken_by_a_concurrent_request_is_a_409_not_a_500(registry):
    with committed_twin(Organization) as twins:
        conflict(add_organization(registry, "МБОУ СОШ № 3"), RACE_LOST)
    assert twins == ["registry_organization"] and rows(registry.ctx.engine, Organization) == 0


def test_a_municipality_created_by_a_concurrent_request_is_a_409_not_a_500(registry):
    with committed_twin(Municipality) as twins:
        conflict(add_organization(registry, "МБОУ СОШ № 4", "Новый район"), RACE_LOST)
    assert twins == ["registry_municipality"] and rows(registry.ctx.engine, Municipality) == 0
    assert add_organization(registry, "МБОУ СОШ № 4", "Новый район").status_code == 201  # nothing half-written


# --- matching: one open pair per mentee, one diary entry a month, one half-year report a period ---

def active_pair(matching: Any) -> str:
    """An organization, a mentor and two mentees; an active pair of the mentor and the first mentee."""
    matching.apply(org_event("o1", "m1"), mentor_event("t0", "o1", "m1", capacity=2), mentee_event("s0", "o1", "m1"),
                   mentee_event("s1", "o1", "m1"))
    pair = matching.post("/api/v1/pairs", headers=matching.admin, json={"mentor_id": "t0", "mentee_id": "s0"}).json
    base = f"/api/v1/pairs/{pair['id']}"
    confirmed = matching.post(f"{base}/confirm", headers=matching.admin, json={
        "mentor_consent_on": str(TODAY), "mentee_consent_on": str(TODAY), "order_number": "15-н",
        "order_date": str(TODAY), "curator_name": "Ефимова М. Г."})
    assert confirmed.status_code == 200, confirmed.json
    start = TODAY - timedelta(days=40)
    activated = matching.post(f"{base}/activate", headers=matching.admin, json={
        "started_on": str(start), "planned_end_on": str(start + timedelta(days=180))})
    assert activated.status_code == 200, activated.json
    return base


def test_a_second_open_pair_for_a_mentee_is_a_409(matching):
    active_pair(matching)
    again = matching.post("/api/v1/pairs", headers=matching.admin, json={"mentor_id": "t0", "mentee_id": "s0"})
    conflict(again, "У наставляемого уже есть пара в работе")


def test_an_open_pair_created_by_a_concurrent_request_is_a_409_not_a_500(matching):
    active_pair(matching)
    with committed_twin(Pair) as twins:
        raced = matching.post("/api/v1/pairs", headers=matching.admin, json={"mentor_id": "t0", "mentee_id": "s1"})
        conflict(raced, RACE_LOST)
    assert twins == ["matching_pair"] and rows(matching.ctx.engine, Pair) == 1


def test_a_second_diary_entry_for_a_month_is_a_409(matching):
    base = active_pair(matching)
    month = TODAY.strftime("%Y-%m")
    entry = {"month": month, "text": "посетили уроки", "author": "t0"}
    assert matching.post(f"{base}/diary", headers=matching.admin, json=entry).status_code == 201
    conflict(matching.post(f"{base}/diary", headers=matching.admin, json={**entry, "text": "ещё раз"}),
             f"Запись дневника за {month} уже есть")


def test_a_diary_entry_written_by_a_concurrent_request_is_a_409_not_a_500(matching):
    base = active_pair(matching)
    with committed_twin(DiaryEntry) as twins:
        conflict(matching.post(f"{base}/diary", headers=matching.admin, json={
            "month": TODAY.strftime("%Y-%m"), "text": "посетили уроки", "author": "t0"}), RACE_LOST)
    assert twins == [DiaryEntry.__tablename__]
    assert rows(matching.ctx.engine, DiaryEntry) == 0


def test_a_half_year_report_submitted_by_a_concurrent_request_is_a_409_not_a_500(matching):
    """One report a period: a second submission replaces the first (until accepted), so only a race meets it."""
    base = active_pair(matching)
    with committed_twin(HalfYearReport) as twins:
        conflict(matching.post(f"{base}/reports", headers=matching.admin,
                               json={"period": f"{TODAY.year}-H2", "text": "идём по плану"}), RACE_LOST)
    assert twins == [HalfYearReport.__tablename__] and rows(matching.ctx.engine, HalfYearReport) == 0


def test_an_accepted_half_year_report_is_not_submitted_again(matching):
    base = active_pair(matching)
    period = f"{TODAY.year}-H2"
    report = matching.post(f"{base}/reports", headers=matching.admin, json={"period": period, "text": "идём"}).json
    accepted = matching.post(f"{base}/reports/{report['id']}/decision", headers=matching.admin,
                             json={"accept": True})
    assert accepted.status_code == 200, accepted.json
    conflict(matching.post(f"{base}/reports", headers=matching.admin, json={"period": period, "text": "ещё"}),
             f"Отчёт за {period} уже принят")


# --- reports: one assessment per municipality and period, one target per code/scope/year, one live submission ---

def operator(reports: Any, role: str, scope: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + issue_token(reports.settings, role, scope)}


def test_an_assessment_saved_by_a_concurrent_request_is_a_409_not_a_500(reports):
    """A second assessment of the period replaces the first, so only a race meets the unique index."""
    reports.feed(org_event("o1", "m1"))
    with committed_twin(AssessmentRow) as twins:
        conflict(reports.post("/api/v1/assessments", headers=operator(reports, "municipal_operator", "municipality:m1"),
                              json={"municipality_id": "m1", "period": "2026-H2",
                                    "answers": {"normative_documents": 2}}), RACE_LOST)
    assert twins == [AssessmentRow.__tablename__] and rows(reports.ctx.engine, AssessmentRow) == 0


def test_a_target_set_by_a_concurrent_request_is_a_409_not_a_500(reports):
    reports.feed(org_event("o1", "m1"))
    with committed_twin(TargetRow) as twins:
        conflict(reports.put("/api/v1/targets", headers=operator(reports, "region_operator", f"region:{REGION}"),
                             json={"code": "coverage", "value": 35, "scope": f"region:{REGION}"}), RACE_LOST)
    assert twins == [TargetRow.__tablename__] and rows(reports.ctx.engine, TargetRow) == 0


def test_a_half_year_submitted_twice_is_a_409(reports):
    who = seeded(reports)
    assert submit(reports, who["m1"]).status_code == 201
    twice = submit(reports, who["m1"])
    assert twice.status_code == 409 and twice.mimetype == PROBLEM_JSON
    assert twice.json["detail"].startswith(f"Отчёт за {CURRENT.label_ru} уже сдан"), twice.json


def test_a_half_year_submitted_by_a_concurrent_request_is_a_409_not_a_500(reports):
    who = seeded(reports)
    with committed_twin(SubmissionRow) as twins:
        conflict(submit(reports, who["m1"]), f"Отчёт за {CURRENT.label_ru} только что сдан другим запросом")
    assert twins == [SubmissionRow.__tablename__] and rows(reports.ctx.engine, SubmissionRow) == 0


# --- console: one account per e-mail ---

@pytest.fixture
def console_session(database_url: str, settings_factory: Any) -> Iterator[Session]:
    settings = settings_factory("console", database_url, "nats://127.0.0.1:4222")
    engine = engine_from_settings(settings)
    create_tables(engine, console_metadata)
    with UnitOfWork(engine) as uow:
        yield uow.session
    engine.dispose()


def test_a_second_console_account_with_the_same_email_is_refused_in_russian(console_session):
    new = accounts.NewAccount("Operator@Example.org", "Иванова Анна", "admin")
    accounts.create_account(console_session, new, created_by="tests")
    with pytest.raises(accounts.AccountError) as refused:
        accounts.create_account(console_session, accounts.NewAccount(" operator@example.org ", "Петров", "admin"),
                                created_by="tests")
    assert (refused.value.field, refused.value.message) == ("email", "Пользователь с таким адресом уже есть")


def test_a_console_account_added_by_a_concurrent_request_is_refused_in_russian(console_session):
    with committed_twin(Account) as twins, pytest.raises(accounts.AccountError) as refused:
        accounts.create_account(console_session, accounts.NewAccount("operator@example.org", "Иванова", "admin"),
                                created_by="tests")
    assert twins == [Account.__tablename__]
    assert (refused.value.field, refused.value.message) == ("email", "Пользователь с таким адресом уже есть")
    assert console_session.query(Account).count() == 0
