"""Bad input gets a clear answer naming the file and the reason; the batch carries on; nothing
already stored is lost. Through `papers ingest` (the service) and through `POST /documents`."""

from __future__ import annotations

import io
import shutil

import pytest
from conftest import KENT, make_service, seed
from fastapi.testclient import TestClient

from api.app import create_app

REAL_PDF = KENT / "Appendix 3 - TMG meeting note 14 November 2024.pdf"


def _pdf_bytes(draw) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    draw(doc.new_page())
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _encrypted_pdf() -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Confidential minutes")
    out = io.BytesIO()
    doc.save(out, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw="user")
    return out.getvalue()


@pytest.fixture()
def service(tmp_path, shared_embedder):
    s = make_service(tmp_path / "home", api={"max_upload_mb": 0.2}, ingest={"max_file_mb": 0.2})
    s.embedder = shared_embedder
    s.ingest([seed("000")])  # already stored: must survive everything below
    return s


def test_each_bad_file_gets_its_reason_and_the_batch_carries_on(tmp_path, service):
    before = service.catalog.counts()
    actions_before = len(service.catalog.actions())
    bad = tmp_path / "batch"
    bad.mkdir()
    (bad / "empty.pdf").write_bytes(b"")
    (bad / "truncated.pdf").write_bytes(REAL_PDF.read_bytes()[:3000])
    (bad / "encrypted.pdf").write_bytes(_encrypted_pdf())
    (bad / "scanned.pdf").write_bytes(_pdf_bytes(lambda page: page.draw_rect((50, 50, 300, 300), fill=(0.5, 0.5, 0.5))))
    (bad / "setup.exe").write_bytes(b"MZ\x90\x00")
    (bad / "huge.txt").write_text("Budget line. " * 20000)  # ~260 KB, over the 0.2 MB limit
    (bad / "latin1.txt").write_bytes("Minutes of the Parks Committee\nThe café kiosk lease: £1,200 a year.\n".encode("cp1252"))
    (bad / "page.html").write_text("<h1>Parks Committee</h1><script>fetch('/steal')</script><p>The lido reopens in May.</p>")
    shutil.copy(seed("000"), bad / "same-as-stored.txt")  # duplicate content
    shutil.copy(seed("002"), bad / "good.txt")
    report = service.ingest([bad])
    r = {f.path.split("/")[-1]: f for f in report.files}
    assert r["empty.pdf"].status == "failed" and r["empty.pdf"].reason == "empty file (0 bytes)"
    assert r["truncated.pdf"].status == "failed" and "PDF" in r["truncated.pdf"].reason
    assert r["encrypted.pdf"].status == "failed" and "encrypted" in r["encrypted.pdf"].reason
    assert r["scanned.pdf"].status == "failed" and r["scanned.pdf"].reason.startswith("no text found")
    assert r["setup.exe"].status == "skipped" and "unsupported file type '.exe'" in r["setup.exe"].reason
    assert r["huge.txt"].status == "failed" and "over the 0.2 MB limit" in r["huge.txt"].reason
    assert r["latin1.txt"].status == "added" and any("not valid UTF-8" in w for w in r["latin1.txt"].warnings)
    assert r["page.html"].status == "added"
    assert r["same-as-stored.txt"].status == "skipped" and "duplicate of already ingested" in r["same-as-stored.txt"].reason
    assert r["good.txt"].status == "added"
    # The summary names every failed file and its reason.
    summary = report.summary()
    for name in ("empty.pdf", "truncated.pdf", "encrypted.pdf", "scanned.pdf", "setup.exe", "huge.txt"):
        assert name in summary
    # What was stored before is untouched; what was good is added.
    docs = {d.source: d for d in service.documents()}
    assert seed("000").name in docs and "good.txt" in docs
    assert service.catalog.counts()[0] == before[0] + 3
    assert len(service.catalog.actions()) > actions_before
    texts = " ".join(c.text for c in service.catalog.iter_chunks())
    assert "café kiosk lease: £1,200" in texts and "fetch(" not in texts and "The lido reopens in May." in texts


def test_uploads_over_the_api(service):
    _, admin_key = service.access.create_key("admin", "uploader")
    client = TestClient(create_app(service), headers={"Authorization": f"Bearer {admin_key}"})
    files = [
        ("files", ("../../../etc/evil minutes.txt", seed("002").read_bytes(), "text/plain")),
        ("files", ("..\\..\\windows\\notes.md", b"# Parks Committee\n\nThe bandstand repairs cost 4,500 pounds.\n", "text/markdown")),
        ("files", ("empty.pdf", b"", "application/pdf")),
        ("files", ("big.txt", b"x " * 150_000, "text/plain")),
        ("files", ("tool.exe", b"MZ", "application/octet-stream")),
        ("files", ("copy.txt", seed("000").read_bytes(), "text/plain")),
    ]
    r = client.post("/documents", files=files)
    assert r.status_code == 200
    results = {f["file"]: f for f in r.json()["files"]}
    assert results["evil minutes.txt"]["status"] == "added"
    assert results["notes.md"]["status"] == "added"
    assert results["empty.pdf"]["reason"] == "empty file (0 bytes)"
    assert "over the 0.2 MB limit" in results["big.txt"]["reason"]
    assert "unsupported file type '.exe'" in results["tool.exe"]["reason"]
    assert "duplicate of already ingested" in results["copy.txt"]["reason"]
    # Names lose their directories: each paper lands in its own folder inside PAPERS_HOME/uploads,
    # and what was not ingested is not kept.
    uploads = service.settings.uploads_path.resolve()
    stored = sorted(p.resolve() for p in uploads.rglob("*") if p.is_file())
    assert sorted(p.name for p in stored) == ["evil minutes.txt", "notes.md"]
    assert all(p.parent.parent == uploads and p.parent.name.startswith("u_") for p in stored)
    assert not (service.settings.home / "etc").exists()
    # The uploaded file can be fetched back, and deleted with everything derived from it.
    doc_id = results["evil minutes.txt"]["document_id"]
    assert client.get(f"/documents/{doc_id}/file").content == seed("002").read_bytes()
    assert client.delete(f"/documents/{doc_id}").status_code == 204
    assert client.get(f"/documents/{doc_id}").status_code == 404
    assert not [a for a in service.catalog.actions() if a.document_id == doc_id]
    assert not [c for c in service.catalog.iter_chunks() if c.document_id == doc_id]
    assert not [cid for cid in service.store.chunk_ids() if cid.startswith(doc_id)]
    assert not [p for p in service.search("carers strategy co-produce", k=10) if p.chunk.document_id == doc_id]


def test_oversized_body_is_413(service):
    client = TestClient(create_app(service))
    r = client.post("/ask", content=b'{"question": "' + b"x" * 2_000_000 + b'"}', headers={"content-type": "application/json"})
    assert r.status_code == 413 and "body" in r.json()["detail"]


@pytest.mark.parametrize(
    "method,url,kwargs,field",
    [
        ("post", "/ask", {"json": {"question": "x" * 5000}}, "question"),
        ("post", "/ask", {"json": {"question": "budget", "k": 0}}, "k"),
        ("post", "/ask", {"json": {"question": "budget", "date_from": "2025-13-01"}}, "date_from"),
        ("post", "/ask", {"content": b"question=budget", "headers": {"content-type": "application/x-www-form-urlencoded"}}, "body"),
        ("post", "/ask", {"content": b"{not json", "headers": {"content-type": "application/json"}}, "body"),
        ("get", "/search", {"params": {"q": "budget", "k": 500}}, "k"),
        ("get", "/actions", {"params": {"overdue": "maybe"}}, "overdue"),
    ],
)
def test_api_inputs_are_4xx_with_a_message(service, method, url, kwargs, field):
    client = TestClient(create_app(service))
    r = getattr(client, method)(url, **kwargs)
    assert 400 <= r.status_code < 500, r.text
    assert field in r.json()["detail"]
