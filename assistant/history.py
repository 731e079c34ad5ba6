"""The conversation history: each caller's conversations, their turns and the caller's ratings, in
SQLite (PAPERS_HOME/conversations.sqlite3), so a conversation survives a restart of the server and
of the browser.

`SqlConversationStore` gives the follow-up rewriter its turns (`start`/`history`/`add`), with
these bounds:
each caller keeps at most `max_per_caller` conversations, callers without a key share
`max_conversations` (the least recently used go first, and only anonymous ones), a conversation
keeps its newest `max_turns` turns and is forgotten `retention_seconds` after its last question.
Every lookup is by (owner, id): another caller presenting an id finds nothing, in the same words as
an id that never existed.

A turn keeps what was shown: the answer, its citations (the cited passages as they were, so the
history reads the same after the papers change) and the most protected classification among them.
Whether the caller may still see a turn is decided when it is read (`PapersService.conversation`),
never here. Turns are numbered from 1 and keep their number when older turns are trimmed; a
regenerated answer replaces the last turn under the same number, as a new row, so a rating of the
old answer is not shown against the new one.

A rating is a copy of the turn it rates and outlives the conversation (it is an admin's labelled
data, see docs/feedback.md). A write that finds the database or disk full (`max_mb`, or the disk
itself) rolls back whole and raises `StorageFull`: nothing stored before is lost.
"""

from __future__ import annotations

import json
import math
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime, timezone
from pathlib import Path

from core.database import Database, as_database
from core.errors import ConversationNotFound, StorageFull
from core.types import (
    AnswerMode,
    Chunk,
    Citation,
    Classification,
    Conversation,
    DocType,
    Feedback,
    Passage,
    RecordedTurn,
    Turn,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,              -- the caller's identity (key and role, or browser session)
    anonymous INTEGER NOT NULL,       -- 1: a caller without a key (shares the anonymous bound)
    title TEXT,                       -- the first question, shortened
    created REAL NOT NULL,            -- seconds since the epoch
    updated REAL NOT NULL,            -- the last question
    next_n INTEGER NOT NULL DEFAULT 1 -- the number the next turn gets
);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations(owner, updated);
CREATE INDEX IF NOT EXISTS conversations_anonymous ON conversations(anonymous, updated);
CREATE INDEX IF NOT EXISTS conversations_updated ON conversations(updated);
CREATE TABLE IF NOT EXISTS turns (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    question TEXT NOT NULL,
    standalone TEXT NOT NULL,
    mode TEXT NOT NULL,
    answer TEXT,
    citations TEXT NOT NULL,          -- JSON: the cited passages as they were shown
    classification TEXT NOT NULL,     -- the most protected thing the turn showed
    answerer TEXT,
    created REAL NOT NULL,
    UNIQUE (conversation_id, n)
);
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    turn_id TEXT NOT NULL,            -- the rated answer (a regenerated one is another)
    conversation_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    rating TEXT NOT NULL,             -- 'up' | 'down'
    comment TEXT,
    key_id TEXT,
    key_name TEXT NOT NULL,
    role TEXT NOT NULL,
    question TEXT NOT NULL,
    standalone TEXT NOT NULL,
    answer TEXT,
    mode TEXT NOT NULL,
    answerer TEXT,
    citations TEXT NOT NULL,
    classification TEXT NOT NULL,
    created REAL NOT NULL,
    UNIQUE (owner, turn_id)
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback(created);
"""

TITLE_CHARS = 80


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


def _title(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def _missing(conversation_id: str) -> ConversationNotFound:
    return ConversationNotFound(f"no conversation '{conversation_id}' (it may have expired or been deleted)")


def missing_turn(conversation_id: str, n: int) -> ConversationNotFound:
    """The one answer for a turn that is not the caller's to see: unknown, expired, someone else's."""
    return ConversationNotFound(f"no turn {n} in a conversation '{conversation_id}' of yours (it may have expired or been deleted)")


# --- citations as stored -----------------------------------------------------------------------------

_CHUNK_FIELDS = {f.name for f in fields(Chunk)}


def citation_record(c: Citation) -> dict:
    """A citation as the history keeps it: the passage's chunk, every field, and its score."""
    out = {}
    for name in _CHUNK_FIELDS:
        value = getattr(c.passage.chunk, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, (Classification, DocType)):
            value = value.value
        elif isinstance(value, frozenset):
            value = sorted(value)
        out[name] = value
    return {"n": c.n, "score": c.passage.score, "chunk": out}


def citation_from(record: dict) -> Citation:
    """A stored citation back as a `Citation` (fields a newer or older chunk lacks take defaults)."""
    data = {k: v for k, v in record["chunk"].items() if k in _CHUNK_FIELDS}
    if data.get("meeting_date"):
        data["meeting_date"] = date.fromisoformat(data["meeting_date"])
    if data.get("doc_type"):
        data["doc_type"] = DocType(data["doc_type"])
    if data.get("classification"):
        data["classification"] = Classification(data["classification"])
    if data.get("answers") is not None:
        data["answers"] = frozenset(data["answers"])
    return Citation(record["n"], Passage(Chunk(**data), record["score"]))


def _citations_json(citations) -> str:
    return json.dumps([citation_record(c) for c in citations], ensure_ascii=False)


def _citations(text: str) -> tuple[Citation, ...]:
    return tuple(citation_from(r) for r in json.loads(text))


# --- the store ---------------------------------------------------------------------------------------


class SqlConversationStore:
    """Conversations, turns and ratings per caller, in one SQLite file. Safe to use from several
    threads and processes (one connection per thread, WAL, each write one transaction)."""

    def __init__(
        self,
        path: Path | Database,
        max_conversations: int = 1000,
        retention_seconds: float = 90 * 86400,
        max_turns: int = 20,
        max_per_caller: int = 50,
        max_mb: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = as_database(path)
        self.max_conversations = max_conversations
        self.retention_seconds = retention_seconds
        self.max_turns = max_turns
        self.max_per_caller = max_per_caller
        self.max_mb = max_mb
        self._clock = clock
        self._limited = threading.local()
        self._conn()
        self.db.executescript(SCHEMA)

    def _conn(self):
        try:
            conn = self.db.conn()
        except StorageFull as exc:  # the database cannot even be made (a full disk)
            raise StorageFull(f"the conversation history cannot be saved: {exc}") from exc
        # The size bound is SQLite's (a page count); a PostgreSQL server's storage is its own.
        if self.max_mb is not None and self.db.dialect == "sqlite" and getattr(self._limited, "conn", None) is not conn:
            page = conn.execute("PRAGMA page_size").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {max(1, math.floor(self.max_mb * 1e6 / page))}")
            self._limited.conn = conn
        return conn

    @contextmanager
    def _write(self) -> Iterator:
        """One transaction; a full database or disk rolls it back and raises StorageFull."""
        self._conn()
        try:
            with self.db.transaction(scope="conversations") as conn:
                yield conn
        except (sqlite3.OperationalError, StorageFull) as exc:
            if self.db.is_full(exc) or isinstance(exc, StorageFull):
                raise StorageFull(f"the conversation history cannot be saved: {exc}") from exc
            raise

    def _cutoff(self) -> float:
        return self._clock() - self.retention_seconds

    @staticmethod
    def _is_anonymous(owner: str) -> bool:
        return owner.startswith("anonymous")

    def __len__(self) -> int:
        row = self._conn().execute("SELECT COUNT(*) FROM conversations WHERE updated >= ?", (self._cutoff(),)).fetchone()
        return row[0]

    # --- the interface the rewriter reads --------------------------------------------------------

    def start(self, owner: str) -> str:
        """A new, empty conversation for `owner`; returns its id (unguessable)."""
        conversation_id = "c_" + secrets.token_urlsafe(16)
        with self._write() as conn:
            self._insert(conn, owner, conversation_id)
        return conversation_id

    def history(self, owner: str, conversation_id: str) -> list[Turn]:
        """The turns so far, oldest first. Raises ConversationNotFound for an id this owner did
        not start or that has expired (the same message either way)."""
        conn = self._conn()
        if not self._owned(conn, owner, conversation_id):
            raise ConversationNotFound(
                f"conversation_id: no conversation '{conversation_id}' (it may have expired); "
                "leave conversation_id out to start a new one"
            )
        rows = conn.execute("SELECT * FROM turns WHERE conversation_id = ? ORDER BY n", (conversation_id,)).fetchall()
        return [self._turn(r) for r in rows]

    def add(self, owner: str, conversation_id: str, turn: Turn, replace_last: bool = False) -> int:
        """Record a turn (re-creating the conversation if it expired while the answer was made);
        `replace_last`: it takes the place of the last turn, under the same number. Returns the
        turn's number."""
        now = self._clock()
        with self._write() as conn:
            row = conn.execute("SELECT owner, next_n, title FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if row is not None and row["owner"] != owner:
                raise _missing(conversation_id)
            if row is None or not self._owned(conn, owner, conversation_id):
                conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
                self._insert(conn, owner, conversation_id)
                row = conn.execute("SELECT owner, next_n, title FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            n = row["next_n"]
            if replace_last:
                last = conn.execute("SELECT MAX(n) FROM turns WHERE conversation_id = ?", (conversation_id,)).fetchone()[0]
                if last is not None:
                    conn.execute("DELETE FROM turns WHERE conversation_id = ? AND n = ?", (conversation_id, last))
                    n = last
            conn.execute(
                "INSERT INTO turns (id, conversation_id, n, question, standalone, mode, answer, citations, "
                "classification, answerer, created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    "t_" + secrets.token_urlsafe(12), conversation_id, n, turn.question, turn.standalone,
                    getattr(turn.mode, "value", turn.mode), turn.answer, _citations_json(turn.citations),
                    Classification(turn.classification).value, turn.answerer, now,
                ),
            )
            conn.execute(
                "UPDATE conversations SET next_n = CASE WHEN next_n > ? THEN next_n ELSE ? END, updated = ?, "
                "title = COALESCE(title, ?) WHERE id = ?",
                (n + 1, n + 1, now, _title(turn.question), conversation_id),
            )
            conn.execute(
                "DELETE FROM turns WHERE conversation_id = ? AND n <= ?", (conversation_id, n - self.max_turns)
            )
        return n

    # --- the history as callers read it ------------------------------------------------------------

    def list(self, owner: str) -> list[Conversation]:
        """The owner's conversations that have a turn, the most recently used first."""
        rows = self._conn().execute(
            "SELECT c.*, COUNT(t.id) AS turns FROM conversations c JOIN turns t ON t.conversation_id = c.id "
            "WHERE c.owner = ? AND c.updated >= ? GROUP BY c.id ORDER BY c.updated DESC, c.created DESC",
            (owner, self._cutoff()),
        ).fetchall()
        return [self._conversation(r, r["turns"]) for r in rows]

    def get(self, owner: str, conversation_id: str) -> Conversation:
        """One conversation with every turn kept and the owner's rating of each. Unknown, expired
        and someone else's ids raise the same ConversationNotFound."""
        conn = self._conn()
        row = self._owned(conn, owner, conversation_id)
        if row is None:
            raise _missing(conversation_id)
        turns = conn.execute("SELECT * FROM turns WHERE conversation_id = ? ORDER BY n", (conversation_id,)).fetchall()
        ratings = {
            r["turn_id"]: self._feedback(r)
            for r in conn.execute("SELECT * FROM feedback WHERE owner = ? AND conversation_id = ?", (owner, conversation_id))
        }
        recorded = tuple(RecordedTurn(t["n"], self._turn(t), _iso(t["created"]), ratings.get(t["id"])) for t in turns)
        return self._conversation(row, len(recorded), recorded)

    def delete(self, owner: str, conversation_id: str) -> None:
        """Forget a conversation and its turns (ratings given on it are kept: they are copies)."""
        with self._write() as conn:
            if self._owned(conn, owner, conversation_id) is None:
                raise _missing(conversation_id)
            conn.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner))

    # --- ratings -----------------------------------------------------------------------------------

    def rate(
        self,
        owner: str,
        conversation_id: str,
        n: int,
        rating: str,
        comment: str | None,
        key_id: str | None,
        key_name: str,
        role: str,
    ) -> Feedback:
        """Rate the owner's turn `n` ("up" or "down"); rating it again replaces the first rating.
        Another caller's turn, or one that does not exist, raises ConversationNotFound."""
        if rating not in ("up", "down"):
            raise ValueError("rating: must be 'up' or 'down'")
        now = self._clock()
        with self._write() as conn:
            turn = self._owned_turn(conn, owner, conversation_id, n)
            conn.execute(
                "INSERT INTO feedback (id, owner, turn_id, conversation_id, n, rating, comment, key_id, key_name, role, "
                "question, standalone, answer, mode, answerer, citations, classification, created) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (owner, turn_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, "
                "key_name = excluded.key_name, role = excluded.role, created = excluded.created",
                (
                    "fb_" + secrets.token_urlsafe(9), owner, turn["id"], conversation_id, n, rating, comment, key_id,
                    key_name, role, turn["question"], turn["standalone"], turn["answer"], turn["mode"],
                    turn["answerer"], turn["citations"], turn["classification"], now,
                ),
            )
            row = conn.execute("SELECT * FROM feedback WHERE owner = ? AND turn_id = ?", (owner, turn["id"])).fetchone()
        return self._feedback(row)

    def turn_of(self, owner: str, conversation_id: str, n: int) -> Turn:
        """The owner's turn `n`, or ConversationNotFound (the same words as for `rate`)."""
        return self._turn(self._owned_turn(self._conn(), owner, conversation_id, n))

    def feedback(self, rating: str | None = None, limit: int = 50, offset: int = 0) -> tuple[int, list[Feedback]]:
        """(how many ratings match, one page of them, newest first)."""
        where, args = ("WHERE rating = ?", [rating]) if rating else ("", [])
        conn = self._conn()
        total = conn.execute(f"SELECT COUNT(*) FROM feedback {where}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT * FROM feedback {where} ORDER BY created DESC, id DESC LIMIT ? OFFSET ?", [*args, limit, offset]
        ).fetchall()
        return total, [self._feedback(r) for r in rows]

    # --- rows ----------------------------------------------------------------------------------------

    def _insert(self, conn, owner: str, conversation_id: str) -> None:
        """Insert a conversation and apply the bounds: expired ones go, then the owner's least
        recently used past its own bound, then (for an anonymous owner) the least recently used
        anonymous ones past theirs."""
        now = self._clock()
        anonymous = self._is_anonymous(owner)
        conn.execute("DELETE FROM conversations WHERE updated < ?", (now - self.retention_seconds,))
        conn.execute(
            "INSERT INTO conversations (id, owner, anonymous, created, updated) VALUES (?,?,?,?,?)",
            (conversation_id, owner, int(anonymous), now, now),
        )
        conn.execute(
            "DELETE FROM conversations WHERE id IN (SELECT id FROM conversations WHERE owner = ? "
            "ORDER BY updated DESC, created DESC, id DESC LIMIT ? OFFSET ?)",
            (owner, 2**62, self.max_per_caller),
        )
        if anonymous:
            conn.execute(
                "DELETE FROM conversations WHERE id IN (SELECT id FROM conversations WHERE anonymous = 1 "
                "ORDER BY updated DESC, created DESC, id DESC LIMIT ? OFFSET ?)",
                (2**62, self.max_conversations),
            )

    def _owned(self, conn, owner: str, conversation_id: str):
        return conn.execute(
            "SELECT * FROM conversations WHERE id = ? AND owner = ? AND updated >= ?",
            (conversation_id, owner, self._cutoff()),
        ).fetchone()

    def _owned_turn(self, conn, owner: str, conversation_id: str, n: int):
        row = None
        if self._owned(conn, owner, conversation_id) is not None:
            row = conn.execute("SELECT * FROM turns WHERE conversation_id = ? AND n = ?", (conversation_id, n)).fetchone()
        if row is None:
            raise missing_turn(conversation_id, n)
        return row

    @staticmethod
    def _turn(row) -> Turn:
        return Turn(
            row["question"], row["standalone"], AnswerMode(row["mode"]), row["answer"], _citations(row["citations"]),
            row["answerer"], Classification(row["classification"]),
        )

    @staticmethod
    def _conversation(row, turns: int, recorded: tuple[RecordedTurn, ...] = ()) -> Conversation:
        return Conversation(row["id"], row["title"] or "", _iso(row["created"]), _iso(row["updated"]), turns, recorded)

    @staticmethod
    def _feedback(row) -> Feedback:
        return Feedback(
            row["id"], row["conversation_id"], row["n"], row["rating"], row["comment"], _iso(row["created"]),
            row["owner"], row["key_id"], row["key_name"], row["role"], row["question"], row["standalone"],
            row["answer"], row["mode"], row["answerer"], _citations(row["citations"]), Classification(row["classification"]),
        )
