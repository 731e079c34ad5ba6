"""What an attack on the running service found, each kept as a test that reproduces it.

Against real components: the examples ingested by the real pipeline, the API through TestClient,
and for what happens on the wire (chunked bodies, slow clients) a real `papers serve` spoken to
over a raw socket. The stored-script attack in a real browser is in test_e2e.py.
"""

from __future__ import annotations

import io
import json
import os
import select
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from conftest import EXAMPLES, make_service, seed
from fastapi.testclient import TestClient
from servers import papers_env, run_cli, serving

from api.app import create_app
from core.errors import AccessDenied
from core.types import Classification

SCRIPTED_HTML = b"""<html><head><title>Parks Committee minutes</title></head><body>
<h1>Parks Committee</h1><p>Minutes of the meeting held on 3 March 2025.</p>
<p>The committee agreed to repaint the Mill Lane bandstand before the summer.</p>
<script>fetch('/keys', {method: 'POST', headers: {'X-API-Key': sessionStorage.getItem('papers.apiKey'),
 'content-type': 'application/json'}, body: JSON.stringify({role: 'admin', name: 'stolen'})});</script>
</body></html>"""

MARKED = "NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A\nCabinet\nReport title: Depot land sale\nDate of meeting: 14 January 2025\n\n1. Purpose\nThe sale of the Quarry Road depot to Felbridge Homes is agreed at 1.1 million pounds.\n"
WITH_APPENDIX = """Classification: Unrestricted
Communities Scrutiny Panel
Report title: Libraries Review consultation
Date of meeting: 3 March 2025

1. Summary
The Libraries Review consultation with residents closes on 30 April 2025.

Appendix 2 - Exempt
NOT FOR PUBLICATION by virtue of paragraph 1 of Part 1 of Schedule 12A
The redundancy cost for the Orchard Lane library closure is 318,000 pounds.
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory, shared_embedder):
    s = make_service(tmp_path_factory.mktemp("attack-home"))
    s.embedder = shared_embedder
    report = s.ingest([EXAMPLES])
    assert report.count("failed") == 0, report.summary()
    return s


@pytest.fixture(scope="module")
def keys(service):
    out = {role: service.access.create_key(role, f"attack {role}") for role in ("member", "officer", "admin")}
    revoked, secret = service.access.create_key("officer", "revoked officer")
    service.access.revoke(revoked.id)
    out["revoked"] = (revoked, secret)
    return out


def client(service, key: str | None = None, **headers) -> TestClient:
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return TestClient(create_app(service), headers=headers)


def upload(c: TestClient, *files: tuple[str, bytes], **form) -> dict:
    r = c.post("/documents", files=[("files", (name, data, "application/octet-stream")) for name, data in files], data=form)
    assert r.status_code == 200, r.text
    return r.json()["files"]


# --- 1. originals never run as the app ---------------------------------------------------------


def test_an_html_original_is_a_sandboxed_download_and_a_pdf_opens_inline(service, keys):
    admin = client(service, keys["admin"][1])
    [html] = upload(admin, ("parks minutes.html", SCRIPTED_HTML))
    assert html["status"] == "added", html
    member = client(service, keys["member"][1])
    r = member.get(f"/documents/{html['document_id']}/file")
    assert r.status_code == 200 and r.content == SCRIPTED_HTML
    assert r.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in r.headers["content-security-policy"] and "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    pdf = next(d for d in service.documents() if d.source.endswith(".pdf"))
    for c in (client(service), member):  # the public too: the page number must not be lost to a download
        r = c.get(f"/documents/{pdf.id}/file")
        assert r.status_code == 200 and r.content[:5] == b"%PDF-"
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["content-disposition"].startswith("inline")
        assert "sandbox" not in r.headers["content-security-policy"]  # Chromium will not show a sandboxed PDF
        assert r.headers["x-content-type-options"] == "nosniff"
    admin.delete(f"/documents/{html['document_id']}")


def test_a_file_link_works_without_the_header_only_for_its_document_and_key(service, keys):
    member_key = service.access.create_key("member", "link member")
    member = client(service, member_key[1])
    pdf = next(d for d in service.documents() if d.source.endswith(".pdf"))
    other = next(d for d in service.documents() if d.id != pdf.id)
    link = member.post(f"/documents/{pdf.id}/file-link")
    assert link.status_code == 200 and link.json()["inline"] is True
    url = link.json()["url"]
    assert client(service).get(url).content == Path(pdf.path).read_bytes()  # no header needed
    ticket = url.split("ticket=")[1]
    assert client(service).get(f"/documents/{other.id}/file?ticket={ticket}").status_code == 401  # another document
    assert client(service).get(f"{url[:-3]}AAA").status_code == 401  # tampered
    with pytest.raises(AccessDenied, match="expired"):
        service.access.redeem_ticket(ticket, pdf.id, now=time.time() + 301)
    service.access.revoke(member_key[0].id)
    assert client(service).get(url).status_code == 401  # a revoked key's links die with it


def test_a_document_with_a_protected_part_withholds_its_file_and_fingerprint(service, keys, tmp_path):
    (tmp_path / "libraries.txt").write_text(WITH_APPENDIX)
    report = service.ingest([tmp_path / "libraries.txt"])
    doc_id = report.files[0].document_id
    try:
        public = client(service)
        seen = public.get(f"/documents/{doc_id}").json()
        assert seen["classification"] == "public" and seen["sha256"] is None
        officer = client(service, keys["officer"][1]).get(f"/documents/{doc_id}").json()
        assert officer["sha256"] == service.catalog.get_document(doc_id).sha256
        listed = {d["id"]: d for d in public.get("/documents").json()["documents"]}
        assert listed[doc_id]["sha256"] is None and listed[doc_id]["chunks"] == seen["chunks"] < officer["chunks"]
        withheld = public.get(f"/documents/{doc_id}/file")
        assert public.post(f"/documents/{doc_id}/file-link").status_code == 404
        # A file that has gone missing answers exactly as a withheld one does, and names no path.
        moved = tmp_path / "moved.txt"
        shutil.move(tmp_path / "libraries.txt", moved)
        missing = client(service, keys["officer"][1]).get(f"/documents/{doc_id}/file")
        assert withheld.status_code == missing.status_code == 404
        assert withheld.json() == missing.json() and str(tmp_path) not in missing.text
    finally:
        service.delete_document(doc_id)


# --- 3. uploads ----------------------------------------------------------------------------------


def test_uploads_keep_every_file_and_its_name(service, keys):
    admin = client(service, keys["admin"][1])
    long_name = "Appendix 1 - " + "Highways maintenance programme " * 5 + "final.txt"
    first = upload(
        admin,
        ("Appendix 1.txt", b"Highways Committee\nThe resurfacing of Mill Lane costs 84,000 pounds."),
        ("Appendix 1.txt", b"Parks Committee\nThe bandstand on the green is repainted in May."),
        ("報告.txt", b"Licensing Committee\nThe taxi fares review starts in June."),
        ("会議.txt", b"Planning Committee\nThe Local Plan examination opens in October."),
        (long_name, b"Highways Committee\nThe gully cleansing programme covers 4,000 drains."),
    )
    assert [f["status"] for f in first] == ["added"] * 5, first
    again = upload(admin, ("Appendix 1.txt", b"Audit Committee\nThe internal audit plan has 42 reviews."))
    ids = {f["document_id"] for f in first + again}
    assert len(ids) == 6  # two files of the same name in one request, and a third later: three papers
    sources = {service.document(i).source for i in ids}
    assert {"Appendix 1.txt", "報告.txt", "会議.txt"} <= sources
    kept_long = next(s for s in sources if s.startswith("Appendix 1 - "))
    assert kept_long.endswith(".txt") and len(kept_long.encode()) <= 200
    for i in ids:
        admin.delete(f"/documents/{i}")


def test_a_sidecar_needs_its_paper_and_never_quietly_lowers_a_marking(service, keys):
    admin = client(service, keys["admin"][1])
    lonely = upload(admin, ("depot.txt.meta.json", json.dumps({"classification": "public"}).encode()))
    assert lonely[0]["status"] == "failed" and "not in it" in lonely[0]["reason"]
    assert not [p for p in service.settings.uploads_path.rglob("*.meta.json")]  # never kept for a later file
    [later] = upload(admin, ("depot.txt", MARKED.encode()))
    assert later["status"] == "added" and service.document(later["document_id"]).classification is Classification.exempt
    admin.delete(f"/documents/{later['document_id']}")

    side = ("depot.txt.meta.json", json.dumps({"classification": "public", "committee": "Cabinet"}).encode())
    refused = upload(admin, ("depot.txt", MARKED.encode()), side)
    assert refused[0]["status"] == "failed" and "would lower the paper's own marking (exempt)" in refused[0]["reason"]
    assert not any(d.source == "depot.txt" for d in service.documents())
    allowed = upload(admin, ("depot.txt", MARKED.encode()), side, allow_declassify="true")
    assert allowed[0]["status"] == "added"
    assert any("lowers the paper's own marking from exempt to public" in w for w in allowed[0]["warnings"])
    assert service.document(allowed[0]["document_id"]).classification is Classification.public
    admin.delete(f"/documents/{allowed[0]['document_id']}")

    wrong = upload(admin, ("depot.txt", MARKED.encode()), ("depot.txt.meta.json", b'{"meeting_date": 20250114}'))
    assert wrong[0]["status"] == "failed" and "field 'meeting_date': must be a string or null" in wrong[0]["reason"]


def test_cli_ingest_names_files_twice_and_relative_folders(tmp_path):
    home = tmp_path / "home"
    folder = tmp_path / "papers"
    folder.mkdir()
    shutil.copy(seed("002"), folder / "carers.txt")
    shutil.copy(seed("004"), folder / "croydon.txt")
    (folder / "carers.txt.meta.json").write_text('{"committee": 5}')
    env = papers_env(home)
    # A file named on its own and again through its folder, from a relative path.
    done = run_cli(["ingest", "-q", "papers/croydon.txt", "papers"], env, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DuplicateIDError" not in done.stdout + done.stderr and "cannot read file" not in done.stdout
    assert "1 documents ingested" in done.stdout
    assert "carers.txt.meta.json: field 'committee': must be a string or null" in done.stdout  # not "the parser process died"
    assert len(make_service(home).documents()) == 1


# --- 4. credentials, audit, conversations ---------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer", "X-API-Key": "REVOKED"},
        {"Authorization": "Token VALID"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": ""},
        {"Authorization": "Bearer VALID", "X-API-Key": "pk_other"},
        {"X-API-Key": "REVOKED"},
    ],
)
def test_a_credential_that_is_present_and_not_valid_is_401(service, keys, headers):
    real = {k: v.replace("VALID", keys["member"][1]).replace("REVOKED", keys["revoked"][1]) for k, v in headers.items()}
    r = TestClient(create_app(service)).get("/me", headers=real)
    assert r.status_code == 401, (headers, r.text)
    assert r.headers["www-authenticate"] == "Bearer"


def test_refused_requests_are_audited(service, keys):
    member = client(service, keys["member"][1])
    marker = uuid.uuid4().hex
    assert client(service, "pk_" + marker).get("/me").status_code == 401
    assert member.post("/keys", json={"role": "admin", "name": marker}).status_code == 403
    assert member.get(f"/documents/{marker}").status_code == 404
    entries = service.access.audit(50)
    refused = [e for e in entries if marker in e["endpoint"] or e["status"] in (401, 403)]
    statuses = {e["status"] for e in refused}
    assert {401, 403, 404} <= statuses, refused
    by_status = {e["status"]: e for e in refused}
    assert by_status[401]["role"] == "none" and by_status[403]["key_name"] == "attack member"
    assert by_status[404]["endpoint"] == f"/documents/{marker}" and by_status[404]["query"].startswith("refused:")


def test_an_anonymous_conversation_belongs_to_its_browser(service):
    alice, mallory = client(service), client(service)
    first = alice.post("/ask", json={"question": "Which actions are overdue for HOSC?", "as_of": "2025-03-01"}).json()
    cid = first["conversation_id"]
    assert alice.cookies.get("papers_session")
    stolen = mallory.post("/ask", json={"question": "and which of those are owned by Tom Okafor-Reid?", "conversation_id": cid})
    assert stolen.status_code == 404  # another browser presenting the id learns nothing
    follow = alice.post("/ask", json={"question": "and which of those are owned by Tom Okafor-Reid?", "conversation_id": cid, "as_of": "2025-03-01"})
    assert follow.status_code == 200 and follow.json()["standalone_question"]
    assert TestClient(create_app(service)).post("/ask", json={"question": "x", "conversation_id": cid}).status_code == 404


# --- 5. limits and faults -----------------------------------------------------------------------


def test_offsets_past_any_page_are_refused(service):
    c = client(service)
    for url in ("/documents?offset=9223372036854775808", "/actions?offset=9223372036854775808", "/documents?offset=-1"):
        r = c.get(url)
        assert r.status_code == 422 and "offset" in r.json()["detail"], (url, r.text)


def _bomb_pdf() -> bytes:
    """A PDF of highly compressible text: a few kilobytes that expand to 2 million characters."""
    import pymupdf

    doc = pymupdf.open()
    text = "\n".join(["The Highways Committee noted the gully cleansing programme for every ward."] * 700)
    for _ in range(40):
        doc.new_page(width=600, height=4400).insert_text((10, 10), text, fontsize=6, lineheight=1)
    out = io.BytesIO()
    doc.save(out, deflate=True, garbage=4)
    return out.getvalue()


def test_a_paper_too_big_to_index_is_refused_with_the_reason(tmp_path, shared_embedder):
    s = make_service(tmp_path / "home", ingest={"max_chunks_per_file": 20})
    s.embedder = shared_embedder
    (tmp_path / "bomb.pdf").write_bytes(_bomb_pdf())
    (tmp_path / "small.txt").write_text("Parks Committee\nThe bandstand on the green is repainted in May.\n")
    report = s.ingest([tmp_path / "bomb.pdf", seed("003"), tmp_path / "small.txt"])
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["bomb.pdf"].status == "failed"
    assert "expand to" in by_name["bomb.pdf"].reason and "PAPERS_INGEST__MAX_PDF_TEXT_PER_BYTE" in by_name["bomb.pdf"].reason
    assert by_name["003_e60347ee22175e22.txt"].status == "failed"
    assert "PAPERS_INGEST__MAX_CHUNKS_PER_FILE" in by_name["003_e60347ee22175e22.txt"].reason
    assert by_name["small.txt"].status == "added"  # the batch carries on


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """`papers serve` over the examples with short deadlines, spoken to over raw sockets."""
    home = tmp_path_factory.mktemp("live-home")
    env = papers_env(
        home,
        PAPERS_API__HEADER_TIMEOUT_SECONDS="1",
        PAPERS_API__READ_TIMEOUT_SECONDS="1",
        PAPERS_API__BODY_SECONDS="4",
    )
    done = run_cli(["ingest", "-q", str(EXAMPLES)], env)
    assert done.returncode == 0, done.stderr[-2000:]
    with serving(home, env) as running:
        yield running


def _connect(live) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", live.port), timeout=10)
    return s


def _response(s: socket.socket, wait: float = 10) -> bytes:
    s.settimeout(wait)
    out = b""
    try:
        while True:
            part = s.recv(65536)
            if not part:
                break
            out += part
            if b"\r\n\r\n" in out and (b"content-length" not in out.lower() or len(out.split(b"\r\n\r\n", 1)[1]) >= int(out.lower().split(b"content-length: ")[1].split(b"\r\n")[0])):
                break
    except (TimeoutError, ConnectionResetError):
        pass
    return out


def test_a_chunked_body_is_refused_once_it_passes_the_limit(live):
    s = _connect(live)
    s.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"x" * 65536
    sent = 0
    s.settimeout(5)
    try:
        while sent < 200_000_000:
            s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            sent += len(piece)
            if select.select([s], [], [], 0)[0]:
                break
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass
    reply = _response(s)
    s.close()
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert b"larger than the 1,000,000 bytes allowed" in reply
    assert sent < 20_000_000  # refused near the 1 MB limit (plus what the sockets buffer), not after 200 MB


def test_an_upload_without_an_admin_key_is_refused_before_its_body(live):
    s = _connect(live)
    s.sendall(
        b"POST /documents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\n\r\n"
    )
    reply = _response(s, wait=5)  # not one byte of the (would-be 300 MB) body was sent
    s.close()
    assert reply.startswith(b"HTTP/1.1 403"), reply[:200]


def test_slow_clients_are_cut_off(live):
    slow_headers = _connect(live)
    slow_headers.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    started = time.monotonic()
    closed = False
    while time.monotonic() - started < 8:
        try:
            slow_headers.sendall(b"X")  # a byte of a header now and then, never the blank line
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        if select.select([slow_headers], [], [], 0.3)[0] and slow_headers.recv(1024) == b"":
            closed = True
            break
    slow_headers.close()
    assert closed and time.monotonic() - started < 6

    slow_body = _connect(live)
    slow_body.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"question\"")
    reply = _response(slow_body, wait=8)
    slow_body.close()
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    # ...and the server still answers everyone else.
    ok = _connect(live)
    ok.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert _response(ok).startswith(b"HTTP/1.1 200")
    ok.close()


@pytest.fixture()
def small_disk(tmp_path):
    """A real filesystem of 48 MB (tmpfs), so the disk can really be filled."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs to fill (root is needed): {done.stderr.strip()}", pytrace=False)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        for size in (1_000_000, 4096, 1):  # to the last byte
            try:
                while f.write(b"\0" * size):
                    pass
            except OSError:
                pass
    return filler


def test_reads_keep_working_on_a_full_disk_and_health_says_so(small_disk, shared_embedder):
    s = make_service(small_disk / "home")
    s.embedder = shared_embedder
    assert s.ingest([EXAMPLES / "HOSC action log - 2024-25.pdf"]).documents == 1
    c = client(s)
    assert c.get("/health").json()["audit"] == "ok"
    filler = _fill(small_disk)
    statuses, degraded = [], 0
    for i in range(40):
        r = c.get("/search", params={"q": f"overdue actions {i}"})
        statuses.append(r.status_code)
        degraded += r.headers.get("papers-audit") == "degraded"
    assert set(statuses) == {200}
    assert degraded, "the audit log never failed: the disk was not full"
    health = c.get("/health").json()
    assert health["status"] == "degraded" and health["audit"].startswith("degraded: ") and "full" in health["audit"]
    assert c.post("/ask", json={"question": "Which actions are overdue?"}).status_code == 200
    filler.unlink()
    assert c.get("/search", params={"q": "overdue"}).status_code == 200
    assert c.get("/health").json()["audit"] == "ok"


# --- 6. headers and disclosure ------------------------------------------------------------------


def test_every_page_forbids_framing_sniffing_and_foreign_scripts(service):
    c = client(service)
    for url in ("/", "/docs", "/health", "/static/app.js"):
        r = c.get(url)
        assert r.status_code == 200, url
        policy = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
    assert c.get("/health").headers["cache-control"] == "no-store"
    docs = c.get("/docs").text
    assert "http://" not in docs and "https://" not in docs and "/static/docs.js" in docs
    script = c.get("/static/docs.js").text
    assert "https://" not in script and "/openapi.json" in script
    assert c.get("/openapi.json").status_code == 200


def test_errors_name_no_server_path(service, tmp_path):
    broken = tmp_path / "aliases.json"
    broken.write_text("{not json")
    s = make_service(service.settings.home, committee_aliases=str(broken))
    s.embedder = service.embedder
    r = TestClient(create_app(s)).get("/committees")
    assert r.status_code == 500 and str(tmp_path) not in r.text and "server log" in r.json()["detail"]
    assert os.sep + "tmp" not in TestClient(create_app(service)).get("/documents/nope/file").text
