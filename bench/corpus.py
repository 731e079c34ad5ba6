"""What the benchmarks share: the real corpus's files, a timed ingest that says where the time went,
and a digest of every chunk text (to prove a speed change left the extracted text alone)."""

from __future__ import annotations

import hashlib
import os
import resource
import statistics
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
QUESTIONS = REPO / "tests" / "data" / "questions.jsonl"
RESULTS = REPO / "bench" / "results"


def offline() -> None:
    """Never reach for a model hub; never send telemetry; no tokenizer thread pools after fork."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def corpus_files(corpus: Path) -> list[Path]:
    """The real committee papers: seeds/*.txt and kent/*.pdf (both must be there)."""
    seeds = sorted((corpus / "seeds").glob("*.txt"))
    kent = sorted((corpus / "kent").glob("*.pdf"))
    if not seeds or not kent:
        raise SystemExit(
            f"bench: corpus missing or incomplete at {corpus} "
            f"(found {len(seeds)} seeds/*.txt and {len(kent)} kent/*.pdf; need both)"
        )
    return seeds + kent


def percentile(values: list[float], p: float) -> float:
    xs = sorted(values)
    if not xs:
        return 0.0
    if len(xs) == 1:
        return xs[0]
    pos = (len(xs) - 1) * p / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_stats(ms: list[float], samples: bool = True) -> dict:
    out = {
        "n": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "mean_ms": statistics.fmean(ms) if ms else 0.0,
        "max_ms": max(ms) if ms else 0.0,
    }
    if samples:
        out["samples_ms"] = [round(x, 2) for x in ms]
    return out


def chunk_digest(catalog) -> str:
    """SHA-256 over every chunk's document source, sequence and text, in catalog order."""
    h = hashlib.sha256()
    for c in catalog.iter_chunks():
        h.update(f"{c.source}\0{c.page}\0{c.kind}\0{c.text}\0".encode())
    return h.hexdigest()


@contextmanager
def _timing(obj, name: str, totals: dict, key: str):
    """Time every call of obj.name (an instance attribute shadowing the method) into totals[key];
    nothing when obj has no such method."""
    original = getattr(obj, name, None)
    if original is None:
        yield
        return

    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - t0

    setattr(obj, name, timed)
    try:
        yield
    finally:
        delattr(obj, name)  # the class's method shows through again


def children_cpu() -> float:
    """CPU seconds of this process's finished children (the parse processes, once they exit)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_ingest(service, files: list[Path], progress: bool = False) -> dict:
    """Ingest `files` through the service's real pipeline and say where the wall time went: reading
    and checking files, parsing (load, clean, metadata, actions, split: the ingest thread's time
    parsing, or waiting for the parse processes to hand a paper over), the embedding model, the
    Chroma writes, the catalog commit and the lexical index build. Includes loading the model.
    CPU seconds include the parse processes'.

    The model runs on worker threads while the next paper is parsed, so the stages overlap and
    their sum can pass the wall time. The model's figure is wall-equivalent: its worker threads'
    seconds inside the model divided by their number (the embedder's `model_seconds`)."""
    totals: dict[str, float] = defaultdict(float)
    ingestor, embedder = service.ingestor, service.embedder
    threaded = hasattr(embedder, "submit_passages")  # older code (a --baseline) encodes inline
    model0 = embedder.model_seconds if threaded else 0.0
    t0, c0 = time.perf_counter(), time.process_time() + children_cpu()
    # (Older code, a --baseline, parses in prepare() and has no check() or _finish().)
    with _timing(ingestor, "check", totals, "read"), _timing(ingestor, "_finish", totals, "parse"), \
         _timing(ingestor, "prepare", totals, "parse"), \
         _timing(embedder, "submit_passages" if threaded else "embed_passages", totals, "embed"), \
         _timing(service.store, "upsert", totals, "chroma_write"), \
         _timing(service.catalog, "replace_document", totals, "catalog_write"), \
         _timing(service.lexical, "sync", totals, "lexical_build"):
        report = service.ingest(files, progress=progress)
    wall, cpu = time.perf_counter() - t0, time.process_time() + children_cpu() - c0
    if threaded:
        # Time in submit_passages is tokenising; the model's own time comes from its counter.
        totals["tokenise"] = totals.pop("embed")
        totals["embed"] = (embedder.model_seconds - model0) / embedder.threads
    stages = {k: round(v, 3) for k, v in totals.items()}
    stages["other"] = round(max(0.0, wall - sum(totals.values())), 3)
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "documents": report.documents,
        "pages": report.pages,
        "chunks": report.chunks,
        "actions": sum(f.actions or 0 for f in report.files),
        "chunks_per_s": report.chunks / wall if wall else None,
        "model_seconds": totals["embed"],
        "outside_model_share": 1 - totals["embed"] / wall if wall else None,
        "stages": stages,
        "problems": [
            {"path": f.path, "status": f.status, "reason": f.reason}
            for f in report.files
            if f.status in ("skipped", "failed")
        ],
        "report": report,
    }


def dir_size(path: Path) -> int:
    """Bytes on disk under `path`."""
    total = 0
    for root, _, names in os.walk(path):
        for n in names:
            try:
                total += os.path.getsize(os.path.join(root, n))
            except OSError:
                pass
    return total
