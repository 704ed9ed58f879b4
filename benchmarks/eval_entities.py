"""Evaluate entity extraction on the shared dev corpora (never a test split).

    .venv/bin/python -m benchmarks.eval_entities [conll|countries|dates|speed ...]

- CoNLL-2003 dev (eng.testa): PER/ORG mention precision, recall, F1 (exact span), all
  sentences and prose sentences (>= 10 tokens). Each -DOCSTART- document becomes one
  Article (tokens joined by spaces, sentences by newlines) and goes through
  ``search.entities.extract_many``, the same code path as ``dateline extract``.
- Reuters-21578, LEWISSPLIT=TRAIN, a fixed sample of articles with non-empty PLACES:
  country precision/recall against PLACES (place codes mapped to ISO, see ``REUTERS_ISO``),
  and publication-date accuracy (``search.cleaning`` against the raw ``<DATE>`` field).
  The same stories written as plain-text wire files: countries against PLACES, and actor
  names against those of the .sgm reading (hard-wrapped lines must not cut names).
- Throughput: words per second on one core and peak RSS.

The ``evaluate_*`` functions return dicts; tests/test_entities_quality.py pins floors.
"""

from __future__ import annotations

import json
import random
import re
import resource
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from search.entities import (
    country_name,
    entities_from_spans,
    extract_many,
    ner_text,
    nlp,
    resolve_country,
)
from search.models import Article, Entities, RawArticle
from search.settings import corpora_dir

PROSE_MIN_TOKENS = 10
REUTERS_SAMPLE = 2000
SAMPLE_SEED = 1987

# Reuters place codes whose ISO code is not found by name. The archive is from 1987, so
# states that have since ended take their ISO 3166-3 codes, as the facet shows them for
# articles of that year: "ussr" -> SU, "yugoslavia" -> YU, "czechoslovakia" -> CS,
# "east-germany" -> DD, and so do the renamed ones with a code of their own: "zaire" -> ZR,
# "burma" -> BU. The others map to today's code: "west-germany" -> DE, "kampuchea" -> KH,
# both Yemens -> YE, "netherlands-antilles" -> CW (Curacao, its former seat of government).
REUTERS_ISO = {
    "usa": "US", "uk": "GB", "ussr": "SU", "west-germany": "DE", "east-germany": "DD",
    "czechoslovakia": "CS", "yugoslavia": "YU", "zaire": "ZR", "burma": "BU",
    "kampuchea": "KH", "yemen-arab-republic": "YE", "yemen-demo-republic": "YE",
    "netherlands-antilles": "CW", "uae": "AE", "ivory-coast": "CI", "south-korea": "KR",
    "north-korea": "KP", "hong-kong": "HK", "macao": "MO", "taiwan": "TW", "vatican": "VA",
    "western-samoa": "WS", "trinidad-tobago": "TT", "us-virgin-islands": "VI",
    "british-virgin-islands": "VG", "congo": "CG", "guinea": "GN", "niger": "NE",
    "dominica": "DM", "laos": "LA", "syria": "SY", "iran": "IR", "vietnam": "VN",
    "swaziland": "SZ", "cape-verde": "CV", "brunei": "BN", "bolivia": "BO",
    "venezuela": "VE", "tanzania": "TZ",
}  # fmt: skip


# ---------------------------------------------------------------- CoNLL-2003 dev


@dataclass(frozen=True, slots=True)
class ConllDoc:
    """One -DOCSTART- document: its text, sentence offsets and gold PER/ORG spans."""

    text: str
    sentences: tuple[tuple[int, int, int], ...]  # (start, end, token count)
    gold: frozenset[tuple[int, int, str]]


def read_conll(path: Path) -> list[ConllDoc]:
    """Documents of a CoNLL-2003 file (IOB1), tokens joined by spaces, sentences by newlines."""
    docs: list[ConllDoc] = []
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []

    def flush_doc() -> None:
        if current:
            sentences.append(list(current))
            current.clear()
        if sentences:
            docs.append(_conll_doc(sentences))
            sentences.clear()

    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts:
                if current:
                    sentences.append(list(current))
                    current.clear()
            elif parts[0] == "-DOCSTART-":
                flush_doc()
            else:
                current.append((parts[0], parts[-1]))
    flush_doc()
    return docs


def _conll_doc(sentences: list[list[tuple[str, str]]]) -> ConllDoc:
    pieces: list[str] = []
    offsets: list[tuple[int, int, int]] = []
    gold: set[tuple[int, int, str]] = set()
    pos = 0
    for sent in sentences:
        start_sent = pos
        open_span: tuple[int, str] | None = None
        last_end = pos
        for i, (token, tag) in enumerate(sent):
            if i:
                pos += 1
            tok_start, tok_end = pos, pos + len(token)
            kind = tag[2:] if tag != "O" else None
            begins = tag.startswith("B-") or (open_span is not None and open_span[1] != kind)
            if open_span and (kind is None or begins):
                if open_span[1] in ("PER", "ORG"):
                    gold.add((open_span[0], last_end, open_span[1]))
                open_span = None
            if kind and open_span is None:
                open_span = (tok_start, kind)
            last_end = tok_end
            pos = tok_end
        if open_span and open_span[1] in ("PER", "ORG"):
            gold.add((open_span[0], last_end, open_span[1]))
        pieces.append(" ".join(t for t, _ in sent))
        offsets.append((start_sent, pos, len(sent)))
        pos += 1  # the newline
    return ConllDoc("\n".join(pieces), tuple(offsets), frozenset(gold))


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "gold": tp + fn}


def _predicted(ents: Entities) -> set[tuple[int, int, str]]:
    kinds = {"person": "PER", "org": "ORG"}
    return {(m.start, m.end, kinds[a.kind]) for a in ents.actors for m in a.mentions}


def evaluate_conll(path: Path | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """PER/ORG exact-span P/R/F1 on CoNLL dev: ``{"all"|"prose": {"PER"|"ORG": {...}}}``."""
    path = path or corpora_dir() / "conll2003" / "eng.testa"
    docs = read_conll(path)
    articles = [
        Article(id=str(i), key=f"conll#{i}", title="", body=d.text) for i, d in enumerate(docs)
    ]
    counts = {s: {k: [0, 0, 0] for k in ("PER", "ORG")} for s in ("all", "prose")}
    for doc, ents in zip(docs, extract_many(articles), strict=True):
        prose = [(s, e) for s, e, n in doc.sentences if n >= PROSE_MIN_TOKENS]
        pred = _predicted(ents)
        for subset in ("all", "prose"):

            def keep(span: tuple[int, int, str]) -> bool:
                return subset == "all" or any(s <= span[0] < e for s, e in prose)  # noqa: B023

            p = {x for x in pred if keep(x)}
            g = {x for x in doc.gold if keep(x)}
            for kind in ("PER", "ORG"):
                pk = {x for x in p if x[2] == kind}
                gk = {x for x in g if x[2] == kind}
                c = counts[subset][kind]
                c[0] += len(pk & gk)
                c[1] += len(pk - gk)
                c[2] += len(gk - pk)
    return {s: {k: _prf(*v) for k, v in kinds.items()} for s, kinds in counts.items()}


# ---------------------------------------------------------------- Reuters-21578 TRAIN

_REUTERS = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)


@dataclass(frozen=True, slots=True)
class ReutersGold:
    """Gold fields of one Reuters article, read straight from the SGML."""

    newid: str
    places: tuple[str, ...]
    date: str


def _reuters_gold(root: Path) -> dict[str, ReutersGold]:
    gold: dict[str, ReutersGold] = {}
    for path in sorted(root.glob("reut2-*.sgm")):
        text = path.read_bytes().decode("latin-1")
        for m in _REUTERS.finditer(text):
            attrs, inner = m.group(1), m.group(2)
            if 'LEWISSPLIT="TRAIN"' not in attrs:
                continue
            newid = re.search(r'NEWID="(\d+)"', attrs).group(1)  # type: ignore[union-attr]
            places = re.search(r"<PLACES>(.*?)</PLACES>", inner, re.S)
            codes = tuple(re.findall(r"<D>(.*?)</D>", places.group(1))) if places else ()
            date = re.search(r"<DATE>(.*?)</DATE>", inner, re.S)
            gold[newid] = ReutersGold(newid, codes, date.group(1).strip() if date else "")
    return gold


def reuters_iso(code: str) -> str | None:
    """ISO alpha-2 for a Reuters place code ("west-germany" -> "DE")."""
    return REUTERS_ISO.get(code) or resolve_country(code.replace("-", " "))


def _reuters_raw_sample(size: int) -> Iterator[tuple[RawArticle, ReutersGold]]:
    """Raw TRAIN articles of the fixed random sample (seed 1987) with non-empty PLACES."""
    from search.settings import Settings
    from search.sources.reuters import read_reuters_file

    root = corpora_dir() / "reuters21578"
    gold = {k: g for k, g in _reuters_gold(root).items() if g.places}
    chosen = set(random.Random(SAMPLE_SEED).sample(sorted(gold, key=int), min(size, len(gold))))
    settings = Settings()
    for path in sorted(root.glob("reut2-*.sgm")):
        for raw in read_reuters_file(path, settings):
            newid = raw.key.rsplit("#", 1)[-1] if isinstance(raw, RawArticle) else ""
            if isinstance(raw, RawArticle) and newid in chosen:
                yield raw, gold[newid]


def reuters_sample(size: int = REUTERS_SAMPLE) -> list[tuple[Article, ReutersGold]]:
    """A fixed random sample of cleaned TRAIN articles with non-empty PLACES."""
    from search.cleaning import clean

    out: list[tuple[Article, ReutersGold]] = []
    for raw, g in _reuters_raw_sample(size):
        try:
            article = clean(raw)
        except ValueError:  # EmptyArticle: an article with no text is not sampled
            continue
        out.append((article, g))
    return sorted(out, key=lambda pair: int(pair[1].newid))


def evaluate_countries(
    sample: Sequence[tuple[Article, ReutersGold]] | None = None,
) -> dict[str, float]:
    """Country P/R/F1 against Reuters PLACES (micro-averaged over article-country pairs)."""
    sample = sample if sample is not None else reuters_sample()
    return _score_countries(sample)


def _extracted(sample: Sequence[tuple[Article, ReutersGold]]) -> tuple[Entities, ...]:
    """The entities of a sample's articles, extracted once per sample: the country and
    actor measures of one run (and of the tests) read the same extraction."""
    return _extract_articles(tuple(a for a, _ in sample))


@lru_cache(maxsize=3)
def _extract_articles(articles: tuple[Article, ...]) -> tuple[Entities, ...]:
    return tuple(extract_many(articles))


def _score_countries(sample: Sequence[tuple[Article, ReutersGold]]) -> dict[str, float]:
    """P/R/F1 of the salient countries (what the story is about, as PLACES lists), and
    ``mentioned_*`` of every country named (what the country facet holds)."""
    main = [0, 0, 0]
    mentioned = [0, 0, 0]
    for (_, g), ents in zip(sample, _extracted(sample), strict=True):
        truth = {c for c in (reuters_iso(p) for p in g.places) if c}
        for tally, pred in (
            (main, {c.code for c in ents.countries if c.salient}),
            (mentioned, {c.code for c in ents.countries}),
        ):
            tally[0] += len(pred & truth)
            tally[1] += len(pred - truth)
            tally[2] += len(truth - pred)
    every = {f"mentioned_{k}": v for k, v in _prf(*mentioned).items()}
    return {**_prf(*main), **every, "articles": len(sample)}


def wire_text(raw: RawArticle) -> str:
    """A Reuters story as a plain-text wire file: headline line, blank line, then the body
    opening with its dateline ("NEW YORK, Oct 19 - The ..."), as the wire prints it."""
    dateline = " ".join((raw.dateline or "").split()).rstrip(" -\u2013\u2014")
    body = (raw.text or "").strip()
    opening = f"{dateline} - {body}" if dateline else body
    return f"{raw.title or ''}\n\n{opening}\n" if raw.title else f"{opening}\n"


def plaintext_sample(
    size: int = REUTERS_SAMPLE, dated: bool = True
) -> list[tuple[Article, ReutersGold]]:
    """The TRAIN sample written as .txt files (:func:`wire_text`) and read back through the
    real path (``search.sources.text_files`` and ``search.cleaning``). With ``dated``, each
    file has a ``<stem>.json`` sidecar giving the publication date, as an archive would."""
    from search.cleaning import clean
    from search.settings import Settings
    from search.sources.text_files import read_text_file

    settings = Settings()
    out: list[tuple[Article, ReutersGold]] = []
    with tempfile.TemporaryDirectory(prefix="dateline-wire-") as tmp:
        for raw, g in _reuters_raw_sample(size):
            path = Path(tmp) / f"{g.newid}.txt"
            path.write_text(wire_text(raw), encoding="utf-8")
            if dated and raw.published:
                sidecar = {"published": raw.published}
                path.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
            for item in read_text_file(path, settings):
                if isinstance(item, RawArticle):
                    try:
                        out.append((clean(item), g))
                    except ValueError:  # EmptyArticle, as in reuters_sample
                        continue
    return sorted(out, key=lambda pair: int(pair[1].newid))


def evaluate_countries_plaintext(
    sample: Sequence[tuple[Article, ReutersGold]] | None = None,
) -> dict[str, float]:
    """Country P/R/F1 against PLACES for the TRAIN sample read as plain-text wire files."""
    return _score_countries(sample if sample is not None else plaintext_sample())


def evaluate_actors_plaintext(
    sample: Sequence[tuple[Article, ReutersGold]] | None = None,
    plain: Sequence[tuple[Article, ReutersGold]] | None = None,
) -> dict[str, float]:
    """Actor names of the TRAIN sample read as plain-text wire files (``plain``) against the
    same stories read from .sgm (``sample``): P/R/F1 over (article, name) pairs. The wire
    file is hard-wrapped as the .sgm body is, so a reader that leaves the wrap in cuts
    names ("Prime Minister Wilfried" / "Martens")."""
    sample = sample if sample is not None else reuters_sample()
    plain = plain if plain is not None else plaintext_sample()
    reference = {
        g.newid: {a.name for a in ents.actors}
        for (_, g), ents in zip(sample, _extracted(sample), strict=True)
    }
    tally = [0, 0, 0]
    for (_, g), ents in zip(plain, _extracted(plain), strict=True):
        if g.newid not in reference:
            continue
        names, truth = {a.name for a in ents.actors}, reference[g.newid]
        tally[0] += len(names & truth)
        tally[1] += len(names - truth)
        tally[2] += len(truth - names)
    return {**_prf(*tally), "articles": len(plain)}


def evaluate_pubdates(
    sample: Sequence[tuple[Article, ReutersGold]] | None = None,
) -> dict[str, float]:
    """Share of articles whose cleaned publication date equals the raw <DATE> day."""
    sample = sample if sample is not None else reuters_sample()
    right = 0
    for article, g in sample:
        day = datetime.strptime(g.date.split()[0], "%d-%b-%Y").date()
        right += bool(article.published and article.published.date() == day)
    return {"accuracy": round(right / len(sample), 4), "articles": len(sample)}


# ---------------------------------------------------------------- throughput


def evaluate_speed(
    sample: Sequence[tuple[Article, ReutersGold]] | None = None,
    limit: int | None = None,
    rounds: int = 2,
) -> dict[str, float]:
    """Words/s on one core (CPU time, model load excluded, best of ``rounds``) and peak
    RSS in MB.

    ``ner_words_per_s`` is spaCy alone on the same texts, so the cost of everything after
    NER shows even when other processes share the machine and slow both down. The two
    parts are timed apart (NER, then the rules on the spans NER gave), each keeping its
    best round: timing NER alone against NER plus rules compared two NER runs, whose
    CPU time varies by more than the rules cost here (ratios of 0.75-1.02 for one code).
    ``words_per_s_wall`` is one end-to-end run of ``extract_many``.
    """
    sample = sample if sample is not None else reuters_sample()
    articles = [a for a, _ in sample][:limit]
    list(extract_many(articles[:20]))  # load the model and warm caches outside the clock
    words = sum(len(a.text.split()) for a in articles)
    # spaCy tokens (punctuation, "'s" and "-" split off) outnumber whitespace words.
    tokens = sum(len(nlp.get_nlp().tokenizer(a.text)) for a in articles)
    # Other processes slow both timings by different amounts from one second to the next,
    # so the two are taken in turns and each keeps its best round.
    ner_cpu = rules_cpu = float("inf")
    for _round in range(rounds):
        start = time.process_time()
        spans = list(nlp.ner_many(ner_text(a.text) for a in articles))
        ner_cpu = min(ner_cpu, time.process_time() - start)
        start = time.process_time()
        for article, found in zip(articles, spans, strict=True):
            entities_from_spans(article, found)
        rules_cpu = min(rules_cpu, time.process_time() - start)
    cpu = ner_cpu + rules_cpu
    start_wall = time.perf_counter()
    for _ in extract_many(articles):
        pass
    wall = time.perf_counter() - start_wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "articles": len(articles),
        "words": words,
        "tokens": tokens,
        "words_per_s": round(words / cpu),
        "tokens_per_s": round(tokens / cpu),
        "ner_words_per_s": round(words / ner_cpu),
        "words_per_s_wall": round(words / wall),
        "peak_rss_mb": round(peak),
    }


def _print(title: str, result: object) -> None:
    print(f"== {title}")
    print(f"   {result}")


def main(argv: Sequence[str] = ()) -> None:
    """Print every evaluation (or those named: conll countries plaintext dates speed aida
    review)."""
    wanted = set(argv) or {"conll", "countries", "plaintext", "dates", "speed", "aida"}
    if wanted & {"aida", "review"}:
        # Cross-document actor resolution (AIDA) and the Reuters facet review live in
        # benchmarks/eval_resolution.py; the review reads an index (default index/).
        from benchmarks import eval_resolution

        eval_resolution.main([w for w in ("aida", "review") if w in wanted])
    if "conll" in wanted:
        for subset, kinds in evaluate_conll().items():
            for kind, r in kinds.items():
                _print(f"CoNLL dev {subset} {kind}", r)
    if "plaintext" in wanted:
        for dated in (True, False):
            result = evaluate_countries_plaintext(plaintext_sample(dated=dated))
            how = "with" if dated else "without"
            _print(f"Reuters TRAIN countries, plain-text files {how} a date sidecar", result)
        _print("Reuters TRAIN actors, plain-text files vs .sgm", evaluate_actors_plaintext())
    if wanted & {"countries", "dates", "speed"}:
        sample = reuters_sample()
        if "countries" in wanted:
            _print("Reuters TRAIN countries vs PLACES", evaluate_countries(sample))
        if "dates" in wanted:
            _print("Reuters TRAIN publication date", evaluate_pubdates(sample))
        if "speed" in wanted:
            _print("Throughput (Reuters sample, one process)", evaluate_speed(sample))
    print(f"   (country names from search.entities: {country_name('DE')!r} for DE)")


def _iter_args() -> Iterator[str]:
    yield from sys.argv[1:]


if __name__ == "__main__":
    main(list(_iter_args()))
