"""Cost as the work grows on the shared deployment: one Chroma server, one PostgreSQL, one or two
`papers serve` replicas, at sizes up to a million passages.

    .venv/bin/python -m bench.scale_shared --base HOME [--sizes 100000,300000,1000000]
        [--vectors perturbed] [--backends onnx-int8,torch] [--compare-vectors]
    make bench-scale-shared BASE=HOME SIZES=100000,1000000

`--base`: a PAPERS_HOME holding real papers ingested by the real pipeline (the corpus under
../shared; `make bench-scale-shared` makes it). Above the size that can be embedded here, the
store is filled with stand-ins that keep the structure of real passages:

- each stand-in paper is a copy of a real one (its passages, their word pieces, its action and
  decision records), with its own id, file name and a meeting date moved on by whole weeks, so
  the filters and the catalog grow as a council's would;
- each window vector is the real passage's, perturbed (`perturbed`: Gaussian noise of SIGMA per
  dimension, renormalised, cosine ~0.9 to the real one: neighbourhoods as dense as the corpus's),
  or `hash` (a unit vector from a hash: no structure, as bench.scale's old stand-ins) or `real`
  (the real vector itself, only at the base's own size).

`--compare-vectors`: at the base's size, the same texts with real, perturbed and hash vectors,
to show whether stand-ins give the latency real vectors do.

Per size and backend: the stand-in load's throughput into PostgreSQL and Chroma (storage only:
the model's cost per passage is bench.scale's and `make bench`'s), a replica's start (its lexical
index built from the catalog), warm /search and /ask p50/p95 one request at a time, then 100
clients for SECONDS against one replica and against two, RSS per replica, and disk per passage.
Writes bench/results/scale-shared.md and scale-shared.json (after every size).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import numpy as np

from bench.corpus import RESULTS, dir_size, latency_stats, log, offline
from bench.load import serve
from bench.scale import _rss_mb, _timed_requests

offline()

REPO = Path(__file__).resolve().parents[1]
SIGMA = 0.0247  # per-dimension noise: cos(real, stand-in) = 1/sqrt(1 + 384 sigma^2) ~ 0.90
T_P95_MS, T_RSS_MB = 150.0, 4096.0
LOAD_CLIENTS = 100


@dataclass
class Base:
    """The real papers a stand-in corpus is made of."""

    documents: list  # Document
    chunks: dict  # document id -> [Chunk] in order
    windows: dict  # chunk id -> (windows, 384) float32
    states: dict  # chunk id -> packed word pieces
    actions: dict  # document id -> [Action]
    decisions: dict  # document id -> [Decision]

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.chunks.values())


def read_base(home: Path) -> Base:
    from assistant.service import PapersService
    from core.config import Settings
    from vectorstore.chunk_table import chunk_of

    service = PapersService(Settings(home=home))
    catalog = service.catalog
    documents = [d for d in catalog.documents() if d.chunks]
    chunks: dict = {}
    for c in catalog.iter_chunks():
        chunks.setdefault(c.document_id, []).append(c)
    windows: dict = {}
    for level in ("public", "restricted", "exempt"):
        from core.types import Classification

        col = service.store.collection(Classification(level))
        got = col.get(include=["embeddings"])
        for vid, vec in sorted(zip(got["ids"], got["embeddings"]), key=lambda p: p[0]):
            windows.setdefault(chunk_of(vid), []).append(np.asarray(vec, dtype=np.float32))
    windows = {k: np.stack(v) for k, v in windows.items()}
    ids = [c.id for cs in chunks.values() for c in cs]
    states = catalog.token_states(ids)
    actions: dict = {}
    for a in catalog.actions():
        actions.setdefault(a.document_id, []).append(a)
    decisions: dict = {}
    for d in catalog.decisions():
        decisions.setdefault(d.document_id, []).append(d)
    documents = [d for d in documents if all(c.id in windows for c in chunks.get(d.id, []))]
    return Base(documents, chunks, windows, states, actions, decisions)


def _vectors(real: np.ndarray, mode: str, rng: np.random.Generator, key: str) -> np.ndarray:
    if mode == "real":
        return real
    if mode == "hash":
        import hashlib

        seed = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")
        out = np.random.default_rng(seed).standard_normal(real.shape).astype(np.float32)
    else:
        out = real + rng.normal(0.0, SIGMA, real.shape).astype(np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def load(size: int, base: Base, catalog, stores: list, mode: str, seed: int = 7) -> dict:
    """Fill the catalog and the dense stores with `size` passages made from the base (copy 0 of a
    paper keeps its ids; copy j its own); returns the load's figures."""
    rng = np.random.default_rng(seed)
    made = papers = 0
    catalog_s = chroma_s = 0.0
    t0 = time.perf_counter()
    copy = reported = 0
    pending: tuple[list, list, list] = ([], [], [])
    while made < size:
        for doc in base.documents:
            if made >= size:
                break
            tag = "" if copy == 0 else f"-s{copy}"
            chunks = base.chunks[doc.id]
            new_doc = replace(
                doc, id=doc.id + tag, source=(f"{copy:05d} " if copy else "") + doc.source, path=f"/stand-in/{copy}/{doc.source}",
                sha256=f"stand-in-{copy}-{doc.sha256}", chunks=len(chunks),
                meeting_date=doc.meeting_date - timedelta(weeks=copy) if doc.meeting_date else None,
            )
            new_chunks = [
                replace(c, id=c.id + tag, document_id=new_doc.id, source=new_doc.source, meeting_date=new_doc.meeting_date)
                for c in chunks
            ]
            remap = {c.id: n.id for c, n in zip(chunks, new_chunks)}
            acts = [replace(a, id=a.id + tag, document_id=new_doc.id, source=new_doc.source, chunk_id=remap.get(a.chunk_id, a.chunk_id), meeting_date=new_doc.meeting_date or a.meeting_date)
                    for a in base.actions.get(doc.id, [])]
            decs = [replace(d, id=d.id + tag, document_id=new_doc.id, source=new_doc.source, chunk_id=remap.get(d.chunk_id, d.chunk_id),
                            meeting_date=new_doc.meeting_date or d.meeting_date) for d in base.decisions.get(doc.id, [])]
            t = time.perf_counter()
            catalog.replace_document(new_doc, new_chunks, f"stand-in-{copy}", acts, [base.states.get(c.id, b"") for c in chunks], decs)
            catalog_s += time.perf_counter() - t
            for c, n in zip(chunks, new_chunks):
                vecs = _vectors(base.windows[c.id], mode, rng, n.id)
                pending[0].append(n)
                pending[1].append(len(vecs))
                pending[2].append(vecs)
            made += len(chunks)
            papers += 1
            if sum(pending[1]) >= 4000 or made >= size:
                t = time.perf_counter()
                vectors = np.concatenate(pending[2])
                for store in stores:
                    store.upsert(pending[0], pending[1], vectors)
                chroma_s += time.perf_counter() - t
                pending = ([], [], [])
                if made // 25000 > reported:  # every 25,000 passages
                    reported = made // 25000
                    log(f"  loaded {made:,} passages ({made / (time.perf_counter() - t0):.0f}/s)")
        copy += 1
    if pending[0]:
        t = time.perf_counter()
        for store in stores:
            store.upsert(pending[0], pending[1], np.concatenate(pending[2]))
        chroma_s += time.perf_counter() - t
    seconds = time.perf_counter() - t0
    return {"passages": made, "papers": papers, "seconds": seconds, "passages_per_s": made / seconds,
            "catalog_seconds": catalog_s, "chroma_seconds": chroma_s}


def _questions() -> list[str]:
    from bench.metrics import load_questions

    return [q["question"] for q in load_questions(REPO / "tests" / "data" / "questions.jsonl")]


def _sequential(base_url: str, questions: list[str], n_search: int, n_ask: int, rng: random.Random) -> dict:
    import httpx

    with httpx.Client(timeout=120) as client:
        search = _timed_requests(client, base_url, "GET", "/search", [{"q": rng.choice(questions), "k": 5} for _ in range(n_search)])
        ask = _timed_requests(client, base_url, "POST", "/ask", [{"question": rng.choice(questions)} for _ in range(n_ask)])
    return {"search": latency_stats(search, samples=False), "ask": latency_stats(ask, samples=False)}


async def _load(bases: list[str], questions: list[str], clients: int, seconds: float) -> dict:
    """`clients` closed-loop clients, spread over the replicas, 4 searches to 1 ask, for `seconds`."""
    import httpx

    lat: dict[str, list[float]] = {"search": [], "ask": []}
    errors: list[str] = []
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=300, limits=limits) as client:

        async def worker(n: int) -> None:
            rng = random.Random(n)
            base = bases[n % len(bases)]
            while time.perf_counter() < stop:
                q = rng.choice(questions)
                kind = "ask" if rng.random() < 0.2 else "search"
                t = time.perf_counter()
                try:
                    if kind == "search":
                        r = await client.get(base + "/search", params={"q": q, "k": 5})
                    else:
                        r = await client.post(base + "/ask", json={"question": q})
                    if r.status_code >= 300:
                        errors.append(f"{kind}: HTTP {r.status_code}")
                except Exception as exc:
                    errors.append(f"{kind}: {type(exc).__name__}")
                lat[kind].append((time.perf_counter() - t) * 1000)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - t0
    return {
        "clients": clients, "replicas": len(bases), "seconds": round(elapsed, 1),
        "requests": sum(map(len, lat.values())), "throughput_rps": round(sum(map(len, lat.values())) / elapsed, 1),
        "errors": len(errors), "error_samples": sorted(set(errors))[:5],
        **{k: latency_stats(v, samples=False) for k, v in lat.items() if v},
    }


@contextmanager
def replica(home: Path, env: dict, log_name: str):
    """A `papers serve` over the shared stores (bench.load's), once /health says its index is at
    the catalog's generation; yields (URL, pid, seconds from start until then)."""
    import httpx

    started = time.perf_counter()
    with serve(home, log_name, env, start_seconds=3600) as (url, proc):
        deadline = started + 3600
        while not httpx.get(url + "/health", timeout=10).json().get("current"):
            if proc.poll() is not None or time.perf_counter() > deadline:
                raise RuntimeError(f"replica did not become current (see {home / log_name})")
            time.sleep(1)
        yield url, proc.pid, time.perf_counter() - started


def measure(size: int, base: Base, work: Path, mode: str, backends: list[str], args, pg, chroma_url: str, chroma_dir: Path) -> list[dict]:
    from core.config import CATALOG_SCHEMA, Settings
    from vectorstore.catalog import SqlCatalog
    from vectorstore.chroma import ChromaStore

    url = pg.database(f"scale_{size}_{mode}")
    catalog = SqlCatalog(url, schema=CATALOG_SCHEMA)
    names = {b: Settings(embedding={"backend": b}).collection_name for b in backends}
    # each size has its own Chroma server, so a replica reads the collection its backend names
    stores = [ChromaStore(name, url=chroma_url) for name in dict.fromkeys(names[b] for b in backends)]
    log(f"[{size} {mode}] loading stand-ins into PostgreSQL and {len(stores)} Chroma collection set(s) ...")
    loaded = load(size, base, catalog, stores, mode)
    loaded["chroma_seconds_per_collection_set"] = loaded["chroma_seconds"] / len(stores)
    db_bytes = pg.sql(f"SELECT pg_database_size('scale_{size}_{mode}')")[0][0]
    catalog.db.close()
    results = []
    questions = _questions()
    for backend in backends:
        rng = random.Random(args.seed)
        home = work / f"home-{size}-{mode}-{backend}"
        home.mkdir(parents=True, exist_ok=True)
        env = {
            "PAPERS_DATABASE_URL": url, "PAPERS_CHROMA_URL": chroma_url, "PAPERS_ACCESS__AUDIT": "false",
            "PAPERS_EMBEDDING__BACKEND": backend, "OMP_WAIT_POLICY": "PASSIVE",
        }
        log(f"[{size} {mode} {backend}] starting replica 1 (its lexical index is built from the catalog) ...")
        with replica(home, env, f"replica1-{size}.log") as (first, first_pid, start_s):
            rss_start = _rss_mb(first_pid)
            _sequential(first, questions, 20, 5, rng)  # warm
            seq = _sequential(first, questions, args.queries, args.asks, rng)
            one = asyncio.run(_load([first], questions, LOAD_CLIENTS, args.seconds))
            rss_one = _rss_mb(first_pid)
            log(f"[{size} {mode} {backend}] search p50/p95 {seq['search']['p50_ms']:.0f}/{seq['search']['p95_ms']:.0f} ms; "
                f"starting replica 2 (same home: loads the saved index) ...")
            with replica(home, env, f"replica2-{size}.log") as (second, second_pid, second_s):
                _sequential(second, questions, 20, 5, rng)
                seq_two = _sequential(second, questions, args.queries // 2, args.asks // 2, rng)
                two = asyncio.run(_load([first, second], questions, LOAD_CLIENTS, args.seconds))
                rss_two = [_rss_mb(first_pid), _rss_mb(second_pid)]
        results.append({
            "size": size, "passages": loaded["passages"], "vectors": mode, "backend": backend, "load": loaded,
            "db_mb": db_bytes / 1e6, "chroma_mb": dir_size(chroma_dir) / 1e6,
            "replica_start_s": start_s, "second_replica_start_s": second_s,
            "rss_mb_at_start": rss_start[0], "rss_mb_one": rss_one, "rss_mb_two": rss_two,
            "sequential": seq, "sequential_second_replica": seq_two, "load_one": one, "load_two": two,
        })
        log(f"[{size} {mode} {backend}] done: {json.dumps(results[-1]['load_two'].get('search', {}))}")
    return results


def build_markdown(data: dict) -> str:
    lines = [
        "# Scale on the shared deployment (bench/scale_shared.py)", "",
        f"Run {data['started']}, commit {data['commit']}, {data['cpus']} CPUs shared by everything (the client, "
        f"the replicas, the Chroma server and PostgreSQL; load average {data['loadavg'][0]:.1f} at start). Base: "
        f"{data['base_passages']:,} real passages from {data['base_papers']} real papers; stand-ins above that "
        "(copies of real papers, window vectors perturbed from the real ones unless marked).", "",
        "| Passages | Vectors | Backend | Load passages/s | Replica start s | RSS one MB | RSS two MB (each) | "
        "Disk KB/passage | /search p50 | /search p95 | /ask p50 | /ask p95 | 100 clients, 1 replica: rps, search p50/p95 | "
        "100 clients, 2 replicas: rps, search p50/p95 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in data["runs"]:
        s, a = r["sequential"]["search"], r["sequential"]["ask"]
        one, two = r["load_one"], r["load_two"]
        disk = (r["db_mb"] + r["chroma_mb"]) * 1000 / r["passages"]
        lines.append(
            f"| {r['passages']:,} | {r['vectors']} | {r['backend']} | {r['load']['passages_per_s']:.0f} | {r['replica_start_s']:.0f} | "
            f"{r['rss_mb_one'][1]:.0f} | {', '.join(f'{x[1]:.0f}' for x in r['rss_mb_two'])} | {disk:.1f} | "
            f"{s['p50_ms']:.0f} ms | {s['p95_ms']:.0f} ms | {a['p50_ms']:.0f} ms | {a['p95_ms']:.0f} ms | "
            f"{one['throughput_rps']:.0f}, {one['search']['p50_ms']:.0f}/{one['search']['p95_ms']:.0f} ms | "
            f"{two['throughput_rps']:.0f}, {two['search']['p50_ms']:.0f}/{two['search']['p95_ms']:.0f} ms |"
        )
    lines += ["", f"Targets at 1M passages: /search p95 under {T_P95_MS:.0f} ms with two replicas; no replica over "
              f"{T_RSS_MB / 1024:.0f} GB (peak RSS shown). Sequential figures are one request at a time; the 100-client "
              "figures are closed-loop clients on the same 2 CPUs, so they measure queueing for those CPUs."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="a PAPERS_HOME of real papers (the stand-ins' source)")
    parser.add_argument("--sizes", default=os.environ.get("SIZES", "100000,300000,1000000"))
    parser.add_argument("--vectors", default="perturbed", choices=["perturbed", "hash", "real"])
    parser.add_argument("--backends", default="onnx-int8,torch")
    parser.add_argument("--compare-vectors", action="store_true", help="at the base's size: real, perturbed and hash vectors")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--asks", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each 100-client run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from bench.run import git_commit
    from bench.servers import chroma, postgres

    work = args.work or Path(tempfile.mkdtemp(prefix="papers-scale-shared-"))
    work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    base = read_base(args.base)
    log(f"base: {base.size:,} real passages in {len(base.documents)} papers")
    backends = [b for b in args.backends.split(",") if b]
    data = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "commit": git_commit(), "cpus": os.cpu_count(),
            "loadavg": os.getloadavg(), "base_passages": base.size, "base_papers": len(base.documents), "runs": []}
    plan = [(base.size, m) for m in ("real", "perturbed", "hash")] if args.compare_vectors else []
    plan += [(int(s), args.vectors) for s in args.sizes.split(",") if s.strip()]
    name = "scale-shared-vectors" if args.compare_vectors and not args.sizes.strip() else "scale-shared"
    try:
        for size, mode in plan:
            with ExitStack() as stack:
                pg = stack.enter_context(postgres(durable=True))
                chroma_dir = work / f"chroma-{size}-{mode}"
                chroma_url, _ = stack.enter_context(chroma(chroma_dir, work / f"chroma-{size}.log"))
                data["runs"] += measure(size, base, work, mode, backends, args, pg, chroma_url, chroma_dir)
            shutil.rmtree(chroma_dir, ignore_errors=True)
            (args.out / f"{name}.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
            (args.out / f"{name}.md").write_text(build_markdown(data), encoding="utf-8")
        print(build_markdown(data))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
