"""Domain errors become HTTP responses here, in one place. A refusal (401, 403, 404) is audited
like any other request: who tried, what, and that it was refused."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from core.errors import (
    AccessDenied,
    ConfigError,
    ConversationNotFound,
    IngestBusy,
    InvalidInput,
    NotFoundError,
    StorageFull,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

STORAGE_FULL = (
    "the conversation history is full (database or disk is full): this was not saved, and nothing "
    "saved before was lost; an administrator must free space"
)


def _field(loc) -> str:
    # The first element says where the field is (body, query string, path, header): a field may
    # itself be called "query". Positions (a list index, a JSON error's offset) are not names.
    loc = list(loc)
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    parts = [str(p) for p in loc if not isinstance(p, int)]
    return ".".join(parts) or "body"


def _audit_refusal(request: Request, status: int, detail: str) -> None:
    service = request.app.state.service
    if not service.settings.access.audit:
        return
    caller = getattr(request.state, "principal", None)  # None: the credential itself was refused
    if not service.access.record(caller, request.method, request.url.path, status, f"refused: {detail}"[:300], []):
        request.state.audit_degraded = True


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError):
        messages = []
        for err in exc.errors():
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            field = _field(err.get("loc", ()))
            messages.append(msg if msg.startswith(f"{field}:") else f"{field}: {msg}")
        return JSONResponse({"detail": "; ".join(messages)}, status_code=422)

    @app.exception_handler(NotFoundError)
    @app.exception_handler(ConversationNotFound)
    async def not_found(request: Request, exc: LookupError):
        _audit_refusal(request, 404, str(exc))
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(AccessDenied)
    async def denied(request: Request, exc: AccessDenied):
        _audit_refusal(request, exc.status, str(exc))
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(ConfigError)
    async def config_error(_: Request, exc: ConfigError):
        # The message names a file on the server: it goes to the server's log, not to the caller.
        log.error("configuration error: %s", exc)
        return JSONResponse({"detail": "the service's configuration has an error; an administrator can see it in the server log"}, status_code=500)

    @app.exception_handler(StoreUnavailable)
    async def unavailable(_: Request, exc: StoreUnavailable):
        return JSONResponse({"detail": "the document store is unavailable; try again shortly"}, status_code=503)

    @app.exception_handler(IngestBusy)
    async def busy(_: Request, exc: IngestBusy):
        return JSONResponse({"detail": str(exc)}, status_code=409, headers={"Retry-After": "60"})

    @app.exception_handler(InvalidInput)
    async def invalid(_: Request, exc: InvalidInput):
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.exception_handler(StorageFull)
    async def full(_: Request, exc: StorageFull):
        # 507 Insufficient Storage: the caller can do nothing but wait; the reason names no path.
        log.error("%s", exc)
        return JSONResponse({"detail": STORAGE_FULL}, status_code=507)
