"""A staged build's documents placed into stories by a child process while this one writes.

A full rebuild (:mod:`search.staging`) ends with every article extracted and waiting on
disk, and the NER workers done. Placing each document into its copy group and story and
writing it to the index then ran one after the other in this process, on one core: on
Reuters-21578, 109 s of placing and 128 s of writing in a 516 s cold rebuild. Here a child
process reads the staged file, builds the documents and places them in the same calls of
``PLACE_SIZE`` as this process would, and sends each call's placed documents back; this
process writes one call's documents while the child places the next.

The placements are the same as in-process: the same calls, in the same order, on the same
stories file (which only the child opens meanwhile). The child dies with this process
(``PR_SET_PDEATHSIG``). A child that fails or dies fails the run as a failed placement
does: the writer is aborted, the live index stays as it was, and the stories file holds
whole transactions only (a later run forgets placements of articles the index lacks).
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from search import grouping
from search.aliases import AliasTable
from search.documents import build_document
from search.errors import BackendError
from search.models import Article, Entities, IndexDocument
from search.staging import StagedArticles, read_staged

if TYPE_CHECKING:
    from search.stories import StoryIndex

_PROTOCOL = pickle.HIGHEST_PROTOCOL
# The folder holding the ``search`` package: the child imports the same code as this
# process, however this one found it (installed, a checkout on PYTHONPATH, a test run).
_CODE_ROOT = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class _Job:
    """What the child needs, sent on its stdin."""

    staged_fd: int
    count: int
    aliases: AliasTable
    index_dir: Path
    indexed_at: datetime
    regrouped: dict[str, str]
    place_size: int


@dataclass(frozen=True)
class PlacedCall:
    """One placing call's documents, ready to write, and the child's seconds placing them."""

    docs: list[IndexDocument]
    seconds: float


def place_in_child(
    staged: StagedArticles,
    aliases: AliasTable,
    index_dir: Path,
    indexed_at: datetime,
    regrouped: dict[str, str],
    place_size: int,
) -> Generator[PlacedCall, None, None]:
    """The staged articles as placed documents, one call of ``place_size`` at a time, built
    and placed by a child process; ``regrouped`` takes the renames the placements made.

    The child works one call ahead of the caller: it places call n+1 while the caller writes
    call n. Raises ``BackendError`` when the child fails or dies."""
    job = _Job(staged.fileno(), len(staged), aliases, index_dir, indexed_at, regrouped, place_size)
    results_in, results_out = os.pipe()
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "search.placing", str(results_out)],
            stdin=subprocess.PIPE,
            pass_fds=(job.staged_fd, results_out),
            env={**os.environ, "PYTHONPATH": os.pathsep.join(_python_path())},
        )
    except OSError as e:
        os.close(results_in)
        os.close(results_out)
        raise BackendError(f"cannot start the process that places stories: {e}") from e
    os.close(results_out)  # the child holds it: end of file here when the child exits
    finished = False
    try:
        with os.fdopen(results_in, "rb") as results:
            assert child.stdin is not None
            with child.stdin:
                pickle.dump(job, child.stdin, protocol=_PROTOCOL)
            while True:
                kind, payload = _receive(results, child)
                if kind == "call":
                    yield payload
                elif kind == "done":
                    regrouped.clear()
                    regrouped.update(payload)
                    finished = True
                    break
                else:
                    raise BackendError(payload)
    finally:
        if not finished:
            child.kill()
        child.wait()


def _python_path() -> list[str]:
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if Path(_CODE_ROOT).name in ("site-packages", "dist-packages"):
        return inherited  # installed: the child finds it there, after the standard library
    return [_CODE_ROOT, *(p for p in inherited if p != _CODE_ROOT)]


def _receive(results: BinaryIO, child: subprocess.Popen[bytes]) -> tuple[str, Any]:
    try:
        return pickle.load(results)  # type: ignore[no-any-return]
    except EOFError:
        code = child.wait()
        how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        raise BackendError(
            f"the process placing stories stopped ({how}); the live index is untouched: "
            "run the reindex again"
        ) from None


def placed_calls(
    articles: Iterable[tuple[Article, Entities]],
    aliases: AliasTable,
    stories: StoryIndex,
    indexed_at: datetime,
    regrouped: dict[str, str],
    place_size: int,
) -> Generator[PlacedCall, None, None]:
    """The articles built into documents and placed into ``stories`` (an open stories
    file), one call of ``place_size`` at a time; ``regrouped`` takes the renames. The one
    loop of both paths: in this process for a small build, in the child for a large one."""
    call: list[IndexDocument] = []
    for article, entities in articles:
        call.append(build_document(article, entities, aliases, indexed_at))
        if len(call) >= place_size:
            yield _place(stories, call, regrouped)
            call = []
    if call:
        yield _place(stories, call, regrouped)


def _place(stories: StoryIndex, call: list[IndexDocument], regrouped: dict[str, str]) -> PlacedCall:
    started = time.perf_counter()
    placed = grouping.place(stories, call, regrouped)
    return PlacedCall(placed, time.perf_counter() - started)


def _serve(job: _Job, results: BinaryIO) -> None:
    stories = grouping.open_stories(job.index_dir)
    regrouped = dict(job.regrouped)
    try:
        with os.fdopen(job.staged_fd, "rb", closefd=False) as staged:
            articles = read_staged(staged, job.count)
            for call in placed_calls(
                articles, job.aliases, stories, job.indexed_at, regrouped, job.place_size
            ):
                pickle.dump(("call", call), results, protocol=_PROTOCOL)
                results.flush()
    finally:
        stories.close()
    pickle.dump(("done", regrouped), results, protocol=_PROTOCOL)
    results.flush()


def main(argv: list[str]) -> int:
    """The child: read the job from stdin, send placed calls down the pipe named by argv."""
    from search.children import die_with_parent

    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    with os.fdopen(int(argv[0]), "wb") as results:
        try:
            job: _Job = pickle.load(sys.stdin.buffer)
            _serve(job, results)
        except Exception as e:  # the parent raises it for the user, with its message
            message = str(e) if isinstance(e, BackendError) else f"placing stories failed: {e!r}"
            pickle.dump(("error", message), results, protocol=_PROTOCOL)
            return 1
    return 0


if __name__ == "__main__":
    # Through the module's import name, so what the child pickles (PlacedCall) unpickles
    # in the parent as search.placing's, not as a class of the child's __main__.
    from search.placing import main as placing_main

    sys.exit(placing_main(sys.argv[1:]))
