"""search.sources: every reader on small real files, bad inputs, and the Reuters corpus."""

from __future__ import annotations

import gzip
import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.cleaning import parse_date
from search.errors import SourceError
from search.models import Article, FileProblem, RawArticle
from search.settings import PROJECT_ROOT, Settings
from search.sources import (
    article_files,
    clean_each,
    is_sidecar,
    looks_like_documentation,
    read_articles,
    read_paths,
)
from search.sources.decode import decode_text

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
SEED = PROJECT_ROOT / "seeds" / "000_13ee3422ca9f4dd4.txt"
SETTINGS = Settings()


def key(relative: str) -> str:
    """The RawArticle key of a fixture: its absolute path (plus ``#...``)."""
    return os.path.abspath(FIXTURES / relative)


def read(*paths: str | Path, settings: Settings = SETTINGS) -> list[RawArticle | FileProblem]:
    return list(read_paths(paths, settings))


MILL_HTML = (FIXTURES / "html" / "mill.html").read_text(encoding="utf-8")
HARBOUR_TEXT = (FIXTURES / "text" / "harbour.txt").read_text(encoding="utf-8")

EXPECTED: dict[str, list[RawArticle | FileProblem]] = {
    "text/harbour.txt": [
        RawArticle(
            key=key("text/harbour.txt"),
            format="text",
            text=HARBOUR_TEXT,
            url="https://news.example.org/ferry-trial?utm_source=rss&id=7#comments",
            published="2024-03-05T09:30:00+01:00",
            source="Elwyn Gazette",
        )
    ],
    "text/notes.md": [
        RawArticle(
            key=key("text/notes.md"),
            format="text",
            text="Markets were calm on Friday as traders waited for the central bank decision."
            " The index closed flat.\n\nAnalysts expect rates to stay on hold.\n",
        )
    ],
    "html/mill.html": [RawArticle(key=key("html/mill.html"), format="html", html=MILL_HTML)],
    "json/wire.json": [
        RawArticle(
            key=key("json/wire.json") + "#w-1",
            format="json",
            text="Grain prices were steady in early trading on Monday.",
            url="https://farm.example.net/grain",
            title="Grain prices steady",
            published="Mon, 06 May 2024 07:15:00 GMT",
            source="Farm Wire",
        ),
        RawArticle(
            key=key("json/wire.json") + "#2",
            format="json",
            html="<p>Dairy output rose <b>3%</b> in April.</p><p>Exports also grew.</p>",
            title="Dairy output rises",
            published="2024-05-07",
        ),
    ],
    "json/records.jsonl": [
        RawArticle(
            key=key("json/records.jsonl") + "#101",
            format="json",
            text="The new bridge opened to traffic on Saturday.",
            title="Bridge opens",
            published="2024-06-01",
        ),
        FileProblem(
            str(FIXTURES / "json/records.jsonl") + ":2",
            "invalid JSON: Unterminated string starting at: line 1 column 36 (char 35)",
        ),
        FileProblem(
            str(FIXTURES / "json/records.jsonl") + ":3",
            "field 'body' must be a string, not list",
        ),
        FileProblem(
            str(FIXTURES / "json/records.jsonl") + ":4", "record must be a JSON object, not list"
        ),
        FileProblem(str(FIXTURES / "json/records.jsonl") + ":5", "record has no 'body' or 'html'"),
        RawArticle(
            key=key("json/records.jsonl") + "#7",
            format="json",
            text="The old tunnel closed for good on Sunday.",
            title="Tunnel closes",
            source="City Desk",
        ),
    ],
    "feeds/river.rss": [
        RawArticle(
            key=key("feeds/river.rss") + "#river-1001",
            format="feed",
            html="<p>Engineers tested the new flood barrier on Tuesday.</p>"
            "<p>It closed in <em>nine</em> minutes.</p>",
            url="https://river.example.com/flood-barrier?utm_medium=feed",
            title="Flood barrier tested",
            published="Tue, 02 Apr 2024 14:00:00 +0200",
            source="River News",
        ),
        RawArticle(
            key=key("feeds/river.rss") + "#2",
            format="feed",
            html="<p>Summer timetable starts on <b>Monday</b>.</p>",
            url="https://river.example.com/ferry",
            title="Ferry timetable changes",
            published="2024-04-03T06:00:00Z",
            source="River News",
        ),
        RawArticle(
            key=key("feeds/river.rss") + "#3",
            format="feed",
            text="Headline only",
            title="Headline only",
            source="River News",
        ),
        FileProblem(str(FIXTURES / "feeds/river.rss") + "#4", "feed item has no title or content"),
    ],
    "feeds/hills.atom": [
        RawArticle(
            key=key("feeds/hills.atom") + "#tag:hills.example.org,2024:1",
            format="feed",
            html="<p>Heavy snow closed the northern pass overnight.</p>",
            url="https://hills.example.org/snow-pass",
            title="Snow closes mountain pass",
            published="2024-02-09T18:30:00-05:00",
            source="Hill Country Post",
        ),
        RawArticle(
            key=key("feeds/hills.atom") + "#tag:hills.example.org,2024:2",
            format="feed",
            text="The ski season will run two extra weeks.",
            url="https://hills.example.org/ski",
            title="Ski season extended",
            published="2024-02-11T08:00:00Z",
            source="Hill Country Post",
        ),
    ],
    # No extension: recognised as an RSS 1.0 (RDF) feed by its content.
    "feeds/latest-feed": [
        RawArticle(
            key=key("feeds/latest-feed") + "#https://lake.example.com/regatta",
            format="feed",
            html="Strong winds postponed the annual regatta.",
            url="https://lake.example.com/regatta",
            title="Regatta postponed",
            published="2024-07-20T16:00:00+00:00",
            source="Lake Bulletin",
        )
    ],
    "reuters/sample.sgm": [
        RawArticle(
            key=key("reuters/sample.sgm") + "#7",
            format="reuters",
            text="Sample Co (SMPL) said it raised\ngrain output by 12 pct in February, helped by\n"
            "mild weather.\n    The company said storage was near capacity.\n"
            "    Shares rose 1/2 to 14-1/4 dlrs.",
            title="SAMPLE CO (SMPL) RAISES GRAIN OUTPUT",
            published="2-MAR-1987 09:15:30.12",
            source="Reuters",
            dateline="KANSAS CITY, March 2 -",
        ),
        RawArticle(  # TYPE="BRIEF": the headline is the whole story
            key=key("reuters/sample.sgm") + "#8",
            format="reuters",
            text="SAMPLE BANK RATE UNCHANGED AT 7.5 PCT",
            title="SAMPLE BANK RATE UNCHANGED AT 7.5 PCT",
            published="2-MAR-1987 09:20:01.00",
            source="Reuters",
        ),
        RawArticle(  # TYPE="UNPROC": text straight inside <TEXT>, no title
            key=key("reuters/sample.sgm") + "#9",
            format="reuters",
            text="\nSAMPLE WEEKLY RESERVES - MARCH 2\n"
            " Free reserves..............120 vs.....135\n"
            " Borrowings..................40 vs......38",
            published="2-MAR-1987 09:25:44.50",
            source="Reuters",
        ),
        FileProblem(str(FIXTURES / "reuters/sample.sgm") + "#4", "REUTERS element without NEWID"),
    ],
}


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_each_format_reads_whole_records(relative: str) -> None:
    assert read(FIXTURES / relative) == EXPECTED[relative]


def test_folder_walk_is_sorted_skips_hidden_and_sidecars() -> None:
    # Every fixture file once, in sorted path order; .draft.txt (hidden) and harbour.json
    # (the sidecar of harbour.txt) are not read as articles.
    expected = [item for relative in sorted(EXPECTED) for item in EXPECTED[relative]]
    assert read(FIXTURES) == expected
    assert read(FIXTURES) == read(FIXTURES)


def test_overlapping_paths_read_each_file_once() -> None:
    assert read(FIXTURES / "text", FIXTURES / "text" / "notes.md", FIXTURES / "text") == (
        EXPECTED["text/harbour.txt"] + EXPECTED["text/notes.md"]
    )


def test_is_sidecar() -> None:
    assert is_sidecar(FIXTURES / "text" / "harbour.json")
    assert not is_sidecar(FIXTURES / "json" / "wire.json")
    assert not is_sidecar(FIXTURES / "text" / "harbour.txt")


def test_missing_path_raises_source_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(SourceError, match="nowhere"):
        read_paths([FIXTURES, missing], SETTINGS)


def test_seed_article_with_its_sidecar_date() -> None:
    raw_bytes = SEED.read_bytes()
    (article,) = read_articles([SEED.parent], SETTINGS)
    assert isinstance(article, Article)
    assert article.key == str(SEED)
    assert article.body.endswith("even if it involves one of Russia’s closest partners.")
    assert "Leave a Reply" not in article.body
    assert article.published is not None
    assert article.published.isoformat() == "2025-06-23T00:00:00+00:00"
    assert article.title == (
        "Russian President Vladimir Putin on Monday condemned recent attacks on Iran as"
        " “unprovoked” and…"
    )
    assert SEED.read_bytes() == raw_bytes  # the seed itself is never rewritten
    assert raw_bytes.endswith(b"Leave a Reply")


LATIN1 = "Caf\xe9 owners in Z\xfcrich said prices rose \xe0 la carte.\n"

BAD_INPUTS: list[tuple[str, bytes, list[RawArticle | FileProblem] | str]] = [
    ("binary.html", bytes(range(256)) * 8, "binary file"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary file"),
    ("empty.txt", b"", "empty file"),
    ("blank.html", b"  \n\t\n", "empty file"),
    ("notags.html", b"just words, no markup at all", "not HTML (no markup)"),
    ("broken.json", b'{"title": "x", "body": ', "invalid JSON: Expecting value: line 1 column 24"),
    ("scalar.json", b"42", "JSON must be an object or a list of objects"),
    ("broken.html.gz", b"\x1f\x8b\x08\x00 not really gzip", "broken gzip file"),
    ("sitemap.xml", b'<?xml version="1.0"?><urlset><url/></urlset>', "XML file is not an RSS"),
    ("nothing.sgm", b"<!DOCTYPE lewis SYSTEM 'lewis.dtd'>\n", "no <REUTERS> elements"),
    (
        "utf16.txt",
        "\ufeffKöln und Zürich: Grüße.\n".encode("utf-16-le"),
        [RawArticle(key="utf16.txt", format="text", text="Köln und Zürich: Grüße.\n")],
    ),
    (
        "utf16-nobom.txt",
        "Plain words in UTF-16.\n".encode("utf-16-le"),
        [RawArticle(key="utf16-nobom.txt", format="text", text="Plain words in UTF-16.\n")],
    ),
    (
        "bom.txt",
        "\ufeffÉté à Paris.\n".encode(),
        [RawArticle(key="bom.txt", format="text", text="Été à Paris.\n")],
    ),
    (
        "latin1.txt",
        LATIN1.encode("latin-1"),
        [RawArticle(key="latin1.txt", format="text", text=LATIN1)],
    ),
    (
        "cp1252.txt",
        "He said \u201cno\u201d \u2013 twice.\n".encode("cp1252"),
        [RawArticle(key="cp1252.txt", format="text", text="He said “no” – twice.\n")],
    ),
]


@pytest.mark.parametrize(("name", "data", "expected"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_and_odd_inputs(
    tmp_path: Path, name: str, data: bytes, expected: list[RawArticle | FileProblem] | str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    got = read(tmp_path)
    if isinstance(expected, str):
        assert len(got) == 1 and isinstance(got[0], FileProblem), got
        assert got[0].path == str(path)
        assert got[0].reason.startswith(expected), got[0].reason
    else:
        keyed = [
            RawArticle(**{**_fields(item), "key": str(tmp_path / item.key)})
            if isinstance(item, RawArticle)
            else item
            for item in expected
        ]
        assert got == keyed


def _fields(raw: RawArticle) -> dict[str, str | None]:
    return {name: getattr(raw, name) for name in RawArticle.__slots__}  # type: ignore[attr-defined]


def test_feed_in_latin1_with_html_entities_and_a_truncated_feed(tmp_path: Path) -> None:
    (tmp_path / "latin.rss").write_bytes(
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss version="2.0"><channel>'
        b"<title>Caf\xe9 News</title><item><title>Z\xfcrich &amp; more</title>"
        b"<description>Prices rose&nbsp;today&hellip;</description></item></channel></rss>\n"
    )
    (tmp_path / "cut.xml").write_text(
        '<rss version="2.0"><channel><title>Cut</title><item><title>One</title>'
        "<description>First.</description></item><item><title>Two</title><descr",
        encoding="utf-8",
    )
    assert read(tmp_path) == [
        RawArticle(
            key=str(tmp_path / "cut.xml#1"), format="feed", html="First.", title="One", source="Cut"
        ),
        RawArticle(
            key=str(tmp_path / "cut.xml#2"), format="feed", text="Two", title="Two", source="Cut"
        ),
        FileProblem(str(tmp_path / "cut.xml"), "feed is truncated (no closing root tag)"),
        RawArticle(
            key=str(tmp_path / "latin.rss#1"),
            format="feed",
            html="Prices rose\xa0today…",
            title="Zürich & more",
            source="Café News",
        ),
    ]


def test_gzipped_html_page(tmp_path: Path) -> None:
    (tmp_path / "mill.html.gz").write_bytes(gzip.compress(MILL_HTML.encode("utf-8")))
    assert read(tmp_path) == [
        RawArticle(key=str(tmp_path / "mill.html.gz"), format="html", html=MILL_HTML)
    ]


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("word " * 100, encoding="utf-8")
    assert read(tmp_path, settings=Settings(max_file_bytes=100)) == [
        FileProblem(str(tmp_path / "big.txt"), "file too large (500 bytes, limit 100)")
    ]


def test_gzip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    (tmp_path / "bomb.html.gz").write_bytes(gzip.compress(b"<p>" + b" " * 5_000_000))
    assert read(tmp_path, settings=Settings(max_file_bytes=1_000_000)) == [
        FileProblem(
            str(tmp_path / "bomb.html.gz"),
            "file too large once decompressed (limit 1,000,000 bytes)",
        )
    ]


def test_bad_sidecar_is_reported_and_the_article_still_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Body text.\n", encoding="utf-8")
    (tmp_path / "a.json").write_text('{"published": 20250623}', encoding="utf-8")
    assert read(tmp_path) == [
        FileProblem(str(tmp_path / "a.json"), "field 'published' must be a string, not int"),
        RawArticle(key=str(tmp_path / "a.txt"), format="text", text="Body text.\n"),
    ]


def test_html_page_with_sidecar(tmp_path: Path) -> None:
    (tmp_path / "mill.htm").write_text(MILL_HTML, encoding="utf-8")
    (tmp_path / "mill.json").write_text(
        '{"published": "2023-09-15", "source": "Courier Archive"}', encoding="utf-8"
    )
    (raw,) = read(tmp_path)
    assert raw == RawArticle(
        key=str(tmp_path / "mill.htm"),
        format="html",
        html=MILL_HTML,
        published="2023-09-15",
        source="Courier Archive",
    )
    (article,) = read_articles([tmp_path], SETTINGS)
    assert isinstance(article, Article)  # the sidecar wins over the page's own metadata
    assert (article.published, article.source) == (parse_date("2023-09-15"), "Courier Archive")


def test_symlink_loop_and_broken_link_do_not_hang(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "story.txt").write_text("A story.\n", encoding="utf-8")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)  # back to an ancestor
    (tmp_path / "a" / "self").symlink_to(tmp_path / "a" / "self")  # ELOOP
    (tmp_path / "a" / "gone.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a" / "story.txt")  # same file twice
    assert read(tmp_path) == [
        FileProblem(str(tmp_path / "a" / "gone.txt"), "broken symlink"),
        FileProblem(str(tmp_path / "a" / "loop"), "symlink loop (links back to a parent folder)"),
        FileProblem(str(tmp_path / "a" / "self"), "symlink loop"),
        RawArticle(key=str(tmp_path / "a" / "story.txt"), format="text", text="A story.\n"),
    ]


def test_fifo_is_refused_without_opening_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "story.txt").write_text("A story.\n", encoding="utf-8")
    problem = FileProblem(str(tmp_path / "pipe.txt"), "not a regular file (FIFO, socket or device)")
    assert read(tmp_path / "pipe.txt") == [problem]
    assert read(tmp_path) == [
        problem,
        RawArticle(key=str(tmp_path / "story.txt"), format="text", text="A story.\n"),
    ]


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root reads files whatever their mode, so chmod 000 cannot make one unreadable",
)
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.txt"
    path.write_text("x", encoding="utf-8")
    path.chmod(0)
    try:
        assert read(tmp_path) == [FileProblem(str(path), "permission denied")]
    finally:
        path.chmod(0o644)


def test_unsupported_file_given_explicitly_is_reported(tmp_path: Path) -> None:
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n")
    assert read(tmp_path) == []  # inside a folder: not ours, skipped quietly
    assert read(tmp_path / "photo.png") == [
        FileProblem(str(tmp_path / "photo.png"), "unsupported file type")
    ]


def test_deeply_nested_html_does_not_crash(tmp_path: Path) -> None:
    page = (
        "<html><body>"
        + "<div>" * 10_000
        + "<p>The deepest paragraph of the page holds the story.</p>"
        + "</div>" * 10_000
        + "</body></html>"
    )
    (tmp_path / "deep.html").write_text(page, encoding="utf-8")
    started = time.perf_counter()
    (article,) = read_articles([tmp_path], SETTINGS)
    assert isinstance(article, Article)
    assert article.body == "The deepest paragraph of the page holds the story."
    assert time.perf_counter() - started < 10


def test_read_articles_reports_empty_articles(tmp_path: Path) -> None:
    (tmp_path / "chrome.txt").write_text("Share this:\nLeave a Reply\n", encoding="utf-8")
    assert list(read_articles([tmp_path], SETTINGS)) == [
        FileProblem(str(tmp_path / "chrome.txt"), "no text after cleaning (text)")
    ]


def test_clean_each_turns_any_failure_into_a_problem_and_goes_on() -> None:
    """The one cleaning loop (reindex, extract, read_articles) catches every failure of
    ``clean``, not only the expected ones, and keeps reading."""
    good = RawArticle(key="/good.txt", format="text", text="The ferry sailed at dawn.")
    items: list[RawArticle | FileProblem] = [
        FileProblem("/unreadable.txt", "permission denied"),
        RawArticle(key="/odd.json#1", format="json", text=12345),  # type: ignore[arg-type]
        RawArticle(key="/blank.txt", format="text", text="  \n "),
        good,
    ]
    out = list(clean_each(items, SETTINGS))
    assert out[:3] == [
        FileProblem("/unreadable.txt", "permission denied"),
        FileProblem(
            "/odd.json#1", "unexpected error: AttributeError: 'int' object has no attribute 'strip'"
        ),
        FileProblem("/blank.txt", "no text after cleaning (text)"),
    ]
    assert isinstance(out[3], Article) and out[3].body == "The ferry sailed at dawn."


def test_clean_each_reads_the_limits_from_settings() -> None:
    raw = RawArticle(key="/long.txt", format="text", text="word " * 5_000)
    (article,) = clean_each([raw], Settings(max_article_chars=1_000))
    assert isinstance(article, Article) and 900 < len(article.body) <= 1_000
    timings: dict[str, float] = {}
    list(clean_each([raw], SETTINGS, timings))
    assert timings["clean"] > 0


def test_article_files_are_the_files_read_for_articles(tmp_path: Path) -> None:
    (tmp_path / "story.txt").write_text("A story.", encoding="utf-8")
    (tmp_path / "story.json").write_text('{"title": "T"}', encoding="utf-8")  # its sidecar
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8" * 50)
    (tmp_path / ".hidden.txt").write_text("hidden", encoding="utf-8")
    assert list(article_files([tmp_path])) == [(tmp_path / "story.txt", 8)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("README.txt", True),
        ("SOURCE.md", True),
        ("readme-first.txt", True),
        ("LICENSE", False),  # no extension: not read as an article at all
        ("reut2-000.sgm", False),
        ("readme.html", False),
        ("sources-of-unrest.txt", False),
        ("000_13ee3422ca9f4dd4.txt", False),
    ],
)
def test_looks_like_documentation(name: str, expected: bool) -> None:
    assert looks_like_documentation(Path("/corpus") / name) is expected


@pytest.mark.slow
def test_reuters_corpus(corpora: Path) -> None:
    folder = corpora / "reuters21578"
    if not folder.is_dir():
        pytest.skip(f"Reuters-21578 not found at {folder}")
    files = sorted(folder.glob("reut2-*.sgm"))
    started = time.perf_counter()
    items = read(*files)
    seconds = time.perf_counter() - started
    problems = [item for item in items if isinstance(item, FileProblem)]
    articles = [item for item in items if isinstance(item, RawArticle)]
    assert problems == []
    assert len(articles) == 21_578
    assert sorted(int(a.key.rsplit("#", 1)[1]) for a in articles) == list(range(1, 21_579))
    assert all(a.format == "reuters" and a.source == "Reuters" for a in articles)
    assert [a.published for a in articles if parse_date(a.published) is None] == []
    assert seconds < 15, f"reading Reuters took {seconds:.1f} s"
    # Only NEWID 12793 is an empty <TEXT>: cleaning reports it, every other article cleans.
    cleaned = list(read_articles(files, SETTINGS))
    empty = [item for item in cleaned if isinstance(item, FileProblem)]
    assert [p.path.rsplit("#", 1)[1] for p in empty] == ["12793"]
    assert sum(isinstance(item, Article) for item in cleaned) == 21_577


_field = st.one_of(st.none(), st.text(max_size=30).filter(str.strip))
_record = st.fixed_dictionaries(
    {"body": st.text(min_size=1, max_size=80).filter(str.strip)},
    optional={"title": _field, "url": _field, "published": _field, "source": _field},
)


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(_record, min_size=1, max_size=5))
def test_jsonl_round_trip(tmp_path: Path, records: list[dict[str, str | None]]) -> None:
    path = tmp_path / "round.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    expected = [
        RawArticle(
            key=f"{path}#{n}",
            format="json",
            text=r["body"],
            **{k: v for k, v in r.items() if k != "body" and v is not None},
        )
        for n, r in enumerate(records, start=1)
    ]
    assert read(path) == expected


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1))
def test_decode_round_trip(text: str) -> None:
    for encoded in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8")):
        assert decode_text(encoded) == text
    assert decode_text(text.encode("utf-16")) == text
