"""The console in a real headless Chromium: sign-in, the pages of an operator, and no sideways scrolling at
640 CSS pixels (a 1280-pixel window at 200 % zoom); screenshots are kept in test-artifacts/."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.pages import assert_accessible
from tests.integration.console_helpers import registry, seed_demo_region

PASSWORD = "Браузерный-пароль-1"
PAGES = ("/", "/bank/", "/mentees/", "/upload/", "/users/", "/pairs/", "/runs/", "/indicators/",
         "/indicators/assessment", "/monitoring/", "/order-templates/")


@pytest.fixture
def admin_account(stack):
    seed_demo_region(stack)
    created = subprocess.run([sys.executable, "-m", "ops.cli", "user", "add", "--email", "admin@browser.test",
                              "--role", "admin", "--name", "Проверяющий Администратор", "--password", PASSWORD],
                             env=stack.env, capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    return "admin@browser.test"


def test_an_admin_signs_in_and_every_page_reflows_without_sideways_scrolling(stack, browser, admin_account):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{stack.url('console')}/bank/")
    assert page.url.startswith(f"{stack.url('console')}/sign-in")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Перейти к содержанию"
    page.fill("#email", admin_account)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url == f"{stack.url('console')}/bank/"
    assert page.locator("#results tbody tr").count() == 25
    page.set_viewport_size({"width": 640, "height": 900})
    for path in PAGES:
        page.goto(f"{stack.url('console')}{path}")
        assert page.locator("h1").first.is_visible(), path
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 640px"
        assert_accessible(page, f"console{path.replace('/', '-').rstrip('-') or '-home'}")
    with registry(stack) as api:
        mentee = api.get("/api/v1/mentees", params={"limit": 1}).json()["items"][0]
    page.goto(f"{stack.url('console')}/mentees/{mentee['id']}/erase")
    assert_accessible(page, "console-mentees-erase")
    page.click("text=Да, удалить персональные данные")  # no reason given: refused beside the field
    assert page.locator("#reason-error").inner_text().startswith("Укажите основание")
    assert_accessible(page, "console-mentees-erase-refused")
    page.goto(f"{stack.url('console')}/bank/")
    page.click("text=Следующая страница")  # htmx swaps the list and pushes the address
    page.wait_for_url("**cursor=**")
    assert "cursor=" in page.url and page.locator(".page-number").inner_text() == "Страница 2"
