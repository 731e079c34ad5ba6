"""/actions and /committees: action records and the committee registry."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import Caller, Service, audit
from api.schemas import ActionsResponse, CommitteesResponse, action_json
from core.types import ActionFilters, ActionStatus

router = APIRouter(tags=["actions"])


@router.get("/actions", response_model=ActionsResponse)
async def actions(
    service: Service,
    caller: Caller,
    request: Request,
    committee: str | None = Query(None, max_length=200, description="Committee name, acronym or alias."),
    status: ActionStatus | None = Query(None, description="open | responded | complete | ongoing"),
    overdue: bool | None = Query(None, description="true: only overdue actions; false: only those not overdue."),
    as_of: date | None = Query(None, description="Date overdue is judged on (YYYY-MM-DD). Default: today."),
    owner: str | None = Query(None, max_length=200, description="Owner name or job title, loosely matched."),
    due_from: date | None = Query(None, description="Due on or after (YYYY-MM-DD)."),
    due_to: date | None = Query(None, description="Due on or before (YYYY-MM-DD)."),
    q: str | None = Query(None, max_length=1000, description="Words the action should contain."),
    limit: int | None = Query(None, ge=1, le=10000, description="At most this many actions (default: all)."),
    offset: int = Query(0, ge=0, le=1_000_000_000, description="Actions to skip, in the listing's order (newest meeting first)."),
) -> dict:
    """Action records from action logs and plans, with owner, due date, status and source row."""
    if due_from and due_to and due_from > due_to:
        raise HTTPException(422, "due_from: must not be after due_to")
    filters = ActionFilters(
        committee=committee, status=status, overdue=overdue, owner=owner, due_from=due_from, due_to=due_to, q=q,
        clearance=caller.clearance,
    )
    day, views = await run_in_threadpool(service.actions, filters, as_of)
    total, views = len(views), views[offset : None if limit is None else offset + limit]
    audit(request, service, caller, [v.action.document_id for v in views], str(request.url.query) or None)
    return {"as_of": day.isoformat(), "total": total, "actions": [action_json(v) for v in views]}


@router.get("/committees", response_model=CommitteesResponse)
async def committees(service: Service, caller: Caller, request: Request) -> dict:
    """Committees named by the papers, with the acronyms and aliases that resolve to them."""
    listed = await run_in_threadpool(service.committee_list, caller.clearance)
    audit(request, service, caller, [])
    return {"committees": listed}
