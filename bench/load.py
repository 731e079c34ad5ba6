"""A bounded load test on loopback against a real `papers serve`.

    .venv/bin/python -m bench.load --home DIR [--concurrency 100] [--seconds 15]

Starts `papers serve` on a free port over an already ingested PAPERS_HOME, then runs two phases
of the same mix of requests (/search, /ask, an action question, /actions, /documents, /health)
from `concurrency` concurrent clients for a fixed time each, stopping by itself: first on its
own, then while an admin uploads papers (an ingest inside the server). Reports requests served,
errors (any non-2xx or transport failure), and latency p50/p95 per phase.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

MIX = [
    ("GET", "/search", {"q": "key workers rehoused in 2022", "k": 5}),
    ("GET", "/search", {"q": "Fiona Peskett staff retention", "k": 5}),
    ("POST", "/ask", {"question": "What did the peer review say about direct payments?"}),
    ("POST", "/ask", {"question": "Which actions are overdue for HASSC?", "as_of": "2026-11-23"}),
    ("GET", "/actions", {"committee": "HASSC", "overdue": "true", "as_of": "2026-11-23"}),
    ("GET", "/documents", None),
    ("GET", "/health", None),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def _phase(base: str, concurrency: int, seconds: float, upload: tuple[str, list[Path]] | None) -> dict:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:

        async def worker(n: int) -> None:
            rng = random.Random(n)
            while time.perf_counter() < stop_at:
                method, path, payload = rng.choice(MIX)
                t0 = time.perf_counter()
                try:
                    if method == "GET":
                        r = await client.get(path, params=payload)
                    else:
                        r = await client.post(path, json=payload)
                    if r.status_code >= 300:
                        errors.append(f"{path}: HTTP {r.status_code}")
                except Exception as exc:  # a transport failure counts as an error
                    errors.append(f"{path}: {type(exc).__name__}")
                latencies.append((time.perf_counter() - t0) * 1000)

        uploaded: dict = {}

        async def uploader() -> None:
            key, paths = upload  # type: ignore[misc]
            files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in paths]
            t0 = time.perf_counter()
            r = await client.post("/documents", files=files, headers={"Authorization": f"Bearer {key}"})
            uploaded["status"] = r.status_code
            uploaded["seconds"] = time.perf_counter() - t0
            uploaded["files"] = [f["status"] for f in r.json().get("files", [])] if r.status_code == 200 else r.text[:200]

        tasks = [worker(i) for i in range(concurrency)]
        if upload:
            tasks.append(uploader())
        started = time.perf_counter()
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    out = {
        "concurrency": concurrency,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "throughput_rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else 0.0,
    }
    if upload:
        out["ingest_during_load"] = uploaded
    return out


@contextmanager
def serve(home: Path, log_name: str = "server.log", extra_env: dict | None = None, start_seconds: float = 300):
    """`papers serve` (this checkout's code) over `home` on a free loopback port, in a subprocess;
    yields (base URL, the server's Popen) once /health answers, and stops it on exit."""
    port = _free_port()
    env = {**os.environ, "PAPERS_HOME": str(home), "PYTHONPATH": str(REPO), **(extra_env or {})}
    server = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(home / log_name, "w"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.time() + start_seconds
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise RuntimeError(f"papers serve did not start (see {home / log_name})")
            time.sleep(0.5)
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def run_load(home: Path, upload_files: list[Path], concurrency: int = 100, seconds: float = 15.0) -> dict:
    """Serve `home` in a subprocess and load it; returns the figures of both phases."""
    import httpx

    from assistant.access import AccessControl
    from core.config import Settings

    settings = Settings(home=home)
    access = AccessControl(settings.access_path, settings.access.clearance)
    _, admin_key = access.create_key("admin", "load test")
    with serve(home, "load-server.log", {"PAPERS_ACCESS__AUDIT": "true"}) as (base, _):
        # Warm the model and the indexes before measuring.
        httpx.post(f"{base}/ask", json={"question": "warm up"}, timeout=120)
        quiet = asyncio.run(_phase(base, concurrency, seconds, None))
        busy = asyncio.run(_phase(base, concurrency, seconds, (admin_key, upload_files)))
    return {"quiet": quiet, "during_ingest": busy}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="an ingested PAPERS_HOME")
    parser.add_argument("--upload", type=Path, nargs="*", default=sorted((REPO / "examples" / "papers").iterdir()))
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    print(json.dumps(run_load(args.home, args.upload, args.concurrency, args.seconds), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
