"""HTML pages: the search page, the article page, the story page and a facet's value finder."""

from __future__ import annotations

from math import ceil
from typing import Any

from flask import Blueprint, Flask, abort, render_template, request

from search.errors import QueryError
from search.facets import FACETS, country_label
from search.models import Facet, IndexDocument, SearchRequest
from search.params import MAX_FACET_SIZE, MAX_PAGE, parse_search_params
from search.serialize import iso_date
from web import get_service
from web.links import SearchState
from web.markup import mark_entities, safe_snippet, safe_url
from web.timeline import build_timeline, zoom_out

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
        last_updated=service.last_updated(),
    )


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
    similar = service.more_like(doc_id, 5)
    text = doc.text
    # The title is shown as the heading; render the body without repeating it.
    start = len(doc.title) + 2 if text != doc.body and text.startswith(doc.title) else 0
    return render_template(
        "article.html",
        doc=doc,
        body_html=mark_entities(text, doc.spans, start=start),
        original_url=safe_url(doc.url),
        similar=similar,
        people=[a for a, k in actor_kinds(doc) if k != "org"],
        orgs=[a for a, k in actor_kinds(doc) if k == "org"],
        known_as=also_known_as(doc),
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
    state = SearchState(parse_search_params(request_params()))
    service = get_service()
    values = service.facet_values(name, prefix, FACET_FINDER_LIMIT)
    return render_template(
        "facet.html",
        known_as={v: service.also_known_as(v)[:8] for v, _ in values} if spec.aliases else {},
        name=name,
        spec=spec,
        prefix=prefix,
        values=values,
        state=state,
    )


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
