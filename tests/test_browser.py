"""The site in a real browser (Debian's Chromium via Playwright) on a real server.

Drives the drill-down a reader would do: query, country facet, timeline bar, actor chip,
article page, back. Screenshots go to tests/artifacts/ (gitignored) for reviewers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web_fixtures import QUAKE, QUAKE_COPY

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
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
def page(browser, live_url: str) -> Iterator[object]:  # noqa: ANN001
    """A fresh page; fails the test on any console error (a CSP violation shows up there)."""
    context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert errors == []


def params(url: str) -> dict[str, list[str]]:
    """Query parameters of the page's URL."""
    return parse_qs(urlsplit(url).query)


def state(tab) -> dict:  # noqa: ANN001
    """Count, result ids and selected chips as the reader sees them."""
    return {
        "total": int(tab.get_attribute("#result-count", "data-total")),
        "hits": tab.eval_on_selector_all("li.hit", "els => els.map(e => e.dataset.id)"),
        "chips": tab.eval_on_selector_all(
            "a.chip-selected", "els => els.map(e => [e.dataset.facet, e.dataset.value])"
        ),
    }


def test_drill_down_article_and_back(page) -> None:  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto("/")
    page.screenshot(path=str(ARTIFACTS / "browse.png"), full_page=True)
    # The first Tab reaches the skip link.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"

    page.fill("#q", "strikes")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert params(page.url) == {"q": ["strikes"]}
    s = state(page)
    assert s["total"] == 5 and len(s["hits"]) == 5 and s["chips"] == []

    with page.expect_navigation():
        page.click('a.facet-value[data-facet="country"][data-value="IR"]')
    assert params(page.url) == {"q": ["strikes"], "country": ["IR"]}
    s = state(page)
    assert s["total"] == 4 and len(s["hits"]) == 4 and s["chips"] == [["country", "IR"]]

    # The bar whose bucket holds 2025-06-23, whatever the interval (year, month or day).
    keys = page.eval_on_selector_all(".timeline-chart a.bar", "els => els.map(e => e.dataset.key)")
    key = next(k for k in keys if "2025-06-23".startswith(k))
    with page.expect_navigation():
        page.click(f'.timeline-chart a.bar[data-key="{key}"]')
    assert params(page.url) == {"q": ["strikes"], "country": ["IR"], "from": [key], "to": [key]}
    s = state(page)
    assert 1 <= s["total"] <= 4
    assert ["country", "IR"] in s["chips"] and any(c[0] == "date" for c in s["chips"])

    with page.expect_navigation():
        page.click('li.hit a.chip-actor[data-value="Vladimir Putin"] >> nth=0')
    assert params(page.url)["actor"] == ["Vladimir Putin"]
    s = state(page)
    assert s["total"] >= 1
    assert ["actor", "Vladimir Putin"] in s["chips"] and ["country", "IR"] in s["chips"]
    before = s
    search_url = page.url
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)

    title = page.text_content("li.hit h3 a >> nth=0")
    with page.expect_navigation():
        page.click("li.hit h3 a >> nth=0")
    assert urlsplit(page.url).path.startswith("/articles/")
    assert page.text_content("h1") == title
    assert page.locator("#article-text mark.ent-person").count() >= 1
    assert page.locator(".similar a").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)

    page.go_back()
    assert page.url == search_url
    assert state(page) == before


def test_hostile_article_in_the_browser(page) -> None:  # noqa: ANN001
    """Payloads stay text: no dialog opens, no element is injected."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/?q=kremlin")
    page.click("li.hit h3 a >> text=Kremlin report")
    page.wait_for_load_state()
    assert "<script>alert(1)</script>" in page.text_content("h1")
    assert page.locator("article img, article svg").count() == 0
    page.goto("/?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E")
    assert dialogs == []
    assert page.locator("img").count() == 0


def test_phone_layout_and_facet_finder(browser, live_url: str) -> None:  # noqa: ANN001
    context = browser.new_context(
        base_url=live_url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    tab = context.new_page()
    tab.goto("/?q=iran")
    # Nothing wider than the screen: no horizontal scrolling on a phone.
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    tab.screenshot(path=str(ARTIFACTS / "search-phone.png"), full_page=True)
    # On a phone the filters open above the results (tests/test_browser_controls.py).
    tab.click("#filters-toggle")
    # The finder suggests values as you type (JavaScript enhancement of a plain form).
    tab.fill("#find-country", "isr")
    # (A locator, not wait_for_function: our CSP forbids the eval that would need.)
    tab.locator("#find-country-suggestions option").first.wait_for(state="attached")
    assert tab.get_attribute("#find-country-suggestions option", "value") == "Israel"
    with tab.expect_navigation():
        tab.press("#find-country", "Enter")
    assert urlsplit(tab.url).path == "/facets/country"
    with tab.expect_navigation():
        tab.click('a.facet-value[data-value="IL"]')
    assert params(tab.url) == {"q": ["iran"], "country": ["IL"]}
    context.close()


@pytest.fixture()
def story_tab(browser, story_live_url: str) -> Iterator[object]:  # noqa: ANN001
    """A fresh page on the stories index; fails the test on any console error."""
    context = browser.new_context(base_url=story_live_url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert errors == []


def test_copies_link_and_story_page(story_tab) -> None:  # noqa: ANN001
    """Collapsed copies expand by their link; a result's story link opens the story page."""
    ARTIFACTS.mkdir(exist_ok=True)
    tab = story_tab
    tab.goto("/?q=earthquake+chile")
    assert state(tab)["total"] == 2
    assert tab.text_content("a.copies-link").strip() == "+ 2 copies"
    tab.screenshot(path=str(ARTIFACTS / "search-copies.png"), full_page=True)
    with tab.expect_navigation():
        tab.click("a.copies-link")
    assert params(tab.url) == {
        "q": ["earthquake chile"],
        "copy": [QUAKE_COPY],
        "group": ["none"],
    }
    s = state(tab)
    assert s["total"] == 3 and len(s["hits"]) == 3 and s["chips"] == [["copy", QUAKE_COPY]]

    tab.go_back()
    with tab.expect_navigation():
        tab.click("li.hit a.story-link >> nth=0")
    assert urlsplit(tab.url).path == f"/stories/{QUAKE}"
    assert tab.text_content("h1") == "Strong earthquake hits northern Chile"
    assert tab.locator("li.story-article").count() == 4
    assert tab.locator(".timeline-chart a.bar").count() >= 2
    tab.screenshot(path=str(ARTIFACTS / "story.png"), full_page=True)
    # A source of the story narrows the search to its articles from that source.
    with tab.expect_navigation():
        tab.click('a.chip-source[data-value="BBC"]')
    assert params(tab.url)["story"] == [QUAKE] and params(tab.url)["source"] == ["BBC"]
    assert state(tab)["total"] == 1
