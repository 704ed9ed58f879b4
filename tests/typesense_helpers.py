"""Helpers for the Typesense tests: real servers, settings for them, documents to load."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from search.backends.typesense.server import Cluster, ServerUnavailable, find_binary
from search.models import Facet, IndexDocument, SearchPage
from search.settings import Settings


def start_cluster(size: int) -> Cluster:
    """A started cluster of ``size`` nodes, or skip with the reason it cannot run here."""
    try:
        find_binary()
    except (ServerUnavailable, OSError) as e:
        pytest.skip(f"Typesense server binary unavailable ({e}); run scripts/install-typesense.sh")
    cluster = Cluster(size)
    try:
        return cluster.start(timeout=90)
    except ServerUnavailable as e:
        cluster.stop()
        pytest.skip(f"Typesense server does not start on this machine: {e}")


def ts_settings(cluster: Cluster, index_dir: Path, collection: str, nodes: str = "") -> Settings:
    """Settings of a Typesense service on ``cluster`` (an alias of its own per test)."""
    return Settings(
        index_dir=index_dir,
        backend="typesense",
        typesense_nodes=nodes or cluster.addresses,
        typesense_api_key=cluster.api_key,
        typesense_collection=collection,
    )


WORDS = (
    "oil prices rose sharply market trade bank rates grain wheat coffee cocoa shipping "
    "talks minister government exports imports dollar yen tariff strike harvest crude"
).split()
ACTORS = ("OPEC", "Vladimir Putin", "World Bank", "Federal Reserve", "Ministry of Trade")
COUNTRIES = ("US", "JP", "GB", "BR", "RU", "SA", "DE")


def synthetic_docs(n: int, start: int = 0, tag: str = "v1") -> list[IndexDocument]:
    """``n`` deterministic articles (cheap: no NER), ids ``start..start+n``."""
    docs = []
    base = datetime(1987, 2, 26, tzinfo=UTC)
    for i in range(start, start + n):
        words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(40)]
        docs.append(
            IndexDocument(
                id=f"{i:016x}",
                key=f"/synthetic/{i}.txt",
                title=f"Story {i} {WORDS[i % len(WORDS)]}",
                body=" ".join(words) + f" marker{i} {tag}",
                content_hash=f"{tag}-{i}",
                source="Wire" if i % 3 else "Agency",
                published=base + timedelta(hours=i) if i % 10 else None,
                actors=(ACTORS[i % len(ACTORS)],),
                actor_kinds=("org",),
                countries=(COUNTRIES[i % len(COUNTRIES)], COUNTRIES[(i + 1) % len(COUNTRIES)]),
            )
        )
    return docs


def page_summary(page: SearchPage) -> dict[str, object]:
    """Everything of a page two backends should agree on for filter-only queries.

    Facet values are compared case-insensitively: both count "Li Ka-Shing" and
    "Li Ka-shing" as one value, but Whoosh shows the first spelling indexed and
    Typesense the most frequent one in the result.
    """

    def facet(f: Facet) -> tuple[object, ...]:
        # Values tied at the lowest count shown may be any of the run when the facet has
        # more than TIE_FACET_VALUES values (see search/backends/typesense/facets.py): the
        # counts must agree, and the values above the last count.
        counts = tuple(v.count for v in f.values if not v.selected)
        last = min(counts, default=0)
        above = sorted(
            (v.value.casefold(), v.count, v.selected)
            for v in f.values
            if v.count > last or v.selected
        )
        return counts, tuple(above), f.truncated

    return {
        "total": page.total,
        "actor": facet(page.facets["actor"]),
        "country": facet(page.facets["country"]),
        "source": facet(page.facets["source"]),
        "dates": page.dates,
    }


def reuters_subset(corpus: Path, out: Path, n: int) -> Path:
    """The first ``n`` articles of reut2-000.sgm written to ``out`` (a temp folder)."""
    text = (corpus / "reut2-000.sgm").read_bytes().decode("latin-1")
    articles = re.findall(r"<REUTERS\b.*?</REUTERS>", text, re.S)[:n]
    out.mkdir(parents=True, exist_ok=True)
    path = out / "reut2-000-subset.sgm"
    path.write_bytes(("\n".join(articles) + "\n").encode("latin-1"))
    return path
