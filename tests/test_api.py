"""The JSON API over real Whoosh indexes: the contract, errors, paging, export, facets."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask.testing import FlaskClient

from search.params import SEARCH_PARAMS
from tests.web_fixtures import (
    HOSTILE_STORY,
    HOSTILE_TITLE,
    JAPAN,
    QUAKE,
    QUAKE_COPY,
    QUAKE_FOLLOW,
)
from web.api import csv_cell

SEED_COUNTRIES = {"RU", "IR", "US", "IL", "SY"}
SEED_ACTORS = {"Vladimir Putin", "Abbas Araghchi", "Dmitry Peskov", "Donald Trump"}


def assert_error(response, status: int) -> dict:  # noqa: ANN001
    """The one error shape, with a message and no traceback."""
    assert response.status_code == status
    assert response.content_type == "application/json"
    body = response.get_json()
    assert set(body) == {"ok", "status", "error"}
    assert body["ok"] is False and body["status"] == status
    assert body["error"] and "Traceback" not in body["error"]
    return body


# -- issue 2 acceptance on seeds/ --------------------------------------------------------


def test_seed_strikes_in_syria_finds_the_article(seed_client: FlaskClient) -> None:
    body = seed_client.get("/api/search?q=strikes&country=SY").get_json()
    assert body["ok"] is True
    assert body["total"] == 1
    (hit,) = body["hits"]
    assert "Vladimir Putin" in hit["title"]
    assert "<mark>strikes</mark>" in hit["snippet"]
    assert body["query"]["country"] == ["SY"]
    facets = body["facets"]
    countries = {v["value"]: v["count"] for v in facets["country"]["values"]}
    assert countries == dict.fromkeys(SEED_COUNTRIES, 1)
    labels = {v["value"]: v["label"] for v in facets["country"]["values"]}
    assert labels["RU"] == "Russia" and labels["SY"] == "Syria"
    actors = {v["value"]: v["count"] for v in facets["actor"]["values"]}
    assert SEED_ACTORS <= set(actors)
    assert {actors[a] for a in SEED_ACTORS} == {1}
    assert "Putin" not in actors and "Russia Keeps Its Distance" not in actors


def test_seed_strikes_in_france_finds_nothing(seed_client: FlaskClient) -> None:
    body = seed_client.get("/api/search?q=strikes&country=FR").get_json()
    assert body["total"] == 0
    assert body["hits"] == []
    assert body["next"] is None


@pytest.mark.parametrize(
    "query",
    [
        "q=strikes&page=0",
        "q=strikes&per_page=1000",
        "q=strikes&from=notadate",
        "q=%22unclosed+quote",
        "q=AND",
        "q=putin+AND",
        "country=Atlantis",
        "sort=sideways",
        "page=abc",
        "from=2025-02-30",
        "from=2025&to=2024",
        "q=a&q=b",
        "format=xml",
        "q=nosuchfield:value",
        "q=*ing",
    ],
)
def test_bad_parameters_are_400_with_a_message(seed_client: FlaskClient, query: str) -> None:
    assert_error(seed_client.get(f"/api/search?{query}"), 400)
    # The search page takes the same parameters and refuses them the same way.
    page = seed_client.get(f"/?{query}")
    if "format=" not in query:
        assert page.status_code == 400
        assert b'id="search-error"' in page.data


def test_article_json(seed_client: FlaskClient) -> None:
    (hit,) = seed_client.get("/api/search?q=putin").get_json()["hits"]
    response = seed_client.get(f"/api/articles/{hit['id']}")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["ok"] is True and doc["id"] == hit["id"]
    assert {c["code"] for c in doc["countries"]} == SEED_COUNTRIES
    assert SEED_ACTORS <= {a["name"] for a in doc["actors"]}
    assert "Leave a Reply" not in doc["body"]
    text = (
        doc["title"] + "\n\n" + doc["body"]
        if not doc["body"].startswith(doc["title"])
        else doc["body"]
    )
    for m in doc["mentions"]:
        assert 0 <= m["start"] < m["end"] <= len(text)


@pytest.mark.parametrize(
    "doc_id",
    ["0123456789abcdef", "nope", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "A" * 500, "0123456789ABCDEF"],
)
def test_unknown_article_is_404(seed_client: FlaskClient, doc_id: str) -> None:
    response = seed_client.get(f"/api/articles/{doc_id}")
    assert response.status_code == 404
    assert response.get_json()["ok"] is False


# -- the contract on the fixture index ----------------------------------------------------


def test_search_json_shape(client: FlaskClient) -> None:
    body = client.get("/api/search?q=iran&per_page=2").get_json()
    assert list(body) == [
        "ok",
        "total",
        "articles",
        "page",
        "per_page",
        "took_ms",
        "query",
        "hits",
        "facets",
        "suggestion",
        "next",
    ]
    assert body["query"] == {
        "q": "iran",
        "actor": [],
        "country": [],
        "source": [],
        "not_actor": [],
        "not_country": [],
        "not_source": [],
        "from": None,
        "to": None,
        "sort": "relevance",
        "story": [],
        "copy": [],
        "group": "copy",
        "count": "articles",
    }
    assert len(body["hits"]) == 2
    assert set(body["hits"][0]) == {
        "id",
        "title",
        "url",
        "source",
        "published",
        "snippet",
        "actors",
        "countries",
        "score",
        "story",
        "copy_group",
        "copies",
    }
    # No article of the fixture index has a copy or a story of more than itself.
    assert body["articles"] == body["total"]
    for hit in body["hits"]:
        assert hit["story"] == {"id": hit["id"], "size": 1}
        assert hit["copy_group"] == hit["id"] and hit["copies"] == 0
    assert set(body["facets"]) == {"actor", "country", "source", "date"}


def test_country_by_name_and_code_agree(client: FlaskClient) -> None:
    by_code = client.get("/api/search?country=IR").get_json()
    by_name = client.get("/api/search?country=Iran").get_json()
    assert by_code["total"] == by_name["total"] == 4
    assert by_name["query"]["country"] == ["IR"]


def test_repeated_values_of_one_facet_narrow(client: FlaskClient) -> None:
    one = client.get("/api/search?country=IR").get_json()["total"]
    both = client.get("/api/search?country=IR&country=IL").get_json()
    assert both["total"] == 2 < one
    for hit in both["hits"]:
        assert {"IR", "IL"} <= {c["code"] for c in hit["countries"]}
    selected = [v["value"] for v in both["facets"]["country"]["values"] if v["selected"]]
    assert sorted(selected) == ["IL", "IR"]


def test_next_links_walk_every_match_once(client: FlaskClient) -> None:
    first = client.get("/api/search?q=iran&per_page=2").get_json()
    seen: list[str] = []
    body = first
    while True:
        seen += [h["id"] for h in body["hits"]]
        if body["next"] is None:
            break
        assert body["next"].startswith("/api/search?")
        body = client.get(body["next"]).get_json()
        assert body["query"] == first["query"]
    assert len(seen) == len(set(seen)) == first["total"] > 2


def test_ndjson_export_streams_every_match(client: FlaskClient) -> None:
    total = client.get("/api/search").get_json()["total"]
    response = client.get("/api/search?format=ndjson&per_page=1")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["X-Total-Count"] == str(total)
    assert response.is_streamed
    lines = [json.loads(line) for line in response.data.decode().splitlines()]
    assert len(lines) == total == 8
    assert {line["title"] for line in lines} >= {HOSTILE_TITLE}


def test_csv_export(client: FlaskClient) -> None:
    response = client.get("/api/search?format=csv&country=IR")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    assert len(rows) == 4
    assert all("IR" in row["countries"].split("; ") for row in rows)
    assert HOSTILE_TITLE in {row["title"] for row in rows}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("ok", "ok")],
)
def test_csv_cells_cannot_be_formulas(value: str, expected: str) -> None:
    assert csv_cell(value) == expected


def test_export_refuses_bad_queries_before_streaming(client: FlaskClient) -> None:
    assert_error(client.get("/api/search?format=csv&q=%22open"), 400)


def test_facet_values_by_prefix(client: FlaskClient) -> None:
    body = client.get("/api/facets/actor?prefix=Vlad").get_json()
    assert body == {
        "ok": True,
        "facet": "actor",
        "prefix": "Vlad",
        "offset": 0,
        "values": [{"value": "Vladimir Putin", "count": 2}],
        "more": False,
        "next": None,
    }
    countries = client.get("/api/facets/country?prefix=isr").get_json()["values"]
    assert countries == [{"value": "IL", "count": 2, "label": "Israel"}]
    codes = client.get("/api/facets/country?prefix=J").get_json()["values"]
    assert codes == [{"value": "JP", "count": 2, "label": "Japan"}]
    assert_error(client.get("/api/facets/weapon"), 400)
    assert_error(client.get("/api/facets/actor?limit=0"), 400)
    assert_error(client.get("/api/facets/actor?limit=x"), 400)


def test_health(client: FlaskClient) -> None:
    assert client.get("/api/health").get_json() == {
        "ok": True,
        "backend": "whoosh",
        "documents": 8,
    }


def test_openapi_lists_every_api_route(web_app, client: FlaskClient) -> None:  # noqa: ANN001
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    routes = {
        rule.rule.replace("<doc_id>", "{id}")
        .replace("<story_id>", "{id}")
        .replace("<name>", "{name}")
        .replace("<path:name>", "{name}")
        .replace("<code>", "{code}")
        for rule in web_app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert set(doc["paths"]) == routes
    names = {p["name"] for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    assert names == {*SEARCH_PARAMS, "format", "fields"}


def test_unknown_api_path_and_method(client: FlaskClient) -> None:
    assert_error(client.get("/api/nothing-here"), 404)
    response = client.post("/api/search")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


# -- copies and stories (issue 13), over an index with both set ------------------------------


def test_copies_collapse_by_default(story_client: FlaskClient) -> None:
    body = story_client.get("/api/search?q=earthquake+chile").get_json()
    assert body["query"]["group"] == "copy"
    # Three copies of the AP story and one follow-up: two rows, four articles.
    assert body["total"] == 2 and body["articles"] == 4
    rows = {h["copy_group"]: h for h in body["hits"]}
    assert rows[QUAKE_COPY]["copies"] == 2
    assert rows[QUAKE_FOLLOW]["copies"] == 0
    for hit in body["hits"]:
        assert hit["story"] == {"id": QUAKE, "size": 4}


def test_copy_filter_lists_the_copies(story_client: FlaskClient) -> None:
    body = story_client.get(f"/api/search?copy={QUAKE_COPY}&group=none").get_json()
    assert body["query"]["copy"] == [QUAKE_COPY] and body["query"]["group"] == "none"
    assert body["total"] == body["articles"] == 3
    assert {h["source"] for h in body["hits"]} == {"AP", "Reuters", "The Guardian"}
    assert all(h["copies"] == 0 for h in body["hits"])


def test_group_none_lists_every_article(story_client: FlaskClient) -> None:
    body = story_client.get("/api/search?q=earthquake&group=none&per_page=100").get_json()
    assert body["total"] == body["articles"] == len(body["hits"]) == 7
    sizes = {h["id"]: h["story"]["size"] for h in body["hits"]}
    assert sizes[JAPAN] == 1 and sizes[QUAKE_FOLLOW] == 4 and sizes[HOSTILE_STORY] == 2


def test_group_story_gives_one_row_per_story(story_client: FlaskClient) -> None:
    body = story_client.get("/api/search?q=earthquake&group=story").get_json()
    assert body["total"] == 3 and body["articles"] == 7
    stories = {h["story"]["id"]: h["story"] for h in body["hits"]}
    assert stories[QUAKE] == {
        "id": QUAKE,
        "size": 4,
        "first": "2025-03-01",
        "last": "2025-03-05",
        "sources": 4,
    }
    assert stories[JAPAN]["size"] == 1


def test_story_filter_and_count_are_echoed(story_client: FlaskClient) -> None:
    body = story_client.get(f"/api/search?story={QUAKE}&group=none&count=stories").get_json()
    assert body["query"]["story"] == [QUAKE] and body["query"]["count"] == "stories"
    assert body["total"] == 4
    assert all(h["story"]["id"] == QUAKE for h in body["hits"])


@pytest.mark.parametrize("query", ["group=thread", "count=words", "group=copy&group=story"])
def test_bad_grouping_parameters_are_400(story_client: FlaskClient, query: str) -> None:
    assert_error(story_client.get(f"/api/search?{query}"), 400)
    assert_error(story_client.get(f"/api/stories?{query}"), 400)


def test_exports_carry_story_and_copies(story_client: FlaskClient) -> None:
    lines = story_client.get("/api/search?q=chile&format=ndjson").data.decode().splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 2  # collapsed, like the JSON page
    assert {r["copies"] for r in rows} == {0, 2}
    assert all(r["story"] == {"id": QUAKE, "size": 4} for r in rows)
    text = story_client.get("/api/search?q=chile&format=csv&group=none").data.decode()
    table = list(csv.DictReader(io.StringIO(text)))
    assert len(table) == 4
    assert {r["story"] for r in table} == {QUAKE} and {r["story_size"] for r in table} == {"4"}
    assert sorted(r["copy_group"] for r in table).count(QUAKE_COPY) == 3


def test_story_json(story_client: FlaskClient) -> None:
    body = story_client.get(f"/api/stories/{QUAKE}").get_json()
    assert body["ok"] is True and body["id"] == QUAKE
    assert body["title"] == "Strong earthquake hits northern Chile"
    assert body["size"] == 4 and body["first"] == "2025-03-01" and body["last"] == "2025-03-05"
    assert [a["published"] for a in body["articles"]] == sorted(
        a["published"] for a in body["articles"]
    )
    assert len(body["articles"]) == 4
    assert {s["value"] for s in body["sources"]} == {"AP", "Reuters", "The Guardian", "BBC"}
    assert body["actors"] == [{"value": "Gabriel Boric", "count": 4}]
    assert body["countries"][0] == {"value": "CL", "count": 4, "label": "Chile"}
    assert {"value": "PE", "count": 1, "label": "Peru"} in body["countries"]
    assert body["coverage"]["interval"] == "day"
    assert sum(b["count"] for b in body["coverage"]["buckets"]) == 4
    assert body["coverage"]["undated"] == 0


@pytest.mark.parametrize("story_id", ["ffffffffffffffff", "nope", "%2e%2e", "A" * 500])
def test_unknown_story_is_404(story_client: FlaskClient, story_id: str) -> None:
    assert_error(story_client.get(f"/api/stories/{story_id}"), 404)


def test_stories_of_a_search(story_client: FlaskClient) -> None:
    body = story_client.get("/api/stories?q=earthquake&per_page=2").get_json()
    assert body["query"]["group"] == "story"
    assert body["total"] == 3 and len(body["hits"]) == 2
    assert body["next"] is not None and body["next"].startswith("/api/stories?")
    rest = story_client.get(body["next"]).get_json()
    assert rest["next"] is None and len(rest["hits"]) == 1
    ids = {h["story"]["id"] for h in body["hits"] + rest["hits"]}
    assert ids == {QUAKE, JAPAN, HOSTILE_STORY}
