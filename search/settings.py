"""Settings: defaults, overridden by ``DATELINE_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Paths are relative to the working directory, like git or flask: run from the project root.
DEFAULT_SOURCES = Path("seeds")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, in one place. No module reads the environment elsewhere."""

    index_dir: Path = Path("index")
    backend: str = "whoosh"  # "whoosh" | "typesense"
    # Typesense: "host:port,host:port" on 127.0.0.1 by default; the key only from the env.
    typesense_nodes: str = "127.0.0.1:8108"
    typesense_api_key: str = ""
    typesense_collection: str = "articles"
    # Limits that keep one hostile input from stalling a reindex.
    max_file_bytes: int = 64 * 1024 * 1024
    max_article_chars: int = 2_000_000
    article_timeout_s: float = 60.0
    # Processes running NER during a reindex: 0 = one per core, 1 = in the reindexing
    # process itself.
    extract_workers: int = 0
    # The actor alias file users edit (see search/aliases.py); empty = index_dir/aliases.toml.
    aliases_file: Path = Path("")
    # `dateline follow` (search/follow/): who we are and how hard we press on servers.
    follow_contact: str = ""  # a URL where site owners can reach the operator
    follow_delay_s: float = 1.0  # between two requests to one host (robots may ask more)
    follow_connect_timeout_s: float = 10.0
    follow_read_timeout_s: float = 20.0
    follow_max_bytes: int = 10 * 1024 * 1024  # a feed or page, decoded
    follow_retries: int = 2
    follow_backoff_s: float = 2.0  # the first retry's wait, doubled after each
    follow_batch: int = 50  # articles indexed per commit

    @property
    def aliases_path(self) -> Path:
        """The user's actor alias file (it need not exist)."""
        return self.aliases_file if self.aliases_file != Path() else self.index_dir / "aliases.toml"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``DATELINE_<FIELD>`` variables, then keyword overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"DATELINE_{f.name.upper()}")
            if raw is None:
                continue
            default = f.default
            if isinstance(default, Path):
                values[f.name] = Path(raw)
            elif isinstance(default, bool):
                values[f.name] = raw.lower() in {"1", "true", "yes", "on"}
            elif isinstance(default, int):
                values[f.name] = int(raw)
            elif isinstance(default, float):
                values[f.name] = float(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "index_dir" in values:
            values["index_dir"] = Path(values["index_dir"])
        return replace(cls(), **values)


def corpora_dir(env: Mapping[str, str] | None = None) -> Path:
    """The shared evaluation corpora: ``DATELINE_CORPORA``, default ../shared/corpora."""
    env = os.environ if env is None else env
    return Path(env.get("DATELINE_CORPORA", PROJECT_ROOT.parent / "shared" / "corpora"))
