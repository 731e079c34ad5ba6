"""Dependencies shared by the routes: the service, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.access import AccessDenied, Principal
from assistant.service import PapersService


def get_service(request: Request) -> PapersService:
    return request.app.state.service


Service = Annotated[PapersService, Depends(get_service)]


def _presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.headers.get("x-api-key") or None


def get_caller(request: Request, service: Service) -> Principal:
    """The principal for the request's API key (Authorization: Bearer <key>, or X-API-Key)."""
    principal = service.access.authenticate(_presented_key(request))
    request.state.principal = principal
    return principal


def get_admin(caller: Annotated[Principal, Depends(get_caller)]) -> Principal:
    if not caller.is_admin:
        raise AccessDenied("this needs an admin key")
    return caller


Caller = Annotated[Principal, Depends(get_caller)]
Admin = Annotated[Principal, Depends(get_admin)]


def audit(request: Request, service: PapersService, caller: Principal, documents: list[str], query: str | None = None, status: int = 200) -> None:
    """Record who asked what, through which endpoint, and which documents they were shown."""
    if service.settings.access.audit:
        service.access.record(caller, request.method, request.url.path, status, query, documents)
