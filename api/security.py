"""What stands between the network and the routes: body limits and read deadlines, the browser
session cookie, and the security headers every response carries.

One pure ASGI middleware, so it sees a request before FastAPI reads any of its body:

- **Bodies.** A declared `Content-Length` over the limit is refused at once (413); a chunked body
  is counted as it arrives and refused the moment it passes the limit, so a 300 MB chunked upload
  costs the server what it reads up to the limit, not 300 MB. Each piece of a body must arrive
  within `api.read_timeout_seconds` and the whole body within `api.body_seconds` (408), so a slow
  client cannot hold a worker for ever. (A client slow to send its headers is closed by
  `api.server`, below the application.)
- **The session cookie.** A browser without an API key is the public role, and two such browsers
  must not be able to read each other's conversations: each gets a random `papers_session`
  cookie (HttpOnly, SameSite=Strict) and its conversations belong to that secret. The cookie
  lasts as long as conversations are kept (`session_seconds`), so the history survives the
  browser's restart; each visit to the chat page renews it.
- **Headers.** A content security policy that allows only this app's own scripts, styles and
  connections and forbids framing (and lets the page viewer, PDF.js, compile its own WebAssembly
  image decoders: 'wasm-unsafe-eval' allows WebAssembly, never JavaScript's eval); `nosniff`; no referrer; no caching of answers. A route that
  sets its own policy (an original file) keeps it.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections.abc import Callable

from fastapi.exceptions import HTTPException

SESSION_COOKIE = "papers_session"
_SESSION_VALUE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")

PAGE_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
    b"cross-origin-opener-policy": b"same-origin",
    b"cross-origin-resource-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), payment=()",
}


def session_of(scope) -> str | None:
    """The browser session secret of a request (set by `Guard`), or None."""
    return (scope.get("state") or {}).get("session")


class _Refused(HTTPException):
    """A body the guard stopped reading (too large, too slow)."""


class Guard:
    """Pure ASGI middleware: body limits and deadlines, the session cookie, security headers.
    `limits(method, path)` gives (the largest body in bytes, the seconds to receive it all)."""

    def __init__(
        self,
        app,
        limits: Callable[[str, str], tuple[int, float]],
        read_timeout: Callable[[], float],
        session_seconds: Callable[[], int] | None = None,
    ) -> None:
        self.app = app
        self.limits = limits
        self.read_timeout = read_timeout
        self.session_seconds = session_seconds  # None: a cookie for the browser's session only

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        state = scope.setdefault("state", {})
        headers = dict(_header_pairs(scope))
        session = _cookie(headers.get(b"cookie", b""), SESSION_COOKIE)
        new_session = None
        if session is None:
            session = new_session = secrets.token_urlsafe(32)
        elif scope["path"] == "/" and self.session_seconds is not None:
            new_session = session  # the chat page: the browser's session is renewed
        state["session"] = session
        limit, seconds = self.limits(scope["method"], scope["path"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            what = "not a number" if not declared.isdigit() else f"larger than the {limit:,} bytes allowed"
            return await _send_json(send, 413, f"body: {what}")
        tripped = False
        received = 0
        complete = False
        deadline = time.monotonic() + seconds
        timeout = self.read_timeout()

        async def guarded_receive():
            nonlocal received, complete, tripped
            if complete:  # the body is in: what follows is only a wait for the client to go
                return await receive()
            left = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, min(timeout, left)))
            except asyncio.TimeoutError:
                tripped = True
                raise _Refused(408, f"body: not received in time (each part within {timeout:g} s, all of it within {seconds:g} s)") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    tripped = True
                    raise _Refused(413, f"body: larger than the {limit:,} bytes allowed")
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        async def guarded_send(message):
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                present = {name.lower() for name, _ in out}
                for name, value in HEADERS.items():
                    if name not in present:
                        out.append((name, value))
                if b"content-security-policy" not in present:
                    out.append((b"content-security-policy", PAGE_POLICY.encode()))
                if b"cache-control" not in present and not scope["path"].startswith("/static/"):
                    out.append((b"cache-control", b"no-store"))
                if state.get("audit_degraded"):
                    out.append((b"papers-audit", b"degraded"))
                if new_session is not None:
                    secure = "; Secure" if scope.get("scheme") == "https" else ""
                    lasting = f"; Max-Age={self.session_seconds()}" if self.session_seconds is not None else ""
                    cookie = f"{SESSION_COOKIE}={new_session}; Path=/{lasting}; HttpOnly; SameSite=Strict{secure}"
                    out.append((b"set-cookie", cookie.encode()))
                if tripped:  # the rest of the body is never read: the connection cannot be reused
                    out.append((b"connection", b"close"))
                message = {**message, "headers": out}
            await send(message)

        await self.app(scope, guarded_receive, guarded_send)


def _header_pairs(scope):
    for name, value in scope.get("headers", []):
        yield name.lower(), value


def _cookie(header: bytes, name: str) -> str | None:
    """A well-formed value of the named cookie, or None."""
    for part in header.decode("latin-1").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and _SESSION_VALUE.match(value):
            return value
    return None


async def _send_json(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    headers += [(name, value) for name, value in HEADERS.items()]
    headers.append((b"content-security-policy", PAGE_POLICY.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
