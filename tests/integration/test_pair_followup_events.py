"""What happens inside a working pair reaches integrators: the program set, a diary entry added, a half-year report
submitted, accepted or returned — each an event in the outbox of the transaction that made the change (none for a
refused request), valid against the published catalog, with ids and codes only (no goals, diary or report text).
End to end, the matching relay puts them on the stream and the reports projection acks them without terminating."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import jsonschema
import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from services.matching.adapters.tables import DiaryEntry, HalfYearReport, Pair, PlanItem, Program, outbox
from services.matching.use_cases import programs
from services.reports.adapters import tables as reports_tables
from services.reports.adapters.projection import projection_spec
from services.reports.adapters.tables import PairRow
from shared.auth import Principal, Role
from shared.consumer import ConsumerRunner, Outcome
from shared.db import UnitOfWork, create_tables, make_engine
from shared.event_catalog import SCHEMA_DIR
from shared.events import decode
from tests.integration.helpers import REGION, eventually, stream_events
from tests.integration.test_pairs import CONFIRM, TODAY, create, post, setup_region
from tests.integration.test_process_faults import cli_env
from tests.servers import CliProcess

WALK = ["mentoring.pair.program_set", "mentoring.pair.diary_entry_added", "mentoring.pair.report_submitted",
        "mentoring.pair.report_returned", "mentoring.pair.report_submitted", "mentoring.pair.report_accepted"]
TEXTS = ("освоить формирующее оценивание", "посетили уроки", "идём по плану", "добавьте", "дополнено", "Ефимова")


def outbox_events(client) -> list[tuple[str, dict]]:
    """(subject, decoded envelope) of every outbox row, in commit order; `decode` validates against the catalog."""
    with UnitOfWork(client.ctx.engine) as uow:
        rows = uow.session.execute(select(outbox.table.c.subject, outbox.table.c.body)
                                   .order_by(outbox.table.c.seq)).all()
    return [(subject, decode(body).to_dict()) for subject, body in rows]


def valid_against_published_schema(envelope: dict) -> None:
    schema = json.loads((SCHEMA_DIR / f"{envelope['type']}.json").read_text())
    jsonschema.validate(envelope["data"], schema)


def active_pair(matching) -> str:
    setup_region(matching)
    pair = create(matching)
    base = f"/api/v1/pairs/{pair['id']}"
    assert post(matching, f"{base}/confirm", CONFIRM).status_code == 200
    start = TODAY - timedelta(days=40)
    answer = post(matching, f"{base}/activate", {"started_on": str(start),
                                                 "planned_end_on": str(start + timedelta(days=180))})
    assert answer.json["state"] == "active", answer.json
    return pair["id"]


def follow_the_pair(matching, pair_id: str) -> dict[str, str]:
    """Program, diary, a report returned then accepted — with the refusals in between; the ids the API gave."""
    base = f"/api/v1/pairs/{pair_id}"
    program = {"goals": "освоить формирующее оценивание", "plan": [
        {"title": "посетить 4 урока наставника", "due_on": str(TODAY - timedelta(days=3))},
        {"title": "открытый урок", "due_on": str(TODAY + timedelta(days=30))}]}
    assert matching.put(f"{base}/program", json=program, headers=matching.admin).status_code == 200
    reader = matching.auth("integrator")
    assert matching.put(f"{base}/program", json=program, headers=reader).status_code == 403
    month = (TODAY.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    entry = post(matching, f"{base}/diary", {"month": month, "text": "посетили уроки", "author": "t0"})
    assert entry.status_code == 201
    assert post(matching, f"{base}/diary", {"month": month, "text": "ещё раз", "author": "t0"}).status_code == 409
    other_school = matching.auth("school_curator", "organization:o9")
    assert post(matching, f"{base}/diary", {"month": TODAY.strftime("%Y-%m"), "text": "чужая", "author": "t9"},
                headers=other_school).status_code == 404
    period = f"{TODAY.year}-H{1 if TODAY.month <= 6 else 2}"
    report = post(matching, f"{base}/reports", {"period": period, "text": "идём по плану"}).json
    decision = f"{base}/reports/{report['id']}/decision"
    assert post(matching, decision, {"accept": False, "comment": "добавьте"}).json["status"] == "returned"
    assert post(matching, decision, {"accept": True}).status_code == 409  # a returned report waits for a new one
    assert post(matching, f"{base}/reports", {"period": period, "text": "дополнено"}).status_code == 201
    assert post(matching, decision, {"accept": True}).json["status"] == "accepted"
    assert post(matching, f"{base}/reports", {"period": period, "text": "ещё"}).status_code == 409
    return {"entry": entry.json["id"], "report": report["id"], "month": month, "period": period}


def test_each_step_of_a_working_pair_is_one_event_with_ids_and_codes_and_none_for_a_refusal(matching):
    pair_id = active_pair(matching)
    before = len(outbox_events(matching))
    ids = follow_the_pair(matching, pair_id)
    events = outbox_events(matching)[before:]
    assert [subject for subject, _ in events] == WALK
    for _, envelope in events:
        valid_against_published_schema(envelope)
        data = envelope["data"]
        assert envelope["subject"] == pair_id and envelope["source"] == "/matching"
        assert (data["pair_id"], data["organization_id"], data["municipality_id"], data["region_id"]) == (
            pair_id, "o1", "m1", REGION)
        assert data["actor"].startswith("admin:")
        assert not any(text in json.dumps(envelope, ensure_ascii=False) for text in TEXTS)
    program, diary = events[0][1]["data"], events[1][1]["data"]
    assert (program["program_id"], program["plan_items"], program["form"], program["format"]) == (
        pair_id, 2, "traditional", "in_person")
    assert program["started_on"] == str(TODAY - timedelta(days=40))
    assert program["planned_end_on"] == str(TODAY + timedelta(days=140))
    assert (diary["entry_id"], diary["month"]) == (ids["entry"], ids["month"])
    reports = [envelope["data"] for _, envelope in events[2:]]
    assert {r["report_id"] for r in reports} == {ids["report"]} and {r["period"] for r in reports} == {ids["period"]}
    assert [r["state"] for r in reports] == ["submitted", "returned", "submitted", "accepted"]


class CommitRefused(Exception):
    """The commit failed (raised from SQLAlchemy's `before_commit` hook, before anything is committed)."""


class RefusingUnitOfWork(UnitOfWork):
    """A real unit of work on the real database whose commit fails, as a lost connection or a full disk would."""

    def __enter__(self) -> UnitOfWork:
        super().__enter__()
        sa_event.listen(self.session, "before_commit", self._refuse)
        return self

    @staticmethod
    def _refuse(session) -> None:
        raise CommitRefused("commit refused")


@pytest.mark.parametrize("step", ["program", "diary", "report"])
def test_a_change_whose_commit_fails_leaves_neither_the_change_nor_its_event(matching, step):
    pair_id = active_pair(matching)
    before = len(outbox_events(matching))
    admin = Principal(role=Role.ADMIN, subject="a1")
    with RefusingUnitOfWork(matching.ctx.engine, outbox) as uow, pytest.raises(CommitRefused):
        if step == "program":
            programs.save_program(uow, admin, pair_id, {"goals": "цели", "plan": [
                {"title": "пункт", "due_on": TODAY}]})
        elif step == "diary":
            programs.add_diary(uow, admin, pair_id, TODAY.strftime("%Y-%m"), "запись", "t0")
        else:
            programs.submit_report(uow, admin, pair_id, f"{TODAY.year}-H1", "отчёт")
    with UnitOfWork(matching.ctx.engine) as uow:
        kept = sum(uow.session.scalar(select(func.count()).select_from(model)) or 0
                   for model in (Program, PlanItem, DiaryEntry, HalfYearReport))
        assert kept == 0 and uow.session.get(Pair, pair_id).version == 3  # proposed, confirmed, activated
    assert len(outbox_events(matching)) == before


async def test_the_matching_relay_streams_them_and_the_reports_projection_acks_them_without_terminating(
        matching, tmp_path):
    pair_id = active_pair(matching)
    follow_the_pair(matching, pair_id)
    settings = matching.settings
    relay = CliProcess(["relay", "matching"], cli_env(settings), tmp_path / "relay.log").start()
    try:
        await eventually(lambda: unsent(matching) == 0, timeout_s=30)
    finally:
        relay.stop()
        print(relay.log()[-2000:])  # shown when the test fails
    streamed = await stream_events(settings)
    assert [e["type"] for e in streamed][-len(WALK):] == WALK
    assert all(decode(json.dumps(e).encode()).type == e["type"] for e in streamed)
    reports_engine = make_engine(settings.resolved_database_url())
    create_tables(reports_engine, reports_tables.metadata)
    runner = ConsumerRunner(reports_engine, reports_tables.inbox, projection_spec(), settings)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await eventually(lambda: sum(runner.counts.values()) == len(streamed), timeout_s=30)
    finally:
        stop.set()
        await task
    assert runner.counts[Outcome.TERMINATED] == 0 and runner.counts[Outcome.RETRY] == 0
    assert runner.counts[Outcome.APPLIED] == len(streamed)
    with UnitOfWork(reports_engine) as uow:
        assert uow.session.get(PairRow, pair_id).state == "active"
    reports_engine.dispose()


def unsent(client) -> int:
    with UnitOfWork(client.ctx.engine) as uow:
        return outbox.pending_count(uow.session)
