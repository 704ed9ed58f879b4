"""The views' pages and their JSON twins: actor and country profiles, a search's
who-with-whom network, and comparisons of searches on one timeline.

``/actors/<name>`` and ``/countries/<code>`` redirect to the subject's canonical URL
(an alias to its actor, a country name to its code); their ``/api/`` twins answer under
any of those names with the canonical one in the body. Unknown subjects are 404 in the
one error shape (``web/errors.py``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from search.errors import QueryError
from search.models import SearchRequest
from search.params import parse_search_params
from search.service import NETWORK_NODES
from search.views.profiles import subject_request
from search.views.records import Network, NodeKind
from search.views.serialize import comparison_json, network_json, profile_json
from web import get_service
from web.charts import comparison_lines, coverage_bars, graph_layout, with_both
from web.links import SearchState
from web.ui import request_params

bp = Blueprint("views", __name__)


def _nodes() -> int:
    """The ``nodes`` parameter (actors and countries each) of a network."""
    text = request.args.get("nodes") or ""
    if not text:
        return NETWORK_NODES
    try:
        return int(text)
    except ValueError as e:
        raise QueryError(f"nodes must be a whole number, not {text!r}") from e


def profile_url(kind: str, value: str) -> str:
    """The page of an actor or a country (built by hand: a profile page links to ~30
    others, and ``url_for`` cost ~0.2 ms each)."""
    prefix = "/countries/" if kind == "country" else "/actors/"
    return request.script_root + prefix + quote(value, safe="")


def _share() -> bool:
    """``share=1``: each timeline bucket's share of the archive's articles too."""
    text = request.args.get("share") or "0"
    if text not in ("0", "1"):
        raise QueryError(f"share must be 0 or 1, not {text!r}")
    return text == "1"


def _profile_page(kind: NodeKind, value: str) -> Any:
    share = _share()
    profile = get_service().profile(kind, value, share=share)
    if profile.value != value:
        return redirect(profile_url(kind, profile.value) + _query_suffix(), code=302)
    state = SearchState(subject_request(kind, profile.value))
    return render_template(
        "profile.html",
        profile=profile,
        state=state,
        share=share,
        bars=coverage_bars(profile.timeline, state, share=share),
        compare_url=url_for("views.compare_page", **{kind: profile.value}),
    )


def _query_suffix() -> str:
    return "?" + urlencode(list(request.args.items(multi=True))) if request.args else ""


@bp.get("/actors/<path:name>")
def actor_page(name: str) -> Any:
    """An actor's page: count, coverage, who and where with, sources, latest, stories."""
    return _profile_page("actor", name)


@bp.get("/countries/<code>")
def country_page(code: str) -> Any:
    """A country's page (historical codes too: SU, YU, CS, DD)."""
    return _profile_page("country", code)


@bp.get("/api/actors/<path:name>")
def actor_json(name: str) -> Response:
    """An actor's profile as JSON (``share=1``: buckets' shares of the archive too)."""
    return jsonify(profile_json(get_service().profile("actor", name, share=_share())))


@bp.get("/api/countries/<code>")
def country_json(code: str) -> Response:
    """A country's profile as JSON."""
    return jsonify(profile_json(get_service().profile("country", code, share=_share())))


@bp.get("/api/network")
def network_api() -> Response:
    """Who with whom in a search (any search parameter; ``nodes``: per kind, 1-30)."""
    search = parse_search_params(request_params(), extra=("nodes",))
    network = get_service().network(search, _nodes())
    return jsonify({"ok": True, **network_json(network)})


def _series_pairs() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


@bp.get("/compare")
def compare_page() -> Any:
    """Searches on one timeline (``s``, ``q``, ``actor``, ``country``: one series each)."""
    pairs = _series_pairs()
    try:
        comparison = get_service().compare(pairs)
    except QueryError as e:
        return render_template("compare.html", comparison=None, error=str(e), pairs=pairs), 400
    lines, peak = comparison_lines(comparison)
    specs = [urlencode(SearchState(s.request).params()) for s in comparison.series]
    base = url_for("views.compare_page")
    remove_urls = [
        base + "?" + urlencode([("s", spec) for k, spec in enumerate(specs) if k != i])
        for i in range(len(specs))
    ]
    return render_template(
        "compare.html",
        comparison=comparison,
        error=None,
        lines=lines,
        peak=peak,
        specs=specs,
        remove_urls=remove_urls,
        pairs=pairs,
        share_url=url_for("views.compare_page") + "?" + urlencode([("s", s) for s in specs]),
        api_url=url_for("views.compare_api") + "?" + urlencode([("s", s) for s in specs]),
    )


@bp.get("/api/compare")
def compare_api() -> Response:
    """A comparison as JSON: shared keys, each series' counts."""
    return jsonify(comparison_json(get_service().compare(_series_pairs())))


def network_of(search: SearchRequest, nodes: int = NETWORK_NODES) -> Any:
    """The laid-out network of a search (for the search page's graph)."""
    network: Network = get_service().network(search, nodes)
    return graph_layout(network, SearchState(search))


def network_inline() -> bool:
    """Whether the search page draws its graph (``NETWORK_INLINE``; by default on the
    embedded Whoosh index, where it costs a few milliseconds; on Typesense a network is
    a search per pair of nodes, so the search page links to ``/network`` instead)."""
    setting = current_app.config.get("NETWORK_INLINE")
    if setting is None:
        return get_service().settings.backend == "whoosh"
    return str(setting).lower() not in ("0", "false", "no", "")


@bp.get("/network")
def network_page() -> Any:
    """A search's who-with-whom graph on a page of its own, with its strongest pairs."""
    try:
        search = parse_search_params(request_params(), extra=("nodes",))
        graph = network_of(search, _nodes())
    except QueryError as e:
        return render_template("network.html", graph=None, error=str(e), state=None), 400
    state = SearchState(search)
    return render_template("network.html", graph=graph, error=None, state=state)


def init_app(app: Flask) -> None:
    """Register the blueprint and the template helpers the other pages link with."""
    app.register_blueprint(bp)
    app.add_template_global(profile_url, "profile_url")
    app.add_template_global(network_of, "network_of")
    app.add_template_global(network_inline, "network_inline")
    app.add_template_global(with_both, "with_both")
