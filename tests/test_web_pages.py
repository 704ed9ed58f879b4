"""The HTML site over a real index: drill-down by links, parity with the API, escaping,
security headers, error pages and the app factory."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from search.settings import Settings
from tests.web_fixtures import (
    HOSTILE_STORY,
    HOSTILE_TITLE,
    JAPAN,
    QUAKE,
    QUAKE_COPY,
    WEB_FIXTURES,
    PageView,
)
from web import create_app

PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(2)>")


def view(client: FlaskClient, url: str, status: int = 200) -> PageView:
    """GET a page and read it."""
    response = client.get(url)
    assert response.status_code == status, response.data[:500]
    return PageView(response.data.decode())


def link(html: str, css_class: str, **data: str) -> str:
    """The href of the first <a> with ``css_class`` and the given data-* attributes."""
    for tag in re.findall(r"<a\b[^>]*>", html):
        if f'class="{css_class}' not in tag and f" {css_class}" not in tag:
            continue
        if all(f'data-{k}="{v}"' in tag for k, v in data.items()):
            return re.search(r'href="([^"]*)"', tag)[1].replace("&amp;", "&")  # type: ignore[index]
    raise AssertionError(f"no link .{css_class} {data}")


def query(url: str) -> dict[str, list[str]]:
    """Query parameters of a URL."""
    return parse_qs(urlsplit(url).query)


# -- the search page ------------------------------------------------------------------------


def test_search_page_basics(client: FlaskClient) -> None:
    html = client.get("/").data.decode()
    page = PageView(html)
    assert page.total == 8 and len(page.hits) == 8
    assert '<a class="skip-link" href="#main">' in html
    assert '<label for="q">' in html and '<label for="sort">' in html
    assert "Search syntax" in html and "actor:" in html
    assert re.search(r'class="took">\(\d+ ms\)', html)
    assert page.bars == {"2023": 1, "2024": 2, "2025": 4}
    assert 'class="undated-count" data-count="1"' in html
    assert page.facets["country"]["IR"] == 4
    assert 'Iran <span class="code">IR</span>' in html  # countries by name and code
    assert page.scripts == 1  # only /static/app.js


def test_drill_down_by_links(client: FlaskClient) -> None:
    """Query, country facet, timeline bar, actor chip: each a link that narrows."""
    html = client.get("/?q=strikes").data.decode()
    start = PageView(html)
    assert start.total == 5

    url = link(html, "facet-value", facet="country", value="IR")
    assert query(url) == {"q": ["strikes"], "country": ["IR"]}
    html = client.get(url).data.decode()
    step = PageView(html)
    assert step.total == 4 and step.chips == [("country", "IR")]

    url = link(html, "bar", key=next(iter(step.bars)))
    assert query(url)["from"] == query(url)["to"]
    html = client.get(url).data.decode()
    step = PageView(html)
    assert step.total >= 1
    assert ("country", "IR") in step.chips and any(f == "date" for f, _ in step.chips)

    url = link(
        client.get("/?q=strikes&country=IR").data.decode(), "chip-actor", value="Vladimir Putin"
    )
    assert query(url) == {"q": ["strikes"], "country": ["IR"], "actor": ["Vladimir Putin"]}
    step = view(client, url)
    assert step.total == 2
    assert step.chips == [("actor", "Vladimir Putin"), ("country", "IR")]

    # A chip's link removes just that filter.
    html = client.get(url).data.decode()
    removed = link(html, "chip chip-selected", facet="actor", value="Vladimir Putin")
    assert query(removed) == {"q": ["strikes"], "country": ["IR"]}


def test_timeline_narrows_year_then_further(client: FlaskClient) -> None:
    html = client.get("/").data.decode()
    year = link(html, "bar", key="2025")
    assert query(year) == {"from": ["2025"], "to": ["2025"]}
    narrowed = client.get(year).data.decode()
    page = PageView(narrowed)
    assert page.total == 4
    assert set(page.bars) and all(key.startswith("2025-") for key in page.bars)
    assert sum(page.bars.values()) == 4
    assert "Zoom out" in narrowed
    assert "undated-count" not in narrowed  # a date filter leaves out undated articles


def test_facet_show_more_and_several_values(client: FlaskClient) -> None:
    html = client.get("/?facet_size=2").data.decode()
    assert len(PageView(html).facets["actor"]) == 2
    more = re.search(r'class="show-more" href="([^"]*)"', html)
    assert more and query(more[1].replace("&amp;", "&"))["facet_size"] == ["4"]
    page = view(client, "/?country=IR&country=IL")
    assert page.total == 2 and page.chips == [("country", "IR"), ("country", "IL")]


def test_facet_finder_page(client: FlaskClient) -> None:
    html = client.get("/facets/country?prefix=ira&q=strikes").data.decode()
    assert PageView(html).facets == {"country": {"IR": 4}}
    assert query(link(html, "facet-value", value="IR")) == {"q": ["strikes"], "country": ["IR"]}
    assert "Iran" in html
    html = client.get("/facets/actor?prefix=don").data.decode()
    assert PageView(html).facets == {"actor": {"Donald Trump": 2}}
    assert client.get("/facets/weapon").status_code == 404


def test_sort_and_pagination(client: FlaskClient) -> None:
    oldest = client.get("/api/search?sort=oldest").get_json()["hits"]
    dated = [h["published"] for h in oldest if h["published"]]
    assert dated == sorted(dated)
    html = client.get("/?per_page=3&sort=oldest").data.decode()
    assert 'aria-label="Pages"' in html
    first = PageView(html)
    second = view(client, "/?per_page=3&sort=oldest&page=2")
    assert len(first.hits) == 3 and len(second.hits) == 3
    assert not set(first.hits) & set(second.hits)
    assert first.hits == [h["id"] for h in oldest[:3]]
    assert 'aria-current="page"' in html
    past = client.get("/?per_page=3&page=9").data.decode()
    assert "No more results" in past


def test_did_you_mean_and_empty_state(client: FlaskClient) -> None:
    html = client.get("/?q=kremlim").data.decode()
    assert 'id="suggestion"' in html and "kremlin" in html
    html = client.get("/?q=zebra+giraffe").data.decode()
    assert PageView(html).total == 0
    assert 'id="empty-state"' in html and "No articles match" in html


def test_html_and_json_agree(client: FlaskClient) -> None:
    """Same parameters, same totals, hits and facet counts."""
    for params in (
        "",
        "q=iran",
        "q=strikes&country=IR",
        "country=Iran&country=IL",
        "actor=Donald+Trump",
        "from=2024&to=2025-06&sort=oldest&per_page=3&page=2",
        "q=zebra",
        "source=reuters&facet_size=3",
    ):
        data = client.get(f"/api/search?{params}").get_json()
        page = view(client, f"/?{params}")
        assert page.total == data["total"], params
        assert page.hits == [h["id"] for h in data["hits"]], params
        for name in ("actor", "country", "source"):
            expected = {v["value"]: v["count"] for v in data["facets"][name]["values"]}
            assert page.facets.get(name, {}) == expected, (params, name)
        buckets = {b["key"]: b["count"] for b in data["facets"]["date"]["buckets"] if b["count"]}
        assert page.bars == buckets, params


# -- the article page ------------------------------------------------------------------------


def test_article_page(client: FlaskClient) -> None:
    hit = client.get("/api/search?q=araghchi").get_json()["hits"][0]
    html = client.get(f"/articles/{hit['id']}").data.decode()
    assert "<h1>Putin meets Iranian foreign minister Abbas Araghchi in Moscow</h1>" in html
    assert re.search(
        r'<mark class="ent ent-person" title="person: Vladimir Putin">[^<]*Putin</mark>', html
    )
    assert 'class="ent ent-country"' in html
    assert 'href="/?actor=Vladimir+Putin"' in html
    assert 'href="/?country=RU"' in html and 'Russia <span class="code">RU</span>' in html
    assert '<time datetime="2025-06-23">2025-06-23</time>' in html
    assert 'href="https://news.example.com/2025/06/23/putin-araghchi"' in html
    similar = re.search(r'<section class="similar".*?</section>', html, re.S)
    assert similar and "/articles/" in similar[0]
    # The title is the heading, not repeated as the first line of the text.
    text = re.search(r'<div class="article-text" id="article-text">(.*?)</div>', html, re.S)
    assert text and not text[1].startswith("Putin meets")


def test_article_dates_link_into_search(client: FlaskClient) -> None:
    hit = client.get("/api/search?q=ceasefire").get_json()["hits"][0]
    doc = client.get(f"/api/articles/{hit['id']}").get_json()
    html = client.get(f"/articles/{hit['id']}").data.decode()
    for day in doc["dates_mentioned"]:
        assert f'href="/?q=mentioned:{day}"' in html or f"mentioned%3A{day}" in html


def test_unknown_article_page(client: FlaskClient) -> None:
    response = client.get("/articles/0123456789abcdef")
    assert response.status_code == 404
    assert b"<h1>Error 404</h1>" in response.data


# -- hostile content and queries -----------------------------------------------------------


def assert_inert(html: str) -> None:
    """No payload appears as markup; only our own script tag is present."""
    for payload in PAYLOADS:
        assert payload not in html
    page = PageView(html)
    assert page.scripts == 1 and page.event_handlers == 0
    assert 'href="javascript:' not in html.lower()


def test_hostile_article_renders_as_text(client: FlaskClient, hostile_id: str) -> None:
    html = client.get(f"/articles/{hostile_id}").data.decode()
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Kremlin report" in html
    for url in ("/", "/?q=kremlin", "/?q=alert", "/?source=%3Cb%3Eevil%3C%2Fb%3E"):
        html = client.get(url).data.decode()
        assert_inert(html)
        assert "&lt;b&gt;evil&lt;/b&gt;" in html
    data = client.get("/api/search?q=kremlin").get_json()
    hostile = next(h for h in data["hits"] if h["id"] == hostile_id)
    assert hostile["title"] == HOSTILE_TITLE  # JSON carries the text, unchanged
    assert "<script" not in hostile["snippet"] and "<img" not in hostile["snippet"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "<script>alert(1)</script>"},
        {"q": '"><img src=x onerror=alert(1)>'},
        {"q": "putin", "actor": "<script>alert(1)</script>"},
        {"q": "putin", "source": "<img src=x onerror=alert(1)>"},
        {"from": "<script>alert(1)</script>"},
        {"prefix": "<script>alert(1)</script>"},
    ],
)
def test_hostile_queries_are_reflected_as_text(client: FlaskClient, params: dict) -> None:
    for url in ("/", "/facets/actor", "/api/search"):
        response = client.get(url, query_string=params)
        assert response.status_code in (200, 400)
        body = response.data.decode()
        if url.startswith("/api"):
            json.loads(body)  # well-formed JSON whatever the input
            assert response.content_type == "application/json"
        else:
            assert_inert(body)


# -- headers, errors, the app factory ------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/api/search", "/nope", "/api/nope", "/static/style.css", "/api/openapi.json"]
)
def test_security_headers_everywhere(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    response.close()  # static files are streamed from an open file
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"]


def test_no_inline_script_or_style(client: FlaskClient, hostile_id: str) -> None:
    for url in ("/", "/?q=iran&country=IR", f"/articles/{hostile_id}", "/facets/actor"):
        html = client.get(url).data.decode()
        assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/static/app.js" defer>']
        assert " style=" not in html and "<style" not in html
        assert PageView(html).event_handlers == 0


def test_body_size_limit(client: FlaskClient) -> None:
    response = client.post("/api/search", data=b"x" * 100_000)
    assert response.status_code == 413
    assert response.get_json()["status"] == 413
    assert client.post("/", data=b"x" * 100_000).status_code == 413


def test_method_not_allowed_page(client: FlaskClient) -> None:
    response = client.post("/")
    assert response.status_code == 405
    assert response.mimetype == "text/html"


def test_unexpected_errors_show_no_traceback(web_settings: Settings) -> None:
    app = create_app({"SETTINGS": web_settings})  # not TESTING: errors are handled

    @app.get("/api/boom")
    def boom() -> str:
        raise RuntimeError("secret detail")

    @app.get("/boom")
    def boom_page() -> str:
        raise RuntimeError("secret detail")

    c = app.test_client()
    api = c.get("/api/boom")
    assert api.status_code == 500
    assert api.get_json() == {
        "ok": False,
        "status": 500,
        "error": "internal error: the problem was logged",
    }
    page = c.get("/boom")
    assert page.status_code == 500
    assert b"secret detail" not in page.data and b"Traceback" not in page.data


def test_missing_index_is_503(tmp_path: Path) -> None:
    app = create_app({"SETTINGS": Settings(index_dir=tmp_path / "none"), "TESTING": True})
    c = app.test_client()
    body = c.get("/api/search?q=iran").get_json()
    assert body["ok"] is False and body["status"] == 503 and "reindex" in body["error"]
    assert c.get("/").status_code == 503


def test_config_order_and_production_defaults(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATELINE_MAX_CONTENT_LENGTH", "1234")
    monkeypatch.setenv("DATELINE_INDEX_DIR", str(tmp_path / "from-env"))
    app = create_app()
    assert app.config["MAX_CONTENT_LENGTH"] == 1234  # environment over defaults
    assert app.extensions["dateline"].settings.index_dir == tmp_path / "from-env"
    assert not app.debug and not app.testing
    assert not app.config.get("SECRET_KEY")
    app = create_app({"MAX_CONTENT_LENGTH": 99})
    assert app.config["MAX_CONTENT_LENGTH"] == 99  # the test dict over the environment


def test_flask_reindex_command(tmp_path: Path) -> None:
    app = create_app({"SETTINGS": Settings(index_dir=tmp_path / "idx"), "TESTING": True})
    result = app.test_cli_runner().invoke(args=["reindex", str(WEB_FIXTURES), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["indexed"] == 8 and report["documents"] == 8
    assert app.test_client().get("/api/health").get_json()["documents"] == 8
    missing = app.test_cli_runner().invoke(args=["reindex", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0 and "no such file" in missing.output


@given(
    q=st.sampled_from(["", "iran", "strikes", "trump OR putin", '"nuclear sites"', "kremlin"]),
    countries=st.lists(st.sampled_from(["IR", "IL", "US", "RU", "DE", "Japan"]), max_size=2),
    actors=st.lists(st.sampled_from(["Donald Trump", "Vladimir Putin"]), max_size=1),
    dates=st.sampled_from([(None, None), ("2025", "2025"), ("2024", None), (None, "2025-06-20")]),
    sort=st.sampled_from([None, "relevance", "newest", "oldest"]),
    per_page=st.sampled_from([None, "1", "3"]),
    page=st.sampled_from([None, "1", "2"]),
)
@settings(max_examples=40, deadline=None, database=None)
def test_html_and_json_agree_on_any_filter_combination(
    web_app,
    q,
    countries,
    actors,
    dates,
    sort,
    per_page,
    page,  # noqa: ANN001
) -> None:
    pairs = [("q", q), *[("country", c) for c in countries], *[("actor", a) for a in actors]]
    for name, value in (("from", dates[0]), ("to", dates[1]), ("sort", sort)):
        if value:
            pairs.append((name, value))
    for name, value in (("per_page", per_page), ("page", page)):
        if value:
            pairs.append((name, value))
    client = web_app.test_client()
    data = client.get("/api/search", query_string=pairs).get_json()
    html = client.get("/", query_string=pairs).get_data(as_text=True)
    seen = PageView(html)
    assert seen.total == data["total"]
    assert seen.hits == [h["id"] for h in data["hits"]]
    for name in ("actor", "country", "source"):
        expected = {v["value"]: v["count"] for v in data["facets"][name]["values"]}
        assert seen.facets.get(name, {}) == expected


def test_export_links_carry_the_search(client: FlaskClient) -> None:
    html = client.get("/?q=strikes&country=IR").data.decode()
    for fmt in ("csv", "ndjson"):
        url = re.search(rf'href="([^"]*)" data-export="{fmt}"', html)[1].replace("&amp;", "&")
        assert urlsplit(url).path == "/api/search"
        assert query(url) == {"q": ["strikes"], "country": ["IR"], "format": [fmt]}
        response = client.get(url)
        lines = response.get_data(as_text=True).splitlines()
        assert len(lines) == 4 + (fmt == "csv")  # CSV has a header row
    json_url = re.search(r'href="([^"]*)" data-export="json"', html)[1].replace("&amp;", "&")
    assert client.get(json_url).get_json()["total"] == 4


# -- copies and stories (issue 13) ------------------------------------------------------------


def test_copies_collapse_with_a_link_to_them(story_client: FlaskClient) -> None:
    html = story_client.get("/?q=earthquake+chile").data.decode()
    page = PageView(html)
    assert page.total == 2 and len(page.hits) == 2
    assert 'data-articles="4"' in html and 'class="article-count">(4 with copies)</span>' in html
    url = link(html, "copies-link", group=QUAKE_COPY, copies="2")
    assert query(url) == {"q": ["earthquake chile"], "copy": [QUAKE_COPY], "group": ["none"]}
    html = story_client.get(url).data.decode()
    copies = PageView(html)
    assert copies.total == 3 and copies.chips == [("copy", QUAKE_COPY)]
    assert "copies-link" not in html  # nothing collapsed when every copy is listed
    # Removing the chip goes back to the collapsed results.
    back = link(html, "chip", facet="copy", value=QUAKE_COPY)
    assert query(back) == {"q": ["earthquake chile"]}


def test_results_link_to_their_story(story_client: FlaskClient) -> None:
    html = story_client.get("/?q=earthquake").data.decode()
    url = link(html, "story-link", story=QUAKE, size="4")
    assert url == f"/stories/{QUAKE}"
    assert "story: 4 articles" in html
    # An article alone in its story gets no story link.
    assert f'data-story="{JAPAN}"' not in html


def test_group_by_story_control(story_client: FlaskClient) -> None:
    html = story_client.get("/?q=earthquake").data.decode()
    assert re.search(r'class="group-choice" data-group="copy"[^>]*aria-current="page"', html)
    url = link(html, "group-choice", group="story")
    assert query(url) == {"q": ["earthquake"], "group": ["story"]}
    html = story_client.get(url).data.decode()
    page = PageView(html)
    assert page.total == 3 and len(page.hits) == 3
    assert "3 stories" in html and "(7 articles)" in html
    span = re.search(rf'<p class="story-span" data-story="{QUAKE}">(.*?)</p>', html, re.S)
    assert span is not None
    text = " ".join(re.sub(r"<[^>]+>", "", span[1]).split())
    assert text == "4 articles · 4 sources · 2025-03-01–2025-03-05"
    # The story's other matches are no copies of this article: they link to the story's
    # articles in this search (Reuters showed "+ 29 copies" of an article with none).
    assert "copies-link" not in html
    url = link(html, "story-matches-link", story=QUAKE, matches="3")
    assert query(url) == {"q": ["earthquake"], "story": [QUAKE], "group": ["none"]}
    assert PageView(story_client.get(url).data.decode()).total == 4
    # The control and the facet count mode keep the rest of the search.
    assert query(link(html, "count-choice", **{"count-mode": "stories"}))["group"] == ["story"]


def test_more_like_this_shows_no_copies(story_client: FlaskClient) -> None:
    """An article's similar articles hold none of its copies (the same text again) and one
    article per copy group (Reuters listed one headline twice under another article)."""
    copies = {QUAKE, "a100000000000002", "a100000000000003"}

    def similar(doc_id: str) -> list[str]:
        html = story_client.get(f"/articles/{doc_id}").data.decode()
        section = html[html.index('<section class="similar"') :]
        return re.findall(r'href="/articles/([0-9a-f]{16})"', section)

    assert not copies & set(similar(QUAKE))
    shown = similar("a100000000000004")
    assert len(copies & set(shown)) == 1 and len(shown) == len(set(shown))


def test_story_page(story_client: FlaskClient) -> None:
    html = story_client.get(f"/stories/{QUAKE}").data.decode()
    assert "<h1>Strong earthquake hits northern Chile</h1>" in html
    assert 'data-size="4"' in html
    assert '<time datetime="2025-03-01">2025-03-01</time> to <time datetime="2025-03-05">' in html
    ids = re.findall(r'<li class="story-article" data-id="([0-9a-f]+)"', html)
    assert len(ids) == 4 and ids[-1] == "a100000000000004"  # oldest first
    page = PageView(html)
    assert sum(page.bars.values()) == 4
    assert "Coverage" in html and page.scripts == 1
    # Values link to the combined search: this story's articles with that value.
    url = link(html, "chip chip-country", facet="country", value="PE")
    expected = {"story": [QUAKE], "group": ["none"], "sort": ["oldest"], "country": ["PE"]}
    assert query(url) == expected
    narrowed = PageView(story_client.get(url).data.decode())
    assert narrowed.total == 1 and narrowed.hits == ["a100000000000004"]
    bar = link(html, "bar", key="2025-03-01")
    assert PageView(story_client.get(bar).data.decode()).total == 2
    assert link(html, "chip chip-actor", value="Gabriel Boric")
    assert link(html, "chip chip-source", value="The Guardian")
    assert f'href="/api/stories/{QUAKE}"' in html


@pytest.mark.parametrize("story_id", ["ffffffffffffffff", "nope", "A" * 300])
def test_unknown_story_page(story_client: FlaskClient, story_id: str) -> None:
    response = story_client.get(f"/stories/{story_id}")
    assert response.status_code == 404
    assert b"<h1>Error 404</h1>" in response.data


def test_hostile_story_renders_as_text(story_client: FlaskClient) -> None:
    for url in (
        f"/stories/{HOSTILE_STORY}",
        "/?q=earthquake",
        "/?q=earthquake&group=story",
        f"/?story={HOSTILE_STORY}&group=none",
        "/?story=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/?copy=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
    ):
        html = story_client.get(url).data.decode()
        assert_inert(html)
        assert " style=" not in html and "<style" not in html
    html = story_client.get(f"/stories/{HOSTILE_STORY}").data.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Kremlin report" in html
    assert "&lt;svg onload=alert(3)&gt;" in html and "&lt;script&gt;alert(2)" in html
