"""The web console's Flask test client against the real registry, matching and reports of `mentoring up`."""

from __future__ import annotations

import io
import logging
import re
import time
import uuid
from datetime import timedelta

import pytest
from babel.numbers import format_decimal
from openpyxl import Workbook, load_workbook

from services.console.adapters.tables import Account
from services.console.app import create_app
from tests.integration.console_helpers import (
    PASSWORD,
    add_account,
    console_settings,
    csrf_of,
    post_form,
    registry,
    sign_in,
    without_tokens,
)


@pytest.fixture
def app(services, database_url, tmp_path):
    return create_app(console_settings(services, database_url, tmp_path / "var"))


@pytest.fixture
def admin(app):
    add_account(app, "admin@test.local")
    client = app.test_client()
    assert sign_in(client, "admin@test.local").status_code == 302
    return client


def session_cookie(client) -> str:
    return client.get_cookie("console_session").value


def replay(app, cookie: str):
    """A fresh browser that presents a copied session cookie."""
    client = app.test_client()
    client.set_cookie("console_session", cookie)
    return client


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


# --- sign-in, lockout, sessions ---------------------------------------------------------------------------------


def test_sign_in_with_the_right_password_opens_the_home_page_and_a_wrong_one_is_refused(app):
    add_account(app, "operator@test.local")
    client = app.test_client()
    refused = sign_in(client, "operator@test.local", "не тот пароль")
    assert refused.status_code == 401
    assert "Неверный адрес почты или пароль" in refused.get_data(as_text=True)
    assert not signed_in(client)
    unknown = sign_in(client, "nobody@test.local")
    assert unknown.status_code == 401 and "Неверный адрес почты или пароль" in unknown.get_data(as_text=True)
    accepted = sign_in(client, "Operator@Test.local")
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Показатели целевой модели" in home.get_data(as_text=True)


def test_after_five_failures_the_account_and_the_address_wait_even_with_the_right_password(app):
    add_account(app, "victim@test.local")
    add_account(app, "neighbour@test.local")
    client = app.test_client()
    for _ in range(5):
        assert sign_in(client, "victim@test.local", "подбираю пароль").status_code == 401
    locked = sign_in(client, "victim@test.local")
    assert locked.status_code == 429
    assert "Слишком много неудачных попыток входа" in locked.get_data(as_text=True)
    assert not signed_in(client)
    elsewhere = app.test_client()
    assert sign_in(elsewhere, "victim@test.local", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 429
    assert sign_in(app.test_client(), "neighbour@test.local").status_code == 429  # the address waits too
    fresh = app.test_client()
    assert sign_in(fresh, "neighbour@test.local", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_lockout(app):
    add_account(app, "often@test.local")
    for _ in range(7):
        client = app.test_client()
        assert sign_in(client, "often@test.local").status_code == 302


def test_sign_in_rotates_the_session_and_an_older_session_stops_working(app):
    add_account(app, "rotate@test.local")
    client = app.test_client()
    client.get("/sign-in")
    before = session_cookie(client)
    assert sign_in(client, "rotate@test.local").status_code == 302
    after = session_cookie(client)
    assert after != before
    assert not signed_in(replay(app, before))
    assert signed_in(replay(app, after))
    second = app.test_client()
    assert sign_in(second, "rotate@test.local").status_code == 302
    assert not signed_in(replay(app, after)), "the session of an earlier sign-in must end at the next one"
    assert signed_in(second)


def test_a_session_expires_after_its_lifetime_even_with_a_valid_signature(app):
    """The signed cookie carries its time: past `console_session_hours` the server refuses it (not only the
    browser forgetting it); here the lifetime is shortened to two seconds for the test."""
    add_account(app, "expiry@test.local")
    client = app.test_client()
    assert sign_in(client, "expiry@test.local").status_code == 302
    cookie = session_cookie(client)
    assert signed_in(replay(app, cookie))
    app.permanent_session_lifetime = timedelta(seconds=2)
    time.sleep(3)
    assert not signed_in(replay(app, cookie))
    assert client.get("/").headers["Location"].startswith("/sign-in")


def test_sign_out_ends_the_session_even_for_a_copy_of_its_cookie(admin, app):
    cookie = session_cookie(admin)
    answer = post_form(admin, "/", "/sign-out", {})
    assert answer.status_code == 302 and answer.headers["Location"] == "/sign-in"
    assert not signed_in(admin)
    assert not signed_in(replay(app, cookie))


def test_a_disabled_users_session_stops_at_the_next_request(admin, app):
    ident = add_account(app, "leaver@test.local", "region_operator", "region:default", "Демонстрационный регион",
                        "default")
    user = app.test_client()
    assert sign_in(user, "leaver@test.local").status_code == 302
    assert signed_in(user)
    assert post_form(admin, "/users/", f"/users/{ident}/disable", {}).status_code == 302
    answer = user.get("/bank/")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/sign-in")
    assert sign_in(app.test_client(), "leaver@test.local").status_code == 401


# --- CSRF, escaping, scope ------------------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_refused_with_400_and_changes_nothing(admin, app, services):
    ctx = app.extensions["console"]
    with ctx.read() as session:
        before = len(session.exec(Account.__table__.select()).all())
    refused = admin.post("/users/", data={"email": "new@test.local", "full_name": "Новый Пользователь",
                                          "role": "admin", "scope": ""})
    assert refused.status_code == 400
    assert "Форма устарела" in refused.get_data(as_text=True)
    with ctx.read() as session:
        assert len(session.exec(Account.__table__.select()).all()) == before
    with registry(services) as api:
        mentor = api.get("/api/v1/mentors", params={"limit": 1}).json()["items"][0]
        assert admin.post(f"/bank/{mentor['id']}/withdraw", data={"reason": "без токена"}).status_code == 400
        assert api.get(f"/api/v1/mentors/{mentor['id']}").json()["status"] == "active"
    assert sign_in(app.test_client(), "admin@test.local").status_code == 302  # control: with the token
    no_token = app.test_client().post("/sign-in", data={"email": "admin@test.local", "password": PASSWORD})
    assert no_token.status_code == 400


def first_organization(services) -> dict:
    with registry(services) as api:
        return api.get("/api/v1/organizations", params={"limit": 1}).json()["items"][0]


def test_a_name_with_a_script_tag_is_shown_as_text(admin, services):
    org = first_organization(services)
    name = '<script>alert("x")</script> Петрова Анна'
    created = post_form(admin, "/bank/new", "/bank/new", {
        "full_name": name, "organization_id": org["id"], "subjects": ["math"], "formats": ["in_person"],
        "capacity": "2", "qualification_category": "first", "consent_processing": "y"})
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    card = admin.get(created.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in card
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Петрова Анна" in card
    listing = admin.get("/bank/", query_string={"q": "Петрова Анна", "status": "all"}).get_data(as_text=True)
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing


def test_the_registrys_field_errors_are_shown_beside_the_fields(admin, services):
    org = first_organization(services)
    answer = post_form(admin, "/bank/new", "/bank/new", {
        "full_name": "Сидорова Ольга Петровна", "organization_id": org["id"], "formats": ["in_person"],
        "capacity": "2", "qualification_category": "first", "page_url": "не адрес", "email": "без собаки"})
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert re.search(r'id="page_url-error">[^<]*формат', html), html[:3000]
    assert 'id="email-error"' in html
    assert "Не удалось сохранить" in html


def test_a_curator_gets_the_same_not_found_page_for_another_schools_mentee_as_for_a_missing_one(app, services):
    with registry(services) as api:
        mentees = api.get("/api/v1/mentees", params={"limit": 500}).json()["items"]
    own = mentees[0]
    other = next(m for m in mentees if m["organization_id"] != own["organization_id"])
    add_account(app, "curator@test.local", "school_curator", f"organization:{own['organization_id']}",
                own["organization_name"], own["region_id"])
    curator = app.test_client()
    assert sign_in(curator, "curator@test.local").status_code == 302
    assert curator.get(f"/mentees/{own['id']}").status_code == 200
    foreign = curator.get(f"/mentees/{other['id']}")
    missing = curator.get(f"/mentees/{uuid.uuid4()}")
    assert foreign.status_code == missing.status_code == 404
    assert without_tokens(foreign.get_data(as_text=True)) == without_tokens(missing.get_data(as_text=True))
    assert other["full_name"] not in foreign.get_data(as_text=True)
    assert "Не найдено" in foreign.get_data(as_text=True)
    assert curator.get(f"/mentees/{other['id']}/edit").status_code == 404


# --- uploads ---------------------------------------------------------------------------------------------------------


def test_an_upload_the_registry_refuses_shows_its_russian_message(admin, app):
    page = admin.get("/upload/").get_data(as_text=True)
    answer = admin.post("/upload/", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "kind": "mentors",
        "file": (io.BytesIO("Просто;таблица\n1;2\n".encode()), "bank.csv")})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Реестр не принял файл" in html and "Не найдена строка заголовков" in html
    assert "Traceback" not in html
    uploads = app.extensions["console"].uploads
    assert not uploads.exists() or not any(uploads.iterdir())


def mentees_sheet(organization: dict, name: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Район", "ОО", "ФИО наставляемого", "Предмет", "Уровень образования", "Стаж (лет)",
                  "Категория наставляемого", "Запрос (направления, дефициты)"])
    sheet.append([organization["municipality_name"], organization["name"], name,
                  "Математика", "Основное общее", 1, "Молодой специалист", "Проектная деятельность"])
    sheet.append([organization["municipality_name"], organization["name"], "Ошибочная Ирина Петровна",
                  "Астрология", "Основное общее", 1, "Молодой специалист", "Проектная деятельность"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_upload_is_checked_first_then_its_valid_rows_are_loaded_without_choosing_the_file_again(admin, services):
    org = first_organization(services)
    name = f"Загруженная Вера {uuid.uuid4().hex[:8]}"
    page = admin.get("/upload/").get_data(as_text=True)
    checked = admin.post("/upload/", content_type="multipart/form-data", data={
        "csrf_token": csrf_of(page), "kind": "mentees", "file": (io.BytesIO(mentees_sheet(org, name)), "база.xlsx")})
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "Загрузить корректные строки (1)" in html and "Отменить" in html
    assert "Астрология" in html and "не найдено в справочнике" in html
    load_url = re.search(r'action="(/upload/[^"]+/load)"', html).group(1)
    with registry(services) as api:
        assert not api.get("/api/v1/mentees", params={"q": name}).json()["items"]
        done = admin.post(load_url, data={"csrf_token": csrf_of(html)})
        assert done.status_code == 200 and "добавлено 1" in done.get_data(as_text=True)
        assert api.get("/api/v1/mentees", params={"q": name}).json()["items"]
    assert admin.post(load_url, data={"csrf_token": csrf_of(html)}).status_code == 404  # spent


def test_blank_templates_carry_the_registrys_headers(admin):
    answer = admin.get("/upload/template/mentors.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data))
    header = [c.value for c in next(book.active.iter_rows(max_row=1))]
    assert header[:3] == ["Район*", "ОО, где работает наставник*", "ФИО наставника*"]
    assert book.sheetnames[1] == "Пояснения"
    assert "filename*=UTF-8''" in answer.headers["Content-Disposition"]


def test_the_base_of_mentees_downloads_in_its_import_layout_and_reimports_unchanged(admin, services):
    answer = admin.get("/mentees/export.xlsx")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    rows = [r for r in load_workbook(io.BytesIO(answer.data)).active.iter_rows(values_only=True) if any(r)]
    with registry(services) as api:
        total = api.get("/api/v1/mentees", params={"limit": 1}).json()["total"]
        again = api.post("/api/v1/imports", params={"kind": "mentees", "dry_run": "true", "on_error": "skip"},
                         files={"file": ("mentees.xlsx", answer.data)}).json()
    assert rows[0][:3] == ("Район", "ОО", "ФИО наставляемого") and len(rows) - 1 == total
    assert (again["created"], again["updated"]) == (0, 0), again
    assert admin.get("/mentees/export.csv").status_code == 404


def test_lists_say_which_rows_of_how_many_and_offer_the_districts_by_name(admin, services):
    with registry(services) as api:
        total = api.get("/api/v1/mentors", params={"limit": 1}).json()["total"]
        districts = api.get("/api/v1/municipalities").json()["items"]
    html = admin.get("/bank/").get_data(as_text=True)
    assert f"Показано 1–{min(total, 25)} из {format_decimal(total, locale='ru_RU')}" in html
    offered = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>',
                         html.split('id="municipality"')[1].split("</select>")[0])
    assert offered == [("", "все районы"), *((d["id"], d["name"]) for d in districts)]


# --- users and one-time links ----------------------------------------------------------------------------------------


def test_an_invited_user_sets_a_password_once_through_the_link_and_nothing_secret_is_logged(admin, app, caplog):
    caplog.set_level(logging.DEBUG)
    invited = post_form(admin, "/users/", "/users/", {"email": "invited@test.local", "full_name": "Приглашённая Мария",
                                                      "role": "region_operator", "scope": "region:default"})
    html = invited.get_data(as_text=True)
    assert invited.status_code == 200, html[:2000]
    link = re.search(r'value="http://localhost(/password/[^"]+)"', html).group(1)
    token = link.rsplit("/", 1)[1]
    person = app.test_client()
    page = person.get(link)
    assert page.status_code == 200 and "invited@test.local" in page.get_data(as_text=True)
    new_password = "Мой-новый-пароль-77"
    done = person.post(link, data={"password": new_password, "confirm": new_password,
                                   "csrf_token": csrf_of(page.get_data(as_text=True))})
    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    assert sign_in(person, "invited@test.local", new_password).status_code == 302
    assert "Демонстрационный регион" in person.get("/").get_data(as_text=True)
    assert app.test_client().get(link).status_code == 410
    with app.extensions["console"].read() as session:
        stored = " ".join(str(v) for row in session.exec(Account.__table__.select()).all() for v in row)
    assert new_password not in stored and token not in stored
    assert new_password not in caplog.text and token not in caplog.text and PASSWORD not in caplog.text


def test_a_region_operator_sees_the_users_page_and_a_municipal_operator_does_not(app):
    add_account(app, "region@test.local", "region_operator", "region:default", "Демонстрационный регион", "default")
    add_account(app, "district@test.local", "municipal_operator", "municipality:x", "Район", "default")
    region, district = app.test_client(), app.test_client()
    assert sign_in(region, "region@test.local").status_code == 302
    assert sign_in(district, "district@test.local").status_code == 302
    page = region.get("/users/").get_data(as_text=True)
    assert "district@test.local" in page and "Администратор" not in re.sub(r"<option[^>]*>[^<]*</option>", "", page)
    assert district.get("/users/").status_code == 403


# --- personal data ---------------------------------------------------------------------------------------------------


def test_an_operator_erases_a_mentee_on_request_after_giving_the_reason_and_a_curator_cannot(admin, app, services):
    with registry(services) as api:
        mentee = api.get("/api/v1/mentees", params={"limit": 1, "status": "active"}).json()["items"][0]
    card = f"/mentees/{mentee['id']}"
    add_account(app, "erase-curator@test.local", "school_curator", f"organization:{mentee['organization_id']}",
                mentee["organization_name"], mentee["region_id"])
    curator = app.test_client()
    assert sign_in(curator, "erase-curator@test.local").status_code == 302
    assert "Удалить персональные данные" not in curator.get(card).get_data(as_text=True)
    assert curator.get(f"{card}/erase").status_code == 403

    assert "Удалить персональные данные" in admin.get(card).get_data(as_text=True)
    refused = post_form(admin, f"{card}/erase", f"{card}/erase", {"reason": "  "})
    assert refused.status_code == 422
    assert re.search(r'id="reason-error">Укажите основание', refused.get_data(as_text=True))
    with registry(services) as api:
        assert api.get(f"/api/v1/mentees/{mentee['id']}").json()["full_name"] == mentee["full_name"]

    done = post_form(admin, f"{card}/erase", f"{card}/erase", {"reason": "заявление № 12 от 20.11.2026"},
                     follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "Персональные данные удалены" in html
    assert mentee["full_name"] not in html and "Субъект ПДн №" in html
    assert "удалены (обезличены)" in html and "Изменить" not in html
    with registry(services) as api:
        stored = api.get(f"/api/v1/mentees/{mentee['id']}").json()
    assert stored["full_name"].startswith("Субъект ПДн №") and stored["erased_at"]
    assert admin.get(f"{card}/erase", follow_redirects=True).get_data(as_text=True).count("уже удалены") == 1
