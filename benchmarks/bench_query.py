"""Query latency of the Whoosh backend against SQLite FTS5 on the same documents.

Usage:
    python -m benchmarks.bench_query [--corpus DIR] [--factor N] [--repeat R]
                                     [--from-index DIR] [--limit N]

Documents: Reuters-21578 read and cleaned by Dateline's own reader and cleaner, with the
corpus's PEOPLE/ORGS tags as actors and PLACES tags (resolved to ISO codes) as countries,
so no NER run is needed (this measures search, not extraction). ``--from-index DIR``
takes the documents of an existing Dateline index instead (real NER entities).
``--factor 10`` scales them to ~200,000 with ``benchmarks.synth.scaled_documents``.

Each query of ``benchmarks/queries.txt`` asks both engines for the same page: the first
20 hits with snippets, total, counts of 3 facets (actor, country, source) over the whole
result and the date histogram. FTS5 counts facets with ``CROSS JOIN`` + ``GROUP BY`` (a
plain JOIN lets SQLite scan the entity table first and is ~50x slower).
"""

from __future__ import annotations

import argparse
import re
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from search.backends.whoosh.backend import WhooshBackend
from search.models import IndexDocument, SearchRequest
from search.settings import Settings, corpora_dir

QUERIES = Path(__file__).with_name("queries.txt")
PAGE = 20


@dataclass(frozen=True)
class BenchQuery:
    """One line of queries.txt."""

    kind: str
    q: str
    actors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def request(self) -> SearchRequest:
        """The Dateline request for this query."""
        return SearchRequest(
            q=self.q,
            actors=self.actors,
            countries=self.countries,
            date_from=self.date_from,
            date_to=self.date_to,
            sort="relevance" if self.q else "newest",
            per_page=PAGE,
        )


def load_queries(path: Path = QUERIES) -> list[BenchQuery]:
    """Parse the committed query set."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, q, filters = (part.strip() for part in line.split("|"))
        params: dict[str, list[str]] = {}
        for item in filter(None, filters.split(";")):
            key, value = item.split("=", 1)
            params.setdefault(key, []).append(value)
        out.append(
            BenchQuery(
                kind=kind,
                q=q,
                actors=tuple(params.get("actor", ())),
                countries=tuple(params.get("country", ())),
                date_from=date.fromisoformat(params["from"][0]) if "from" in params else None,
                date_to=date.fromisoformat(params["to"][0]) if "to" in params else None,
            )
        )
    return out


# -- documents ---------------------------------------------------------------------------

_BLOCK = re.compile(r"<REUTERS[^>]*NEWID=\"(\d+)\"[^>]*>(.*?)</REUTERS>", re.S)
_TAGS = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.S) for name in ("PLACES", "PEOPLE", "ORGS")
}
_D = re.compile(r"<D>(.*?)</D>")


def _tags(path: Path) -> dict[str, dict[str, list[str]]]:
    text = path.read_bytes().decode("latin-1")
    out = {}
    for m in _BLOCK.finditer(text):
        inner = m.group(2)
        out[m.group(1)] = {
            name: _D.findall(rx.search(inner).group(1)) if rx.search(inner) else []  # type: ignore[union-attr]
            for name, rx in _TAGS.items()
        }
    return out


def reuters_documents(corpus: Path) -> Iterator[IndexDocument]:
    """Reuters articles cleaned by Dateline, entities from the corpus's own tags."""
    from search.cleaning import clean
    from search.models import RawArticle
    from search.places import resolve_country
    from search.sources.reuters import read_reuters_file

    settings = Settings()
    for path in sorted(corpus.glob("reut2-*.sgm")):
        tags = _tags(path)
        for raw in read_reuters_file(path, settings):
            if not isinstance(raw, RawArticle):
                continue
            try:
                article = clean(raw)
            except Exception:  # empty articles: the reindex skips them too
                continue
            t = tags.get(raw.key.rsplit("#", 1)[1], {})
            codes = [resolve_country(p.replace("-", " ")) for p in t.get("PLACES", [])]
            people = [p.replace("-", " ").title() for p in t.get("PEOPLE", [])]
            orgs = [o.upper() for o in t.get("ORGS", [])]
            yield IndexDocument(
                id=article.id,
                key=article.key,
                title=article.title,
                body=article.body,
                content_hash=article.content_hash,
                source=article.source,
                published=article.published,
                actors=tuple(people + orgs),
                actor_kinds=tuple(["person"] * len(people) + ["org"] * len(orgs)),  # type: ignore[arg-type]
                countries=tuple(dict.fromkeys(c for c in codes if c)),
            )


# -- the two engines ---------------------------------------------------------------------


def build_whoosh(docs: list[IndexDocument], index_dir: Path) -> WhooshBackend:
    """A full Whoosh build of ``docs``."""
    backend = WhooshBackend(Settings(index_dir=index_dir))
    writer = backend.writer(full=True)
    for doc in docs:
        writer.add(doc)
    writer.commit()
    return backend


def build_fts(docs: list[IndexDocument], path: Path) -> sqlite3.Connection:
    """SQLite FTS5 (porter stemming) plus an entity table, from the same documents."""
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT, title TEXT, body TEXT,
                          source TEXT, day TEXT, month TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, body, content='docs', content_rowid='rowid',
                                            tokenize='porter unicode61');
        CREATE TABLE ent(rowid INTEGER, facet TEXT, value TEXT);
        """
    )
    for n, doc in enumerate(docs, start=1):
        day = doc.published.date().isoformat() if doc.published else None
        db.execute(
            "INSERT INTO docs VALUES (?,?,?,?,?,?,?)",
            (n, doc.id, doc.title, doc.body, doc.source, day, day[:7] if day else None),
        )
        db.executemany(
            "INSERT INTO ent VALUES (?,?,?)",
            [(n, "actor", a) for a in dict.fromkeys(doc.actors)]
            + [(n, "country", c) for c in dict.fromkeys(doc.countries)],
        )
    db.executescript(
        """
        INSERT INTO fts(fts) VALUES('rebuild');
        CREATE INDEX ent_fv ON ent(facet, value COLLATE NOCASE, rowid);
        CREATE INDEX ent_r ON ent(rowid, facet);
        CREATE INDEX docs_day ON docs(day);
        ANALYZE;
        """
    )
    db.commit()
    return db


def fts_page(db: sqlite3.Connection, bq: BenchQuery) -> tuple[int, list[tuple[str, str]]]:
    """The same page as Dateline's: hits+snippets, total, 3 facets, month histogram."""
    where, args = [], []
    source = "fts CROSS JOIN docs d ON d.rowid = fts.rowid" if bq.q else "docs d"
    if bq.q:
        where.append("fts MATCH ?")
        args.append(bq.q)
    for facet, values in (("actor", bq.actors), ("country", bq.countries)):
        for value in values:
            where.append(
                "d.rowid IN (SELECT rowid FROM ent WHERE facet = ? AND value = ? COLLATE NOCASE)"
            )
            args += [facet, value]
    if bq.date_from:
        where.append("d.day >= ?")
        args.append(bq.date_from.isoformat())
    if bq.date_to:
        where.append("d.day <= ?")
        args.append(bq.date_to.isoformat())
    cond = " AND ".join(where) or "1"
    if bq.q:
        hits = db.execute(
            f"SELECT d.id, snippet(fts, 1, '<mark>', '</mark>', '…', 24) FROM {source} "
            f"WHERE {cond} ORDER BY bm25(fts, 2.0, 1.0) LIMIT {PAGE}",
            args,
        ).fetchall()
    else:
        hits = db.execute(
            f"SELECT d.id, substr(d.body, 1, 200) FROM {source} WHERE {cond} "
            f"ORDER BY d.day IS NULL, d.day DESC LIMIT {PAGE}",
            args,
        ).fetchall()
    total = db.execute(f"SELECT count(*) FROM {source} WHERE {cond}", args).fetchone()[0]
    for facet in ("actor", "country"):
        db.execute(
            f"SELECT e.value, count(*) AS n FROM {source} CROSS JOIN ent e ON e.rowid = d.rowid "
            f"WHERE {cond} AND e.facet = '{facet}' GROUP BY e.value ORDER BY n DESC LIMIT 10",
            args,
        ).fetchall()
    db.execute(
        f"SELECT d.source, count(*) AS n FROM {source} WHERE {cond} GROUP BY d.source "
        "ORDER BY n DESC LIMIT 10",
        args,
    ).fetchall()
    db.execute(f"SELECT d.month, count(*) FROM {source} WHERE {cond} GROUP BY d.month", args)
    return total, hits


# -- measuring ---------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


Timings = dict[str, list[float]]  # kind (and "ALL") -> milliseconds per query


def measure(
    fn: Callable[[BenchQuery], object], queries: list[BenchQuery], repeat: int
) -> tuple[Timings, Timings]:
    """Wall-clock and CPU milliseconds per query by kind, after one warm-up pass.

    CPU time (``time.process_time``; both engines run in this thread) is the fairer
    figure on a shared, loaded machine; wall time is what a user waits.
    """
    for bq in queries:
        fn(bq)
    wall: Timings = {"ALL": []}
    cpu: Timings = {"ALL": []}
    for _ in range(repeat):
        for bq in queries:
            t0, c0 = time.perf_counter(), time.process_time()
            fn(bq)
            for table, ms in (
                (wall, (time.perf_counter() - t0) * 1000),
                (cpu, (time.process_time() - c0) * 1000),
            ):
                table["ALL"].append(ms)
                table.setdefault(bq.kind, []).append(ms)
    return wall, cpu


def dir_mb(path: Path) -> float:
    """Size of a file or folder on disk, MB."""
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


def main(argv: list[str] | None = None) -> None:
    """Build both engines from the same documents, run the query set, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=corpora_dir() / "reuters21578")
    parser.add_argument("--from-index", type=Path, default=None)
    parser.add_argument("--factor", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep (and reuse) both indexes here"
    )
    args = parser.parse_args(argv)
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp:
            run(args, Path(tmp))


def run(args: argparse.Namespace, work: Path) -> None:
    """Build (or reuse) both engines in ``work`` and measure."""
    if (work / "fts.db").exists() and (work / "index" / "CURRENT").exists():
        print(f"reusing the indexes in {work}")
        backend = WhooshBackend(Settings(index_dir=work / "index"))
        db = sqlite3.connect(work / "fts.db")
        measure_both(args, work, backend, db)
        return

    t0 = time.perf_counter()
    if args.from_index:
        docs = list(WhooshBackend(Settings(index_dir=args.from_index)).iter_documents())
    else:
        docs = list(reuters_documents(args.corpus))
    if args.limit:
        docs = docs[: args.limit]
    if args.factor > 1:
        from benchmarks.synth import scaled_documents

        docs = list(scaled_documents(docs, args.factor))
    print(f"documents: {len(docs)} (loaded in {time.perf_counter() - t0:.1f} s)")

    t0 = time.perf_counter()
    backend = build_whoosh(docs, work / "index")
    print(f"whoosh build: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    db = build_fts(docs, work / "fts.db")
    print(f"fts5 build: {time.perf_counter() - t0:.1f} s")
    del docs
    measure_both(args, work, backend, db)


def measure_both(
    args: argparse.Namespace, work: Path, backend: WhooshBackend, db: sqlite3.Connection
) -> None:
    """Run the query set on both engines and print the tables."""
    queries = load_queries()
    t0 = time.perf_counter()
    backend.count()  # opens the searcher and builds the facet columns
    print(f"whoosh open + facet columns: {(time.perf_counter() - t0) * 1000:.0f} ms")
    w_wall, w_cpu = measure(lambda bq: backend.search(bq.request()), queries, args.repeat)
    f_wall, f_cpu = measure(lambda bq: fts_page(db, bq), queries, args.repeat)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"index size: whoosh {dir_mb(work / 'index'):.0f} MB, "
        f"fts5 {dir_mb(work / 'fts.db'):.0f} MB; peak RSS (both engines) {rss:.0f} MB"
    )
    for label, w, f in (("wall ms", w_wall, f_wall), ("cpu ms", w_cpu, f_cpu)):
        print(f"{label:<10}{'whoosh p50':>12}{'p95':>8}{'fts5 p50':>12}{'p95':>8}")
        for kind in [k for k in w if k != "ALL"] + ["ALL"]:
            print(
                f"{kind:<10}{percentile(w[kind], 50):>12.1f}{percentile(w[kind], 95):>8.1f}"
                f"{percentile(f[kind], 50):>12.1f}{percentile(f[kind], 95):>8.1f}"
            )
        ratio = percentile(w["ALL"], 95) / percentile(f["ALL"], 95)
        print(f"{label} p95 ratio whoosh/fts5: {ratio:.2f} (target <= 2)")
    print("command: python -m benchmarks.bench_query " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
