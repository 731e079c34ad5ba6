"""Who is asking, what they may see, and a record of what they were shown.

API keys are random (`pk_` + 32 random bytes, URL-safe), shown once when created and stored only
as a SHA-256 hash (a key has 256 bits of entropy, so a slow hash adds nothing). Each key has a role;
the roles' clearances come from settings (`access.clearance`). A request without a key is the
`public` role unless anonymous access is switched off. The audit log records every API request:
who, when, which endpoint, the status, and which documents were cited or returned.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from assistant.types import Classification
from vectorstore.catalog import ThreadConnections

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
"""


class AccessDenied(Exception):
    """The caller may not do this (401: no valid key; 403: the role does not allow it)."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Principal:
    """The caller: a key's id and name (None and "anonymous" without a key), role and clearance."""

    role: str
    clearance: frozenset[Classification]
    key_id: str | None = None
    name: str = "anonymous"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def identity(self) -> str:
        """Who owns what this caller starts (a conversation): the key, or anonymous, and the role."""
        return f"{self.key_id or 'anonymous'}/{self.role}"


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "role": self.role, "created_at": self.created_at, "revoked_at": self.revoked_at}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class AccessControl:
    """API keys and the audit log, in their own SQLite file under PAPERS_HOME."""

    def __init__(self, path: Path, clearance: dict[str, list[Classification]], anonymous: bool = True) -> None:
        self.path = Path(path)
        self.clearance = {role: frozenset(levels) for role, levels in clearance.items()}
        self.anonymous = anonymous
        self._conn = ThreadConnections(self.path).get
        self._conn().executescript(SCHEMA)

    # --- principals -----------------------------------------------------------------------------

    def principal(self, role: str, key_id: str | None = None, name: str = "anonymous") -> Principal:
        return Principal(role, self.clearance.get(role, frozenset()), key_id, name)

    def authenticate(self, key: str | None) -> Principal:
        """The principal for a presented key (None: no key). An unknown or revoked key is refused,
        never downgraded to public: a typo must not silently hide what the caller expects."""
        if not key:
            if not self.anonymous:
                raise AccessDenied("an API key is required (Authorization: Bearer <key>)", 401)
            return self.principal("public")
        row = self._conn().execute("SELECT * FROM keys WHERE hash = ?", (_hash(key.strip()),)).fetchone()
        if row is None or row["revoked_at"]:
            raise AccessDenied("invalid or revoked API key", 401)
        return self.principal(row["role"], row["id"], row["name"])

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

    def keys(self) -> list[ApiKey]:
        rows = self._conn().execute("SELECT * FROM keys ORDER BY created_at, id").fetchall()
        return [ApiKey(r["id"], r["name"], r["role"], r["created_at"], r["revoked_at"]) for r in rows]

    def revoke(self, key_id: str) -> bool:
        cur = self._conn().execute("UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (_now(), key_id))
        return cur.rowcount > 0

    # --- audit ----------------------------------------------------------------------------------

    def record(
        self, who: Principal, method: str, endpoint: str, status: int, query: str | None, documents: list[str]
    ) -> None:
        self._conn().execute(
            "INSERT INTO audit (at, key_id, key_name, role, method, endpoint, status, query, documents) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (_now(), who.key_id, who.name, who.role, method, endpoint, status, query, json.dumps(sorted(set(documents)))),
        )

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
