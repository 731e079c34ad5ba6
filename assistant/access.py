"""Who is asking, what they may see, and a record of what they were shown.

API keys are random (`pk_` + 32 random bytes, URL-safe), shown once when created and stored only
as a SHA-256 hash (a key has 256 bits of entropy, so a slow hash adds nothing). Each key has a role;
the roles' clearances come from settings (`access.clearance`). A request without a key is the
`public` role unless anonymous access is switched off. The audit log records every API request:
who, when, which endpoint, the status, and which documents were cited or returned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from core.database import Database, as_database
from core.errors import AccessDenied, StorageFull, StoreUnavailable
from core.types import Classification

ROLES = ("public", "member", "officer", "admin")

SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    key_id TEXT,
    key_name TEXT NOT NULL,
    role TEXT NOT NULL,
    method TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    status INTEGER NOT NULL,
    query TEXT,
    documents TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""

log = logging.getLogger(__name__)

TICKET_SECONDS = 300  # how long a link to an original file stays valid


@dataclass(frozen=True)
class Principal:
    """The caller: a key's id and name (None and "anonymous" without a key), role and clearance."""

    role: str
    clearance: frozenset[Classification]
    key_id: str | None = None
    name: str = "anonymous"
    session: str | None = None  # without a key: the browser's session secret (a cookie), if any

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def identity(self) -> str:
        """Who owns what this caller starts (a conversation): the key, or without one the
        browser's session (hashed), and the role. Two anonymous browsers are two callers."""
        if self.key_id:
            return f"{self.key_id}/{self.role}"
        session = hashlib.sha256(self.session.encode()).hexdigest()[:32] if self.session else "no-session"
        return f"anonymous:{session}/{self.role}"


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text or len(text) > 400:
        raise ValueError("bad ticket")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AccessControl:
    """API keys and the audit log, in their own SQLite file under PAPERS_HOME."""

    def __init__(self, path: Path | Database, clearance: dict[str, list[Classification]], anonymous: bool = True) -> None:
        self.db = as_database(path)
        self.clearance = {role: frozenset(levels) for role, levels in clearance.items()}
        self.anonymous = anonymous
        self._conn = self.db.conn
        self.db.executescript(SCHEMA)
        self.audit_error: str | None = None  # why the last audit write failed; None once one succeeds
        self._secret: bytes | None = None

    # --- principals -----------------------------------------------------------------------------

    def principal(self, role: str, key_id: str | None = None, name: str = "anonymous") -> Principal:
        return Principal(role, self.clearance.get(role, frozenset()), key_id, name)

    def authenticate(self, key: str | None, session: str | None = None) -> Principal:
        """The principal for a presented key (None: no key; `session`: the browser's session
        secret, which owns an anonymous caller's conversations). An unknown or revoked key is
        refused, never downgraded to public: a typo must not silently hide what the caller expects."""
        if key is None:
            if not self.anonymous:
                raise AccessDenied("an API key is required (Authorization: Bearer <key>)", 401)
            return Principal("public", self.clearance.get("public", frozenset()), session=session)
        row = self._conn().execute("SELECT * FROM keys WHERE hash = ?", (_hash(key.strip()),)).fetchone()
        if row is None or row["revoked_at"]:
            raise AccessDenied("invalid or revoked API key", 401)
        return self.principal(row["role"], row["id"], row["name"])

    def key_principal(self, key_id: str) -> Principal | None:
        """The principal of an active key, by its id (None when unknown or revoked)."""
        row = self._conn().execute("SELECT * FROM keys WHERE id = ?", (key_id,)).fetchone()
        if row is None or row["revoked_at"]:
            return None
        return self.principal(row["role"], row["id"], row["name"])

    # --- links to original files ----------------------------------------------------------------

    def _ticket_secret(self) -> bytes:
        """The key that signs file tickets: made once, kept in the access database (so every
        process serving the same PAPERS_HOME accepts the same tickets)."""
        if self._secret is None:
            conn = self._conn()
            conn.execute("INSERT INTO secrets VALUES ('tickets', ?) ON CONFLICT(name) DO NOTHING", (secrets.token_bytes(32),))
            self._secret = bytes(conn.execute("SELECT value FROM secrets WHERE name = 'tickets'").fetchone()[0])
        return self._secret

    def file_ticket(self, who: Principal, document_id: str, now: float | None = None) -> str:
        """A short-lived token that lets a plain browser navigation (which cannot send the key's
        header) fetch one document's original as this caller. It names the key, not its
        clearance: the clearance is checked again when it is used, so a revoked key's tickets die."""
        expires = int((now or time.time()) + TICKET_SECONDS)
        body = f"{document_id}|{who.key_id or ''}|{expires}"
        mac = hmac.new(self._ticket_secret(), body.encode(), hashlib.sha256).digest()[:20]
        return _b64(body.encode()) + "." + _b64(mac)

    def redeem_ticket(self, ticket: str, document_id: str, now: float | None = None) -> Principal:
        """The caller a ticket was made for, if it is genuine, unexpired and for this document;
        else AccessDenied (401)."""
        try:
            body_part, mac_part = ticket.split(".")
            body = _unb64(body_part)
            mac = _unb64(mac_part)
            doc, key_id, expires = body.decode().split("|")
            expires_at = int(expires)
        except (ValueError, UnicodeDecodeError):
            raise AccessDenied("ticket: not a valid file ticket", 401) from None
        good = hmac.new(self._ticket_secret(), body, hashlib.sha256).digest()[:20]
        if not hmac.compare_digest(mac, good) or doc != document_id:
            raise AccessDenied("ticket: not a valid file ticket", 401)
        if expires_at < (now or time.time()):
            raise AccessDenied("ticket: expired; open the file from the page again", 401)
        if not key_id:
            return self.authenticate(None)
        who = self.key_principal(key_id)
        if who is None:
            raise AccessDenied("ticket: the key it was made for is revoked", 401)
        return who

    # --- keys -----------------------------------------------------------------------------------

    def create_key(self, role: str, name: str) -> tuple[ApiKey, str]:
        """A new key; the secret is returned here and never again."""
        if role not in ROLES:
            raise ValueError(f"role: must be one of {', '.join(ROLES)}, not '{role}'")
        if not name.strip():
            raise ValueError("name: must not be blank")
        secret = "pk_" + secrets.token_urlsafe(32)
        key = ApiKey("key_" + secrets.token_hex(4), name.strip(), role, _now(), None)
        self._conn().execute(
            "INSERT INTO keys VALUES (?,?,?,?,?,?)", (key.id, key.name, key.role, _hash(secret), key.created_at, None)
        )
        return key, secret

    def current_clearance(self, key_id: str | None) -> frozenset[Classification] | None:
        """What a key may see now (its role's clearance today); None for a revoked or unknown key.
        Without a key: the public's, when anonymous callers are served."""
        if key_id is None:
            return self.clearance.get("public", frozenset()) if self.anonymous else None
        row = self._conn().execute("SELECT role, revoked_at FROM keys WHERE id = ?", (key_id,)).fetchone()
        if row is None or row["revoked_at"]:
            return None
        return self.clearance.get(row["role"], frozenset())

    def keys(self) -> list[ApiKey]:
        rows = self._conn().execute("SELECT * FROM keys ORDER BY created_at, id").fetchall()
        return [ApiKey(r["id"], r["name"], r["role"], r["created_at"], r["revoked_at"]) for r in rows]

    def revoke(self, key_id: str) -> bool:
        cur = self._conn().execute("UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (_now(), key_id))
        return cur.rowcount > 0

    # --- audit ----------------------------------------------------------------------------------

    def record(
        self, who: Principal | None, method: str, endpoint: str, status: int, query: str | None, documents: list[str]
    ) -> bool:
        """Add an entry (`who` None: a credential that was refused). Never raises: when the entry
        cannot be written (a full disk, a locked or damaged database) the request it records
        still goes ahead, `audit_error` says why, and False is returned."""
        key_id, name, role = (who.key_id, who.name, who.role) if who else (None, "refused credential", "none")
        try:
            self._conn().execute(
                "INSERT INTO audit (at, key_id, key_name, role, method, endpoint, status, query, documents) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (_now(), key_id, name, role, method, endpoint, status, query, json.dumps(sorted(set(documents)))),
            )
        except (sqlite3.Error, StoreUnavailable, StorageFull) as exc:
            if self.audit_error is None:
                log.error("audit log: cannot record requests: %s", exc)
            self.audit_error = str(exc)
            return False
        self.audit_error = None
        return True

    def audit(self, limit: int = 100) -> list[dict]:
        rows = self._conn().execute("SELECT * FROM audit ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [
            {
                "at": r["at"], "key_id": r["key_id"], "key_name": r["key_name"], "role": r["role"],
                "method": r["method"], "endpoint": r["endpoint"], "status": r["status"], "query": r["query"],
                "documents": json.loads(r["documents"]),
            }
            for r in rows
        ]
