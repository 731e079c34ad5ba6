"""Prove a change changes nothing: the same papers give the same chunks, and every labelled question
the same passages in the same order with the same scores, and the same answer, as at a git commit.

    python -m bench.compare [REV]      (make compare REV=...; default REV: HEAD)

REV is checked out into a temporary worktree; this file's `dump` runs once over that tree and once
over the working tree (each in its own process, with its own PAPERS_HOME), and the two dumps are
compared. Measures nothing: it reads only the questions' text, never their labels.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the working tree's: both dumps read its inputs
CORPUS = ROOT.parent / "shared" / "corpus"
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"


def dump(out: Path, home: Path) -> None:
    """Ingest the real corpus and the examples with the code on sys.path, and write what it gives."""
    from assistant import service as service_module

    PapersService, Settings = service_module.PapersService, service_module.Settings  # whichever module the tree has them in

    files = sorted((CORPUS / "seeds").glob("*.txt")) + sorted((CORPUS / "kent").glob("*.pdf"))
    if not files:
        raise SystemExit(f"compare: no corpus at {CORPUS}")
    service = PapersService(Settings(home=home))
    service.ingest([*files, ROOT / "examples" / "papers"])
    digest = hashlib.sha256()
    chunks = sorted((c.id, c.text) for c in service.catalog.iter_chunks())
    for cid, text in chunks:
        digest.update(cid.encode() + b"\0" + text.encode() + b"\0")
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()]
    answers = []
    for q in questions:
        found = service.search(q, None, 10)
        answer = service.ask(q)
        answers.append(
            {
                "question": q,
                "passages": [[p.chunk.id, round(p.score, 9)] for p in found],
                "mode": getattr(answer.mode, "value", answer.mode),
                "answer": answer.answer,
                "cited": [c.passage.chunk.id for c in answer.citations],
            }
        )
    out.write_text(json.dumps({"chunks": len(chunks), "digest": digest.hexdigest(), "questions": answers}, indent=1))


def _run_dump(tree: Path, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree), "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    env.pop("PAPERS_HOME", None)
    with tempfile.TemporaryDirectory(prefix="compare-home-") as home:
        # Run as `-c`, so the first place imports look is the tree's root (cwd), then PYTHONPATH.
        me = str(Path(__file__).resolve())
        code = f"import sys; sys.argv = ['compare', '--dump', {str(out)!r}, {home!r}]; __file__ = {me!r}; exec(open(__file__).read())"
        subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, check=True)


def compare(rev: str) -> int:
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        tmp_path = Path(tmp)
        worktree = tmp_path / "rev"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), rev], cwd=ROOT, check=True, capture_output=True)
        try:
            _run_dump(worktree, tmp_path / "before.json")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False)
        _run_dump(ROOT, tmp_path / "after.json")
        before = json.loads((tmp_path / "before.json").read_text())
        after = json.loads((tmp_path / "after.json").read_text())
    problems = []
    if (before["chunks"], before["digest"]) != (after["chunks"], after["digest"]):
        problems.append(f"chunks: {before['chunks']} {before['digest'][:12]} -> {after['chunks']} {after['digest'][:12]}")
    for b, a in zip(before["questions"], after["questions"]):
        for key in ("passages", "mode", "answer", "cited"):
            if b[key] != a[key]:
                problems.append(f"{b['question']!r}: {key} differs")
    if len(before["questions"]) != len(after["questions"]):
        problems.append(f"questions: {len(before['questions'])} -> {len(after['questions'])}")
    print(f"compare {rev}: {after['chunks']} chunks, digest {after['digest'][:16]}, {len(after['questions'])} questions")
    for line in problems:
        print("  " + line)
    print("identical" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--dump"]:
        dump(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        raise SystemExit(compare(sys.argv[1] if len(sys.argv) > 1 else "HEAD"))
