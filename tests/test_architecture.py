"""The module boundaries of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from search.settings import PROJECT_ROOT

# Which third-party package may be imported by which modules (path prefixes).
ALLOWED = {
    "whoosh": ("search/backends/whoosh/",),
    "typesense": ("search/backends/typesense/",),
    "spacy": ("search/entities/nlp.py",),
    "flask": ("web/",),
}


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_only_its_own_modules_import(package: str) -> None:
    offenders = []
    for folder in ("search", "web"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            rel = path.relative_to(PROJECT_ROOT).as_posix()
            if package in _imports(path) and not rel.startswith(ALLOWED[package]):
                offenders.append(rel)
    assert offenders == []


def test_serving_path_never_loads_spacy() -> None:
    code = (
        "import sys, search.service, search.serialize, search.params, web\n"
        "web.create_app()\n"
        "print(','.join(m for m in ('spacy', 'thinc', 'torch') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    assert out.stdout.strip() == ""
