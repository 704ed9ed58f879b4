"""The views in a real browser (Debian's Chromium via Playwright) on a real server:
actor and country pages, the network on the search page and the comparison page, each
driven by keyboard as well as by pointer. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.views_docs import GORBACHEV, KOHL, REAGAN, views_app, views_live_url  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def tab(browser, views_live_url: str) -> Iterator[object]:  # noqa: ANN001, F811
    """A fresh page; fails the test on any console error (a CSP violation shows there)."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(base_url=views_live_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == []


def params(url: str) -> dict[str, list[str]]:
    """Query parameters of a URL."""
    return parse_qs(urlsplit(url).query)


def tab_to(page, selector: str, limit: int = 200) -> None:  # noqa: ANN001
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def total(page) -> int:  # noqa: ANN001
    """The search page's matching articles (every copy counted)."""
    return int(page.get_attribute("#result-count", "data-articles"))


def test_actor_page_by_keyboard(tab) -> None:  # noqa: ANN001
    tab.goto(f"/actors/{quote(GORBACHEV)}")
    assert tab.text_content("h1").startswith(GORBACHEV)
    count = int(tab.get_attribute(".profile-count", "data-count"))
    assert tab.locator(".coverage-chart a.bar").count() == 2  # 1987, 1989 (1988 empty)
    assert tab.locator(".coverage-chart .bar-empty").count() == 1
    tab.screenshot(path=str(ARTIFACTS / "actor.png"), full_page=True)
    # Keyboard: Tab to the first co-mentioned actor, Enter opens the combined search.
    shown = int(tab.get_attribute("a.co-value[data-kind=actor] >> nth=0", "data-count"))
    other = tab.get_attribute("a.co-value[data-kind=actor] >> nth=0", "data-value")
    tab_to(tab, "a.co-value")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert params(tab.url)["actor"] == [GORBACHEV, other]
    assert total(tab) == shown
    tab.go_back()
    # A coverage bar by keyboard: its search holds the bar's articles.
    tab_to(tab, ".coverage-chart a.bar")
    key = tab.evaluate("document.activeElement.dataset.key")
    bar = int(tab.evaluate("document.activeElement.dataset.count"))
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert params(tab.url) == {"actor": [GORBACHEV], "from": [key], "to": [key]}
    assert total(tab) == bar
    tab.goto("/?actor=" + quote(GORBACHEV))
    assert total(tab) == count


def test_country_page_of_a_historical_code(tab) -> None:  # noqa: ANN001
    tab.goto("/countries/DD")
    assert "East Germany" in tab.text_content("h1")
    assert tab.locator(".coverage-chart a.bar").count() == 2  # two days, by day
    tab.screenshot(path=str(ARTIFACTS / "country.png"), full_page=True)
    with tab.expect_navigation():
        tab.click(f'a.co-value[data-value="{KOHL}"]')
    assert params(tab.url) == {"country": ["DD"], "actor": [KOHL]}
    tab.go_back()
    # Keyboard: the first day's bar opens that day's articles naming East Germany.
    tab_to(tab, ".coverage-chart a.bar")
    key = tab.evaluate("document.activeElement.dataset.key")
    bar = int(tab.evaluate("document.activeElement.dataset.count"))
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert params(tab.url) == {"country": ["DD"], "from": [key], "to": [key]}
    assert total(tab) == bar
    # From a search's facet to a country's page and back to the search by keyboard.
    tab.goto("/?q=talks")
    with tab.expect_navigation():
        tab.click('a.profile-link[href="/countries/SU"]')
    assert urlsplit(tab.url).path == "/countries/SU"


def test_network_on_the_search_page(tab) -> None:  # noqa: ANN001
    tab.goto("/?q=talks")
    nodes = tab.locator(".network-chart a.node")
    assert nodes.count() >= 4
    assert tab.locator(".network-chart a.edge").count() >= 1
    tab.locator(".network").screenshot(path=str(ARTIFACTS / "network.png"))
    # Keyboard: Tab into the graph; Enter on a node narrows the search to it.
    tab_to(tab, ".network-chart a.node")
    node = tab.evaluate("document.activeElement.dataset.id")
    count = int(tab.evaluate("document.activeElement.dataset.count"))
    kind, value = node.split(":", 1)
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert params(tab.url) == {"q": ["talks"], kind: [value]}
    assert total(tab) == count


def test_compare_page_adds_series_by_keyboard(tab) -> None:  # noqa: ANN001
    tab.goto(f"/compare?actor={quote(GORBACHEV)}&actor={quote(REAGAN)}")
    assert tab.locator(".compare-chart polyline").count() == 2
    tab.focus("#compare-q")
    tab.keyboard.type("border")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    assert tab.locator(".compare-chart polyline").count() == 3
    assert tab.locator(".compare-legend li").count() == 3
    tab.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)
    # The link to this comparison draws the same lines.
    points = tab.eval_on_selector_all(
        ".compare-chart polyline", "els => els.map(e => e.getAttribute('points'))"
    )
    with tab.expect_navigation():
        tab.click("a.share-url")
    again = tab.eval_on_selector_all(
        ".compare-chart polyline", "els => els.map(e => e.getAttribute('points'))"
    )
    assert again == points


def test_views_fit_a_phone(browser, views_live_url: str) -> None:  # noqa: ANN001, F811
    """No page of the views scrolls sideways on a 390-pixel screen."""
    context = browser.new_context(
        base_url=views_live_url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    for url in (
        f"/actors/{quote(GORBACHEV)}",
        "/countries/SU",
        "/?q=talks",
        f"/compare?actor={quote(GORBACHEV)}&q=border",
    ):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    page.goto(f"/actors/{quote(GORBACHEV)}")
    page.screenshot(path=str(ARTIFACTS / "actor-phone.png"), full_page=True)
    context.close()


def test_network_page_pairs_by_keyboard(tab) -> None:  # noqa: ANN001
    tab.goto("/network?q=talks")
    assert tab.locator(".network-chart a.node").count() >= 4
    tab.screenshot(path=str(ARTIFACTS / "network-page.png"), full_page=True)
    tab_to(tab, "a.pair")
    count = int(tab.evaluate("document.activeElement.dataset.count"))
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    chosen = params(tab.url)
    named = chosen.get("actor", []) + chosen.get("country", [])
    assert chosen["q"] == ["talks"] and len(named) == 2
    assert total(tab) == count
