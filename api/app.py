"""The FastAPI application, built by a factory so tests and `papers serve` can pass their own
service. Routes are thin: each makes one call into `PapersService`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from api import errors
from api.routes import actions, answers, documents
from assistant.config import get_settings
from assistant.service import PapersService

STATIC = Path(__file__).parent / "static"


def create_app(service: PapersService | None = None) -> FastAPI:
    app = FastAPI(
        title="Committee Papers Assistant",
        description="Answers questions from council committee papers, citing document, committee, "
        "meeting date and page for every statement.",
        version="0.1.0",
    )
    app.state.service = service or PapersService(get_settings())
    errors.install(app)

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        """Refuse oversized bodies before reading them: uploads up to the file limit (times the
        files a form may carry), everything else up to 1 MB."""
        settings = app.state.service.settings
        uploads = request.url.path == "/documents" and request.method == "POST"
        limit = settings.api.max_upload_bytes * 20 if uploads else 1_000_000
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return JSONResponse({"detail": f"body: larger than the {limit:,} bytes allowed"}, status_code=413)
        return await call_next(request)

    app.include_router(answers.router)
    app.include_router(actions.router)
    app.include_router(documents.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    return app
