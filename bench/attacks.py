"""What an attacker gets, measured (part of `make bench`):

- **Leaks.** Every labelled question, and one per protected sentence, asked by the public and by a
  member of the ingested corpus before and after protected papers are added (the planted papers
  of tests/data/planted, with sidecars fixing their classification, so that only the index is
  measured, not the detector). Rankings, scores, answers and citations must be identical: 100%.
- **Load beside attackers.** The 100-client load of bench/load.py while, beside it, slowloris
  connections drip header bytes, clients stall half-way through a body, and an anonymous client
  streams oversize chunked bodies at /ask and /documents. The real clients must see 0 errors; the
  attackers must be cut off. The server's memory is read before and after.
- **A full disk.** A store on a 48 MB tmpfs, the disk filled to the last byte, then reads: they
  must all succeed, and /health must say the audit log is degraded.

    .venv/bin/python -m bench.attacks --home DIR    (an ingested PAPERS_HOME; `make bench` runs it)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.corpus import REPO, log

PLANTED = REPO / "tests" / "data" / "planted"
WIDER_QUESTIONS = REPO / "tests" / "data" / "wider" / "questions_dev.jsonl"


# --- leaks ---------------------------------------------------------------------------------------


def _seen(service, clearance, questions: list[str]) -> list[tuple]:
    from core.types import SearchFilters

    out = []
    for question in questions:
        filters = SearchFilters(clearance=clearance)
        ranked = [(p.chunk.id, p.score) for p in service.search(question, filters, 10)]
        answer = service.ask(question, filters)
        out.append((ranked, answer.mode, answer.answer, [(c.passage.chunk.id, c.passage.score) for c in answer.citations]))
    return out


def _planted(level: str, folder: Path) -> list[str]:
    """Copies of the planted dev papers marked `level` as a whole, each with a sidecar saying
    so; returns one probe question per protected sentence."""
    manifest = json.loads((PLANTED / "manifest_dev.json").read_text())
    probes = []
    folder.mkdir(parents=True, exist_ok=True)
    for entry in manifest:
        if entry["document"] != level:
            continue
        source = PLANTED / entry["file"]
        target = folder / source.name
        shutil.copy(source, target)
        (folder / (source.name + ".meta.json")).write_text(json.dumps({"classification": level}))
        probes += [p["text"] for p in entry["protected"]]
    return probes


def leak_comparison(service, questions: list[str], work: Path) -> dict:
    """(Share of questions whose view is unchanged) for the public after restricted and exempt
    papers are added, and for a member after exempt ones are, with the ids of any that differ."""
    restricted_probes = _planted("restricted", work / "restricted")
    exempt_probes = _planted("exempt", work / "exempt")
    asked = questions + restricted_probes + exempt_probes
    public, member = service.access.clearance["public"], service.access.clearance["member"]
    added: list[str] = []
    t0 = time.perf_counter()
    try:
        public_before = _seen(service, public, asked)
        report = service.ingest([work / "restricted"])
        added += [f.document_id for f in report.files if f.status == "added"]
        member_restricted = _seen(service, member, asked)
        report = service.ingest([work / "exempt"])
        added += [f.document_id for f in report.files if f.status == "added"]
        public_after = _seen(service, public, asked)
        member_after = _seen(service, member, asked)
        officer_sees = sum(
            any(p.chunk.document_id in added for p in service.search(q, None, 5)) for q in restricted_probes + exempt_probes
        )
    finally:
        for doc_id in added:
            service.delete_document(doc_id)

    def same(a, b):
        differ = [q for q, x, y in zip(asked, a, b) if x != y]
        return {"questions": len(asked), "identical": len(asked) - len(differ), "rate": 1 - len(differ) / len(asked), "differ": differ[:10]}

    return {
        "planted_documents": len(added),
        "protected_probes": len(restricted_probes + exempt_probes),
        "probes_found_by_an_officer": officer_sees,
        "public": same(public_before, public_after),
        "member": same(member_restricted, member_after),
        "seconds": round(time.perf_counter() - t0, 1),
    }


# --- load beside attackers -----------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _Attackers:
    """Threads attacking a server on loopback until stopped, counting what happens to them."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stop = threading.Event()
        self.counts = {"slowloris_cut_off": 0, "slowloris_cut_off_s": [], "stalled_bodies_408": 0,
                       "oversize_refused": 0, "oversize_bytes_sent": [], "anonymous_uploads_refused": 0, "other": []}
        self.threads = [threading.Thread(target=self._slowloris, daemon=True) for _ in range(20)]
        self.threads += [threading.Thread(target=self._stalled_body, daemon=True) for _ in range(5)]
        self.threads += [threading.Thread(target=self._oversize, args=("/ask",), daemon=True) for _ in range(2)]
        self.threads += [threading.Thread(target=self._oversize, args=("/documents",), daemon=True)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)

    def _connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)

    def _slowloris(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                with self._connect() as s:
                    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
                    while not self.stop.is_set():
                        s.sendall(b"X")  # a header that never ends
                        time.sleep(1)
            except OSError:
                self.counts["slowloris_cut_off"] += 1
                self.counts["slowloris_cut_off_s"].append(time.monotonic() - started)

    def _stalled_body(self) -> None:
        while not self.stop.is_set():
            try:
                with self._connect() as s:
                    s.sendall(b"POST /ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"q")
                    reply = s.recv(200)
                    if reply.startswith(b"HTTP/1.1 408"):
                        self.counts["stalled_bodies_408"] += 1
                    else:
                        self.counts["other"].append(reply[:40].decode("latin-1"))
            except OSError as exc:
                self.counts["other"].append(type(exc).__name__)

    def _oversize(self, path: str) -> None:
        piece = b"x" * 65536
        while not self.stop.is_set():
            sent = 0
            try:
                with self._connect() as s:
                    kind = b"multipart/form-data; boundary=b" if path == "/documents" else b"application/json"
                    s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n" % (path.encode(), kind))
                    s.settimeout(5)
                    import select

                    while sent < 300_000_000 and not select.select([s], [], [], 0)[0]:
                        s.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                        sent += len(piece)
                    reply = s.recv(200)
            except OSError:
                reply = b""
            if reply.startswith(b"HTTP/1.1 413") or reply.startswith(b"HTTP/1.1 403"):
                key = "anonymous_uploads_refused" if path == "/documents" else "oversize_refused"
                self.counts[key] += 1
                self.counts["oversize_bytes_sent"].append(sent)
            elif reply:
                self.counts["other"].append(reply[:40].decode("latin-1"))

    def summary(self) -> dict:
        c = dict(self.counts)
        cut = c.pop("slowloris_cut_off_s")
        sent = c.pop("oversize_bytes_sent")
        c["slowloris_cut_off_after_s_max"] = round(max(cut), 1) if cut else None
        c["oversize_bytes_read_max_mb"] = round(max(sent) / 1e6, 1) if sent else None
        c["other"] = sorted(set(c["other"]))[:5]
        return c


def attack_load(home: Path, concurrency: int = 100, seconds: float = 15.0) -> dict:
    """bench/load.py's mix from `concurrency` clients, with the attackers beside it."""
    import httpx

    from bench.load import MIX, _phase, serve  # noqa: F401 - the same mix and phase as the plain load test

    with serve(home, "attack-server.log", {"PAPERS_API__HEADER_TIMEOUT_SECONDS": "5", "PAPERS_API__READ_TIMEOUT_SECONDS": "5"}) as (base, server):
        httpx.post(f"{base}/ask", json={"question": "warm up"}, timeout=120)
        rss_before = _rss_mb(server.pid)
        port = int(base.rsplit(":", 1)[1])
        with _Attackers(port) as attackers:
            time.sleep(1)
            legit = asyncio.run(_phase(base, concurrency, seconds, None))
        rss_after = _rss_mb(server.pid)
        healthy = httpx.get(f"{base}/health", timeout=10).status_code
    return {"clients": legit, "attackers": attackers.summary(), "rss_mb_before": round(rss_before), "rss_mb_after": round(rss_after), "health_after": healthy}


def upload_memory(home: Path, papers: list[Path]) -> dict:
    """The server's memory before and after an admin uploads large papers (parsed in a worker
    process that gives its memory back) and a PDF bomb (refused)."""
    import httpx

    from assistant.access import AccessControl
    from bench.load import serve
    from core.config import Settings

    settings = Settings(home=home)
    _, key = AccessControl(settings.access_path, settings.access.clearance).create_key("admin", "bench upload")
    out = {}
    with serve(home, "upload-server.log") as (base, server):
        httpx.post(f"{base}/ask", json={"question": "warm up"}, timeout=120)
        out["rss_mb_before"] = round(_rss_mb(server.pid))
        for paper in papers:
            r = httpx.post(f"{base}/documents", files=[("files", (paper.name, paper.read_bytes(), "application/octet-stream"))],
                           headers={"Authorization": f"Bearer {key}"}, timeout=600)
            result = r.json()["files"][0] if r.status_code == 200 else {"status": r.status_code}
            out[paper.name] = {"status": result.get("status"), "reason": result.get("reason"), "rss_mb_after": round(_rss_mb(server.pid))}
    return out


# --- a full disk ---------------------------------------------------------------------------------


def disk_full_reads(paper: Path) -> dict:
    """Reads against a store whose disk is full (a 48 MB tmpfs, filled)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from assistant.service import PapersService
    from core.config import Settings

    mount = Path(tempfile.mkdtemp(prefix="papers-full-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        return {"skipped": f"cannot mount a tmpfs: {done.stderr.strip()}"}
    try:
        service = PapersService(Settings(home=mount / "home"))
        service.ingest([paper])
        client = TestClient(create_app(service))
        client.get("/search", params={"q": "warm up"})
        with open(mount / "filler", "wb", buffering=0) as f:
            for size in (1_000_000, 4096, 1):
                try:
                    while f.write(b"\0" * size):
                        pass
                except OSError:
                    pass
        statuses, degraded = [], 0
        for i in range(50):
            r = client.get("/search", params={"q": f"overdue actions {i}"}) if i % 2 else client.post("/ask", json={"question": f"Which actions are overdue? {i}"})
            statuses.append(r.status_code)
            degraded += r.headers.get("papers-audit") == "degraded"
        health = client.get("/health").json()
        return {"reads": len(statuses), "ok": statuses.count(200), "said_degraded": degraded, "health": health["status"], "audit": health["audit"][:80]}
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        shutil.rmtree(mount, ignore_errors=True)


def markdown(data: dict) -> list[str]:
    lines = ["", "## Attacks (bench/attacks.py)", ""]
    leak = data.get("leaks", {})
    if "error" in leak:
        lines.append(f"Leak comparison: ERROR {leak['error']}")
    elif leak:
        p, m = leak["public"], leak["member"]
        lines += [
            f"Leak comparison ({leak['planted_documents']} protected papers planted; {p['questions']} questions, "
            f"{leak['protected_probes']} of them quoting protected sentences, {leak['probes_found_by_an_officer']} of which an officer finds): "
            f"public views identical {p['identical']}/{p['questions']} ({p['rate']:.1%}), member views identical "
            f"{m['identical']}/{m['questions']} ({m['rate']:.1%}). Target 100%: {'PASS' if p['rate'] == m['rate'] == 1 else 'FAIL'}.",
        ]
    load = data.get("attack_load", {})
    if "error" in load:
        lines.append(f"Load beside attackers: ERROR {load['error']}")
    elif load:
        c, a = load["clients"], load["attackers"]
        lines += [
            "",
            f"Load beside attackers: {c['concurrency']} clients, {c['requests']} requests in {c['seconds']} s, "
            f"**{c['errors']} errors** (p50 {c['p50_ms']:.0f} ms, p95 {c['p95_ms']:.0f} ms); beside them 20 slowloris "
            f"connections (cut off {a['slowloris_cut_off']} times, after at most {a['slowloris_cut_off_after_s_max']} s), "
            f"5 stalled bodies (408 {a['stalled_bodies_408']} times), oversize chunked bodies at /ask (413 "
            f"{a['oversize_refused']} times) and anonymous chunked uploads ({a['anonymous_uploads_refused']} refused), "
            f"at most {a['oversize_bytes_read_max_mb']} MB sent before the refusal; other outcomes {a['other']}. "
            f"Server RSS {load['rss_mb_before']} -> {load['rss_mb_after']} MB; /health after: {load['health_after']}.",
        ]
    up = data.get("upload_memory", {})
    if up and "error" not in up:
        parts = [f"{name}: {r['status']}" + (f" ({r['reason'][:60]})" if r.get("reason") else "") + f", RSS {r['rss_mb_after']} MB"
                 for name, r in up.items() if isinstance(r, dict)]
        lines += ["", f"Uploads and server memory (RSS {up['rss_mb_before']} MB before): " + "; ".join(parts) + "."]
    disk = data.get("disk_full", {})
    if disk:
        if "skipped" in disk or "error" in disk:
            lines += ["", f"Full disk: {disk.get('skipped') or disk.get('error')}"]
        else:
            lines += ["", f"Full disk: {disk['ok']}/{disk['reads']} reads answered 200, {disk['said_degraded']} said the audit "
                      f"log is degraded; /health: {disk['health']} ({disk['audit']})."]
    return lines


def run_all(service, questions: list[str], home: Path, work: Path) -> dict:
    """Every measurement above; a failing one is reported, not raised."""
    work.mkdir(parents=True, exist_ok=True)
    out = {}
    steps = [
        ("leaks", lambda: leak_comparison(service, questions, work / "planted")),
        ("attack_load", lambda: attack_load(_copy(home, work / "attack-home"))),
        ("upload_memory", lambda: upload_memory(_copy(home, work / "upload-home"), [
            REPO.parent / "shared" / "corpus" / "wider" / "suffolk-county-council" / "2011-libraries-evaluation-report.pdf",
            REPO.parent / "shared" / "corpus" / "wider" / "suffolk-county-council" / "library-services-contract-public-version.pdf",
            _bomb(work / "bomb.pdf"),
        ])),
        ("disk_full", lambda: disk_full_reads(REPO / "examples" / "papers" / "HOSC action log - 2024-25.pdf")),
    ]
    for name, step in steps:
        log(f"attacks: {name} ...")
        try:
            out[name] = step()
        except Exception as exc:  # noqa: BLE001 - reported in the results
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def _copy(home: Path, target: Path) -> Path:
    shutil.copytree(home, target)
    return target


def _bomb(path: Path) -> Path:
    """A PDF of a few kilobytes whose text expands to about 2 million characters."""
    import pymupdf

    doc = pymupdf.open()
    text = "\n".join(["The Highways Committee noted the gully cleansing programme for every ward."] * 700)
    for _ in range(40):
        doc.new_page(width=600, height=4400).insert_text((10, 10), text, fontsize=6, lineheight=1)
    doc.save(path, deflate=True, garbage=4)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="an ingested PAPERS_HOME (it is not changed)")
    args = parser.parse_args(argv)
    from assistant.service import PapersService
    from bench.corpus import QUESTIONS
    from bench.metrics import load_questions
    from core.config import Settings

    work = Path(tempfile.mkdtemp(prefix="papers-attacks-"))
    try:
        home = _copy(args.home, work / "home")
        questions = [q["question"] for q in load_questions(QUESTIONS)] + [q["question"] for q in load_questions(WIDER_QUESTIONS)]
        data = run_all(PapersService(Settings(home=home)), questions, home, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(markdown(data)))
    print(json.dumps(data, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
