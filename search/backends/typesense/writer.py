"""Writers for the Typesense backend: a full rebuild into a new collection swapped in by
alias, and incremental changes spooled to disk and applied on ``commit``.

Searches always go through the alias (``settings.typesense_collection``). A full rebuild
imports into ``<alias>_<UTC stamp>_<random>`` while the alias still names the old
collection; ``commit`` checks the new collection's count, points the alias at it (one
Raft-replicated write, so every node switches at once) and drops the old one. A crashed
rebuild leaves only an unaliased collection, removed by the next full rebuild.

Incremental changes are spooled to a temporary file (memory stays flat however many
articles change) and imported on ``commit`` in batches of ``BATCH_SIZE`` with
``action=upsert``, so a retried batch is harmless. Unlike Whoosh, readers can see those
batches land one after another during ``commit`` (Typesense has no multi-batch
transaction); each article is always either its old or its new version.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import IO, Any

from typesense import exceptions as ts_errors

from search.backends.typesense.client import Api, guarded, path, retry_write
from search.backends.typesense.schema import schema, to_typesense
from search.errors import BackendError, IndexVersionError
from search.models import IndexDocument
from search.settings import Settings

log = logging.getLogger(__name__)
# Documents per import request, and per batch the server indexes at a time: on 300,000
# synthetic articles (quiet 2-core machine) 4,000 imported 5,265-5,450 articles/s, 1,000
# 4,946-4,965 and 10,000 5,198; the node, not Python, is the limit (1.4 cores to 0.25).
BATCH_SIZE = 4000
SERVER_BATCH = 4000
COUNT_WAIT_S = 30.0


def live_collection(client: Api, alias: str) -> str | None:
    """The collection the alias points at, or None when there is no index yet."""
    try:
        return str(client.get(path("aliases", alias))["collection_name"])
    except ts_errors.ObjectNotFound:
        return None


def live_fields(client: Api, alias: str) -> set[str] | None:
    """The field names of the collection the alias points at (None: no index yet)."""
    try:
        info = client.get(path("collections", alias))
    except ts_errors.ObjectNotFound:
        return None
    return {str(f.get("name")) for f in info.get("fields") or ()}


def new_collection_name(alias: str) -> str:
    """A fresh, sortable collection name for a rebuild."""
    return f"{alias}_{datetime.now(UTC):%Y%m%d%H%M%S}_{os.urandom(3).hex()}"


def drop_orphans(client: Api, alias: str) -> None:
    """Drop collections of unfinished rebuilds of ``alias`` (the caller holds the lock).

    Only names this backend generates for ``alias`` qualify, and never a collection any
    alias points to (another deployment may share the cluster).
    """
    pattern = re.compile(rf"{re.escape(alias)}_\d{{14}}_[0-9a-f]{{6}}")
    aliased = {str(a["collection_name"]) for a in client.get("/aliases").get("aliases", [])}
    for info in client.get("/collections"):
        name = str(info["name"])
        if pattern.fullmatch(name) and name not in aliased:
            log.info("dropping unfinished rebuild %s", name)
            drop_collection(client, name)


def create_collection(client: Api, name: str) -> None:
    """Create ``name`` with the Dateline schema (an existing one is reused: a retried
    create whose first answer was lost in a failover)."""
    try:
        retry_write(lambda: client.post("/collections", schema(name)))
    except ts_errors.ObjectAlreadyExists:
        pass


def import_batch(client: Api, collection: str, docs: list[dict[str, Any]]) -> None:
    """Upsert ``docs``; raise ``BackendError`` naming the documents Typesense refused.

    Per-document failures with a 5xx code (no leader yet) are retried with the rest of
    the deadline; 4xx ones (a value the schema rejects) fail the run with their reasons.
    """
    pending = docs

    def attempt() -> None:
        nonlocal pending
        body = "\n".join(json.dumps(doc, ensure_ascii=False) for doc in pending)
        answer = client.post_text(
            path("collections", collection, "documents", "import"),
            body,
            # The server indexes an import SERVER_BATCH documents at a time (its default,
            # 40, imported Reuters-like articles 15% slower than 1,000 on this machine).
            {"action": "upsert", "batch_size": SERVER_BATCH},
        )
        results = [json.loads(line) for line in answer.splitlines() if line.strip()]
        retry: list[dict[str, Any]] = []
        refused: list[str] = []
        for doc, result in zip(pending, results, strict=True):
            if result.get("success"):
                continue
            code = int(result.get("code") or 500)
            if code >= 500:
                retry.append(doc)
            else:
                refused.append(f"{doc['id']} ({result.get('error')})")
        if refused:
            raise BackendError(
                f"Typesense refused {len(refused)} of {len(pending)} documents: "
                + "; ".join(refused[:3])
            )
        if retry:
            pending = retry
            raise ts_errors.ServiceUnavailable(f"{len(retry)} documents not accepted yet")

    retry_write(attempt)


class ImportPipe:
    """Import batches sent from a background thread, one request in flight at a time.

    While Typesense indexes one batch, the caller converts the next (``to_typesense``,
    JSON): the two overlap instead of taking turns. More than one request in flight did
    not help (the server indexes one collection's imports one after another: measured
    1,777 articles/s with one in flight, 1,197 with two). Batches land in the order sent;
    an import's error is raised by the next ``send`` or by ``wait``.
    """

    def __init__(self, client: Api, collection: str, settings: Settings) -> None:
        self.client = client
        self.collection = collection
        self.settings = settings
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="typesense-import")
        self._pending: Future[None] | None = None

    def send(self, batch: list[dict[str, Any]]) -> None:
        """Import ``batch`` after the one in flight (whose error, if any, is raised here)."""
        self.wait()
        self._pending = self._pool.submit(self._import, batch)

    def _import(self, batch: list[dict[str, Any]]) -> None:
        with guarded(self.settings, "an import"):
            import_batch(self.client, self.collection, batch)

    def wait(self) -> None:
        """Block until the batch in flight is imported; raise its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the batch in flight (its error is dropped: the caller is failing or
        done) and stop the thread."""
        try:
            self.wait()
        except Exception as e:  # already failing: the first error is the one reported
            log.debug("import in flight failed while closing: %s", type(e).__name__)
        self._pool.shutdown(wait=True)


def drop_collection(client: Api, name: str) -> None:
    """Delete a collection (no error when it is already gone)."""
    try:
        retry_write(lambda: client.delete(path("collections", name)))
    except ts_errors.ObjectNotFound:
        pass


class FullRebuild:
    """Builds a new collection; ``commit`` swaps the alias to it and drops the old one."""

    def __init__(self, client: Api, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.alias = settings.typesense_collection
        self.name = new_collection_name(self.alias)
        self._buffer: list[dict[str, Any]] = []
        self._ids: set[str] = set()
        self._deleted: set[str] = set()
        with guarded(settings, "creating a collection for a full rebuild"):
            drop_orphans(client, self.alias)
            create_collection(client, self.name)
        self._imports = ImportPipe(client, self.name, settings)

    def add(self, doc: IndexDocument) -> None:
        """Add or replace ``doc`` in the new collection."""
        self._buffer.append(to_typesense(doc))
        self._ids.add(doc.id)
        self._deleted.discard(doc.id)
        if len(self._buffer) >= BATCH_SIZE:
            self._flush()

    def delete(self, doc_id: str) -> None:
        """Leave ``doc_id`` out of the new collection."""
        self._flush()
        self._imports.wait()  # the delete must follow the import that added the id
        if doc_id in self._ids:
            self._ids.discard(doc_id)
            self._deleted.add(doc_id)
            with guarded(self.settings, "a delete"):
                _delete_one(self.client, self.name, doc_id)

    def _flush(self) -> None:
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        self._imports.send(batch)

    def commit(self) -> None:
        """Check the new collection holds every document, then swap the alias to it."""
        self._flush()
        self._imports.wait()
        self._imports.close()
        with guarded(self.settings, "the alias swap of a full rebuild"):
            self._check_count()
            old = live_collection(self.client, self.alias)
            retry_write(
                lambda: self.client.put(path("aliases", self.alias), {"collection_name": self.name})
            )
            if old and old != self.name:
                drop_collection(self.client, old)

    def _check_count(self) -> None:
        """Every written document is in the new collection (a sanity check before the swap).

        The node that answers may be a follower a few batches behind the leader (reads
        are not linearised in Typesense), so a short count is re-read until
        ``COUNT_WAIT_S``; the swap itself is a write ordered after every import, so any
        node that applies it has applied them all.
        """
        deadline = time.monotonic() + COUNT_WAIT_S
        while True:
            count = int(self.client.get(path("collections", self.name))["num_documents"])
            if count == len(self._ids):
                return
            if count > len(self._ids) or time.monotonic() > deadline:
                raise BackendError(
                    f"full rebuild incomplete: {self.name} holds {count} documents, "
                    f"{len(self._ids)} were written; the live index is unchanged"
                )
            time.sleep(0.1)

    def abort(self) -> None:
        """Drop the new collection; the alias still names the old one."""
        self._buffer = []
        self._imports.close()
        try:
            drop_collection(self.client, self.name)
        except Exception as e:  # the next full rebuild drops it as an orphan
            log.warning("could not drop unfinished rebuild %s: %s", self.name, type(e).__name__)


class IncrementalWriter:
    """Upserts and deletes spooled to a temp file, applied to the live collection."""

    def __init__(self, client: Api, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        with guarded(settings, "checking the live collection"):
            fields = live_fields(client, settings.typesense_collection)
        expected = {str(f["name"]) for f in schema("")["fields"]}
        if fields is not None and not expected <= fields:
            raise IndexVersionError(
                f"the Typesense collection {settings.typesense_collection!r} was built by "
                "another version of Dateline (its fields differ): run `dateline reindex --full`"
            )
        self._spool: IO[str] | None = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.changes = 0

    def add(self, doc: IndexDocument) -> None:
        """Add or replace ``doc`` on ``commit``."""
        self._write({"op": "upsert", "doc": to_typesense(doc)})

    def delete(self, doc_id: str) -> None:
        """Remove ``doc_id`` on ``commit`` (no error if absent)."""
        self._write({"op": "delete", "id": doc_id})

    def _write(self, record: dict[str, Any]) -> None:
        if self._spool is None:
            raise BackendError("this writer was already committed or aborted")
        self._spool.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.changes += 1

    def _records(self) -> Iterator[dict[str, Any]]:
        assert self._spool is not None
        self._spool.flush()
        self._spool.seek(0)
        for line in self._spool:
            yield json.loads(line)

    def commit(self) -> None:
        """Apply every change in order, in batches; the first run creates the index."""
        if self._spool is None:
            return
        try:
            if self.changes:
                with guarded(self.settings, "an incremental update"):
                    self._apply()
        finally:
            self._close()

    def _apply(self) -> None:
        alias = self.settings.typesense_collection
        target = live_collection(self.client, alias)
        first_run = target is None
        name = target or new_collection_name(alias)
        if first_run:
            drop_orphans(self.client, alias)
            create_collection(self.client, name)
        imports = ImportPipe(self.client, name, self.settings)
        try:
            batch: list[dict[str, Any]] = []
            for record in self._records():
                if record["op"] == "upsert":
                    batch.append(record["doc"])
                    if len(batch) >= BATCH_SIZE:
                        imports.send(batch)
                        batch = []
                else:
                    if batch:  # keep the order: an add then a delete of one id is a delete
                        imports.send(batch)
                        batch = []
                    imports.wait()
                    _delete_one(self.client, name, record["id"])
            if batch:
                imports.send(batch)
            imports.wait()
        finally:
            imports.close()
        if first_run:
            # Only now is the whole first index searchable, all at once.
            retry_write(lambda: self.client.put(path("aliases", alias), {"collection_name": name}))

    def abort(self) -> None:
        """Drop the spooled changes; the live collection is untouched."""
        self._close()

    def _close(self) -> None:
        if self._spool is not None:
            self._spool.close()
            self._spool = None


def _delete_one(client: Api, collection: str, doc_id: str) -> None:
    def run() -> None:
        try:
            client.delete(path("collections", collection, "documents", doc_id))
        except ts_errors.ObjectNotFound:
            pass

    retry_write(run)
