"""Issue 16: an incremental reindex skips unchanged source files by the manifest.

Real reindexes of real files; what was opened is seen through Python's audit hook (the
"open" event every ``open()`` raises), so "a no-op run reads no file content" is checked
on the run itself, not timed.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from search.models import ReindexReport
from search.progress import Progress
from search.service import SearchService
from search.settings import Settings
from tests.reliability_helpers import write_corpus

COUNT = 6
_WATCH: list[tuple[Path, list[str]]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _WATCH or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = os.fsdecode(args[0])
    for folder, opened in _WATCH:
        if path.startswith(str(folder)):
            opened.append(path)


sys.addaudithook(_audit)  # audit hooks cannot be removed: it only records while watching


@contextmanager
def opened_under(folder: Path) -> Iterator[list[str]]:
    """The paths under ``folder`` opened (by this process) inside the ``with`` block."""
    opened: list[str] = []
    _WATCH.append((folder.resolve(), opened))
    try:
        yield opened
    finally:
        _WATCH.pop()


def age(paths: list[Path], seconds: float = 3600) -> None:
    """Set the files' modification times ``seconds`` in the past (as an archive's are)."""
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder of COUNT text articles with sidecars, modified an hour ago."""
    folder = tmp_path / "corpus"
    write_corpus(folder, COUNT)
    age(sorted(folder.iterdir()))
    return folder


def service(tmp_path: Path) -> SearchService:
    """A service over ``tmp_path/index`` extracting in this process."""
    return SearchService(Settings(index_dir=tmp_path / "index", extract_workers=1))


def test_noop_reindex_opens_no_source_file(tmp_path: Path, corpus: Path) -> None:
    svc = service(tmp_path)
    first = svc.reindex([corpus])
    assert first.indexed == COUNT
    with opened_under(corpus) as opened:
        noop = svc.reindex([corpus])
    assert opened == []
    assert (noop.read, noop.unchanged, noop.indexed, noop.removed) == (COUNT, COUNT, 0, 0)
    assert noop.unchanged_files == COUNT
    assert noop.total_documents == COUNT


def test_touched_file_is_hashed_not_indexed(tmp_path: Path, corpus: Path) -> None:
    svc = service(tmp_path)
    svc.reindex([corpus])
    touched = sorted(corpus.glob("*.txt"))[0]
    age([touched], 60)  # a new modification time, the same bytes
    with opened_under(corpus) as opened:
        report = svc.reindex([corpus])
    # Opened once to hash it (and its sidecar), never parsed.
    assert sorted(opened) == sorted([str(touched), str(touched.with_suffix(".json"))])
    assert (report.indexed, report.unchanged_files) == (0, COUNT)
    with opened_under(corpus) as opened:
        again = svc.reindex([corpus])
    assert opened == [] and again.unchanged_files == COUNT  # the new stat was recorded


def test_changed_added_and_removed_files(tmp_path: Path, corpus: Path) -> None:
    svc = service(tmp_path)
    svc.reindex([corpus])
    texts = sorted(corpus.glob("*.txt"))
    texts[0].write_text("Zanzibarite quarry output rose sharply in the spring.\n")
    texts[1].unlink()
    texts[1].with_suffix(".json").unlink()
    (corpus / "new.txt").write_text("Quokkaberry harvests doubled after the rains came.\n")
    age([texts[0], corpus / "new.txt"])
    report = svc.reindex([corpus])
    assert (report.indexed, report.removed, report.unchanged) == (2, 1, COUNT - 2)
    assert report.unchanged_files == COUNT - 2
    assert svc.search_params({"q": "zanzibarite"}).total == 1
    assert svc.search_params({"q": "quokkaberry"}).total == 1
    assert report.total_documents == COUNT


def test_sidecar_change_rereads_its_article(tmp_path: Path, corpus: Path) -> None:
    svc = service(tmp_path)
    svc.reindex([corpus])
    sidecar = sorted(corpus.glob("*.json"))[0]
    sidecar.write_text('{"title": "Xylophonic headline", "published": "2020-01-02"}')
    age([sidecar])
    report = svc.reindex([corpus])
    assert report.indexed == 1
    assert svc.search_params({"q": "xylophonic"}).total == 1


def test_failed_run_leaves_nothing_skipped_wrongly(tmp_path: Path, corpus: Path) -> None:
    """A run that dies before its commit records nothing: the next run reads the change."""
    svc = service(tmp_path)
    svc.reindex([corpus])
    target = sorted(corpus.glob("*.txt"))[0]
    target.write_text("Wombatine exports fell for a third month.\n")
    age([target])

    def die(progress: Progress) -> None:
        if progress.phase == "commit":
            raise RuntimeError("killed before the commit")

    with pytest.raises(RuntimeError):
        svc.reindex([corpus], progress=die)
    assert svc.search_params({"q": "wombatine"}).total == 0
    report = svc.reindex([corpus])
    assert report.indexed == 1
    assert svc.search_params({"q": "wombatine"}).total == 1


def test_files_the_index_lost_are_read_again(tmp_path: Path, corpus: Path) -> None:
    """The manifest is checked against the live index: a full rebuild of part of the
    corpus, then an incremental run over all of it, indexes the rest again."""
    svc = service(tmp_path)
    svc.reindex([corpus])
    part = tmp_path / "part"
    part.mkdir()
    for path in sorted(corpus.glob("story-*"))[:2]:  # one article and its sidecar
        os.link(path, part / path.name)
    svc.reindex([part], full=True)
    assert svc.backend.count() == 1
    report: ReindexReport = svc.reindex([corpus])
    # The linked article has the same id (its URL) and text: unchanged; the rest come back.
    assert (report.indexed, report.unchanged, report.unchanged_files) == (COUNT - 1, 1, 0)
    assert report.total_documents == COUNT


def test_a_new_extraction_version_extracts_unchanged_articles_again(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search import extraction_version

    svc = service(tmp_path)
    assert svc.reindex([corpus]).indexed == COUNT
    assert not extraction_version.is_stale(tmp_path / "index")
    # A Dateline whose entity rules changed: the same files, not one byte different.
    monkeypatch.setattr(extraction_version, "VERSION", extraction_version.VERSION + "-next")
    with opened_under(corpus) as opened:
        upgraded = svc.reindex([corpus])
    assert opened  # the manifest is not trusted: the files are read again
    assert (upgraded.indexed, upgraded.unchanged, upgraded.full) == (COUNT, 0, False)
    assert (tmp_path / "index" / extraction_version.MARK_FILE).read_text().strip().endswith("-next")
    noop = svc.reindex([corpus])
    assert (noop.indexed, noop.unchanged) == (0, COUNT)
