"""Domain errors become HTTP responses here, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from assistant.access import AccessDenied
from assistant.conversation import ConversationNotFound
from assistant.service import ConfigError, NotFoundError
from vectorstore.chroma import StoreUnavailable


def _field(loc) -> str:
    # Positions (a list index, the offset of a JSON syntax error) are not field names.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header") and not isinstance(p, int)]
    return ".".join(parts) or "body"


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
    async def not_found(_: Request, exc: LookupError):
        return JSONResponse({"detail": str(exc)}, status_code=404)

    @app.exception_handler(AccessDenied)
    async def denied(_: Request, exc: AccessDenied):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(ConfigError)
    async def config_error(_: Request, exc: ConfigError):
        return JSONResponse({"detail": str(exc)}, status_code=500)

    @app.exception_handler(StoreUnavailable)
    async def unavailable(_: Request, exc: StoreUnavailable):
        return JSONResponse({"detail": "the document store is unavailable; try again shortly"}, status_code=503)
