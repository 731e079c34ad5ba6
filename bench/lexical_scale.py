"""What a replica's lexical index costs as the papers grow: build time, peak and resident memory,
disk, and search latency, built from a shared PostgreSQL catalog as a replica builds it.

The lexical index (BM25 over whole passages and over their windows, plus the chunk table the
filters read) is the part of a replica that grows with the passages; the model is fixed and the
vectors live in the Chroma server. Each size is loaded into a PostgreSQL of its own (stand-ins
copied from the real papers, as bench.scale_shared makes them; no vectors), then each checkout
named (this one, and `--against REV` for a before/after) builds the index in a fresh process:

    python -m bench.lexical_scale --base BASE_HOME --sizes 100000,1000000 [--against REV]

Writes bench/results/lexical-scale.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import RESULTS, dir_size, latency_stats, log
from bench.scale import _rss_mb

REPO = Path(__file__).resolve().parents[1]


def worker(url: str, directory: Path, questions: list[str]) -> dict:
    """In a fresh process of the checkout under test: build the index from the catalog at `url`."""
    import gc

    from core.config import Settings
    from core.text import dense_windows
    from core.types import Classification, SearchFilters
    from vectorstore.catalog import SqlCatalog
    from vectorstore.lexical import Bm25Index

    settings = Settings()
    catalog = SqlCatalog(url)
    import bm25s  # noqa: F401 (imported before the baseline, as a replica has it loaded)

    gc.collect()
    floor = _rss_mb(os.getpid())[0]
    index = Bm25Index(directory, windows=dense_windows, clearances=settings.access.clearance.values())
    t = time.perf_counter()
    index.sync(catalog)
    build_s = time.perf_counter() - t
    gc.collect()
    resident, peak = _rss_mb(os.getpid())
    out = {
        "chunks": len(index), "views": index.view_names(), "build_s": build_s,
        "peak_mb": peak - floor, "resident_mb": resident - floor,
        "disk_mb": dir_size(directory) / 1e6,
    }
    public = SearchFilters(clearance=frozenset({Classification.public}))
    for label, filters in (("search", None), ("search_public", public)):
        ms = []
        for q in questions:
            t = time.perf_counter()
            index.search(q, 50, filters)
            ms.append((time.perf_counter() - t) * 1000)
        out[label] = latency_stats(ms[5:], samples=False)  # the first few warm the caches
    again = Bm25Index(directory, windows=dense_windows, clearances=settings.access.clearance.values())
    t = time.perf_counter()
    again.sync(catalog)  # a second replica on the same home: loads the saved index
    out["load_s"] = time.perf_counter() - t
    return out


def _checkout(rev: str, work: Path) -> Path:
    path = work / f"checkout-{rev}"
    if not path.exists():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), rev], check=True, capture_output=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, help="a PAPERS_HOME of real papers (the stand-ins' source)")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--against", help="also build with this git revision (before/after)")
    parser.add_argument("--questions", type=int, default=105)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", nargs=3, metavar=("URL", "DIR", "QUESTIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        url, directory, questions = args.worker
        print(json.dumps(worker(url, Path(directory), json.loads(Path(questions).read_text()))))
        return 0
    if args.base is None:
        parser.error("--base is required")

    from bench.metrics import load_questions
    from bench.run import git_commit
    from bench.scale_shared import load, read_base
    from bench.servers import postgres
    from core.config import CATALOG_SCHEMA
    from vectorstore.catalog import SqlCatalog

    work = args.work or Path(tempfile.mkdtemp(prefix="papers-lexical-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    questions = [q["question"] for q in load_questions(REPO / "tests" / "data" / "questions.jsonl")][: args.questions]
    (work / "questions.json").write_text(json.dumps(questions))
    checkouts = {"this": REPO} | ({args.against: _checkout(args.against, work)} if args.against else {})
    base = read_base(args.base)
    data = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "commit": git_commit(), "cpus": os.cpu_count(),
            "base_passages": base.size, "runs": []}
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        with postgres() as pg:
            url = pg.database(f"lexical_{size}")
            catalog = SqlCatalog(url, schema=CATALOG_SCHEMA)
            log(f"[{size}] loading stand-ins into PostgreSQL ...")
            loaded = load(size, base, catalog, [], "real")
            catalog.db.close()
            # Settle PostgreSQL after the bulk load (autovacuum would otherwise run during the
            # first checkout's searches and not the second's).
            pg.sql("VACUUM ANALYZE", f"lexical_{size}")
            pg.sql("CHECKPOINT", f"lexical_{size}")
            for name, checkout in checkouts.items():
                directory = work / f"lexical-{size}-{name}"
                shutil.rmtree(directory, ignore_errors=True)
                log(f"[{size}] building with {name} ...")
                # this file runs the worker; the code it measures is the checkout's
                env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_WAIT_POLICY": "PASSIVE"}
                proc = subprocess.run(
                    [sys.executable, str(Path(__file__).resolve()), "--worker", url, str(directory), str(work / "questions.json")],
                    cwd=checkout, env=env, capture_output=True, text=True,
                )
                if proc.returncode:
                    raise RuntimeError(f"{name} at {size}: {proc.stderr[-2000:]}")
                result = json.loads(proc.stdout.strip().splitlines()[-1])
                data["runs"].append({"size": size, "passages": loaded["passages"], "checkout": name, **result})
                log(f"[{size} {name}] {json.dumps(data['runs'][-1])}")
                shutil.rmtree(directory, ignore_errors=True)
        (args.out / "lexical-scale.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
        (args.out / "lexical-scale.md").write_text(build_markdown(data), encoding="utf-8")
    print(build_markdown(data))
    if args.against:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(checkouts[args.against])], capture_output=True)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def build_markdown(data: dict) -> str:
    lines = [
        "# The lexical index as the papers grow", "",
        f"Run {data['started']}, commit {data['commit']}, {data['cpus']} CPUs. Built from PostgreSQL in a fresh "
        "process per checkout, as a replica builds it; memory is over the process's floor before the build.", "",
        "| Passages | Checkout | Views | Build s | Peak MB | Resident MB | Disk MB | Load saved s | search p50 / p95 ms | public-only p50 / p95 ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in data["runs"]:
        s, p = r["search"], r["search_public"]
        lines.append(
            f"| {r['passages']:,} | {r['checkout']} | {len(r['views'])} | {r['build_s']:.0f} | {r['peak_mb']:.0f} | "
            f"{r['resident_mb']:.0f} | {r['disk_mb']:.0f} | {r['load_s']:.1f} | {s['p50_ms']:.0f} / {s['p95_ms']:.0f} | "
            f"{p['p50_ms']:.0f} / {p['p95_ms']:.0f} |"
        )
    per = [r["peak_mb"] * 1000 / r["passages"] for r in data["runs"] if r["checkout"] == "this"]
    if per:
        lines += ["", f"Peak per passage (this checkout): {statistics.mean(per):.1f} KB on average over the sizes."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
