"""Actor aliases: the table Dateline derives from the archive and the file users edit, as one.

The derived part comes from :func:`search.entities.corpus_aliases` after each reindex. The
user's file (``Settings.aliases_path``, TOML) wins over it::

    # Names that are never actors, whatever NER says.
    not_actors = ["Libor", "Brent"]

    [aliases]
    # name as found = canonical name
    "Reagan Administration" = "Ronald Reagan"
    "Fed" = "Federal Reserve"

Names in the file match any spelling with the same :func:`~search.entities.canonical.spelling_key`
("GM", "G.M."). The table applied last is kept in the index folder
(``actor-aliases.json``), so the next reindex names new articles' actors the same way at
once, and the site can say which names an actor is also known as.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from search.errors import SourceError

APPLIED_FILE = "actor-aliases.json"
# Far more than a person edits; a bigger file is a mistake, refused with a message.
MAX_USER_FILE_BYTES = 4 * 1024 * 1024


def spelling_key(name: str) -> str:
    """:func:`search.entities.canonical.spelling_key`, imported when first needed: importing
    ``search.entities`` costs ~0.3 s, which a reindex that changes nothing never needs."""
    from search.entities.canonical import spelling_key as key

    return key(name)


class AliasFileError(SourceError):
    """The user's alias file cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class AliasTable:
    """Derived aliases, the user's aliases and the user's never-actors, applied in that order."""

    corpus: Mapping[str, str] = field(default_factory=dict)
    user: Mapping[str, str] = field(default_factory=dict)  # name as the user wrote it
    never: frozenset[str] = frozenset()  # as written

    @cached_property
    def _user_keys(self) -> dict[str, str]:
        return {spelling_key(k): v for k, v in self.user.items()}

    @cached_property
    def _never_keys(self) -> frozenset[str]:
        return frozenset(spelling_key(n) for n in self.never)

    @cached_property
    def _corpus_folded(self) -> dict[str, str]:
        # The derived part is decided on facet values, one per case-insensitive spelling
        # shown in one of them: every spelling of that value is renamed alike.
        return {k.casefold(): v for k, v in self.corpus.items()}

    def canonical(self, name: str) -> str | None:
        """The name ``name`` is indexed under, or None when it is no actor."""
        user_keys, never = self._user_keys, self._never_keys
        seen: set[str] = set()
        while name not in seen:
            seen.add(name)
            key = spelling_key(name)
            if key in never:
                return None
            if key in user_keys:
                name = user_keys[key]
            elif name.casefold() in self._corpus_folded:
                name = self._corpus_folded[name.casefold()]
        return name

    def changes(self, name: str) -> bool:
        """True when ``name`` is indexed under another name or dropped."""
        return self.canonical(name) != name

    def user_names(self) -> set[str]:
        """Every name the user's part mentions, on either side."""
        return set(self.user) | set(self.user.values()) | set(self.never)

    def inverse(self) -> dict[str, list[str]]:
        """Canonical name -> every other name indexed as it."""
        out: dict[str, set[str]] = defaultdict(set)
        for name in (*self.corpus, *self.user):
            target = self.canonical(name)
            if target and target != name:
                out[target].add(name)
        return {k: sorted(v, key=str.casefold) for k, v in out.items()}

    def with_corpus(self, derived: Mapping[str, str], present: Iterable[str]) -> AliasTable:
        """A table with newly ``derived`` corpus aliases.

        Names still ``present`` in the archive are decided anew; earlier decisions about
        names no longer present (their articles were renamed) are kept.
        """
        present = {name.casefold() for name in present}
        kept = {k: v for k, v in self.corpus.items() if k.casefold() not in present}
        return AliasTable({**kept, **derived}, self.user, self.never)

    def without_corpus(self) -> AliasTable:
        """The user's part alone (a full rebuild derives the rest again)."""
        return AliasTable({}, self.user, self.never)

    def with_user_file(self, path: Path) -> AliasTable:
        """The same derived aliases with the user's part read from ``path`` (may be absent)."""
        user, never = read_user_file(path)
        return AliasTable(self.corpus, user, never)


def read_user_file(path: Path) -> tuple[dict[str, str], frozenset[str]]:
    """``(aliases, never-actors)`` from the user's TOML file; empty when it does not exist."""
    try:
        if path.stat().st_size > MAX_USER_FILE_BYTES:
            raise AliasFileError(f"{path}: over {MAX_USER_FILE_BYTES // 2**20} MB")
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return {}, frozenset()
    except (OSError, UnicodeDecodeError) as e:
        raise AliasFileError(f"{path}: cannot be read ({e})") from None
    except tomllib.TOMLDecodeError as e:
        raise AliasFileError(f"{path}: not valid TOML: {e}") from None
    unknown = set(data) - {"aliases", "not_actors"}
    if unknown:
        raise AliasFileError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}; use [aliases] and not_actors"
        )
    aliases = data.get("aliases", {})
    never = data.get("not_actors", [])
    if not isinstance(aliases, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
        for k, v in aliases.items()
    ):
        raise AliasFileError(f'{path}: [aliases] must hold lines like "Fed" = "Federal Reserve"')
    if not isinstance(never, list) or not all(isinstance(n, str) and n.strip() for n in never):
        raise AliasFileError(f'{path}: not_actors must be a list of names, like ["Libor"]')
    return {k.strip(): v.strip() for k, v in aliases.items()}, frozenset(n.strip() for n in never)


def load_applied(index_dir: Path) -> AliasTable:
    """The table the last reindex applied (empty before the first)."""
    try:
        with open(index_dir / APPLIED_FILE, encoding="utf-8") as f:
            data = json.load(f)
        return AliasTable(data["corpus"], data["user"], frozenset(data["never"]))
    except (OSError, ValueError, KeyError, TypeError):
        return AliasTable()


def save_applied(index_dir: Path, table: AliasTable) -> None:
    """Keep ``table`` as the one applied (written beside, then renamed: never half a file)."""
    data = {"corpus": dict(table.corpus), "user": dict(table.user), "never": sorted(table.never)}
    path = index_dir / APPLIED_FILE
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
