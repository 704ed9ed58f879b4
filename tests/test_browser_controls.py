"""Issue 14's controls in a real browser (Debian's Chromium via Playwright, a real server
over tests/fixtures/web): dates, exclusions, the finder, the article's way back and
highlights, the phone's filter toggle (390x844), each also by keyboard alone.
Screenshots go to tests/artifacts/ (gitignored)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests import test_browser as base
from tests.test_browser import ARTIFACTS, params, state

pytestmark = base.pytestmark
# The browser and a fresh page that fails the test on any console error (CSP included).
browser = base.browser
page = base.page
NEWEST = "2025-07-02"  # the newest article of tests/fixtures/web


def _focus_and_press(tab, selector: str, key: str = "Enter") -> None:  # noqa: ANN001
    """Reach ``selector`` with the keyboard's focus, then press ``key`` on it."""
    tab.focus(selector)
    with tab.expect_navigation():
        tab.keyboard.press(key)


def test_date_range_fields_by_keyboard(page) -> None:  # noqa: ANN001
    page.goto("/?q=strikes")
    page.focus("#date-from")
    page.keyboard.type("2025-06")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "date-to"
    page.keyboard.type("2025-06-30")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert params(page.url) == {"q": ["strikes"], "from": ["2025-06"], "to": ["2025-06-30"]}
    s = state(page)
    assert s["total"] == 3 and any(c[0] == "date" for c in s["chips"])
    assert page.input_value("#date-from") == "2025-06"
    # The timeline of one month is by day, every day from the first to the last article.
    keys = page.eval_on_selector_all(
        ".timeline-chart [data-key]", "els => els.map(e => e.dataset.key)"
    )
    assert keys[0] == "2025-06-15" and keys[-1] == "2025-06-23" and len(keys) == 9
    assert page.locator(".timeline-chart rect.bar-empty").count() == 9 - 3


def test_date_preset_counts_back_from_the_newest_article(page) -> None:  # noqa: ANN001
    page.goto("/?q=strikes")
    _focus_and_press(page, "a.date-preset >> text=Last 30 days")
    assert params(page.url) == {"q": ["strikes"], "from": ["2025-06-03"], "to": [NEWEST]}
    assert state(page)["total"] == 4
    assert page.get_attribute("a.date-preset >> text=Last 30 days", "aria-current") == "true"


def test_exclude_a_value_and_remove_the_exclusion_by_keyboard(page) -> None:  # noqa: ANN001
    page.goto("/?q=strikes")
    before = state(page)["total"]
    iran = int(
        page.get_attribute('a.facet-value[data-facet="country"][data-value="IR"]', "data-count")
    )
    _focus_and_press(page, 'a.facet-exclude[data-facet="country"][data-value="IR"]')
    assert params(page.url) == {"q": ["strikes"], "not_country": ["IR"]}
    s = state(page)
    assert s["total"] == before - iran and ["not_country", "IR"] in s["chips"]
    page.screenshot(path=str(ARTIFACTS / "search-excluded.png"), full_page=True)
    _focus_and_press(page, "a.chip-excluded")
    assert params(page.url) == {"q": ["strikes"]}
    assert state(page)["total"] == before


def test_finder_finds_a_surname_within_the_search(page) -> None:  # noqa: ANN001
    page.goto("/?q=iran")
    page.focus("#find-actor")
    page.keyboard.type("putin")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/facets/actor"
    assert page.text_content("#finder-scope").startswith("Counts are within your search")
    value = page.locator('a.facet-value[data-value="Vladimir Putin"]')
    assert value.count() == 1
    with page.expect_navigation():
        value.click()
    assert params(page.url) == {"q": ["iran"], "actor": ["Vladimir Putin"]}


def test_article_highlights_and_way_back(page) -> None:  # noqa: ANN001
    page.goto("/?q=strikes&country=IR")
    search_url = page.url
    _focus_and_press(page, "li.hit h3 a >> nth=0")
    assert urlsplit(page.url).path.startswith("/articles/")
    assert page.locator("#article-text mark.q").count() >= 1
    assert page.locator("#dateline").count() == 1
    page.screenshot(path=str(ARTIFACTS / "article-highlights.png"), full_page=True)
    _focus_and_press(page, "#back-to-search")
    assert params(page.url) == params(search_url)
    assert state(page)["chips"] == [["country", "IR"]]


@pytest.fixture()
def phone(browser, live_url: str):  # noqa: ANN001, ANN201
    """A 390x844 phone page that fails the test on any console error."""
    context = browser.new_context(
        base_url=live_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert errors == []


def _top(tab, selector: str) -> float:  # noqa: ANN001
    box = tab.locator(selector).first.bounding_box()
    assert box is not None, selector
    return float(box["y"])


def test_phone_filters_open_before_the_results(phone) -> None:  # noqa: ANN001
    phone.goto("/?q=strikes")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    toggle = phone.locator("#filters-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    # The toggle is on the first screen, above the first result; the filters are closed.
    assert _top(phone, "#filters-toggle") < _top(phone, "li.hit") < 844
    assert not phone.locator("#filters").is_visible()
    phone.screenshot(path=str(ARTIFACTS / "phone-closed.png"), full_page=True)
    # Keyboard: Tab reaches the toggle before any result; Enter opens the filters above
    # the results and moves the focus into them.
    for _ in range(40):
        phone.keyboard.press("Tab")
        active = phone.evaluate("document.activeElement.id || document.activeElement.className")
        assert "hit" not in active
        if active == "filters-toggle":
            break
    assert phone.evaluate("document.activeElement.id") == "filters-toggle"
    phone.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert phone.locator("#filters").is_visible()
    assert phone.evaluate("document.activeElement.id") == "facets-heading"
    assert _top(phone, "#filters") < _top(phone, "li.hit")
    phone.screenshot(path=str(ARTIFACTS / "phone-open.png"), full_page=True)
    # Tab from the heading goes into the filters (the date fields come first).
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.id") == "date-from"
    # Space on the button closes them again.
    phone.focus("#filters-toggle")
    phone.keyboard.press("Space")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not phone.locator("#filters").is_visible()


def test_phone_exclusion_from_the_opened_filters(phone) -> None:  # noqa: ANN001
    phone.goto("/?q=strikes")
    phone.click("#filters-toggle")
    with phone.expect_navigation():
        phone.click('a.facet-exclude[data-facet="source"] >> nth=0')
    assert any(k == "not_source" for k in params(phone.url))
    # A new page opens with the filters closed and the chip of the exclusion on top.
    assert phone.locator("a.chip-excluded").is_visible()
    assert _top(phone, "a.chip-excluded") < 844
