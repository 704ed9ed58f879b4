"""A full rebuild's extracted articles, held on disk until the archive-wide aliases are known.

The archive-wide alias pass (:mod:`search.entities.corpus`) decides from the actor facet's
counts. Run after a full rebuild had written every document, it rewrote each one naming
an alias (5,387 of Reuters-21578's 21,586: 344 of a 633 s rebuild, each rewrite a second
analysis of the whole text). A full rebuild instead stages each article with its entities
in an unnamed temporary file, counts the actor names its document would hold as the facet
counts them, derives the table from those counts, and only then builds, places and writes
the documents, named by it. The pass after the commit still runs and finds (nearly)
nothing left to rename.

Memory holds the counts (one entry per distinct actor spelling, as the facet does); the
articles wait on disk (about 5 KB each). The file has no name: a killed run leaves none.
"""

from __future__ import annotations

import pickle
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from search.models import Article, Entities


class StagedArticles:
    """Extracted articles appended to a temporary file, read back in order."""

    def __init__(self, folder: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=folder, prefix="staged-")
        self._count = 0
        self._docs: Counter[str] = Counter()  # casefolded name -> documents holding it
        self._spelled: Counter[str] = Counter()  # exact spelling -> documents holding it
        self._kinds: dict[str, Counter[str]] = {}  # casefolded name -> documents per kind

    def __len__(self) -> int:
        return self._count

    def add(
        self,
        article: Article,
        entities: Entities,
        actors: tuple[str, ...],
        kinds: tuple[str, ...] = (),
    ) -> None:
        """Stage one article; ``actors``: the names its document would hold now, ``kinds``:
        the kind of each ("person", "org")."""
        pickle.dump((article, entities), self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1
        self._spelled.update(set(actors))
        self._docs.update({a.casefold() for a in actors})
        for actor, kind in zip(actors, kinds, strict=False):
            self._kinds.setdefault(actor.casefold(), Counter())[kind] += 1

    def kinds(self, name: str) -> Counter[str]:
        """How many staged articles call ``name`` a "person" or an "org"."""
        return self._kinds.get(name.casefold()) or Counter()

    def actor_counts(self) -> dict[str, int]:
        """Documents per actor value, as the actor facet will count them: one value per
        casefolded name, shown in the spelling most documents hold (ties by spelling)."""
        shown: dict[str, str] = {}
        for spelling, n in self._spelled.items():
            key = spelling.casefold()
            best = shown.get(key)
            if best is None or (-n, spelling) < (-self._spelled[best], best):
                shown[key] = spelling
        return {shown[key]: n for key, n in self._docs.items()}

    def __iter__(self) -> Iterator[tuple[Article, Entities]]:
        """The staged articles, in the order they were added."""
        return read_staged(self._file, self._count)

    def fileno(self) -> int:
        """The file's descriptor, for a child process that reads the staged articles
        (:mod:`search.placing`); this process must not read it meanwhile."""
        self._file.flush()
        return self._file.fileno()

    def close(self) -> None:
        """Drop the file."""
        self._file.close()


def read_staged(file: BinaryIO, count: int) -> Iterator[tuple[Article, Entities]]:
    """The ``count`` staged articles of ``file``, read from its start."""
    file.seek(0)
    for _ in range(count):
        yield pickle.load(file)
