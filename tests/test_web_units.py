"""Fast tests of web helpers: escaping, links between search states, timeline, paging."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from markupsafe import Markup

from search.models import DateBucket, DateHistogram, MarkedSpan, SearchRequest
from web.links import SearchState
from web.markup import mark_entities, safe_snippet, safe_url
from web.timeline import build_timeline, zoom_out
from web.ui import page_window


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("plain", "plain"),
        ("a <mark>b</mark> c", "a <mark>b</mark> c"),
        # Already escaped by the backend: shown once-escaped, never double-escaped.
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        # A backend bug that lets raw markup through is escaped here.
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ('<mark onclick="x">a</mark>', "&lt;mark onclick=&#34;x&#34;&gt;a"),
        # Unbalanced marks are balanced so highlighting never bleeds into the page.
        ("<mark>a", "<mark>a</mark>"),
        ("a</mark>b", "ab"),
        ("<mark><mark>a</mark>", "<mark>a</mark>"),
        ("", ""),
        (None, ""),
    ],
)
def test_safe_snippet_keeps_only_mark(snippet: str | None, expected: str) -> None:
    result = safe_snippet(snippet)
    assert isinstance(result, Markup)
    assert str(result) == expected


def test_mark_entities_escapes_every_segment() -> None:
    text = "<b>Putin</b> met <i>Araghchi</i> in Moscow on 2025-06-23."

    def span(surface: str, kind: str, value: str) -> MarkedSpan:
        start = text.index(surface)
        return MarkedSpan(start, start + len(surface), kind, value)  # type: ignore[arg-type]

    spans = [
        span("Putin", "person", "Vladimir Putin"),
        span("Araghchi", "person", "Abbas Araghchi"),
        span("Moscow", "country", "RU"),
        span("2025-06-23", "date", "2025-06-23"),
    ]
    html = str(mark_entities(text, spans, labels={"RU": "Russia"}))
    assert html == (
        '&lt;b&gt;<mark class="ent ent-person" title="person: Vladimir Putin">Putin</mark>'
        '&lt;/b&gt; met &lt;i&gt;<mark class="ent ent-person" title="person: Abbas Araghchi">'
        "Araghchi</mark>&lt;/i&gt; in "
        '<mark class="ent ent-country" title="country: Russia">Moscow</mark> on '
        '<mark class="ent ent-date" title="date: 2025-06-23">2025-06-23</mark>.'
    )


def test_mark_entities_skips_bad_spans() -> None:
    text = "Putin and Peskov"
    spans = [
        MarkedSpan(0, 5, "person", "Vladimir Putin"),
        MarkedSpan(2, 9, "person", "overlap"),  # overlaps the first
        MarkedSpan(10, 99, "person", "past the end"),
        MarkedSpan(5, 5, "person", "empty"),
        MarkedSpan(10, 16, "weapon", "unknown type"),  # type: ignore[arg-type]
        MarkedSpan(0, 1, "person", '"><script>'),  # before start
    ]
    html = str(mark_entities(text, spans, start=0))
    assert html.count("<mark") == 1
    assert html.endswith(" and Peskov")
    # ``start`` renders only the rest of the text (the body after the title).
    assert str(mark_entities(text, spans, start=10)) == "Peskov"


def test_mark_entities_escapes_values_in_attributes() -> None:
    html = str(mark_entities("abc", [MarkedSpan(0, 3, "org", '"><script>alert(1)</script>')]))
    assert "<script>" not in html
    assert "&#34;&gt;&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a?b=1", "https://example.com/a?b=1"),
        ("http://example.com", "http://example.com"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        (" javascript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//evil.example.com", None),
        ("/relative/path", None),
        ("http://[::1", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def _query(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url)
    assert parts.path == "/"
    return parse_qs(parts.query)


def test_links_add_remove_and_reset_page() -> None:
    state = SearchState(
        SearchRequest(q="strikes", actors=("Vladimir Putin",), countries=("RU",), page=3)
    )
    assert _query(state.url(page=3)) == {
        "q": ["strikes"],
        "actor": ["Vladimir Putin"],
        "country": ["RU"],
        "page": ["3"],
    }
    # A new filter goes back to page 1; values of one facet accumulate.
    assert _query(state.add("country", "IR")) == {
        "q": ["strikes"],
        "actor": ["Vladimir Putin"],
        "country": ["RU", "IR"],
    }
    assert _query(state.remove("actor", "Vladimir Putin")) == {"q": ["strikes"], "country": ["RU"]}
    assert _query(state.toggle("country", "RU")) == {
        "q": ["strikes"],
        "actor": ["Vladimir Putin"],
    }
    assert state.add("country", "RU") == state.url()  # already selected: unchanged


def test_links_keep_non_default_sort_and_sizes_only() -> None:
    browse = SearchState(SearchRequest(q="", sort="newest"))
    assert browse.url() == "/"
    with_sort = SearchState(SearchRequest(q="iran", sort="newest", per_page=50, facet_size=20))
    assert _query(with_sort.url()) == {
        "q": ["iran"],
        "sort": ["newest"],
        "per_page": ["50"],
        "facet_size": ["20"],
    }
    # Hidden form fields carry everything but the page (a new query starts at page 1).
    state = SearchState(SearchRequest(q="iran", countries=("IR",), page=4))
    assert state.hidden_fields(exclude=["q"]) == [("country", "IR")]


def test_links_escape_hostile_values() -> None:
    # A request holds a parsed query, so its q is valid (quotes closed), hostile or not.
    hostile = 'x"><script>alert(1)</script>"'
    state = SearchState(SearchRequest(q=hostile))
    url = state.add("actor", "a&b=c#d")
    assert "<" not in url and "#" not in url
    assert _query(url) == {"q": [hostile], "actor": ["a&b=c#d"]}


def test_timeline_bars_link_to_their_bucket() -> None:
    dates = DateHistogram(
        interval="month",
        buckets=(DateBucket("2025-05", 0), DateBucket("2025-06", 9), DateBucket("2025-07", 1)),
        undated=2,
    )
    timeline = build_timeline(dates, SearchState(SearchRequest(q="iran")))
    # Every bucket keeps its slot (a true time axis); an empty one is a hairline, no link.
    assert [b.key for b in timeline.bars] == ["2025-05", "2025-06", "2025-07"]
    empty, tall, short = timeline.bars
    assert empty.href is None and empty.height < 1 and empty.count == 0
    assert short.x - tall.x == tall.x - empty.x  # equal slots
    assert tall.height > short.height >= 3
    assert tall.y + tall.height == short.y + short.height  # common baseline
    assert _query(tall.href) == {"q": ["iran"], "from": ["2025-06"], "to": ["2025-06"]}
    assert short.label == "2025-07: 1 article"
    assert timeline.undated == 2
    assert build_timeline(DateHistogram(), SearchState(SearchRequest())).bars == ()


@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        ("2025-06-23", "2025-06-23", {"from": ["2025-06"], "to": ["2025-06"]}),
        ("2025-06", "2025-06", {"from": ["2025"], "to": ["2025"]}),
        ("2025", "2025", {}),
        ("2024", "2025-03", {}),
    ],
)
def test_zoom_out_goes_one_level_up(date_from: str, date_to: str, expected: dict) -> None:
    state = SearchState(SearchRequest(sort="newest", from_text=date_from, to_text=date_to))
    url = zoom_out(state)
    assert url is not None
    assert _query(url) == expected


def test_zoom_out_without_dates() -> None:
    assert zoom_out(SearchState(SearchRequest())) is None


@pytest.mark.parametrize(
    ("current", "last", "expected"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, None, 3, 4, 5, 6, 7, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
    ],
)
def test_page_window(current: int, last: int, expected: list[int | None]) -> None:
    assert page_window(current, last) == expected


def test_days_mentioned_read_as_runs() -> None:
    """A month or a span stored day by day is one chip; single days stay links."""
    from web.timeline import DayRun, day_runs

    may = [f"1987-05-{d:02d}" for d in range(1, 32)]
    late_april = [f"1987-04-{d:02d}" for d in range(21, 31)]
    runs = day_runs(["1987-03-26", "1987-03-24", "1987-03-25", *may, *late_april, "not a day"])
    assert runs == [
        DayRun("1987-03-24", "1987-03-24"),
        DayRun("1987-03-25", "1987-03-25"),
        DayRun("1987-03-26", "1987-03-26"),
        DayRun("1987-04-21 – 1987-05-31", None),
    ]
    assert day_runs([*may]) == [DayRun("1987-05", None)]
    week = [f"1987-02-{d:02d}" for d in range(1, 8)]
    assert day_runs(week) == [DayRun("1987-02-01 – 1987-02-07", None)]


def test_timeline_ticks_fit_a_phone() -> None:
    """Short labels under the bars: the year on the first bar and at each new year."""
    from web.timeline import tick

    assert [tick("1987-03", first=True), tick("1987-04"), tick("1988-01")] == [
        "Mar 1987",
        "Apr",
        "Jan 1988",
    ]
    assert [tick("1987-03-26", first=True), tick("1987-03-27"), tick("1987-04-01")] == [
        "Mar 26",
        "27",
        "Apr 1",
    ]
    assert tick("1987") == "1987" and tick("1987-W12") == "1987-W12"
