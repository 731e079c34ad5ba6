"""/documents (list, detail, original file, upload, delete, reclassify), /health, /audit, /keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from api.deps import Admin, Caller, Service, audit, get_caller
from api.schemas import (
    AuditResponse,
    CallerPublic,
    DocumentPublic,
    DocumentsResponse,
    FileLink,
    HealthResponse,
    KeyCreated,
    KeyRequest,
    KeysResponse,
    PassagePlace,
    ReclassifyRequest,
    UploadResponse,
    document_json,
    key_json,
    place_json,
)
from assistant.access import Principal

# An original may be a paper's HTML, script included: it is never rendered as this app. Anything
# but a PDF is a download, and if a browser rendered it anyway the policy gives it no scripts, no
# origin of its own and nothing to load. A PDF opens in the browser's own viewer (a sandboxing
# policy makes Chromium refuse to show it, and its viewer runs no script of ours).
DOWNLOAD_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"
PDF_POLICY = "frame-ancestors 'self'"
OFFSET = Query(0, ge=0, le=1_000_000_000, description="Items to skip, in the listing's order.")

router = APIRouter(tags=["documents"])


@router.get("/documents", response_model=DocumentsResponse)
async def list_documents(
    service: Service,
    caller: Caller,
    request: Request,
    limit: int | None = Query(None, ge=1, le=10000, description="At most this many papers (default: all)."),
    offset: int = OFFSET,
) -> dict:
    """The papers the caller may see, with their detected metadata, newest meeting first;
    `total` is how many there are, so a client can page with `limit` and `offset`."""
    total, docs = await run_in_threadpool(service.documents_page, caller.clearance, limit, offset)
    audit(request, service, caller, [])
    return {"total": total, "documents": [document_json(d) for d in docs]}


@router.get("/documents/{document_id}", response_model=DocumentPublic)
async def get_document(document_id: str, service: Service, caller: Caller, request: Request) -> dict:
    doc = await run_in_threadpool(service.document, document_id, caller.clearance)
    audit(request, service, caller, [doc.id])
    return document_json(doc)


@router.get("/documents/{document_id}/passages/{chunk_id}", response_model=PassagePlace)
async def get_passage_place(
    document_id: str,
    chunk_id: Annotated[str, Path(max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")],
    service: Service,
    caller: Caller,
    request: Request,
) -> dict:
    """A cited passage in place: its boxes on the page (for highlighting it over the PDF), the
    passages either side of it, and whether the caller may open the original. Only for a
    caller who may see the passage; otherwise 404, as for a passage that does not exist."""
    chunk, before, after, original = await run_in_threadpool(service.passage_place, document_id, chunk_id, caller.clearance)
    audit(request, service, caller, [document_id], "passage")
    return place_json(chunk, before, after, original is not None, bool(original and original.inline))


def get_file_caller(
    document_id: str,
    request: Request,
    service: Service,
    ticket: str | None = Query(None, max_length=400, description="A ticket from POST /documents/{id}/file-link."),
) -> Principal:
    """The caller of a file request: the key a ticket was made for (a browser navigating to the
    file cannot send the key's header), else the request's own key or none."""
    if ticket is None:
        return get_caller(request, service)
    principal = service.access.redeem_ticket(ticket, document_id)
    request.state.principal = principal
    return principal


@router.get("/documents/{document_id}/file", response_class=FileResponse)
async def get_document_file(
    document_id: str, service: Service, caller: Annotated[Principal, Depends(get_file_caller)], request: Request
):
    """The original file, for opening a cited page; only for callers cleared for all of it. A
    PDF is shown inline (add `#page=N`); any other file is a download, never rendered here."""
    original = await run_in_threadpool(service.original, document_id, caller.clearance)
    audit(request, service, caller, [document_id])
    return FileResponse(
        original.path,
        media_type=original.media_type,
        filename=original.name,
        content_disposition_type="inline" if original.inline else "attachment",
        headers={
            "content-security-policy": PDF_POLICY if original.inline else DOWNLOAD_POLICY,
            "cache-control": "private, no-store",
        },
    )


@router.post("/documents/{document_id}/file-link", response_model=FileLink)
async def document_file_link(document_id: str, service: Service, caller: Caller, request: Request) -> dict:
    """A link to the original file that works for five minutes without the key's header, for a
    browser to open in its own viewer (the page cannot send a header with a navigation)."""
    original = await run_in_threadpool(service.original, document_id, caller.clearance)
    ticket = await run_in_threadpool(service.access.file_ticket, caller, document_id)
    audit(request, service, caller, [document_id], "file-link")
    return {"url": f"/documents/{document_id}/file?ticket={ticket}", "inline": original.inline, "expires_in": 300}


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "allow_declassify": {
                            "type": "boolean",
                            "description": "Let a sidecar lower a paper's own marking (refused otherwise).",
                        },
                    },
                }
            }
        },
    }
}


@router.post("/documents", response_model=UploadResponse, openapi_extra=UPLOAD_BODY)
async def upload_documents(service: Service, admin: Admin, request: Request) -> dict:
    """Upload and ingest one or many papers (admin), multipart `files`, with a paper's sidecar
    (`NAME.meta.json`) beside it if wanted. Each file gets its own result; a bad file does not
    stop the others. The key is checked before any of the body is read."""
    api = service.settings.api
    try:
        form = await request.form(max_files=api.max_upload_files, max_fields=20)
    except MultiPartException as exc:
        raise HTTPException(422, f"files: {exc.message}") from None
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not files:
        raise HTTPException(422, "files: no files in the upload (send them as multipart form field 'files')")
    allow = str(form.get("allow_declassify", "false")).lower()
    if allow not in ("true", "false", "1", "0", "yes", "no"):
        raise HTTPException(422, "allow_declassify: must be true or false")
    received = []
    for f in files:
        data = await f.read(api.max_upload_bytes + 1)  # the limit (plus one byte to notice) at most
        received.append((f.filename or "upload", data))
    await form.close()
    report = await run_in_threadpool(service.upload, received, allow in ("true", "1", "yes"))
    audit(request, service, admin, [r.document_id for r in report.files if r.document_id])
    return {
        "files": [
            {
                "file": r.path.rsplit("/", 1)[-1], "status": r.status, "document_id": r.document_id, "pages": r.pages,
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
    return document_json(doc)


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
    return {"keys": [key_json(k) for k in await run_in_threadpool(service.access.keys)]}


@router.post("/keys", response_model=KeyCreated)
async def create_key(body: KeyRequest, service: Service, admin: Admin, request: Request) -> dict:
    """Create a key (admin). The secret is in this response only; it is stored hashed."""
    key, secret = await run_in_threadpool(service.access.create_key, body.role, body.name)
    audit(request, service, admin, [], f"create {key.id} {key.role}")
    return {**key_json(key), "key": secret}


@router.delete("/keys/{key_id}", status_code=204)
async def revoke_key(key_id: str, service: Service, admin: Admin, request: Request) -> None:
    if not await run_in_threadpool(service.access.revoke, key_id):
        raise HTTPException(404, f"no active key with id '{key_id}'")
    audit(request, service, admin, [], f"revoke {key_id}")
