"""The shared database every store writes to: SQLite (a file under PAPERS_HOME, the embedded
default with no server to run) or PostgreSQL (`PAPERS_DATABASE_URL`, shared by any number of
replicas). The stores (catalog, access, conversations, alerts) write one SQL dialect, SQLite's
with `?` placeholders and the portable parts of both (upserts with ON CONFLICT, IS NOT DISTINCT
FROM); this module is the only place the two differ:

- a connection per thread, autocommit unless a transaction is opened with `transaction()`;
- `?` becomes `%s` for PostgreSQL, BLOB becomes BYTEA, REAL DOUBLE PRECISION, INTEGER BIGINT;
- `json_text()` reads a field of a JSON column;
- `lock()` is held by one process at a time across every replica (an advisory lock in
  PostgreSQL, released by the server if the holder dies; a file lock beside the SQLite file);
- an unreachable server is `DatabaseUnavailable`, a full disk `StorageFull`, named as such.

Nothing here connects at import: psycopg is imported when a PostgreSQL database is opened.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import itertools
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.errors import ConfigError, DatabaseUnavailable, StorageFull

# How long a replica waits for a PostgreSQL connection before saying the database is unreachable.
CONNECT_TIMEOUT_SECONDS = 5
STREAM_BATCH = 2000  # rows a server-side cursor fetches at a time
_STREAMS = itertools.count(1)  # names for server-side cursors, never reused in a process


class Database:
    """What the stores need of a database. `dialect`: 'sqlite' or 'postgresql'."""

    dialect: str

    def conn(self):
        """This thread's connection: `execute(sql, params)` returns a cursor whose rows read by
        column name or position; `executemany`; autocommit."""
        raise NotImplementedError

    @contextmanager
    def transaction(self, snapshot: bool = False, scope: str = "default") -> Iterator[Any]:
        """One transaction on this thread's connection: committed on success, rolled back on any
        exception. A writer's transaction takes its store's write lock at once, so writers of one
        store run one at a time as SQLite's do (SQLite: BEGIN IMMEDIATE on the store's file;
        PostgreSQL: a transaction advisory lock named by `scope`, the store). `snapshot`: a
        read-only transaction whose statements all see one moment."""
        raise NotImplementedError
        yield

    def executescript(self, script: str) -> None:
        """Run a schema script (statements separated by ';')."""
        raise NotImplementedError

    def stream(self, conn, sql: str, params: Sequence | None = None) -> Iterator[Any]:
        """The rows of a query inside `conn`'s open transaction, fetched as they are read rather
        than all at once (a whole catalog's chunks need not be in memory together)."""
        return iter(conn.execute(sql, params or ()))

    @contextmanager
    def lock(self, name: str, timeout: float | None = None) -> Iterator[None]:
        """Hold the named lock, exclusive across every process using this database (reentrant
        within a thread). Waits up to `timeout` seconds (None: as long as it takes), then raises
        TimeoutError."""
        raise NotImplementedError
        yield

    def json_text(self, column: str, *path: str) -> str:
        """SQL reading the text at `path` inside the JSON in `column` (NULL when absent)."""
        raise NotImplementedError

    def is_full(self, exc: BaseException) -> bool:
        """Whether a database error means the disk or the database's quota is full."""
        raise NotImplementedError

    def ping(self) -> bool:
        try:
            self.conn().execute("SELECT 1").fetchone()
            return True
        except Exception:
            return False

    def describe(self) -> str:
        """Which database, without any credential (for health and logs)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close every connection this object opened (in any thread)."""


class _ProcessLocks:
    """Reentrant per-thread holding of named locks within one process: the first acquisition by a
    thread takes the cross-process lock (`take`), nested ones only count."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.RLock] = {}
        self._depth = threading.local()
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, name: str, timeout: float | None, take, release) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(name, threading.RLock())
        start = time.monotonic()
        if not lock.acquire(timeout=-1 if timeout is None else timeout):
            raise TimeoutError(f"the {name} lock is held by another task of this process")
        try:
            depth = getattr(self._depth, name, 0)
            if depth == 0:
                left = None if timeout is None else max(0.0, timeout - (time.monotonic() - start))
                handle = take(left)
            setattr(self._depth, name, depth + 1)
            try:
                yield
            finally:
                setattr(self._depth, name, depth)
                if depth == 0:
                    release(handle)
        finally:
            lock.release()


# --- SQLite ----------------------------------------------------------------------------------


class SqliteDatabase(Database):
    """One SQLite file: a connection per thread in WAL mode (readers never block the writer)."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._locks = _ProcessLocks()

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.OperationalError as exc:  # the file cannot even be made (a full disk)
                if self.is_full(exc):
                    raise StorageFull(f"{self.path.name}: {exc}") from exc
                raise
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self, snapshot: bool = False, scope: str = "default") -> Iterator[sqlite3.Connection]:
        conn = self.conn()
        conn.execute("BEGIN" if snapshot else "BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            raise
        else:
            conn.execute("COMMIT")

    def executescript(self, script: str) -> None:
        self.conn().executescript(script)

    @contextmanager
    def lock(self, name: str, timeout: float | None = None) -> Iterator[None]:
        def take(left: float | None):
            handle = open(self.path.with_name(f"{self.path.name}.{name}.lock"), "a+b")
            deadline = None if left is None else time.monotonic() + left
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return handle
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        handle.close()
                        raise TimeoutError(f"the {name} lock is held by another process") from None
                    time.sleep(0.1)

        def release(handle) -> None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

        with self._locks.hold(name, timeout, take, release):
            yield

    def json_text(self, column: str, *path: str) -> str:
        return f"json_extract({column}, '$.{'.'.join(path)}')"

    def is_full(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc).lower()

    def describe(self) -> str:
        return "sqlite"


# --- PostgreSQL ------------------------------------------------------------------------------

_TYPES = [(re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b", re.I), "BIGSERIAL PRIMARY KEY"),
          (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
          (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
          (re.compile(r"\bINTEGER\b", re.I), "BIGINT")]


@functools.lru_cache(maxsize=4096)
def _pg_sql(sql: str) -> str:
    """SQLite's `?` placeholders as psycopg's `%s` (a literal % doubled), outside quoted text."""
    out, quote = [], None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def _pg_value(v):
    """A parameter as PostgreSQL stores it: booleans as the integers SQLite stores, and text
    without NUL characters (PostgreSQL's text cannot hold them; a PDF's stray NUL becomes U+FFFD)."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str) and "\x00" in v:
        return v.replace("\x00", "\ufffd")
    return v


def _pg_params(params: Sequence | None) -> list | None:
    return None if params is None else [_pg_value(v) for v in params]


class Row(tuple):
    """A row read by position or by column name, as sqlite3.Row reads."""

    __slots__ = ()
    _index: dict[str, int]

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._index)


@functools.lru_cache(maxsize=1024)
def _row_class(names: tuple[str, ...]) -> type:
    return type("Row", (Row,), {"__slots__": (), "_index": {n: i for i, n in enumerate(names)}})


def _row_factory(cursor):
    if cursor.description is None:
        return tuple
    cls = _row_class(tuple(c.name for c in cursor.description))
    return lambda values: cls(values)


class _PgConnection:
    """A psycopg connection speaking the sqlite3 connection's language to the stores."""

    def __init__(self, raw, owner: PostgresDatabase) -> None:
        self.raw = raw
        self._owner = owner

    def execute(self, sql: str, params: Sequence | None = None):
        return self._owner._run(self, lambda cur: cur.execute(_pg_sql(sql), _pg_params(params)))

    def executemany(self, sql: str, seq: Iterable[Sequence]):
        rows = [_pg_params(p) for p in seq]
        if not rows:
            return self.raw.cursor()
        return self._owner._run(self, lambda cur: cur.executemany(_pg_sql(sql), rows))

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE


class PostgresDatabase(Database):
    """A PostgreSQL database (psycopg 3): a connection per thread, autocommit, reconnected after
    the server went away. Every replica of the service opens the same database."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres") or not parts.path.strip("/") and not parts.query:
            raise ConfigError(
                "PAPERS_DATABASE_URL: expected postgresql://user:password@host:port/database, got "
                f"a '{parts.scheme or 'plain'}' address"
            )
        self.url = url
        self._parts = parts
        self._local = threading.local()
        self._locks = _ProcessLocks()
        self._opened: list = []  # every thread's connection, for close()
        self._opened_guard = threading.Lock()

    def _connect(self):
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, row_factory=_row_factory, connect_timeout=CONNECT_TIMEOUT_SECONDS)
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(f"database {self.describe()} is unreachable: {_first_line(exc)}") from exc

    def conn(self) -> _PgConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.raw.closed:
            conn = _PgConnection(self._connect(), self)
            self._local.conn = conn
            with self._opened_guard:
                self._opened = [c for c in self._opened if not c.closed] + [conn.raw]
        return conn

    def close(self) -> None:
        with self._opened_guard:
            opened, self._opened = self._opened, []
        for raw in opened:
            raw.close()
        with _OPEN_GUARD:
            if _OPEN.get(self.url) is self:
                del _OPEN[self.url]

    def _run(self, conn: _PgConnection, action):
        import psycopg

        cur = conn.raw.cursor()
        try:
            action(cur)
        except psycopg.errors.DiskFull as exc:
            raise StorageFull(f"database {self.describe()}: {_first_line(exc)}") from exc
        except psycopg.OperationalError as exc:
            if conn.raw.broken or conn.raw.closed:  # the server went away: reconnect next time
                self._local.conn = None
                raise DatabaseUnavailable(f"database {self.describe()} is unreachable: {_first_line(exc)}") from exc
            raise
        return cur

    @contextmanager
    def transaction(self, snapshot: bool = False, scope: str = "default") -> Iterator[_PgConnection]:
        conn = self.conn()
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if snapshot else "BEGIN")
        try:
            if not snapshot:
                conn.execute("SELECT pg_advisory_xact_lock(?)", (_lock_key(f"write:{scope}"),))
            yield conn
        except BaseException:
            if not conn.raw.closed and conn.in_transaction:
                try:
                    conn.raw.execute("ROLLBACK")
                except Exception:
                    pass
            raise
        else:
            conn.execute("COMMIT")

    def stream(self, conn: _PgConnection, sql: str, params: Sequence | None = None) -> Iterator[Any]:
        """A server-side cursor (a client-side one would hold every row at once), read in batches."""
        cur = conn.raw.cursor(name=f"papers_stream_{next(_STREAMS)}", row_factory=_row_factory)
        cur.itersize = STREAM_BATCH
        try:
            self._run(conn, lambda _: cur.execute(_pg_sql(sql), _pg_params(params)))
            yield from cur
        finally:
            if not conn.raw.closed:
                cur.close()

    def executescript(self, script: str) -> None:
        for pattern, replacement in _TYPES:
            script = pattern.sub(replacement, script)
        script = re.sub(r"--[^\n]*", "", script)
        statements = [s.strip() for s in script.split(";") if s.strip()]
        with self.lock("schema"):  # replicas starting together create the tables once
            with self.transaction() as conn:
                for statement in statements:
                    conn.execute(statement)

    @contextmanager
    def lock(self, name: str, timeout: float | None = None) -> Iterator[None]:
        key = _lock_key(name)

        def take(left: float | None):
            holder = self._connect()  # a session of its own: the lock dies with it if this process does
            deadline = None if left is None else time.monotonic() + left
            while not holder.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]:
                if deadline is not None and time.monotonic() >= deadline:
                    holder.close()
                    raise TimeoutError(f"the {name} lock is held by another process")
                time.sleep(0.1)
            return holder

        def release(holder) -> None:
            try:
                holder.execute("SELECT pg_advisory_unlock(%s)", [key])
            finally:
                holder.close()

        with self._locks.hold(name, timeout, take, release):
            yield

    def json_text(self, column: str, *path: str) -> str:
        return f"(({column})::jsonb #>> '{{{','.join(path)}}}')"

    def is_full(self, exc: BaseException) -> bool:
        return isinstance(exc, StorageFull)

    def describe(self) -> str:
        host = self._parts.hostname or "local socket"
        port = f":{self._parts.port}" if self._parts.port else ""
        return f"postgresql://{host}{port}/{self._parts.path.strip('/')}"


def _lock_key(name: str) -> int:
    """A PostgreSQL advisory lock's 64-bit key for a name."""
    return int.from_bytes(hashlib.blake2b(f"papers:{name}".encode(), digest_size=8).digest(), "big", signed=True)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


_OPEN: dict[str, Database] = {}
_OPEN_GUARD = threading.Lock()


def open_database(target: str | os.PathLike) -> Database:
    """The database at a PostgreSQL URL or an SQLite file path. A URL gives one object per process,
    so every store of a process shares its connections (and a replica holds one connection per
    thread however many stores it has); a file gives a new object each time."""
    key = str(target)
    if not re.match(r"postgres(?:ql)?://", key):
        return SqliteDatabase(Path(target))
    with _OPEN_GUARD:
        db = _OPEN.get(key)
        if db is None:
            db = _OPEN[key] = PostgresDatabase(key)
        return db


def as_database(target: Database | str | os.PathLike) -> Database:
    """A store's argument: a Database, or a path or URL to open one."""
    return target if isinstance(target, Database) else open_database(target)


__all__ = ["Database", "PostgresDatabase", "Row", "SqliteDatabase", "as_database", "open_database"]
