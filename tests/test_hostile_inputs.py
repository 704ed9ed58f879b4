"""Issue 7 item 1: hostile input files never stop, hang or blow up a reindex.

A corpus of bad files is generated in a temp folder beside good articles, and
``dateline reindex <folder> --json`` runs on it as a real subprocess with a timeout. Every
bad file must come back in ``skipped`` with its path and a reason a person can act on;
every good article must be in the index; the child's peak RSS must stay bounded.
"""

from __future__ import annotations

import json
import os
import random
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.reliability_helpers import (
    Run,
    can_drop_capabilities,
    drop_file_read_override,
    indexed_documents,
    run_dateline,
)

pytestmark = pytest.mark.slow

MAX_RSS_KB = 2 * 1024 * 1024  # 2 GB
REINDEX_TIMEOUT_S = 300
ADDRESS_SPACE_CAP = 4 * 1024**3
# A reason must say what is wrong, not that something crashed.
VAGUE_REASONS = ("unexpected error", "traceback", "exception")

GOOD_BODY = (
    "The central bank of Kenya raised its benchmark interest rate on Tuesday, citing "
    "inflation in food and fuel prices. Governor Patrick Njoroge told reporters in Nairobi "
    "that the monetary policy committee would meet again in March."
)


def _html(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><article><h1>{title}</h1><p>{body}</p></article></body></html>"
    )


def _random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(1).randbytes(64 * 1024))


def _truncated_html(path: Path) -> None:
    page = _html("Truncated page about wheat harvests", GOOD_BODY + " " + GOOD_BODY)
    path.write_text(page[: len(page) - 60], encoding="utf-8")


def _nested_html(path: Path) -> None:
    depth = 10_000
    path.write_text(
        "<!DOCTYPE html><html><head><title>Nested</title></head><body>"
        + "<div>" * depth
        + "<p>Deep inside the markup a sentence about copper exports waits.</p>"
        + "</div>" * depth
        + "</body></html>",
        encoding="utf-8",
    )


def _huge_html(path: Path) -> None:
    # 50 MB of real-looking paragraphs: the page is under the 64 MB file limit, so the
    # reader must take it and the cleaner must bound its work.
    paragraph = f"<p>{GOOD_BODY} Paragraph number {{n}}.</p>\n"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("<!DOCTYPE html><html><head><title>Huge page</title></head><body><article>")
        n, written = 0, 0
        while written < 50 * 1024 * 1024:
            chunk = paragraph.format(n=n)
            fh.write(chunk)
            written += len(chunk)
            n += 1
        fh.write("</article></body></html>")


def _utf16(path: Path) -> None:
    text = "Zürich bankers met in Genève. " + GOOD_BODY
    path.write_bytes(text.encode("utf-16"))  # with a BOM, as Windows tools write it


def _latin1(path: Path) -> None:
    text = "Café owners in Montréal and Jürgen Müller discussed the cocoa price. " + GOOD_BODY
    path.write_bytes(text.encode("latin-1"))


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _jsonl(path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "title": "Good record one about nickel", "body": GOOD_BODY}),
        '{"id": "b", "title": "broken line", "body": "cut off in the mid',
        json.dumps({"id": "c", "title": 42, "body": ["not", "a", "string"]}),
        json.dumps({"id": "d", "title": "Good record two about tin", "body": GOOD_BODY}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _million_words(path: Path) -> None:
    rng = random.Random(3)
    vocabulary = "market trade price export wheat barley tonnes shipment port grain".split()
    words = " ".join(rng.choice(vocabulary) for _ in range(1_000_000))
    path.write_text("A very long article about grain. " + words, encoding="utf-8")


NON_ENGLISH = {
    "french.txt": "Le président de la République a rencontré les agriculteurs à Lyon "
    "pour discuter du prix du blé et des exportations vers l'Algérie.",
    "russian.txt": "Правительство России объявило о новых мерах поддержки экспортёров "
    "пшеницы. Министр сельского хозяйства выступил в Москве.",
    "chinese.txt": "中国国家统计局周二公布的数据显示，第三季度国内生产总值同比增长百分之五。",
    "arabic.txt": "أعلنت وزارة النفط في العراق عن زيادة صادرات النفط الخام عبر ميناء البصرة.",
}

# File name -> (how to write it, expected outcome). "indexed" means present in the index;
# a tuple of words means skipped with a reason containing one of them.
Maker = Callable[[Path], None]
CASES: dict[str, tuple[Maker, str | tuple[str, ...]]] = {
    "random.html": (_random_bytes, ("binary", "not html", "no markup", "no text")),
    "truncated.html": (_truncated_html, "indexed"),
    "nested.html": (_nested_html, "indexed-or-skipped"),
    "utf16.txt": (_utf16, "indexed"),
    "latin1.txt": (_latin1, "indexed"),
    "empty.txt": (_zero_bytes, ("empty",)),
}
# The two oversized inputs run in a reindex of their own (with one good article), so a
# failure there is told apart from the small hostile files.
BIG_CASES: dict[str, tuple[Maker, str | tuple[str, ...]]] = {
    "huge.html": (_huge_html, "indexed-or-skipped"),
    "million.txt": (_million_words, "indexed-or-skipped"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The hostile corpus, indexed once by a ``dateline reindex --json`` subprocess."""
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, (make, _) in CASES.items():
        make(corpus / name)
    _jsonl(corpus / "records.jsonl")
    for name, text in NON_ENGLISH.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "good.txt").write_text(GOOD_BODY, encoding="utf-8")
    (corpus / "good.html").write_text(_html("Kenya raises rates", GOOD_BODY), encoding="utf-8")
    # Two links pointing at each other, and a folder linking back to its parent.
    os.symlink("loop-b.txt", corpus / "loop-a.txt")
    os.symlink("loop-a.txt", corpus / "loop-b.txt")
    (corpus / "sub").mkdir()
    os.symlink("..", corpus / "sub" / "parent")
    # Root reads any file; the reindex runs without that power when the kernel allows it.
    locked = corpus / "locked.txt"
    locked.write_text(GOOD_BODY, encoding="utf-8")
    locked.chmod(0)
    preexec = drop_file_read_override if can_drop_capabilities() else None
    return {**_index_corpus(root, "hostile corpus", preexec), "locked_checked": preexec is not None}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A 50 MB page and a 1,000,000-word article beside one good article, indexed once."""
    root = tmp_path_factory.mktemp("big")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, (make, _) in BIG_CASES.items():
        make(corpus / name)
    (corpus / "good.txt").write_text(GOOD_BODY, encoding="utf-8")
    return _index_corpus(root, "oversized inputs", _cap_address_space)


def _cap_address_space() -> None:
    """preexec_fn: a child that runs away with memory fails fast instead of taking the
    machine down (it once reached 10 GB here); the 2 GB RSS bound is asserted apart."""
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def _index_corpus(root: Path, label: str, preexec: Any) -> dict[str, Any]:
    index = root / "index"
    run = run_dateline(
        "reindex",
        root / "corpus",
        "--json",
        index_dir=index,
        timeout=REINDEX_TIMEOUT_S,
        preexec_fn=preexec,
    )
    # Shown with pytest -s; docs/reliability.md records these figures.
    print(
        f"\n{label} reindex: exit {run.returncode} in {run.seconds:.1f} s, "
        f"peak RSS {run.max_rss_kb / 1024:.0f} MB"
    )
    return {"corpus": root / "corpus", "index": index, "run": run}


def _report(hostile: dict[str, Any]) -> dict[str, Any]:
    run: Run = hostile["run"]
    assert not run.timed_out, f"reindex hung: {run.describe()}"
    assert run.returncode == 0, run.describe()
    assert "Traceback" not in run.stderr, run.describe()
    return run.json()


def _skipped(hostile: dict[str, Any]) -> dict[str, str]:
    """``{file name (and :line or #n) relative to the corpus: reason}``."""
    corpus = str(hostile["corpus"])
    out = {}
    for item in _report(hostile)["skipped"]:
        path = item["path"]
        assert path.startswith(corpus), f"skipped entry does not name its file: {item}"
        out[path[len(corpus) + 1 :]] = item["reason"]
    return out


def _indexed_names(hostile: dict[str, Any]) -> set[str]:
    corpus = os.path.abspath(hostile["corpus"])
    docs = indexed_documents(hostile["index"])
    return {doc.key[len(corpus) + 1 :] for doc in docs.values() if doc.key.startswith(corpus)}


@pytest.mark.parametrize("corpus", ["hostile", "big"])
def test_reindex_finishes_within_the_time_limit_and_memory_bound(
    request: pytest.FixtureRequest, corpus: str
) -> None:
    """No input hangs the run or fails it, and the child's peak RSS stays under 2 GB."""
    result = request.getfixturevalue(corpus)
    _report(result)
    run: Run = result["run"]
    assert run.max_rss_kb < MAX_RSS_KB, f"peak RSS {run.max_rss_kb / 1024:.0f} MB"


@pytest.mark.parametrize(
    ("corpus", "name"),
    [("hostile", n) for n in sorted(CASES)] + [("big", n) for n in sorted(BIG_CASES)],
)
def test_each_hostile_file_is_indexed_or_skipped_with_a_clear_reason(
    request: pytest.FixtureRequest, corpus: str, name: str
) -> None:
    """The table's expectation for each generated file."""
    result = request.getfixturevalue(corpus)
    expected = {**CASES, **BIG_CASES}[name][1]
    skipped, indexed = _skipped(result), _indexed_names(result)
    if expected == "indexed":
        assert name in indexed, f"{name} not indexed; skipped: {skipped.get(name)}"
        return
    if expected == "indexed-or-skipped":
        assert (name in indexed) != (name in skipped), (name, skipped.get(name))
        if name in skipped:
            _assert_clear(skipped[name])
        return
    assert name not in indexed
    assert name in skipped, f"{name}: no per-file message; skipped: {skipped}"
    reason = skipped[name].lower()
    _assert_clear(reason)
    assert any(word in reason for word in expected), (name, reason)


def _assert_clear(reason: str) -> None:
    assert reason.strip(), "empty reason"
    assert not any(v in reason.lower() for v in VAGUE_REASONS), reason


def test_jsonl_broken_line_and_wrong_types_are_reported_and_the_rest_indexed(
    hostile: dict[str, Any],
) -> None:
    """Line 2 is cut off and line 3 has wrong types: both reported, lines 1 and 4 indexed."""
    skipped = _skipped(hostile)
    jsonl = {k: v for k, v in skipped.items() if k.startswith("records.jsonl")}
    assert set(jsonl) == {"records.jsonl:2", "records.jsonl:3"}, jsonl
    assert "invalid json" in jsonl["records.jsonl:2"].lower()
    assert "title" in jsonl["records.jsonl:3"] and "string" in jsonl["records.jsonl:3"]
    assert {"records.jsonl#a", "records.jsonl#d"} <= _indexed_names(hostile)


def test_symlink_loops_are_reported(hostile: dict[str, Any]) -> None:
    """Both a file link cycle and a folder linking to its parent, named with the reason."""
    skipped = _skipped(hostile)
    loops = {k: v for k, v in skipped.items() if "loop" in v.lower()}
    assert {"loop-a.txt", "loop-b.txt", "sub/parent"} <= set(loops), skipped


def test_unreadable_file_is_reported(hostile: dict[str, Any]) -> None:
    """A ``chmod 000`` file, read by a reindex without root's override: "permission denied"."""
    if not hostile["locked_checked"]:
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here, so root reads any file")
    skipped = _skipped(hostile)
    assert skipped.get("locked.txt") == "permission denied", skipped


def test_good_articles_and_other_languages_are_all_indexed(hostile: dict[str, Any]) -> None:
    """Everything readable is in the index, with its text decoded correctly."""
    indexed = _indexed_names(hostile)
    assert {"good.txt", "good.html", *NON_ENGLISH} <= indexed
    docs = {d.key.rsplit("/", 1)[-1]: d for d in indexed_documents(hostile["index"]).values()}
    assert "Zürich" in docs["utf16.txt"].body
    assert "Müller" in docs["latin1.txt"].body and "Montréal" in docs["latin1.txt"].body
    assert "Правительство" in docs["russian.txt"].body
    assert "البصرة" in docs["arabic.txt"].body


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Правительство", "russian.txt"),
        ("Lyon", "french.txt"),
        ("Müller", "latin1.txt"),
        ("البصرة", "arabic.txt"),
        pytest.param(
            "中国",
            "chinese.txt",
            marks=pytest.mark.xfail(
                strict=True,
                reason="the Whoosh analyser does not segment CJK: a run of Chinese up to "
                "the next punctuation is one token, so a word inside it finds nothing",
            ),
        ),
    ],
)
def test_non_english_words_are_searchable(hostile: dict[str, Any], query: str, name: str) -> None:
    """The analyser keeps non-ASCII words, so they find their article."""
    run = run_dateline("search", query, "--json", index_dir=hostile["index"], timeout=60)
    assert run.returncode == 0, run.describe()
    docs = indexed_documents(hostile["index"])
    keys = {docs[h["id"]].key.rsplit("/", 1)[-1] for h in run.json()["hits"]}
    assert name in keys


def test_every_file_is_accounted_for(hostile: dict[str, Any]) -> None:
    """Each generated file is either indexed or skipped with a message: nothing vanishes."""
    corpus: Path = hostile["corpus"]
    names = {p.name for p in corpus.iterdir() if p.name not in ("sub",)} - {"records.jsonl"}
    indexed = _indexed_names(hostile)
    skipped = _skipped(hostile)
    missing = sorted(n for n in names if n not in indexed and n not in skipped)
    assert missing == []


def test_fifo_given_explicitly_does_not_hang(tmp_path: Path) -> None:
    """A FIFO named like an article blocks any reader that opens it: it must be refused."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    run = run_dateline("reindex", fifo, "--json", index_dir=tmp_path / "index", timeout=20)
    assert not run.timed_out, f"reindex of a FIFO hung: {run.describe()}"
    assert "Traceback" not in run.stderr, run.describe()
    if run.returncode == 0:
        assert [s["path"] for s in run.json()["skipped"]] == [str(fifo)], run.describe()
    else:
        assert str(fifo) in run.stderr, run.describe()


def test_fifo_inside_a_folder_does_not_hang(tmp_path: Path) -> None:
    """A FIFO met while walking a folder is passed over, and the folder's articles indexed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "good.txt").write_text(GOOD_BODY, encoding="utf-8")
    run = run_dateline("reindex", corpus, "--json", index_dir=tmp_path / "index", timeout=60)
    assert not run.timed_out and run.returncode == 0, run.describe()
    assert run.json()["indexed"] == 1


def test_per_article_time_limit_skips_a_slow_page(tmp_path: Path) -> None:
    """With a tiny limit, a page that takes longer to clean is skipped, naming the limit."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paragraph = f"<p>{GOOD_BODY}</p>\n"
    (corpus / "slow.html").write_text(
        "<!DOCTYPE html><html><head><title>Slow</title></head><body><article>"
        + paragraph * 20_000
        + "</article></body></html>",
        encoding="utf-8",
    )
    (corpus / "good.txt").write_text(GOOD_BODY, encoding="utf-8")
    run = run_dateline(
        "reindex",
        corpus,
        "--json",
        index_dir=tmp_path / "index",
        timeout=120,
        env={"DATELINE_ARTICLE_TIMEOUT_S": "0.05"},
    )
    assert run.returncode == 0, run.describe()
    report = run.json()
    assert [(s["path"].rsplit("/", 1)[-1], s["reason"]) for s in report["skipped"]] == [
        ("slow.html", "cleaning took over 0.05 s")
    ]
    assert report["indexed"] == 1
