"""The ``dateline`` command: thin click commands over SearchService."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from search.errors import DatelineError
from search.facets import FACETS
from search.indexing import source_bytes
from search.models import ReindexReport
from search.serialize import iso_date, page_json
from search.service import SearchService
from search.settings import DEFAULT_SOURCES, Settings


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn Dateline's errors into one readable line and a non-zero exit, never a traceback."""
    try:
        yield
    except DatelineError as e:
        raise click.ClickException(str(e)) from e
    except OSError as e:
        raise click.ClickException(f"{e.filename or ''}: {e.strerror or e}") from e


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


@main.command("reindex")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--full", is_flag=True, help="Rebuild everything beside the live index, then swap.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def reindex_command(
    service: SearchService, paths: tuple[Path, ...], full: bool, quiet: bool, as_json: bool
) -> None:
    """Index PATHS (files or folders; default seeds/). Incremental unless --full."""
    run_reindex(service, paths, full=full, quiet=quiet, as_json=as_json)


def run_reindex(
    service: SearchService, paths: tuple[Path, ...], *, full: bool, quiet: bool, as_json: bool
) -> ReindexReport:
    """Shared by ``dateline reindex`` and ``flask --app web reindex``."""
    targets = list(paths) or [DEFAULT_SOURCES]
    with user_errors():
        for path in targets:
            if not path.exists():
                raise click.ClickException(f"{path}: no such file or folder")
        show_bar = not quiet and not as_json and sys.stderr.isatty()
        with _progress_bar(targets, show_bar) as progress:
            report = service.reindex(targets, full=full, progress=progress)
    if as_json:
        click.echo(json.dumps(report_json(report), indent=2))
    elif not quiet:
        click.echo(report_text(report))
    return report


@contextmanager
def _progress_bar(paths: list[Path], enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from tqdm import tqdm

    with tqdm(
        total=source_bytes(paths), unit="B", unit_scale=True, desc="reindex", file=sys.stderr
    ) as bar:

        def update(done: int, report: ReindexReport) -> None:
            rate = report.read / bar.format_dict["elapsed"] if bar.format_dict["elapsed"] else 0
            bar.set_postfix(
                articles=report.read,
                new=report.indexed,
                same=report.unchanged,
                rate=f"{rate:.0f}/s",
                refresh=False,
            )
            bar.update(done - bar.n)

        yield update
        bar.update(bar.total - bar.n)


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
        "skipped": [{"path": p.path, "reason": p.reason} for p in report.skipped],
        "documents": report.total_documents,
        "seconds": round(report.seconds, 2),
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
    lines += [f"  skipped {p.path}: {p.reason}" for p in report.skipped[:50]]
    if len(report.skipped) > 50:
        lines.append(f"  ... and {len(report.skipped) - 50} more (use --json for all)")
    return "\n".join(lines)


def facet_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """A repeatable ``--<facet>`` option per facet of the registry, in its order."""
    for spec in reversed(list(FACETS.values())):
        command = click.option(f"--{spec.name}", multiple=True, help=spec.description)(command)
    return command


@main.command("search")
@click.argument("query", default="")
@facet_options
@click.option("--from", "date_from", help="From date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--to", "date_to", help="To date: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]))
@click.option("--page", default="1")
@click.option("--per-page", default="10")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON API's response.")
@click.pass_obj
def search_command(service: SearchService, query: str, **options: Any) -> None:
    """Search the index: QUERY supports phrases, AND/OR/NOT, actor:, country:, title:."""
    params = {
        "q": query,
        **{name: list(options[name]) for name in FACETS},
        "from": options["date_from"],
        "to": options["date_to"],
        "sort": options["sort"],
        "page": options["page"],
        "per_page": options["per_page"],
    }
    with user_errors():
        page = service.search_params({k: v for k, v in params.items() if v is not None})
    if options["as_json"]:
        click.echo(json.dumps(page_json(page), indent=2, ensure_ascii=False))
        return
    click.echo(f"{page.total} articles ({page.took_ms:.0f} ms)")
    if page.suggestion:
        click.echo(f"did you mean: {page.suggestion}")
    for hit in page.hits:
        click.echo(f"\n{hit.title}  [{iso_date(hit.published) or 'undated'}]  id={hit.id}")
        click.echo("  " + _plain(hit.snippet))
        if hit.actors or hit.countries:
            click.echo(
                f"  actors: {', '.join(hit.actors[:6])}  countries: {', '.join(hit.countries)}"
            )


def _plain(snippet: str) -> str:
    """A highlighted HTML snippet as terminal text (marks in bold when on a terminal)."""
    import html

    bold = sys.stdout.isatty()
    text = snippet.replace("<mark>", "\x1b[1m" if bold else "").replace(
        "</mark>", "\x1b[0m" if bold else ""
    )
    return html.unescape(text)


@main.command("extract")
@click.argument("file", default="-")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the default output).")
def extract_command(file: str, as_json: bool) -> None:
    """Clean one article (FILE or - for stdin) and print its text and entities as JSON."""
    from search.extract import extract_file

    with user_errors():
        result = extract_file(file, sys.stdin)
    click.echo(json.dumps(result, indent=2, ensure_ascii=False))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.pass_obj
def serve_command(service: SearchService, host: str, port: int, threads: int) -> None:
    """Serve the search site and JSON API with the production WSGI server (waitress)."""
    from waitress import serve

    from web import create_app

    app = create_app({"SETTINGS": service.settings})
    click.echo(f"Dateline on http://{host}:{port}/ (index: {service.settings.index_dir})")
    serve(app, host=host, port=port, threads=threads, ident="dateline")


@main.command("stats")
@click.pass_obj
def stats_command(service: SearchService) -> None:
    """Print the backend and the number of indexed articles as JSON."""
    click.echo(json.dumps(service.health(), indent=2))
