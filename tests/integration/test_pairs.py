"""The pair workflow over HTTP on a real database: transitions, rules, concurrency, program, documents."""

from __future__ import annotations

import io
import threading
from collections import Counter
from datetime import date, timedelta

import docx
import pytest
from sqlalchemy import select

from services.matching.adapters.tables import Pair, outbox
from services.matching.use_cases.pair_workflow import expire_stale
from shared.auth import issue_token
from shared.db import UnitOfWork, bulk_insert
from shared.events import utcnow
from tests.integration.helpers import REGION, mentee_event, mentor_event, org_event
from tests.integration.test_matching_service import run_now

TODAY = date.today()
CONFIRM = {"mentor_consent_on": str(TODAY), "mentee_consent_on": str(TODAY), "order_number": "15-н",
           "order_date": str(TODAY), "curator_name": "Ефимова М. Г."}


def setup_region(client, mentors=1, mentees=2, capacity=2):
    client.apply(org_event("o1", "m1"), *[mentor_event(f"t{k}", "o1", "m1", capacity=capacity) for k in range(mentors)],
                 *[mentee_event(f"s{k}", "o1", "m1") for k in range(mentees)])


def post(client, url, body=None, headers=None):
    return client.post(url, json=body or {}, headers=headers or client.admin)


def create(client, mentor="t0", mentee="s0", **extra):
    response = post(client, "/api/v1/pairs", {"mentor_id": mentor, "mentee_id": mentee, **extra})
    assert response.status_code == 201, response.json
    return response.json


def events_of(client) -> list[str]:
    with UnitOfWork(client.ctx.engine) as uow:
        return list(uow.session.execute(select(outbox.table.c.subject).order_by(outbox.table.c.seq)).scalars())


def test_a_pair_walks_from_manual_proposal_to_completion_with_one_event_per_transition(matching):
    setup_region(matching)
    pair = create(matching)
    base = f"/api/v1/pairs/{pair['id']}"
    assert post(matching, f"{base}/confirm", CONFIRM).json["state"] == "confirmed"
    start = TODAY - timedelta(days=40)
    activated = post(matching, f"{base}/activate", {"started_on": str(start),
                                                    "planned_end_on": str(start + timedelta(days=180))})
    assert activated.json["state"] == "active", activated.json
    program = matching.put(f"{base}/program", json={"goals": "освоить формирующее оценивание", "plan": [
        {"title": "посетить 4 урока наставника", "due_on": str(TODAY - timedelta(days=3))},
        {"title": "открытый урок", "due_on": str(TODAY + timedelta(days=30))}]}, headers=matching.admin)
    assert program.status_code == 200, program.json
    assert [i["title"] for i in program.json["attention"]["overdue_plan_items"]] == ["посетить 4 урока наставника"]
    assert program.json["attention"]["missing_diary_month"] is not None
    month = program.json["attention"]["missing_diary_month"]
    curator = {"Authorization": "Bearer " + issue_token(matching.settings, "school_curator", "organization:o1")}
    flagged = matching.get("/api/v1/pairs/attention", headers=curator).json["items"]
    assert [f["pair_id"] for f in flagged] == [pair["id"]] and flagged[0]["missing_diary_month"] == month
    assert (flagged[0]["mentor_name"], flagged[0]["mentee_name"], flagged[0]["organization_name"],
            flagged[0]["mentor_organization_name"]) == ("Наставник t0", "Молодой s0", "Школа o1", "Школа o1")
    diary = {"month": month, "text": "посетили уроки", "author": "t0"}
    assert post(matching, f"{base}/diary", diary).status_code == 201
    assert post(matching, f"{base}/diary", {"month": month, "text": "ещё раз", "author": "t0"}).status_code == 409
    report = post(matching, f"{base}/reports", {"period": f"{TODAY.year}-H2", "text": "идём по плану"}).json
    returned = post(matching, f"{base}/reports/{report['id']}/decision", {"accept": False, "comment": "добавьте"})
    assert returned.json["status"] == "returned"
    assert post(matching, f"{base}/reports", {"period": f"{TODAY.year}-H2", "text": "дополнено"}).status_code == 201
    assert post(matching, f"{base}/reports/{report['id']}/decision", {"accept": True}).json["status"] == "accepted"
    extended = post(matching, f"{base}/extend", {"planned_end_on": str(start + timedelta(days=300)),
                                                 "mentor_consent": True, "mentee_consent": True})
    assert extended.json["extensions"] == 1
    done = post(matching, f"{base}/complete", {"result": "reached", "result_text": "цели достигнуты"})
    assert done.json["state"] == "completed" and done.json["allowed_actions"] == []
    view = matching.get(base, headers=matching.admin).json
    assert view["program"]["goals"] == "освоить формирующее оценивание" and len(view["diary"]) == 1
    assert events_of(matching) == [
        "mentoring.pair.proposed", "mentoring.pair.confirmed", "mentoring.pair.activated", "mentoring.pair.program_set",
        "mentoring.pair.diary_entry_added", "mentoring.pair.report_submitted", "mentoring.pair.report_returned",
        "mentoring.pair.report_submitted", "mentoring.pair.report_accepted", "mentoring.pair.extended",
        "mentoring.pair.completed"]


def test_an_illegal_action_is_a_409_naming_the_state_and_the_allowed_actions(matching):
    setup_region(matching)
    pair = create(matching)
    refused = post(matching, f"/api/v1/pairs/{pair['id']}/complete", {"result": "reached"})
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert refused.json["current_state"] == "proposed"
    assert refused.json["allowed_actions"] == ["confirm", "decline", "expire"]


def test_rules_of_the_regulation_are_422_with_the_field(matching):
    setup_region(matching)
    pair = create(matching)
    post(matching, f"/api/v1/pairs/{pair['id']}/confirm", CONFIRM)
    too_long = post(matching, f"/api/v1/pairs/{pair['id']}/activate",
                    {"started_on": str(TODAY), "planned_end_on": str(TODAY + timedelta(days=500))})
    assert too_long.status_code == 422 and too_long.json["errors"][0]["field"] == "planned_end_on"
    curator = {"Authorization": "Bearer " + issue_token(matching.settings, "school_curator", "organization:o1")}
    override = post(matching, f"/api/v1/pairs/{pair['id']}/activate",
                    {"started_on": str(TODAY), "planned_end_on": str(TODAY + timedelta(days=500)),
                     "override_reason": "долгий проект"}, headers=curator)
    assert override.status_code == 403
    operator = {"Authorization": "Bearer " + issue_token(matching.settings, "municipal_operator", "municipality:m1")}
    assert post(matching, f"/api/v1/pairs/{pair['id']}/activate",
                {"started_on": str(TODAY), "planned_end_on": str(TODAY + timedelta(days=500)),
                 "override_reason": "долгий проект"}, headers=operator).json["state"] == "active"


def test_manual_pairs_obey_eligibility_load_and_never_repeat_a_declined_pair(matching):
    setup_region(matching, mentors=1, mentees=3, capacity=1)
    matching.apply(mentor_event("historian", "o1", "m1", subjects=("history",)))
    assert post(matching, "/api/v1/pairs", {"mentor_id": "historian", "mentee_id": "s0"}).status_code == 422
    pair = create(matching, "t0", "s0")
    assert post(matching, "/api/v1/pairs", {"mentor_id": "t0", "mentee_id": "s1"}).status_code == 409
    post(matching, f"/api/v1/pairs/{pair['id']}/decline", {"by": "mentee", "reason": "не подходит график"})
    assert post(matching, "/api/v1/pairs", {"mentor_id": "t0", "mentee_id": "s0"}).status_code == 409
    assert create(matching, "t0", "s1")["state"] == "proposed"


def test_a_declined_mentee_is_proposed_to_someone_else_in_the_next_run(matching):
    setup_region(matching, mentors=2, mentees=1, capacity=1)
    first = run_now(matching, f"region:{REGION}")
    proposal = matching.get(f"/api/v1/runs/{first['id']}/proposals", headers=matching.admin).json["items"][0]
    post(matching, f"/api/v1/pairs/{proposal['pair_id']}/decline", {"by": "mentor", "reason": "нет времени"})
    second = run_now(matching, f"region:{REGION}")
    again = matching.get(f"/api/v1/runs/{second['id']}/proposals", headers=matching.admin).json["items"]
    assert [p["mentee_id"] for p in again] == ["s0"]
    assert again[0]["mentor_id"] != proposal["mentor_id"]


def test_twenty_parallel_confirmations_for_a_mentor_of_capacity_two_confirm_exactly_two(matching):
    setup_region(matching, mentors=1, mentees=20, capacity=2)
    now = utcnow()
    rows = [{"id": f"p{k:02d}", "version": 1, "state": "proposed", "mentor_id": "t0", "mentee_id": f"s{k}",
             "form": "traditional", "role_model": "teacher_teacher", "cost": 0, "region_id": REGION,
             "municipality_id": "m1", "organization_id": "o1", "mentor_organization_id": "o1",
             "mentee_category": "young_specialist", "mentee_is_student": False, "proposed_at": now,
             "updated_at": now, "updated_by": "test", "extensions": 0} for k in range(20)]
    with UnitOfWork(matching.ctx.engine) as uow:  # proposals made before the mentor's capacity fell to 2
        bulk_insert(uow.session, Pair.__table__, rows)
        uow.commit()
    statuses: list[int] = []

    def confirm(pair_id: str) -> None:
        client = matching.application.test_client()
        statuses.append(client.post(f"/api/v1/pairs/{pair_id}/confirm", json=CONFIRM,
                                    headers=matching.admin).status_code)

    threads = [threading.Thread(target=confirm, args=(row["id"],)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(statuses) == {200: 2, 409: 18}
    with UnitOfWork(matching.ctx.engine) as uow:
        states = Counter(uow.session.execute(select(Pair.state)).scalars())
    assert states["confirmed"] == 2


def test_two_actions_on_one_pair_at_once_leave_one_winner_and_one_409(matching):
    setup_region(matching)
    pair = create(matching)
    results: dict[str, int] = {}

    def act(name: str, body: dict) -> None:
        client = matching.application.test_client()
        results[name] = client.post(f"/api/v1/pairs/{pair['id']}/{name}", json=body,
                                    headers=matching.admin).status_code

    threads = [threading.Thread(target=act, args=("confirm", CONFIRM)),
               threading.Thread(target=act, args=("decline", {"by": "mentee", "reason": "передумала"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 409]


def test_unanswered_proposals_expire_with_an_event(matching):
    setup_region(matching)
    pair = create(matching)
    with UnitOfWork(matching.ctx.engine) as uow:
        uow.session.get(Pair, pair["id"]).expires_at = utcnow() - timedelta(minutes=1)
        uow.commit()
    with UnitOfWork(matching.ctx.engine, outbox) as uow:
        assert expire_stale(uow, TODAY) == 1
    assert matching.get(f"/api/v1/pairs/{pair['id']}", headers=matching.admin).json["state"] == "expired"
    assert events_of(matching)[-1] == "mentoring.pair.expired"


def test_the_signed_order_lists_the_pairs_confirmed_by_its_number(matching):
    setup_region(matching)
    pair = create(matching)
    post(matching, f"/api/v1/pairs/{pair['id']}/confirm", CONFIRM)
    response = matching.get("/api/v1/documents/order.docx",
                            query_string={"organization": "o1", "order_number": "15-н"}, headers=matching.admin)
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "О закреплении наставнических пар" in text and "15-н" in text
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    assert "Наставник t0" in cells and "Молодой s0" in cells


@pytest.mark.parametrize("role,scope,status", [("school_curator", "organization:o2", 404),
                                               ("integrator", None, 403)])
def test_other_scopes_and_read_only_roles_cannot_act_on_a_pair(matching, role, scope, status):
    setup_region(matching)
    pair = create(matching)
    headers = {"Authorization": "Bearer " + issue_token(matching.settings, role, scope)}
    assert post(matching, f"/api/v1/pairs/{pair['id']}/confirm", CONFIRM, headers=headers).status_code == status
