"""Dependencies shared by the routes: the service, and who is calling."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.security import session_of
from assistant.access import Principal
from assistant.service import PapersService
from core.errors import AccessDenied


def get_service(request: Request) -> PapersService:
    return request.app.state.service


Service = Annotated[PapersService, Depends(get_service)]


def presented_key(request: Request) -> str | None:
    """The API key the request carries (`Authorization: Bearer <key>` or `X-API-Key: <key>`), or
    None when it carries neither. A credential that is present but unusable (another scheme, an
    empty value, two different keys, a header repeated) is refused with 401, never read as "no
    key": that would quietly turn a caller who meant to present a key into the public."""
    authorization = request.headers.getlist("authorization")
    api_key = request.headers.getlist("x-api-key")
    if len(authorization) > 1 or len(api_key) > 1:
        raise AccessDenied("send one Authorization or X-API-Key header, not several", 401)
    keys: list[str] = []
    if authorization:
        scheme, _, value = authorization[0].strip().partition(" ")
        if scheme.lower() != "bearer":
            raise AccessDenied("Authorization: use the Bearer scheme ('Authorization: Bearer <key>')", 401)
        if not value.strip():
            raise AccessDenied("Authorization: the Bearer key is empty", 401)
        keys.append(value.strip())
    if api_key:
        if not api_key[0].strip():
            raise AccessDenied("X-API-Key: the key is empty", 401)
        keys.append(api_key[0].strip())
    if len(set(keys)) > 1:
        raise AccessDenied("Authorization and X-API-Key carry different keys", 401)
    return keys[0] if keys else None


def get_caller(request: Request, service: Service) -> Principal:
    """The principal for the request's API key (Authorization: Bearer <key>, or X-API-Key)."""
    principal = service.access.authenticate(presented_key(request), session_of(request.scope))
    request.state.principal = principal
    return principal


def get_admin(caller: Annotated[Principal, Depends(get_caller)]) -> Principal:
    if not caller.is_admin:
        raise AccessDenied("this needs an admin key")
    return caller


Caller = Annotated[Principal, Depends(get_caller)]
Admin = Annotated[Principal, Depends(get_admin)]


def audit(
    request: Request, service: PapersService, caller: Principal | None, documents: list[str], query: str | None = None, status: int = 200
) -> None:
    """Record who asked what, through which endpoint, and which documents they were shown. When
    the audit log cannot be written the request still succeeds and says so in a header."""
    if service.settings.access.audit:
        if not service.access.record(caller, request.method, request.url.path, status, query, documents):
            request.state.audit_degraded = True
