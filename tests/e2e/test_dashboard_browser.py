"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright); a screenshot is kept."""

from __future__ import annotations

import httpx

from shared.auth import issue_token
from shared.config import Settings
from tests.e2e.pages import ARTIFACTS, assert_accessible
from tests.e2e.test_matching_flow import wait_for
from tests.e2e.test_pair_workflow import import_samples, run_region


def test_the_dashboard_shows_indicators_against_targets_and_three_charts(stack, browser):
    headers = {"Authorization": f"Bearer {issue_token(Settings(), 'admin')}"}
    registry = httpx.Client(base_url=stack.url("registry"), headers=headers, timeout=60)
    matching = httpx.Client(base_url=stack.url("matching"), headers=headers, timeout=60)
    mentees = import_samples(registry, matching)
    region = mentees[0]["region_id"]
    run_region(matching, region)
    reports = httpx.Client(base_url=stack.url("reports"), headers=headers, timeout=60)
    wait_for(lambda: reports.get("/api/v1/indicators", params={"scope": f"region:{region}"}).json()
             ["freshness"]["events_applied"] > 200)
    page = browser.new_page(viewport={"width": 1280, "height": 1400}, locale="ru-RU")
    page.goto(f"{stack.url('reports')}/dashboard?scope=region:{region}")
    assert page.title() == "Показатели целевой модели наставничества"
    rows = page.locator("#indicators tbody tr")
    assert rows.count() == 19  # seed 000's 13, then coverage, effective pairs, retention, load, demand, days
    table = page.locator("#indicators").inner_text()
    assert "Охват" in table and "Первый год реализации ЦМН" in table and "Регион default" not in page.content()
    for chart in ("#coverage-chart", "#load-chart", "#demand-chart"):
        assert page.locator(chart).is_visible()
    assert page.locator("#load-chart rect").count() > 0 and page.locator("#demand-chart rect").count() > 0
    assert_accessible(page, "dashboard")
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
    with page.expect_navigation():
        page.select_option("select[name=scope]", index=1)
    assert "scope=municipality" in page.url and page.locator("#indicators tbody tr").count() == 19
