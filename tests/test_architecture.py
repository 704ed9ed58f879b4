"""The module boundaries of docs/architecture.md, checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


# The engine's layers (docs/architecture.md): files under the first path never import the
# modules named second, not even lazily inside a function.
LAYERS = (
    ("search/", "web"),  # the engine never imports its front doors (Flask, the CLI)
    ("search/entities/", "search.backends"),
    ("search/backends/", "search.entities"),
    ("search/places/", "search.entities"),
    ("search/places/", "search.backends"),
)


def imported_modules(path: Path, root: Path = PROJECT_ROOT) -> set[str]:
    """Every module ``path`` imports, anywhere in the file, as absolute dotted names.

    ``from a import b`` counts as ``a`` and ``a.b`` (``b`` may be a module); relative
    imports are resolved against the file's package.
    """
    package = path.relative_to(root).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *([node.module] if node.module else [])))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _is_within(module: str, forbidden: str) -> bool:
    return module == forbidden or module.startswith(forbidden + ".")


@pytest.mark.parametrize(("layer", "forbidden"), LAYERS)
def test_layers_never_import_upwards_or_sideways(layer: str, forbidden: str) -> None:
    offenders = []
    for path in sorted((PROJECT_ROOT / layer).rglob("*.py")):
        bad = sorted(m for m in imported_modules(path) if _is_within(m, forbidden))
        if bad:
            offenders.append(f"{path.relative_to(PROJECT_ROOT).as_posix()}: {', '.join(bad)}")
    assert offenders == []


def test_the_layer_check_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    module = tmp_path / "search" / "backends" / "x.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def later():\n    from web import create_app\n    from ..entities import nlp\n"
        "    import web.cli\n",
        encoding="utf-8",
    )
    found = imported_modules(module, root=tmp_path)
    assert {"web", "web.create_app", "search.entities.nlp", "web.cli"} <= found


def test_one_reindex_command_for_dateline_and_flask() -> None:
    from web import create_app
    from web.cli import main, reindex_command

    assert main.commands["reindex"] is reindex_command
    assert create_app().cli.commands["reindex"] is reindex_command


def test_the_console_script_is_the_cli() -> None:
    """``[project.scripts]`` names the click group of web/cli.py (the venv's script is
    rewritten by the next ``pip install -e``, which scripts/venv.sh runs)."""
    import importlib
    import tomllib

    from web.cli import main

    scripts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, attribute = scripts["dateline"].partition(":")
    assert getattr(importlib.import_module(module), attribute) is main
