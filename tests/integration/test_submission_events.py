"""The municipal submissions of the half-year monitoring reach integrators: `mentoring.submission.submitted` and
`.reopened` are written to the reports outbox in the transaction that stores the change (none for a refused
request), valid against the published catalog, with ids and codes only (no figures, no reason); the reports relay
(`mentoring relay reports`, a real process) puts them on the stream of a real nats-server."""

from __future__ import annotations

import json
from functools import partial

import jsonschema
import pytest
from sqlalchemy import func, select

from services.reports.adapters.tables import Freshness, SubmissionEventRow, SubmissionRow, outbox
from services.reports.api.serialize import indicator_json
from services.reports.use_cases import submissions
from shared.auth import Principal, Role
from shared.db import UnitOfWork
from shared.event_catalog import SCHEMA_DIR
from shared.events import decode
from tests.integration.helpers import REGION, eventually, stream_messages
from tests.integration.test_pair_followup_events import CommitRefused, RefusingUnitOfWork
from tests.integration.test_process_faults import cli_env
from tests.integration.test_reports_monitoring import CURRENT, seeded, submit
from tests.servers import CliProcess

REASON = "Исправьте показатель 7: Петрова И. И. учтена дважды"


def outbox_events(client) -> list[dict]:
    """Every outbox row's envelope, in commit order; `decode` validates it against the catalog."""
    with UnitOfWork(client.ctx.engine) as uow:
        bodies = uow.session.execute(select(outbox.table.c.body).order_by(outbox.table.c.seq)).scalars().all()
    return [decode(body).to_dict() for body in bodies]


def walk(reports) -> list[str]:
    """Submit, the refusals, reopen, resubmit; the submissions' ids in order."""
    who = seeded(reports)
    first = submit(reports, who["m1"])
    assert first.status_code == 201
    assert submit(reports, who["m1"]).status_code == 409  # frozen: submitted once
    assert submit(reports, who["m1"], municipality="m2").status_code == 403  # not one's own municipality
    reopen = f"/api/v1/submissions/{first.json['id']}/reopen"
    assert reports.post(reopen, json={"reason": REASON}, headers=who["m1"]).status_code == 403  # only the region
    assert reports.post(reopen, json={"reason": "  "}, headers=who["region"]).status_code == 422
    assert reports.post(reopen, json={"reason": REASON}, headers=who["other_region"]).status_code == 404
    assert reports.post(reopen, json={"reason": REASON}, headers=who["region"]).status_code == 200
    assert reports.post(reopen, json={"reason": REASON}, headers=who["region"]).status_code == 409  # already
    second = submit(reports, who["m1"])
    assert second.status_code == 201 and second.json["version"] == 2
    return [first.json["id"], second.json["id"]]


def test_submitted_reopened_resubmitted_are_three_events_with_ids_and_codes_and_none_for_a_refusal(reports):
    ids = walk(reports)
    events = outbox_events(reports)
    assert [(e["type"], e["subject"]) for e in events] == [
        ("mentoring.submission.submitted", ids[0]), ("mentoring.submission.reopened", ids[0]),
        ("mentoring.submission.submitted", ids[1])]
    for envelope in events:
        jsonschema.validate(envelope["data"], json.loads((SCHEMA_DIR / f"{envelope['type']}.json").read_text()))
        data = envelope["data"]
        assert envelope["source"] == "/reports"
        assert (data["municipality_id"], data["region_id"], data["period"]) == ("m1", REGION, CURRENT.code)
        assert data["period_start"] == CURRENT.period.start.isoformat()
        assert data["period_end"] == CURRENT.period.end.isoformat()
        assert "Петрова" not in json.dumps(envelope, ensure_ascii=False) and "figures" not in data
    assert [(e["data"]["version"], e["data"]["state"]) for e in events] == [
        (1, "submitted"), (1, "reopened"), (2, "submitted")]
    assert [e["data"]["actor"].split(":")[0] for e in events] == [
        "municipal_operator", "region_operator", "municipal_operator"]
    with UnitOfWork(reports.ctx.engine) as uow:
        stored = dict(uow.session.execute(select(SubmissionRow.id, SubmissionRow.sha256)).all())
    assert events[0]["data"]["sha256"] == stored[ids[0]] and events[2]["data"]["sha256"] == stored[ids[1]]
    reports.feed(*(decode(json.dumps(e).encode()) for e in events))  # a projection handed them ignores them
    with UnitOfWork(reports.ctx.engine) as uow:
        assert uow.session.get(Freshness, 1).last_event_id == events[-1]["id"]


@pytest.mark.parametrize("step", ["submit", "reopen"])
def test_a_submission_whose_commit_fails_leaves_neither_the_change_nor_its_event(reports, step):
    who = seeded(reports)
    if step == "reopen":
        assert submit(reports, who["m1"]).status_code == 201
    before = outbox_events(reports)
    region = Principal(subject="r1", role=Role.REGION_OPERATOR, scope_kind="region", scope_id=REGION)
    refusing_uow = partial(RefusingUnitOfWork, reports.ctx.engine, outbox)
    with pytest.raises(CommitRefused):
        if step == "submit":
            submissions.submit(refusing_uow, region, CURRENT.code, "m1", indicator_json)
        else:
            latest = outbox_events(reports)[-1]["subject"]
            submissions.reopen(refusing_uow, region, latest, "причина")
    with UnitOfWork(reports.ctx.engine) as uow:
        audit = uow.session.scalar(select(func.count()).select_from(SubmissionEventRow))
        statuses = list(uow.session.execute(select(SubmissionRow.status)).scalars())
    assert outbox_events(reports) == before
    assert (audit, statuses) == ((0, []) if step == "submit" else (1, ["submitted"]))


async def test_the_reports_relay_puts_the_submission_events_on_the_stream_once_each(reports, tmp_path):
    walk(reports)
    written = outbox_events(reports)
    settings = reports.settings
    relay = CliProcess(["relay", "reports"], cli_env(settings), tmp_path / "relay.log").start()
    try:
        await eventually(lambda: unsent(reports) == 0, timeout_s=30)
    finally:
        relay.stop()
        print(relay.log()[-2000:])  # shown when the test fails
    messages = await stream_messages(settings)
    assert [(m.subject, m.headers["Nats-Msg-Id"]) for m in messages] == [(e["type"], e["id"]) for e in written]
    assert [decode(m.data).to_dict() for m in messages] == written


def unsent(client) -> int:
    with UnitOfWork(client.ctx.engine) as uow:
        return outbox.pending_count(uow.session)
