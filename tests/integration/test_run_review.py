"""The operators' review of a run on a real database: drafts, decisions, publication, discarding, withdrawal, pins
and exclusions, what changed against the previous run, the workbooks for the schools, pairs by state."""

from __future__ import annotations

import io
from collections import Counter

import openpyxl
import pytest
from sqlalchemy import func, select, update

from services.matching.adapters.tables import MentorView, Pair, Run, RunProposal, outbox
from services.matching.use_cases.run_claim import claim
from services.matching.use_cases.run_execution import execute
from shared.auth import issue_token
from shared.db import UnitOfWork
from shared.event_catalog import PairChanged
from shared.events import decode
from shared.sealing import seal
from tests.integration.helpers import REGION, SEALING, mentee_event, mentor_event, org_event

SCOPE = "organization:o1"
CHANGED = "Данные изменились после подбора: подбор пересчитан, проверьте предложения ещё раз"


def school(client, mentors=2, mentees=3, capacity=1, org="o1", municipality="m1"):
    """One school with mentors t0… and mentees s0… (all of mathematics, basic stage)."""
    client.apply(org_event(org, municipality),
                 *[mentor_event(f"t{k}", org, municipality, capacity=capacity) for k in range(mentors)],
                 *[mentee_event(f"s{k}", org, municipality) for k in range(mentees)])


def finish(client, run_id):
    run = claim(client.ctx.engine, run_id)
    execute(client.ctx.engine, client.settings, run)
    return client.get(f"/api/v1/runs/{run_id}", headers=client.admin).json


def start(client, scope=SCOPE, **body):
    response = client.post("/api/v1/runs", json={"scope": scope, **body}, headers=client.admin)
    assert response.status_code == 202, response.json
    return finish(client, response.json["id"])


def post(client, url, body=None, headers=None):
    return client.post(url, json=body if body is not None else {}, headers=headers or client.admin)


def proposals(client, run_id, **query):
    response = client.get(f"/api/v1/runs/{run_id}/proposals", query_string=query, headers=client.admin)
    assert response.status_code == 200, response.json
    return response.json["items"]


def count(client, model, *where):
    with UnitOfWork(client.ctx.engine) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def outbox_subjects(client) -> Counter:
    with UnitOfWork(client.ctx.engine) as uow:
        return Counter(uow.session.execute(select(outbox.table.c.subject)).scalars())


def pair_states(client) -> dict[str, str]:
    with UnitOfWork(client.ctx.engine) as uow:
        return {mentee: state for mentee, state in uow.session.execute(select(Pair.mentee_id, Pair.state))}


def test_a_draft_keeps_its_proposals_with_the_run_and_writes_no_pair_and_no_pair_event(matching):
    school(matching, mentors=2, mentees=3)
    run = start(matching, draft=True)
    assert run["status"] == "succeeded" and run["draft"] and run["publication"] == "review"
    assert run["decisions"] == {"pending": 2, "approved": 0, "dropped": 0}
    assert len(run["input_hash"]) == 64 and run["counts"]["matched"] == 2
    assert run["unmet_demand"] == [{"subject": "math", "subject_label": "Математика", "stage": "basic",
                                    "stage_label": "Основное общее образование", "count": 1}]
    assert count(matching, Pair) == 0 and count(matching, RunProposal, RunProposal.run_id == run["id"]) == 2
    subjects = outbox_subjects(matching)
    assert not [s for s in subjects if s.startswith("mentoring.pair.")] and subjects["mentoring.run.completed"] == 1
    items = proposals(matching, run["id"])
    assert {i["decision"] for i in items} == {"pending"} and {i["change"] for i in items} == {"new"}
    first = items[0]
    assert first["proposal_id"] and first["pair_id"] is None and first["state"] is None and not first["pinned"]
    assert first["mentee_name"].startswith("Молодой") and first["mentor_organization"] == "Школа o1"
    assert first["terms"][0]["label"] == "та же организация"
    listed = matching.get("/api/v1/runs", headers=matching.admin).json["items"][0]
    assert listed["draft"] and listed["decisions"]["pending"] == 2 and "unmatched" not in listed


def test_decisions_are_taken_in_bulk_and_undone_until_published(matching):
    school(matching, mentors=3, mentees=3)
    run = start(matching, draft=True)
    a, b, c = (i["proposal_id"] for i in proposals(matching, run["id"]))
    url = f"/api/v1/runs/{run['id']}/decisions"
    curator = {"Authorization": "Bearer " + issue_token(matching.settings, "school_curator", "organization:o1")}
    answer = post(matching, url, {"approve": [a, b], "drop": [c]}, headers=curator)
    assert answer.status_code == 200 and answer.json == {"pending": 0, "approved": 2, "dropped": 1}
    assert post(matching, url, {"undo": [b]}).json == {"pending": 1, "approved": 1, "dropped": 1}
    assert [i["proposal_id"] for i in proposals(matching, run["id"], decision="approved")] == [a]
    assert post(matching, url, {"all": "undo"}).json == {"pending": 3, "approved": 0, "dropped": 0}
    assert post(matching, url, {"all": "approve"}).json["approved"] == 3
    view = matching.get(f"/api/v1/runs/{run['id']}", headers=matching.admin).json
    assert view["reviewed_by"].startswith("admin:") and view["reviewed_at"]
    unknown = post(matching, url, {"drop": ["no-such-proposal"]})
    assert unknown.status_code == 422 and unknown.json["errors"][0]["field"] == "drop"
    assert post(matching, url, {"all": "drop", "approve": [a]}).status_code == 422
    assert post(matching, url, {"approve": [a], "drop": [a]}).status_code == 422
    ordinary = start(matching)
    refused = post(matching, f"/api/v1/runs/{ordinary['id']}/decisions", {"all": "approve"})
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    integrator = {"Authorization": "Bearer " + issue_token(matching.settings, "integrator")}
    assert post(matching, url, {"all": "drop"}, headers=integrator).status_code == 403


def test_publishing_creates_exactly_the_approved_pairs_with_their_events(matching):
    school(matching, mentors=3, mentees=3)
    run = start(matching, draft=True)
    items = proposals(matching, run["id"])
    approved = [i["proposal_id"] for i in items[:2]]
    post(matching, f"/api/v1/runs/{run['id']}/decisions", {"approve": approved, "drop": [items[2]["proposal_id"]]})
    published = post(matching, f"/api/v1/runs/{run['id']}/publish")
    assert published.status_code == 200, published.json
    assert published.json == {"created": 2, "skipped": [], "dropped": 1, "pending_left_out": 0}
    with UnitOfWork(matching.ctx.engine) as uow:
        pairs = uow.session.execute(select(Pair.mentee_id, Pair.mentor_id, Pair.run_id, Pair.state)).all()
    assert sorted((p.mentee_id, p.mentor_id) for p in pairs) == sorted(
        (i["mentee_id"], i["mentor_id"]) for i in items[:2])
    assert {p.run_id for p in pairs} == {run["id"]} and {p.state for p in pairs} == {"proposed"}
    assert outbox_subjects(matching)["mentoring.pair.proposed"] == 2
    view = matching.get(f"/api/v1/runs/{run['id']}", headers=matching.admin).json
    assert view["publication"] == "published" and view["published_by"].startswith("admin:") and view["published_at"]
    shown = {i["proposal_id"]: i for i in proposals(matching, run["id"])}
    assert all(shown[p]["pair_id"] and shown[p]["state"] == "proposed" for p in approved)
    assert post(matching, f"/api/v1/runs/{run['id']}/publish").status_code == 409
    assert post(matching, f"/api/v1/runs/{run['id']}/decisions", {"all": "undo"}).status_code == 409


def test_publishing_nothing_approved_is_a_409(matching):
    school(matching)
    run = start(matching, draft=True)
    refused = post(matching, f"/api/v1/runs/{run['id']}/publish")
    assert refused.status_code == 409 and "одобренных" in refused.json["detail"]


def test_publication_is_capacity_safe_and_reports_what_it_skipped(matching):
    school(matching, mentors=1, mentees=2, capacity=2)
    run = start(matching, draft=True)
    post(matching, f"/api/v1/runs/{run['id']}/decisions", {"all": "approve"})
    with UnitOfWork(matching.ctx.engine) as uow:  # the capacity falls behind the fingerprint's back
        uow.session.execute(update(MentorView).where(MentorView.id == "t0").values(capacity=1))
        uow.commit()
    published = post(matching, f"/api/v1/runs/{run['id']}/publish")
    assert published.status_code == 200, published.json
    assert published.json["created"] == 1 and len(published.json["skipped"]) == 1
    skipped = published.json["skipped"][0]
    assert skipped["reason"] == "у наставника нет свободных мест" and skipped["mentee_name"].startswith("Молодой")
    assert count(matching, Pair) == 1


def test_a_registry_change_after_solving_solves_the_draft_again_instead_of_publishing(matching):
    school(matching, mentors=2, mentees=2)
    run = start(matching, draft=True)
    before = {(i["mentor_id"], i["mentee_id"]): i["proposal_id"] for i in proposals(matching, run["id"])}
    post(matching, f"/api/v1/runs/{run['id']}/decisions", {"all": "approve"})
    matching.apply(mentor_event("t0", "o1", "m1", capacity=1, version=2))  # the same mentor, a newer version
    refused = post(matching, f"/api/v1/runs/{run['id']}/publish")
    assert refused.status_code == 409 and refused.json["detail"] == CHANGED and refused.json["resolved_again"] is True
    assert count(matching, Pair) == 0
    view = matching.get(f"/api/v1/runs/{run['id']}", headers=matching.admin).json
    assert view["status"] == "queued" and view["publication"] is None
    assert outbox_subjects(matching)["mentoring.run.requested"] == 2
    again = finish(matching, run["id"])
    assert again["status"] == "succeeded" and again["publication"] == "review" and again["input_hash"] != run[
        "input_hash"]
    after = {(i["mentor_id"], i["mentee_id"]): i for i in proposals(matching, run["id"])}
    for pair in set(before) & set(after):  # a pair that comes back keeps its proposal and its decision
        assert after[pair]["proposal_id"] == before[pair] and after[pair]["decision"] == "approved"
    post(matching, f"/api/v1/runs/{run['id']}/decisions", {"all": "approve"})
    assert post(matching, f"/api/v1/runs/{run['id']}/publish").json["created"] == 2


def test_a_discarded_draft_leaves_nothing_in_pairs(matching):
    school(matching)
    run = start(matching, draft=True)
    post(matching, f"/api/v1/runs/{run['id']}/decisions", {"all": "approve"})
    discarded = post(matching, f"/api/v1/runs/{run['id']}/discard")
    assert discarded.status_code == 200 and discarded.json["publication"] == "discarded"
    assert post(matching, f"/api/v1/runs/{run['id']}/publish").status_code == 409
    assert post(matching, f"/api/v1/runs/{run['id']}/discard").status_code == 409
    assert count(matching, Pair) == 0 and not [s for s in outbox_subjects(matching) if s.startswith("mentoring.pair")]
    assert post(matching, f"/api/v1/runs/{start(matching)['id']}/discard").status_code == 409


def test_a_withdrawn_pair_may_be_proposed_again_while_a_declined_one_may_not(matching):
    school(matching, mentors=1, mentees=2, capacity=2)
    run = start(matching)
    pairs = {i["mentee_id"]: i["pair_id"] for i in proposals(matching, run["id"])}
    post(matching, f"/api/v1/pairs/{pairs['s1']}/decline", {"by": "mentor", "reason": "нет времени"})
    withdrawn = post(matching, f"/api/v1/runs/{run['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json == {"withdrawn": 1}
    assert pair_states(matching) == {"s0": "withdrawn", "s1": "declined"}
    pair = matching.get(f"/api/v1/pairs/{pairs['s0']}", headers=matching.admin).json
    assert pair["state_label"] == "предложение отозвано" and pair["allowed_actions"] == [] and pair["version"] == 2
    with UnitOfWork(matching.ctx.engine) as uow:
        bodies = uow.session.execute(select(outbox.table.c.body).where(
            outbox.table.c.subject == "mentoring.pair.withdrawn")).scalars().all()
    [event] = [decode(body) for body in bodies]
    assert PairChanged.model_validate(event.data).state == "withdrawn" and event.data["pair_id"] == pairs["s0"]
    assert post(matching, f"/api/v1/runs/{run['id']}/withdraw").json == {"withdrawn": 0}
    later = start(matching)
    assert [(i["mentee_id"], i["mentor_id"]) for i in proposals(matching, later["id"])] == [("s0", "t0")]
    assert [u["mentee_id"] for u in later["unmatched"]] == ["s1"]
    assert matching.get("/api/v1/pairs", query_string={"state": "withdrawn"},
                        headers=matching.admin).json["items"][0]["id"] == pairs["s0"]


def test_withdrawal_needs_a_run_that_wrote_pairs(matching):
    school(matching)
    dry = start(matching, dry_run=True)
    assert post(matching, f"/api/v1/runs/{dry['id']}/withdraw").status_code == 409
    draft = start(matching, draft=True)
    assert post(matching, f"/api/v1/runs/{draft['id']}/withdraw").status_code == 409
    post(matching, f"/api/v1/runs/{draft['id']}/decisions", {"all": "approve"})
    assert post(matching, f"/api/v1/runs/{draft['id']}/publish").json["created"] == 2
    assert post(matching, f"/api/v1/runs/{draft['id']}/withdraw").json == {"withdrawn": 2}
    assert set(pair_states(matching).values()) == {"withdrawn"}


def test_pins_are_kept_and_counted_and_impossible_pins_are_reported(matching):
    school(matching, mentors=2, mentees=3)
    matching.apply(mentor_event("busy", "o1", "m1"), mentee_event("paired", "o1", "m1"))
    assert post(matching, "/api/v1/pairs", {"mentor_id": "busy", "mentee_id": "paired"}).status_code == 201
    pins = [{"mentor_id": "t1", "mentee_id": "s0"}, {"mentor_id": "t1", "mentee_id": "s1"},
            {"mentor_id": "t0", "mentee_id": "ghost"}, {"mentor_id": "nobody", "mentee_id": "s2"},
            {"mentor_id": "t0", "mentee_id": "paired"}]
    run = start(matching, draft=True, options={"pins": pins})
    assert run["pins_refused"] == [
        {"mentor_id": "t1", "mentee_id": "s1", "reason": "у наставника нет свободных мест"},
        {"mentor_id": "t0", "mentee_id": "ghost", "reason": "наставляемый не найден"},
        {"mentor_id": "nobody", "mentee_id": "s2", "reason": "наставник не найден"},
        {"mentor_id": "t0", "mentee_id": "paired", "reason": "у наставляемого уже есть пара в работе"}]
    items = proposals(matching, run["id"])
    assert [(i["mentee_id"], i["mentor_id"]) for i in items if i["pinned"]] == [("s0", "t1")]
    assert len(items) == 2 and {i["mentor_id"] for i in items} == {"t0", "t1"}  # t1's one slot is the pin's
    assert run["counts"]["pinned"] == 1 and run["counts"]["matched"] == 2 and run["counts"]["unmatched"] == 1
    twice = post(matching, "/api/v1/runs", {"scope": SCOPE, "options": {"pins": pins[:1] * 2}})
    assert twice.status_code == 422
    both = post(matching, "/api/v1/runs", {"scope": SCOPE, "options": {"pins": pins[:1], "exclusions": pins[:1]}})
    assert both.status_code == 422
    too_many = [{"mentor_id": "t0", "mentee_id": f"x{k}"} for k in range(1001)]
    assert post(matching, "/api/v1/runs", {"scope": SCOPE, "options": {"exclusions": too_many}}).status_code == 422


def test_pinned_pairs_of_an_ordinary_run_become_pairs(matching):
    school(matching, mentors=2, mentees=2)
    run = start(matching, options={"pins": [{"mentor_id": "t1", "mentee_id": "s0"}]})
    assert run["counts"]["matched"] == 2 and run["pins_refused"] == []
    with UnitOfWork(matching.ctx.engine) as uow:
        assert uow.session.execute(select(Pair.mentor_id).where(Pair.mentee_id == "s0")).scalar() == "t1"


def test_excluded_pairs_are_never_proposed_in_that_run(matching):
    school(matching, mentors=2, mentees=1)
    for excluded in ("t0", "t1"):
        run = start(matching, draft=True, options={"exclusions": [{"mentor_id": excluded, "mentee_id": "s0"}]})
        assert [i["mentor_id"] for i in proposals(matching, run["id"])] == [{"t0": "t1", "t1": "t0"}[excluded]]
    both = [{"mentor_id": m, "mentee_id": "s0"} for m in ("t0", "t1")]
    run = start(matching, draft=True, options={"exclusions": both})
    assert proposals(matching, run["id"]) == [] and [u["mentee_id"] for u in run["unmatched"]] == ["s0"]


def test_a_run_says_what_changed_against_the_previous_run_of_its_scope(matching):
    school(matching, mentors=3, mentees=2)
    first = start(matching, draft=True)
    assert first["changes"] == {"previous_run_id": None, "added": 2, "removed": 0, "kept": 0}
    made = {(i["mentee_id"], i["mentor_id"]) for i in proposals(matching, first["id"])}
    gone = sorted(made)[0]
    second = start(matching, draft=True, options={"exclusions": [{"mentee_id": gone[0], "mentor_id": gone[1]}]})
    changes = second["changes"]
    assert changes["previous_run_id"] == first["id"] and changes["added"] + changes["kept"] == 2
    assert changes["removed"] == changes["added"] >= 1 and changes["kept"] <= 1
    items = proposals(matching, second["id"])
    assert all((i["change"] == "kept") == ((i["mentee_id"], i["mentor_id"]) in made) for i in items)
    assert len(proposals(matching, second["id"], change="kept")) == changes["kept"]
    assert proposals(matching, start(matching)["id"], change="kept") == []  # an ordinary run's pairs have none


def test_the_workbooks_for_the_schools_open_and_hold_the_names(matching):
    school(matching, mentors=1, mentees=3)
    tricky = mentee_event("s9", "o1", "m1", subject="history")
    tricky.data["full_name_sealed"] = seal(SEALING, "=HYPERLINK(\"http://example.org\")")
    matching.apply(tricky)
    run = start(matching, draft=True)
    response = matching.get(f"/api/v1/runs/{run['id']}/proposals.xlsx", headers=matching.admin)
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("Школа наставляемого", "Наставляемый", "Наставник", "Школа наставника")
    assert rows[1][:6] == ("Школа o1", rows[1][1], "Наставник t0", "Школа o1", "Математика",
                           "Основное общее образование") and rows[1][1].startswith("Молодой")
    assert rows[1][6] == "не рассмотрено" and "та же организация" in rows[1][9]
    response = matching.get(f"/api/v1/runs/{run['id']}/unmatched.xlsx", headers=matching.admin)
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Наставляемый", "Школа", "Предмет", "Уровень образования", "Причина")
    names = {row[0] for row in rows[1:]}
    assert "=HYPERLINK(\"http://example.org\")" in names and len(rows) == 1 + 3
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row[:2])
    assert {row[2] for row in rows[1:]} == {"Математика", "История"}
    ordinary = start(matching, scope="region:" + REGION)
    response = matching.get(f"/api/v1/runs/{ordinary['id']}/proposals.xlsx", headers=matching.admin)
    assert response.status_code == 200


def test_pairs_summary_counts_by_state_in_scope_and_lists_carry_names(matching):
    school(matching, mentors=2, mentees=2, capacity=2)
    matching.apply(org_event("o2", "m2"), mentor_event("far", "o2", "m2"), mentee_event("s5", "o2", "m2"))
    first = post(matching, "/api/v1/pairs", {"mentor_id": "t0", "mentee_id": "s0"}).json
    for mentor, mentee in (("t1", "s1"), ("far", "s5")):
        assert post(matching, "/api/v1/pairs", {"mentor_id": mentor, "mentee_id": mentee}).status_code == 201
    post(matching, f"/api/v1/pairs/{first['id']}/decline", {"by": "mentee", "reason": "переезд"})
    summary = matching.get("/api/v1/pairs/summary", headers=matching.admin).json
    assert summary["total"] == 3 and summary["by_state"]["proposed"] == 2 and summary["by_state"]["declined"] == 1
    assert summary["by_state"]["withdrawn"] == 0
    in_school = matching.get("/api/v1/pairs/summary", query_string={"scope": "organization:o1"},
                             headers=matching.admin).json
    assert in_school["total"] == 2 and in_school["by_state"]["proposed"] == 1
    curator = {"Authorization": "Bearer " + issue_token(matching.settings, "school_curator", "organization:o2")}
    assert matching.get("/api/v1/pairs/summary", headers=curator).json["total"] == 1
    assert matching.get("/api/v1/pairs/summary", query_string={"scope": "organization:o1"},
                        headers=curator).status_code == 403
    items = matching.get("/api/v1/pairs", query_string={"organization": "o1"}, headers=matching.admin).json["items"]
    assert {(i["mentee_name"], i["mentor_name"], i["organization_name"], i["mentor_organization_name"])
            for i in items} == {("Молодой s0", "Наставник t0", "Школа o1", "Школа o1"),
                                ("Молодой s1", "Наставник t1", "Школа o1", "Школа o1")}


@pytest.mark.parametrize("path", ["decisions", "publish", "discard", "withdraw"])
def test_review_actions_outside_ones_scope_read_as_absent(matching, path):
    school(matching)
    run = start(matching, draft=True)
    other = {"Authorization": "Bearer " + issue_token(matching.settings, "school_curator", "organization:o2")}
    body = {"all": "approve"} if path == "decisions" else {}
    assert post(matching, f"/api/v1/runs/{run['id']}/{path}", body, headers=other).status_code == 404
    assert count(matching, Run, Run.id == run["id"], Run.publication == "review") == 1
