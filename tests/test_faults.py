"""Faults lose nothing: an ingest killed at any moment and re-run converges to the store an
uninterrupted run makes, and queries keep answering correctly while an ingest runs."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, make_service, seed


def _papers(tmp_path: Path) -> Path:
    folder = tmp_path / "papers"
    shutil.copytree(EXAMPLES, folder)
    for prefix in ("000", "002", "003"):
        shutil.copy(seed(prefix), folder)
    return folder


def _state(service) -> dict:
    """Everything the store holds, in comparable form."""
    service.ingestor.refresh_lexical()
    catalog_chunks = service.catalog.chunk_ids()
    return {
        "documents": sorted((d.id, d.sha256, d.chunks) for d in service.documents()),
        "chunks": catalog_chunks,
        "vectors": service.store.chunk_ids(),
        "lexical": service.lexical.ids(),
        "actions": sorted(a.id for a in service.catalog.actions()),
        "token_states": set(service.catalog.token_states(catalog_chunks)),
    }


def _committed(home: Path) -> int:
    db = next(home.glob("catalog-*.sqlite3"), None)
    if db is None:
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("kill_after_documents", [0, 2])
def test_killed_ingest_converges_to_an_uninterrupted_one(tmp_path, shared_embedder, kill_after_documents):
    folder = _papers(tmp_path)
    reference = make_service(tmp_path / "reference")
    reference.embedder = shared_embedder
    reference.ingest([folder])
    expected = _state(reference)
    assert expected["chunks"] == expected["vectors"] == expected["lexical"]

    home = tmp_path / "killed"
    # Reuse the session's exported ONNX model so the subprocess starts quickly.
    shutil.copytree(shared_embedder.cache_dir, home / "models")
    env = {**os.environ, "PAPERS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "ingest", "-q", str(folder)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if kill_after_documents == 0 and (home / "chroma").exists():
            time.sleep(1.0)  # inside the first file's embed/store
            break
        if kill_after_documents and _committed(home) >= kill_after_documents:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    resumed = make_service(home)
    resumed.embedder = shared_embedder
    report = resumed.ingest([folder])
    assert report.count("failed") == 0, report.summary()
    got = _state(resumed)
    assert got == expected


def test_queries_answer_while_an_ingest_runs(tmp_path, shared_embedder):
    service = make_service(tmp_path / "home")
    service.embedder = shared_embedder
    service.ingest([EXAMPLES])
    more = tmp_path / "more"
    more.mkdir()
    for prefix in ("000", "002", "003"):
        shutil.copy(seed(prefix), more)
    errors: list[BaseException] = []
    done = threading.Event()

    def ingest() -> None:
        try:
            service.ingest([more])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()

    worker = threading.Thread(target=ingest)
    worker.start()
    answered = 0
    while not done.is_set():
        passages = service.search("which actions are awaiting a response?", k=5)
        assert passages, "a search during ingest returned nothing"
        known = service.catalog.get_chunks([p.chunk.id for p in passages])
        assert set(known) == {p.chunk.id for p in passages}  # never a chunk the catalog lacks
        answer = service.ask("How many key workers were rehoused in 2022?")
        assert answer.mode in ("extractive", "not_found", "actions")
        answered += 1
    worker.join()
    assert not errors, errors
    assert answered >= 3
    # After the commit the new papers answer, and the indexes agree on which chunks exist.
    assert "11" in service.ask("How many key workers were rehoused in 2022?").answer
    state = _state(service)
    assert state["chunks"] == state["vectors"] == state["lexical"]
