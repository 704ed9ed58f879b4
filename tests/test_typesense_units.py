"""The pure parts of the Typesense backend: query mapping, snippets, facets, schema.

No server needed; the behaviour against a real server is in test_typesense_backend.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from search.backends import shared
from search.backends.typesense import results as results
from search.backends.typesense.query import request_filters, translate
from search.backends.typesense.schema import fold_key, from_typesense, to_typesense
from search.errors import BackendError, QueryError
from search.models import (
    DateBucket,
    DateHistogram,
    Facet,
    FacetValue,
    IndexDocument,
    MarkedSpan,
    SearchRequest,
)
from search.query import parse_query
from search.settings import Settings

pytest.importorskip("typesense")


@pytest.mark.parametrize(
    ("q", "text", "filters", "prefix"),
    [
        ("putin oil", "putin oil", [], False),
        ("putin AND oil", "putin oil", [], False),
        ('"oil prices" opec', '"oil prices" opec', [], False),
        ("the oil of a nation", "oil nation", [], False),
        ("oil NOT gas", "oil -gas", [], False),
        ("oil ANDNOT gas", "oil -gas", [], False),
        ("oil ANDMAYBE gas", "oil", [], False),
        ("sanct* russia", "russia sanct", [], True),
        ('actor:"Vladimir Putin"', "*", [f"actor_fold:=`{fold_key('vladimir putin')}`"], False),
        ("oil country:ru", "oil", ["countries:=`RU`"], False),
        ("oil NOT actor:OPEC", "oil", [f"actor_fold:!=`{fold_key('opec')}`"], False),
        (
            "source:Reuters mentioned:2025-06-23",
            "*",
            [f"source_fold:=`{fold_key('reuters')}`", "dates_mentioned:=`2025-06-23`"],
            False,
        ),
        ("title:oil", "oil", [], False),
        ("(oil AND gas) prices", "oil gas prices", [], False),
        ("oil-producing -gulf", "oil producing gulf", [], False),
        ("U.S. U.K.", "u.s u.k", [], False),  # one word each, with content
        ("Putin's oil^2", "putin oil", [], False),  # the analysers' words; boosts rank only
        ("oil ANDMAYBE (gas prices)", "oil", [], False),  # the whole optional group
        ("oil ANDMAYBE NOT gas", "oil", [], False),
        ("oil NOT the", "oil", [], False),  # nothing to exclude, as in Whoosh
        ("oil ANDNOT NOT gas", "oil gas", [], False),
        ("title:sanct*", "sanct", [], True),
    ],
)
def test_translate_table(q: str, text: str, filters: list[str], prefix: bool) -> None:
    tq = translate(parse_query(q))
    assert (tq.q, tq.filters, tq.prefix) == (text, filters, prefix)


def test_country_names_resolve_to_codes() -> None:
    assert translate(parse_query("country:Russia")).filters == ["countries:=`RU`"]
    assert translate(parse_query('country:"united states"')).filters == ["countries:=`US`"]
    assert translate(parse_query("country:Atlantis")).filters == ["countries:=`Atlantis`"]


@pytest.mark.parametrize(
    ("q", "fragment"),
    [
        ("oil OR gas", "OR is not supported"),
        ('oil NOT "gas prices"', "NOT before a phrase"),
        ("oil NOT (gas prices)", "NOT before parentheses"),
        ("sa?d oil", "wildcard"),
        ("sanct* embarg*", "more than one wildcard"),
        ("NOT oil", "only of NOT"),
        ("actor:(Putin Trump)", "not supported"),
    ],
)
def test_untranslatable_queries_are_clear_400s(q: str, fragment: str) -> None:
    with pytest.raises(QueryError, match=fragment):
        translate(parse_query(q))


def test_request_filters() -> None:
    request = SearchRequest(
        actors=("Vladimir PUTIN", "Don`ald"),
        countries=("RU", "US"),
        sources=("Reuters", "AP"),
        date_from=date(1987, 3, 1),
        date_to=date(1987, 3, 31),
    )
    assert request_filters(request) == [
        f"actor_fold:={fold_key('Vladimir Putin')}",  # case-insensitive, exact otherwise
        f"actor_fold:={fold_key('Don`ald')}",
        "countries:=`RU`",
        "countries:=`US`",
        f"source_fold:=[{fold_key('Reuters')},{fold_key('AP')}]",
        f"day_n:[{date(1987, 3, 1).toordinal()}..{date(1987, 3, 31).toordinal()}]",
    ]
    assert request_filters(SearchRequest(date_to=date(2000, 1, 1))) == [
        f"day_n:[0..{date(2000, 1, 1).toordinal()}]"  # undated articles are day -1: out
    ]


def test_snippet_escapes_everything_but_mark() -> None:
    body = "Intro words. <script>alert(1)</script> & oil prices rose. More text follows here."
    marked = "<script>alert(1)</script> & \x02oil\x03 \x02prices\x03 rose."
    assert results.snippet(body, marked) == (
        "… &lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>oil prices</mark> rose. …"
    )


def test_snippet_without_match_is_the_escaped_lead() -> None:
    body = "A <b>bold</b> start. " + "word " * 100
    assert results.snippet(body, "no marks here") == shared.lead(body)
    assert shared.lead(body).startswith("A &lt;b&gt;bold&lt;/b&gt; start.")
    assert shared.lead(body).endswith(" …")


def test_snippet_with_a_stray_control_character_falls_back_to_the_lead() -> None:
    assert results.snippet("oil body", "\x02oil body") == shared.lead("oil body")


def test_top_facet_sorts_ties_by_value_and_keeps_selected() -> None:
    counts = {"b": 3, "a": 3, "c": 5, "d": 1}
    facet = shared.top_facet(counts, 2, ("D", "zz"), distinct=4, selected_count=7)
    assert facet == Facet(
        values=(
            FacetValue("c", 5),
            FacetValue("a", 3),
            FacetValue("d", 1, True),
            FacetValue("zz", 7, True),
        ),
        truncated=True,
    )


def test_histogram_intervals_and_undated() -> None:
    def facet(field: str, counts: dict[str, int], stats: dict | None = None) -> dict:
        rows = [{"value": k, "count": v} for k, v in counts.items()]
        return {"field_name": field, "counts": rows, "stats": stats or {}}

    # The dated part's search: day_n stats (the span) and the year buckets.
    years = facet("year", {"1987": 1, "1980": 1})

    def span(lo: date, hi: date, found: int) -> dict:
        stats = {"min": lo.toordinal(), "max": hi.toordinal()}
        return {"found": found, "facet_counts": [facet("day_n", {}, stats), years]}

    asked: list[tuple[str, int]] = []

    def fetch(counts: dict[str, int]):
        def run(field: str, values: int) -> dict:
            asked.append((field, values))
            return {"facet_counts": [facet(field, counts)]}

        return run

    days = span(date(1987, 3, 1), date(1987, 3, 3), 3)
    assert results.histogram(days, 5, fetch({"1987-03-03": 1, "1987-03-01": 2})) == (
        DateHistogram(
            "day",
            (DateBucket("1987-03-01", 2), DateBucket("1987-03-02", 0), DateBucket("1987-03-03", 1)),
            2,
        )
    )
    months = span(date(1987, 1, 1), date(1987, 9, 1), 2)
    assert results.histogram(months, 2, fetch({"1987-01": 1})).interval == "month"
    assert asked == [("day", 64), ("month", 26)]
    long = span(date(1980, 1, 1), date(1987, 9, 1), 2)
    # Contiguous: the empty years between keep their place (a true time axis).
    assert results.histogram(long, 2, fetch({})) == DateHistogram(
        "year",
        tuple(DateBucket(str(y), int(y in (1980, 1987))) for y in range(1980, 1988)),
        0,
    )
    assert results.histogram({"found": 0}, 3, fetch({})) == DateHistogram("day", (), 3)


def test_schema_round_trip() -> None:
    doc = IndexDocument(
        id="0123456789abcdef",
        key="/x/a.txt",
        title="Title",
        body="Body text",
        content_hash="h" * 64,
        url="https://example.com/a",
        source="Example",
        published=datetime(1987, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
        actors=("Vladimir Putin", "OPEC"),
        actor_kinds=("person", "org"),
        countries=("RU",),
        dates_mentioned=("1987-03-01",),
        spans=(MarkedSpan(0, 5, "person", "Vladimir Putin"),),
        indexed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    stored = to_typesense(doc)
    # The day buckets are the UTC day, like the Whoosh backend's.
    assert (stored["day"], stored["month"], stored["year"]) == ("1987-03-03", "1987-03", "1987")
    back = from_typesense(stored)
    assert back.published == doc.published
    assert back == IndexDocument(**{**_fields(doc), "published": back.published})
    undated = to_typesense(IndexDocument(id="a", key="k", title="", body="b", content_hash="h"))
    assert (undated["dated"], undated["day_n"], "year" in undated) == (0, -1, False)


def _fields(doc: IndexDocument) -> dict:
    return {name: getattr(doc, name) for name in doc.__slots__}  # type: ignore[attr-defined]


def test_missing_key_and_bad_nodes_are_clear_errors() -> None:
    from search.backends.typesense.client import make_client, parse_nodes

    with pytest.raises(BackendError, match="DATELINE_TYPESENSE_API_KEY"):
        make_client(Settings(backend="typesense"), write=False)
    with pytest.raises(BackendError, match="host:port"):
        parse_nodes("127.0.0.1")
    assert parse_nodes("a:1, https://b:2") == [
        {"host": "a", "port": 1, "protocol": "http"},
        {"host": "b", "port": 2, "protocol": "https"},
    ]


def test_facet_keys_decode_exactly() -> None:
    from search.backends.typesense.schema import exact_key, fold_key

    def response(field: str, counts: dict[str, int]) -> dict:
        rows = [{"value": k, "count": v} for k, v in counts.items()]
        return {"facet_counts": [{"field_name": field, "counts": rows, "stats": {}}]}

    folded = response(
        "actor_fold",
        {
            fold_key("Boeing Co"): 2,
            fold_key("Boeing Co."): 2,
            fold_key("OPEC"): 4,
            fold_key("Li Ka-shing"): 1,
        },
    )
    exact = response(
        "actor_keys",
        {
            exact_key("Boeing Co"): 2,
            exact_key("Boeing Co."): 2,
            exact_key("OPEC"): 3,
            exact_key("Opec"): 1,
        },
    )
    counts, distinct = results.facet_counts(folded, "actor_fold")
    # Punctuation variants stay apart (Typesense's own string facets would merge them).
    assert (counts, distinct) == (
        {"boeing co": 2, "boeing co.": 2, "opec": 4, "li ka-shing": 1},
        4,
    )
    spellings, _ = results.facet_counts(exact, "actor_keys")
    assert spellings == {"Boeing Co": 2, "Boeing Co.": 2, "OPEC": 3, "Opec": 1}


def test_concurrently_keeps_order_and_waits_for_every_call() -> None:
    import threading
    import time

    from search.backends.typesense.client import concurrently

    finished: list[int] = []
    both_running = threading.Barrier(2, timeout=5)

    def call(n: int, delay: float = 0.0):
        def run() -> int:
            if n < 2:
                both_running.wait()  # fails unless the first two run side by side
            time.sleep(delay)
            finished.append(n)
            return n

        return run

    assert concurrently([call(0), call(1, 0.05), call(2)]) == [0, 1, 2]
    assert concurrently([]) == []

    def broken() -> int:
        raise ValueError("node said no")

    finished.clear()
    with pytest.raises(ValueError, match="node said no"):
        concurrently([broken, call(5, 0.05)])
    assert finished == [5]  # the error is raised only once the slow call is done


def test_write_retries_start_their_clock_at_the_first_failure() -> None:
    import time

    from typesense import exceptions as ts_errors

    from search.backends.typesense.client import retry_write

    calls: list[str] = []

    def write() -> str:
        calls.append("try")
        if len(calls) == 1:  # hangs past the deadline, then fails (a dead leader)
            time.sleep(1.1)
            raise ts_errors.HTTPStatus0Error("no leader")
        if len(calls) == 2:  # the election is not over yet
            raise ts_errors.ServiceUnavailable("not ready")
        return "imported"

    assert retry_write(write, deadline_s=1.0) == "imported"
    assert len(calls) == 3

    def never() -> str:
        raise ts_errors.ServiceUnavailable("no majority")

    with pytest.raises(ts_errors.ServiceUnavailable):
        retry_write(never, deadline_s=0.1)
