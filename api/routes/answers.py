"""/ask, /ask/stream and /search: thin handlers, one service call each."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from api.deps import Caller, Service, audit
from api.errors import STORAGE_FULL
from api.schemas import AskRequest, AskResponse, SearchResponse, answer_json, passage_json
from api.streaming import answer_events, event
from core.errors import StorageFull, StoreUnavailable
from core.types import Answer, SearchFilters

router = APIRouter(tags=["answers"])


def _check_length(service, text: str, field: str) -> None:
    limit = service.settings.api.max_question_chars
    if len(text) > limit:
        raise HTTPException(422, f"{field}: longer than {limit} characters")


def _filters(body: AskRequest, caller) -> SearchFilters:
    return SearchFilters(committee=body.committee, date_from=body.date_from, date_to=body.date_to, clearance=caller.clearance)


def _public(answer: Answer) -> dict:
    """The answer exactly as /ask returns it (the same JSON ends every /ask/stream)."""
    return AskResponse.model_validate(answer_json(answer)).model_dump(mode="json", exclude_unset=True)


def _cited(answer: Answer) -> list[str]:
    return [c.passage.chunk.document_id for c in answer.citations]


@router.post("/ask", response_model=AskResponse, response_model_exclude_unset=True)
async def ask(body: AskRequest, service: Service, caller: Caller, request: Request) -> dict:
    """Answer a question with cited passages (document, committee, meeting date, page).
    Questions about actions (overdue, owners, due dates) are answered from the action records:
    mode "actions", with the actions listed and one citation per action's source row.
    Every answer carries a `conversation_id`; send it back with a follow-up question ("what about
    Croydon?") and the follow-up is answered in context (`standalone_question` says how).
    `regenerate` with the conversation's id and its last question answers that turn again and
    replaces it (GET /conversations/{id} shows the history)."""
    _check_length(service, body.question, "question")
    answer = await run_in_threadpool(
        service.converse, caller.identity, body.conversation_id, body.question, _filters(body, caller), body.k, body.as_of,
        body.regenerate,
    )
    audit(request, service, caller, _cited(answer), body.question)
    return answer_json(answer)


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "meta, citations, delta…, done (or error)"}},
)
async def ask_stream(body: AskRequest, service: Service, caller: Caller, request: Request) -> StreamingResponse:
    """/ask as server-sent events, in order: `meta` (conversation_id, standalone_question, mode),
    `citations` (as in /ask), `delta` (pieces of the answer text, a sentence or line at a time),
    `done` (the whole /ask JSON). With a language-model answerer, its checked sentences are sent
    as it writes them: `meta` (mode "generated"), `delta`s, then `citations` (the passages its
    sentences cite) and `done`, whose mode is final (an extractive fallback says so in `note`).
    A failure after the stream has started is an `error` event; bad input and an unknown
    conversation are refused (422, 404) before it starts."""
    _check_length(service, body.question, "question")
    filters = _filters(body, caller)
    follow_up = await run_in_threadpool(
        service.begin_turn, caller.identity, body.conversation_id, body.question, caller.clearance, body.regenerate
    )

    async def events():
        pieces = service.ask_stream(body.question, filters, body.k, body.as_of, follow_up)
        live = service.settings.llm.enabled  # a language model's sentences are sent as they are checked
        answer, sent = None, False
        try:
            while answer is None:
                piece = await run_in_threadpool(next, pieces, None)
                if piece is None:
                    raise RuntimeError("the answer ended without an answer")
                if isinstance(piece, Answer):
                    answer = piece
                elif live:
                    if not sent:
                        yield event("meta", {"conversation_id": follow_up.conversation_id, "standalone_question": follow_up.standalone, "mode": "generated"})
                        sent = True
                    yield event("delta", {"text": piece})
        except Exception as exc:  # the status line is sent already: report the failure in-band
            audit(request, service, caller, [], body.question, status=500)
            if isinstance(exc, StoreUnavailable):
                message = "the document store is unavailable; try again shortly"
            elif isinstance(exc, StorageFull):
                message = STORAGE_FULL
            else:
                message = "the answer could not be made; try again"
            yield event("error", {"message": message})
            return
        audit(request, service, caller, _cited(answer), body.question)
        public = _public(answer)
        if not sent:
            for chunk in answer_events(public):
                yield chunk
            return
        yield event("citations", {"citations": public["citations"]})
        yield event("done", public)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )


@router.get("/search", response_model=SearchResponse)
async def search(
    service: Service,
    caller: Caller,
    request: Request,
    q: str = Query(..., min_length=1, description="Search text."),
    committee: str | None = Query(None, max_length=200, description="Committee name or acronym."),
    date_from: date | None = Query(None, description="Meetings on or after (YYYY-MM-DD)."),
    date_to: date | None = Query(None, description="Meetings on or before (YYYY-MM-DD)."),
    k: int = Query(5, ge=1, le=50, description="How many passages."),
) -> dict:
    """Passages ranked by hybrid (dense + lexical) search."""
    _check_length(service, q, "q")
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "date_from: must not be after date_to")
    filters = SearchFilters(committee=committee, date_from=date_from, date_to=date_to, clearance=caller.clearance)
    passages = await run_in_threadpool(service.search, q, filters, k)
    audit(request, service, caller, [p.chunk.document_id for p in passages], q)
    return {"query": q, "results": [passage_json(p) for p in passages]}
