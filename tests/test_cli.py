"""The ``dateline`` command (web/cli.py): extract over several files, the reindex progress
and summary. Real indexes on disk, the real spaCy model, click's test runner."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from search.models import ReindexReport, compose_text
from search.progress import Progress, ProgressTracker
from search.service import SearchService
from search.settings import Settings
from tests.web_fixtures import QUAKE, QUAKE_COPY, STORY_DOCS, write_documents
from web import create_app
from web.cli import main, progress_bar, report_text

STORY = (
    "Chancellor Olaf Scholz met French President Emmanuel Macron in Berlin on Tuesday to "
    "discuss energy prices, a German government spokesman said.\n"
    "The two leaders agreed to meet again in Paris next month."
)
HARBOUR = (
    "The harbour board of Valletta approved the new ferry plan on Monday.\n"
    "Malta's transport minister said the first ferries would sail in the spring."
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def corpus(folder: Path) -> Path:
    """Two articles, one page of web chrome only, and a README."""
    write(folder, "scholz.txt", STORY)
    write(folder, "harbour.txt", HARBOUR)
    write(folder, "chrome.txt", "Share this:\nLeave a Reply\n")
    write(folder, "README.txt", "This folder holds two stories for the tests.")
    return folder


def test_extract_several_files_as_the_api_shows_articles(tmp_path: Path) -> None:
    first = write(tmp_path, "a/scholz.txt", STORY)
    second = write(tmp_path, "b/harbour.txt", HARBOUR)
    missing = tmp_path / "gone.txt"
    result = CliRunner().invoke(main, ["extract", str(first), str(missing), str(second), "--json"])
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {missing}: no such file or folder\n"
    extracted = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["title"] for d in extracted] == [
        "Chancellor Olaf Scholz met French President Emmanuel Macron in Berlin on Tuesday to "
        "discuss energy…",
        "The harbour board of Valletta approved the new ferry plan on Monday.",
    ]

    # The same articles indexed and read back through /api/articles/<id>: the same JSON.
    index = tmp_path / "index"
    service = SearchService(Settings(index_dir=index))
    service.reindex([first, second])
    client = create_app({"SETTINGS": service.settings, "TESTING": True}).test_client()
    for doc in extracted:
        stored = client.get(f"/api/articles/{doc['id']}").get_json()
        assert list(doc) == list(stored)
        assert stored["indexed_at"] is not None and doc["indexed_at"] is None
        assert doc == {**stored, "indexed_at": None}
    scholz = extracted[0]
    text = compose_text(scholz["title"], scholz["body"])  # what the offsets index
    surfaces = {text[m["start"] : m["end"]] for m in scholz["mentions"]}
    assert {"Olaf Scholz", "Emmanuel Macron", "Berlin", "Paris"} <= surfaces


def test_extract_prints_text_for_people_and_reads_stdin(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract"], input=STORY)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("[undated]  id=" + json.loads(_extract_json(STORY))["id"])
    assert "Olaf Scholz (person)" in lines[1] and "Emmanuel Macron (person)" in lines[1]
    assert lines[2].startswith("countries: ") and "DE Germany" in lines[2]
    assert lines[-2:] == STORY.splitlines()
    empty = CliRunner().invoke(main, ["extract", "-"], input="  \n")
    assert empty.exit_code == 1
    assert empty.stderr == "Error: <stdin>: no text after cleaning (text)\n"
    assert "Traceback" not in empty.output


def _extract_json(text: str) -> str:
    return CliRunner().invoke(main, ["extract", "--json"], input=text).stdout


def test_progress_counts_articles_to_the_summary(tmp_path: Path) -> None:
    events: list[Progress] = []
    service = SearchService(Settings(index_dir=tmp_path / "index"))
    report = service.reindex([corpus(tmp_path / "corpus")], progress=events.append)
    assert (report.read, report.indexed, len(report.skipped)) == (4, 3, 1)
    done = [e.done for e in events]
    assert done == sorted(done)
    assert [e.phase for e in events][-4:] == ["commit", "stories", "aliases", "done"]
    last = events[-1]
    assert (last.done, last.total) == (4, 4)
    assert last.report is report
    # Incremental: nothing new, every article counted as unchanged.
    events.clear()
    again = service.reindex([tmp_path / "corpus"], progress=events.append)
    assert (again.unchanged, again.indexed) == (3, 0)
    assert (events[-1].phase, events[-1].done, events[-1].total) == ("done", 4, 4)


def test_progress_estimates_the_total_from_the_bytes_read() -> None:
    report = ReindexReport()
    tracker = ProgressTracker(None, report, total_bytes=10_000)
    assert tracker.total is None  # nothing finished yet: no estimate
    report.read = 100
    tracker.file_finished(1_000)
    assert tracker.total == 1_000  # 100 articles in 10% of the bytes
    report.read = 150
    tracker.cleaned, tracker.finished = 140, 90
    assert tracker.done == 100  # 10 skipped while cleaning + 90 through the pipeline
    tracker.reading_finished()
    assert tracker.total == 150


def test_progress_bar_ends_on_the_summary_counts(tmp_path: Path) -> None:
    service = SearchService(Settings(index_dir=tmp_path / "index"))
    stream = io.StringIO()
    with progress_bar(stream) as update:
        report = service.reindex([corpus(tmp_path / "corpus")], progress=update)
    final = stream.getvalue().split("\r")[-1]
    assert final.startswith("done: 100%")
    assert "4/4" in final
    assert f"indexed={report.indexed}, unchanged=0, skipped=1" in final


def test_reindex_names_files_that_look_like_documentation(tmp_path: Path) -> None:
    folder = corpus(tmp_path / "corpus")
    args = ["--index", str(tmp_path / "index"), "reindex", str(folder)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    readme = os.path.abspath(folder / "README.txt")
    assert result.stdout.splitlines()[-2:] == [
        "  read as articles, though named like documentation (give the article files alone "
        "to leave them out):",
        f"    {readme}",
    ]
    summary = CliRunner().invoke(main, [*args, "--json"])
    assert json.loads(summary.stdout)["documentation"] == [readme]
    assert "documentation" not in report_text(ReindexReport())


def test_search_collapses_copies_and_names_stories(tmp_path: Path) -> None:
    """The search command groups like the API and says how to list the copies."""
    index = write_documents(tmp_path / "index", STORY_DOCS)
    base = ["--index", str(index.index_dir), "search", "earthquake chile"]
    result = CliRunner().invoke(main, base)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("2 articles, 4 articles (")
    assert f"  + 2 copies (--copy {QUAKE_COPY} --group none)  story {QUAKE}: 4 articles" in lines
    copies = CliRunner().invoke(main, [*base, "--copy", QUAKE_COPY, "--group", "none", "--json"])
    body = json.loads(copies.stdout)
    assert body["total"] == 3 and body["query"]["copy"] == [QUAKE_COPY]
    stories = CliRunner().invoke(main, [*base, "--group", "story"])
    assert stories.stdout.startswith("1 story, 4 articles (")


def test_a_server_caps_its_malloc_arenas_unless_the_user_did() -> None:
    """``dateline serve`` caps glibc's malloc arenas (memory of threaded searches); a
    ``MALLOC_ARENA_MAX`` the user set is left as it is."""
    code = "from search.malloc import limit_arenas; print(limit_arenas())"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    capped = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert capped.stdout.strip() == "True", capped.stderr
    env["MALLOC_ARENA_MAX"] = "4"
    left = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert left.stdout.strip() == "False", left.stderr
