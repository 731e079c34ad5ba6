"""Ingest parses papers in worker processes (ingest.parse): the same chunks as parsing in the
ingesting process, errors that name the file, a worker that dies costs only a re-parse, and a
caller's script needs no `if __name__ == "__main__"` guard."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import EXAMPLES, KENT, make_service, seed

REPO = Path(__file__).resolve().parents[1]
PAPERS = [KENT / "Appendix J - Budget Risk Register.pdf", KENT / "CPP Minutes 10.12.24.pdf", seed("001")]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shape(chunks):
    return [(c.kind, c.page, c.heading_path, c.text, c.answers) for c in chunks]


@contextmanager
def _pool(service, workers: int):
    from ingest.parse import ParsePool

    pool = ParsePool(service.settings, workers)
    try:
        yield pool
    finally:
        pool.close()


def test_worker_processes_parse_exactly_what_the_ingesting_process_parses(tmp_path):
    from ingest.parse import PaperParser

    service = make_service(tmp_path / "home")
    here = PaperParser(service.settings, service.embedder.count_tokens)
    with _pool(service, 2) as pool:
        handles = [pool.submit(p, f"doc{i}", _sha(p)) for i, p in enumerate(PAPERS)]
        for i, (path, handle) in enumerate(zip(PAPERS, handles)):
            theirs = pool.result(handle)
            ours = here.parse(path, path.read_bytes(), f"doc{i}", _sha(path))
            assert theirs.document == ours.document
            assert _shape(theirs.chunks) == _shape(ours.chunks) and theirs.chunks
            assert [a.description for a in theirs.actions] == [a.description for a in ours.actions]


def test_a_worker_that_dies_costs_a_reparse_and_a_changed_file_is_named(tmp_path):
    from core.errors import LoadError

    with _pool(make_service(tmp_path / "home"), 1) as pool:
        first = pool.submit(PAPERS[0], "a", _sha(PAPERS[0]))
        second = pool.submit(PAPERS[2], "b", _sha(PAPERS[2]))
        pool.workers[0].process.kill()  # as a parser crashing on a damaged PDF would
        assert pool.result(first).document.id == "a"  # parsed again in a fresh worker
        third = pool.submit(PAPERS[1], "c", _sha(PAPERS[1]))  # queued after the re-asked ones
        assert pool.result(second).document.id == "b"
        assert pool.result(third).document.id == "c"
        stale = pool.submit(PAPERS[2], "d", "0" * 64)  # fingerprinted bytes that are no longer there
        with pytest.raises(LoadError, match="the file changed while it was being ingested"):
            pool.result(stale)
        missing = pool.submit(tmp_path / "gone.pdf", "e", "0" * 64)
        with pytest.raises(LoadError, match="cannot read file"):
            pool.result(missing)
    assert all(w is None for w in pool.workers)


def test_a_file_that_kills_two_workers_fails_alone(tmp_path):
    from core.errors import LoadError

    with _pool(make_service(tmp_path / "home"), 1) as pool:
        deadly = pool.submit(PAPERS[0], "a", _sha(PAPERS[0]))
        after = pool.submit(PAPERS[2], "b", _sha(PAPERS[2]))
        for _ in range(2):  # two workers die while it is the file being parsed
            pool.workers[0].process.kill()
            pool._replace(0)
        with pytest.raises(LoadError, match="died reading this file, twice"):
            pool.result(deadly)
        assert pool.result(after).document.id == "b"


def test_ingest_from_a_script_without_a_main_guard(tmp_path):
    """Parse workers start as `python -m ingest.parse`, never by re-running the caller's script."""
    script = tmp_path / "load_papers.py"
    script.write_text(
        "from pathlib import Path\n"
        "from core.config import Settings\n"
        "from assistant.service import PapersService\n"
        f"service = PapersService(Settings(home=Path({str(tmp_path / 'home')!r})))\n"
        f"report = service.ingest([Path({str(EXAMPLES)!r})])\n"
        "print('ADDED', report.count('added'), 'FAILED', report.count('failed'))\n"
    )
    out = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    expected = len([p for p in EXAMPLES.iterdir() if not p.name.endswith(".meta.json") and not p.name.startswith(".")])
    assert f"ADDED {expected} FAILED 0" in out.stdout
