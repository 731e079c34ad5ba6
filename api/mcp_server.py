"""The papers as tools for agents: an MCP server (the official `mcp` SDK's FastMCP) over the same
service as the REST API.

- `papers mcp` serves it over stdio, for a desktop assistant. It acts with the key in
  `PAPERS_MCP__API_KEY` (checked again at every call, so a revoked key stops working at once), or
  as the public role without one.
- `papers serve` serves it over streamable HTTP at `/mcp`, for an intranet agent. Each request's
  own key (`Authorization: Bearer <key>` or `X-API-Key`) sets the role exactly as for the REST
  API; a bad key gets 401 before any tool runs. The server is stateless (every request stands on
  its own key), so any replica can answer any request.

Every tool returns what the matching REST endpoint returns (the same response models), sees only
what the caller's clearance allows, and is audited like a request (`MCP /mcp/<tool>`). A tool's
failure is a tool error naming the argument and the reason; nothing internal (a server path, a
traceback) reaches the caller.
"""

import logging
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, Field

from api.schemas import (
    ActionsResponse,
    AskResponse,
    CommitteesResponse,
    DecisionDetail,
    DecisionsResponse,
    DocumentPublic,
    DocumentsResponse,
    SearchResponse,
    action_json,
    answer_json,
    chain_json,
    decision_json,
    document_json,
    passage_json,
)
from assistant.access import Principal
from assistant.service import PapersService
from core.errors import AccessDenied, ConversationNotFound, NotFoundError, StoreUnavailable
from core.types import ActionFilters, ActionStatus, Chunk, DecisionFilters, DecisionKind, SearchFilters

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Search and question a council's committee papers (agendas, officer reports, minutes, decision "
    "notices, forward plans, action logs). Every passage carries its document, committee, meeting date "
    "and page: quote them when you cite. `ask` answers with numbered citations and says plainly when "
    "the papers do not answer (mode 'not_found'); do not fill the gap yourself. What a caller sees "
    "depends on its API key's role; exempt and restricted papers are never shown to a caller not "
    "cleared for them."
)

Committee = Annotated[str | None, Field(max_length=200, description="Committee name, acronym or alias.")]
DateFrom = Annotated[date | None, Field(description="Only meetings on or after this date (YYYY-MM-DD).")]
DateTo = Annotated[date | None, Field(description="Only meetings on or before this date (YYYY-MM-DD).")]
AsOf = Annotated[date | None, Field(description="The day 'overdue' is judged on (YYYY-MM-DD). Default: today.")]


def _wire(model: type[BaseModel], data: dict) -> dict:
    """`data` exactly as the REST endpoint answering with `model` returns it."""
    return model.model_validate(data).model_dump(mode="json", by_alias=True, exclude_unset=model is AskResponse)


def page_json(document_id: str, page: int, chunks: list[Chunk]) -> dict:
    """One page's passages, as `get_document` and the page resource return them."""
    return {
        "document_id": document_id,
        "page": page,
        "ocr": any(c.ocr for c in chunks),
        "passages": [
            {"starts_on_page": c.page, "section": " > ".join(c.heading_path) or None, "kind": c.kind, "text": c.text} for c in chunks
        ],
    }


class ToolRefused(Exception):
    """An argument the schema cannot check (an empty or too long text, dates in the wrong order)."""


class PapersTools:
    """What each tool does for one caller: a service call, the REST API's JSON, and the documents
    shown (for the audit log). Transport-free: `build_server` only finds the caller, runs these in
    a worker thread, audits and words the errors."""

    def __init__(self, service: PapersService) -> None:
        self.service = service

    def _text(self, value: str, field: str) -> str:
        limit = self.service.settings.api.max_question_chars
        if not value.strip():
            raise ToolRefused(f"{field}: must not be empty")
        if len(value) > limit:
            raise ToolRefused(f"{field}: longer than {limit} characters")
        return value

    @staticmethod
    def _dates(date_from: date | None, date_to: date | None, names: str = "date_from") -> None:
        if date_from and date_to and date_from > date_to:
            raise ToolRefused(f"{names}: must not be after {names.replace('from', 'to')}")

    def search_papers(self, caller: Principal, query: str, committee, date_from, date_to, k: int) -> tuple[dict, list[str]]:
        self._text(query, "query")
        self._dates(date_from, date_to)
        filters = SearchFilters(committee=committee, date_from=date_from, date_to=date_to, clearance=caller.clearance)
        passages = self.service.search(query, filters, k)
        return _wire(SearchResponse, {"query": query, "results": [passage_json(p) for p in passages]}), [
            p.chunk.document_id for p in passages
        ]

    def ask(self, caller: Principal, question: str, committee, date_from, date_to, as_of, k) -> tuple[dict, list[str]]:
        self._text(question, "question")
        self._dates(date_from, date_to)
        filters = SearchFilters(committee=committee, date_from=date_from, date_to=date_to, clearance=caller.clearance)
        answer = self.service.ask(question, filters, k, as_of)
        return _wire(AskResponse, answer_json(answer)), [c.passage.chunk.document_id for c in answer.citations]

    def list_actions(
        self, caller: Principal, committee, owner, status, overdue, as_of, due_from, due_to, q, limit: int, offset: int
    ) -> tuple[dict, list[str]]:
        if q is not None:
            self._text(q, "q")
        self._dates(due_from, due_to, "due_from")
        filters = ActionFilters(
            committee=committee, status=status, overdue=overdue, owner=owner, due_from=due_from, due_to=due_to, q=q,
            clearance=caller.clearance,
        )
        day, views = self.service.actions(filters, as_of)
        total, views = len(views), views[offset : offset + limit]
        data = {"as_of": day.isoformat(), "total": total, "actions": [action_json(v) for v in views]}
        return _wire(ActionsResponse, data), [v.action.document_id for v in views]

    def list_decisions(
        self, caller: Principal, body, kind, reference, q, date_from, date_to, limit: int, offset: int
    ) -> tuple[dict, list[str]]:
        if q is not None:
            self._text(q, "q")
        self._dates(date_from, date_to)
        filters = DecisionFilters(
            body=body, kind=kind, reference=reference, q=q, date_from=date_from, date_to=date_to, clearance=caller.clearance
        )
        records = self.service.decisions(filters)
        total, records = len(records), records[offset : offset + limit]
        data = {"total": total, "decisions": [decision_json(r) for r in records]}
        return _wire(DecisionsResponse, data), [r.document_id for r in records]

    def get_decision(self, caller: Principal, decision_id: str) -> tuple[dict, list[str]]:
        record, chain = self.service.decision(decision_id, caller.clearance)
        shown = list(dict.fromkeys([record.document_id, *chain.documents]))
        return _wire(DecisionDetail, {"decision": decision_json(record), "chain": chain_json(chain)}), shown

    def get_document(self, caller: Principal, document_id: str, page: int | None) -> tuple[dict, list[str]]:
        doc = self.service.document(document_id, caller.clearance)
        out: dict[str, Any] = {"document": _wire(DocumentPublic, document_json(doc))}
        if page is not None:
            out["page"] = page_json(doc.id, page, self.service.page(doc.id, page, caller.clearance))
        return out, [doc.id]

    def list_committees(self, caller: Principal) -> tuple[dict, list[str]]:
        return _wire(CommitteesResponse, {"committees": self.service.committee_list(caller.clearance)}), []

    def list_documents(self, caller: Principal, committee, limit: int, offset: int) -> tuple[dict, list[str]]:
        if committee:
            registry = self.service.committees(caller.clearance)
            named = registry.resolve(committee)
            docs = [
                d for d in self.service.documents(caller.clearance)
                if named and d.committee and (r := registry.resolve(d.committee)) is not None and r.key == named.key
            ]
            total, docs = len(docs), docs[offset : offset + limit]
        else:
            total, docs = self.service.documents_page(caller.clearance, limit, offset)
        return _wire(DocumentsResponse, {"total": total, "documents": [document_json(d) for d in docs]}), []

    def page(self, caller: Principal, document_id: str, page: int) -> tuple[dict, list[str]]:
        doc = self.service.document(document_id, caller.clearance)
        return page_json(doc.id, page, self.service.page(doc.id, page, caller.clearance)), [doc.id]


def build_server(service: PapersService, caller_of: Callable[[Any], Principal], *, stateless_http: bool = False):
    """The FastMCP server over `service`. `caller_of(ctx)` gives the principal of a tool call
    (raising AccessDenied for a credential that is refused)."""
    import anyio
    from mcp.server.fastmcp import Context, FastMCP
    from mcp.server.fastmcp.exceptions import ToolError
    from mcp.server.transport_security import TransportSecuritySettings

    class Server(FastMCP):
        async def call_tool(self, name: str, arguments: dict[str, Any]):
            """As FastMCP's, with every failure said as 'tool: field: reason'."""
            from pydantic import ValidationError

            try:
                return await super().call_tool(name, arguments)
            except ToolError as exc:
                if isinstance(exc.__cause__, ValidationError):
                    problems = "; ".join(
                        f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in exc.__cause__.errors()
                    )
                    raise ToolError(f"{name}: {problems}") from None
                if isinstance(exc.__cause__, ToolError):  # ours, which FastMCP wraps in "Error executing tool"
                    raise ToolError(f"{name}: {exc.__cause__}") from None
                raise

    tools = PapersTools(service)
    limit_max = service.settings.mcp.max_results
    # Callers are told apart by their key, never by a cookie, so a rebinding page gains nothing a
    # visitor without a key would not have: the Host check would only break deployments behind a name.
    server = Server(
        "committee-papers",
        instructions=INSTRUCTIONS,
        stateless_http=stateless_http,
        json_response=True,
        streamable_http_path="/mcp",
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        log_level="WARNING",
    )

    async def call(ctx: Context, name: str, query: str | None, fn: Callable[..., tuple[dict, list[str]]], *args) -> dict:
        """Run one tool for the caller in a worker thread (the service blocks), audit it, and turn
        every failure into a clear tool error."""
        endpoint = f"/mcp/{name}"
        caller: Principal | None = None
        status, shown = 200, []
        try:
            caller = await anyio.to_thread.run_sync(caller_of, ctx)
            result, shown = await anyio.to_thread.run_sync(fn, caller, *args)
            return result
        except AccessDenied as exc:
            status = exc.status
            raise ToolError(str(exc)) from None
        except (NotFoundError, ConversationNotFound) as exc:
            status = 404
            raise ToolError(str(exc)) from None
        except ToolRefused as exc:
            status = 422
            raise ToolError(str(exc)) from None
        except StoreUnavailable:
            status = 503
            raise ToolError("the document store is unavailable; try again shortly") from None
        except Exception:  # nothing internal reaches the caller; the server log has it
            status = 500
            log.exception("MCP tool %s failed", name)
            raise ToolError(f"{name} failed inside the service; an administrator can see why in the server log") from None
        finally:
            if service.settings.access.audit:
                audited = query if status == 200 else f"refused: {query or name}"[:300]
                service.access.record(caller, "MCP", endpoint, status, audited, shown)

    @server.tool(structured_output=True)
    async def search_papers(
        ctx: Context,
        query: Annotated[str, Field(min_length=1, description="What to look for, in plain words.")],
        committee: Committee = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        k: Annotated[int, Field(ge=1, le=50, description="How many passages (1-50).")] = 5,
    ) -> dict[str, Any]:
        """Find the passages of committee papers that best match a query (hybrid semantic and
        keyword search). Each result carries document_id, source, title, committee, meeting_date,
        page, section, the passage text, and source_url (the council's page) where known."""
        return await call(ctx, "search_papers", query, tools.search_papers, query, committee, date_from, date_to, k)

    @server.tool(structured_output=True)
    async def ask(
        ctx: Context,
        question: Annotated[str, Field(min_length=1, description="The question, in plain English.")],
        committee: Committee = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        as_of: AsOf = None,
        k: Annotated[int | None, Field(ge=1, le=50, description="How many passages to consider.")] = None,
    ) -> dict[str, Any]:
        """Answer a question from the papers, with numbered citations ([1], [2]) to passages
        (document, committee, meeting date, page). Questions about actions (overdue, owners, due
        dates) are answered from the action records (mode 'actions'). When the papers do not
        answer, mode is 'not_found' and the closest passages are given: report that, do not guess."""
        return await call(ctx, "ask", question, tools.ask, question, committee, date_from, date_to, as_of, k)

    @server.tool(structured_output=True)
    async def list_actions(
        ctx: Context,
        committee: Committee = None,
        owner: Annotated[str | None, Field(max_length=200, description="Owner name or job title, loosely matched.")] = None,
        status: Annotated[ActionStatus | None, Field(description="open, responded, complete or ongoing.")] = None,
        overdue: Annotated[bool | None, Field(description="true: only overdue actions; false: only those not overdue.")] = None,
        as_of: AsOf = None,
        due_from: Annotated[date | None, Field(description="Due on or after (YYYY-MM-DD).")] = None,
        due_to: Annotated[date | None, Field(description="Due on or before (YYYY-MM-DD).")] = None,
        q: Annotated[str | None, Field(max_length=1000, description="Words the action should contain.")] = None,
        limit: Annotated[int, Field(ge=1, le=limit_max, description=f"At most this many actions (1-{limit_max}).")] = 50,
        offset: Annotated[int, Field(ge=0, le=1_000_000_000, description="Actions to skip (newest meeting first).")] = 0,
    ) -> dict[str, Any]:
        """Action records from action logs, action plans and minutes: what was asked, owner, due
        date, status, whether overdue on `as_of`, and the source row (document, page). `total` is
        how many match; page with limit and offset."""
        return await call(
            ctx, "list_actions", q, tools.list_actions, committee, owner, status, overdue, as_of, due_from, due_to, q, limit, offset
        )

    @server.tool(structured_output=True)
    async def list_decisions(
        ctx: Context,
        body: Annotated[str | None, Field(max_length=200, description="The body it went to or was taken by (committee name, acronym or alias).")] = None,
        kind: Annotated[DecisionKind | None, Field(description="recommendation, resolution, decision, noted, deferred, called_in or referred.")] = None,
        reference: Annotated[str | None, Field(max_length=100, description="A decision number (24/00093) or minute number.")] = None,
        q: Annotated[str | None, Field(max_length=1000, description="Words the record, its item or its paper should contain.")] = None,
        date_from: DateFrom = None,
        date_to: DateTo = None,
        limit: Annotated[int, Field(ge=1, le=limit_max, description=f"At most this many records (1-{limit_max}).")] = 50,
        offset: Annotated[int, Field(ge=0, le=1_000_000_000, description="Records to skip (newest meeting first).")] = 0,
    ) -> dict[str, Any]:
        """Recommendations put to a body and the resolutions and decisions taken, as records: body,
        meeting date, item, reference, kind, votes where recorded, and the source passage. Use
        get_decision with a record's id to follow its matter from meeting to meeting."""
        return await call(ctx, "list_decisions", q, tools.list_decisions, body, kind, reference, q, date_from, date_to, limit, offset)

    @server.tool(structured_output=True)
    async def get_decision(
        ctx: Context,
        decision_id: Annotated[str, Field(max_length=64, pattern=r"^[0-9a-f]{1,64}$", description="A record's id from list_decisions.")],
    ) -> dict[str, Any]:
        """One record and the chain of its matter: each step (date, what happened, the record, its
        source), where it stands now, and where the papers leave a gap. Report gaps as gaps."""
        return await call(ctx, "get_decision", None, tools.get_decision, decision_id)

    @server.tool(structured_output=True)
    async def get_document(
        ctx: Context,
        document_id: Annotated[str, Field(min_length=1, max_length=200, description="A document_id from another tool's result.")],
        page: Annotated[int | None, Field(ge=1, le=100_000, description="Also return this page's text.")] = None,
    ) -> dict[str, Any]:
        """A paper's metadata (title, committee, meeting date, type, pages, where each field was
        read from) and, when `page` is given, that page's passages the caller may read."""
        return await call(ctx, "get_document", document_id, tools.get_document, document_id, page)

    @server.tool(structured_output=True)
    async def list_committees(ctx: Context) -> dict[str, Any]:
        """The committees the papers name, with their acronyms and other names and how many papers
        and actions each has."""
        return await call(ctx, "list_committees", None, tools.list_committees)

    @server.tool(structured_output=True)
    async def list_documents(
        ctx: Context,
        committee: Committee = None,
        limit: Annotated[int, Field(ge=1, le=limit_max, description=f"At most this many papers (1-{limit_max}).")] = 50,
        offset: Annotated[int, Field(ge=0, le=1_000_000_000, description="Papers to skip (newest meeting first).")] = 0,
    ) -> dict[str, Any]:
        """The papers the caller may see, newest meeting first, with their metadata; `total` is how
        many there are."""
        return await call(ctx, "list_documents", committee, tools.list_documents, committee, limit, offset)

    @server.resource(
        "papers://documents/{document_id}/pages/{page}",
        name="page",
        description="The text of one page of a paper, passage by passage (only what the caller may read).",
        mime_type="application/json",
    )
    async def page_resource(document_id: str, page: str, ctx: Context) -> dict:
        if not page.isdigit() or not 1 <= int(page) <= 100_000:
            raise ValueError(f"page: '{page[:20]}' is not a page number")
        try:
            return await call(ctx, "page", document_id, tools.page, document_id, int(page))
        except ToolError as exc:  # a resource's failure is an error reply, with the same wording
            raise ValueError(str(exc)) from None

    return server


# --- the two transports ------------------------------------------------------------------------------


def stdio_caller(service: PapersService) -> Callable[[Any], Principal]:
    """The principal of every stdio call: the configured key, looked up afresh each time."""
    secret = service.settings.mcp.api_key
    key = secret.get_secret_value() if secret else None

    def caller_of(_ctx) -> Principal:
        return service.access.authenticate(key)

    return caller_of


def http_caller(ctx) -> Principal:
    """The principal `McpEndpoint` authenticated for the HTTP request carrying the call."""
    request = ctx.request_context.request
    principal = getattr(request.state, "principal", None) if request is not None else None
    if principal is None:
        raise AccessDenied("this call carries no authenticated request", 401)
    return principal


class McpEndpoint:
    """`/mcp` in the API: authenticate the request's key exactly as the REST API does (401 for a
    refused credential, audited), then hand it to the MCP session manager."""

    def __init__(self, service: PapersService, server) -> None:
        self.service = service
        self.server = server

    async def __call__(self, scope, receive, send) -> None:
        from starlette.requests import Request
        from starlette.responses import JSONResponse

        from api.deps import presented_key

        request = Request(scope, receive)
        if request.method != "POST":
            # A stateless server sends nothing unasked, so it offers no event stream (GET) and no
            # session to end (DELETE): a GET held open would only tie up a connection for ever.
            response = JSONResponse({"detail": "/mcp: send JSON-RPC messages with POST"}, status_code=405, headers={"Allow": "POST"})
            await response(scope, receive, send)
            return
        try:
            principal = self.service.access.authenticate(presented_key(request))
        except AccessDenied as exc:
            if self.service.settings.access.audit:
                self.service.access.record(None, request.method, "/mcp", exc.status, f"refused: {exc}"[:300], [])
            response = JSONResponse({"detail": str(exc)}, status_code=exc.status, headers={"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.server.session_manager.handle_request(scope, receive, send)


def run_stdio(service: PapersService) -> None:
    """`papers mcp`: serve the tools over stdio until the client closes it. A configured key that
    is refused stops the server at once, saying so."""
    caller_of = stdio_caller(service)
    caller_of(None)  # a bad key fails here, before the client connects
    build_server(service, caller_of).run("stdio")
