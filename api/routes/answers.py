"""/ask and /search: thin handlers, one service call each."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import Caller, Service, audit
from api.schemas import AskRequest, AskResponse, SearchResponse
from assistant.types import SearchFilters

router = APIRouter(tags=["answers"])


def _check_length(service, text: str, field: str) -> None:
    limit = service.settings.api.max_question_chars
    if len(text) > limit:
        raise HTTPException(422, f"{field}: longer than {limit} characters")


@router.post("/ask", response_model=AskResponse, response_model_exclude_unset=True)
async def ask(body: AskRequest, service: Service, caller: Caller, request: Request) -> dict:
    """Answer a question with cited passages (document, committee, meeting date, page).
    Questions about actions (overdue, owners, due dates) are answered from the action records:
    mode "actions", with the actions listed and one citation per action's source row."""
    _check_length(service, body.question, "question")
    filters = SearchFilters(
        committee=body.committee, date_from=body.date_from, date_to=body.date_to, clearance=caller.clearance
    )
    answer = await run_in_threadpool(service.ask, body.question, filters, body.k, body.as_of)
    audit(request, service, caller, [c.passage.chunk.document_id for c in answer.citations], body.question)
    return answer.to_dict()


@router.get("/search", response_model=SearchResponse)
async def search(
    service: Service,
    caller: Caller,
    request: Request,
    q: str = Query(..., min_length=1, description="Search text."),
    committee: str | None = Query(None, description="Committee name or acronym."),
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
    return {"query": q, "results": [p.to_dict() for p in passages]}
