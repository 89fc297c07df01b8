"""Single sign-on against a real OpenID provider (the certified `oidc-provider` from npm, tests/oidc_provider.py).

The console signs in through the provider as a browser would: the console's redirect, the provider's login and
consent forms, the redirect back with the code; Authlib exchanges it (PKCE, the client's secret) and verifies the
ID token. The running services (`mentoring up` with OIDC_ISSUER) accept the provider's RS256 access tokens and
refuse expired ones, another issuer's, another audience's, forged and unsigned ones.
"""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from services.console.adapters.tables import Account
from services.console.app import create_app
from shared.config import Settings
from tests.integration.console_helpers import PASSWORD, add_account, console_settings, csrf_of
from tests.oidc_provider import (
    CONSOLE_URL,
    OTHER_RESOURCE,
    SHORT_LIVED_CLIENT,
    provider_token,
    walk,
)
from tests.servers import Stack

PROBLEM_JSON = "application/problem+json"
PROTECTED = {"registry": "/api/v1/mentors", "matching": "/api/v1/pairs", "reports": "/api/v1/assessments"}


@pytest.fixture(scope="module")
def sso_stack(oidc_provider, tmp_path_factory):
    """The embedded stack whose services accept the provider's tokens (OIDC_ISSUER)."""
    running = Stack(workdir=tmp_path_factory.mktemp("sso-stack"),
                    extra_env={"OIDC_ISSUER": oidc_provider.issuer}).start()
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop_in_background()


@pytest.fixture
def app(sso_stack, oidc_provider, database_url, tmp_path):
    settings = console_settings(sso_stack, database_url, tmp_path / "var")
    return create_app(settings.model_copy(update=oidc_provider.settings()))


def accounts_of(app) -> list[str]:
    with app.extensions["console"].read() as session:
        return sorted(account.email for account in session.exec(select(Account)).all())


def sign_in_through_provider(client, login: str, next_page: str = "/"):
    """The sign-in page's «Войти через …», the provider's forms, and the console's answer to the redirect back."""
    start = client.get("/sign-in/sso", query_string={"next": next_page})
    assert start.status_code == 302, start.get_data(as_text=True)
    back = walk(start.headers["Location"], login, CONSOLE_URL)
    parts = urlsplit(back)
    return client.get(parts.path, query_string=parts.query), back


def test_a_region_operator_signs_in_through_the_provider_with_the_role_and_scope_of_its_claims(app, oidc_provider):
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Войти через тестового поставщика" in page
    start = client.get("/sign-in/sso", query_string={"next": "/bank"})
    request = parse_qs(urlsplit(start.headers["Location"]).query)
    assert start.headers["Location"].startswith(oidc_provider.metadata()["authorization_endpoint"])
    assert request["code_challenge_method"] == ["S256"] and len(request["code_challenge"][0]) == 43
    assert request["response_type"] == ["code"] and request["state"][0] and request["nonce"][0]
    assert "code_verifier" not in request
    answer, back = sign_in_through_provider(client, "region", "/bank")
    assert answer.status_code == 302 and answer.headers["Location"] == "/bank"
    home = client.get("/")
    text = home.get_data(as_text=True)
    assert home.status_code == 200 and "Региональный оператор" in text and "Демонстрационный регион" in text
    assert accounts_of(app) == []  # nothing was created for the person of the claims
    parts = urlsplit(back)
    replayed = app.test_client().get(parts.path, query_string=parts.query)  # the code again, without the state
    assert replayed.status_code == 400 and "не подтвердил вход" in replayed.get_data(as_text=True)
    client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
    assert client.get("/").status_code == 302


LOGOUT_FORM = re.compile(r'<form id="op.logoutForm" method="post" action="([^"]+)"><input type="hidden" '
                         r'name="xsrf" value="([^"]+)"')


def test_signing_out_of_the_console_signs_out_at_the_provider_too(app, oidc_provider):
    with httpx.Client(timeout=30) as browser:  # one browser: its cookies hold the person's session at the provider
        client = app.test_client()
        start = client.get("/sign-in/sso")
        back = walk(start.headers["Location"], "region", CONSOLE_URL, browser=browser)
        assert client.get(urlsplit(back).path, query_string=urlsplit(back).query).status_code == 302
        again = browser.get(app.test_client().get("/sign-in/sso").headers["Location"])
        assert again.is_redirect  # signed in at the provider: no login form the second time

        out = client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
        assert out.status_code == 302 and client.get("/").status_code == 302  # out of the console at once
        end = urlsplit(out.headers["Location"])
        assert out.headers["Location"].startswith(oidc_provider.metadata()["end_session_endpoint"])
        query = parse_qs(end.query)
        assert query["post_logout_redirect_uri"] == [f"{CONSOLE_URL}/sign-in"] and query["id_token_hint"][0]
        confirm = browser.get(out.headers["Location"])
        action, xsrf = LOGOUT_FORM.search(confirm.text).groups()
        done = browser.post(str(confirm.url.join(html.unescape(action))), data={"xsrf": xsrf, "logout": "yes"})
        assert done.is_redirect and done.headers["Location"] == f"{CONSOLE_URL}/sign-in"
        assert "Вы вышли из консоли." in client.get("/sign-in").get_data(as_text=True)

        fresh = browser.get(app.test_client().get("/sign-in/sso").headers["Location"], follow_redirects=True)
        assert 'name="login"' in fresh.text  # the provider asks for the password again


def test_a_console_sign_out_with_the_password_does_not_visit_the_provider(app):
    client = app.test_client()
    add_account(app, "local@sso.test", "admin")
    signed = client.post("/sign-in", data={"csrf_token": csrf_of(client.get("/sign-in").get_data(as_text=True)),
                                           "email": "local@sso.test", "password": PASSWORD})
    assert signed.status_code == 302
    out = client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/").get_data(as_text=True))})
    assert out.status_code == 302 and out.headers["Location"] == "/sign-in"


def test_without_role_claims_the_account_of_the_verified_e_mail_signs_in(app):
    add_account(app, "admin@sso.test", role="admin")
    client = app.test_client()
    answer, _ = sign_in_through_provider(client, "teacher")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200 and "Администратор" in home.get_data(as_text=True)
    unverified = app.test_client()
    refused, _ = sign_in_through_provider(unverified, "unverified")
    assert refused.status_code == 403
    assert "Адрес admin@sso.test не подтверждён у поставщика удостоверений" in refused.get_data(as_text=True)
    assert unverified.get("/").status_code == 302
    assert client.get("/").status_code == 200  # the refusal did not touch the account's own session


@pytest.mark.parametrize(("login", "message"), [
    ("stranger", "В консоли нет действующей учётной записи с адресом stranger@sso.test"),
    ("superuser", "назначил вам роль «superuser», которой в консоли нет"),
    ("scopeless", "назначил вам роль «Муниципальный оператор», но не её область"),
])
def test_a_person_without_a_role_or_an_account_is_refused_in_russian_and_nothing_is_created(app, login, message):
    add_account(app, "admin@sso.test", role="admin")
    client = app.test_client()
    refused, _ = sign_in_through_provider(client, login)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "Вход не выполнен" in text and message in text, text
    assert "Попросите администратора консоли" in text
    assert client.get("/").status_code == 302
    assert accounts_of(app) == ["admin@sso.test"]


def test_an_id_token_for_another_nonce_is_refused_and_the_provider_requires_pkce(app, oidc_provider):
    client = app.test_client()
    start = client.get("/sign-in/sso")
    with client.session_transaction() as kept:
        [key] = [name for name in kept if name.startswith("_state_provider_")]
        kept[key]["data"]["nonce"] = "a-nonce-of-another-sign-in"
        kept.modified = True
    back = urlsplit(walk(start.headers["Location"], "region", CONSOLE_URL))
    refused = client.get(back.path, query_string=back.query)
    assert refused.status_code == 400 and "не подтвердил вход" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302
    without_pkce = {k: v for k, v in parse_qs(urlsplit(start.headers["Location"]).query).items()
                    if not k.startswith("code_challenge")}
    answer = httpx.get(oidc_provider.metadata()["authorization_endpoint"], params=without_pkce, timeout=30)
    assert answer.is_redirect and "error=invalid_request" in answer.headers["location"]
    assert "requires PKCE" in parse_qs(urlsplit(answer.headers["location"]).query)["error_description"][0]


def test_a_callback_whose_state_the_console_did_not_issue_is_refused(app):
    client = app.test_client()
    client.get("/sign-in/sso")
    refused = client.get("/sign-in/sso/callback", query_string={"code": "stolen", "state": "forged"})
    assert refused.status_code == 400 and "не подтвердил вход" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_without_a_provider_the_console_offers_no_single_sign_on(sso_stack, database_url, tmp_path):
    plain = create_app(console_settings(sso_stack, database_url, tmp_path / "plain")).test_client()
    assert "Войти через" not in plain.get("/sign-in").get_data(as_text=True)
    assert plain.get("/sign-in/sso").status_code == 404
    assert plain.get("/sign-in/sso/callback").status_code == 404


def call(stack: Stack, service: str, token: str) -> httpx.Response:
    return httpx.get(stack.url(service) + PROTECTED[service], headers={"Authorization": f"Bearer {token}"},
                     timeout=30)


def test_the_services_accept_the_providers_access_token_with_the_role_and_scope_of_its_claims(sso_stack,
                                                                                              oidc_provider):
    token = provider_token(oidc_provider, "region")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert claims["iss"] == oidc_provider.issuer and claims["aud"] == "mentoring-api"
    assert claims["mentoring_role"] == "region_operator" and claims["mentoring_scope"] == "region:default"
    for service in PROTECTED:
        answer = call(sso_stack, service, token)
        assert answer.status_code == 200, (service, answer.text)
    foreign_region = httpx.get(sso_stack.url("reports") + "/api/v1/indicators", params={"scope": "region:72"},
                               headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert foreign_region.status_code == 403  # the scope of the claims holds
    without_role = call(sso_stack, "registry", provider_token(oidc_provider, "teacher"))
    assert without_role.status_code == 401 and "нет роли" in without_role.json()["detail"]


def forged(token: str) -> str:
    """The same claims and key id, signed with a key that is not the provider's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(jwt.decode(token, options={"verify_signature": False}), key, algorithm="RS256",
                      headers={"kid": jwt.get_unverified_header(token)["kid"]})


def test_expired_foreign_wrong_audience_forged_and_unsigned_provider_tokens_are_401_problem_json(
        sso_stack, oidc_provider, foreign_oidc_provider):
    genuine = provider_token(oidc_provider, "region")
    short_lived = provider_token(oidc_provider, "region", client_id=SHORT_LIVED_CLIENT)
    bad = {
        "foreign issuer": provider_token(foreign_oidc_provider, "region"),
        "wrong audience": provider_token(oidc_provider, "region", resource=OTHER_RESOURCE),
        "forged": forged(genuine),
        "unsigned": jwt.encode(jwt.decode(genuine, options={"verify_signature": False}), None, algorithm="none"),
    }
    time.sleep(max(0.0, jwt.decode(short_lived, options={"verify_signature": False})["exp"] - time.time() + 1.1))
    bad["expired"] = short_lived
    for service in PROTECTED:
        assert call(sso_stack, service, genuine).status_code == 200, service
        for kind, token in bad.items():
            answer = call(sso_stack, service, token)
            assert answer.status_code == 401, (service, kind, answer.text)
            assert answer.headers["content-type"].startswith(PROBLEM_JSON), (service, kind)
            assert answer.json()["title"] == "Требуется авторизация", (service, kind)
    assert call(sso_stack, "registry", short_lived).json()["detail"] == "Срок действия токена истёк"


def test_an_unreachable_provider_is_a_russian_503_in_the_console_and_at_the_services(database_url, nats_server,
                                                                                   settings_factory, tmp_path):
    from services.registry.app import create_app as registry_app
    from tests.servers import free_port

    nowhere = f"http://127.0.0.1:{free_port()}"
    console = create_app(Settings(service="console", var_dir=tmp_path / "console", database_url=database_url,
                                  log_json=False, console_secret="console-test-secret-0123456789-abcdefghijklmnop",
                                  oidc_issuer=nowhere, oidc_client_id="console", oidc_client_secret="secret"))
    answer = console.test_client().get("/sign-in/sso")
    assert answer.status_code == 503 and "Поставщик удостоверений сейчас не отвечает" in answer.get_data(as_text=True)
    settings = settings_factory("registry", database_url, nats_server.url, oidc_issuer=nowhere, log_level="CRITICAL")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"sub": "someone", "iss": nowhere, "aud": "mentoring-api", "exp": int(time.time()) + 60},
                       key, algorithm="RS256", headers={"kid": "k1"})
    refused = registry_app(settings).test_client().get("/api/v1/mentors", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 503 and refused.mimetype == PROBLEM_JSON
    assert "Поставщик удостоверений не отвечает" in refused.get_json()["detail"]
