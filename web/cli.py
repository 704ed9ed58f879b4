"""The ``dateline`` command: thin click commands over SearchService.

A front door like the web pages: it parses input, calls the engine (``search``) and renders.
Its ``reindex`` command is also ``flask --app web reindex`` (one definition, two doors).
Run it as ``dateline`` (the console script) or ``python -m web.cli``.
"""

from __future__ import annotations

import html
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click

from search.errors import DatelineError
from search.facets import FACETS
from search.models import FileProblem, Hit, IndexDocument, ReindexReport
from search.progress import Progress, ProgressCallback
from search.serialize import country_label, document_json, iso_date, page_json
from search.service import SearchService
from search.settings import DEFAULT_SOURCES, Settings

# Problems listed one per line in the reindex summary; the rest with --json.
SHOWN_PROBLEMS = 50


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn Dateline's errors into one readable line and a non-zero exit, never a traceback."""
    try:
        yield
    except DatelineError as e:
        raise click.ClickException(str(e)) from e
    except OSError as e:
        raise click.ClickException(f"{e.filename or ''}: {e.strerror or e}") from e
    except sqlite3.Error as e:  # a state or cache file broken under a running command
        raise click.ClickException(f"database error: {e}") from e


@click.group()
@click.option(
    "--index",
    "index_dir",
    type=click.Path(path_type=Path),
    envvar="DATELINE_INDEX_DIR",
    help="Index folder (default: index/).",
)
@click.version_option(package_name="dateline")
@click.pass_context
def main(ctx: click.Context, index_dir: Path | None) -> None:
    """Dateline: full-text search for news, with actor, country and date facets."""
    ctx.obj = SearchService(Settings.from_env(index_dir=index_dir))


def _service(ctx: click.Context) -> SearchService:
    """The ``dateline`` group's service; under ``flask --app web``, the app's."""
    if isinstance(ctx.obj, SearchService):
        return ctx.obj
    from flask import current_app
    from flask.cli import ScriptInfo

    app = current_app._get_current_object() if current_app else None  # type: ignore[attr-defined]
    if app is None:
        app = ctx.ensure_object(ScriptInfo).load_app()
    service: SearchService = app.extensions["dateline"]
    return service


# ---------------------------------------------------------------- reindex


@click.command("reindex")
@click.argument("paths", nargs=-1)
@click.option("--full", is_flag=True, help="Rebuild everything beside the live index, then swap.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def reindex_command(
    ctx: click.Context, paths: tuple[str, ...], full: bool, quiet: bool, as_json: bool
) -> None:
    """Index PATHS (files or folders; default seeds/). Incremental unless --full.

    A PATH may also be a feed, sitemap or article page URL: fetched once (politely, as
    `dateline follow` fetches) and its articles added to the index.
    """
    from search.follow.feeds import is_url

    service = _service(ctx)
    urls = [p for p in paths if is_url(p)]
    files = tuple(Path(p) for p in paths if not is_url(p))
    if files or not urls:
        run_reindex(service, files, full=full, quiet=quiet, as_json=as_json)
    if urls:
        with user_errors():
            follower = service.follower()
            try:
                report = follower.fetch_urls(urls)
            finally:
                follower.close()
        if not quiet:
            click.echo(poll_text(report, "fetch"))
        if not report.ok or report.busy:
            ctx.exit(1)


main.add_command(reindex_command)


def run_reindex(
    service: SearchService, paths: tuple[Path, ...], *, full: bool, quiet: bool, as_json: bool
) -> ReindexReport:
    """Reindex ``paths`` with a progress bar on a terminal, then print the summary."""
    targets = list(paths) or [DEFAULT_SOURCES]
    with user_errors():
        for path in targets:
            if not path.exists():
                raise click.ClickException(f"{path}: no such file or folder")
        show_bar = not quiet and not as_json and sys.stderr.isatty()
        with progress_bar(sys.stderr if show_bar else None) as progress:
            report = service.reindex(targets, full=full, progress=progress)
    if as_json:
        click.echo(json.dumps(report_json(report), indent=2))
    elif not quiet:
        click.echo(report_text(report))
    return report


@contextmanager
def progress_bar(stream: IO[str] | None) -> Iterator[ProgressCallback | None]:
    """A bar on ``stream`` counting articles through extraction and indexing (None: no bar).

    Its total is the number of articles in the sources, estimated until all are read; its
    counts are the report's, so at the end they are the summary's.
    """
    if stream is None:
        yield None
        return
    from tqdm import tqdm

    with tqdm(total=None, unit=" articles", desc="reindex", file=stream) as bar:

        def update(progress: Progress) -> None:
            report = progress.report
            if progress.total != bar.total:
                bar.total = progress.total
            bar.set_description_str(progress.phase, refresh=False)
            # The summary's words, in its order.
            counts = {
                "indexed": report.indexed,
                "unchanged": report.unchanged,
                "skipped": len(report.skipped),
            }
            bar.set_postfix(counts, refresh=False)
            bar.update(progress.done - bar.n)
            bar.refresh()

        yield update


def report_json(report: ReindexReport) -> dict[str, Any]:
    """The reindex summary as JSON (``--json``)."""
    return {
        "ok": True,
        "full": report.full,
        "read": report.read,
        "indexed": report.indexed,
        "unchanged": report.unchanged,
        "removed": report.removed,
        "renamed": report.renamed,
        "regrouped": report.regrouped,
        "skipped": [{"path": p.path, "reason": p.reason} for p in report.skipped],
        "documentation": list(report.documentation),
        "documents": report.total_documents,
        "seconds": round(report.seconds, 2),
        "timings": {phase: round(s, 2) for phase, s in sorted(report.timings.items())},
    }


def report_text(report: ReindexReport) -> str:
    """The reindex summary for people."""
    lines = [
        f"{'full rebuild' if report.full else 'reindex'}: read {report.read}, "
        f"indexed {report.indexed}, unchanged {report.unchanged}, removed {report.removed}, "
        f"actors renamed in {report.renamed}, "
        f"skipped {len(report.skipped)} in {report.seconds:.1f} s; "
        f"{report.total_documents} documents in the index"
    ]
    lines += [f"  skipped {p.path}: {p.reason}" for p in report.skipped[:SHOWN_PROBLEMS]]
    if len(report.skipped) > SHOWN_PROBLEMS:
        more = len(report.skipped) - SHOWN_PROBLEMS
        lines.append(f"  ... and {more} more (use --json for all)")
    if report.documentation:
        lines.append(
            "  read as articles, though named like documentation (give the article files "
            "alone to leave them out):"
        )
        lines += [f"    {path}" for path in report.documentation]
    return "\n".join(lines)


def facet_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """A repeatable ``--<facet>`` and ``--not-<facet>`` option per facet of the registry,
    in its order."""
    for spec in reversed(list(FACETS.values())):
        command = click.option(
            f"--not-{spec.name}",
            spec.exclude_param,
            multiple=True,
            help=f"Leave out articles with this {spec.name}; repeatable.",
        )(command)
        command = click.option(f"--{spec.name}", multiple=True, help=spec.description)(command)
    return command


# ---------------------------------------------------------------- search


@main.command("search")
@click.argument("query", default="")
@facet_options
@click.option("--from", "date_from", help="From date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--to", "date_to", help="To date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]))
@click.option("--page", default="1")
@click.option("--per-page", default="10")
@click.option(
    "--group",
    type=click.Choice(["copy", "story", "none"]),
    help="Rows: copies collapsed (default), one per story, or every article.",
)
@click.option("--story", multiple=True, help="Only articles of this story id.")
@click.option("--copy", multiple=True, help="Only the copies of this copy group.")
@click.option("--count", type=click.Choice(["articles", "stories"]), help="Facet counts.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON API's response.")
@click.pass_obj
def search_command(service: SearchService, query: str, **options: Any) -> None:
    """Search the index: QUERY supports phrases, AND/OR/NOT, actor:, country:, title:."""
    params = {
        "q": query,
        **{name: list(options[name]) for name in FACETS},
        **{spec.exclude_param: list(options[spec.exclude_param]) for spec in FACETS.values()},
        "from": options["date_from"],
        "to": options["date_to"],
        "sort": options["sort"],
        "page": options["page"],
        "per_page": options["per_page"],
        "group": options["group"],
        "story": list(options["story"]),
        "copy": list(options["copy"]),
        "count": options["count"],
    }
    with user_errors():
        page = service.search_params({k: v for k, v in params.items() if v is not None})
    if options["as_json"]:
        click.echo(json.dumps(page_json(page), indent=2, ensure_ascii=False))
        return
    row = "story" if page.request.group == "story" else "article"
    counted = f", {_count(page.articles, 'article')}" if page.articles != page.total else ""
    click.echo(f"{_count(page.total, row)}{counted} ({page.took_ms:.0f} ms)")
    if page.suggestion:
        click.echo(f"did you mean: {page.suggestion}")
    for hit in page.hits:
        click.echo(f"\n{hit.title}  [{iso_date(hit.published) or 'undated'}]  id={hit.id}")
        click.echo("  " + _plain(hit.snippet))
        if hit.actors or hit.countries:
            click.echo(
                f"  actors: {', '.join(hit.actors[:6])}  countries: {', '.join(hit.countries)}"
            )
        if hit.copies or (hit.story and hit.story.size > 1):
            click.echo("  " + _groups_line(hit))


def _count(n: int, noun: str) -> str:
    """'1 story', '2 stories', '3 articles'."""
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun[:-1] + 'ies' if noun.endswith('y') else noun + 's'}"


def _groups_line(hit: Hit) -> str:
    """'+ N copies (--copy G --group none)' and 'story S: N articles', as a terminal shows."""
    parts = []
    if hit.copies:
        parts.append(f"+ {hit.copies} copies (--copy {hit.copy_group} --group none)")
    if hit.story and hit.story.size > 1:
        parts.append(f"story {hit.story.id}: {hit.story.size} articles")
    return "  ".join(parts)


def _plain(snippet: str) -> str:
    """A highlighted HTML snippet as terminal text (marks in bold when on a terminal)."""
    bold = sys.stdout.isatty()
    text = snippet.replace("<mark>", "\x1b[1m" if bold else "").replace(
        "</mark>", "\x1b[0m" if bold else ""
    )
    return html.unescape(text)


# ---------------------------------------------------------------- extract


@main.command("extract")
@click.argument("files", nargs=-1)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object per line and article, the shape of /api/articles/<id>.",
)
@click.pass_context
def extract_command(ctx: click.Context, files: tuple[str, ...], as_json: bool) -> None:
    """Clean FILES (files or folders; - or none: text on stdin) and extract their entities.

    Each article is shown as a reindex would store it; mention offsets index the title, a
    blank line, then the body (the body alone when it opens with the title). A file that
    cannot be read is named with the reason, the others are still shown, and the exit
    status is then 1.
    """
    from search.extract import STDIN, extract_paths

    service: SearchService = ctx.obj
    paths = list(files) or [STDIN]
    stdin_text = sys.stdin.read() if STDIN in paths else None
    problems = 0
    with user_errors():
        for n, item in enumerate(extract_paths(paths, service.settings, stdin_text)):
            if isinstance(item, FileProblem):
                problems += 1
                click.echo(f"Error: {item.path}: {item.reason}", err=True)
            elif as_json:
                click.echo(json.dumps(document_json(item), ensure_ascii=False))
            else:
                click.echo(("\n" if n else "") + document_text(item))
    if problems:
        ctx.exit(1)


def document_text(doc: IndexDocument) -> str:
    """One extracted article for people: metadata, entities, then the cleaned body."""
    text = doc.text
    lines = [f"{doc.title}  [{iso_date(doc.published) or 'undated'}]  id={doc.id}"]
    where = [f"source: {doc.source}"] if doc.source else []
    where += [f"url: {doc.url}"] if doc.url else []
    if where:
        lines.append("  ".join(where))
    kinds = dict(zip(doc.actors, doc.actor_kinds, strict=False))
    actors = [f"{a} ({kinds.get(a) or 'person'})" for a in doc.actors]
    countries = [f"{c} {country_label(c)}" for c in doc.countries]
    dates = {f"{text[s.start : s.end]} = {s.value}": None for s in doc.spans if s.type == "date"}
    lines.append("actors: " + (", ".join(actors) or "-"))
    lines.append("countries: " + (", ".join(countries) or "-"))
    lines.append("dates: " + ("; ".join(dates) or "-"))
    return "\n".join([*lines, "", doc.body])


# ---------------------------------------------------------------- follow


@main.command("follow")
@click.argument("sources", nargs=-1)
@click.option("--every", default="15m", show_default=True, help="Polling interval (90s, 15m, 2h).")
@click.option("--once", is_flag=True, help="Poll every source once, then exit (1 if any failed).")
@click.option("--status", is_flag=True, help="List the followed sources and exit.")
@click.option(
    "--remove", is_flag=True, help="Stop following SOURCES (their articles stay indexed)."
)
@click.option("--json", "as_json", is_flag=True, help="--status as JSON.")
@click.pass_context
def follow_command(
    ctx: click.Context, sources: tuple[str, ...], every: str, once: bool, status: bool,
    remove: bool, as_json: bool,
) -> None:  # fmt: skip
    """Follow SOURCES: feed URLs (RSS, Atom), news sitemap URLs, files listing such URLs
    (one a line) or OPML files. Each poll fetches the feeds that are due and indexes their
    new articles. Without SOURCES, the sources followed before. Runs until stopped
    (Ctrl-C or SIGTERM finish the current article first) unless --once.
    """
    import signal
    import threading

    from search.follow.feeds import SourceError, expand_sources
    from search.follow.schedule import parse_duration

    service: SearchService = ctx.obj
    if status:
        with user_errors():
            info = service.sources()
        click.echo(json.dumps(info, indent=2) if as_json else sources_text(info))
        return
    try:
        every_s = parse_duration(every)
        urls = expand_sources(list(sources))
    except (ValueError, SourceError) as e:
        raise click.ClickException(str(e)) from e
    if remove:
        if not urls:
            raise click.ClickException("--remove needs the URLs of the sources to stop following")
        with user_errors():
            unknown = service.unfollow(urls)
        for url in urls:
            click.echo(f"{'not followed' if url in unknown else 'no longer followed'}: {url}")
        if unknown:
            ctx.exit(1)
        return
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        # Finish the current article, then exit: no KeyboardInterrupt mid-write.
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with user_errors():
            follower = service.follower(stop)
            try:
                follower.add_sources(urls, every_s)
                if not follower.state.sources():
                    raise click.ClickException("nothing to follow: give feed or sitemap URLs")
                if once:
                    report = follower.run(once=True)
                else:
                    click.echo(f"following {len(follower.state.sources())} sources (Ctrl-C stops)")
                    # The due sources (new ones are due at once), and any pages left queued.
                    click.echo(poll_text(follower.poll(), "poll"))
                    while not stop.is_set():
                        try:
                            report = follower.run_one_wait()
                        except DatelineError as e:
                            # The index failed (a cluster down, a full disk): the pages stay
                            # in the state file; try again in a minute rather than stop.
                            click.echo(f"poll failed: {e}", err=True)
                            stop.wait(60)
                            continue
                        if report is not None:
                            click.echo(poll_text(report, "poll"))
            finally:
                follower.close()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if once:
        click.echo(poll_text(report, "poll"))
        if not report.ok or report.busy:
            ctx.exit(1)


def poll_text(report: Any, what: str) -> str:
    """One poll's summary and its problems, for people."""
    lines = [
        f"{what}: {report.sources} sources ({report.unchanged} unchanged), "
        f"{report.new_items} new items, {report.fetched} pages fetched, "
        f"{report.indexed} indexed, {report.known} already indexed, "
        f"{report.duplicates} duplicates, {report.requests} requests"
    ]
    lines += [f"  source {url}: {reason}" for url, reason in report.source_errors]
    lines += [f"  article {url}: {reason}" for url, reason in report.article_errors]
    if report.retry_later:
        lines.append(
            f"  {report.retry_later} of those pages failed for a passing reason (timeout, "
            "server or network error): they are fetched again by a later poll"
        )
    if report.busy:
        lines.append("  the index is busy (a reindex is running): articles wait for the next poll")
    return "\n".join(lines)


def sources_text(info: dict[str, Any]) -> str:
    """``dateline follow --status`` for people."""
    if not info["sources"]:
        return "no sources followed (dateline follow URL... starts one)"
    lines = [f"archive last updated: {info['last_updated'] or 'never'}"]
    for s in info["sources"]:
        lines.append(f"{s['url']}  ({s['title'] or s['kind'] or 'not polled yet'})")
        lines.append(
            f"  last poll {s['last_poll'] or '-'}, last new item {s['last_new_item'] or '-'}, "
            f"indexed {s['items_indexed']}, errors {s['errors']}"
            + (f", pages failed {s['pages_failed']}" if s["pages_failed"] else "")
            + (f", next poll {s['next_poll']}" if s["next_poll"] else "")
        )
        if s["last_error"]:
            lines.append(f"  last error: {s['last_error']}")
    if info["failed_pages"]:
        lines.append("latest pages that failed:")
        lines.extend(f"  {p['url']}: {p['reason']} ({p['at']})" for p in info["failed_pages"])
    return "\n".join(lines)


# ---------------------------------------------------------------- serve, stats


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.pass_obj
def serve_command(service: SearchService, host: str, port: int, threads: int) -> None:
    """Serve the search site and JSON API with the production WSGI server (waitress)."""
    from waitress import serve

    from search.malloc import limit_arenas
    from web import create_app

    limit_arenas()  # before waitress starts its threads
    app = create_app({"SETTINGS": service.settings})
    click.echo(f"Dateline on http://{host}:{port}/ (index: {service.settings.index_dir})")
    serve(app, host=host, port=port, threads=threads, ident="dateline")


@main.command("stats")
@click.pass_obj
def stats_command(service: SearchService) -> None:
    """Print the backend and the number of indexed articles as JSON."""
    click.echo(json.dumps(service.health(), indent=2))


if __name__ == "__main__":
    main(prog_name="dateline")
