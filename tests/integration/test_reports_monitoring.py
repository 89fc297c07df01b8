"""Half-year monitoring over a real database: a submission is frozen byte for byte, the region reopens it with a
reason (audited), a resubmission is a new frozen version, and the region's overview names every municipality."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import openpyxl

from services.reports.domain.submission import HalfYear
from shared.auth import issue_token
from tests.integration.helpers import REGION, mentee_event, mentor_event, org_event

CURRENT = HalfYear.of(date.today())
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def bearer(client, role: str, scope: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(client.settings, role, scope)}"}


def seeded(reports) -> dict[str, dict[str, str]]:
    """Two districts of the region with a school each, a mentor and a mentee in the first; the callers' headers."""
    reports.feed(org_event("o1", "m1"), org_event("o2", "m2"), mentor_event("t1", "o1", "m1", capacity=3),
                 mentee_event("s1", "o1", "m1"))
    return {"m1": bearer(reports, "municipal_operator", "municipality:m1"),
            "m2": bearer(reports, "municipal_operator", "municipality:m2"),
            "region": bearer(reports, "region_operator", f"region:{REGION}"),
            "other_region": bearer(reports, "region_operator", "region:r-72")}


def cells(content: bytes) -> list[list[object]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def live_workbook(reports) -> bytes:
    answer = reports.get("/api/v1/indicators.xlsx", headers=reports.admin,
                         query_string={"scope": "municipality:m1", "period": CURRENT.code})
    assert answer.status_code == 200
    return answer.data


def unmet(figures: list[dict]) -> float | None:
    return next(f["value"] for f in figures if f["code"] == "unmet_demand")


def submit(reports, headers, **body):
    return reports.post("/api/v1/submissions", json={"period": CURRENT.code, **body}, headers=headers)


def test_a_submitted_half_year_downloads_byte_for_byte_the_same_after_the_data_changes(reports):
    who = seeded(reports)
    saved = submit(reports, who["m1"])
    assert saved.status_code == 201, saved.json
    body = saved.json
    assert (body["status"], body["version"], body["period_label"]) == ("submitted", 1, CURRENT.label_ru)
    assert body["municipality_name"] == "Район m1" and body["submitted_by"].startswith("municipal_operator:")
    assert [e["action"] for e in body["history"]] == ["submitted"] and unmet(body["figures"]) == 1
    frozen = reports.get(f"/api/v1/submissions/{body['id']}.xlsx", headers=who["m1"])
    assert frozen.status_code == 200 and frozen.mimetype == XLSX
    assert hashlib.sha256(frozen.data).hexdigest() == body["sha256"]
    assert cells(frozen.data) == cells(live_workbook(reports))  # frozen from the live figures of that moment

    reports.feed(*[mentee_event(f"late{k}", "o1", "m1") for k in range(3)])  # the data changes afterwards

    again = reports.get(f"/api/v1/submissions/{body['id']}.xlsx", headers=who["region"])
    assert again.data == frozen.data
    assert cells(live_workbook(reports)) != cells(frozen.data)
    assert unmet(reports.get(f"/api/v1/submissions/{body['id']}", headers=who["m1"]).json["figures"]) == 1
    live = reports.get("/api/v1/indicators", headers=who["m1"], query_string={"scope": "municipality:m1"}).json
    assert unmet(live["indicators"]) == 4


def test_a_half_year_is_submitted_once_not_ahead_of_time_and_only_for_ones_own_municipality(reports):
    who = seeded(reports)
    assert submit(reports, who["m1"]).status_code == 201
    twice = submit(reports, who["m1"])
    assert twice.status_code == 409 and "уже сдан" in twice.json["detail"]
    future = HalfYear(CURRENT.year + 1, 1).code
    ahead = reports.post("/api/v1/submissions", json={"period": future}, headers=who["m2"])
    assert ahead.status_code == 422 and "ещё не наступило" in ahead.json["detail"]
    assert submit(reports, who["m1"], municipality="m2").status_code == 403
    assert submit(reports, who["other_region"], municipality="m2").status_code == 403
    assert submit(reports, who["region"]).status_code == 422  # the region names the municipality
    assert submit(reports, bearer(reports, "school_curator", "organization:o2")).status_code == 403
    by_region = submit(reports, who["region"], municipality="m2")
    assert by_region.status_code == 201 and by_region.json["submitted_by"].startswith("region_operator:")
    assert reports.get("/api/v1/submissions", headers=who["m2"]).json["total"] == 1
    assert reports.get("/api/v1/submissions", headers=who["region"]).json["total"] == 2
    assert reports.get(f"/api/v1/submissions/{by_region.json['id']}", headers=who["m1"]).status_code == 404


def test_only_the_region_reopens_with_a_reason_the_audit_keeps_it_and_a_resubmission_is_a_new_frozen_file(reports):
    who = seeded(reports)
    first = submit(reports, who["m1"]).json
    first_file = reports.get(f"/api/v1/submissions/{first['id']}.xlsx", headers=who["m1"]).data
    reopen = f"/api/v1/submissions/{first['id']}/reopen"
    assert reports.post(reopen, json={"reason": "нет данных"}, headers=who["m1"]).status_code == 403
    assert reports.post(reopen, json={"reason": "чужой"}, headers=who["other_region"]).status_code == 404
    blank = reports.post(reopen, json={"reason": "   "}, headers=who["region"])
    assert blank.status_code == 422 and blank.json["detail"] == "Укажите причину возврата отчёта на доработку"
    assert blank.json["errors"][0]["field"] == "reason"
    missing = reports.post(reopen, json={}, headers=who["region"])
    assert missing.status_code == 422 and missing.json["errors"][0]["message"] == "обязательное поле"

    reopened = reports.post(reopen, json={"reason": "Уточните число молодых специалистов"}, headers=who["region"])
    assert reopened.status_code == 200 and reopened.json["status"] == "reopened"
    entry = reopened.json["history"][-1]
    assert (entry["action"], entry["reason"]) == ("reopened", "Уточните число молодых специалистов")
    assert entry["actor"].startswith("region_operator:") and entry["action_label"] == "возвращён на доработку"
    assert reports.post(reopen, json={"reason": "ещё раз"}, headers=who["region"]).status_code == 409

    reports.feed(mentee_event("late", "o1", "m1"))
    second = submit(reports, who["m1"])
    assert second.status_code == 201, second.json
    assert (second.json["version"], second.json["history"][0]["action"]) == (2, "resubmitted")
    assert second.json["sha256"] != first["sha256"] and unmet(second.json["figures"]) == 2
    assert reports.get(f"/api/v1/submissions/{first['id']}.xlsx", headers=who["m1"]).data == first_file
    versions = reports.get("/api/v1/submissions", query_string={"municipality": "m1", "period": CURRENT.code},
                           headers=who["region"]).json["items"]
    assert [(v["version"], v["status"]) for v in versions] == [(2, "submitted"), (1, "reopened")]


def test_the_region_sees_every_municipality_by_name_submitted_or_not_with_figures_side_by_side(reports):
    who = seeded(reports)
    submit(reports, who["m1"])
    query = {"period": CURRENT.code}
    answer = reports.get("/api/v1/submissions/overview", query_string=query, headers=who["region"])
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert [(m["name"], m["status"], m["status_label"]) for m in body["municipalities"]] == [
        ("Район m1", "submitted", "сдан"), ("Район m2", None, "не сдан")]
    assert (body["submitted"], body["total"], body["period_label"]) == (1, 2, CURRENT.label_ru)
    row = next(r for r in body["rows"] if r["code"] == "unmet_demand")
    assert row["values"] == [1, None] and row["label"]
    assert reports.get("/api/v1/submissions/overview", query_string=query, headers=who["m1"]).status_code == 403
    foreign = {**query, "region": REGION}
    assert reports.get("/api/v1/submissions/overview", query_string=foreign,
                       headers=who["other_region"]).status_code == 403
    installation = reports.get("/api/v1/submissions/overview", query_string=query, headers=reports.admin).json
    assert installation["region_id"] == reports.settings.region_id != REGION  # the admin's default region
    book = reports.get("/api/v1/submissions/overview.xlsx", query_string=foreign, headers=reports.admin)
    assert book.status_code == 200 and book.mimetype == XLSX
    table = cells(book.data)
    assert table[1][1:] == ["Район m1", "Район m2"] and table[2][1:] == ["сдан", "не сдан"]
    assert any(r[0] and str(r[0]).startswith(row["label"]) and r[1:] == [1, "—"] for r in table)
