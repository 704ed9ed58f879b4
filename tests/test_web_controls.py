"""Issue 14's controls through the front doors (Flask test client over a real Whoosh index
of tests/fixtures/web, 8 articles, one undated): exclusions, dates, unknown parameters,
the finder within a search and its paging, exports with text, timeline and facet CSV,
the article page's way back and highlights, and the CLI's exclusion options."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.models import MarkedSpan
from search.query import parse_query
from search.settings import Settings
from tests.web_fixtures import PageView
from web.cli import main
from web.highlight import article_html, fold, query_matcher, subheadings

NEWEST = date(2025, 7, 2)  # the newest article of tests/fixtures/web


def query(url: str) -> dict[str, list[str]]:
    """Query parameters of a URL."""
    return parse_qs(urlsplit(url.replace("&amp;", "&")).query)


def hrefs(html: str, css_class: str) -> list[str]:
    """The hrefs of every <a> with ``css_class``, in page order."""
    out = []
    for tag in re.findall(r"<a\b[^>]*>", html):
        if re.search(rf'class="[^"]*\b{css_class}\b', tag):
            out.append(re.search(r'href="([^"]*)"', tag)[1].replace("&amp;", "&"))  # type: ignore[index]
    return out


def api(client: FlaskClient, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    body: dict = response.get_json()
    return body


# -- exclusions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facet", "value"), [("country", "IR"), ("actor", "Donald Trump"), ("source", "apnews")]
)
def test_value_and_its_exclusion_add_up_to_the_result(
    client: FlaskClient, facet: str, value: str
) -> None:
    everything = api(client, "/api/search?per_page=100&group=none")
    with_it = api(client, f"/api/search?per_page=100&group=none&{facet}={value}")
    without = api(client, f"/api/search?per_page=100&group=none&not_{facet}={value}")
    assert with_it["total"] + without["total"] == everything["total"]
    ids = {h["id"] for h in with_it["hits"]} | {h["id"] for h in without["hits"]}
    assert ids == {h["id"] for h in everything["hits"]}
    assert without["query"][f"not_{facet}"] == [value]


def test_exclude_link_chip_and_removal_on_the_page(client: FlaskClient) -> None:
    html = client.get("/?q=strikes").data.decode()
    total = PageView(html).total
    iran = PageView(html).facets["country"]["IR"]
    (exclude,) = [h for h in hrefs(html, "facet-exclude") if "not_country=IR" in h]
    assert query(exclude) == {"q": ["strikes"], "not_country": ["IR"]}
    after = client.get(exclude).data.decode()
    page = PageView(after)
    assert page.total == total - iran
    assert ("not_country", "IR") in page.chips
    assert "IR" not in page.facets.get("country", {})
    (chip,) = [h for h in hrefs(after, "chip-excluded")]
    assert query(chip) == {"q": ["strikes"]}
    # The exclusion rides along in every other link: a new filter keeps it.
    keep = [h for h in hrefs(after, "facet-value") if "country=" in h][0]
    assert query(keep)["not_country"] == ["IR"]


def test_excluding_a_selected_value_swaps_it(client: FlaskClient) -> None:
    """Including and excluding one value at once is refused; the page's links never ask."""
    assert api(client, "/api/search?country=IR&not_country=Iran", 400)["error"].startswith(
        "country and not_country"
    )


def test_cli_not_options(web_settings: Settings) -> None:
    runner = CliRunner()
    args = ["--index", str(web_settings.index_dir), "search", "--json"]
    every = json.loads(runner.invoke(main, args).output)
    left = json.loads(runner.invoke(main, [*args, "--not-country", "IR"]).output)
    only = json.loads(runner.invoke(main, [*args, "--country", "IR"]).output)
    assert left["query"]["not_country"] == ["IR"]
    assert left["articles"] + only["articles"] == every["articles"]


# -- unknown parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/search?q=oil&contry=IR",
        "/api/stories?sortt=newest",
        "/api/facets/actor?prefix=a&foo=1",
        "/api/timeline?bar=2",
        "/api/search?format=csv&nope=1",
    ],
)
def test_unknown_api_parameters_are_400_naming_them(client: FlaskClient, url: str) -> None:
    body = api(client, url, 400)
    name = url.rsplit("&", 1)[-1].split("?")[-1].split("=")[0]
    assert f"'{name}'" in body["error"]


@pytest.mark.parametrize(
    "url",
    [
        "/?q=oil&contry=IR",
        "/facets/actor?foo=1",
        "/facets/actor?offset=%C2%B2",  # a digit to str.isdigit, not to int
        "/facets/actor?offset=-1",
    ],
)
def test_unknown_page_parameters_are_400_naming_them(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "unknown parameter" in response.data.decode() or "offset" in response.data.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/api/search?q=iran&story=x&copy=y&group=none&count=stories&page=2&per_page=5"
        "&facet_size=3&sort=oldest&from=2024&to=2025&not_source=bbc",
        "/api/search?format=csv&fields=snippet",
    ],
)
def test_every_known_parameter_still_works(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 200


# -- dates -----------------------------------------------------------------------------


def test_date_form_and_presets_count_back_from_the_newest_article(client: FlaskClient) -> None:
    html = client.get("/?q=strikes").data.decode()
    assert 'id="date-from"' in html and 'id="date-to"' in html
    presets = hrefs(html, "date-preset")
    assert [query(h)["from"] for h in presets] == [
        [(NEWEST - timedelta(days=n - 1)).isoformat()] for n in (7, 30, 365)
    ]
    assert all(
        query(h)["to"] == [NEWEST.isoformat()] and query(h)["q"] == ["strikes"] for h in presets
    )
    month = PageView(client.get(presets[1]).data.decode())
    # 2025-06-03 .. 2025-07-02: four of the five "strikes" articles (not the 2024 one);
    # counted back from today, the preset would find none.
    assert month.total == 4
    # The form keeps the query and filters as hidden fields.
    form = re.search(r'<form class="date-range".*?</form>', html, re.S)[0]  # type: ignore[index]
    assert 'name="q" value="strikes"' in form and 'name="from"' in form


def test_timeline_is_contiguous_with_undated_apart(client: FlaskClient) -> None:
    html = client.get("/?from=2024-01&to=2025-12").data.decode()
    keys = re.findall(r'class="(?:bar|bar-empty)" data-key="([^"]+)"', html)
    keys += re.findall(r'data-key="([^"]+)" data-count="0"', html)
    body = api(client, "/api/search?from=2024-01&to=2025-12")
    dates = body["facets"]["date"]
    assert dates["interval"] == "month"
    months = [b["key"] for b in dates["buckets"]]
    assert months[0] == "2024-03" and months[-1] == "2025-07" and len(months) == 17
    assert sorted(set(keys)) == months
    assert sum(b["count"] for b in dates["buckets"]) == body["articles"]
    whole = api(client, "/api/search")["facets"]["date"]
    assert whole["undated"] == 1 and [b["key"] for b in whole["buckets"]] == [
        "2023",
        "2024",
        "2025",
    ]


def test_timeline_api_and_csv(client: FlaskClient) -> None:
    body = api(client, "/api/timeline?q=strikes")
    assert body["ok"] and body["interval"] in ("year", "month", "day")
    assert sum(b["count"] for b in body["buckets"]) + body["undated"] == body["articles"]
    text = client.get("/api/timeline?q=strikes&format=csv").data.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [body["interval"], "count"]
    assert rows[1:-1] == [[b["key"], str(b["count"])] for b in body["buckets"]]
    assert rows[-1] == ["undated", str(body["undated"])]


# -- the finder ------------------------------------------------------------------------


def test_finder_by_any_word_within_the_search_and_paged(client: FlaskClient) -> None:
    assert api(client, "/api/facets/actor?prefix=putin")["values"] == [
        {"value": "Vladimir Putin", "count": 2}
    ]
    # Within a search: counts of that result only.
    within = api(client, "/api/facets/actor?prefix=trump&q=ceasefire")["values"]
    assert within == [{"value": "Donald Trump", "count": 1}]
    assert api(client, "/api/facets/actor?prefix=trump")["values"][0]["count"] == 2
    # Paging: one value at a time, following next, lists every value once.
    seen = []
    url: str | None = "/api/facets/country?limit=1"
    while url:
        body = api(client, url)
        seen += [v["value"] for v in body["values"]]
        url = body["next"]
    every = [v["value"] for v in api(client, "/api/facets/country?limit=500")["values"]]
    assert seen == every and len(every) > 5
    rows = list(csv.reader(io.StringIO(client.get("/api/facets/country?format=csv").data.decode())))
    assert rows[0] == ["value", "label", "count"] and [r[0] for r in rows[1:]] == every


def test_finder_page_keeps_the_search_and_pages(client: FlaskClient) -> None:
    html = client.get("/facets/country?q=strikes&not_source=bbc").data.decode()
    assert "Counts are within your search" in html
    value = hrefs(html, "facet-value")[0]
    assert query(value)["q"] == ["strikes"] and query(value)["not_source"] == ["bbc"]
    assert hrefs(html, "facet-exclude")
    small = client.get("/facets/actor?prefix=zzzz").data.decode()
    assert "has a word starting with" in small


def test_all_values_link_when_a_facet_is_cut(client: FlaskClient) -> None:
    html = client.get("/?facet_size=1").data.decode()
    (actor_all,) = [h for h in hrefs(html, "all-values") if h.startswith("/facets/actor")]
    assert query(actor_all)["facet_size"] == ["1"]
    assert PageView(client.get(actor_all).data.decode()).facets["actor"]


# -- exports ---------------------------------------------------------------------------


def test_csv_export_with_snippet_and_body(client: FlaskClient) -> None:
    text = client.get("/api/search?q=ceasefire&format=csv&fields=snippet,body").data.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert "<mark>" not in rows[0]["snippet"] and "ceasefire" in rows[0]["snippet"].lower()
    assert rows[0]["body"].startswith("President Donald Trump announced a ceasefire")
    plain = client.get("/api/search?q=ceasefire&format=csv").data.decode()
    assert "body" not in plain.splitlines()[0]


def test_ndjson_export_with_body(client: FlaskClient) -> None:
    lines = client.get("/api/search?q=ceasefire&format=ndjson&fields=body").data.decode()
    (row,) = [json.loads(line) for line in lines.splitlines()]
    assert row["body"].startswith("President Donald Trump") and "<mark>" in row["snippet"]


@pytest.mark.parametrize("url", ["/api/search?fields=body", "/api/search?format=csv&fields=text"])
def test_bad_export_fields_are_400(client: FlaskClient, url: str) -> None:
    assert "fields" in api(client, url, 400)["error"]


# -- the article page ------------------------------------------------------------------


def test_article_link_carries_the_search_back_and_highlights(client: FlaskClient) -> None:
    html = client.get("/?q=strikes&country=IR&not_source=bbc&page=1").data.decode()
    article = re.search(r'<h3 class="hit-title"><a href="([^"]+)"', html)[1].replace("&amp;", "&")  # type: ignore[index]
    assert urlsplit(article).path.startswith("/articles/")
    assert query(article) == {"q": ["strikes"], "country": ["IR"], "not_source": ["bbc"]}
    page = client.get(article).data.decode()
    back = re.search(r'id="back-to-search" href="([^"]+)"', page)[1]  # type: ignore[index]
    assert query(back) == query(article) and urlsplit(back.replace("&amp;", "&")).path == "/"
    body = re.search(r'id="article-text">(.*?)</div>', page, re.S)[1]  # type: ignore[index]
    assert re.search(r'<mark class="q">strikes</mark>', body, re.I)
    # Only our tags in the text.
    assert set(re.findall(r"</?([a-z0-9]+)", body)) <= {"mark", "h2"}


def test_article_without_a_search_links_to_search(client: FlaskClient) -> None:
    hit = api(client, "/api/search?q=ceasefire")["hits"][0]
    page = client.get(f"/articles/{hit['id']}").data.decode()
    assert 'id="back-to-search"' not in page and 'class="q"' not in page
    assert 'class="dateline"' in page  # the source, at least


def test_hostile_query_on_the_article_page_stays_text(client: FlaskClient) -> None:
    hit = api(client, "/api/search?q=kremlin")["hits"][0]
    assert client.get(f"/articles/{hit['id']}?sortt=1").status_code == 400
    page = client.get(f"/articles/{hit['id']}?q=%22%3Cscript%3E%22%20kremlin").data.decode()
    assert "<script>" not in page.split("</head>", 1)[1].replace(
        '<script src="/static/app.js" defer></script>', ""
    )


def test_fold_and_matcher() -> None:
    assert fold("strikes") == fold("strike") == fold("striking") == "strik"
    assert fold("Putin's") == "putin"
    matcher = query_matcher(parse_query('strikes "nuclear sites" NOT israel sanct* actor:Putin'))
    assert matcher is not None
    assert matcher("Strike") and matcher("nuclear") and matcher("sanctions")
    assert not matcher("Israel") and not matcher("Putin")
    assert query_matcher(parse_query("actor:Putin")) is None


def test_article_html_marks_words_inside_entities_and_escapes() -> None:
    text = "Putin <b>strikes</b> back\nmore"
    spans = (MarkedSpan(0, 5, "person", "Vladimir Putin"),)
    html = str(article_html(text, spans, 0, query_matcher(parse_query("putin strikes"))))
    assert html.startswith('<mark class="ent ent-person" title="person: Vladimir Putin">')
    assert '<mark class="q">Putin</mark></mark>' in html
    assert '&lt;b&gt;<mark class="q">strikes</mark>&lt;/b&gt;' in html


def test_subheadings_between_paragraphs_only() -> None:
    prose = "The central bank raised its main rate by half a point on Thursday, citing prices."
    lines = [prose, "Markets react", prose, "Shr 10 cts vs 5 cts", "Net 1.2 mln vs 900,000", prose]
    assert subheadings(lines) == {1}
    assert subheadings(["Markets react", prose]) == set()  # never the first line
    html = str(article_html("\n".join(lines[:3]), ()))
    assert '<h2 class="subhead">Markets react</h2>' in html


# -- no input is a 500 -----------------------------------------------------------------

FUZZ_KEYS = [
    "q",
    "not_actor",
    "not_country",
    "not_source",
    "country",
    "from",
    "to",
    "prefix",
    "offset",
    "limit",
    "format",
    "fields",
    "page",
    "zz",
]
FUZZ_PATHS = ["/", "/api/search", "/api/timeline", "/api/facets/actor", "/facets/country"]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=st.sampled_from(FUZZ_PATHS),
    pairs=st.lists(
        st.tuples(
            st.sampled_from(FUZZ_KEYS),
            st.one_of(
                st.sampled_from(["csv", "ndjson", "snippet,body", "IR", "2025", "-1", "²", ""]),
                st.text(max_size=12),
            ),
        ),
        max_size=4,
    ),
)
def test_any_control_parameters_answer_without_a_500(
    client: FlaskClient, path: str, pairs: list[tuple[str, str]]
) -> None:
    response = client.get(path, query_string=pairs)
    assert response.status_code < 500, (path, pairs, response.data[:300])
    if response.status_code >= 400 and path.startswith("/api/"):
        assert response.get_json()["ok"] is False
