"""Single sign-on in Chromium: the embedded stack's console (gunicorn) signs in through a real OpenID provider.

The provider (the certified `oidc-provider` from npm) knows the console's own address as its client's redirect;
the browser clicks «Войти через …», fills in the provider's login form, accepts its consent form and comes back
signed in, or to the console's refusal page. Every console page is checked with axe-core and kept as a screenshot.
"""

from __future__ import annotations

from tests.conftest import started_oidc_provider
from tests.e2e.pages import assert_accessible
from tests.oidc_provider import PASSWORD
from tests.servers import Stack


def through_the_provider(page, console: str, login: str) -> None:
    page.goto(f"{console}/sign-in")
    page.get_by_role("link", name="Войти через тестового поставщика").click()
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Продолжить").click()
    page.get_by_role("button", name="Продолжить").click()  # the consent form
    page.wait_for_url(f"{console}/**")


def test_a_region_operator_signs_in_through_the_provider_and_a_stranger_is_refused(browser, tmp_path):
    stack = Stack(workdir=tmp_path / "stack")
    provider = started_oidc_provider(tmp_path / "oidc", console_url=stack.url("console"))
    try:
        stack.extra_env = provider.env()
        stack.start()
        try:
            stack.wait_ready()
            console = stack.url("console")
            context = browser.new_context(locale="ru-RU")
            page = context.new_page()
            page.goto(f"{console}/sign-in")
            assert_accessible(page, "sso-sign-in")
            through_the_provider(page, console, "region")
            assert page.url == f"{console}/"
            assert "Региональный оператор" in page.inner_text("header")
            context.close()
            stranger = browser.new_context(locale="ru-RU").new_page()
            through_the_provider(stranger, console, "stranger")
            assert "В консоли нет действующей учётной записи с адресом stranger@sso.test" in stranger.inner_text("main")
            assert_accessible(stranger, "sso-refused")
        finally:
            stack.stop_in_background()
    finally:
        provider.stop()
