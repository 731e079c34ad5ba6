"""Two `papers serve` replicas over one real Chroma server and one real PostgreSQL: what one ingests
or deletes the other answers within a bounded time; a conversation continues on either; roles
hold on both; two ingests never run at once; a replica killed mid-ingest leaves nothing half
written and no lock held; health says which database each uses and whether it is current."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack

import pytest
from conftest import ROOT, SEEDS
from servers import papers_env, serving

FOLLOW = 0.5  # seconds between a replica's checks of the catalog's generation
BOUND = 20.0  # a change made through one replica is answered by the other within this (rebuild included)

DEPOT = (
    "NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A\nCabinet\n"
    "Report title: Depot land sale\nDate of meeting: 14 January 2025\n\n1. Purpose\n"
    "The sale of the Quarry Road depot to Felbridge Homes is agreed at 1.1 million pounds.\n"
)
BENCHES = "Marlow Parish Council\nMinutes of 3 March 2025\n\n4. Benches\nThe new oak benches on Pelham Green are to be installed by the parish handyman in April.\n"


def _call(url: str, method: str = "GET", key: str | None = None, body: dict | None = None, files: dict | None = None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    data = None
    if body is not None:
        data, headers["content-type"] = json.dumps(body).encode(), "application/json"
    if files is not None:
        boundary = "papersboundary"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n{text}\r\n"
            for name, text in files.items()
        ]
        data = ("".join(parts) + f"--{boundary}--\r\n").encode()
        headers["content-type"] = f"multipart/form-data; boundary={boundary}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw and r.headers.get("content-type", "").startswith("application/json") else raw)
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, (json.loads(raw) if raw.startswith(b"{") else raw)


def _until(check, seconds: float = BOUND) -> float:
    """Seconds until `check()` holds (fails the test past `seconds`)."""
    t0 = time.monotonic()
    while not check():
        if time.monotonic() - t0 > seconds:
            pytest.fail(f"not within {seconds:.0f} s", pytrace=False)
        time.sleep(0.1)
    return time.monotonic() - t0


def _found(replica, q: str, key: str | None = None) -> list[str]:
    status, body = _call(f"{replica.url}/search?q={urllib.parse.quote(q)}&k=5", key=key)
    assert status == 200, body
    return [r["text"] for r in body["results"]]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, postgres_server, chroma_server):
    """Replicas A and B: own homes (their lexical indexes), one database, one Chroma server, one
    store of original files; an admin, an officer and a member key made in the shared database."""
    from assistant.access import AccessControl
    from core.config import Settings

    url = postgres_server.database("papers_replicas")
    files = tmp_path_factory.mktemp("shared-files")
    shared = {
        "PAPERS_DATABASE_URL": url, "PAPERS_CHROMA_URL": chroma_server, "PAPERS_FILES_DIR": str(files),
        "PAPERS_API__FOLLOW_SECONDS": str(FOLLOW), "PAPERS_INGEST__LOCK_WAIT_SECONDS": "60",
    }
    access = AccessControl(url, Settings().access.clearance)
    keys = {role: access.create_key(role, f"replica test {role}")[1] for role in ("admin", "officer", "member")}
    with ExitStack() as stack:
        homes = [tmp_path_factory.mktemp(f"replica-{n}") for n in "ab"]
        a, b = (stack.enter_context(serving(h, papers_env(h, **shared))) for h in homes)
        yield {"a": a, "b": b, "keys": keys, "env": shared, "url": url, "files": files}
    access.db.close()


def test_health_says_which_database_and_store_and_whether_current(cluster):
    seen = set()
    for name in "ab":
        status, h = _call(f"{cluster[name].url}/health")
        assert status == 200 and h["database"] == "postgresql" and h["database_reachable"]
        assert h["store"] == cluster["env"]["PAPERS_CHROMA_URL"] and isinstance(h["generation"], int)
        _until(lambda n=name: _call(f"{cluster[n].url}/health")[1]["current"])
        seen.add(h["replica"])
    assert len(seen) == 2  # two processes, told apart


def test_what_one_replica_ingests_or_deletes_the_other_answers_within_a_bound(cluster):
    a, b, admin = cluster["a"], cluster["b"], cluster["keys"]["admin"]
    status, up = _call(f"{a.url}/documents", "POST", admin, files={"benches.txt": BENCHES})
    assert status == 200 and up["files"][0]["status"] == "added", up
    doc = up["files"][0]["document_id"]
    took = _until(lambda: any("Pelham Green" in t for t in _found(b, "oak benches Pelham Green")))
    assert took < BOUND
    assert _call(f"{b.url}/health")[1]["current"]
    status, original = _call(f"{b.url}/documents/{doc}/file", key=admin)  # the shared store of originals
    assert status == 200 and b"Pelham Green" in original
    assert _call(f"{b.url}/documents/{doc}", "DELETE", admin)[0] == 204
    _until(lambda: not any("Pelham Green" in t for t in _found(a, "oak benches Pelham Green")))
    assert _call(f"{a.url}/documents/{doc}")[0] == 404


def test_an_exempt_paper_through_one_replica_is_hidden_on_the_other(cluster):
    a, b, keys = cluster["a"], cluster["b"], cluster["keys"]
    status, up = _call(f"{a.url}/documents", "POST", keys["admin"], files={"depot.txt": DEPOT})
    assert status == 200 and up["files"][0]["status"] == "added", up
    doc = up["files"][0]["document_id"]
    _until(lambda: _call(f"{b.url}/health")[1]["current"])
    for key in (None, keys["member"]):  # not cleared for exempt papers
        assert not any("Felbridge" in t for t in _found(b, "Quarry Road depot sale Felbridge", key))
        assert _call(f"{b.url}/documents/{doc}", key=key)[0] == 404
    for key in (keys["officer"], keys["admin"]):
        assert any("Felbridge" in t for t in _found(b, "Quarry Road depot sale Felbridge", key))
    _call(f"{a.url}/documents/{doc}", "DELETE", keys["admin"])


def test_a_conversation_continues_on_the_other_replica(cluster):
    a, b, member = cluster["a"], cluster["b"], cluster["keys"]["member"]
    status, first = _call(f"{a.url}/ask", "POST", member, {"question": "What is the parish precept?"})
    assert status == 200 and first["conversation_id"]
    cid = first["conversation_id"]
    status, follow = _call(f"{b.url}/ask", "POST", member, {"question": "and who proposed it?", "conversation_id": cid})
    assert status == 200 and follow["conversation_id"] == cid
    status, convo = _call(f"{a.url}/conversations/{cid}", key=member)
    assert status == 200 and [t["question"] for t in convo["turns"]] == ["What is the parish precept?", "and who proposed it?"]
    # someone else presenting the id, on either replica, is told it does not exist
    for r in (a, b):
        assert _call(f"{r.url}/conversations/{cid}", key=cluster["keys"]["officer"])[0] == 404


def test_two_ingests_never_run_at_once_across_replicas(cluster, tmp_path):
    """Uploads through both replicas at the same moment: one waits for the other's lock; both land,
    whole. Held past its wait by another, an ingest is refused as busy (409), naming why."""
    from core.database import PostgresDatabase

    a, b, admin = cluster["a"], cluster["b"], cluster["keys"]["admin"]
    results = {}

    def upload(replica, name):
        results[name] = _call(f"{replica.url}/documents", "POST", admin, files={name: BENCHES.replace("oak", name[:5])})

    threads = [threading.Thread(target=upload, args=(r, n)) for r, n in ((a, "alpha.txt"), (b, "bravo.txt"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(s == 200 and body["files"][0]["status"] == "added" for s, body in results.values()), results
    other = PostgresDatabase(cluster["url"])
    try:
        with other.lock("ingest"):
            env = papers_env(tmp_path, **{**cluster["env"], "PAPERS_INGEST__LOCK_WAIT_SECONDS": "1"})
            (tmp_path / "c.txt").write_text(BENCHES.replace("oak", "teak"))
            busy = subprocess.run([sys.executable, "-m", "api.cli", "ingest", str(tmp_path / "c.txt")], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)
            assert busy.returncode == 1 and "another ingest or sync is running" in busy.stderr
    finally:
        other.close()
    for _, body in results.values():
        _call(f"{a.url}/documents/{body['files'][0]['document_id']}", "DELETE", admin)


def test_a_replica_killed_mid_ingest_leaves_nothing_half_written(cluster, tmp_path):
    """`papers ingest` of many papers, killed (SIGKILL) once the first has landed: every paper the
    catalog holds is whole, the lock died with the process, and the replicas answer as before."""
    from core.database import PostgresDatabase

    folder = tmp_path / "many"
    folder.mkdir()
    for f in sorted(SEEDS.glob("*.txt"))[:12]:
        (folder / f.name).write_bytes(f.read_bytes())
    env = papers_env(tmp_path / "home", **cluster["env"])
    db = PostgresDatabase(cluster["url"])
    try:
        before = db.conn().execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        proc = subprocess.Popen([sys.executable, "-m", "api.cli", "ingest", "--quiet", str(folder)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            _until(lambda: db.conn().execute("SELECT COUNT(*) FROM documents").fetchone()[0] > before or proc.poll() is not None, 300)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        rows = db.conn().execute(
            "SELECT d.id, d.chunks, (SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id) FROM documents d"
        ).fetchall()
        assert rows and all(declared == held for _, declared, held in rows), rows
        with db.lock("ingest", timeout=5):  # the killed process's lock is gone with its session
            pass
        a, b = cluster["a"], cluster["b"]
        for r in (a, b):
            assert _call(f"{r.url}/health")[0] == 200
        _until(lambda: _call(f"{b.url}/health")[1]["current"])
        assert _found(b, "committee meeting minutes")  # searches still answer
        admin = cluster["keys"]["admin"]
        for doc_id, _, _ in rows:
            _call(f"{a.url}/documents/{doc_id}", "DELETE", admin)
    finally:
        db.close()


def test_a_replica_whose_database_goes_away_says_so_and_recovers(tmp_path, chroma_server):
    """A replica on its own cluster: the cluster stopped, health is 503 naming the database and a
    search a clear 503; the cluster back, the replica reconnects by itself."""
    from bench.servers import _as_postgres, postgres, postgres_bin

    with postgres() as pg:
        url = pg.database("papers_down")
        home = tmp_path / "home"
        home.mkdir()
        env = papers_env(home, PAPERS_DATABASE_URL=url, PAPERS_CHROMA_URL=chroma_server, PAPERS_API__FOLLOW_SECONDS=str(FOLLOW))
        with serving(home, env, warm=False) as r:
            assert _call(f"{r.url}/health")[0] == 200
            ctl = str(postgres_bin() / "pg_ctl")
            data = str(pg.directory / "data")
            subprocess.run(_as_postgres([ctl, "-D", data, "-m", "fast", "-w", "stop"]), check=True, capture_output=True)
            status, h = _call(f"{r.url}/health")
            assert status == 503 and h["database_reachable"] is False and h["status"] == "degraded"
            status, body = _call(f"{r.url}/search?q=precept")
            assert status == 503 and "unavailable" in body["detail"] and "postgresql://" not in body["detail"]
            subprocess.run(_as_postgres([ctl, "-D", data, "-l", str(pg.directory / "server.log"), "-w", "start"]),
                           check=True, capture_output=True)
            _until(lambda: _call(f"{r.url}/health")[0] == 200)
            assert _call(f"{r.url}/search?q=precept")[0] == 200

