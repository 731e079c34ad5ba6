"""/decisions: recommendation and decision records, and the chain of each one's matter."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import Caller, Service, audit
from api.schemas import DecisionDetail, DecisionsResponse, chain_json, decision_json
from core.types import DecisionFilters, DecisionKind

router = APIRouter(tags=["decisions"])


@router.get("/decisions", response_model=DecisionsResponse)
async def decisions(
    service: Service,
    caller: Caller,
    request: Request,
    body: str | None = Query(None, max_length=200, description="The body it went to or was taken by: a committee's name, acronym or alias."),
    kind: DecisionKind | None = Query(None, description="recommendation | resolution | decision | noted | deferred | called_in | referred"),
    reference: str | None = Query(None, max_length=100, description="A decision number (24/00093) or minute number (300)."),
    q: str | None = Query(None, max_length=1000, description="Words the record, its item or its paper must contain."),
    date_from: date | None = Query(None, description="Meetings on or after (YYYY-MM-DD)."),
    date_to: date | None = Query(None, description="Meetings on or before (YYYY-MM-DD)."),
    limit: int | None = Query(None, ge=1, le=10000, description="At most this many records (default: all)."),
    offset: int = Query(0, ge=0, le=1_000_000_000, description="Records to skip, in the listing's order (newest meeting first)."),
) -> dict:
    """Recommendations put to a body, and the resolutions and decisions taken, as records: body,
    meeting date, item, reference, kind, votes where the minutes record them, and the passage
    each is read from. Only the records the caller's clearance allows are read."""
    if date_from and date_to and date_from > date_to:
        raise HTTPException(422, "date_from: must not be after date_to")
    filters = DecisionFilters(
        body=body, kind=kind, reference=reference, q=q, date_from=date_from, date_to=date_to, clearance=caller.clearance
    )
    records = await run_in_threadpool(service.decisions, filters)
    total, page = len(records), records[offset : None if limit is None else offset + limit]
    audit(request, service, caller, list(dict.fromkeys(r.document_id for r in page)), str(request.url.query) or None)
    return {"total": total, "decisions": [decision_json(r) for r in page]}


@router.get("/decisions/{decision_id}", response_model=DecisionDetail)
async def decision(
    service: Service,
    caller: Caller,
    request: Request,
    decision_id: str = Path(..., max_length=64, pattern=r"^[0-9a-f]{1,64}$"),
) -> dict:
    """One record, with the chain of its matter: the records of the same decision number or
    item title in the papers the caller may see, in meeting order, with the outcome at each
    step, where it stands, and where the papers leave a gap."""
    record, chain = await run_in_threadpool(service.decision, decision_id, caller.clearance)
    audit(request, service, caller, list(dict.fromkeys([record.document_id, *chain.documents])))
    return {"decision": decision_json(record), "chain": chain_json(chain)}
