"""/actions and /committees: action records and the committee registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.csv_export import actions_csv
from api.deps import Caller, Service, audit
from api.schemas import ActionHistory, ActionsResponse, CommitteesResponse, action_json, chain_json
from core.types import ActionFilters, ActionStatus

router = APIRouter(tags=["actions"])


@dataclass(frozen=True)
class ActionQuery:
    filters: ActionFilters
    as_of: date | None


def action_query(
    caller: Caller,
    committee: str | None = Query(None, max_length=200, description="Committee name, acronym or alias."),
    status: ActionStatus | None = Query(None, description="open | responded | complete | ongoing"),
    overdue: bool | None = Query(None, description="true: only overdue actions; false: only those not overdue."),
    as_of: date | None = Query(None, description="Date overdue is judged on (YYYY-MM-DD). Default: today."),
    owner: str | None = Query(None, max_length=200, description="Owner name or job title, loosely matched."),
    due_from: date | None = Query(None, description="Due on or after (YYYY-MM-DD)."),
    due_to: date | None = Query(None, description="Due on or before (YYYY-MM-DD)."),
    q: str | None = Query(None, max_length=1000, description="Words the action should contain."),
) -> ActionQuery:
    """The filters GET /actions and its CSV export share, with the caller's clearance."""
    if due_from and due_to and due_from > due_to:
        raise HTTPException(422, "due_from: must not be after due_to")
    filters = ActionFilters(
        committee=committee, status=status, overdue=overdue, owner=owner, due_from=due_from, due_to=due_to, q=q,
        clearance=caller.clearance,
    )
    return ActionQuery(filters, as_of)


Filters = Annotated[ActionQuery, Depends(action_query)]


@router.get("/actions", response_model=ActionsResponse)
async def actions(
    service: Service,
    caller: Caller,
    request: Request,
    query: Filters,
    limit: int | None = Query(None, ge=1, le=10000, description="At most this many actions (default: all)."),
    offset: int = Query(0, ge=0, le=1_000_000_000, description="Actions to skip, in the listing's order (newest meeting first)."),
) -> dict:
    """Action records from action logs and plans, with owner, due date, status and source row."""
    day, views = await run_in_threadpool(service.actions, query.filters, query.as_of)
    total, views = len(views), views[offset : None if limit is None else offset + limit]
    audit(request, service, caller, [v.action.document_id for v in views], str(request.url.query) or None)
    return {"as_of": day.isoformat(), "total": total, "actions": [action_json(v) for v in views]}


@router.get(
    "/actions/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The actions as a CSV file (an attachment)."}},
)
async def export_actions(service: Service, caller: Caller, request: Request, query: Filters) -> Response:
    """Every action GET /actions lists for the same filters (the same committee, owner, status,
    overdue, as_of, due dates and q, and the caller's clearance), as a CSV file to open in a
    spreadsheet: not a page of them, all of them, in the same order. Columns: reference, action,
    committee, meeting_date, owner, due_date, due_text, status, overdue (yes/no), response,
    document, page, source_url (the council's page for the paper when known, else this service's
    link to the original). UTF-8 with a byte order mark; a cell that a spreadsheet would run as a
    formula (starting with = + - @, a tab or a carriage return) starts with an apostrophe. More
    actions than PAPERS_API__MAX_EXPORT_ROWS (default 50,000) is refused with 422, never cut short."""
    day, views, pages = await run_in_threadpool(service.actions_export, query.filters, query.as_of)
    body = actions_csv(views, pages, str(request.base_url))
    audit(request, service, caller, list(dict.fromkeys(v.action.document_id for v in views)), str(request.url.query) or None)
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="actions-{day.isoformat()}.csv"'},
    )


@router.get("/actions/{action_id}/history", response_model=ActionHistory)
async def action_history(
    service: Service,
    caller: Caller,
    request: Request,
    action_id: str = Path(..., max_length=100, pattern=r"^[0-9a-f]{1,64}(?::a[0-9a-f]{1,32})?$"),
) -> dict:
    """One action and its history: raised at a meeting, then each later log of the same council
    that carries the same action, with its status then (updated, closed). Only the logs the
    caller may see are read."""
    view, chain = await run_in_threadpool(service.action_history, action_id, caller.clearance)
    audit(request, service, caller, chain.documents)
    return {"action": action_json(view), "chain": chain_json(chain)}


@router.get("/committees", response_model=CommitteesResponse)
async def committees(service: Service, caller: Caller, request: Request) -> dict:
    """Committees named by the papers, with the acronyms and aliases that resolve to them."""
    listed = await run_in_threadpool(service.committee_list, caller.clearance)
    audit(request, service, caller, [])
    return {"committees": listed}
