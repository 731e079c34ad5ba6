"""The FastAPI application, built by a factory so tests and `papers serve` can pass their own
service. Routes are thin: each makes one call into `PapersService`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from api import errors
from api.routes import actions, alerts, answers, conversations, decisions, documents, feedback
from api.security import Guard
from assistant.service import PapersService
from core.config import get_settings

STATIC = Path(__file__).parent / "static"


def index_page(max_question: int = 1000) -> str:
    """The chat page, with the upload picker's formats filled in from the loader registry."""
    from ingest.loaders import LOADERS, accepted_extensions

    labels = [loader.label.split(" (")[0] for loader in LOADERS.values()]
    names = ", ".join(labels[:-1]) + f" or {labels[-1].lower()}" if len(labels) > 1 else labels[0]
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    html = html.replace("{{max_question}}", str(max_question))
    return html.replace("{{accept}}", ",".join(accepted_extensions())).replace("{{formats}}", names)


def formats_json() -> list[dict]:
    from ingest.loaders import LOADERS

    return [
        {"format": x.format, "label": x.label, "extensions": [*x.extensions, *x.also_accepts], "media_type": x.media_type}
        for x in LOADERS.values()
    ]


class _ScheduledSyncs:
    """The configured sites refreshed every `PAPERS_SYNC__INTERVAL_MINUTES` in one background
    thread (so one sync at a time); a failing sync is logged and the next one is tried as usual."""

    def __init__(self, service: PapersService, minutes: float) -> None:
        import threading

        self.service = service
        self.seconds = minutes * 60
        self.stop = threading.Event()
        self.runs = 0
        self.thread = threading.Thread(target=self._loop, name="papers-sync", daemon=True)

    def _loop(self) -> None:
        import logging

        log = logging.getLogger("papers.sync")
        while not self.stop.wait(self.seconds):
            try:
                for report in self.service.sync_all():
                    log.info(report.summary())
            except Exception:  # a site's bad day must not end the schedule
                log.exception("scheduled sync failed")
            self.runs += 1


class _Follower:
    """Brings the replica's lexical index to the catalog's generation every `api.follow_seconds`,
    in one background thread: another replica's ingest is answered here within a bounded time
    even when no search comes to find the index stale."""

    def __init__(self, service: PapersService, seconds: float) -> None:
        import threading

        self.service = service
        self.seconds = seconds
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="papers-follow", daemon=True)

    def _loop(self) -> None:
        import logging

        log = logging.getLogger("papers.follow")
        failing = False
        while not self.stop.wait(self.seconds):
            try:
                self.service.follow_catalog()
                failing = False
            except Exception as exc:  # the database down: said once, retried each period
                if not failing:
                    log.warning("cannot follow the catalog: %s", exc)
                failing = True


def _warm(service: PapersService) -> None:
    import logging

    from core.types import Classification, SearchFilters

    try:
        service.warm()
        service.search("committee meeting", SearchFilters(clearance=frozenset({Classification.public})), 1)
    except Exception:  # a failed warm-up only means the first question waits
        logging.getLogger("papers.warm").exception("warming up failed")


def create_app(service: PapersService | None = None) -> FastAPI:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if app.state.service.settings.api.warm_on_start:
            import threading

            # The model, the lexical index and a first search made ready while the server starts
            # taking requests, so the first person to ask does not wait for them.
            threading.Thread(target=_warm, args=(app.state.service,), name="papers-warm", daemon=True).start()
        follow = app.state.service.settings.api.follow_seconds
        app.state.follower = _Follower(app.state.service, follow) if follow else None
        if app.state.follower:
            app.state.follower.thread.start()
        minutes = app.state.service.settings.sync.interval_minutes
        app.state.syncs = _ScheduledSyncs(app.state.service, minutes) if minutes else None
        if app.state.syncs:
            app.state.syncs.thread.start()
        try:
            if app.state.mcp is None:
                yield
            else:
                async with app.state.mcp.session_manager.run():
                    yield
        finally:
            if app.state.syncs:
                app.state.syncs.stop.set()
            if app.state.follower:
                app.state.follower.stop.set()

    app = FastAPI(
        lifespan=lifespan,
        title="Committee Papers Assistant",
        description="Answers questions from council committee papers, citing document, committee, "
        "meeting date and page for every statement.",
        version="0.1.0",
        # The default /docs page loads its scripts from a CDN, which these machines cannot reach
        # (and the page's policy forbids): /docs is a local page reading /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = service or PapersService(get_settings())
    app.state.mcp = None
    errors.install(app)

    def limits(method: str, path: str) -> tuple[int, float]:
        api = app.state.service.settings.api
        if method == "POST" and path == "/documents":
            return api.max_upload_request_bytes, api.body_seconds
        return api.max_body_kb * 1000, api.body_seconds

    app.add_middleware(
        Guard,
        limits=limits,
        read_timeout=lambda: app.state.service.settings.api.read_timeout_seconds,
        # The browser keeps its session (and so its conversations) as long as they are kept.
        session_seconds=lambda: int(app.state.service.settings.conversation.retention_days * 86400),
    )

    app.include_router(answers.router)
    app.include_router(actions.router)
    app.include_router(decisions.router)
    app.include_router(documents.router)
    app.include_router(alerts.router)
    app.include_router(conversations.router)
    app.include_router(feedback.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if app.state.service.settings.mcp.enabled:  # the same tools agents get over stdio, at /mcp
        from starlette.routing import Route

        from api.mcp_server import McpEndpoint, build_server, http_caller

        app.state.mcp = build_server(app.state.service, http_caller, stateless_http=True)
        app.state.mcp.streamable_http_app()  # makes its session manager
        app.router.routes.append(Route("/mcp", McpEndpoint(app.state.service, app.state.mcp)))

    page = index_page(app.state.service.settings.api.max_question_chars)

    @app.get("/", include_in_schema=False)
    async def index() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get("/formats", tags=["documents"])
    async def formats() -> list[dict]:
        """The file formats ingest reads: what the upload picker offers."""
        return formats_json()

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> FileResponse:
        return FileResponse(STATIC / "docs.html")

    return app
