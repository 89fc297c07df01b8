"""The console's «Мониторинг» against the real services of `mentoring up`: a municipal operator submits the half-year
with a confirmation and downloads the frozen file; the region sees the districts side by side and returns a report
with a reason (the error beside the field when it is missing); the district then submits a second version."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook

from services.console.app import create_app
from tests.integration.console_helpers import add_account, admin_client, console_settings, csrf_of, sign_in, wait_for
from tests.servers import one_database

# the console's pages over the stack: its own database's dialect changes nothing they check
pytestmark = one_database

TODAY = date.today()
HALVES = (f"{TODAY.year}-H{1 if TODAY.month <= 6 else 2}",  # the current half-year and the one before it
          f"{TODAY.year}-H1" if TODAY.month > 6 else f"{TODAY.year - 1}-H2")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def districts(services) -> list[dict[str, Any]]:
    """The demo region's districts, once the reports service has projected all of them."""
    with admin_client(services, "registry") as registry, admin_client(services, "reports") as reports:
        items = registry.get("/api/v1/municipalities").json()["items"]
        region = items[0]["region_id"]
        wait_for(lambda: reports.get("/api/v1/submissions/overview",
                                     params={"period": HALVES[0], "region": region}).json()["total"] == len(items))
        return items


@pytest.fixture
def app(services, database_url, tmp_path):
    return create_app(console_settings(services, database_url, tmp_path / "var"))


def district(districts: list[dict[str, Any]], database_url: str, offset: int) -> tuple[dict[str, Any], str]:
    """A district and a half-year. The services' stack is shared by the module while the console's database is
    parametrized: each database takes another half-year, so a report submitted under one does not stand in the way
    of the other."""
    return districts[offset % len(districts)], HALVES[0 if database_url.startswith("sqlite") else 1]


def person(app, role: str, scope: str, name: str, region: str):
    email = f"{role}-{uuid.uuid4().hex[:6]}@test.local"
    add_account(app, email, role, scope, name, region)
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def municipal(app, place: dict[str, Any]):
    return person(app, "municipal_operator", f"municipality:{place['id']}", place["name"], place["region_id"])


def post(client, page: str, url: str, data: dict[str, Any]):
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def submitted_id(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return re.search(r"/monitoring/submissions/([0-9a-f-]{36})", response.headers["Location"]).group(1)


def test_a_municipal_operator_submits_the_half_year_with_a_confirmation_and_downloads_the_frozen_file(
        app, services, districts, database_url):
    place, half = district(districts, database_url, 0)
    operator = municipal(app, place)
    page = operator.get(f"/monitoring/?period={half}").get_data(as_text=True)
    assert 'href="/monitoring/"' in page and "Мониторинг" in page
    assert "Сдать отчёт за" in page and "Показатели за" in page and "полугодие" in page
    unconfirmed = post(operator, "/monitoring/", "/monitoring/submit", {"period": half})
    assert unconfirmed.status_code == 422 and "Подтвердите сдачу отчёта" in unconfirmed.get_data(as_text=True)

    ident = submitted_id(post(operator, "/monitoring/", "/monitoring/submit", {"period": half, "confirm": "y"}))
    shown = operator.get(f"/monitoring/submissions/{ident}?submitted=1").get_data(as_text=True)
    assert "Отчёт сдан." in shown and "Скачать сданный XLSX" in shown
    assert "Тестовый municipal_operator" in shown  # who submitted, by the console account's name
    download = operator.get(f"/monitoring/submissions/{ident}.xlsx")
    assert download.status_code == 200 and download.mimetype == XLSX
    assert "filename*=UTF-8''" in download.headers["Content-Disposition"]
    with admin_client(services, "reports") as reports:
        assert download.data == reports.get(f"/api/v1/submissions/{ident}.xlsx").content
    assert load_workbook(io.BytesIO(download.data)).sheetnames
    again = operator.get(f"/monitoring/?period={half}").get_data(as_text=True)
    assert "Отчёт сдан" in again and f"/monitoring/submissions/{ident}.xlsx" in again and "Сдать отчёт за" not in again


def test_the_region_sees_the_districts_side_by_side_and_returns_a_report_with_a_reason(
        app, districts, database_url):
    place, half = district(districts, database_url, 1)
    operator = municipal(app, place)
    ident = submitted_id(post(operator, "/monitoring/", "/monitoring/submit", {"period": half, "confirm": "y"}))
    region = person(app, "region_operator", f"region:{place['region_id']}", "Регион", place["region_id"])

    overview = region.get(f"/monitoring/?period={half}").get_data(as_text=True)
    assert place["name"] in overview and "сдан" in overview and "Показатели рядом" in overview
    assert all(d["name"] in overview for d in districts)
    assert f"/monitoring/submissions/{ident}" in overview
    book = region.get(f"/monitoring/overview.xlsx?period={half}")
    assert book.status_code == 200 and place["name"] in {c for row in load_workbook(io.BytesIO(book.data)).active
                                                           .iter_rows(values_only=True) for c in row}

    page = f"/monitoring/submissions/{ident}"
    assert post(operator, page, page, {"reason": "проверка"}).status_code == 403
    blank = post(region, page, page, {"reason": "  "})
    html = blank.get_data(as_text=True)
    assert blank.status_code == 422 and re.search(r'id="reason-error">\s*Укажите причину возврата', html)
    returned = post(region, page, page, {"reason": "Уточните число молодых специалистов"})
    assert returned.status_code == 302
    after = region.get(returned.headers["Location"]).get_data(as_text=True)
    assert "возвращён на доработку" in after and "Уточните число молодых специалистов" in after
    assert "Тестовый region_operator" in after

    district_page = operator.get(f"/monitoring/?period={half}").get_data(as_text=True)
    assert "Отчёт возвращён на доработку" in district_page and "Уточните число молодых специалистов" in district_page
    second = submitted_id(post(operator, "/monitoring/", "/monitoring/submit", {"period": half, "confirm": "y"}))
    assert second != ident and "версия 2" in operator.get(f"/monitoring/submissions/{second}").get_data(as_text=True)
