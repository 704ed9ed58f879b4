"""HTML pages: the search page, the article page, the story page and a facet's value finder."""

from __future__ import annotations

from datetime import date, timedelta
from math import ceil
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, abort, render_template, request

from search.errors import QueryError
from search.facets import FACETS, country_label
from search.models import Facet, IndexDocument, SearchRequest
from search.params import MAX_FACET_SIZE, MAX_PAGE, parse_search_params
from search.serialize import iso_date
from search.service import MAX_FINDER_OFFSET
from web import get_service
from web.highlight import article_html, query_matcher
from web.links import SearchState
from web.markup import safe_snippet, safe_url
from web.timeline import build_timeline, day_runs, zoom_out

bp = Blueprint("ui", __name__)

FACET_FINDER_LIMIT = 100


def request_params() -> dict[str, list[str]]:
    """The query string with every value of repeated keys (``actor=a&actor=b``)."""
    return {key: request.args.getlist(key) for key in request.args}


@bp.get("/")
def search_page() -> Any:
    """The search form, results, facets and timeline for the query string."""
    service = get_service()
    try:
        page = service.search_params(request_params())
    except QueryError as e:
        # Show the form again with the message, so the user can fix the query in place.
        return render_template("search.html", page=None, error=str(e), args=request.args), 400
    state = SearchState(page.request)
    last_page = min(MAX_PAGE, max(1, ceil(page.total / page.request.per_page)))
    newest = service.newest_day()
    return render_template(
        "search.html",
        page=page,
        state=state,
        error=None,
        args=request.args,
        facets=[(name, page.facets.get(name) or Facet()) for name in FACETS],
        timeline=build_timeline(page.dates, state),
        zoom_out_url=zoom_out(state),
        last_page=last_page,
        page_numbers=page_window(page.request.page, last_page),
        more_facet_size=min(MAX_FACET_SIZE, page.request.facet_size * 2),
        newest=newest,
        presets=date_presets(state, newest),
        export_timeline_url=SearchState(page.request, "/api/timeline").url(format="csv"),
        last_updated=service.last_updated(),
    )


# Date presets: (label, days back from the newest article, inclusive of that day).
PRESETS = (("Last 7 days", 7), ("Last 30 days", 30), ("Last year", 365))


def date_presets(state: SearchState, newest: date | None) -> list[tuple[str, str, bool]]:
    """(label, URL, current) of each date preset, counted back from the newest article
    of the archive (an archive of 1987 news has no "last 7 days" of today)."""
    if newest is None:
        return []
    out = []
    r = state.request
    for label, days in PRESETS:
        start = (newest - timedelta(days=days - 1)).isoformat()
        end = newest.isoformat()
        current = r.from_text == start and r.to_text == end
        out.append((label, state.url(from_=start, to=end), current))
    return out


def page_window(current: int, last: int, radius: int = 2) -> list[int | None]:
    """Page numbers around ``current`` plus first and last; ``None`` marks a gap."""
    pages = sorted({1, last, *range(max(1, current - radius), min(last, current + radius) + 1)})
    out: list[int | None] = []
    for n in pages:
        if out and out[-1] is not None and n - out[-1] > 1:  # type: ignore[operator]
            out.append(None)
        out.append(n)
    return out


@bp.get("/articles/<doc_id>")
def article_page(doc_id: str) -> Any:
    """One article: metadata, marked text, entity links and similar articles."""
    service = get_service()
    doc = service.article(doc_id)
    # The search the reader came from (its parameters ride along on the article's link):
    # the way back to it, and the words to highlight.
    came_from = parse_search_params(request_params())
    state = SearchState(came_from)
    similar = service.more_like(doc_id, 5)
    text = doc.text
    # The title is shown as the heading; render the body without repeating it.
    start = len(doc.title) + 2 if text != doc.body and text.startswith(doc.title) else 0
    return render_template(
        "article.html",
        doc=doc,
        back_url=state.url(page=came_from.page),
        searched=bool(request.args),
        body_html=article_html(text, doc.spans, start, query_matcher(came_from.query)),
        original_url=safe_url(doc.url),
        similar=similar,
        people=[a for a, k in actor_kinds(doc) if k != "org"],
        orgs=[a for a, k in actor_kinds(doc) if k == "org"],
        known_as=also_known_as(doc),
        day_runs=day_runs,
    )


def also_known_as(doc: IndexDocument) -> dict[str, list[str]]:
    """Other names of each actor: how this article wrote it, then the archive's aliases."""
    text = doc.text
    written: dict[str, set[str]] = {name: set() for name in doc.actors}
    for s in doc.spans:
        if s.type in ("person", "org") and s.value in written:
            written[s.value].add(" ".join(text[s.start : s.end].split()))
    service = get_service()
    known: dict[str, list[str]] = {}
    for name, forms in written.items():
        names = sorted(forms - {name}, key=str.casefold)
        names += [n for n in service.also_known_as(name) if n not in forms]
        known[name] = names[:8]
    return known


def actor_kinds(doc: IndexDocument) -> list[tuple[str, str]]:
    """(name, kind) per actor; a missing kind counts as a person rather than dropping it."""
    kinds = list(doc.actor_kinds) + ["person"] * (len(doc.actors) - len(doc.actor_kinds))
    return list(zip(doc.actors, kinds, strict=False))


@bp.get("/stories/<story_id>")
def story_page(story_id: str) -> Any:
    """One story: headline, coverage timeline, sources, actors, countries, the articles."""
    story = get_service().story(story_id)
    # Timeline bars narrow the story's own articles to the bar's dates, every copy listed.
    state = SearchState(SearchRequest(stories=(story.id,), group="none", sort="oldest"))
    return render_template(
        "story.html",
        story=story,
        timeline=build_timeline(story.dates, state),
        zoom_out_url=None,
        timeline_title="Coverage",
        search_url=state.url(),
        state=state,
    )


@bp.get("/sources")
def sources_page() -> Any:
    """The followed feeds and sitemaps: last poll, last new item, articles indexed, errors."""
    return render_template("sources.html", info=get_service().sources())


@bp.get("/facets/<name>")
def facet_page(name: str) -> Any:
    """Find values of one facet (the "filter" box), each a link into search."""
    spec = FACETS.get(name)
    if spec is None:
        abort(404, description=f"no facet {name!r}: use one of {', '.join(FACETS)}")
    prefix = (request.args.get("prefix") or "").strip()
    offset = page_offset()
    state = SearchState(parse_search_params(request_params(), ("prefix", "offset")))
    service = get_service()
    found = service.facet_values(
        name, prefix, FACET_FINDER_LIMIT + 1, within=state.request, offset=offset
    )
    values = found[:FACET_FINDER_LIMIT]
    finder = [*state.hidden_fields(), *([("prefix", prefix)] if prefix else [])]
    return render_template(
        "facet.html",
        known_as={v: service.also_known_as(v)[:8] for v, _ in values} if spec.aliases else {},
        name=name,
        spec=spec,
        prefix=prefix,
        values=values,
        state=state,
        offset=offset,
        within=state.has_filters or bool(state.request.q),
        previous_url=finder_url(name, finder, offset - FACET_FINDER_LIMIT) if offset else None,
        next_url=finder_url(name, finder, offset + FACET_FINDER_LIMIT)
        if len(found) > FACET_FINDER_LIMIT
        else None,
    )


def page_offset() -> int:
    """The finder's ``offset`` parameter (0 when absent); ``QueryError`` when malformed."""
    text = request.args.get("offset") or "0"
    # isascii: "²" is a digit to isdigit() but not to int().
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_FINDER_OFFSET:
        raise QueryError(f"offset must be a whole number from 0 to {MAX_FINDER_OFFSET}")
    return int(text)


def finder_url(name: str, pairs: list[tuple[str, str]], offset: int) -> str:
    """The finder page of ``name`` at ``offset`` (the same search and prefix)."""
    query = urlencode([*pairs, *([("offset", str(offset))] if offset > 0 else [])])
    return f"/facets/{name}?{query}" if query else f"/facets/{name}"


def api_state(state: SearchState) -> SearchState:
    """The same search pointed at /api/search (the page's JSON and export links)."""
    return SearchState(state.request, "/api/search")


def init_app(app: Flask) -> None:
    """Template helpers shared by the pages."""
    app.add_template_global(country_label, "country_label")
    app.add_template_filter(iso_date, "iso_date")
    app.add_template_filter(safe_snippet, "safe_snippet")
    app.jinja_env.globals["facet_specs"] = FACETS
    app.add_template_global(api_state, "api_state")
    app.add_template_global(article_link, "article_link")


def article_link(state: SearchState | None, doc_id: str) -> str:
    """An article's page with the search it was found by (its way back, its highlights)."""
    if state is None:
        return f"/articles/{doc_id}"
    return SearchState(state.request, f"/articles/{doc_id}").url(page=state.request.page)
