"""Shared fixtures: real components everywhere (real Chroma in a temp dir, the real model, the real
committee papers in ../shared/corpus). A missing corpus is a failure, not a skip."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("PAPERS_CORPUS", ROOT.parent / "shared" / "corpus"))
SEEDS = CORPUS / "seeds"
KENT = CORPUS / "kent"
EXAMPLES = ROOT / "examples" / "papers"
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"


def seed(prefix: str) -> Path:
    """The seed file whose name starts with `prefix` ("000")."""
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def load_questions() -> list[dict]:
    from bench.metrics import load_questions as read

    return read(QUESTIONS)


@pytest.fixture(scope="session", autouse=True)
def _corpus_present():
    missing = [p for p in (SEEDS, KENT) if not p.is_dir() or not any(p.iterdir())]
    if missing:
        pytest.fail(f"real corpus missing: {', '.join(map(str, missing))} (set PAPERS_CORPUS)", pytrace=False)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test touches ./.papers: PAPERS_HOME points at a temp dir and cached settings are reset."""
    from core.config import get_settings

    monkeypatch.setenv("PAPERS_HOME", str(tmp_path / "papers-home"))
    monkeypatch.delenv("PAPERS_CHROMA_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def make_service(home: Path, **overrides):
    from assistant.service import PapersService
    from core.config import Settings

    return PapersService(Settings(home=home, **overrides))


@pytest.fixture(scope="session")
def shared_embedder(tmp_path_factory):
    """One encoder for the session, configured as the default settings configure it."""
    return make_service(tmp_path_factory.mktemp("embedder-home")).embedder


@pytest.fixture(scope="session")
def corpus_service(tmp_path_factory, shared_embedder):
    """The whole real corpus plus the shipped examples, ingested once for the session."""
    service = make_service(tmp_path_factory.mktemp("corpus-home"))
    service.embedder = shared_embedder
    report = service.ingest([SEEDS, KENT, EXAMPLES])
    assert report.count("failed") == 0, report.summary()
    return service


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL cluster (Debian's package: initdb and pg_ctl in a temp dir, on a loopback
    port) for the session; stopped and removed at the end."""
    from bench.servers import postgres

    with postgres() as pg:
        yield pg


@pytest.fixture
def postgres_url(postgres_server, request):
    """A URL of a fresh, empty PostgreSQL schema for one test (every table a store makes lands in
    it); its connections are closed after the test."""
    import re

    from core.database import open_database

    schema = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[-40:] + f"_{os.getpid()}"
    url = postgres_server.schema_url("papers_tests", schema)
    yield url
    open_database(url).close()


def database_target(kind: str, request, tmp_path: Path, name: str):
    """Where a store keeps its tables in a test run against both databases: an SQLite file named
    `name` under tmp_path, or (kind 'postgresql') a fresh PostgreSQL schema."""
    return tmp_path / f"{name}.sqlite3" if kind == "sqlite" else request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real Chroma server (`chroma run`) on loopback, for the module's tests."""
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)
