"""/alerts: saved searches and overdue-action subscriptions, delivered as Atom feeds (and webhooks)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.deps import Caller, Service, audit

router = APIRouter(tags=["alerts"])


class AlertRequest(BaseModel):
    kind: Literal["search", "overdue"] = Field(..., description="search: new passages matching words; overdue: actions that become overdue.")
    query: str | None = Field(None, max_length=500, description="For a search: the words (a question works too).")
    committee: str | None = Field(None, max_length=200, description="Only this committee's papers or actions.")
    owner: str | None = Field(None, max_length=200, description="For overdue: only this owner's actions.")
    date_from: date | None = Field(None, description="For a search: only meetings on or after.")
    date_to: date | None = Field(None, description="For a search: only meetings on or before.")
    webhook_url: str | None = Field(None, max_length=500, description="Also POST each delivery here (a host an admin allowed).")


def _public(sub, request: Request) -> dict:
    return {
        "id": sub.id,
        "kind": sub.kind,
        "query": sub.query,
        "committee": sub.committee,
        "owner": sub.owner_name,
        "date_from": sub.date_from.isoformat() if sub.date_from else None,
        "date_to": sub.date_to.isoformat() if sub.date_to else None,
        "feed_url": str(request.base_url).rstrip("/") + f"/alerts/{sub.id}/feed.atom?token={sub.feed_token}",
        "webhook_url": sub.webhook_url,
        "created_at": sub.created_at,
        "last_error": sub.last_error,
    }


@router.post("/alerts", status_code=201)
async def create_alert(body: AlertRequest, service: Service, caller: Caller, request: Request) -> dict:
    """Save a search or subscribe to overdue actions. Only what is new from now on is delivered, and
    only what the caller's key may see when it is delivered. The feed URL carries its own secret
    token (for a feed reader); the webhook secret is shown once."""
    try:
        sub, secret = await run_in_threadpool(
            service.alerts.subscribe, caller.identity, caller.key_id, body.kind, service, caller.clearance,
            body.query, body.committee, body.owner, body.date_from, body.date_to, body.webhook_url,
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    audit(request, service, caller, [], f"alert {sub.id}: {body.kind} {body.query or body.committee or body.owner or ''}")
    out = _public(sub, request)
    if secret:
        out["webhook_secret"] = secret
    return out


@router.get("/alerts")
async def list_alerts(service: Service, caller: Caller, request: Request) -> dict:
    """The caller's own alerts."""
    return {"alerts": [_public(s, request) for s in service.alerts.list(caller.identity)]}


@router.delete("/alerts/{alert_id}", status_code=204)
async def delete_alert(alert_id: str, service: Service, caller: Caller, request: Request) -> Response:
    """Stop an alert (someone else's is 404, as one that does not exist)."""
    service.alerts.delete(caller.identity, alert_id)
    audit(request, service, caller, [], f"alert {alert_id} deleted")
    return Response(status_code=204)


@router.get("/alerts/{alert_id}/feed.atom", response_class=Response)
async def alert_feed(alert_id: str, service: Service, token: str = Query("", max_length=100)) -> Response:
    """The alert's Atom feed (its token in the URL stands for the key: keep the URL private)."""
    xml = await run_in_threadpool(service.alerts.feed, alert_id, token)
    return Response(xml, media_type="application/atom+xml; charset=utf-8")
