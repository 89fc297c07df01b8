"""Seed 000's 13 indicators over the reports API: municipal facts recorded with a link or a document (and refused
in Russian beside the field), the curators of indicator 13 from the organization events, the 13 with targets and
deadlines in JSON and XLSX, places by name."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl

from shared.events import new_event
from shared.sealing import seal
from tests.integration.helpers import REGION, SEALING, mentor_event, org_event
from tests.servers import one_database

FACTS = "/api/v1/municipal-facts"
PDF = b"%PDF-1.4 minimal evidence\n%%EOF\n"


def curator_org_event(org: str, municipality: str, *, trained: bool, version: int = 1):
    return new_event("mentoring.organization.upserted", "/registry", org, {
        "organization_id": org, "version": version, "name": f"Школа {org}", "kind": "school",
        "municipality_id": municipality, "municipality_name": f"Район {municipality}", "region_id": REGION,
        "has_curator": True, "curator_trained": trained, "curator_trained_on": "2025-03-01" if trained else None,
        "curator_name_sealed": seal(SEALING, "Ефимова М. Г."), "curator_position": "заместитель директора"})


def record(client, headers, **fields):
    data = {"code": "methodical_centre", "municipality_id": "m1", "value": "1",
            "recorded_on": str(date.today() - timedelta(days=3)), "evidence_url": "https://uo.example.ru/sovet",
            **fields}
    return client.post(FACTS, data={k: v for k, v in data.items() if v is not None},
                       content_type="multipart/form-data", headers=headers)


def indicators(client, scope, headers=None):
    body = client.get("/api/v1/indicators", query_string={"scope": scope}, headers=headers or client.admin).json
    return body, {i["code"]: i for i in body["indicators"]}


def test_a_municipal_operator_records_a_fact_with_a_link_and_the_indicators_show_it(reports):
    reports.feed(org_event("o1", "m1"), org_event("o2", "m2"))
    operator = reports.auth("municipal_operator", "municipality:m1")
    saved = record(reports, operator)
    assert saved.status_code == 201, saved.json
    assert (saved.json["number"], saved.json["municipality_name"], saved.json["value"]) == (4, "Район m1", 1.0)
    body, by_code = indicators(reports, "municipality:m1", operator)
    centre = by_code["methodical_centre"]
    assert (centre["value"], centre["met"], centre["number"]) == (1.0, True, 4)
    assert centre["details"]["evidence_url"] == "https://uo.example.ru/sovet"
    assert centre["deadline"] == "Первый год реализации ЦМН" and body["scope_name"] == "Район m1"
    _, region = indicators(reports, f"region:{REGION}")
    share = region["methodical_centre"]
    assert (share["numerator"], share["denominator"], share["value"], share["target"]) == (1, 2, 50.0, 100.0)


def test_a_newer_record_replaces_the_value_and_the_history_is_kept(reports):
    reports.feed(org_event("o1", "m1"))
    operator = reports.auth("municipal_operator", "municipality:m1")
    assert record(reports, operator, recorded_on=str(date.today() - timedelta(days=30))).status_code == 201
    assert record(reports, operator, value="0", evidence_url=None).status_code == 201
    _, by_code = indicators(reports, "municipality:m1", operator)
    assert by_code["methodical_centre"]["value"] == 0 and by_code["methodical_centre"]["met"] is False
    listed = reports.get(FACTS, query_string={"municipality_id": "m1"}, headers=operator).json["items"]
    assert [i["value"] for i in listed] == [0.0, 1.0]


@one_database
def test_refusals_are_russian_and_stand_beside_their_field(reports):
    reports.feed(org_event("o1", "m1"), org_event("o2", "m2"))
    operator = reports.auth("municipal_operator", "municipality:m1")

    def errors(answer):
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json", answer.json
        return {e["field"].rsplit(".", 1)[-1]: e["message"] for e in answer.json["errors"]}

    assert errors(record(reports, operator, value="2"))["value"] == "Показатель № 4 — «да» (1) или «нет» (0)"
    assert "ссылку" in errors(record(reports, operator, evidence_url=None))["evidence_url"]
    tomorrow = str(date.today() + timedelta(days=1))
    assert errors(record(reports, operator, recorded_on=tomorrow))["recorded_on"] == "Дата не может быть позже " \
                                                                                        "сегодняшней"
    assert "Неизвестный показатель" in errors(record(reports, operator, code="coverage"))["code"]
    assert errors(record(reports, operator, evidence_url="ftp://x"))["evidence_url"]
    assert errors(record(reports, operator, recorded_on="вчера"))["recorded_on"]
    assert errors(record(reports, operator, code="resource_centre_sections", value="3"))["value"].startswith(
        "Организаций с разделом не может быть больше")
    foreign = record(reports, operator, municipality_id="m2")
    assert foreign.status_code == 403 and foreign.json["detail"] == "Факт вносит оператор своего муниципалитета"
    curator = record(reports, reports.auth("school_curator", "organization:o1"))
    assert curator.status_code == 403
    assert record(reports, reports.admin, municipality_id="nowhere").status_code == 404
    assert reports.get(FACTS, headers=operator).json["items"] == []


def test_an_uploaded_document_is_kept_small_and_served_back_to_readers_of_its_municipality(reports):
    reports.feed(org_event("o1", "m1"), org_event("o2", "m2"))
    operator = reports.auth("municipal_operator", "municipality:m1")
    saved = record(reports, operator, code="base_organizations", evidence_url=None,
                   file=(io.BytesIO(PDF), "Приказ об опорных школах.pdf"))
    assert saved.status_code == 201, saved.json
    assert (saved.json["evidence_name"], saved.json["evidence_size"]) == ("Приказ об опорных школах.pdf", len(PDF))
    download = reports.get(saved.json["evidence_download"], headers=operator)
    assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    other = reports.auth("municipal_operator", "municipality:m2")
    assert reports.get(saved.json["evidence_download"], headers=other).status_code == 404
    big = record(reports, operator, evidence_url=None, file=(io.BytesIO(b"0" * (2 * 1024 * 1024 + 1)), "скан.pdf"))
    assert big.status_code == 422 and "МБ" in big.json["errors"][0]["message"]
    exe = record(reports, operator, evidence_url=None, file=(io.BytesIO(b"MZ"), "setup.exe"))
    assert exe.status_code == 422 and exe.json["errors"][0]["field"].endswith("file")
    linked = record(reports, operator)
    assert reports.get(f"{FACTS}/{linked.json['id']}/evidence", headers=operator).status_code == 404


def test_indicator_13_counts_the_curators_the_organization_events_carry(reports):
    reports.feed(curator_org_event("o1", "m1", trained=True), curator_org_event("o2", "m1", trained=False),
                 mentor_event("t1", "o1", "m1"))
    _, by_code = indicators(reports, f"region:{REGION}")
    trained = by_code["mentors_trained"]
    assert (trained["numerator"], trained["denominator"]) == (1, 3)
    assert trained["details"]["curators"] == 2 and trained["number"] == 13
    assert trained["label"].startswith("Доля кураторов наставнической деятельности, наставников")


def test_the_thirteen_come_with_targets_and_deadlines_in_json_and_in_the_workbook(reports):
    reports.feed(org_event("o1", "m1"), mentor_event("t1", "o1", "m1"))
    operator = reports.auth("municipal_operator", "municipality:m1")
    assert record(reports, operator, code="training_programs", value="3").status_code == 201
    body, by_code = indicators(reports, f"region:{REGION}")
    numbered = [i for i in body["indicators"] if i["number"] is not None]
    assert [i["number"] for i in numbered] == list(range(1, 14))
    assert all(i["deadline"] and i["target"] is not None for i in numbered)
    assert body["scope_name"] == "Демонстрационный регион"
    answer = reports.get("/api/v1/indicators.xlsx", query_string={"scope": f"region:{REGION}"},
                         headers=reports.admin)
    book = openpyxl.load_workbook(io.BytesIO(answer.data))
    sheet = book["Регион"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0].startswith("Демонстрационный регион, на ")
    assert list(rows[1]) == ["№", "Наименование показателя", "Значение", "Целевое значение", "Срок достижения",
                             "Выполнено"]
    table = {row[0]: row for row in rows[2:] if row[0] is not None and isinstance(row[0], int)}
    assert sorted(table) == list(range(1, 14))
    assert table[11][2] == 100.0 and table[11][3] == 100.0 and table[11][5] == "да"
    assert table[1][4].startswith("Июнь 2023")
    municipal = list(book["Районы"].iter_rows(values_only=True))
    assert municipal[0][0].startswith("Район m1, на ")
    by_number = {row[0]: row for row in municipal[2:] if isinstance(row[0], int)}
    assert (by_number[11][2], by_number[11][3]) == (3, 2) and by_number[4][2] == "нет данных"
    assert by_number[4][3] == "да"
