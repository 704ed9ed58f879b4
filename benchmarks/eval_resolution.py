"""Cross-document actor resolution (AIDA CoNLL-YAGO) and the Reuters actor facet review.

    .venv/bin/python -m benchmarks.eval_resolution [aida] [aida-train] [review [INDEX_DIR]]

No argument runs ``aida`` (the dev part). See docs/entities.md, "Cross-document resolution
(AIDA)" and "Reuters facet review", for the figures and the rules of both measures.

- ``aida``: the 216 CoNLL-2003 ``eng.testa`` documents are written as one JSON Lines file
  and indexed TOGETHER by ``SearchService.reindex`` into a temporary Whoosh index, so the
  corpus-level alias pass runs as in production. Each linked PER/ORG gold mention (span and
  type from the CoNLL IOB1 file, entity from AIDA) takes the actor name of the stored
  person/org ``MarkedSpan`` that overlaps it most (any shared character; ``exact`` =
  same start and end is reported beside it). B-cubed precision/recall of those names
  against the gold entities, mentions without an actor counting as singletons; the share
  of linked mentions found; the share of distinct actor values that are junk (no mention
  of the value matches a gold PER/ORG mention, linked or not). ``aida-train`` does the
  same on the 946 ``eng.train`` documents.
- ``review``: the top 100 actor values of an existing index (the empty query's facet)
  joined with the hand labels of ``benchmarks/reuters_actor_review.tsv``.

The ``evaluate_*``/``review`` functions return dicts; tests/test_entity_resolution.py pins
floors. The CoNLL test part (eng.testb) is held out and never read.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from benchmarks.eval_entities import PROSE_MIN_TOKENS, read_conll
from search.models import IndexDocument
from search.settings import Settings, corpora_dir

Match = Literal["overlap", "exact"]
AIDA_FILE = "AIDA-YAGO2-annotations.train-testa.tsv"
NOT_LINKED = "--NME--"
ACTOR_TYPES = ("person", "org")
REVIEW_FILE = Path(__file__).with_name("reuters_actor_review.tsv")
REVIEW_COLUMNS = ("value", "count", "label", "canonical", "note")
REVIEW_LABELS = ("ok", "junk", "dup")
REVIEW_TOP = 100

# ---------------------------------------------------------------- gold: CoNLL + AIDA


@dataclass(frozen=True, slots=True)
class GoldSpan:
    """A maximal IOB1 entity span of one document, in characters of the document text."""

    doc: int
    start: int
    end: int
    kind: str  # PER | ORG | LOC | MISC
    surface: str
    entity: str | None = None  # AIDA's YAGO2 name; None when not linked (--NME--) or absent


@dataclass(frozen=True, slots=True)
class Part:
    """One part (dev or train) of CoNLL + AIDA: document texts and every gold span."""

    texts: tuple[str, ...]
    spans: tuple[GoldSpan, ...]

    def linked(self) -> list[GoldSpan]:
        """The linked PER/ORG mentions: what B-cubed and the found share are computed on."""
        return [s for s in self.spans if s.kind in ("PER", "ORG") and s.entity]


def read_tags(path: Path) -> list[list[str]]:
    """The NE tag (last column) of every token, one list per -DOCSTART- document."""
    docs: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "-DOCSTART-":
            docs.append([])
        else:
            docs[-1].append(parts[-1])
    return docs


def iob1_spans(
    tags: Sequence[str], sentence_starts: Collection[int] = ()
) -> list[tuple[int, int, str]]:
    """Maximal entity spans as token ranges ``(first, after_last, type)`` under IOB1.

    ``I-X`` continues an open ``X`` span and ``B-X`` starts a new one (it only appears right
    after another ``X`` entity). A sentence start ends a span too: CoNLL splits a few
    sentences inside names (dev: "Ken / Green" in a list), and ``read_conll`` does the same.
    """
    spans: list[tuple[int, int, str]] = []
    start, kind = 0, ""
    for i, tag in enumerate([*tags, "O"]):
        new = tag[2:] if tag != "O" else ""
        if kind and (new != kind or tag.startswith("B-") or i in sentence_starts):
            spans.append((start, i, kind))
            kind = ""
        if new and not kind:
            start, kind = i, new
    return spans


def read_aida(path: Path) -> dict[str, list[tuple[int, str | None]]]:
    """AIDA links per document id (``"947testa CRICKET"``): ``(first token, entity)``."""
    docs: dict[str, list[tuple[int, str | None]]] = {}
    current: list[tuple[int, str | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            current = docs.setdefault(line[len("-DOCSTART- (") : -1], [])
        elif line.strip():
            token, entity = line.split("\t")[:2]
            current.append((int(token), None if entity == NOT_LINKED else entity))
    return docs


def load_part(part: str = "dev", root: Path | None = None) -> Part:
    """CoNLL dev (``eng.testa``) or train (``eng.train``) with AIDA's links on its spans.

    Texts are built by ``benchmarks.eval_entities.read_conll`` (tokens joined by spaces,
    sentences by newlines), so both evaluations read the same documents; token offsets are
    recovered from that text (CoNLL tokens hold no whitespace).
    """
    root = root or corpora_dir()
    conll = root / "conll2003" / ("eng.testa" if part == "dev" else "eng.train")
    docs = read_conll(conll)
    tags = read_tags(conll)
    links = [
        v
        for k, v in read_aida(root / "aida" / AIDA_FILE).items()
        if ("testa" in k) == (part == "dev")
    ]
    if not len(docs) == len(tags) == len(links):
        raise ValueError(f"{conll}: {len(docs)} documents, {len(links)} in AIDA")
    spans: list[GoldSpan] = []
    for n, (doc, doc_tags, doc_links) in enumerate(zip(docs, tags, links, strict=True)):
        tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", doc.text)]
        if len(tokens) != len(doc_tags):
            raise ValueError(f"{conll}: document {n} has {len(tokens)} tokens in its text")
        entity_at = dict(doc_links)
        starts = {i for i, (a, _) in enumerate(tokens) if a and doc.text[a - 1] == "\n"}
        for first, after, kind in iob1_spans(doc_tags, starts):
            start, end = tokens[first][0], tokens[after - 1][1]
            entity = entity_at.get(first)
            spans.append(GoldSpan(n, start, end, kind, doc.text[start:end], entity))
        # The same PER/ORG spans as eval_entities' gold: both readings of IOB1 must agree.
        mine = {(s.start, s.end, s.kind) for s in spans if s.doc == n and s.kind in ("PER", "ORG")}
        if mine != set(doc.gold):
            raise ValueError(f"{conll}: document {n}: IOB1 spans differ from read_conll's")
    return Part(tuple(d.text for d in docs), tuple(spans))


# ---------------------------------------------------------------- indexing


@dataclass(frozen=True, slots=True)
class Predicted:
    """A stored span of one document, in characters of the ORIGINAL document text."""

    doc: int
    start: int
    end: int
    type: str  # person | org | country | date
    value: str


def index_part(texts: Sequence[str], workdir: Path) -> list[list[Predicted]]:
    """Index the texts together through ``SearchService.reindex``; stored spans per text.

    One JSON Lines record per document (``id`` = its number, ``body`` = its text, no
    title: cleaning derives one from the first line, as for any headline-less text).
    Stored offsets index ``IndexDocument.text``; they are mapped back to the original text.
    """
    from search.service import SearchService

    source = workdir / "docs.jsonl"
    with open(source, "w", encoding="utf-8") as f:
        for n, text in enumerate(texts):
            f.write(json.dumps({"id": n, "body": text}) + "\n")
    settings = Settings.from_env(
        index_dir=workdir / "index",
        backend="whoosh",
        # One NER process: the machine is shared, and the result does not depend on it.
        extract_workers=int(os.environ.get("DATELINE_EXTRACT_WORKERS", "1")),
    )
    service = SearchService(settings)
    report = service.reindex([source], full=True)
    if report.skipped:
        raise RuntimeError(f"documents not indexed: {report.skipped[:3]}")
    out: list[list[Predicted]] = [[] for _ in texts]
    for doc in service.backend.iter_documents():
        n = int(doc.key.rsplit("#", 1)[1])
        out[n] = _original_spans(n, doc, texts[n])
    return out


def _original_spans(n: int, doc: IndexDocument, original: str) -> list[Predicted]:
    """The document's stored spans with offsets into ``original``.

    Cleaning leaves CoNLL texts unchanged today (then offsets are used as they are); if it
    ever changes whitespace or drops a token, offsets are mapped token by token and a span
    whose ends fall outside the mapped tokens is dropped.
    """
    stored = doc.text
    spans = [(s.start, s.end, s.type, s.value) for s in doc.spans]
    if stored == original:
        return [Predicted(n, a, b, t, v) for a, b, t, v in spans]
    starts, ends = _token_map(original, stored)
    mapped = []
    for a, b, t, v in spans:
        if a in starts and b in ends:
            mapped.append(Predicted(n, starts[a], ends[b], t, v))
    return mapped


def _token_map(original: str, stored: str) -> tuple[dict[int, int], dict[int, int]]:
    """Stored token start/end offsets -> original offsets, matching tokens in order."""
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    cursor = 0
    for m in re.finditer(r"\S+", original):
        at = stored.find(m.group(), cursor, cursor + 200 + len(m.group()))
        if at < 0:
            continue  # the token was dropped by cleaning
        starts[at], ends[at + len(m.group())] = m.start(), m.end()
        cursor = at + len(m.group())
    return starts, ends


# ---------------------------------------------------------------- scoring


def bcubed(gold: Sequence[Hashable], predicted: Sequence[Hashable | None]) -> dict[str, float]:
    """B-cubed precision, recall and F1 of a clustering of the same items.

    ``gold[i]`` and ``predicted[i]`` are item i's gold and predicted cluster keys; a ``None``
    prediction is a singleton cluster of its own (an item the system did not find).
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted must label the same items")
    if not gold:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    pred = [p if p is not None else ("\x00singleton", i) for i, p in enumerate(predicted)]
    both = Counter(zip(gold, pred, strict=True))
    gold_size, pred_size = Counter(gold), Counter(pred)
    # Every item of a (gold, predicted) cell has the same per-item precision and recall.
    p = sum(n * n / pred_size[pk] for (_, pk), n in both.items()) / len(gold)
    r = sum(n * n / gold_size[gk] for (gk, _), n in both.items()) / len(gold)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def matches(a_start: int, a_end: int, b_start: int, b_end: int, rule: Match) -> int:
    """How well two spans match: shared characters (``overlap``), or all-or-nothing."""
    if rule == "exact":
        return a_end - a_start if (a_start, a_end) == (b_start, b_end) else 0
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def actor_of(span: GoldSpan, predicted: Iterable[Predicted], rule: Match) -> Predicted | None:
    """The person/org span that matches ``span`` best (most shared characters, then first)."""
    best, best_score = None, 0
    for p in predicted:
        score = matches(span.start, span.end, p.start, p.end, rule)
        if p.type in ACTOR_TYPES and score > best_score:
            best, best_score = p, score
    return best


def score(part: Part, predicted: Sequence[Sequence[Predicted]], rule: Match) -> dict[str, Any]:
    """B-cubed, found share and junk share of one part under one matching rule."""
    linked = part.linked()
    names = [actor_of(s, predicted[s.doc], rule) for s in linked]
    result: dict[str, Any] = bcubed(
        [s.entity for s in linked], [p.value if p else None for p in names]
    )
    found = sum(p is not None for p in names)
    junk = junk_values(part, predicted, rule)
    values = {p.value for spans in predicted for p in spans if p.type in ACTOR_TYPES}
    result.update(
        mentions=len(linked),
        found=round(found / len(linked), 4),
        actor_values=len(values),
        junk_values=len(junk),
        junk=round(len(junk) / len(values), 4) if values else 0.0,
    )
    return result


def junk_values(
    part: Part, predicted: Sequence[Sequence[Predicted]], rule: Match
) -> dict[str, list[Predicted]]:
    """Actor values none of whose stored spans matches a gold PER/ORG span, with the spans.

    A value is judged by its marked spans; an actor whose every span lost to an
    overlapping country or date span has none and is not counted at all (0 on dev).
    """
    gold_by_doc: dict[int, list[GoldSpan]] = defaultdict(list)
    for s in part.spans:
        if s.kind in ("PER", "ORG"):
            gold_by_doc[s.doc].append(s)
    spans_of: dict[str, list[Predicted]] = defaultdict(list)
    good: set[str] = set()
    for doc_spans in predicted:
        for p in doc_spans:
            if p.type not in ACTOR_TYPES:
                continue
            spans_of[p.value].append(p)
            if any(matches(g.start, g.end, p.start, p.end, rule) for g in gold_by_doc[p.doc]):
                good.add(p.value)
    return {v: spans for v, spans in spans_of.items() if v not in good}


def prose_part(part: Part) -> Part:
    """Only the gold spans on prose lines (at least ``PROSE_MIN_TOKENS`` tokens, as in
    eval_entities): without score tables, line-ups and results lists."""

    def on_prose(s: GoldSpan) -> bool:
        text = part.texts[s.doc]
        line_start = text.rfind("\n", 0, s.start) + 1
        line_end = text.find("\n", s.end)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        return len(line.split()) >= PROSE_MIN_TOKENS

    return Part(part.texts, tuple(s for s in part.spans if on_prose(s)))


def evaluate_resolution(part: str = "dev", root: Path | None = None) -> dict[str, Any]:
    """Index one part together and score it: ``{"overlap": {...}, "exact": {...}}``."""
    gold = load_part(part, root)
    with tempfile.TemporaryDirectory(prefix="dateline-aida-") as tmp:
        predicted = index_part(gold.texts, Path(tmp))
    prose = score(prose_part(gold), predicted, "overlap")
    return {
        "part": part,
        "documents": len(gold.texts),
        "overlap": score(gold, predicted, "overlap"),
        "exact": score(gold, predicted, "exact"),
        # Junk is left out: it needs every gold span, and tables hold many of them.
        "prose": {k: prose[k] for k in ("precision", "recall", "f1", "mentions", "found")},
        # Kept for the error report; not part of the figures.
        "_gold": gold,
        "_predicted": predicted,
    }


# ---------------------------------------------------------------- error report (stdout)


def error_report(gold: Part, predicted: Sequence[Sequence[Predicted]], top: int = 12) -> str:
    """The biggest errors under the overlap rule, to guide rule work (not committed data)."""
    linked = gold.linked()
    names = [actor_of(s, predicted[s.doc], "overlap") for s in linked]
    lines: list[str] = []
    by_value: dict[str, Counter[str]] = defaultdict(Counter)
    by_entity: dict[str, Counter[str]] = defaultdict(Counter)
    missed: Counter[str] = Counter()
    for s, p in zip(linked, names, strict=True):
        assert s.entity is not None
        by_entity[s.entity][p.value if p else "(none)"] += 1
        if p:
            by_value[p.value][s.entity] += 1
        else:
            missed[f"{s.surface} [{s.kind}, {_why_missed(s, predicted[s.doc])}]"] += 1

    def impurity(c: Counter[str]) -> int:
        return sum(c.values()) - max(c.values())

    lines.append("wrongly merged names (actor value: gold entities):")
    for value, c in sorted(by_value.items(), key=lambda kv: -impurity(kv[1]))[:top]:
        if impurity(c):
            lines.append(f"  {value}: {_counts(c)}")
    lines.append("split entities (gold entity: actor values):")
    split = {e: c for e, c in by_entity.items() if len(set(c) - {"(none)"}) > 1}
    for entity, c in sorted(split.items(), key=lambda kv: -impurity(kv[1]))[:top]:
        lines.append(f"  {entity}: {_counts(c)}")
    lines.append("linked mentions not found (surface [type, what covers it]):")
    lines.extend(f"  {n:3d}  {m}" for m, n in missed.most_common(top))
    lines.append("junk actor values (value: mentions, gold type under its spans):")
    junk = junk_values(gold, predicted, "overlap")
    for value, spans in sorted(junk.items(), key=lambda kv: -len(kv[1]))[:top]:
        under = Counter(_gold_kind(p, gold) for p in spans)
        lines.append(f"  {value}: {len(spans)} ({_counts(under)})")
    return "\n".join(lines)


def _why_missed(span: GoldSpan, predicted: Iterable[Predicted]) -> str:
    """What Dateline stored over a missed mention: a country or date span, or nothing."""
    kinds = {p.type for p in predicted if matches(span.start, span.end, p.start, p.end, "overlap")}
    return "/".join(sorted(kinds)) or "no span"


def _gold_kind(p: Predicted, gold: Part) -> str:
    for s in gold.spans:
        if s.doc == p.doc and matches(s.start, s.end, p.start, p.end, "overlap"):
            return s.kind
    return "no entity"


def _counts(c: Counter[str]) -> str:
    return ", ".join(f"{k} x{n}" for k, n in c.most_common(6))


# ---------------------------------------------------------------- Reuters facet review


@dataclass(frozen=True, slots=True)
class ReviewLabel:
    """One hand-labelled actor value (a row of the review file)."""

    value: str
    count: int  # its count in the index it was labelled from
    label: str  # ok | junk | dup
    canonical: str  # for dup: the value it duplicates (labelled ok); else empty
    note: str


def read_labels(path: Path = REVIEW_FILE) -> dict[str, ReviewLabel]:
    """The review file, validated: ``ValueError`` naming the line of the first bad row."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or tuple(lines[0].split("\t")) != REVIEW_COLUMNS:
        raise ValueError(f"{path}:1: the header must be the columns {REVIEW_COLUMNS}")
    labels: dict[str, ReviewLabel] = {}
    for lineno, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        where = f"{path}:{lineno}"
        if len(cells) != len(REVIEW_COLUMNS):
            raise ValueError(f"{where}: {len(cells)} columns, not {len(REVIEW_COLUMNS)}")
        value, count, label, canonical, note = cells
        if not value.strip() or value != value.strip():
            raise ValueError(f"{where}: empty value or surrounding spaces")
        if value in labels:
            raise ValueError(f"{where}: {value!r} labelled twice")
        if not count.isdigit():
            raise ValueError(f"{where}: count {count!r} is not a number")
        if label not in REVIEW_LABELS:
            raise ValueError(f"{where}: label {label!r} is not one of {REVIEW_LABELS}")
        if (label == "dup") != bool(canonical):
            raise ValueError(f"{where}: a canonical value is given exactly for dup rows")
        labels[value] = ReviewLabel(value, int(count), label, canonical, note)
    for row in labels.values():
        head = labels.get(row.canonical)
        if row.label == "dup" and (head is None or head.label != "ok"):
            raise ValueError(f"{path}: {row.value!r}: canonical {row.canonical!r} is no ok row")
    return labels


def review(
    index_dir: Path = Path("index"), labels_path: Path = REVIEW_FILE, top: int = REVIEW_TOP
) -> dict[str, Any]:
    """The top actor values of an index joined with the hand labels.

    A duplicate group is two or more values in the top list naming the same actor (a dup
    row and its canonical, or two dup rows with the same canonical).
    """
    from search.service import SearchService

    service = SearchService(Settings.from_env(index_dir=index_dir))
    values = service.facet_values("actor", "", top)
    labels = read_labels(labels_path)
    listed = {v for v, _ in values}
    groups: dict[str, list[str]] = defaultdict(list)
    for value, _ in values:
        row = labels.get(value)
        if row is not None:
            groups[row.canonical or value].append(value)
    dup_groups = {head: members for head, members in groups.items() if len(members) > 1}
    kinds = Counter(labels[v].label if v in labels else "unlabelled" for v in listed)
    return {
        "values": len(values),
        "ok": kinds["ok"],
        "junk": kinds["junk"],
        "dup": kinds["dup"],
        "duplicate_groups": len(dup_groups),
        "unlabelled": kinds["unlabelled"],
        "groups": dup_groups,
        "junk_values": [(v, n) for v, n in values if v in labels and labels[v].label == "junk"],
        "unlabelled_values": [(v, n) for v, n in values if v not in labels],
    }


def print_review(result: dict[str, Any]) -> None:
    """Counts, the groups and junk values, then unlabelled rows ready to fill in."""
    print(
        f"top {result['values']} actor values: ok {result['ok']}, junk {result['junk']}, "
        f"dup {result['dup']} in {result['duplicate_groups']} duplicate groups, "
        f"unlabelled {result['unlabelled']}"
    )
    print("junk: " + ", ".join(f"{v} ({n})" for v, n in result["junk_values"]))
    for head, members in result["groups"].items():
        print(f"group {head}: {' | '.join(members)}")
    if result["unlabelled_values"]:
        print(f"label these in {REVIEW_FILE} (value, count, label, canonical, note):")
        for value, n in result["unlabelled_values"]:
            print(f"{value}\t{n}\t\t\t")


# ---------------------------------------------------------------- command line


def _print_resolution(result: dict[str, Any]) -> None:
    print(f"AIDA {result['part']}: {result['documents']} documents indexed together")
    for rule in ("overlap", "exact"):
        r = result[rule]
        print(
            f"  {rule:7s} B-cubed P {r['precision']:.3f} R {r['recall']:.3f} "
            f"F1 {r['f1']:.3f}; found {r['found']:.3f} of {r['mentions']} linked PER/ORG "
            f"mentions; junk {r['junk']:.3f} ({r['junk_values']} of {r['actor_values']} values)"
        )
    r = result["prose"]
    print(
        f"  prose   B-cubed P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f}; "
        f"found {r['found']:.3f} of {r['mentions']} linked mentions on lines of "
        f">= {PROSE_MIN_TOKENS} tokens"
    )
    print(error_report(result["_gold"], result["_predicted"]))


def main(argv: Sequence[str]) -> None:
    """``aida``, ``aida-train``, ``review [INDEX_DIR]``; no argument = ``aida``."""
    args = list(argv) or ["aida"]
    while args:
        what = args.pop(0)
        if what == "aida":
            _print_resolution(evaluate_resolution("dev"))
        elif what == "aida-train":
            _print_resolution(evaluate_resolution("train"))
        elif what == "review":
            path = Path(args.pop(0)) if args and args[0] not in ("aida", "aida-train") else None
            print_review(review(path or Path("index")))
        else:
            raise SystemExit(f"unknown measure {what!r}: use aida, aida-train, review [DIR]")


if __name__ == "__main__":
    main(sys.argv[1:])
