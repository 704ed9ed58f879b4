"""Shared helpers for the reliability and security tests (and benchmarks/bench_load.py).

Everything here drives real components: the ``dateline`` command in a subprocess,
real index folders, real servers on 127.0.0.1. Every subprocess and request has a timeout,
so a hang fails a test instead of stalling the suite.
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

# Attributes whose value a browser follows or runs: a javascript: URL there is an XSS.
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster"})
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2
PR_CAPBSET_DROP = 24


@dataclass(frozen=True, slots=True)
class Run:
    """The outcome of one ``dateline`` subprocess."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    max_rss_kb: int  # peak resident memory of the child (ru_maxrss from wait4)
    seconds: float
    timed_out: bool

    def json(self) -> Any:
        """stdout parsed as JSON (fails the test with the output when it is not)."""
        try:
            return json.loads(self.stdout)
        except ValueError as e:
            raise AssertionError(f"not JSON: {self.describe()}") from e

    def describe(self) -> str:
        """Everything a failing assertion should show."""
        return (
            f"dateline {' '.join(self.args)} -> exit {self.returncode}"
            f"{' (TIMED OUT)' if self.timed_out else ''} in {self.seconds:.1f} s\n"
            f"--- stdout ---\n{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-4000:]}"
        )


def dateline_command() -> list[str]:
    """The ``dateline`` command of the code under test: the module behind the console script.

    Not the script on disk, which runs whatever checkout the environment was installed from
    (tests/test_architecture.py checks that the script names this module).
    """
    return [sys.executable, "-m", "web.cli"]


def drop_file_read_override() -> None:
    """preexec_fn: the child loses root's power to read files whatever their mode.

    Tests run as root, and root reads a ``chmod 000`` file; dropping CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH from the bounding set before exec makes such a file unreadable to
    the child as it would be to any ordinary user.
    """
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def can_drop_capabilities() -> bool:
    """Whether ``drop_file_read_override`` works here (needs CAP_SETPCAP)."""
    try:
        result = subprocess.run(
            ["true"], preexec_fn=drop_file_read_override, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def run_dateline(
    *args: str | Path,
    index_dir: Path | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    preexec_fn: Any = None,
) -> Run:
    """Run ``dateline [--index DIR] ARGS`` to completion or ``timeout`` (then SIGKILL).

    The child is reaped with ``os.wait4`` so its own peak RSS is known, not the maximum
    over every child this test process ever had (which is all RUSAGE_CHILDREN gives).
    """
    argv = [*(["--index", str(index_dir)] if index_dir else []), *map(str, args)]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    started = time.perf_counter()
    with (
        open(os.devnull, "rb") as stdin,
        # Files, not pipes: a chatty child could fill a pipe and block.
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        proc = subprocess.Popen(
            [*dateline_command(), *argv],
            stdin=stdin,
            stdout=out,
            stderr=err,
            env=full_env,
            cwd=cwd,
            preexec_fn=preexec_fn,
            start_new_session=True,
        )
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            _kill_group(proc.pid)

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        _kill_group(proc.pid)  # helpers it forked (NER workers) go too
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    return Run(
        tuple(argv),
        proc.returncode,
        stdout,
        stderr,
        usage.ru_maxrss,
        time.perf_counter() - started,
        timed_out.is_set(),
    )


def start_dateline(*args: str | Path, index_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start ``dateline --index DIR ARGS`` in its own session, output to ``log``."""
    with open(log, "ab") as fh:
        return subprocess.Popen(
            [*dateline_command(), "--index", str(index_dir), *map(str, args)],
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, grace: float = 10) -> int:
    """Signal a process started by ``start_dateline`` and its helpers; SIGKILL after ``grace``."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            proc.wait(timeout=grace)
    _kill_group(proc.pid)
    return proc.returncode


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --- a small, deterministic news corpus -------------------------------------------------

PEOPLE = (
    "Vladimir Putin",
    "Angela Merkel",
    "Emmanuel Macron",
    "Narendra Modi",
    "Olaf Scholz",
    "Jacinda Ardern",
    "Justin Trudeau",
    "Cyril Ramaphosa",
)
ORGS = ("the World Bank", "OPEC", "the United Nations", "Reuters", "Gazprom", "Toyota")
PLACES = ("Russia", "France", "Germany", "India", "Brazil", "Japan", "Canada", "Kenya")
TOPICS = ("oil", "wheat", "coffee", "gold", "shipping", "banking", "steel", "cotton")
VERBS = ("discussed", "criticised", "praised", "announced", "rejected", "welcomed")


def article_text(rng: random.Random, words: int = 120) -> tuple[str, str, str]:
    """(title, body, topic) of a plausible wire story, reproducible from ``rng``."""
    topic = rng.choice(TOPICS)
    person, place = rng.choice(PEOPLE), rng.choice(PLACES)
    title = f"{person} {rng.choice(VERBS)} {topic} talks in {place}"
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(
            f"{rng.choice(PEOPLE)} {rng.choice(VERBS)} the {topic} agreement with "
            f"{rng.choice(ORGS)} in {rng.choice(PLACES)} on {rng.randint(1, 28)} "
            f"{rng.choice(('March', 'April', 'June'))} {rng.randint(1985, 2025)}."
        )
    return title, " ".join(sentences), topic


def write_corpus(folder: Path, count: int, seed: int = 7, words: int = 120) -> list[Path]:
    """``count`` text articles with JSON sidecars (title, date, url, source) in ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        title, body, _ = article_text(rng, words)
        path = folder / f"story-{seed}-{n:04d}.txt"
        path.write_text(body + "\n", encoding="utf-8")
        meta = {
            "title": title,
            "published": f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-"
            f"{rng.randint(1, 28):02d}",
            "url": f"https://news.example.org/{seed}/{n}",
            "source": rng.choice(("Example Wire", "Daily Example", "The Sample Times")),
        }
        path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
        paths.append(path)
    return paths


def indexed_documents(index_dir: Path) -> dict[str, Any]:
    """``{id: IndexDocument}`` of everything live in the index at ``index_dir``."""
    from search.service import SearchService
    from search.settings import Settings

    backend = SearchService(Settings(index_dir=index_dir)).backend
    return {doc.id: doc for doc in backend.iter_documents()}


# --- servers and HTTP -------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(
    url: str, timeout: float = 60, proc: subprocess.Popen[bytes] | None = None
) -> None:
    """Poll ``url`` until it answers (any HTTP status) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                response.read()
            return
        except urllib.error.HTTPError:
            return
        except OSError as e:
            last = e
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s: {last}")


# --- HTML checks ------------------------------------------------------------------------


class _InjectionFinder(HTMLParser):
    """Collects every way a page could run script that it did not ship itself."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            if not names.get("src"):
                self.problems.append(f"inline <script> at {self.getpos()}")
            self._in_script = True
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                # Browsers ignore whitespace and control characters inside a scheme.
                squeezed = "".join(ch for ch in value if ch > " ").lower()
                if squeezed.startswith(DANGEROUS_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" or tag == "style":
                self.problems.append(f"inline style on <{tag}> (CSP forbids it)")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def injection_problems(html: str) -> list[str]:
    """Inline scripts, on* handlers and javascript: URLs in ``html`` (empty when safe)."""
    finder = _InjectionFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def tags_in(fragment: str) -> set[str]:
    """The element names in an HTML fragment (a snippet should hold only ``mark``)."""
    collector = _TagCollector()
    collector.feed(fragment)
    collector.close()
    return set(collector.tags)
