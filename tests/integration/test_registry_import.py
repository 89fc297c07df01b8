"""Spreadsheet import and export through the registry API, on the operators' own sample files."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
from sqlalchemy import func, select

from services.registry.app import create_app
from services.registry.tables import Mentee, Mentor, outbox
from shared.auth import issue_token
from tests.conftest import SHARED_DATA

TRUTH = json.loads((SHARED_DATA / "truth.json").read_text())


@pytest.fixture
def registry(database_url, nats_server, settings_factory):
    settings = settings_factory("registry", database_url, nats_server.url, region_id="86", log_level="CRITICAL")
    app = create_app(settings)
    client = app.test_client()
    client.ctx = app.extensions["mentoring"]
    client.admin = {"Authorization": f"Bearer {issue_token(settings, 'admin')}"}
    client.settings = settings
    return client


def upload(client, kind: str, content: bytes, filename: str, headers=None, **params):
    query = {"kind": kind, **{k: str(v).lower() for k, v in params.items()}}
    return client.post("/api/v1/imports", query_string=query, data={"file": (io.BytesIO(content), filename)},
                       headers=headers or client.admin, content_type="multipart/form-data")


def sample(name: str) -> bytes:
    return (SHARED_DATA / name).read_bytes()


def counts(client) -> tuple[int, int, int]:
    with client.ctx.uow() as uow:
        return tuple(int(uow.session.scalar(select(func.count()).select_from(t))) for t in
                     (Mentor, Mentee, outbox.table))


def test_the_dry_run_reports_exactly_the_invalid_rows_of_the_truth_file(registry):
    mentors = upload(registry, "mentors", sample("mentors.xlsx"), "mentors.xlsx", dry_run=True, on_error="skip")
    assert mentors.status_code == 200
    assert (mentors.json["rows"], mentors.json["valid"]) == (TRUTH["mentors_rows"], TRUTH["mentors_valid"])
    assert sorted({e["row"] for e in mentors.json["errors"]}) == sorted(r["xlsx_row"] for r in TRUTH["invalid_mentors"])
    csv = upload(registry, "mentors", sample("mentors_cp1251.csv"), "mentors.csv", dry_run=True, on_error="skip")
    assert sorted({e["row"] for e in csv.json["errors"]}) == sorted(r["csv_row"] for r in TRUTH["invalid_mentors"])
    mentees = upload(registry, "mentees", sample("mentees.xlsx"), "mentees.xlsx", dry_run=True, on_error="skip")
    assert (mentees.json["rows"], mentees.json["valid"]) == (TRUTH["mentees_rows"], TRUTH["mentees_valid"])
    assert sorted({e["row"] for e in mentees.json["errors"]}) == sorted(r["xlsx_row"] for r in TRUTH["invalid_mentees"])
    assert all(e["message"] and e["column"] for e in mentors.json["errors"] + mentees.json["errors"])
    assert counts(registry) == (0, 0, 0)


def test_abort_writes_nothing_and_answers_422_with_the_same_report(registry):
    response = upload(registry, "mentors", sample("mentors.xlsx"), "mentors.xlsx")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.json["valid"] == TRUTH["mentors_valid"] and len(response.json["errors"]) == 3
    assert counts(registry) == (0, 0, 0)


def test_skip_imports_the_valid_rows_and_a_second_import_changes_nothing(registry):
    first = upload(registry, "mentors", sample("mentors.xlsx"), "mentors.xlsx", on_error="skip").json
    assert (first["created"], first["skipped"]) == (TRUTH["mentors_valid"], 3)
    _, _, events_after_first = counts(registry)
    again = upload(registry, "mentors", sample("mentors.xlsx"), "mentors.xlsx", on_error="skip").json
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, TRUTH["mentors_valid"])
    assert counts(registry)[2] == events_after_first
    from_csv = upload(registry, "mentors", sample("mentors_cp1251.csv"), "mentors.csv", on_error="skip").json
    assert (from_csv["created"], from_csv["updated"], from_csv["unchanged"]) == (0, 0, TRUTH["mentors_valid"])
    mentees = upload(registry, "mentees", sample("mentees.xlsx"), "mentees.xlsx", on_error="skip").json
    assert mentees["created"] == TRUTH["mentees_valid"]
    assert counts(registry)[:2] == (TRUTH["mentors_valid"], TRUTH["mentees_valid"])


def test_one_event_per_changed_entity(registry):
    upload(registry, "mentors", sample("mentors.xlsx"), "mentors.xlsx", on_error="skip")
    with registry.ctx.uow() as uow:
        subjects = list(uow.session.execute(select(outbox.table.c.subject)).scalars())
    assert subjects.count("mentoring.mentor.registered") == TRUTH["mentors_valid"]
    organizations = subjects.count("mentoring.organization.upserted")
    assert organizations > 0 and len(subjects) == TRUTH["mentors_valid"] + organizations


def test_the_exported_bank_imports_back_unchanged_and_csv_is_excel_safe(registry):
    upload(registry, "mentors", sample("mentors.xlsx"), "mentors.xlsx", on_error="skip")
    xlsx = registry.get("/api/v1/exports/mentors.xlsx", headers=registry.admin)
    assert xlsx.status_code == 200
    back = upload(registry, "mentors", xlsx.data, "export.xlsx", dry_run=True).json
    assert (back["rows"], back["unchanged"], back["errors"]) == (TRUTH["mentors_valid"], TRUTH["mentors_valid"], [])
    csv = registry.get("/api/v1/exports/mentors.csv", headers=registry.admin)
    assert csv.data.startswith("\ufeffРайон;".encode())
    assert upload(registry, "mentors", csv.data, "export.csv", dry_run=True).json["unchanged"] == TRUTH["mentors_valid"]


def test_formula_looking_cells_are_escaped_in_the_csv_export(registry):
    org = registry.post("/api/v1/organizations", json={"name": "МБОУ СОШ № 1", "municipality": "Район"},
                        headers=registry.admin).json
    registry.post("/api/v1/mentors", json={"organization_id": org["id"], "full_name": "=HYPERLINK(1) Анна"},
                  headers=registry.admin)
    text = registry.get("/api/v1/exports/mentors.csv", headers=registry.admin).data.decode("utf-8-sig")
    assert ";'=HYPERLINK(1) Анна;" in text


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize("name,content,kind", [
    ("not a spreadsheet", b"%PDF-1.4 this is a pdf", "mentors"),
    ("empty", b"", "mentors"),
    ("garbage xlsx", os.urandom(4096), "mentors"),
    ("zip bomb", None, "mentors"),
    ("wrong kind", None, "mentors"),
    ("truncated xlsx", None, "mentees"),
])
def test_malformed_uploads_get_a_clear_4xx_and_write_nothing(registry, name, content, kind):
    filename = "file.xlsx"
    if name == "zip bomb":
        content = zip_bomb()
    elif name == "wrong kind":
        content = sample("mentees.xlsx")
    elif name == "truncated xlsx":
        content = sample("mentees.xlsx")[:5000]
    response = upload(registry, kind, content, filename, on_error="skip")
    assert 400 <= response.status_code < 500, response.json
    assert response.mimetype == "application/problem+json"
    assert any("а" <= ch <= "я" for ch in response.json["detail"].lower())
    assert counts(registry) == (0, 0, 0)


def test_an_upload_over_the_size_limit_is_refused_with_413(registry):
    response = upload(registry, "mentors", os.urandom(1024) * (50 * 1024), "big.xlsx")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_municipal_operator_imports_only_into_its_own_municipality(registry):
    upload(registry, "mentors", sample("mentors.xlsx"), "mentors.xlsx", on_error="skip")
    munis = {}
    orgs = registry.get("/api/v1/organizations", query_string={"limit": 500}, headers=registry.admin).json
    for item in orgs["items"]:
        munis[item["municipality_name"]] = item["municipality_id"]
    operator = {"Authorization": "Bearer " + issue_token(registry.settings, "municipal_operator",
                                                         f"municipality:{munis['Белоярский район']}")}
    report = upload(registry, "mentees", sample("mentees.xlsx"), "mentees.xlsx", headers=operator,
                    on_error="skip", dry_run=True).json
    out_of_scope = [e for e in report["errors"] if e["code"] == "out_of_scope"]
    assert out_of_scope and report["valid"] + len(report["errors"]) == report["rows"]


def mutations():
    from hypothesis import strategies as st

    base = [sample("mentors.xlsx"), sample("mentors_cp1251.csv"), sample("mentees.xlsx")]
    return st.tuples(st.sampled_from(range(len(base))), st.integers(0, 20000), st.binary(min_size=0, max_size=64),
                     st.sampled_from(["f.xlsx", "f.csv", "f", "f.xls", "f.txt"]),
                     st.sampled_from(["mentors", "mentees", "organizations"])).map(
        lambda t: (base[t[0]][: t[1]] + t[2] + base[t[0]][t[1] + len(t[2]):], t[3], t[4]))


def test_no_mutated_upload_makes_the_service_answer_500(registry):
    from hypothesis import HealthCheck, given, settings

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(mutations())
    def check(case):
        content, filename, kind = case
        response = upload(registry, kind, content, filename, on_error="skip", dry_run=True)
        assert response.status_code < 500, response.json
        assert response.status_code == 200 or response.mimetype == "application/problem+json"

    check()
    assert counts(registry)[:2] == (0, 0)
