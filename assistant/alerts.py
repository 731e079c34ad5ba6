"""Alerts: a caller saves a search (words, with optional committee and dates) or subscribes to
overdue actions (for a committee or an owner); after each ingest or sync, what is new and matches
is delivered to an Atom feed per subscription, and optionally to a webhook (a JSON POST signed with
HMAC-SHA256 over the body, `X-Papers-Signature: sha256=<hex>`, retried).

What a subscription may see is decided at delivery time from its owner's key as it is then (a
revoked key gets nothing; a key whose role was lowered gets only what the new role may see), and a
search is run with that clearance inside the search, like every other. What was already there when
the subscription was made is not delivered: only what is new afterwards. Stored in
PAPERS_HOME/alerts.sqlite3.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlparse
from xml.sax.saxutils import escape

from core.database import Database, as_database
from core.errors import NotFoundError
from core.types import ActionFilters, SearchFilters

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,          -- the caller's identity (key and role, or browser session)
    key_id TEXT,                  -- whose clearance applies at delivery (NULL: the public's)
    kind TEXT NOT NULL,           -- 'search' | 'overdue'
    query TEXT,
    committee TEXT,
    owner_name TEXT,              -- for 'overdue': the action owner asked about
    date_from TEXT,
    date_to TEXT,
    feed_token TEXT NOT NULL,
    webhook_url TEXT,
    webhook_secret TEXT,
    seen TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS entries (
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    entry_id TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    document_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (subscription_id, entry_id)
);
"""

MATCHES = 10  # passages a saved search is checked against at each delivery
PER_OWNER = 50  # alerts one caller may keep
IN_ALL = 10_000  # alerts the store keeps, all callers together (anonymous browsers can make them)
KEEP_ENTRIES = 200  # newest feed entries kept per subscription


@dataclass(frozen=True)
class Subscription:
    id: str
    kind: str
    query: str | None
    committee: str | None
    owner_name: str | None
    date_from: date | None
    date_to: date | None
    feed_token: str
    webhook_url: str | None
    created_at: str
    last_error: str | None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Alerts:
    def __init__(self, path: Path | Database, webhook_hosts: list[str] | None = None, webhook_attempts: int = 3) -> None:
        """`webhook_hosts`: the hosts a webhook may be sent to (empty: webhooks are refused, so
        no caller can make the server call an address of their choosing)."""
        self.db = as_database(path)
        self.webhook_hosts = {h.lower() for h in (webhook_hosts or [])}
        self.webhook_attempts = webhook_attempts
        self._conn = self.db.conn
        self.db.executescript(SCHEMA)

    def subscribe(
        self,
        owner: str,
        key_id: str | None,
        kind: str,
        service,
        clearance,
        query: str | None = None,
        committee: str | None = None,
        owner_name: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        webhook_url: str | None = None,
    ) -> tuple[Subscription, str | None]:
        """A new subscription (and its webhook secret, shown once). What already matches is marked
        seen, so only what is new from now on is delivered."""
        if kind not in ("search", "overdue"):
            raise ValueError("kind: must be 'search' or 'overdue'")
        if kind == "search" and not (query or "").strip():
            raise ValueError("query: a saved search needs words to search for")
        if kind == "overdue" and not (committee or owner_name):
            raise ValueError("committee or owner: say whose overdue actions to follow")
        held = self._conn().execute("SELECT COUNT(*) FROM subscriptions WHERE owner = ?", (owner,)).fetchone()[0]
        if held >= PER_OWNER:
            raise ValueError(f"kind: you already have {held} alerts, the most one caller may keep; delete one first")
        if self._conn().execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0] >= IN_ALL:
            raise ValueError("kind: the store holds as many alerts as it may; ask an admin")
        secret = None
        if webhook_url is not None:
            self._check_webhook(webhook_url)
            secret = secrets.token_urlsafe(24)
        sid = "al_" + secrets.token_hex(6)
        token = secrets.token_urlsafe(24)
        row = (sid, owner, key_id, kind, (query or "").strip() or None, committee, owner_name,
               date_from.isoformat() if date_from else None, date_to.isoformat() if date_to else None,
               token, webhook_url, secret, "[]", _now())
        self._conn().execute(
            "INSERT INTO subscriptions (id, owner, key_id, kind, query, committee, owner_name, date_from, date_to, "
            "feed_token, webhook_url, webhook_secret, seen, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            row,
        )
        sub = self._get(sid)
        self._set_seen(sid, {m for m, _ in self._matches(sub, service, clearance)})
        return sub, secret

    def _check_webhook(self, url: str) -> None:
        parts = urlparse(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("webhook_url: must be an http(s) address")
        if parts.hostname.lower() not in self.webhook_hosts:
            raise ValueError(
                f"webhook_url: {parts.hostname} is not a host webhooks may be sent to (an admin lists them in PAPERS_ALERTS__WEBHOOK_HOSTS)"
            )

    def list(self, owner: str) -> list[Subscription]:
        rows = self._conn().execute("SELECT * FROM subscriptions WHERE owner = ? ORDER BY created_at, id", (owner,))
        return [self._sub(r) for r in rows]

    def everyone(self) -> list[tuple[str, Subscription]]:
        """(owner, alert) of every caller (for the server's own command line)."""
        rows = self._conn().execute("SELECT * FROM subscriptions ORDER BY created_at, id").fetchall()
        return [(r["owner"], self._sub(r)) for r in rows]

    def remove(self, sid: str) -> bool:
        """Delete any caller's alert (the server's own command line)."""
        cur = self._conn().execute("DELETE FROM subscriptions WHERE id = ?", (sid,))
        return cur.rowcount > 0

    def delete(self, owner: str, sid: str) -> None:
        cur = self._conn().execute("DELETE FROM subscriptions WHERE id = ? AND owner = ?", (sid, owner))
        if cur.rowcount == 0:
            raise NotFoundError(f"no alert {sid!r}")

    def feed(self, sid: str, token: str) -> str:
        """The subscription's Atom feed; NotFoundError for a wrong id or token (the same either way)."""
        row = self._conn().execute("SELECT * FROM subscriptions WHERE id = ?", (sid,)).fetchone()
        if row is None or not hmac.compare_digest(row["feed_token"], token or ""):
            raise NotFoundError(f"no alert {sid!r}")
        entries = self._conn().execute(
            "SELECT * FROM entries WHERE subscription_id = ? ORDER BY created_at DESC, entry_id LIMIT ?", (sid, KEEP_ENTRIES)
        ).fetchall()
        sub = self._sub(row)
        return _atom(sub, entries)

    def deliver(self, service) -> int:
        """Check every subscription for what is new; returns how many entries were delivered."""
        delivered = 0
        for row in self._conn().execute("SELECT * FROM subscriptions").fetchall():
            sub = self._sub(row)
            clearance = service.access.current_clearance(row["key_id"])
            if clearance is None:
                continue  # a revoked key: nothing, not even what the public may see
            seen = set(json.loads(row["seen"]))
            new = [(mid, entry) for mid, entry in self._matches(sub, service, clearance) if mid not in seen]
            if not new:
                continue
            stamp = _now()
            self._conn().executemany(
                "INSERT INTO entries (subscription_id, entry_id, title, summary, document_id, created_at) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(subscription_id, entry_id) DO NOTHING",
                [(sub.id, mid, e["title"], e["summary"], e.get("document_id"), stamp) for mid, e in new],
            )
            self._set_seen(sub.id, seen | {mid for mid, _ in new})
            delivered += len(new)
            if row["webhook_url"]:
                self._post(sub, row["webhook_url"], row["webhook_secret"], [e for _, e in new])
        return delivered

    def _matches(self, sub: Subscription, service, clearance) -> list[tuple[str, dict]]:
        if sub.kind == "search":
            filters = SearchFilters(committee=sub.committee, date_from=sub.date_from, date_to=sub.date_to, clearance=clearance)
            out = []
            for p in service.search(sub.query, filters, MATCHES):
                if not p.lexical_score:
                    continue  # a saved search's words must be in the passage, not only near it in meaning
                c = p.chunk
                title = " · ".join(x for x in (c.title or c.source, c.committee, c.meeting_date.isoformat() if c.meeting_date else None) if x)
                out.append((c.id, {"kind": "passage", "title": title, "summary": c.text[:600], "document_id": c.document_id,
                                   "page": c.page, "source": c.source}))
            return out
        _, views = service.actions(ActionFilters(committee=sub.committee, owner=sub.owner_name, overdue=True, clearance=clearance))
        return [
            (f"{v.action.id}@overdue", {"kind": "overdue action", "title": f"Overdue: {v.action.action[:120]}",
                                        "summary": f"Owner {v.action.owner or 'not recorded'}; due {v.action.due_date}; status {v.action.status.value}",
                                        "document_id": v.action.document_id, "page": v.action.page, "source": v.action.source})
            for v in views
        ]

    def _post(self, sub: Subscription, url: str, secret: str, entries: list[dict]) -> None:
        import httpx

        body = json.dumps({"subscription": sub.id, "kind": sub.kind, "entries": entries}, ensure_ascii=False).encode()
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        error = None
        for attempt in range(self.webhook_attempts):
            try:
                r = httpx.post(url, content=body, timeout=10, headers={"Content-Type": "application/json", "X-Papers-Signature": signature})
                if r.status_code < 300:
                    error = None
                    break
                error = f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            time.sleep(0.2 * 2**attempt)
        self._conn().execute("UPDATE subscriptions SET last_error = ? WHERE id = ?", (error, sub.id))
        if error:
            log.warning("webhook for %s failed: %s", sub.id, error)

    def _get(self, sid: str) -> Subscription:
        return self._sub(self._conn().execute("SELECT * FROM subscriptions WHERE id = ?", (sid,)).fetchone())

    def _set_seen(self, sid: str, seen: set[str]) -> None:
        self._conn().execute("UPDATE subscriptions SET seen = ? WHERE id = ?", (json.dumps(sorted(seen)), sid))

    @staticmethod
    def _sub(r) -> Subscription:
        day = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
        return Subscription(r["id"], r["kind"], r["query"], r["committee"], r["owner_name"], day(r["date_from"]), day(r["date_to"]),
                            r["feed_token"], r["webhook_url"], r["created_at"], r["last_error"])


def _atom(sub: Subscription, entries) -> str:
    what = sub.query if sub.kind == "search" else "overdue actions for " + " / ".join(x for x in (sub.committee, sub.owner_name) if x)
    updated = entries[0]["created_at"] if entries else sub.created_at
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape('Committee papers: ' + (what or ''))}</title>",
        f"  <id>urn:committee-papers:alert:{sub.id}</id>",
        f"  <updated>{escape(updated)}</updated>",
    ]
    for e in entries:
        parts += [
            "  <entry>",
            f"    <id>urn:committee-papers:alert:{sub.id}:{escape(re.sub(r'[^A-Za-z0-9_.@-]', '-', e['entry_id']))}</id>",
            f"    <title>{escape(e['title'])}</title>",
            f"    <updated>{escape(e['created_at'])}</updated>",
            f"    <summary>{escape(e['summary'])}</summary>",
            "  </entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"
