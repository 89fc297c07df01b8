"""The docs' page of the AsyncAPI document in Chromium: every channel on it, readable on a phone, axe-core clean."""

from __future__ import annotations

import pytest

from ops.asyncapi_page import PAGE_PATH
from shared.event_catalog import CATALOG, INTERNAL_TYPES
from tests.e2e.pages import assert_accessible


@pytest.mark.parametrize(("width", "name"), [(1280, "asyncapi-page"), (390, "asyncapi-page-phone")])
def test_the_catalog_page_shows_every_channel_and_passes_axe(browser, width, name):
    page = browser.new_page(viewport={"width": width, "height": 900}, locale="ru-RU")
    page.goto(PAGE_PATH.as_uri())
    assert page.locator("h1").inner_text() == "События наставничества"
    addresses = set(page.locator("#channels + p + div td code").all_inner_texts())
    assert addresses == set(CATALOG) - INTERNAL_TYPES
    assert page.locator(".personal").count() >= 4
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    assert_accessible(page, name)
