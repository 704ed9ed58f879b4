"""search.cleaning and search.boilerplate: table-driven, on whole records."""

from __future__ import annotations

import importlib.util
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.boilerplate import (
    normalize_whitespace,
    reflow_wire_text,
    strip_chrome,
    strip_text_markup,
    unwrap_lines,
)
from search.cleaning import (
    MAX_BODY_CHARS,
    MAX_HTML_CHARS,
    EmptyArticle,
    bound_html,
    canonical_url,
    clean,
    derive_title,
    parse_date,
    shorten,
    truncate,
)
from search.models import Article, RawArticle, article_id
from search.settings import PROJECT_ROOT, Settings

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-06-23", utc(2025, 6, 23)),
        ("2025-06-23T10:00:00Z", utc(2025, 6, 23, 10)),
        ("2025-06-23 10:00:00+02:00", utc(2025, 6, 23, 8)),
        ("2025-06-23T10:00:00.123456", utc(2025, 6, 23, 10, 0, 0, 123456)),
        ("Mon, 23 Jun 2025 10:00:00 GMT", utc(2025, 6, 23, 10)),
        ("Tue, 02 Apr 2024 14:00:00 +0200", utc(2024, 4, 2, 12)),
        ("Tue, 10 Jun 2003 04:00:00 EST", utc(2003, 6, 10, 9)),
        ("26-FEB-1987 15:01:01.79", utc(1987, 2, 26, 15, 1, 1)),
        (" 3-APR-1987 07:09:06.48", utc(1987, 4, 3, 7, 9, 6)),
        ("31-MAR-1987 605:12:19.12", utc(1987, 3, 31)),  # a garbled time in the corpus
        ("June 23, 2025", utc(2025, 6, 23)),
        ("23 Jun 2025", utc(2025, 6, 23)),
        ("yesterday", None),
        ("last Monday", None),
        ("2025-13-45", None),
        ("06/07/2025", None),  # day-first or month-first? never guessed
        ("", None),
        (None, None),
        ("99-XYZ-1987 10:00:00.00", None),
    ],
)
def test_parse_date(value: str | None, expected: datetime | None) -> None:
    parsed = parse_date(value)
    assert parsed == expected
    assert parsed is None or parsed.tzinfo is UTC  # equal across zones is not enough


@given(st.text(max_size=60))
def test_parse_date_never_raises_and_is_utc(value: str) -> None:
    parsed = parse_date(value)
    assert parsed is None or parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Example.COM/a?utm_source=x&id=7#frag", "https://example.com/a?id=7"),
        ("http://example.com", "http://example.com/"),
        ("https://example.com/a?fbclid=1&utm_medium=rss", "https://example.com/a"),
        ("  https://example.com/x  ", "https://example.com/x"),
        ("ftp://example.com/file", None),
        ("javascript:alert(1)", None),
        ("/relative/path", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_url(url: str | None, expected: str | None) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Harbour Authority Approves Ferry Trial\nThe harbour...",
            "Harbour Authority Approves Ferry Trial",
        ),
        ("Short sentence as first line.\nMore.", "Short sentence as first line."),
        (
            "U.S. officials met Mr. Smith on Monday. They talked for an hour about trade.",
            "U.S. officials met Mr. Smith on Monday.",
        ),
        (
            "The council voted on Tuesday to approve a long-debated plan to rebuild the harbour"
            " wall, the bridge and the two ferry piers before the next winter storms arrive.",
            "The council voted on Tuesday to approve a long-debated plan to rebuild the harbour"
            " wall, the bridge…",
        ),
        ("“Quoted opening line,” she said.\nBody.", "“Quoted opening line,” she said."),
    ],
)
def test_derive_title(body: str, expected: str) -> None:
    assert derive_title(body) == expected


def test_shorten_never_exceeds_the_limit() -> None:
    assert shorten("a" * 300, 100) == "a" * 99 + "…"
    assert len(shorten("word " * 60, 100)) <= 100


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a  b\t\tc\u00a0d", "a b c d"),
        ("line one  \r\nline two\r\n\r\n\r\n\r\nline three", "line one\nline two\n\nline three"),
        ("zero\u200bwidth\x00 and \x07bell\ufeff", "zerowidth and bell"),
        ("  \n  padded \n ", "padded"),
        ("e\u0301te\u0301", "été"),  # NFC
    ],
)
def test_normalize_whitespace(text: str, expected: str) -> None:
    assert normalize_whitespace(text) == expected


ARTICLE = (
    "The council met on Monday to discuss the harbour.\n"
    "Related posts were mentioned by the mayor, who said the vote was close.\n"
    "The plan passes next week."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ARTICLE, ARTICLE),  # article sentences that merely contain chrome words stay
        (
            ARTICLE + "\nShare this:\nClick to share on Twitter (Opens in new window)\n"
            "Like this:\nLike Loading...\nRelated\nOther story one\nOther story two\n"
            "Leave a Reply\nYour email address will not be published. Required fields are"
            " marked *\nPost navigation",
            ARTICLE,
        ),
        (ARTICLE + "\nLeave a Reply", ARTICLE),
        (ARTICLE + "\nTags: harbour, council, vote\n3 Comments", ARTICLE),
        (ARTICLE + "\nSubscribe to our newsletter for daily updates", ARTICLE),
        (ARTICLE + "\nYou must be logged in to post a comment.", ARTICLE),
        (
            "Facebook Twitter WhatsApp Email\n" + ARTICLE + "\n© 2025 Harbour Times",
            ARTICLE,
        ),
        # A "Related Articles" heading early in a text is content, not the tail.
        (
            "Related Articles\n" + ARTICLE + "\n" + ARTICLE,
            "Related Articles\n" + ARTICLE + "\n" + ARTICLE,
        ),
    ],
)
def test_strip_chrome(text: str, expected: str) -> None:
    assert strip_chrome(text) == expected


def test_strip_text_markup() -> None:
    text = "## Heading\n> “A quote,” he said.\n>> nested\nNot > a quote marker.\n#hashtag"
    assert strip_text_markup(text) == (
        "Heading\n“A quote,” he said.\nnested\nNot > a quote marker.\n#hashtag"
    )


def test_bound_html() -> None:
    page = "<html><head><script>" + "x" * 50 + "</script></head><body><p>" + "w " * 40
    assert bound_html(page, 1000) == page  # within the limit: untouched
    assert bound_html(page, 120) == "<html><head></head><body><p>" + "w " * 40
    assert bound_html(page, 60) == "<html><head></head><body>"


@pytest.mark.slow
def test_huge_page_is_cleaned_in_bounded_time() -> None:
    paragraph = "<p>The harbour board met again today to discuss the ferry plan, item {n}. </p>"
    page = "<html><head><title>Huge</title></head><body><article>" + "".join(
        paragraph.format(n=n) for n in range(400_000)
    )
    assert len(page) > 10 * MAX_HTML_CHARS
    started = time.perf_counter()
    article = clean(RawArticle(key="k", format="html", html=page))
    assert time.perf_counter() - started < 20
    assert article.title == "Huge"
    assert 0.5 * MAX_HTML_CHARS < len(article.body) <= MAX_BODY_CHARS


def test_reflow_wire_text() -> None:
    wire = (
        "Sample Co said it raised\ngrain output by 12 pct,\nhelped by weather.\n"
        "    The company said storage\nwas near capacity.\n"
        " Free reserves..............120 vs.....135\n"
        '    "We oppose tax increases.... We will fight\ntax increases," he said.\n'
        "The kwacha fell after the\nauction.    The bank said\nit would act.\n"
    )
    assert reflow_wire_text(wire) == (
        "Sample Co said it raised grain output by 12 pct, helped by weather.\n"
        "The company said storage was near capacity.\n"
        " Free reserves..............120 vs.....135\n"
        '"We oppose tax increases.... We will fight tax increases," he said. '
        "The kwacha fell after the auction.\nThe bank said it would act."
    )


def test_truncate_at_paragraph_boundary() -> None:
    body = "\n".join(["x" * 99] * 30)  # 30 paragraphs of 100 chars with the newline
    assert truncate(body, 1050) == "\n".join(["x" * 99] * 10)
    assert truncate("short", 10) == "short"
    assert MAX_BODY_CHARS == 2_000_000
    huge = clean(RawArticle(key="k", format="text", text=("y" * 999 + "\n") * 2100))
    assert len(huge.body) <= MAX_BODY_CHARS and huge.body.endswith("y")
    assert MAX_BODY_CHARS == Settings().max_article_chars  # one default, in Settings
    # Paragraphs that end a sentence: lines a wrap cut would be joined (test_unwrap_lines).
    small = clean(RawArticle(key="k", format="text", text=("Y" * 98 + ".\n") * 30), 1050)
    assert small.body == "\n".join(["Y" * 98 + "."] * 10)


WRAPPED = """BELGIAN PRIME MINISTER DEFENDS AUSTERITY
BRUSSELS, March 23 - Belgian Prime Minister Wilfried
Martens said government austerity programs adopted in the last
six years had resolved some of the economy's urgent problems,
advisory board members Alan H.
Marcove and Gerald M. Marcove.
    Martens told Belgian television the austerity measures had
worked, he said.
Year
Shr loss 4.41 dlrs vs loss seven cts
- a list item
- another one
"""


def test_unwrap_lines() -> None:
    assert unwrap_lines(WRAPPED).split("\n") == [
        "BELGIAN PRIME MINISTER DEFENDS AUSTERITY",  # a short line before a capital
        "BRUSSELS, March 23 - Belgian Prime Minister Wilfried Martens said government"
        " austerity programs adopted in the last six years had resolved some of the"
        " economy's urgent problems, advisory board members Alan H. Marcove and Gerald M."
        " Marcove.",
        "    Martens told Belgian television the austerity measures had worked, he said.",
        "Year",
        "Shr loss 4.41 dlrs vs loss seven cts",
        "- a list item",
        "- another one",
        "",
    ]
    # A paragraph a line (lines longer than a wrap leaves them) stays as it is.
    seed = (PROJECT_ROOT / "seeds" / "000_13ee3422ca9f4dd4.txt").read_text(encoding="utf-8")
    assert unwrap_lines(seed) == seed
    # Wire copy read from a text file: the name the wrap cut is one name again.
    article = clean(RawArticle(key="k", format="text", text=WRAPPED))
    assert "Wilfried Martens said" in article.body


SEED_KEY = str(PROJECT_ROOT / "seeds" / "000_13ee3422ca9f4dd4.txt")

CLEAN_CASES: list[tuple[str, RawArticle, Article]] = [
    (
        "text with metadata",
        RawArticle(
            key="/x/a.txt",
            format="text",
            text="Ferry Trial Approved\nThe trial starts in May.\n> “Good,” she said.\n\n"
            "Share this:\nLeave a Reply\n",
            url="https://news.example.org/f?utm_source=rss#c",
            published="2024-03-05T09:30:00+01:00",
            source=" Elwyn  Gazette ",
        ),
        Article(
            id=article_id("/x/a.txt", "https://news.example.org/f"),
            key="/x/a.txt",
            title="Ferry Trial Approved",
            body="Ferry Trial Approved\nThe trial starts in May.\n“Good,” she said.",
            url="https://news.example.org/f",
            source="Elwyn Gazette",
            published=utc(2024, 3, 5, 8, 30),
        ),
    ),
    (
        "reuters story",
        RawArticle(
            key="/r/reut2-000.sgm#7",
            format="reuters",
            text="Sample Co <SMPL> said it raised\ngrain output.\n    Shares rose.",
            title="SAMPLE CO <SMPL> RAISES GRAIN OUTPUT",
            published="2-MAR-1987 09:15:30.12",
            source="Reuters",
            dateline="KANSAS CITY, March 2 -",
        ),
        Article(
            id=article_id("/r/reut2-000.sgm#7"),
            key="/r/reut2-000.sgm#7",
            title="SAMPLE CO <SMPL> RAISES GRAIN OUTPUT",
            body="Sample Co <SMPL> said it raised grain output.\nShares rose.",
            source="Reuters",
            published=utc(1987, 3, 2, 9, 15, 30),
            dateline="KANSAS CITY, March 2",
        ),
    ),
    (
        "feed item fragment",
        RawArticle(
            key="/f/river.rss#1",
            format="feed",
            html="<p>Engineers tested the barrier.</p><p>It closed in <em>nine</em> minutes.</p>",
            url="https://river.example.com/b?utm_medium=feed",
            title="Flood barrier tested",
            published="Tue, 02 Apr 2024 14:00:00 +0200",
            source="River News",
        ),
        Article(
            id=article_id("/f/river.rss#1", "https://river.example.com/b"),
            key="/f/river.rss#1",
            title="Flood barrier tested",
            body="Engineers tested the barrier.\nIt closed in nine minutes.",
            url="https://river.example.com/b",
            source="River News",
            published=utc(2024, 4, 2, 12),
        ),
    ),
    (
        "html page through trafilatura",
        RawArticle(
            key=str(FIXTURES / "html" / "mill.html"),
            format="html",
            html=(FIXTURES / "html" / "mill.html").read_text(encoding="utf-8"),
        ),
        Article(
            id=article_id("", "https://valley.example.com/news/old-mill-library"),
            key=str(FIXTURES / "html" / "mill.html"),
            title="Old Mill Reopens as Library",
            body="Old Mill Reopens as Library\n"
            "The old textile mill on the river bank reopened on Thursday as the town's new"
            " public library, after three years of restoration work paid for by residents and"
            " a national heritage grant.\n"
            "More than two thousand people queued in the rain to see the converted weaving"
            " hall, which now holds forty thousand books, a children's reading room and a"
            " small museum of the mill's history.\n"
            '"We wanted the building to belong to everyone again," said Marta Lindqvist, who'
            " led the volunteer committee that saved the mill from demolition in 2019. The"
            " library will open seven days a week.",
            url="https://valley.example.com/news/old-mill-library",
            source="Valley Courier",
            published=utc(2023, 9, 14, 8),
        ),
    ),
    (
        "html page without main text falls back to BeautifulSoup",
        RawArticle(
            key="/h/tiny.html",
            format="html",
            html="<html><head><title>Tiny</title></head><body><nav>Home</nav>"
            "<div>Short note.</div></body></html>",
            url="https://www.tiny.example/n",
        ),
        Article(
            id=article_id("/h/tiny.html", "https://www.tiny.example/n"),
            key="/h/tiny.html",
            title="Tiny",
            body="Short note.",
            url="https://www.tiny.example/n",
            source="tiny.example",
        ),
    ),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [c[1:] for c in CLEAN_CASES], ids=[c[0] for c in CLEAN_CASES]
)
def test_clean_whole_articles(raw: RawArticle, expected: Article) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        RawArticle(key="k", format="text", text="   \n\t"),
        RawArticle(key="k", format="text", text="Share this:\nLeave a Reply"),
        RawArticle(key="k", format="html", html="<html><body><script>x()</script></body></html>"),
        RawArticle(key="k", format="reuters", text="", title=None),
        RawArticle(key="k", format="json"),
    ],
)
def test_empty_article(raw: RawArticle) -> None:
    with pytest.raises(EmptyArticle):
        clean(raw)


@given(st.text(max_size=400))
def test_clean_text_never_fails_unexpectedly(text: str) -> None:
    try:
        article = clean(RawArticle(key="k", format="text", text=text))
    except EmptyArticle:
        return
    assert article.body and article.title
    assert article.body == article.body.strip()


def _load_eval() -> ModuleType:
    path = PROJECT_ROOT / "benchmarks" / "eval_cleaning.py"
    spec = importlib.util.spec_from_file_location("eval_cleaning", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shingle_scoring() -> None:
    scores = _load_eval().page_scores
    assert scores("a b c d e", "a b c d e") == (1.0, 1.0)
    assert scores("a b c d e", "") == (None, 0.0)
    assert scores("a b c d e f", "a b c d") == (1.0, 1 / 3)


# Measured 0.969 (precision 0.966, recall 0.973) on the 88 dev pages; pinned a little under.
F1_FLOOR = 0.96


@pytest.mark.slow
def test_cleaning_quality_gate(corpora: Path) -> None:
    corpus = corpora / "news-html-dev"
    if not corpus.is_dir():
        pytest.skip(f"news-html-dev not found at {corpus}")
    result = _load_eval().evaluate(corpus)
    assert result["pages"] == 88
    assert result["f1"] >= F1_FLOOR, result["f1"]
    assert result["dates_correct"] >= 19, (result["dates_correct"], result["dates_checked"])
