"""The views' pages and JSON over a real Whoosh index (Flask test client): counts equal
the searches their links run, 404/400 in the one error shape, escaping, no 500."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.views_docs import GORBACHEV, HOSTILE, KOHL, REAGAN, views_app  # noqa: F401
from tests.web_fixtures import PageView
from web import create_app


@pytest.fixture()
def vclient(views_app: Flask) -> FlaskClient:  # noqa: F811
    """A test client of the views app."""
    return views_app.test_client()


def get_json(client: FlaskClient, url: str, status: int = 200) -> dict:
    """GET an API URL, check the status, return the body."""
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def search_articles(client: FlaskClient, query: str) -> int:
    """Matching articles of the search at ``/api/search?<query>`` (every copy)."""
    return get_json(client, f"/api/search?{query}&group=none&per_page=1")["total"]


def hrefs(html: str, css_class: str) -> list[str]:
    """The hrefs of every <a> with ``css_class``."""
    out = []
    for tag in re.findall(r"<a\b[^>]*>", html):
        if re.search(rf'class="[^"]*\b{css_class}\b', tag):
            out.append(re.search(r'href="([^"]*)"', tag)[1].replace("&amp;", "&"))
    return out


def test_actor_json_matches_the_contract_and_the_searches(vclient: FlaskClient) -> None:
    body = get_json(vclient, f"/api/actors/{quote(GORBACHEV)}")
    assert body["ok"] is True and body["name"] == GORBACHEV and body["kind"] == "actor"
    assert body["count"] == search_articles(vclient, f"actor={quote(GORBACHEV)}")
    assert "Gorbachev" in body["aliases"]
    assert set(body["timeline"]) >= {"interval", "buckets"}
    assert all(set(b) >= {"key", "count"} for b in body["timeline"]["buckets"])
    for item in body["co_actors"]:
        assert set(item) >= {"value", "count", "lift"}
        q = f"actor={quote(GORBACHEV)}&actor={quote(item['value'])}"
        assert item["count"] == search_articles(vclient, q)
    for item in body["co_countries"]:
        q = f"actor={quote(GORBACHEV)}&country={item['value']}"
        assert item["count"] == search_articles(vclient, q)
    assert body["sources"] and all(set(s) == {"value", "count"} for s in body["sources"])


def test_country_json_for_historical_codes(vclient: FlaskClient) -> None:
    for code in ("SU", "YU", "CS", "DD"):
        body = get_json(vclient, f"/api/countries/{code}")
        assert body["code"] == code and body["kind"] == "country"
        assert body["count"] == search_articles(vclient, f"country={code}")
    assert get_json(vclient, "/api/countries/su")["code"] == "SU"


def test_unknown_subjects_are_404_in_the_error_shape(vclient: FlaskClient) -> None:
    for url in [
        "/api/actors/Nobody",
        "/api/countries/XX",
        "/api/countries/FR",
        "/api/actors/%00",
        f"/api/actors/{'x' * 300}",
    ]:
        body = get_json(vclient, url, 404)
        assert body["ok"] is False and body["status"] == 404 and body["error"]
    assert vclient.get("/actors/Nobody").status_code == 404
    page = vclient.get("/countries/XX")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_network_json_counts_equal_search_totals(vclient: FlaskClient) -> None:
    for query in ["", "q=border", "country=SU", "source=AP&source=UPI", "from=1989"]:
        body = get_json(vclient, f"/api/network?{query}")
        assert body["ok"] is True
        nodes = {n["id"]: n for n in body["nodes"]}
        for node in body["nodes"]:
            assert set(node) >= {"id", "kind", "count"}
            extra = f"{node['kind']}={quote(node['value'])}"
            assert node["count"] == search_articles(vclient, f"{query}&{extra}")
        for edge in body["edges"]:
            a, b = nodes[edge["source"]], nodes[edge["target"]]
            extra = f"{a['kind']}={quote(a['value'])}&{b['kind']}={quote(b['value'])}"
            assert edge["count"] == search_articles(vclient, f"{query}&{extra}") > 0
    assert len(get_json(vclient, "/api/network?nodes=1")["nodes"]) == 2


@pytest.mark.parametrize(
    "query",
    ["nodes=0", "nodes=31", "nodes=x", "q=(((", "per_page=0", "country=XX", "from=1990&to=1980"],
)
def test_bad_network_parameters_are_400(vclient: FlaskClient, query: str) -> None:
    body = get_json(vclient, f"/api/network?{query}", 400)
    assert body["ok"] is False and body["error"]


def test_actor_page_links_to_the_searches_it_counts(vclient: FlaskClient) -> None:
    response = vclient.get(f"/actors/{quote(GORBACHEV)}")
    assert response.status_code == 200
    html = response.data.decode()
    view = PageView(html)
    assert view.scripts == 1 and view.event_handlers == 0  # app.js only
    count = int(re.search(r'class="profile-count"[^>]*data-count="(\d+)"', html)[1])
    assert count == search_articles(vclient, f"actor={quote(GORBACHEV)}")
    # Each co-mention links to the combined search, whose total is the count shown.
    for tag in re.findall(r'<a class="co-value"[^>]*>', html):
        href = re.search(r'href="([^"]*)"', tag)[1].replace("&amp;", "&")
        shown = int(re.search(r'data-count="(\d+)"', tag)[1])
        assert urlsplit(href).path == "/"
        params = parse_qs(urlsplit(href).query)
        assert GORBACHEV in params["actor"]
        assert shown == search_articles(vclient, urlsplit(href).query)
    # Contiguous bars, each linking to the bucket's search; an empty year keeps its slot.
    keys = re.findall(r'data-key="(\d{4})" data-count="(\d+)"', html)
    assert [k for k, _ in keys] == ["1987", "1988", "1989"]
    assert "undated article" in html
    shared = vclient.get(f"/actors/{quote(GORBACHEV)}?share=1").data.decode()
    assert "of all articles" in shared and "% of " in shared
    assert vclient.get(f"/actors/{quote(GORBACHEV)}?share=2").status_code == 400
    body = get_json(vclient, f"/api/actors/{quote(GORBACHEV)}?share=1")
    assert all(b["of_all"] >= b["count"] for b in body["timeline"]["buckets"])


def test_aliases_and_country_names_redirect_to_the_canonical_page(vclient: FlaskClient) -> None:
    response = vclient.get("/actors/Gorbachev")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/actors/Mikhail%20Gorbachev")
    response = vclient.get("/countries/soviet%20union")
    assert response.status_code == 302 and response.headers["Location"].endswith("/countries/SU")


def test_hostile_actor_name_is_text_everywhere(vclient: FlaskClient) -> None:
    for url in [
        f"/actors/{quote(HOSTILE)}",
        f"/api/actors/{quote(HOSTILE)}",
        "/?q=hostile",
        f"/actors/{quote(REAGAN)}",
        f"/compare?actor={quote(HOSTILE)}",
    ]:
        response = vclient.get(url)
        assert response.status_code == 200, url
        text = response.data.decode()
        if response.mimetype == "text/html":  # JSON carries the name as a string
            assert "<script>alert" not in text
            assert PageView(text).event_handlers == 0


def test_search_page_draws_the_network_with_links(vclient: FlaskClient) -> None:
    html = vclient.get("/?q=border").data.decode()
    assert 'class="network-chart"' in html
    nodes = hrefs(html, "node")
    assert nodes and all(urlsplit(h).path == "/" for h in nodes)
    assert any(parse_qs(urlsplit(h).query).get("actor") == [KOHL] for h in nodes)
    # Facet values and article pages link to the profiles.
    assert "/actors/Helmut%20Kohl" in hrefs(html, "profile-link")
    assert "/countries/DD" in hrefs(html, "profile-link")
    article = vclient.get("/articles/d000000000000005").data.decode()
    assert "/countries/DD" in hrefs(article, "profile-link")
    assert "/actors/Helmut%20Kohl" in hrefs(article, "profile-link")
    assert hrefs(html, "compare-link")


def test_compare_page_and_json(vclient: FlaskClient) -> None:
    url = f"/compare?actor={quote(GORBACHEV)}&actor={quote(REAGAN)}&s=" + quote(
        "q=border&source=AP"
    )
    response = vclient.get(url)
    assert response.status_code == 200
    html = response.data.decode()
    assert html.count("<polyline") == 3
    share = hrefs(html, "share-url")[0]
    again = get_json(vclient, "/api/compare?" + urlsplit(share).query)
    direct = get_json(vclient, "/api/compare?" + urlsplit(url).query)
    assert again == direct
    assert direct["interval"] == "year" and direct["keys"] == ["1987", "1988", "1989"]
    for series in direct["series"]:
        assert len(series["counts"]) == len(direct["keys"])
        assert sum(series["counts"]) + series["undated"] == series["total"]
    # Removing a series keeps the others.
    removed = hrefs(html, "remove-series")[0]
    assert len(get_json(vclient, "/api/compare?" + urlsplit(removed).query)["series"]) == 2


@pytest.mark.parametrize(
    "query", ["q=(((", "s=sort%3Dsideways", "country=XX", "&".join(f"q=w{i}" for i in range(7))]
)
def test_bad_comparisons_are_400(vclient: FlaskClient, query: str) -> None:
    assert vclient.get(f"/compare?{query}").status_code == 400
    body = get_json(vclient, f"/api/compare?{query}", 400)
    assert body["ok"] is False


def test_security_headers_on_the_new_pages(vclient: FlaskClient) -> None:
    for url in [f"/actors/{quote(GORBACHEV)}", "/countries/SU", "/compare?q=talks", "/api/network"]:
        response = vclient.get(url)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert 'style="' not in response.data.decode()


@pytest.mark.parametrize("name", ['"', "--", "%2F", ".", "..", " ", "Ü"])
def test_odd_actor_names_are_404_not_500(vclient: FlaskClient, name: str) -> None:
    """Names of punctuation only once crashed the alias lookup (schemathesis found it)."""
    assert vclient.get(f"/api/actors/{quote(name)}").status_code in (404, 308)
    assert vclient.get(f"/actors/{quote(name)}").status_code in (404, 308)


@pytest.mark.parametrize(
    "url",
    [
        "/compare?s=%00",
        "/compare?s=" + "q%3D" + "a" * 3000,
        "/compare?s=%25%25%25&q=%E2%80%AE",
        "/compare?s=story%3D" + "x" * 300,
        "/api/compare?actor=" + "%00" * 5,
        "/actors/%E2%80%AE",
        "/countries/%00",
        "/countries/" + "Z" * 300,
        "/api/network?nodes=1e9",
        "/api/network?q=*",
        "/api/network?q=actor%3A%22%22",
        "/api/network?story=x&copy=y",
        "/api/actors/a?share=yes",
        "/actors/" + quote(GORBACHEV) + "?share=%00",
    ],
)
def test_hostile_view_requests_are_4xx_or_fine(vclient: FlaskClient, url: str) -> None:
    """No input makes a view answer 500; a 4xx says why."""
    response = vclient.get(url)
    assert response.status_code < 500, (url, response.data[:300])
    if response.status_code >= 400 and url.startswith("/api/"):
        assert response.get_json()["error"]


def test_network_page_lists_the_strongest_pairs(vclient: FlaskClient) -> None:
    html = vclient.get("/network?q=talks&nodes=5").data.decode()
    assert 'class="network-chart"' in html
    pairs = re.findall(r'<a class="pair" href="([^"]*)" data-count="(\d+)"', html)
    assert pairs
    counts = [int(c) for _, c in pairs]
    assert counts == sorted(counts, reverse=True)
    for href, count in pairs:
        assert search_articles(vclient, urlsplit(href.replace("&amp;", "&")).query) == int(count)
    assert vclient.get("/network?nodes=0").status_code == 400
    assert "Fewer than two" in vclient.get("/network?q=nothingmatcheshere").data.decode()


def test_search_page_links_to_the_network_when_not_inline(views_app: Flask) -> None:  # noqa: F811
    """``NETWORK_INLINE=0`` (the default on Typesense): a link instead of the graph."""
    app = create_app({"SETTINGS": views_app.config["SETTINGS"], "NETWORK_INLINE": "0"})
    html = app.test_client().get("/?q=talks").data.decode()
    assert 'class="network-chart"' not in html
    assert hrefs(html, "network-page") == ["/network?q=talks"]


def test_story_page_links_to_profiles(vclient: FlaskClient) -> None:
    html = vclient.get("/stories/d000000000000001").data.decode()
    assert "/actors/Mikhail%20Gorbachev" in hrefs(html, "profile-link")
    assert "/countries/SU" in hrefs(html, "profile-link")
