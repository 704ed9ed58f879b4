"""One follow: poll the due sources, fetch the new articles, index them, repeat.

A poll fetches each due feed or sitemap (conditionally), queues the items never seen (by
canonical URL, also by GUID) in the state file, then fetches their pages one host at a
time (the host that may be asked soonest first, so delays on one host overlap fetches
from others), cleans each page as an HTML file is cleaned, and adds the articles to the
index in batches through :func:`search.indexing.add_articles` (entities, copies, stories).
"""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
import time
from collections import deque
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urljoin

from search.backends import Backend
from search.backends.shared import writable_error
from search.cleaning import canonical_url, parse_date
from search.errors import BackendError, IndexBusyError
from search.follow import schedule
from search.follow.feeds import Listing, read_listing
from search.follow.fetch import Fetcher, FetchError, Politeness, Response
from search.follow.state import FILE, LOCK_FILE, FollowLock, Queued, Source, State
from search.indexing import MIN_SPLIT, add_articles
from search.models import Article, Entities, FileProblem, RawArticle, article_id
from search.settings import Settings
from search.sources import clean_one
from search.sources.decode import BinaryContent, declared_charset, decode_text
from search.workers import Extractor

log = logging.getLogger(__name__)

# Index at least this often while fetching many pages, so searches see articles early;
# and whenever the background indexer is idle, whatever is ready (its work overlaps the
# politeness waits of the next pages; only the last batch is waited for).
INDEX_EVERY_S = 10.0
_CANONICAL = re.compile(r"<link\b[^>]*\brel=[\"']?canonical[\"']?[^>]*>", re.I)
_HREF = re.compile(r"\bhref=[\"']?([^\"'\s>]+)", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


_Job = tuple[threading.Thread, list[tuple[Queued, Article]], dict[str, Any], float]
# Articles sent to the NER workers before their run, and the handle of their entities.
_Early = tuple[list[Article], Any]


def politeness_from(settings: Settings) -> Politeness:
    """The fetcher's limits from the settings (``DATELINE_FOLLOW_*``)."""
    return Politeness(
        contact=settings.follow_contact,
        delay_s=settings.follow_delay_s,
        connect_timeout_s=settings.follow_connect_timeout_s,
        read_timeout_s=settings.follow_read_timeout_s,
        max_bytes=settings.follow_max_bytes,
        retries=settings.follow_retries,
        backoff_s=settings.follow_backoff_s,
    )


@dataclass
class PollReport:
    """What one poll did; ``ok`` is False when a source or an article failed."""

    sources: int = 0
    unchanged: int = 0  # sources answering 304 or the same body
    new_items: int = 0
    fetched: int = 0
    indexed: int = 0
    known: int = 0  # new in the feed, but already in the index: not fetched
    duplicates: int = 0
    requests: int = 0
    retry_later: int = 0  # pages that failed for a passing reason: fetched again later
    source_errors: list[tuple[str, str]] = field(default_factory=list)
    article_errors: list[tuple[str, str]] = field(default_factory=list)
    busy: bool = False  # the index was locked by a reindex: articles wait for the next poll
    # Seconds by phase: "fetch" (pages, politeness waits included), "clean", "index" (the
    # reindex pipeline, whose own phases are added: "extract_wait", "stories", "write"...).
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every source and every article went well."""
        return not self.source_errors and not self.article_errors


class Follower:
    """Follow sources into one index; ``stop`` ends it after the current article."""

    def __init__(
        self,
        backend: Backend,
        settings: Settings,
        politeness: Politeness | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.backend, self.settings = backend, settings
        self.stop = stop or threading.Event()
        self.lock = FollowLock(settings.index_dir / LOCK_FILE)
        try:
            self.lock.acquire()
        except OSError as e:
            raise writable_error(settings.index_dir, e) from e
        path = settings.index_dir / FILE
        try:
            self.state = State(path)
        except sqlite3.Error as e:
            self.lock.release()
            raise BackendError(f"cannot open the follow state {path}: {e}") from e
        self.fetcher = Fetcher(politeness or politeness_from(settings), self._sleep)
        # NER workers kept for the whole follow (started with the first batch): each batch
        # is extracted there while this process fetches and cleans the next pages.
        self._extractor: Extractor | None = None
        # The batch being indexed in the background: (thread, batch, outcome, start time).
        self._job: (
            tuple[threading.Thread, list[tuple[Queued, Article]], dict[str, Any], float] | None
        ) = None

    def close(self) -> None:
        """Close the connections and the state file; let another follow start."""
        if self._job is not None:
            self._job[0].join()  # a batch still being written (the poll failed meanwhile)
            self._job = None
        if self._extractor is not None:
            self._extractor.close()
            self._extractor = None
        self.fetcher.close()
        self.state.close()
        self.lock.release()

    def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; False when a stop came first."""
        return not self.stop.wait(max(0.0, seconds))

    # ------------------------------------------------------------ sources

    def add_sources(self, urls: list[str], every_s: float) -> None:
        """Follow ``urls`` (already followed ones keep their state)."""
        for url in urls:
            self.state.add_source(url, every_s)

    def run(self, once: bool = False) -> PollReport:
        """Poll until stopped (or once: every source, now); the last poll's report."""
        report = self.poll(everything=True)
        while not once and not self.stop.is_set():
            report = self.run_one_wait() or report
        return report

    def run_one_wait(self) -> PollReport | None:
        """Wait (at most a minute) for the next source due, then poll the due ones; None
        when stopped or when nothing came due."""
        due = [s.next_poll for s in self.state.sources()]
        wait = (min(due) - time.time()) if due else 60.0
        if wait > 0 and not self._sleep(min(wait, 60.0)):
            return None
        if self.stop.is_set() or not due or min(due) > time.time():
            return None
        return self.poll()

    def poll(self, everything: bool = False) -> PollReport:
        """One round: the due sources (all with ``everything``), then the queued pages."""
        report = PollReport()
        requests = self.fetcher.requests
        now = time.time()
        due: dict[str, deque[Source]] = {}
        for source in self.state.sources():
            if everything or source.next_poll <= now:
                due.setdefault(_host(source.url), deque()).append(source)
        while due and not self.stop.is_set():
            # As for pages: the host that may be asked soonest, so no delay is waited out
            # while another host's feeds are due.
            host = min(due, key=lambda h: self.fetcher.ready_at("http://" + h + "/"))
            source = due[host].popleft()
            if not due[host]:
                del due[host]
            try:
                self._poll_source(source, report)
            except sqlite3.Error:
                raise  # the state file itself failed: nothing more can be recorded
            except Exception as e:  # one source's surprise never stops the others
                log.exception("unexpected error polling %s", source.url)
                self._failed(source, now, f"unexpected error: {type(e).__name__}: {e}", report)
        self.process_queue(report)
        report.requests = self.fetcher.requests - requests
        return report

    def _poll_source(self, source: Source, report: PollReport) -> None:
        report.sources += 1
        started = time.time()
        try:
            response = self.fetcher.get(source.url, source.etag, source.last_modified)
            if response.status == 304:
                self._unchanged(source, started, response)
                report.unchanged += 1
                return
            digest = hashlib.sha256(response.body).hexdigest()
            if digest == source.body_hash:
                # Servers without validators (or wrong ones) send the same body again.
                self._unchanged(source, started, response)
                report.unchanged += 1
                return
            listing = self._listing(response)
        except (FetchError, ValueError) as e:
            if self.stop.is_set() and str(e) == "stopped":
                report.sources -= 1  # not polled after all: due again on the next start
                return
            self._failed(source, started, str(e), report)
            return
        new = self._queue(source.url, listing)
        report.new_items += new
        floor = listing.floor_s
        self.state.update_source(
            source.url,
            kind=listing.kind,
            title=listing.title or source.title,
            etag=response.etag,
            last_modified=response.last_modified,
            body_hash=digest,
            floor_s=floor,
            interval_s=(
                interval := schedule.after_poll(
                    source.interval_s, source.base_interval_s, floor, new
                )
            ),
            next_poll=started + interval,
            last_poll=started,
            last_new=started if new else source.last_new,
            last_error=listing.problem,
            errors=0,
            polls=source.polls + 1,
            items_seen=source.items_seen + new,
        )
        if listing.problem:
            report.source_errors.append((source.url, listing.problem))

    def _listing(self, response: Response) -> Listing:
        """The feed or sitemap, with a sitemap index's child sitemaps read too."""
        listing = read_listing(response.body, response.url, response.content_type)
        if not listing.children:
            return listing
        items = list(listing.items)
        for child in listing.children:
            if self.stop.is_set():
                break
            try:
                sub = self.fetcher.get(child)
                items.extend(read_listing(sub.body, sub.url, sub.content_type).items)
            except (FetchError, ValueError) as e:
                log.warning("sitemap %s: %s", child, e)
        return replace(listing, items=items, children=[])

    def _queue(self, source: str, listing: Listing) -> int:
        """Queue the items never seen; returns how many."""
        new: list[tuple[str, str | None, str | None, str | None]] = []
        batch: set[str] = set()
        guids: set[str] = set()
        for item in listing.items:
            url = canonical_url(item.url) if item.url else None
            if url is None or url in batch:
                continue  # no link (a headline-only item) or a duplicate within the feed
            if item.guid and item.guid in guids:
                continue  # the same GUID twice in one feed
            if self.state.known(url, source, item.guid):
                continue
            batch.add(url)
            if item.guid:
                guids.add(item.guid)
            new.append((url, item.guid, item.title, item.published))
        return self.state.queue(new, source, listing.title) if new else 0

    def _unchanged(self, source: Source, started: float, response: Response) -> None:
        interval = schedule.after_poll(source.interval_s, source.base_interval_s, source.floor_s, 0)
        self.state.update_source(
            source.url,
            etag=response.etag or source.etag,
            last_modified=response.last_modified or source.last_modified,
            interval_s=interval,
            next_poll=started + interval,
            last_poll=started,
            last_error=None,
            errors=0,
            polls=source.polls + 1,
        )

    def _failed(self, source: Source, started: float, reason: str, report: PollReport) -> None:
        errors = source.errors + 1
        self.state.update_source(
            source.url,
            next_poll=started + schedule.after_error(source.base_interval_s, errors),
            last_poll=started,
            last_error=reason,
            errors=errors,
            error_count=source.error_count + 1,
            polls=source.polls + 1,
        )
        report.source_errors.append((source.url, reason))

    # ------------------------------------------------------------ pages

    def fetch_urls(self, urls: list[str]) -> PollReport:
        """One-off intake (``dateline reindex URL``): each URL's feed or sitemap items, or
        the page itself, fetched and indexed; nothing is followed afterwards."""
        report = PollReport()
        for url in urls:
            try:
                response = self.fetcher.get(url)
                try:
                    listing = self._listing(response)
                except ValueError:
                    listing = None
                if listing is None:
                    page = canonical_url(url) or url
                    if self.state.known(page, url, None):
                        report.known += 1
                        continue
                    self.state.queue([(page, None, None, None)], url, None)
                    self.state.fetched(page, self._page_text(response), response.url)
                    report.fetched += 1
                else:
                    report.new_items += self._queue(url, listing)
            except (FetchError, ValueError) as e:
                report.source_errors.append((url, str(e)))
        self.process_queue(report)
        return report

    def process_queue(self, report: PollReport) -> None:
        """Index the pages fetched before (a restart), then fetch and index the queued."""
        ready: list[tuple[Queued, Article]] = []
        for item in self.state.pending("fetched"):
            self._clean(item, ready, report)
        self._index(ready, report, wait=True)
        by_host: dict[str, deque[Queued]] = {}
        for item in self.state.pending("queued"):
            by_host.setdefault(_host(item.url), deque()).append(item)
        last_index = time.monotonic()
        while by_host and not self.stop.is_set():
            # The host that may be asked soonest: another host's delay is not waited out.
            host = min(by_host, key=lambda h: self.fetcher.ready_at("http://" + h + "/"))
            item = by_host[host].popleft()
            if not by_host[host]:
                del by_host[host]
            try:
                self._fetch(item, ready, report)
            except sqlite3.Error:
                raise  # the state file itself failed: nothing more can be recorded
            except Exception as e:  # one page's surprise never stops the others
                log.exception("unexpected error fetching %s", item.url)
                reason = f"unexpected error: {type(e).__name__}: {e}"
                self.state.finish([(item.url, "failed", reason)])
                report.article_errors.append((item.url, reason))
            idle = self._job is None or not self._job[0].is_alive()
            if len(ready) >= self.settings.follow_batch or (
                ready and (idle or time.monotonic() - last_index > INDEX_EVERY_S)
            ):
                self._index(ready, report)
                last_index = time.monotonic()
        self._index(ready, report, wait=True)

    def _fetch(self, item: Queued, ready: list[tuple[Queued, Article]], report: PollReport) -> None:
        if self._in_index(item.url):
            self.state.finish([(item.url, "known", "already in the index")])
            report.known += 1
            return
        started = time.perf_counter()
        try:
            response = self.fetcher.get(item.url)
            html = self._page_text(response)
        except (FetchError, ValueError) as e:
            if str(e) == "stopped":
                return  # stays queued: fetched on the next start
            passing = isinstance(e, FetchError) and e.retry
            if passing and self.state.retry_later(item.url, str(e)) is not None:
                report.retry_later += 1
            else:
                self.state.finish([(item.url, "failed", str(e))])
            report.article_errors.append((item.url, str(e)))
            return
        finally:
            _add(report, "fetch", started)
        page_url = _canonical_link(html, response.url) or canonical_url(response.url) or item.url
        if page_url != item.url and (
            self._in_index(page_url) or self.state.status_of(page_url) is not None
        ):
            # The same article under another address (a redirect, rel=canonical).
            self.state.finish([(item.url, "duplicate", f"same article as {page_url}")])
            report.duplicates += 1
            return
        self.state.fetched(item.url, html, page_url)
        report.fetched += 1
        stored = replace(item, status="fetched", page=html, page_url=page_url)
        self._clean(stored, ready, report)

    def _page_text(self, response: Response) -> str:
        """The page as text (charset: the page's, else the header's, UTF-8 checked first)."""
        kind = (response.content_type or "text/html").split(";", 1)[0].strip().lower()
        if kind and kind not in _HTML_TYPES and not kind.startswith("text/"):
            raise ValueError(f"not an HTML page (content type {kind})")
        header = re.search(r"charset=([\w.:-]+)", response.content_type or "", re.I)
        charset = declared_charset(response.body) or (header.group(1) if header else None)
        try:
            text = decode_text(response.body, fallback=_codec(charset))
        except BinaryContent as e:
            raise ValueError("not a text page (binary content)") from e
        if "<" not in text:
            raise ValueError("not an HTML page (no markup)")
        return text

    def _clean(self, item: Queued, ready: list[tuple[Queued, Article]], report: PollReport) -> None:
        url = item.page_url or item.url
        raw = RawArticle(key=url, format="html", html=item.page or "", url=url, title=item.title)
        started = time.perf_counter()
        article = clean_one(raw, self.settings)
        _add(report, "clean", started)
        if isinstance(article, FileProblem):
            self.state.finish([(item.url, "failed", article.reason)])
            report.article_errors.append((item.url, article.reason))
            return
        if article.published is None and item.published:
            # The page's date wins; the feed's is the fallback.
            article = replace(article, published=parse_date(item.published))
        in_flight = self._job[1] if self._job else []
        if any(a.id == article.id for _, a in (*ready, *in_flight)):
            self.state.finish([(item.url, "duplicate", f"same article as {url}")])
            report.duplicates += 1
            return
        ready.append((item, article))

    def _index(
        self, ready: list[tuple[Queued, Article]], report: PollReport, wait: bool = False
    ) -> None:
        """Index ``ready`` in the background (emptying it), so the politeness waits of the
        next pages overlap the indexing; one batch at a time. ``wait``: until it is done.

        While the batch before is still being placed and written, the workers (idle by
        then) already extract this one's entities."""
        early = self._extract_early(ready) if self._job is not None else []
        self._join(report)
        if ready:
            batch = list(ready)
            ready.clear()
            holder: dict[str, Any] = {}
            if self._extractor is None:
                # Forked here, while no indexing thread runs (_join above waited for it).
                self._extractor = Extractor(self.settings.extract_workers, lasting=True)
                self._extractor.start()
            extractor = self._extractor

            def work() -> None:
                try:
                    holder["result"] = add_articles(
                        self.backend,
                        self.settings,
                        [a for _, a in batch],
                        extractor=extractor,
                        extracted=_entities_of(early),
                    )
                except BaseException as e:  # handed to the poll's thread by _join
                    holder["error"] = e

            thread = threading.Thread(target=work, name="dateline-index", daemon=True)
            self._job = (thread, batch, holder, time.perf_counter())
            thread.start()
        if wait:
            self._join(report)

    def _extract_early(self, ready: list[tuple[Queued, Article]]) -> list[_Early]:
        """Send ``ready`` to the NER workers now, in one part per worker."""
        if not ready or self._extractor is None:
            return []
        articles = [a for _, a in ready]
        size = max(MIN_SPLIT, -(-len(articles) // self._extractor.workers))
        early: list[_Early] = []
        for i in range(0, len(articles), size):
            part = articles[i : i + size]
            try:
                early.append((part, self._extractor.submit(part)))
            except (BrokenProcessPool, RuntimeError):  # a worker died: the run extracts
                break
        return early

    def _join(self, report: PollReport) -> None:
        """Wait for the batch being indexed and record its outcome in the state file."""
        if self._job is None:
            return
        thread, batch, holder, started = self._job
        thread.join()
        self._job = None
        _add(report, "index", started)
        error = holder.get("error")
        if isinstance(error, IndexBusyError):
            # A reindex holds the writer lock: the pages stay fetched for the next poll.
            report.busy = True
            return
        if isinstance(error, BrokenProcessPool):
            # An NER worker died (killed, out of memory): the next batch starts new ones;
            # these pages stay fetched and the next poll indexes them.
            log.warning("an NER worker died: %d pages wait for the next poll", len(batch))
            if self._extractor is not None:
                self._extractor.close()
                self._extractor = None
            reason = "an NER worker died; the next poll indexes it"
            report.article_errors.extend((item.url, reason) for item, _ in batch)
            return
        if error is not None:
            raise error
        result = holder["result"]
        for phase, seconds in result.timings.items():
            report.timings[phase] = report.timings.get(phase, 0.0) + seconds
        report.indexed += result.indexed
        self.state.finish([(item.url, "indexed", None) for item, _ in batch])

    def _in_index(self, url: str) -> bool:
        try:
            return self.backend.get(article_id(url, url)) is not None
        except Exception:  # no index yet, or unreadable: fetch, the write will tell
            return False


def _entities_of(early: list[_Early]) -> dict[str, Entities]:
    """Entities by content hash of the parts extracted early; a part whose worker died
    (or was stopped) is left out: the run extracts it again."""
    found: dict[str, Entities] = {}
    for articles, handle in early:
        try:
            entities = handle.result()
        except (BrokenProcessPool, CancelledError):
            continue
        found.update(zip((a.content_hash for a in articles), entities, strict=True))
    return found


def _add(report: PollReport, phase: str, started: float) -> None:
    report.timings[phase] = report.timings.get(phase, 0.0) + time.perf_counter() - started


def _canonical_link(html: str, base: str) -> str | None:
    """The page's ``<link rel=canonical>`` (resolved, tracking parameters stripped)."""
    head = html[:200_000]
    for tag in _CANONICAL.findall(head):
        m = _HREF.search(tag)
        if m:
            return canonical_url(urljoin(base, m.group(1).strip()))
    return None


def _codec(charset: str | None) -> str:
    # Browsers read a page declared latin-1 (or nothing) as cp1252; so do we.
    if charset is None or charset.lower() in ("iso-8859-1", "iso8859-1", "latin-1", "ascii"):
        return "cp1252"
    return charset


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc.lower()
