"""The console for mentors and mentees against the real services of `mentoring up` (the demo region): an operator
opens a mentor's account from the mentor's card, bound to the record; the mentor lands on «Мои пары» and every
other page is closed to them; a mentee gives consent on their own page, once, dated and by themself."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from services.console.adapters.tables import Account
from services.console.app import create_app
from tests.integration.console_helpers import (
    PASSWORD,
    add_account,
    admin_client,
    console_settings,
    csrf_of,
    password_hash,
    sign_in,
)
from tests.servers import one_database

pytestmark = one_database
TODAY = date.today()


@pytest.fixture
def app(services, database_url, tmp_path):
    return create_app(console_settings(services, database_url, tmp_path / "var"))


def registry_record(services, plural: str) -> dict[str, Any]:
    """A person of the demo region who has no pair worth keeping out of the way of other tests: the first one."""
    with admin_client(services, "registry") as registry:
        return registry.get(f"/api/v1/{plural}", params={"limit": 1}).json()["items"][0]


def signed_in(app, role: str, scope: str | None, region_id: str | None = None):
    email = f"{role}-{uuid.uuid4().hex[:6]}@test.local"
    add_account(app, email, role, scope, None, region_id)
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def test_an_operator_opens_a_mentors_account_from_the_card_and_the_mentor_sees_only_their_pages(app, services):
    mentor = registry_record(services, "mentors")
    operator = signed_in(app, "municipal_operator", f"municipality:{mentor['municipality_id']}", mentor["region_id"])
    card = operator.get(f"/bank/{mentor['id']}").get_data(as_text=True)
    assert "Открыть доступ в консоль" in card and "не открыт" in card
    form = operator.get(f"/bank/{mentor['id']}/account")
    assert form.status_code == 200 and "Открыть доступ и получить ссылку" in form.get_data(as_text=True)
    email = f"mentor-{uuid.uuid4().hex[:6]}@test.local"
    made = operator.post(f"/bank/{mentor['id']}/account", data={
        "email": email, "full_name": mentor["full_name"], "csrf_token": csrf_of(form.get_data(as_text=True))})
    html = made.get_data(as_text=True)
    assert made.status_code == 200 and "/password/" in html and mentor["full_name"] in html
    with app.extensions["console"].uow() as uow:
        account = uow.session.exec(select(Account).where(Account.email == email)).one()
        assert (account.role, account.scope, account.region_id) == ("mentor", f"mentor:{mentor['id']}",
                                                                    mentor["region_id"])
        assert account.scope_name == f"{mentor['full_name']} ({mentor['organization_name']})"
        account.password_hash = password_hash(PASSWORD)
        uow.commit()
    card = operator.get(f"/bank/{mentor['id']}").get_data(as_text=True)
    assert email in card and "Открыть доступ в консоль" not in card
    assert operator.get(f"/bank/{mentor['id']}/account").status_code == 302  # opened once
    curator = signed_in(app, "school_curator", f"organization:{mentor['organization_id']}", mentor["region_id"])
    assert curator.get(f"/bank/{mentor['id']}/account").status_code == 403

    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    assert client.get("/").headers["Location"].endswith("/my/pairs")
    mine = client.get("/my/pairs").get_data(as_text=True)
    assert "<h1>Мои пары</h1>" in mine and 'href="/bank/"' not in mine and 'href="/my/consent/"' in mine
    for closed in ("/bank/", f"/bank/{mentor['id']}", "/mentees/", "/pairs/", "/users/", "/indicators/", "/runs/",
                   "/upload/", "/my/program"):
        assert client.get(closed).status_code == 403, closed


def test_a_mentee_gives_consent_on_their_own_page_once(app, services):
    mentee = registry_record(services, "mentees")
    with admin_client(services, "registry") as registry:
        registry.patch(f"/api/v1/mentees/{mentee['id']}", json={"consent_processing": False}).raise_for_status()
    client = signed_in(app, "mentee", f"mentee:{mentee['id']}", mentee["region_id"])
    assert client.get("/").headers["Location"].endswith("/my/program")
    page = client.get("/my/consent/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Дать согласие" in html and mentee["full_name"] in html
    refused = client.post("/my/consent/", data={"csrf_token": csrf_of(html)})
    assert refused.status_code == 422 and "Отметьте согласие" in refused.get_data(as_text=True)
    given = client.post("/my/consent/", data={"csrf_token": csrf_of(html), "agree": "y"})
    assert given.status_code == 302
    html = client.get("/my/consent/").get_data(as_text=True)
    assert "Согласие дано" in html and "Дать согласие" not in html
    with admin_client(services, "registry") as registry:
        record = registry.get(f"/api/v1/mentees/{mentee['id']}").json()
        trail = registry.get("/api/v1/audit", params={"entity_id": mentee["id"]}).json()["items"]
    assert record["consent_processing"] is True and record["consent_processing_on"] == str(TODAY)
    assert [r["actor"].split(":")[0] for r in trail if r["action"] == "consent_given"] == ["mentee"]
    other = registry_record(services, "mentors")
    assert client.get(f"/mentees/{mentee['id']}").status_code == 403
    assert client.get(f"/bank/{other['id']}").status_code == 403
