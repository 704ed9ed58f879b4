"""dateline follow: real sockets (tests/feed_server.py on 127.0.0.1), a real Whoosh index,
real spaCy. Politeness delays and timeouts are tiny here, never zero."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from search.follow.feeds import SourceError, expand_sources, read_listing
from search.follow.fetch import Fetcher, FetchError, Politeness
from search.follow.schedule import after_error, after_poll, parse_duration
from search.follow.state import FILE, State
from search.models import article_id
from search.service import SearchService
from search.settings import PROJECT_ROOT, Settings
from tests.feed_server import FeedServer, article_page, atom, corpus_pages, rss, wait_for

RSS = "application/rss+xml"
PYTHON = sys.executable


def fast(index_dir: Path, **overrides: object) -> Settings:
    """Settings with test-sized politeness: 10 ms between requests, 1 s timeouts."""
    values: dict[str, object] = dict(
        index_dir=index_dir,
        follow_delay_s=0.01,
        follow_connect_timeout_s=1.0,
        follow_read_timeout_s=1.0,
        follow_backoff_s=0.01,
        follow_retries=1,
        extract_workers=1,
        follow_contact="https://dateline.example/contact",
    )
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def env_for(settings: Settings) -> dict[str, str]:
    """The environment giving a ``dateline`` child process the same settings."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    for name in (
        "follow_delay_s", "follow_connect_timeout_s", "follow_read_timeout_s",
        "follow_backoff_s", "follow_retries", "extract_workers", "follow_contact",
    ):  # fmt: skip
        env[f"DATELINE_{name.upper()}"] = str(getattr(settings, name))
    return env


def items(server: FeedServer, numbers: range, prefix: str = "/a/") -> list[dict[str, str]]:
    return [
        {
            "title": f"Report {n}",
            "link": server.url(f"{prefix}{n}"),
            "guid": f"guid-{n}",
            "pubDate": "Mon, 02 Mar 2026 10:00:00 GMT",
        }
        for n in numbers
    ]


def serve_articles(server: FeedServer, numbers: range, prefix: str = "/a/") -> None:
    for n in numbers:
        server.route(f"{prefix}{n}", article_page(n))


@contextmanager
def following(service: SearchService, *urls: str):  # type: ignore[no-untyped-def]
    """A follower of ``urls``, closed on leaving."""
    follower = service.follower()
    try:
        follower.add_sources(list(urls), 900)
        yield follower
    finally:
        follower.close()


def follow_once(service: SearchService, *urls: str):  # type: ignore[no-untyped-def]
    with following(service, *urls) as follower:
        return follower.run(once=True)


def run_cli(
    settings: Settings, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "web.cli", "--index", str(settings.index_dir), *args],
        capture_output=True, text=True, timeout=timeout, env=env_for(settings), cwd=PROJECT_ROOT,
    )  # fmt: skip


# ---------------------------------------------------------------- polls


def test_a_poll_indexes_new_items_and_an_unchanged_feed_fetches_no_page(tmp_path: Path) -> None:
    service = SearchService(fast(tmp_path / "index"))
    with FeedServer() as server:
        serve_articles(server, range(10))
        server.route("/feed", rss("Test News", items(server, range(3))), content_type=RSS)
        report = follow_once(service, server.url("/feed"))
        assert (report.new_items, report.fetched, report.indexed, report.ok) == (3, 3, 3, True)
        assert service.search_params({"q": "council"}).total == 3
        # The User-Agent names Dateline and the contact URL.
        agent = next(h.headers["User-Agent"] for h in server.hits if h.path == "/a/0")
        assert "Dateline/" in agent and "https://dateline.example/contact" in agent

        server.clear()
        report = follow_once(service, server.url("/feed"))
        assert report.unchanged == 1 and report.fetched == 0
        # A 304: no article page fetched (robots.txt is read again: a new follower).
        assert [p for p in server.paths() if p != "/robots.txt"] == ["/feed"]
        feed_hit = next(h for h in server.hits if h.path == "/feed")
        assert feed_hit.status == 304 and "If-None-Match" in feed_hit.headers

        server.route("/feed", rss("Test News", items(server, range(8))), content_type=RSS)
        server.clear()
        report = follow_once(service, server.url("/feed"))
        assert sorted(server.paths("/a/")) == [f"/a/{n}" for n in range(3, 8)]
        assert (report.new_items, report.indexed) == (5, 5)
        url3 = server.url("/a/3")
    assert service.search_params({"q": "council"}).total == 8
    # The page's date wins over the feed's (2 March): report 3's page says 4 March.
    doc = service.article(article_id(url3, url3))
    assert doc.published is not None and doc.published.day == 4 and doc.title == "Report 3"


def test_ner_workers_last_the_follow_and_go_with_it(tmp_path: Path) -> None:
    """The follow's batches are extracted by NER workers kept for the whole follow (split
    among them), so the follow fetches while they extract; none outlives the follower."""
    import multiprocessing

    service = SearchService(fast(tmp_path / "index", extract_workers=2, follow_batch=10))
    with FeedServer() as server:
        serve_articles(server, range(40))
        server.route("/feed", rss("Test News", items(server, range(40))), content_type=RSS)
        with following(service, server.url("/feed")) as follower:
            report = follower.run(once=True)
            workers = multiprocessing.active_children()
            assert len(workers) == 2  # the same two for every batch
    assert (report.fetched, report.indexed, report.ok) == (40, 40, True)
    assert not any(w.is_alive() for w in workers)
    assert service.search_params({"q": "council"}).total == 40


def test_entities_extracted_early_are_indexed_without_ner(tmp_path: Path) -> None:
    """The follow hands a batch's entities, extracted while the batch before was written,
    to its run: the run takes them as cached ones, extracts nothing and caches them."""
    from search.indexing import add_articles
    from search.models import Actor, Article, Entities
    from search.workers import Extractor

    settings = fast(tmp_path / "index")
    service = SearchService(settings)
    url = "https://news.example/1"
    article = Article(id=article_id(url, url), key=url, title="Talks", body="The council met.")
    given = Entities(actors=(Actor("Dorvak Institute", "org"),))
    with Extractor(1) as extractor:
        report = add_articles(
            service.backend,
            settings,
            [article],
            extractor=extractor,
            extracted={article.content_hash: given},
        )
        assert extractor._batches == 0  # no NER ran
    assert report.indexed == 1
    assert service.article(article.id).actors == ("Dorvak Institute",)


def test_a_killed_ner_worker_delays_its_pages_to_the_next_poll(tmp_path: Path) -> None:
    """A worker killed (out of memory, by hand) costs no page: the batch that met it is
    indexed by the next poll, without fetching again, and new workers take over."""
    import multiprocessing

    service = SearchService(fast(tmp_path / "index", extract_workers=2))
    with FeedServer() as server:
        serve_articles(server, range(6))
        server.route("/feed", rss("Test News", items(server, range(3))), content_type=RSS)
        with following(service, server.url("/feed")) as follower:
            assert follower.run(once=True).indexed == 3
            os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)
            server.route("/feed", rss("Test News", items(server, range(6))), content_type=RSS)
            report = follower.run(once=True)
            # The batch that met the dead worker waits; the next ones get new workers.
            waiting = len(report.article_errors)
            assert waiting >= 1 and report.indexed + waiting == 3 and not report.ok
            assert all("NER worker died" in reason for _, reason in report.article_errors)
            report = follower.run(once=True)  # the waiting pages go in, not fetched again
            assert (report.indexed, report.ok, report.fetched) == (waiting, True, 0)
    assert service.search_params({"q": "council"}).total == 6


def test_last_modified_alone_and_no_validators_at_all(tmp_path: Path) -> None:
    service = SearchService(fast(tmp_path / "index"))
    with FeedServer() as server:
        serve_articles(server, range(4))
        server.route("/dated", rss("Dated", items(server, range(2))), content_type=RSS, etag=False)
        bare = rss("Bare", items(server, range(2, 4)))
        server.route("/bare", bare, content_type=RSS, etag=False, last_modified=False)
        assert follow_once(service, server.url("/dated"), server.url("/bare")).indexed == 4
        server.clear()
        report = follow_once(service, server.url("/dated"), server.url("/bare"))
        assert report.unchanged == 2 and server.paths("/a/") == []
        dated = next(h for h in server.hits if h.path == "/dated")
        assert dated.status == 304 and "If-Modified-Since" in dated.headers
        # No validators: a 200 with the same body, recognised by its hash.
        assert next(h for h in server.hits if h.path == "/bare").status == 200


def test_duplicates_tracking_parameters_guids_and_articles_already_indexed(tmp_path: Path) -> None:
    service = SearchService(fast(tmp_path / "index"))
    with FeedServer() as server:
        serve_articles(server, range(4))
        server.route("/b/0", article_page(0))  # article 0 again, under another address
        server.route("/c/1", article_page(1, canonical=server.url("/a/1")))
        entries = [
            {
                "title": "R0",
                "link": server.url("/a/0?utm_source=rss&utm_medium=feed"),
                "guid": "g0",
            },
            {"title": "R0 again", "link": server.url("/a/0?fbclid=abc"), "guid": "g0b"},
            {"title": "R1", "link": server.url("/a/1"), "guid": "g1"},
            {"title": "R2", "link": server.url("/a/2"), "guid": "g1"},  # duplicate GUID
            {"title": "R1 elsewhere", "link": server.url("/c/1"), "guid": "g9"},
        ]
        server.route("/feed", rss("Dups", entries), content_type=RSS)
        report = follow_once(service, server.url("/feed"))
        assert report.indexed == 2, report
        assert server.paths("/a/") == ["/a/0", "/a/1"]  # the tracking-parameter copy: once
        assert report.duplicates == 1  # /c/1 names /a/1 as its canonical URL
        # A second feed listing an article already in the index: not fetched again.
        other = [{"title": "x", "link": server.url("/a/1"), "id": "other-1"}]
        server.route("/feed2", atom("Other", other), content_type="application/atom+xml")
        server.clear()
        report = follow_once(service, server.url("/feed2"))
        assert server.paths("/a/") == [] and report.indexed == 0
    assert service.search_params({"q": "council", "group": "none"}).total == 2


def test_faults_are_reported_per_source_and_page_and_never_stop_the_others(
    tmp_path: Path,
) -> None:
    service = SearchService(fast(tmp_path / "index", follow_max_bytes=200_000))
    with FeedServer() as server:
        serve_articles(server, range(3))
        server.route(
            "/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
        )
        server.route("/private/1", article_page(11))
        server.route("/moved", b"", status=301, headers={"Location": "/a/2"})
        server.route("/loop1", b"", status=302, headers={"Location": "/loop2"})
        server.route("/loop2", b"", status=302, headers={"Location": "/loop1"})
        server.route("/slow", article_page(12), delay_s=30)
        server.route("/gone", "no", status=404)
        server.route("/broken", "oops", status=500)
        server.route("/huge", b"<html><body>" + b"x" * 300_000 + b"</body></html>")
        bomb = gzip.compress(b"<html><body>" + b" " * 50_000_000 + b"</body></html>")
        server.route("/bomb", bomb, gzip=True)
        server.route("/zipped", gzip.compress(article_page(13).encode()), gzip=True)
        latin = article_page(14, title="Zürich café report").encode("cp1252")
        server.route("/latin", latin, content_type="text/html; charset=utf-8")  # wrong charset
        paths = ["/a/0", "/a/1", "/private/1", "/moved", "/loop1", "/slow", "/gone",
                 "/broken", "/huge", "/bomb", "/zipped", "/latin"]  # fmt: skip
        entries = [{"title": f"T{p}", "link": server.url(p), "guid": p} for p in paths]
        server.route("/feed", rss("Faults", entries), content_type=RSS)
        server.route("/bad.xml", "<rss><channel><item><title>x</ti", content_type=RSS)
        server.route("/down", "down", status=503)
        server.route("/notfeed", "<!doctype html><html><body>hi</body></html>")
        report = follow_once(
            service, server.url("/feed"), server.url("/bad.xml"), server.url("/down"),
            server.url("/notfeed"), "http://127.0.0.1:9/closed-port.xml",
        )  # fmt: skip
        broken_hits = server.paths("/broken")
    errors = {url.rsplit("/", 1)[-1]: reason for url, reason in report.article_errors}
    assert errors["1"] == f"disallowed by robots.txt (127.0.0.1:{server.httpd.server_address[1]})"
    assert "redirect loop" in errors["loop1"]
    assert "timed out" in errors["slow"]
    assert errors["gone"] == "HTTP 404 Not Found"
    assert errors["broken"] == "HTTP 500 Internal Server Error"
    assert len(broken_hits) == 2  # retried once
    assert "too large" in errors["huge"] and "decompressed" in errors["bomb"]
    assert set(errors) == {"1", "loop1", "slow", "gone", "broken", "huge", "bomb"}
    assert report.indexed == 5  # /a/0, /a/1, /moved (= /a/2), /zipped, /latin
    sources = {url.rsplit("/", 1)[-1]: reason for url, reason in report.source_errors}
    # feedparser recovers what it can of invalid XML; the source is reported all the same.
    assert sources["bad.xml"] == "feed is truncated (no closing root tag)"
    assert sources["down"] == "HTTP 503 Service Unavailable"
    assert sources["notfeed"] == "an HTML page, not a feed or sitemap"
    assert "network error" in sources["closed-port.xml"] or "robots" in sources["closed-port.xml"]
    assert not report.ok
    assert service.search_params({"q": "Zürich"}).total == 1
    status = {s["url"].rsplit("/", 1)[-1]: s for s in service.sources()["sources"]}
    assert status["down"]["errors"] == 1 and status["down"]["last_error"].startswith("HTTP 503")
    assert status["feed"]["items_indexed"] == 5


def test_a_failing_source_is_polled_less_often_and_intervals_adapt() -> None:
    assert after_error(900, 1) == 900 and after_error(900, 3) == 3600
    assert after_error(900, 30) == 86400
    assert after_poll(900, 900, 0, 5) == 450  # busy feed: polled more often
    assert after_poll(900, 900, 0, 0) == 1350  # quiet feed: less often
    assert after_poll(225, 900, 0, 9) == 225  # never below a quarter of the interval
    assert after_poll(900, 900, 3600, 9) == 3600  # ttl / sy:updatePeriod is a floor
    assert parse_duration("15m") == 900 and parse_duration("90") == 90
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_feed_hints_sitemaps_opml_and_url_lists(tmp_path: Path) -> None:
    hinted = rss(
        "Hints", [], extra="<ttl>120</ttl><sy:updatePeriod>daily</sy:updatePeriod>"
    ).encode()
    assert read_listing(hinted, "http://x/feed").floor_s == 86400
    sitemap = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        b' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>/a/1</loc>'
        b"<news:news><news:publication_date>2026-03-01</news:publication_date>"
        b"<news:title>One</news:title></news:news></url></urlset>"
    )
    listing = read_listing(sitemap, "http://x/sitemap.xml")
    assert listing.kind == "sitemap"
    assert [(i.url, i.title, i.published) for i in listing.items] == [
        ("http://x/a/1", "One", "2026-03-01")
    ]
    (tmp_path / "feeds.opml").write_text(
        '<opml version="2.0"><body><outline text="a" xmlUrl="http://x/a.xml"/>'
        '<outline text="g"><outline xmlUrl="https://y/b.rss"/></outline></body></opml>'
    )
    (tmp_path / "list.txt").write_text("# my feeds\nhttp://x/a.xml\n\nhttp://z/c.xml\n")
    assert expand_sources([str(tmp_path / "feeds.opml"), str(tmp_path / "list.txt")]) == [
        "http://x/a.xml", "https://y/b.rss", "http://z/c.xml",
    ]  # fmt: skip
    with pytest.raises(SourceError, match="nope.txt: no such file"):
        expand_sources([str(tmp_path / "nope.txt")])
    with pytest.raises(SourceError, match="only http and https"):
        expand_sources(["ftp://x/feed"])


def test_a_news_sitemap_is_followed(tmp_path: Path) -> None:
    service = SearchService(fast(tmp_path / "index"))
    with FeedServer() as server:
        serve_articles(server, range(2))
        locs = "".join(f"<url><loc>{server.url(f'/a/{n}')}</loc></url>" for n in range(2))
        server.route(
            "/sitemap.xml",
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>',
            content_type="application/xml",
        )
        report = follow_once(service, server.url("/sitemap.xml"))
    assert report.indexed == 2 and report.ok


def test_robots_crawl_delay_is_honoured(tmp_path: Path) -> None:
    fetcher = Fetcher(Politeness(delay_s=0.01, read_timeout_s=2, connect_timeout_s=2))
    try:
        with FeedServer() as server:
            server.route(
                "/robots.txt", "User-agent: *\nCrawl-delay: 1\n", content_type="text/plain"
            )
            server.route("/x", "<html>x</html>")
            fetcher.get(server.url("/x"))
            # The next request to that host may not start before the crawl-delay has passed.
            assert fetcher.ready_at(server.url("/x")) - time.monotonic() > 0.5
            with pytest.raises(FetchError, match="HTTP 404"):
                fetcher.get(server.url("/missing"))
            assert server.hits[-1].path == "/missing"
            gaps = [b - a for a, b in zip(server.times, server.times[1:], strict=False)]
            assert min(gaps[1:]) >= 0.9  # robots.txt, /x, then /missing a second later
    finally:
        fetcher.close()


# ---------------------------------------------------------------- command line


def test_cli_once_exit_codes_status_and_a_url_for_reindex(tmp_path: Path) -> None:
    settings = fast(tmp_path / "index")
    with FeedServer() as server:
        serve_articles(server, range(3))
        server.route("/feed", rss("CLI News", items(server, range(2))), content_type=RSS)
        server.route("/gone-feed", "no", status=404)
        gone_page = server.url("/a/404")
        server.route("/page-gone-feed", rss("Gone", [{"title": "?", "link": gone_page}]))
        (tmp_path / "list.txt").write_text(server.url("/feed") + "\n")
        done = run_cli(settings, "follow", str(tmp_path / "list.txt"), "--once")
        assert done.returncode == 0, done.stderr
        assert "2 indexed" in done.stdout
        failed = run_cli(
            settings, "follow", server.url("/gone-feed"), server.url("/page-gone-feed"), "--once"
        )
        assert failed.returncode == 1
        assert f"source {server.url('/gone-feed')}: HTTP 404 Not Found" in failed.stdout
        assert f"article {gone_page}: HTTP 404" in failed.stdout
        status = run_cli(settings, "follow", "--status", "--json")
        info = json.loads(status.stdout)
        by_url = {s["url"]: s for s in info["sources"]}
        assert by_url[server.url("/feed")]["items_indexed"] == 2
        assert by_url[server.url("/gone-feed")]["last_error"] == "HTTP 404 Not Found"
        # A page that failed is the source's too, with its reason, after the run that met it.
        assert by_url[server.url("/page-gone-feed")]["pages_failed"] == 1
        assert by_url[server.url("/feed")]["pages_failed"] == 0
        assert [(p["url"], p["source"]) for p in info["failed_pages"]] == [
            (gone_page, server.url("/page-gone-feed"))
        ]
        assert info["failed_pages"][0]["reason"].startswith("HTTP 404")
        assert info["last_updated"]
        text = run_cli(settings, "follow", "--status").stdout
        assert "CLI News" in text and "last error: HTTP 404 Not Found" in text
        assert "pages failed 1" in text and f"  {gone_page}: HTTP 404" in text
        page = run_cli(settings, "reindex", server.url("/a/2"))
        assert page.returncode == 0, page.stderr
        assert "1 indexed" in page.stdout
        bad = run_cli(settings, "follow", "nope.txt")
        assert bad.returncode == 1 and "nope.txt: no such file" in bad.stderr
        assert "Traceback" not in bad.stderr
    service = SearchService(settings)
    assert service.search_params({"q": "council"}).total == 3


def test_cli_remove_stops_following_and_keeps_the_articles(tmp_path: Path) -> None:
    settings = fast(tmp_path / "index")
    with FeedServer() as server:
        serve_articles(server, range(3))
        server.route("/feed", rss("Gone Soon", items(server, range(2))), content_type=RSS)
        assert run_cli(settings, "follow", server.url("/feed"), "--once").returncode == 0
        removed = run_cli(settings, "follow", "--remove", server.url("/feed"))
        assert removed.returncode == 0, removed.stderr
        assert f"no longer followed: {server.url('/feed')}" in removed.stdout
        unknown = run_cli(settings, "follow", "--remove", server.url("/other"))
        assert unknown.returncode == 1 and "not followed" in unknown.stdout
        status = json.loads(run_cli(settings, "follow", "--status", "--json").stdout)
        assert status["sources"] == []
        assert SearchService(settings).search_params({"q": "council"}).total == 2
        pages = len(server.paths("/a/0"))
        again = run_cli(settings, "follow", server.url("/feed"), "--once")  # followed anew
        assert again.returncode == 0 and len(server.paths("/a/0")) == pages  # not refetched


def test_sigkill_mid_poll_then_restart_loses_nothing_and_indexes_nothing_twice(
    tmp_path: Path,
) -> None:
    # Each page takes 50 ms between requests: the kill lands while pages are fetched.
    settings = fast(tmp_path / "index", follow_delay_s=0.05, follow_batch=4)
    count = 24
    with FeedServer() as server:
        serve_articles(server, range(count))
        server.route("/feed", rss("Kill", items(server, range(count))), content_type=RSS)
        args = [PYTHON, "-m", "web.cli", "--index", str(settings.index_dir), "follow",
                server.url("/feed"), "--once"]  # fmt: skip
        child = subprocess.Popen(
            args, env=env_for(settings), cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            assert wait_for(lambda: len(server.paths("/a/")) >= 10, timeout=90)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        before = server.paths("/a/")
        done = run_cli(settings, "follow", "--once")
        assert done.returncode == 0, done.stdout + done.stderr
        fetched = server.paths("/a/")
    again = [p for p in set(before) if fetched.count(p) > 1]
    assert len(again) <= 1, again  # at most the page it was on
    assert sorted(set(fetched)) == sorted(f"/a/{n}" for n in range(count))
    page = SearchService(settings).search_params(
        {"q": "council", "per_page": "100", "group": "none"}
    )
    assert page.total == count and len({h.id for h in page.hits}) == count
    state = State(settings.index_dir / FILE)
    assert state.counts() == {"indexed": count}
    state.close()


def test_sigterm_finishes_the_current_article_and_exits_cleanly(tmp_path: Path) -> None:
    settings = fast(tmp_path / "index", follow_delay_s=0.2)
    with FeedServer() as server:
        serve_articles(server, range(30))
        server.route("/feed", rss("Term", items(server, range(30))), content_type=RSS)
        args = [PYTHON, "-m", "web.cli", "--index", str(settings.index_dir), "follow",
                server.url("/feed"), "--every", "1h"]  # fmt: skip
        child = subprocess.Popen(
            args, env=env_for(settings), cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert wait_for(lambda: len(server.paths("/a/")) >= 3, timeout=90)
            child.send_signal(signal.SIGTERM)
            out, err = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        fetched = len(server.paths("/a/"))
    assert child.returncode == 0, err
    assert "Traceback" not in err
    assert fetched < 30  # it stopped
    service = SearchService(settings)
    state = State(settings.index_dir / FILE)
    counts = state.counts()
    state.close()
    # Every page fetched before the stop was indexed; the rest wait, queued.
    assert counts.get("indexed") == fetched == service.search_params({"q": "council"}).total
    assert counts.get("queued", 0) == 30 - fetched


@pytest.mark.slow
def test_real_article_pages_behind_a_generated_feed(tmp_path: Path, corpora: Path) -> None:
    pages = corpus_pages(corpora, 12)
    service = SearchService(fast(tmp_path / "index"))
    with FeedServer() as server:
        for n, page in enumerate(pages):
            server.route(f"/real/{n}", page)
        entries = [{"title": "", "link": server.url(f"/real/{n}"), "guid": str(n)}
                   for n in range(len(pages))]  # fmt: skip
        server.route("/feed", rss("Real", entries), content_type=RSS)
        report = follow_once(service, server.url("/feed"))
    assert report.indexed + len(report.article_errors) + report.duplicates == len(pages)
    assert report.indexed >= len(pages) - 2, report.article_errors
    # Their ids are their canonical URLs (the sites' own, from <link rel=canonical>).
    page = service.search_params({"q": "", "per_page": "50", "group": "none"})
    own = [h.url for h in page.hits if h.url and not h.url.startswith(server.base)]
    assert len(own) >= len(page.hits) - 2, [h.url for h in page.hits]


def test_the_site_answers_searches_while_a_follow_runs_and_lists_the_sources(
    tmp_path: Path,
) -> None:
    from web import create_app

    settings = fast(tmp_path / "index", follow_delay_s=0.05, follow_batch=3)
    count = 15
    with FeedServer() as server:
        serve_articles(server, range(count))
        server.route("/feed", rss("Live <News>", items(server, range(count))), content_type=RSS)
        assert follow_once(SearchService(settings), server.url("/feed")).ok
        app = create_app({"SETTINGS": settings, "TESTING": True})
        client = app.test_client()
        server.route("/feed2", rss("More", items(server, range(count), "/m/")), content_type=RSS)
        for n in range(count):
            server.route(f"/m/{n}", article_page(100 + n))
        args = [PYTHON, "-m", "web.cli", "--index", str(settings.index_dir), "follow",
                server.url("/feed2"), "--once"]  # fmt: skip
        child = subprocess.Popen(
            args, env=env_for(settings), cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        totals = []
        try:
            while child.poll() is None:
                response = client.get("/api/search?q=council&sort=newest")
                assert response.status_code == 200, response.get_data(as_text=True)
                totals.append(response.get_json()["total"])
                assert client.get("/api/sources").status_code == 200
            out, err = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert child.returncode == 0, err
    assert totals and totals == sorted(totals)  # grows while the follow runs, never fails
    final = client.get("/api/search?q=council").get_json()["total"]
    assert final == 2 * count
    info = client.get("/api/sources").get_json()
    assert info["ok"] and info["last_updated"]
    assert {s["items_indexed"] for s in info["sources"]} == {count}
    page = client.get("/sources").get_data(as_text=True)
    assert "Live &lt;News&gt;" in page and server.url("/feed2") in page
    search = client.get("/?q=council").get_data(as_text=True)
    assert 'id="archive-updated"' in search


@pytest.mark.slow
def test_follow_into_typesense(tmp_path: Path) -> None:
    from dataclasses import replace

    from tests.typesense_helpers import start_cluster, ts_settings

    cluster = start_cluster(1)
    try:
        settings = replace(
            ts_settings(cluster, tmp_path / "index", "follow"),
            **{
                k: v
                for k, v in vars_of(fast(tmp_path / "index")).items()
                if k.startswith(("follow_", "extract"))
            },
        )
        service = SearchService(settings)
        with FeedServer() as server:
            serve_articles(server, range(6))
            server.route("/feed", rss("TS", items(server, range(4))), content_type=RSS)
            report = follow_once(service, server.url("/feed"))
            assert (report.indexed, report.ok) == (4, True)
            server.route("/feed", rss("TS", items(server, range(6))), content_type=RSS)
            server.clear()
            report = follow_once(service, server.url("/feed"))
            assert report.indexed == 2 and sorted(server.paths("/a/")) == ["/a/4", "/a/5"]
        page = service.search_params({"q": "council", "sort": "newest"})
        assert page.total == 6
    finally:
        cluster.stop()


def vars_of(settings: Settings) -> dict[str, object]:
    from dataclasses import fields

    return {f.name: getattr(settings, f.name) for f in fields(settings)}


def test_one_follow_per_index_and_hostile_item_links(tmp_path: Path) -> None:
    from search.follow.state import FollowBusy

    service = SearchService(fast(tmp_path / "index"))
    first = service.follower()
    try:
        with pytest.raises(FollowBusy, match="another `dateline follow` is running"):
            service.follower()
    finally:
        first.close()
    with FeedServer() as server:
        serve_articles(server, range(1))
        links = ["javascript:alert(1)", "http://[::1", "ftp://x/y", "", "/a/0", "http://%zz/"]
        entries = [
            {"title": f"t{n}", "link": link, "guid": f"h{n}"} for n, link in enumerate(links)
        ]
        server.route("/feed", rss("Hostile", entries), content_type=RSS)
        report = follow_once(service, server.url("/feed"))
    # The relative link is resolved against the feed; the others are no article links.
    assert report.indexed == 1, report


def test_hostile_feed_and_page_bodies_are_reported_not_raised(tmp_path: Path) -> None:
    service = SearchService(fast(tmp_path / "index"))
    bodies = {
        "/f/binary": bytes(range(256)) * 40,
        "/f/empty": b"",
        "/f/deep": b"<rss>" + b"<item>" * 20000,
        "/f/entities": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss><channel><title>&b;</title>'
        b"</channel></rss>",
        "/f/utf16": rss("Wide", []).encode("utf-16"),
    }
    with FeedServer() as server:
        for path, body in bodies.items():
            server.route(path, body, content_type=RSS)
        pages = {"/p/binary": bytes(range(256)) * 40, "/p/empty": b"", "/p/pdf": b"%PDF-1.4"}
        for path, body in pages.items():
            server.route(
                path, body, content_type="application/pdf" if "pdf" in path else "text/html"
            )
        entries = [{"title": p, "link": server.url(p), "guid": p} for p in pages]
        server.route("/feed", rss("Pages", entries), content_type=RSS)
        report = follow_once(service, server.url("/feed"), *(server.url(p) for p in bodies))
    assert report.indexed == 0
    assert {url.rsplit("/", 1)[-1] for url, _ in report.article_errors} == {
        "binary",
        "empty",
        "pdf",
    }
    reasons = dict(report.article_errors)
    assert "not an HTML page (content type application/pdf)" in reasons.values()
    failed_sources = {url.rsplit("/", 1)[-1] for url, _ in report.source_errors}
    assert {"binary", "empty"} <= failed_sources


def test_a_reindex_holding_the_lock_makes_pages_wait_not_fail(tmp_path: Path) -> None:
    service = SearchService(fast(tmp_path / "index"))
    with FeedServer() as server:
        serve_articles(server, range(3))
        server.route("/feed", rss("Locked", items(server, range(3))), content_type=RSS)
        with service.backend.lock():  # as a running `dateline reindex` holds it
            report = follow_once(service, server.url("/feed"))
        assert report.busy and report.fetched == 3 and report.indexed == 0
        server.clear()
        report = follow_once(service, server.url("/feed"))
        # The fetched pages were kept: indexed now without being fetched again.
        assert report.indexed == 3 and server.paths("/a/") == []
    assert service.search_params({"q": "council"}).total == 3


def test_a_one_off_fetch_of_a_feed_and_of_a_page(tmp_path: Path) -> None:
    service = SearchService(fast(tmp_path / "index"))
    with FeedServer() as server:
        serve_articles(server, range(3))
        server.route("/feed", rss("Once", items(server, range(2))), content_type=RSS)
        follower = service.follower()
        try:
            report = follower.fetch_urls([server.url("/feed"), server.url("/a/2")])
            assert (report.indexed, report.ok) == (3, True)
            again = follower.fetch_urls([server.url("/a/2"), server.url("/nothing")])
            assert again.known == 1 and again.indexed == 0
            assert again.source_errors == [(server.url("/nothing"), "HTTP 404 Not Found")]
            assert follower.state.sources() == []  # a one-off fetch follows nothing
        finally:
            follower.close()


def test_the_sources_page_escapes_what_feeds_and_servers_say(tmp_path: Path) -> None:
    from tests.reliability_helpers import injection_problems
    from web import create_app

    settings = fast(tmp_path / "index")
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    with FeedServer() as server:
        server.route("/feed", rss(payload, []), content_type=RSS)
        server.route("/bad", payload, status=500, content_type="text/html")
        page_link = server.url("/gone/") + payload  # a page that fails, listed on the page
        server.route("/pages", rss("Pages", [{"title": "x", "link": page_link}]))
        sources = (server.url("/feed"), server.url("/bad") + "?x=<b>", server.url("/pages"))
        follow_once(SearchService(settings), *sources)
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    page = client.get("/sources")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="failed-pages"' in html
    assert injection_problems(html) == []
    assert "&lt;script&gt;" in html
    assert client.get("/api/sources").get_json()["sources"][0]["title"] == payload


def test_retry_after_is_honoured_within_the_limit() -> None:
    fetcher = Fetcher(Politeness(delay_s=0.01, backoff_s=0.01, retries=1, max_delay_s=5))
    try:
        with FeedServer() as server:
            server.route("/busy", "later", status=503, headers={"Retry-After": "1"})
            server.route("/gone-long", "later", status=503, headers={"Retry-After": "3600"})
            with pytest.raises(FetchError, match="HTTP 503"):
                fetcher.get(server.url("/busy"))
            times = [t for t, h in zip(server.times, server.hits, strict=True) if h.path == "/busy"]
            assert len(times) == 2 and times[1] - times[0] >= 0.9
            with pytest.raises(FetchError, match="HTTP 503"):
                fetcher.get(server.url("/gone-long"))
            assert server.paths("/gone-long") == ["/gone-long"]  # not retried for an hour
    finally:
        fetcher.close()


def test_a_page_failing_for_a_passing_reason_is_fetched_again_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search.follow import state as follow_state

    service = SearchService(fast(tmp_path / "index"))
    with FeedServer() as server:
        server.route("/flaky", "try later", status=500)
        server.route("/gone", "no", status=404)
        entries = [
            {"title": f"T{p}", "link": server.url(p), "guid": p} for p in ("/flaky", "/gone")
        ]
        server.route("/feed", rss("Flaky", entries), content_type=RSS)
        first = follow_once(service, server.url("/feed"))
        assert first.retry_later == 1 and not first.ok
        state = State(tmp_path / "index" / FILE)
        try:
            assert state.status_of(server.url("/flaky")) == "queued"  # waits its turn
            assert state.status_of(server.url("/gone")) == "failed"  # a 404 is final
        finally:
            state.close()
        hits = len(server.paths("/flaky"))
        follow_once(service, server.url("/feed"))
        assert len(server.paths("/flaky")) == hits  # not due yet: not fetched
        monkeypatch.setattr(follow_state, "RETRY_WAIT_S", 0.0)
        state = State(tmp_path / "index" / FILE)
        try:  # the wait is over (as if a minute passed)
            state.db.execute("UPDATE urls SET retry_at=0")
            state.db.commit()
        finally:
            state.close()
        server.route("/flaky", article_page(21))
        again = follow_once(service, server.url("/feed"))
    assert again.indexed == 1 and again.ok
    assert service.search_params({"q": "report 21"}).total == 1


def test_a_page_that_keeps_failing_is_given_up_after_its_tries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search.follow import state as follow_state

    monkeypatch.setattr(follow_state, "RETRY_WAIT_S", 0.0)
    service = SearchService(fast(tmp_path / "index"))
    with FeedServer() as server:
        server.route("/down", "down", status=503)
        entry = {"title": "T", "link": server.url("/down"), "guid": "down"}
        server.route("/feed", rss("Down", [entry]), content_type=RSS)
        retried = [follow_once(service, server.url("/feed")).retry_later for _ in range(4)]
    assert retried == [1, 1, 0, 0]  # tries 1 and 2 wait, the 3rd is final, then no more
    state = State(tmp_path / "index" / FILE)
    try:
        assert state.status_of(server.url("/down")) == "failed"
    finally:
        state.close()


def test_a_full_rebuild_keeps_the_articles_taken_from_the_web(tmp_path: Path) -> None:
    """No path given to ``reindex --full`` can read a followed article again: the rebuild
    carries it over as stored (its NER from the cache: the same content hash)."""
    settings = fast(tmp_path / "index")
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "local.txt").write_text("Harbour talks\n\nThe harbour board met in Quill today.\n")
    service = SearchService(settings)
    service.reindex([folder])
    with FeedServer() as server:
        serve_articles(server, range(2))
        server.route("/feed", rss("Web", items(server, range(2))), content_type=RSS)
        assert follow_once(service, server.url("/feed")).indexed == 2
    before = {d.id: d.content_hash for d in service.backend.iter_documents()}
    rebuilt = service.reindex([folder], full=True)
    assert rebuilt.full and rebuilt.total_documents == 3
    after = {d.id: d.content_hash for d in service.backend.iter_documents()}
    assert after == before
    assert service.search_params({"q": "council"}).total == 2
    assert service.search_params({"q": "harbour board"}).total == 1
