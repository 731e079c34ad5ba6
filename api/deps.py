"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.service import PapersService


def get_service(request: Request) -> PapersService:
    return request.app.state.service


Service = Annotated[PapersService, Depends(get_service)]
