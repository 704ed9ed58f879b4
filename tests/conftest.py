"""Shared fixtures: real indexes on disk, the real spaCy model, real corpora when present."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.service import SearchService
from search.settings import PROJECT_ROOT, Settings, corpora_dir

# The web fixtures (app, client, live server) live in their own module.
pytest_plugins = ["tests.web_fixtures"]

SEEDS = PROJECT_ROOT / "seeds"
SEED_FILE = SEEDS / "000_13ee3422ca9f4dd4.txt"


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The shared corpora folder, or skip: the real-data tests need ../shared/corpora."""
    path = corpora_dir()
    if not path.is_dir():
        pytest.skip(f"shared corpora not found at {path} (set DATELINE_CORPORA)")
    return path


@pytest.fixture(scope="session")
def seed_service(tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """A service over a real Whoosh index of seeds/, built once per test session."""
    index_dir = tmp_path_factory.mktemp("seed-index")
    service = SearchService(Settings(index_dir=index_dir))
    service.reindex([SEEDS])
    return service


def make_service(index_dir: Path) -> SearchService:
    """A service over a Whoosh index in ``index_dir`` (for tests that build their own)."""
    return SearchService(Settings(index_dir=index_dir))
