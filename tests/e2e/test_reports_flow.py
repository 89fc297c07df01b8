"""Indicators on the running stack equal the figures computed directly from registry and matching data."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import httpx
import openpyxl

from services.reports.domain.facts import Facts, MenteeFacts, MentorFacts, OrganizationFacts, PairFacts
from services.reports.domain.indicators import compute_all
from shared.auth import issue_token
from shared.broker import connect
from shared.config import Settings
from shared.scopes import Scope
from tests.e2e.test_matching_flow import all_pages, wait_for
from tests.e2e.test_pair_workflow import import_samples, run_region

TODAY = date.today()
CONFIRM = {"mentor_consent_on": str(TODAY), "mentee_consent_on": str(TODAY), "order_number": "7-н",
           "order_date": str(TODAY), "curator_name": "Куратор К. К."}


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) if text else None


def direct_facts(registry: httpx.Client, matching: httpx.Client) -> Facts:
    orgs = all_pages(registry, "/api/v1/organizations", limit=500)
    mentors = all_pages(registry, "/api/v1/mentors", limit=500, status="all")
    mentees = all_pages(registry, "/api/v1/mentees", limit=500, status="all")
    pairs = all_pages(matching, "/api/v1/pairs", limit=500)
    return Facts(
        organizations=[OrganizationFacts(o["id"], o["municipality_id"], o["region_id"], o["teachers"],
                                         o["young_specialists"], o["students"], bool(o["mentoring_page_url"]),
                                         o["status"]) for o in orgs],
        mentors=[MentorFacts(m["id"], m["organization_id"], m["municipality_id"], m["region_id"], m["trained"],
                             m["capacity"], m["status"], None, moment(m["created_at"])) for m in mentors],
        mentees=[MenteeFacts(m["id"], m["organization_id"], m["municipality_id"], m["region_id"], m["category"],
                             m["is_student"], m["subject"], m["stage"], moment(m["created_at"]), m["status"])
                 for m in mentees],
        pairs=[PairFacts(p["id"], p["mentor_id"], p["mentee_id"], p["organization_id"], p["municipality_id"],
                         p["region_id"], p["mentee_category"], p["state"], p["mentee_is_student"], p["mentee_subject"],
                         p["mentee_stage"], p["result"], moment(p["proposed_at"]), moment(p["confirmed_at"]),
                         moment(p["ended_at"])) for p in pairs])


def figures(body: dict) -> dict[str, tuple]:
    return {i["code"]: (None if i["value"] is None else round(i["value"], 6), i["numerator"], i["denominator"])
            for i in body["indicators"]}


def test_indicators_match_the_source_data_survive_a_rebuild_and_ignore_redelivered_events(stack):
    headers = {"Authorization": f"Bearer {issue_token(Settings(), 'admin')}"}
    registry = httpx.Client(base_url=stack.url("registry"), headers=headers, timeout=60)
    matching = httpx.Client(base_url=stack.url("matching"), headers=headers, timeout=60)
    reports = httpx.Client(base_url=stack.url("reports"), headers=headers, timeout=60)
    mentees = import_samples(registry, matching)
    region = mentees[0]["region_id"]
    for org in all_pages(registry, "/api/v1/organizations", limit=500)[::2]:
        registry.patch(f"/api/v1/organizations/{org['id']}", json={
            "teachers": 45, "young_specialists": 6, "students": 520,
            "mentoring_page_url": "https://school.example.ru/nastavnichestvo"}).raise_for_status()
    run = run_region(matching, region)
    proposals = matching.get(f"/api/v1/runs/{run['id']}/proposals", params={"limit": 6}).json()["items"]
    start = TODAY - timedelta(days=100)
    for k, proposal in enumerate(proposals):
        pair = proposal["pair_id"]
        if k == 5:
            matching.post(f"/api/v1/pairs/{pair}/decline", json={"by": "mentor", "reason": "занята"}).raise_for_status()
            continue
        matching.post(f"/api/v1/pairs/{pair}/confirm", json=CONFIRM).raise_for_status()
        if k < 4:
            matching.post(f"/api/v1/pairs/{pair}/activate", json={
                "started_on": str(start), "planned_end_on": str(start + timedelta(days=120))}).raise_for_status()
        if k < 3:
            matching.post(f"/api/v1/pairs/{pair}/complete",
                          json={"result": "reached" if k < 2 else "partly"}).raise_for_status()

    async def stream_size() -> int:
        nc = await connect(stack.nats_settings(), name="t")
        info = await nc.jetstream().stream_info("MENTORING")
        await nc.close()
        return info.state.messages

    query = {"scope": f"region:{region}"}
    expected = compute_all(direct_facts(registry, matching), Scope("region", region), None, None,
                           datetime.now(UTC))
    want = {i.code: (None if i.value is None else round(i.value, 6), i.numerator, i.denominator) for i in expected}
    body = wait_for(lambda: figures(b := reports.get("/api/v1/indicators", params=query).json()) == want and b,
                    timeout_s=30)
    relevant = asyncio.run(stream_size())
    by_code = {i["code"]: i for i in body["indicators"]}
    assert by_code["effective_pairs"]["numerator"] == 2 and by_code["effective_pairs"]["denominator"] == 3
    assert body["freshness"]["lag_s"] is not None and body["freshness"]["last_event_id"]

    rebuilt = subprocess.run([sys.executable, "-m", "ops.cli", "reports", "rebuild"], env=stack.env,
                             capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert figures(reports.get("/api/v1/indicators", params=query).json()) == want

    async def redeliver_everything() -> None:
        nc = await connect(stack.nats_settings(), name="t")
        js = nc.jetstream()
        info = await js.stream_info("MENTORING")
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            message = await js.get_msg("MENTORING", seq)
            await js.publish(message.subject, message.data, headers={"Nats-Msg-Id": f"again-{seq}"})
        await nc.close()

    applied_before = reports.get("/api/v1/indicators", params=query).json()["freshness"]["events_applied"]
    asyncio.run(redeliver_everything())
    wait_for(lambda: asyncio.run(stream_size()) >= 2 * relevant)
    import time

    time.sleep(3)
    after = reports.get("/api/v1/indicators", params=query).json()
    assert figures(after) == want
    assert after["freshness"]["events_applied"] == applied_before

    workbook = openpyxl.load_workbook(io.BytesIO(reports.get("/api/v1/indicators.xlsx", params=query).content))
    assert workbook.sheetnames == ["Регион", "Районы", "Организации"]
    assert [c.value for c in workbook["Регион"][2]] == ["№", "Наименование показателя", "Значение",
                                                         "Целевое значение", "Срок достижения", "Выполнено"]
    assert "Регион " not in workbook["Регион"]["A1"].value  # the region by its name, not by its id
    page = httpx.get(f"{stack.url('reports')}/dashboard", params=query).text
    assert "Показатели целевой модели наставничества" in page and 'id="coverage-chart"' in page
