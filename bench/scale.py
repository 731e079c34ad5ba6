"""How ingest, latency and memory grow with the corpus: synthetic papers (bench/synth.py) at several
sizes, each ingested into a fresh PAPERS_HOME by the real pipeline and served by a real
`papers serve` subprocess.

    .venv/bin/python -m bench.scale [--sizes 1000,10000,100000] [--queries 300] [--asks 100]
    make bench-scale SIZES=1000,10000

Per size (target chunk count): ingest throughput (chunks/s), the share of ingest time spent outside
the embedding model, store size on disk, the server's RSS after warm-up and after the latency run
(and its peak), warm GET /search and POST /ask latency p50/p95 over HTTP, one request at a time,
with questions drawn from the synthetic content. `--profile` also profiles in-process searches at
each size (bench/results/scale-profile-<size>.txt). Writes bench/results/scale.md, scale.json
and scale.png.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import RESULTS, dir_size, latency_stats, log, offline, timed_ingest

offline()

WARMUP = 20
T_P50_MS, T_P95_MS, T_RSS_MB = 50.0, 150.0, 2048.0


def _rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MB, from /proc."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    kb = lambda k: int(fields.get(k, "0 kB").split()[0])  # noqa: E731
    return kb("VmRSS") / 1024, kb("VmHWM") / 1024


def _timed_requests(client, base: str, method: str, path: str, payloads: list[dict]) -> list[float]:
    ms = []
    for p in payloads:
        t0 = time.perf_counter()
        r = client.get(base + path, params=p) if method == "GET" else client.post(base + path, json=p)
        ms.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
    return ms


def profile_searches(home: Path, queries: list[str], out: Path) -> None:
    """cProfile of in-process searches on a warm service (what grows with the corpus)."""
    from assistant.service import PapersService
    from core.config import Settings

    service = PapersService(Settings(home=home))
    for q in queries[:WARMUP]:
        service.search(q)
    prof = cProfile.Profile()
    prof.enable()
    for q in queries[:100]:
        service.search(q)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(40)
    out.write_text(buf.getvalue(), encoding="utf-8")


def serve_and_measure(home: Path, queries: list[str], n_queries: int, n_asks: int, rng: random.Random) -> dict:
    """Serve `home` with `papers serve`, warm it, and time searches and asks one at a time over
    HTTP; the server's RSS after warm-up and after the run, and its peak."""
    import httpx

    from bench.load import serve

    search_qs = [{"q": rng.choice(queries), "k": 5} for _ in range(n_queries)]
    ask_qs = [{"question": rng.choice(queries)} for _ in range(n_asks)]
    with serve(home, "scale-server.log", {"PAPERS_ACCESS__AUDIT": "false"}) as (base, server):
        with httpx.Client(timeout=120) as client:
            t0 = time.perf_counter()
            client.get(base + "/search", params={"q": "warm up", "k": 5}).raise_for_status()
            first_ms = (time.perf_counter() - t0) * 1000
            _timed_requests(client, base, "GET", "/search", [{"q": q, "k": 5} for q in queries[:WARMUP]])
            _timed_requests(client, base, "POST", "/ask", [{"question": q} for q in queries[:5]])
            rss_warm, _ = _rss_mb(server.pid)
            search_ms = _timed_requests(client, base, "GET", "/search", search_qs)
            ask_ms = _timed_requests(client, base, "POST", "/ask", ask_qs)
            rss_after, rss_peak = _rss_mb(server.pid)
    return {
        "first_search_ms": first_ms,
        "rss_mb_after_warmup": rss_warm,
        "rss_mb_after_latency_run": rss_after,
        "rss_mb_peak": rss_peak,
        "search": latency_stats(search_ms, samples=False),
        "ask": latency_stats(ask_ms, samples=False),
    }


def _hash_rows(key: str, n: int, width: int):
    import hashlib

    import numpy as np

    seed = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")
    rows = np.random.default_rng(seed).standard_normal((n, width)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def stand_in_passages(embedder):
    """A `submit_passages` whose future holds unit vectors derived from a hash of each window (and, for
    late interaction, as many hash-derived word-piece rows as the passage has content word pieces,
    so the catalog grows as it really would): no meaning, the model's cost skipped. Only for
    measuring the query side at sizes whose real embedding would take hours here; the server still
    embeds queries with the real model, and random stored vectors make the HNSW search no easier
    than real ones."""
    from concurrent.futures import Future

    import numpy as np

    from vectorstore import late_interaction

    content = late_interaction.content_pieces(embedder.tokenizer.get_vocab())

    def submit_passages(texts: list[str], windows: list) -> Future:
        vectors = [_hash_rows(f"{t}\0{j}", 1, 384)[0] for t, w in zip(texts, windows) for j in range(len(w))]
        pieces = [int(content[e.ids].sum()) for e in embedder.tokenizer.encode_batch(texts)]
        states = [late_interaction.pack(_hash_rows(t, n, 384)) for t, n in zip(texts, pieces)]
        done: Future = Future()
        done.set_result((np.asarray(vectors, dtype=np.float32).reshape(-1, 384), states))
        return done

    return submit_passages


def run_size(size: int, work: Path, n_queries: int, n_asks: int, seed: int, profile_dir: Path | None,
             stand_in: bool = False) -> dict:
    from assistant.service import PapersService
    from bench.synth import generate
    from core.config import Settings

    papers = work / f"synth-{size}"
    home = work / f"home-{size}"
    log(f"[{size}] generating synthetic papers ...")
    made = generate(papers, size, seed)
    queries = [q for q in (work / f"synth-{size}-queries.txt").read_text().splitlines() if q.strip()]
    rng = random.Random(seed)
    log(f"[{size}] {made['files']} files; ingesting ...")
    service = PapersService(Settings(home=home))
    if stand_in:
        service.embedder.submit_passages = stand_in_passages(service.embedder)
    ingest = timed_ingest(service, [papers])
    if stand_in:  # the stand-in's hashing, timed where the tokenising of real texts would be
        ingest["stages"]["stand_in_vectors"] = ingest["stages"].pop("tokenise", 0.0)
    report = ingest.pop("report")
    failed = [f for f in report.files if f.status == "failed"]
    del service
    gc.collect()
    store_mb = dir_size(home) / 1e6
    log(f"[{size}] {ingest['chunks']} chunks in {ingest['seconds']:.0f} s; serving ...")
    served = serve_and_measure(home, queries, n_queries, n_asks, rng)
    if profile_dir is not None:
        profile_searches(home, queries, profile_dir / f"scale-profile-{size}.txt")
    return {
        "target_chunks": size,
        "stand_in_vectors": stand_in,
        "files": made["files"],
        "failed_files": len(failed),
        "ingest": ingest,
        "store_mb": store_mb,
        **served,
    }


def build_markdown(data: dict) -> str:
    lines = [
        "# Scale benchmark (bench/scale.py)",
        "",
        f"Run {data['started']}, commit {data['commit']}, {data['cpus']} CPUs shared with other work "
        f"(load average {data['loadavg'][0]:.1f} at start). Synthetic papers from bench/synth.py (seed {data['seed']}). "
        f"Latency: warm, over HTTP to a `papers serve` subprocess, one request at a time; "
        f"{data['queries']} searches and {data['asks']} asks per size, questions drawn from the synthetic content.",
        "",
        "| Target chunks | Files | Chunks | Ingest s | Chunks/s | Outside model | Store MB | RSS warm MB | "
        "RSS after MB | RSS peak MB | /search p50 | /search p95 | /ask p50 | /ask p95 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in data["sizes"]:
        i = r["ingest"]
        lines.append(
            f"| {r['target_chunks']}{' (stand-in vectors)' if r.get('stand_in_vectors') else ''} | {r['files']} | {i['chunks']} | {i['seconds']:.0f} | {i['chunks_per_s']:.1f} | "
            f"{100 * i['outside_model_share']:.0f}% | {r['store_mb']:.0f} | {r['rss_mb_after_warmup']:.0f} | "
            f"{r['rss_mb_after_latency_run']:.0f} | {r['rss_mb_peak']:.0f} | {r['search']['p50_ms']:.1f} ms | "
            f"{r['search']['p95_ms']:.1f} ms | {r['ask']['p50_ms']:.0f} ms | {r['ask']['p95_ms']:.0f} ms |"
        )
    if any(r.get("stand_in_vectors") for r in data["sizes"]):
        lines += ["", "Stand-in vectors: stored vectors came from a hash of each text instead of the model (its "
                  "cost skipped, so that size's ingest throughput and outside-model share say nothing about the "
                  "model); everything else, including query embedding, is the real service."]
    lines += ["", f"Targets at 100k chunks: /search p50 < {T_P50_MS:.0f} ms, p95 < {T_P95_MS:.0f} ms; RSS < 2 GB.", "",
              "Ingest seconds by stage:", ""]
    for r in data["sizes"]:
        lines.append(f"- {r['target_chunks']}: " + ", ".join(f"{k} {v:.1f}" for k, v in r["ingest"]["stages"].items()))
    return "\n".join(lines) + "\n"


def chart(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["ingest"]["chunks"] for r in data["sizes"]]
    fig, (lat, mem) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (("search", "/search"), ("ask", "/ask")):
        lat.plot(sizes, [r[key]["p50_ms"] for r in data["sizes"]], marker="o", label=f"{label} p50")
        lat.plot(sizes, [r[key]["p95_ms"] for r in data["sizes"]], marker="o", linestyle="--", label=f"{label} p95")
    lat.axhline(T_P50_MS, color="grey", linewidth=0.8, linestyle=":")
    lat.set_xscale("log")
    lat.set_xlabel("chunks")
    lat.set_ylabel("ms")
    lat.set_title("Warm latency over HTTP")
    lat.legend(fontsize=8)
    mem.plot(sizes, [r["rss_mb_after_latency_run"] for r in data["sizes"]], marker="o", label="server RSS after run")
    mem.plot(sizes, [r["rss_mb_peak"] for r in data["sizes"]], marker="o", linestyle="--", label="server peak RSS")
    mem.plot(sizes, [r["store_mb"] for r in data["sizes"]], marker="s", label="store on disk")
    mem.axhline(T_RSS_MB, color="grey", linewidth=0.8, linestyle=":")
    mem.set_xscale("log")
    mem.set_xlabel("chunks")
    mem.set_ylabel("MB")
    mem.set_title("Memory and disk")
    mem.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=os.environ.get("SIZES", "1000,10000,100000"),
                        help="target chunk counts, comma-separated (env SIZES)")
    parser.add_argument("--queries", type=int, default=300, help="timed searches per size")
    parser.add_argument("--asks", type=int, default=100, help="timed asks per size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--stand-in-from", type=int, default=0,
                        help="sizes at or above this use hash-derived stored vectors (query side only; 0: never)")
    parser.add_argument("--profile", action="store_true", help="also cProfile in-process searches per size")
    parser.add_argument("--work", type=Path, help="keep generated papers and stores here (default: a temp dir, removed)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from bench.run import git_commit

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="papers-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    data = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "commit": git_commit(), "cpus": os.cpu_count(),
            "loadavg": os.getloadavg(), "seed": args.seed, "queries": args.queries, "asks": args.asks, "sizes": []}
    try:
        for size in sizes:
            stand_in = bool(args.stand_in_from) and size >= args.stand_in_from
            data["sizes"].append(run_size(size, work, args.queries, args.asks, args.seed,
                                          args.out if args.profile else None, stand_in))
            # Written after every size, so a long run leaves its partial results.
            (args.out / "scale.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
            (args.out / "scale.md").write_text(build_markdown(data), encoding="utf-8")
            chart(data, args.out / "scale.png")
            if args.work is None:
                shutil.rmtree(work / f"home-{size}", ignore_errors=True)
        print(build_markdown(data))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
