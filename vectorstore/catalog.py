"""The catalog: the database (SQLite under PAPERS_HOME, or the PostgreSQL every replica shares:
core.database) that is the source of truth for which documents and chunks exist. Chroma holds their vectors and the lexical index is derived from it; a chunk that
Chroma returns but the catalog does not know is an orphan of an interrupted ingest and is ignored.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path

from core.database import Database, as_database
from core.errors import ConfigError
from core.labels import paper_label
from core.types import Action, ActionStatus, Chunk, Classification, Decision, DecisionKind, DocType, Document, Votes

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    title TEXT,
    committee TEXT,
    committee_acronym TEXT,
    meeting_date TEXT,
    doc_type TEXT NOT NULL,
    classification TEXT,
    pages INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    provenance TEXT NOT NULL DEFAULT '{}',
    body TEXT
);
CREATE INDEX IF NOT EXISTS documents_sha ON documents(sha256);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    page INTEGER,
    heading_path TEXT NOT NULL,
    kind TEXT NOT NULL,
    classification TEXT NOT NULL,
    answers TEXT,
    ocr INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id, seq);
CREATE INDEX IF NOT EXISTS chunks_classification ON chunks(classification);
CREATE TABLE IF NOT EXISTS chunk_tokens (
    chunk_id TEXT PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    states BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS actions (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    committee TEXT,
    meeting_date TEXT,
    reference TEXT,
    recommendation TEXT,
    action TEXT NOT NULL,
    owner TEXT,
    lead TEXT,
    due_date TEXT,
    due_text TEXT,
    response TEXT,
    status TEXT NOT NULL,
    tracks_response INTEGER NOT NULL,
    page INTEGER,
    row_text TEXT NOT NULL,
    chunk_id TEXT,
    classification TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actions_document ON actions(document_id, seq);
CREATE INDEX IF NOT EXISTS actions_due ON actions(due_date);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    body TEXT,
    meeting_date TEXT,
    item TEXT,
    item_title TEXT,
    reference TEXT,
    refs TEXT NOT NULL,
    votes TEXT,
    page INTEGER,
    chunk_id TEXT,
    classification TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_document ON decisions(document_id, seq);
CREATE INDEX IF NOT EXISTS decisions_date ON decisions(meeting_date);
CREATE TABLE IF NOT EXISTS decision_refs (
    decision_id TEXT NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
    ref TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decision_refs_ref ON decision_refs(ref);
CREATE TABLE IF NOT EXISTS chunk_boxes (
    chunk_id TEXT PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    boxes TEXT NOT NULL
);
"""


_DOCUMENT_COLUMNS = (
    "id", "source", "path", "sha256", "fingerprint", "title", "committee", "committee_acronym", "meeting_date",
    "doc_type", "classification", "pages", "chunks", "ingested_at", "provenance", "body",
)
# Columns added since a catalog was first made (CREATE TABLE IF NOT EXISTS leaves an old table as
# it was): table -> (column, declaration). Added when missing, so an existing home keeps working;
# its papers get the new fields when next ingested.
_ADDED_COLUMNS = {"documents": [("body", "TEXT")]}


def _add_missing_columns(db: Database) -> None:
    conn = db.conn()
    for table, columns in _ADDED_COLUMNS.items():
        if db.dialect == "postgresql":  # a server's schema is made once, by the lock-holding replica
            for name, declaration in columns:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {declaration}")
            continue
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        for name, declaration in columns:
            if name not in have:
                try:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")
                except sqlite3.OperationalError as exc:  # another process added it first
                    if "duplicate column" not in str(exc).lower():
                        raise


def _paper_of(row) -> Document:
    """The paper an action row was joined with, as much of it as a label needs."""
    return Document(
        id=row["document_id"], source=row["source"], path="", sha256=None, title=row["paper_title"],
        committee=row["paper_committee"], meeting_date=_date(row["paper_date"]),
        doc_type=DocType(row["paper_type"]), body=row["body"],
    )


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _level(value: Classification | None) -> str:
    """Stored classification: an unknown one is stored as restricted, never as public."""
    return (value or Classification.restricted).value


def _clearance_sql(column: str, clearance: frozenset[Classification] | None) -> tuple[str, list[str]]:
    if clearance is None:
        return "1 = 1", []
    values = sorted(c.value for c in clearance) or ["-"]
    return f"{column} IN ({','.join('?' * len(values))})", values


def _as_seen(doc: Document, visible: int, last_page: int | None) -> None:
    """A document as a caller sees it when some of its chunks are above their clearance: the
    chunks and pages they can read, and no fingerprint of the whole file (a hash of the original,
    exempt appendix included, would let them confirm a guess at its contents)."""
    if visible < doc.chunks:
        doc.sha256 = None
        doc.pages = min(doc.pages, last_page or 0) if doc.pages else 0
    doc.chunks = visible


class SqlCatalog:
    """Documents and chunks in SQLite (WAL mode: readers never block the ingest writer) or
    PostgreSQL (`db`: a Database, or an SQLite file's path)."""

    def __init__(self, db: Database | Path, schema: str | None = None) -> None:
        """`schema`: the catalog schema version this code writes; a PostgreSQL database made by
        another version is refused, by name (an SQLite file is named by its version instead)."""
        self.db = as_database(db)
        self.path = getattr(self.db, "path", None)
        self.db.executescript(SCHEMA)
        _add_missing_columns(self.db)
        if schema is not None:
            self._check_schema(schema)
        self._CHUNK_SELECT = _chunk_select(self.db)

    def _check_schema(self, schema: str) -> None:
        conn = self.db.conn()
        conn.execute("INSERT INTO state VALUES ('schema', ?) ON CONFLICT(key) DO NOTHING", (schema,))
        held = conn.execute("SELECT value FROM state WHERE key = 'schema'").fetchone()[0]
        if held != schema:
            raise ConfigError(
                f"database {self.db.describe()}: it holds a catalog of schema {held}, this version writes {schema}; "
                "give this version a new database (PAPERS_DATABASE_URL) and ingest the papers into it"
            )

    def instance_id(self) -> str:
        """A random id this catalog was given when made: what an index derived from it is saved
        under, so a generation number of one database is never taken for another's."""
        conn = self.db.conn()
        conn.execute("INSERT INTO state VALUES ('instance', ?) ON CONFLICT(key) DO NOTHING", (secrets.token_hex(8),))
        return conn.execute("SELECT value FROM state WHERE key = 'instance'").fetchone()[0]

    def _connection(self):
        return self.db.conn()

    @contextmanager
    def _conn(self) -> Iterator:
        yield self.db.conn()

    @contextmanager
    def transaction(self) -> Iterator:
        with self.db.transaction(scope="catalog") as conn:
            yield conn

    # --- documents ---------------------------------------------------------------------------

    @staticmethod
    def _document(row) -> Document:
        return Document(
            id=row["id"],
            source=row["source"],
            path=row["path"],
            sha256=row["sha256"],
            title=row["title"],
            committee=row["committee"],
            committee_acronym=row["committee_acronym"],
            meeting_date=_date(row["meeting_date"]),
            doc_type=DocType(row["doc_type"]),
            classification=Classification(row["classification"]) if row["classification"] else None,
            pages=row["pages"],
            chunks=row["chunks"],
            provenance=json.loads(row["provenance"] or "{}"),
            body=row["body"],
        )

    def get_document(self, document_id: str, clearance: frozenset[Classification] | None = None) -> Document | None:
        """A document, or None if it does not exist or its classification is above `clearance`."""
        sql_clear, args = _clearance_sql("classification", clearance)
        with self._conn() as conn:
            row = conn.execute(f"SELECT * FROM documents WHERE id = ? AND {sql_clear}", (document_id, *args)).fetchone()
            doc = self._document(row) if row else None
            if doc is not None and clearance is not None:
                _as_seen(doc, *self._visible_chunks(conn, document_id, clearance))
        return doc

    @staticmethod
    def _visible_chunks(conn, document_id: str, clearance: frozenset[Classification]) -> tuple[int, int | None]:
        """(chunks, last page) of a document that the clearance allows."""
        sql_clear, args = _clearance_sql("classification", clearance)
        row = conn.execute(
            f"SELECT COUNT(*), MAX(page) FROM chunks WHERE document_id = ? AND {sql_clear}", (document_id, *args)
        ).fetchone()
        return row[0], row[1]

    def highest_classification(self, document_id: str) -> Classification | None:
        """The most protected classification of anything in a document (its own, or a section's)."""
        with self._conn() as conn:
            values = {r[0] for r in conn.execute("SELECT classification FROM chunks WHERE document_id = ?", (document_id,))}
            row = conn.execute("SELECT classification FROM documents WHERE id = ?", (document_id,)).fetchone()
        if row is None:
            return None
        values.add(row[0] or Classification.restricted.value)
        return max((Classification(v) for v in values), key=lambda c: c.level)

    def find_by_sha(self, sha256: str) -> Document | None:
        with self._conn() as conn:
            row = conn.execute("SELECT * FROM documents WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone()
        return self._document(row) if row else None

    def documents(
        self, clearance: frozenset[Classification] | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Document]:
        """Documents the clearance allows, newest meeting first (then by file name and id, so pages
        never overlap); their chunk counts count only the visible chunks. `limit`/`offset`: one
        page of that order."""
        sql_clear, args = _clearance_sql("classification", clearance)
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT * FROM documents WHERE {sql_clear} "
                "ORDER BY meeting_date IS NULL, meeting_date DESC, source, id LIMIT ? OFFSET ?",
                [*args, 2**62 if limit is None else limit, offset],
            ).fetchall()
            docs = [self._document(r) for r in rows]
            if clearance is not None and docs:
                chunk_clear, chunk_args = _clearance_sql("classification", clearance)
                page = "" if limit is None else f" AND document_id IN ({','.join('?' * len(docs))})"
                page_args = [] if limit is None else [d.id for d in docs]
                visible = {
                    r[0]: (r[1], r[2])
                    for r in conn.execute(
                        f"SELECT document_id, COUNT(*), MAX(page) FROM chunks WHERE {chunk_clear}{page} GROUP BY document_id",
                        [*chunk_args, *page_args],
                    )
                }
                for d in docs:
                    _as_seen(d, *visible.get(d.id, (0, None)))
        return docs

    def counts(self, clearance: frozenset[Classification] | None = None) -> tuple[int, int]:
        sql_clear, args = _clearance_sql("classification", clearance)
        with self._conn() as conn:
            docs = conn.execute(f"SELECT COUNT(*) FROM documents WHERE {sql_clear}", args).fetchone()[0]
            chunks = conn.execute(f"SELECT COUNT(*) FROM chunks WHERE {sql_clear}", args).fetchone()[0]
        return docs, chunks

    def committee_counts(self, clearance: frozenset[Classification] | None = None) -> tuple[dict[str, int], dict[str, int]]:
        """(documents, action records) per committee name as the papers write it, of those the
        clearance allows, counted inside SQLite (building every record took 1.2 s at 100k chunks)."""
        sql_clear, args = _clearance_sql("classification", clearance)
        out = []
        with self._conn() as conn:
            for table in ("documents", "actions"):
                rows = conn.execute(
                    f"SELECT committee, COUNT(*) FROM {table} WHERE committee != '' AND {sql_clear} GROUP BY committee", args
                )
                out.append(dict(rows.fetchall()))
        return out[0], out[1]

    def committee_bodies(self, clearance: frozenset[Classification] | None = None) -> dict[str, dict[str, int]]:
        """Committee name (as the papers write it) -> the bodies whose papers name it, with how
        many of those papers the clearance allows; papers whose body is not known are left out."""
        sql_clear, args = _clearance_sql("classification", clearance)
        out: dict[str, dict[str, int]] = {}
        with self._conn() as conn:
            rows = conn.execute(
                f"SELECT committee, body, COUNT(*) FROM documents WHERE committee != '' AND body != '' AND {sql_clear} "
                "GROUP BY committee, body",
                args,
            )
            for committee, body, n in rows:
                out.setdefault(committee, {})[body] = n
        return out

    def fingerprint(self, document_id: str) -> str | None:
        """What the stored version was made from (file bytes, sidecar, chunker version)."""
        with self._conn() as conn:
            row = conn.execute("SELECT fingerprint FROM documents WHERE id = ?", (document_id,)).fetchone()
        return row[0] if row else None

    def replace_document(
        self,
        doc: Document,
        chunks: list[Chunk],
        fingerprint: str,
        actions: Iterable[Action] = (),
        token_states: Sequence[bytes] | None = None,
        decisions: Iterable[Decision] = (),
    ) -> list[str]:
        """Atomically store a document, its chunks (with each chunk's packed word pieces for late
        interaction, `token_states[i]` for chunk i, when given), its action records and its
        recommendation and decision records, replacing any previous version. Returns the ids of
        the chunks it replaced (to delete from the other indexes)."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.transaction() as conn:
            old = self._remove_chunks(conn, doc.id)
            conn.execute(
                f"INSERT INTO documents ({', '.join(_DOCUMENT_COLUMNS)}) VALUES ({','.join('?' * len(_DOCUMENT_COLUMNS))}) "
                f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _DOCUMENT_COLUMNS[1:])}",
                (
                    doc.id, doc.source, doc.path, doc.sha256, fingerprint, doc.title, doc.committee,
                    doc.committee_acronym, doc.meeting_date.isoformat() if doc.meeting_date else None,
                    doc.doc_type.value, doc.classification.value if doc.classification else None,
                    doc.pages, len(chunks), now, json.dumps(doc.provenance, sort_keys=True), doc.body,
                ),
            )
            conn.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        c.id, doc.id, i, c.text, c.page, json.dumps(c.heading_path), c.kind, _level(c.classification),
                        None if c.answers is None else ",".join(sorted(c.answers)), int(c.ocr),
                    )
                    for i, c in enumerate(chunks)
                ],
            )
            conn.executemany(
                "INSERT INTO chunk_boxes VALUES (?,?)",
                [(c.id, json.dumps(c.boxes, separators=(",", ":"))) for c in chunks if c.boxes],
            )
            if token_states is not None:
                conn.executemany(
                    "INSERT INTO chunk_tokens VALUES (?,?)",
                    [(c.id, states) for c, states in zip(chunks, token_states) if states],
                )
            conn.executemany(
                "INSERT INTO actions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        a.id, doc.id, i, a.committee, _iso(a.meeting_date), a.reference, a.recommendation,
                        a.action, a.owner, a.lead, _iso(a.due_date), a.due_text, a.response,
                        a.status.value, int(a.tracks_response), a.page, a.row_text, a.chunk_id,
                        _level(a.classification),
                    )
                    for i, a in enumerate(actions)
                ],
            )
            decisions = list(decisions)
            conn.executemany(
                "INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        d.id, doc.id, i, d.kind.value, d.text, d.body, _iso(d.meeting_date), d.item, d.item_title,
                        d.reference, json.dumps(list(d.refs)), _votes_json(d.votes), d.page, d.chunk_id,
                        _level(d.classification),
                    )
                    for i, d in enumerate(decisions)
                ],
            )
            conn.executemany("INSERT INTO decision_refs VALUES (?,?)", [(d.id, ref) for d in decisions for ref in d.refs])
            self._bump(conn)
        new_ids = {c.id for c in chunks}
        return [i for i in old if i not in new_ids]

    def reclassify(self, document_id: str, level: Classification) -> dict[str, str]:
        """Set a document's classification. A chunk marked above the paper's old level (an exempt
        appendix) keeps its own level when that is higher; every other chunk, and the action
        records, take the new one. Returns chunk id -> new level, for the vector store."""
        with self.transaction() as conn:
            row = conn.execute("SELECT classification FROM documents WHERE id = ?", (document_id,)).fetchone()
            if row is None:
                return {}
            old = Classification(row[0] or Classification.restricted.value)
            new_levels: dict[str, str] = {}
            for cid, current in conn.execute("SELECT id, classification FROM chunks WHERE document_id = ?", (document_id,)).fetchall():
                mine = Classification(current)
                new_levels[cid] = (level.at_least(mine) if mine.level > old.level else level).value
            conn.executemany("UPDATE chunks SET classification = ? WHERE id = ?", [(v, k) for k, v in new_levels.items()])
            for table in ("actions", "decisions"):
                conn.execute(
                    f"UPDATE {table} SET classification = COALESCE((SELECT c.classification FROM chunks c "
                    f"WHERE c.id = {table}.chunk_id), ?) WHERE document_id = ?",
                    (level.value, document_id),
                )
            conn.execute("UPDATE documents SET classification = ? WHERE id = ?", (level.value, document_id))
            self._bump(conn)
        return new_levels

    def delete_document(self, document_id: str) -> list[str]:
        """Remove a document and its chunks; returns the removed chunk ids."""
        with self.transaction() as conn:
            old = self._remove_chunks(conn, document_id)
            conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
            self._bump(conn)
        return old

    # --- chunks ------------------------------------------------------------------------------

    @staticmethod
    def _remove_chunks(conn, document_id: str) -> list[str]:
        """Delete a document's chunks inside the caller's transaction; return their ids."""
        old = [r[0] for r in conn.execute("SELECT id FROM chunks WHERE document_id = ?", (document_id,))]
        conn.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
        conn.execute("DELETE FROM actions WHERE document_id = ?", (document_id,))
        conn.execute("DELETE FROM decisions WHERE document_id = ?", (document_id,))
        return old

    @staticmethod
    def _chunk(row) -> Chunk:
        return Chunk(
            id=row["id"],
            document_id=row["document_id"],
            text=row["text"],
            page=row["page"],
            heading_path=json.loads(row["heading_path"]),
            kind=row["kind"],
            source=row["source"],
            title=row["title"],
            committee=row["committee"],
            meeting_date=_date(row["meeting_date"]),
            doc_type=DocType(row["doc_type"]),
            classification=Classification(row["classification"]) if row["classification"] else None,
            answers=None if row["answers"] is None else frozenset(filter(None, row["answers"].split(","))),
            ocr=bool(row["ocr"]),
            source_url=_web_address(row["source_url"]),
            body=row["body"],
        )

    def get_chunks(self, ids: Iterable[str], clearance: frozenset[Classification] | None = None) -> dict[str, Chunk]:
        """Chunks by id; those above `clearance` are left out, as if they did not exist."""
        ids = list(ids)
        out: dict[str, Chunk] = {}
        sql_clear, clear_args = _clearance_sql("c.classification", clearance)
        with self._conn() as conn:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                for row in conn.execute(f"{self._CHUNK_SELECT} WHERE c.id IN ({marks}) AND {sql_clear}", [*part, *clear_args]):
                    out[row["id"]] = self._chunk(row)
        return out

    def front_chunks(
        self, document_ids: Iterable[str], n: int = 2, clearance: frozenset[Classification] | None = None
    ) -> list[Chunk]:
        """The first `n` chunks of each document (its front sheet: title, author, date), in order;
        those above `clearance` are left out."""
        sql_clear, clear_args = _clearance_sql("c.classification", clearance)
        out: list[Chunk] = []
        with self._conn() as conn:
            for document_id in dict.fromkeys(document_ids):
                rows = conn.execute(
                    f"{self._CHUNK_SELECT} WHERE c.document_id = ? AND {sql_clear} ORDER BY c.seq LIMIT ?",
                    [document_id, *clear_args, n],
                )
                out.extend(self._chunk(row) for row in rows)
        return out

    def page_chunks(self, document_id: str, page: int, clearance: frozenset[Classification] | None = None) -> list[Chunk]:
        """The chunks of one page of a document, in reading order (a passage's page is the one it
        starts on: for a page no passage starts on, the passage running onto it); those above
        `clearance` are left out, as if they did not exist."""
        sql_clear, clear_args = _clearance_sql("c.classification", clearance)
        with self._conn() as conn:
            rows = conn.execute(
                f"{self._CHUNK_SELECT} WHERE c.document_id = ? AND c.page = ? AND {sql_clear} ORDER BY c.seq",
                [document_id, page, *clear_args],
            ).fetchall()
            if not rows:  # no passage starts on the page: the one running onto it from before, if any
                last = conn.execute(
                    f"SELECT MAX(c.page) FROM chunks c WHERE c.document_id = ? AND {sql_clear}", [document_id, *clear_args]
                ).fetchone()[0]
                if last is not None and page < last:
                    rows = conn.execute(
                        f"{self._CHUNK_SELECT} WHERE c.document_id = ? AND c.page < ? AND {sql_clear} ORDER BY c.seq DESC LIMIT 1",
                        [document_id, page, *clear_args],
                    ).fetchall()
            return [self._chunk(row) for row in rows]

    def passage_in_context(
        self, document_id: str, chunk_id: str, clearance: frozenset[Classification] | None = None, around: int = 1
    ) -> tuple[Chunk, list[Chunk], list[Chunk]] | None:
        """A chunk of a document with its boxes on the page (`Chunk.boxes`), and up to `around`
        chunks before and after it in reading order; None when the chunk is not this document's
        or is above `clearance`. Neighbours above the clearance are left out."""
        sql_clear, clear_args = _clearance_sql("c.classification", clearance)
        with self._conn() as conn:
            row = conn.execute(
                f"{self._CHUNK_SELECT.replace('SELECT ', 'SELECT c.seq, b.boxes, ', 1)} "
                f"LEFT JOIN chunk_boxes b ON b.chunk_id = c.id WHERE c.id = ? AND c.document_id = ? AND {sql_clear}",
                [chunk_id, document_id, *clear_args],
            ).fetchone()
            if row is None:
                return None
            chunk = self._chunk(row)
            chunk.boxes = [tuple(b) for b in json.loads(row["boxes"])] if row["boxes"] else None
            before = conn.execute(
                f"{self._CHUNK_SELECT} WHERE c.document_id = ? AND c.seq < ? AND {sql_clear} ORDER BY c.seq DESC LIMIT ?",
                [document_id, row["seq"], *clear_args, around],
            ).fetchall()
            after = conn.execute(
                f"{self._CHUNK_SELECT} WHERE c.document_id = ? AND c.seq > ? AND {sql_clear} ORDER BY c.seq LIMIT ?",
                [document_id, row["seq"], *clear_args, around],
            ).fetchall()
        return chunk, [self._chunk(r) for r in reversed(before)], [self._chunk(r) for r in after]

    def token_states(self, ids: Iterable[str]) -> dict[str, bytes]:
        """The packed late-interaction word pieces of these chunks (those stored)."""
        ids = list(ids)
        out: dict[str, bytes] = {}
        with self._conn() as conn:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                out.update(conn.execute(f"SELECT chunk_id, states FROM chunk_tokens WHERE chunk_id IN ({marks})", part))
        return out

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every chunk, in a stable order (for building the lexical index)."""
        with self._conn() as conn:
            for row in conn.execute(f"{self._CHUNK_SELECT} ORDER BY c.document_id, c.seq"):
                yield self._chunk(row)

    def snapshot(self) -> tuple[int, list[Chunk]]:
        """The generation and every chunk, read in one transaction (so they belong together)."""
        with self.snapshot_stream() as (generation, _, chunks):
            return generation, list(chunks)

    @contextmanager
    def snapshot_stream(self) -> Iterator[tuple[int, frozenset[str], Iterator[Chunk]]]:
        """(generation, the classifications the chunks hold, every chunk as it is read), all from
        one read transaction that lasts the block: a derived index is built from a million
        chunks without holding them all (an unclassified chunk counts as restricted)."""
        with self.db.transaction(snapshot=True) as conn:
            row = conn.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
            present = frozenset(
                r[0] or Classification.restricted.value for r in conn.execute("SELECT DISTINCT c.classification FROM chunks c JOIN documents d ON d.id = c.document_id")
            )
            rows = self.db.stream(conn, f"{self._CHUNK_SELECT} ORDER BY c.document_id, c.seq")
            try:
                yield (int(row[0]) if row else 0), present, map(self._chunk, rows)
            finally:
                rows.close()  # inside the transaction, read to the end or not

    def chunk_ids(self) -> set[str]:
        with self._conn() as conn:
            return {r[0] for r in conn.execute("SELECT id FROM chunks")}

    # --- actions -----------------------------------------------------------------------------

    def has_actions(self, clearance: frozenset[Classification] | None = None) -> bool:
        """Whether any action record is visible at this clearance."""
        sql_clear, args = _clearance_sql("classification", clearance)
        with self._conn() as conn:
            return conn.execute(f"SELECT 1 FROM actions WHERE {sql_clear} LIMIT 1", args).fetchone() is not None

    def actions(
        self,
        due_from: date | None = None,
        due_to: date | None = None,
        status: ActionStatus | None = None,
        document_id: str | None = None,
        clearance: frozenset[Classification] | None = None,
        overdue_on: date | None = None,
        raised_from: date | None = None,
        raised_to: date | None = None,
        committee: Callable[[str | None], bool] | None = None,
        owner: Callable[[str | None], bool] | None = None,
    ) -> list[Action]:
        """Action records, narrowed inside SQLite; newest meeting first. Records above `clearance`
        are never read. `overdue_on`: open or ongoing and due before that day; `raised_*`: the
        meeting date; `committee`: a test of the committee cell; `owner`: a test passed by the
        owner cell or the lead cell. Each test is run once per distinct cell value and the
        query keeps the values it passes, so at 100k chunks (15k records) a committee's or a
        person's records cost a few ms where building every record to test it in Python cost
        about 400 ms."""
        sql_clear, where_args = _clearance_sql("a.classification", clearance)
        where, args = [sql_clear], list(where_args)
        if overdue_on:
            where.append("a.due_date < ? AND a.status IN (?, ?)")
            args += [overdue_on.isoformat(), ActionStatus.open.value, ActionStatus.ongoing.value]
        if committee:
            clause, values = self._passing("actions", ("committee",), committee, "a.committee")
            where.append(clause)
            args += values
        if owner:
            clause, values = self._passing("actions", ("owner", "lead"), owner, "a.owner", "a.lead")
            where.append(clause)
            args += values
        bounds = [
            ("a.due_date >= ?", due_from),
            ("a.due_date <= ?", due_to),
            ("a.meeting_date >= ?", raised_from),
            ("a.meeting_date <= ?", raised_to),
        ]
        for clause, day in bounds:
            if day:
                where.append(clause)
                args.append(day.isoformat())
        if status:
            where.append("a.status = ?")
            args.append(status.value)
        if document_id:
            where.append("a.document_id = ?")
            args.append(document_id)
        sql = (
            "SELECT a.*, d.source, d.body, d.title AS paper_title, d.committee AS paper_committee, "
            "d.meeting_date AS paper_date, d.doc_type AS paper_type FROM actions a JOIN documents d ON d.id = a.document_id"
            + f" WHERE {' AND '.join(where)}"
            + " ORDER BY a.meeting_date IS NULL, a.meeting_date DESC, a.document_id, a.seq"
        )
        with self._conn() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [
            Action(
                id=r["id"],
                document_id=r["document_id"],
                action=r["action"],
                source=r["source"],
                page=r["page"],
                row_text=r["row_text"],
                committee=r["committee"],
                meeting_date=_date(r["meeting_date"]),
                reference=r["reference"],
                recommendation=r["recommendation"],
                owner=r["owner"],
                lead=r["lead"],
                due_date=_date(r["due_date"]),
                due_text=r["due_text"],
                response=r["response"],
                status=ActionStatus(r["status"]),
                tracks_response=bool(r["tracks_response"]),
                classification=Classification(r["classification"]),
                chunk_id=r["chunk_id"],
                body=r["body"],
                source_label=paper_label(_paper_of(r)),
            )
            for r in rows
        ]

    # --- recommendations and decisions --------------------------------------------------------

    _DECISION_SELECT = (
        "SELECT x.*, d.source, d.body AS council, d.title AS paper_title, d.committee AS paper_committee, "
        "d.meeting_date AS paper_date, d.doc_type AS paper_type FROM decisions x JOIN documents d ON d.id = x.document_id"
    )

    @staticmethod
    def _decision(r) -> Decision:
        return Decision(
            id=r["id"], document_id=r["document_id"], kind=DecisionKind(r["kind"]), text=r["text"], body=r["body"],
            meeting_date=_date(r["meeting_date"]), item=r["item"], item_title=r["item_title"], reference=r["reference"],
            refs=tuple(json.loads(r["refs"] or "[]")), votes=_votes(r["votes"]), page=r["page"], chunk_id=r["chunk_id"],
            classification=Classification(r["classification"]), source=r["source"], council=r["council"],
            source_label=paper_label(_paper_of(_PaperRow(r))), paper_title=r["paper_title"],
            doc_type=DocType(r["paper_type"]),
        )

    def decisions(
        self,
        clearance: frozenset[Classification] | None = None,
        kind: DecisionKind | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        reference: str | None = None,
        document_id: str | None = None,
        body: Callable[[str | None], bool] | None = None,
        ids: Iterable[str] | None = None,
        chunks: Iterable[str] | None = None,
    ) -> list[Decision]:
        """Recommendation and decision records, newest meeting first, narrowed inside SQLite;
        records above `clearance` are never read. `reference`: a decision number or minute number
        as the record or its item gives it; `body`: a test of the body it went to or was taken by."""
        sql_clear, args = _clearance_sql("x.classification", clearance)
        where, args = [sql_clear], list(args)
        if kind:
            where.append("x.kind = ?")
            args.append(kind.value)
        if date_from:
            where.append("x.meeting_date >= ?")
            args.append(date_from.isoformat())
        if date_to:
            where.append("x.meeting_date <= ?")
            args.append(date_to.isoformat())
        if reference:
            where.append("(lower(x.reference) = lower(?) OR x.id IN (SELECT decision_id FROM decision_refs WHERE ref = ?))")
            args += [reference, reference]
        if document_id:
            where.append("x.document_id = ?")
            args.append(document_id)
        if ids is not None:
            ids = list(ids)[:900]
            where.append(f"x.id IN ({','.join('?' * len(ids)) or 'NULL'})")
            args += ids
        if chunks is not None:
            chunks = list(chunks)[:900]
            where.append(f"x.chunk_id IN ({','.join('?' * len(chunks)) or 'NULL'})")
            args += chunks
        if body:
            clause, values = self._passing("decisions", ("body",), body, "x.body")
            where.append(clause)
            args += values
        sql = (
            f"{self._DECISION_SELECT} WHERE {' AND '.join(where)} "
            "ORDER BY x.meeting_date IS NULL, x.meeting_date DESC, x.document_id, x.seq"
        )
        with self._conn() as conn:
            rows = conn.execute(sql, args).fetchall()
        return [self._decision(r) for r in rows]

    def decision_candidates(self, record: Decision, clearance: frozenset[Classification] | None = None) -> list[Decision]:
        """The records that could be one matter with `record`: those sharing a decision number,
        and those of the same council whose item or report title shares a word with its title
        (assistant.decision_chains decides which are). Above `clearance`, never read."""
        sql_clear, args = _clearance_sql("x.classification", clearance)
        where, params = [], []
        if record.refs:
            where.append(f"x.id IN (SELECT decision_id FROM decision_refs WHERE ref IN ({','.join('?' * len(record.refs))}))")
            params += list(record.refs)
        words = sorted(w for w in re.findall(r"[a-z]{5,}", (record.item_title or "").lower()))[:6]
        if words:
            likes = " OR ".join("lower(x.item_title) LIKE ?" for _ in words)
            where.append(f"((d.body IS NOT DISTINCT FROM ? OR d.body = ?) AND ({likes}))")
            params += [record.council, record.council or "", *[f"%{w}%" for w in words]]
        if not where:
            return [record]
        sql = f"{self._DECISION_SELECT} WHERE {sql_clear} AND ({' OR '.join(where)}) LIMIT 2000"
        with self._conn() as conn:
            rows = conn.execute(sql, [*args, *params]).fetchall()
        return [self._decision(r) for r in rows]

    def has_decisions(self, clearance: frozenset[Classification] | None = None) -> bool:
        sql_clear, args = _clearance_sql("classification", clearance)
        with self._conn() as conn:
            return conn.execute(f"SELECT 1 FROM decisions WHERE {sql_clear} LIMIT 1", args).fetchone() is not None

    # --- generation: bumped by every change, so derived indexes know when they are stale ------

    def _passing(self, table: str, cells: tuple[str, ...], test: Callable[[str | None], bool], *columns: str) -> tuple[str, list]:
        """A WHERE clause keeping the rows whose `columns` (any of them) hold a value of `table`'s
        `cells` that passes `test`: the test runs once per distinct value (a few hundred
        committees or people), in Python, so it is the same in every database."""
        union = " UNION ".join(f"SELECT DISTINCT {c} FROM {table}" for c in cells)
        with self._conn() as conn:
            values = sorted(v for (v,) in conn.execute(union).fetchall() if v is not None and test(v))
        clauses = [f"{col} IN ({','.join('?' * len(values))})" for col in columns] if values else []
        if test(None):
            clauses += [f"{col} IS NULL" for col in columns]
        return (f"({' OR '.join(clauses)})" if clauses else "1 = 0"), values * len(columns) if values else []

    def _bump(self, conn) -> None:
        conn.execute(
            "INSERT INTO state VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE "
            "SET value = CAST(CAST(state.value AS INTEGER) + 1 AS TEXT)"
        )

    def generation(self) -> int:
        with self._conn() as conn:
            row = conn.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else 0


class _PaperRow(dict):
    """A decision row's paper columns under the names `_paper_of` reads."""

    def __init__(self, r) -> None:
        super().__init__({k: r[k] for k in r.keys()})
        self["body"] = r["council"]


def _votes_json(v: Votes | None) -> str | None:
    if v is None:
        return None
    return json.dumps({
        "for": v.for_, "against": v.against, "abstain": v.abstain, "unanimous": v.unanimous,
        "for_names": list(v.for_names), "against_names": list(v.against_names), "abstain_names": list(v.abstain_names),
        "evidence": v.evidence,
    })


def _votes(value: str | None) -> Votes | None:
    if not value:
        return None
    d = json.loads(value)
    return Votes(
        d.get("for"), d.get("against"), d.get("abstain"), bool(d.get("unanimous")), tuple(d.get("for_names") or ()),
        tuple(d.get("against_names") or ()), tuple(d.get("abstain_names") or ()), d.get("evidence") or "",
    )


def _chunk_select(db: Database) -> str:
    return (
        "SELECT c.id, c.document_id, c.text, c.page, c.heading_path, c.kind, d.source, d.title, "
        "d.committee, d.meeting_date, d.doc_type, d.body, c.classification, c.answers, c.ocr, "
        f"{db.json_text('d.provenance', 'source_url', 'evidence')} AS source_url FROM chunks c "
        "JOIN documents d ON d.id = c.document_id"
    )


def _web_address(value: str | None) -> str | None:
    """A council's address for a paper, only when it is a plain http(s) address (never a script
    or a relative link: it is shown as a link)."""
    if value and re.fullmatch(r"https?://[^\s\"'<>]{1,500}", value):
        return value
    return None
