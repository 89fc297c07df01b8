"""An administrator starts a run over every region from «Новый подбор» in a real Chromium and watches it: the
parent's page counts the regions' runs as they finish and links each region's run (screenshots kept)."""

from __future__ import annotations

from tests.e2e.pages import assert_accessible
from tests.e2e.test_console_browser import PASSWORD, admin_account  # noqa: F401 - the fixture


def test_an_administrator_starts_a_run_over_every_region_and_sees_each_region_finish(stack, browser,
                                                                                       admin_account):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page.goto(f"{stack.url('console')}/sign-in")
    page.fill("#email", admin_account)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.goto(f"{stack.url('console')}/runs/")
    page.select_option(".run-form select[name=scope]", "all")
    page.check(".run-form input[name=draft]")
    with page.expect_navigation():
        page.click(".run-form button[type=submit]")
    assert "Черновик считается по одной области" in page.inner_text("main")
    assert_accessible(page, "console-runs-all-regions-refused")
    page.select_option(".run-form select[name=scope]", "all")
    page.uncheck(".run-form input[name=draft]")
    with page.expect_navigation():
        page.click(".run-form button[type=submit]")
    page.wait_for_selector("text=регионов готово")
    page.wait_for_selector("text=1 из 1", timeout=90_000)
    page.wait_for_selector(".badge-run-succeeded", timeout=90_000)
    regions = page.locator("[aria-labelledby=regions-title] tbody tr")
    assert page.locator("#regions-title").is_visible() and regions.count() == 1
    assert_accessible(page, "console-run-all-regions")
    with page.expect_navigation():
        page.click("[aria-labelledby=regions-title] tbody tr th a")
    assert "общий подбор по регионам" in page.inner_text(".crumbs")
    assert_accessible(page, "console-run-one-region-of-all")
