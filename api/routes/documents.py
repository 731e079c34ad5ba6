"""/documents and /health."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import Service
from api.schemas import DocumentPublic, DocumentsResponse, HealthResponse

router = APIRouter(tags=["documents"])


@router.get("/documents", response_model=DocumentsResponse)
async def list_documents(service: Service) -> dict:
    """Every ingested paper with its detected metadata."""
    docs = await run_in_threadpool(service.documents)
    return {"documents": [d.to_dict() for d in docs]}


@router.get("/documents/{document_id}", response_model=DocumentPublic)
async def get_document(document_id: str, service: Service) -> dict:
    return (await run_in_threadpool(service.document, document_id)).to_dict()


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
async def health(service: Service):
    """Whether the store is reachable, and how much is in it (503 when it is not reachable)."""
    report = await run_in_threadpool(service.health)
    return report if report["store_reachable"] else JSONResponse(report, status_code=503)
