"""The console's indicators page against the running services: seed 000's 13 with targets and deadlines, and a
municipal fact recorded on its form (a link, a document, a refusal beside its field)."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date, timedelta

import pytest

from services.console.app import create_app
from tests.integration.console_helpers import add_account, admin_client, console_settings, csrf_of, sign_in
from tests.servers import one_database

# the console's pages over the stack: its own database's dialect changes nothing they check
pytestmark = one_database

PDF = b"%PDF-1.4 console evidence\n%%EOF\n"


@pytest.fixture
def app(services, database_url, tmp_path):
    return create_app(console_settings(services, database_url, tmp_path / "var"))


@pytest.fixture
def district(services) -> dict:
    with admin_client(services, "registry") as registry:
        return registry.get("/api/v1/municipalities").json()["items"][0]


@pytest.fixture
def operator(app, district):
    email = f"operator-{uuid.uuid4().hex[:6]}@test.local"
    add_account(app, email, "municipal_operator", f"municipality:{district['id']}", district["name"],
                district["region_id"])
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def post_fact(client, page: str, data: dict, file=None):
    token = csrf_of(client.get(page).get_data(as_text=True))
    form = {**data, "csrf_token": token, **({"file": file} if file else {})}
    action = page.replace("/indicators/?", "/indicators/facts?")
    return client.post(action, data=form, content_type="multipart/form-data")


def test_the_page_lists_the_thirteen_with_targets_and_deadlines(operator, district):
    html = operator.get("/indicators/").get_data(as_text=True)
    assert "Доля муниципальных образовательных организаций, внедривших ЦМН" in html
    assert "Первый год реализации ЦМН" in html and "Ежегодно, начиная с первого года внедрения ЦМН" in html
    numbers = re.findall(r'<td data-label="№">(\d+)</td>', html)
    assert numbers == [str(n) for n in range(1, 14)]
    assert "Внести запись" in html and district["name"] in html


def test_an_operator_records_a_fact_with_a_link_and_then_with_a_document(operator, district):
    page = f"/indicators/?scope=municipality:{district['id']}&period=now"
    yesterday = str(date.today() - timedelta(days=1))
    saved = post_fact(operator, page, {"code": "authority_page", "municipality_id": district["id"], "value": "1",
                                       "recorded_on": yesterday, "evidence_url": "https://uo.example.ru/nastavnik"})
    assert saved.status_code == 302 and "saved=1" in saved.location
    html = operator.get(saved.location).get_data(as_text=True)
    assert "Запись сохранена" in html and 'href="https://uo.example.ru/nastavnik"' in html
    with_document = post_fact(operator, page, {"code": "base_organizations", "municipality_id": district["id"],
                                               "value": "1", "recorded_on": yesterday},
                              (io.BytesIO(PDF), "Приказ об опорных школах.pdf"))
    assert with_document.status_code == 302
    html = operator.get(with_document.location).get_data(as_text=True)
    link = re.search(r'href="(/indicators/facts/\d+/evidence)">Приказ об опорных школах.pdf', html)
    assert link, "the document is linked on the page"
    download = operator.get(link.group(1))
    assert download.status_code == 200 and download.data == PDF


def test_a_refusal_of_the_service_stands_beside_its_field(operator, district):
    page = f"/indicators/?scope=municipality:{district['id']}&period=now"
    refused = post_fact(operator, page, {"code": "methodical_centre", "municipality_id": district["id"],
                                         "value": "1", "recorded_on": str(date.today() - timedelta(days=1))})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    error = re.search(r'<p class="error" id="evidence_url-error">([^<]+)</p>', html)
    assert error and "Укажите ссылку на подтверждение или приложите документ" in error.group(1)
    future = post_fact(operator, page, {"code": "methodical_centre", "municipality_id": district["id"],
                                        "value": "0", "recorded_on": str(date.today() + timedelta(days=2))})
    assert future.status_code == 422 and "Дата не может быть позже сегодняшней" in future.get_data(as_text=True)
