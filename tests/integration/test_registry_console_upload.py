"""The console's upload page over the running stack: the seed bank's layout named in the report, unknown columns
with the headers expected, and a link to every blank template (the bank of the municipality's too)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from services.console.app import create_app
from tests.integration.console_helpers import add_account, console_settings, csrf_of, sign_in
from tests.servers import one_database
from tests.unit.test_import_seed_layout import BANK_HEADER, BANK_ROW
from tests.unit.test_importer import xlsx

# the console's pages over the stack: its own database's dialect changes nothing they check
pytestmark = one_database


@pytest.fixture
def admin(services, database_url, tmp_path):
    app = create_app(console_settings(services, database_url, tmp_path / "var"))
    add_account(app, "admin@test.local")
    client = app.test_client()
    assert sign_in(client, "admin@test.local").status_code == 302
    return client


def test_the_upload_report_names_the_layout_and_the_columns_it_did_not_recognise(admin):
    page = admin.get("/upload/").get_data(as_text=True)
    for kind in ("mentors", "bank", "mentees", "organizations"):
        assert f'href="/upload/template/{kind}.xlsx"' in page
    data = xlsx([[*BANK_HEADER, "Любимый цвет"], [*BANK_ROW, "синий"]])
    checked = admin.post("/upload/", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "kind": "mentors", "file": (io.BytesIO(data), "банк.xlsx")})
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "раскладка: <strong>Банк наставников муниципалитета</strong>" in html
    assert "Эти столбцы не загружены: «Любимый цвет»." in html
    assert "«Направление помощи»" in html and "Загрузить корректные строки (1)" in html


def test_the_blank_template_of_the_municipal_bank_downloads(admin):
    answer = admin.get("/upload/template/bank.xlsx")
    assert answer.status_code == 200
    header = [c.value for c in next(load_workbook(io.BytesIO(answer.data)).active.iter_rows(max_row=1))]
    assert header[:4] == ["Муниципалитет*", "Образовательная организация*", "ФИО*", "Направление помощи*"]
    assert admin.get("/upload/template/pairs.xlsx").status_code == 404
