"""/documents (list, detail, original file, upload, delete, reclassify), /health, /audit, /keys."""

from __future__ import annotations

from fastapi import APIRouter, File, HTTPException, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse

from api.deps import Admin, Caller, Service, audit
from api.schemas import (
    AuditResponse,
    CallerPublic,
    DocumentPublic,
    DocumentsResponse,
    HealthResponse,
    KeyCreated,
    KeyRequest,
    KeysResponse,
    ReclassifyRequest,
    UploadResponse,
)

router = APIRouter(tags=["documents"])


@router.get("/documents", response_model=DocumentsResponse)
async def list_documents(
    service: Service,
    caller: Caller,
    request: Request,
    limit: int | None = Query(None, ge=1, le=10000, description="At most this many papers (default: all)."),
    offset: int = Query(0, ge=0, description="Papers to skip, in the listing's order (newest meeting first)."),
) -> dict:
    """The papers the caller may see, with their detected metadata, newest meeting first;
    `total` is how many there are, so a client can page with `limit` and `offset`."""
    total, docs = await run_in_threadpool(service.documents_page, caller.clearance, limit, offset)
    audit(request, service, caller, [])
    return {"total": total, "documents": [d.to_dict() for d in docs]}


@router.get("/documents/{document_id}", response_model=DocumentPublic)
async def get_document(document_id: str, service: Service, caller: Caller, request: Request) -> dict:
    doc = await run_in_threadpool(service.document, document_id, caller.clearance)
    audit(request, service, caller, [doc.id])
    return doc.to_dict()


@router.get("/documents/{document_id}/file", response_class=FileResponse)
async def get_document_file(document_id: str, service: Service, caller: Caller, request: Request):
    """The original file, for opening a cited page; only for callers cleared for all of it."""
    path = await run_in_threadpool(service.document_file, document_id, caller.clearance)
    audit(request, service, caller, [document_id])
    return FileResponse(path, filename=path.name)


@router.post("/documents", response_model=UploadResponse)
async def upload_documents(service: Service, admin: Admin, request: Request, files: list[UploadFile] = File(...)) -> dict:
    """Upload and ingest one or many papers (admin). Each file gets its own result; a bad file
    does not stop the others."""
    limit = service.settings.api.max_upload_bytes
    received = []
    for f in files:
        data = await f.read(limit + 1)  # never more than the limit (plus one byte to notice) in memory
        received.append((f.filename or "upload", data))
    report = await run_in_threadpool(service.upload, received)
    audit(request, service, admin, [r.document_id for r in report.files if r.document_id])
    return {
        "files": [
            {
                "file": r.path.split("/")[-1], "status": r.status, "document_id": r.document_id, "pages": r.pages,
                "chunks": r.chunks, "actions": r.actions, "reason": r.reason, "warnings": r.warnings,
            }
            for r in report.files
        ]
    }


@router.delete("/documents/{document_id}", status_code=204)
async def delete_document(document_id: str, service: Service, admin: Admin, request: Request) -> None:
    """Remove a paper: its chunks, vectors, lexical entries and action records together (admin)."""
    await run_in_threadpool(service.delete_document, document_id)
    audit(request, service, admin, [document_id], status=204)


@router.patch("/documents/{document_id}", response_model=DocumentPublic)
async def reclassify_document(document_id: str, body: ReclassifyRequest, service: Service, admin: Admin, request: Request) -> dict:
    """Set a paper's classification (admin); an exempt section inside it stays exempt."""
    doc = await run_in_threadpool(service.reclassify, document_id, body.classification)
    audit(request, service, admin, [document_id], body.classification.value)
    return doc.to_dict()


@router.get("/health", response_model=HealthResponse, responses={503: {"model": HealthResponse}})
async def health(service: Service, caller: Caller):
    """Whether the store is reachable, and how much the caller can see (503 when unreachable)."""
    report = await run_in_threadpool(service.health, caller.clearance)
    return report if report["store_reachable"] else JSONResponse(report, status_code=503)


@router.get("/me", response_model=CallerPublic)
async def me(service: Service, caller: Caller, request: Request) -> dict:
    """Who the presented key (or its absence) makes the caller: role and what it may see."""
    audit(request, service, caller, [])
    levels = sorted(caller.clearance, key=lambda c: c.level)
    return {"role": caller.role, "name": caller.name, "clearance": [c.value for c in levels]}


@router.get("/audit", response_model=AuditResponse)
async def read_audit(service: Service, admin: Admin, limit: int = 100) -> dict:
    """The newest audit entries (admin)."""
    if not 1 <= limit <= 10000:
        raise HTTPException(422, "limit: must be between 1 and 10000")
    return {"entries": await run_in_threadpool(service.access.audit, limit)}


@router.get("/keys", response_model=KeysResponse)
async def list_keys(service: Service, admin: Admin) -> dict:
    return {"keys": [k.to_dict() for k in await run_in_threadpool(service.access.keys)]}


@router.post("/keys", response_model=KeyCreated)
async def create_key(body: KeyRequest, service: Service, admin: Admin, request: Request) -> dict:
    """Create a key (admin). The secret is in this response only; it is stored hashed."""
    key, secret = await run_in_threadpool(service.access.create_key, body.role, body.name)
    audit(request, service, admin, [], f"create {key.id} {key.role}")
    return {**key.to_dict(), "key": secret}


@router.delete("/keys/{key_id}", status_code=204)
async def revoke_key(key_id: str, service: Service, admin: Admin, request: Request) -> None:
    if not await run_in_threadpool(service.access.revoke, key_id):
        raise HTTPException(404, f"no active key with id '{key_id}'")
    audit(request, service, admin, [], f"revoke {key_id}")
