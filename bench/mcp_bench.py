"""Tool-call latency over MCP against the same calls on the REST API: a real `papers serve` over
the real corpus, the `mcp` SDK's streamable-HTTP client (one session, as an agent keeps) and an
httpx client (one keep-alive connection), calls interleaved so both see the same machine.

    python -m bench.mcp_bench [--questions N]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import DEFAULT_CORPUS, QUESTIONS, REPO, latency_stats, log, offline
from bench.load import serve
from bench.metrics import load_questions


async def _measure(url: str, questions: list[str]) -> dict:
    import httpx
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    times: dict[str, list[float]] = {"rest_search": [], "mcp_search": [], "rest_ask": [], "mcp_ask": []}
    async with httpx.AsyncClient(base_url=url, timeout=120) as rest, httpx.AsyncClient(timeout=120) as http:
        async with streamable_http_client(url + "/mcp", http_client=http) as (r, w, _):
            async with ClientSession(r, w) as session:
                await session.initialize()
                await session.call_tool("ask", {"question": "warm up"})  # the model loads on the first question
                await rest.post("/ask", json={"question": "warm up"})
                for q in questions:
                    for name, call in (
                        ("rest_search", lambda: rest.get("/search", params={"q": q, "k": 5})),
                        ("mcp_search", lambda: session.call_tool("search_papers", {"query": q, "k": 5})),
                        ("rest_ask", lambda: rest.post("/ask", json={"question": q})),
                        ("mcp_ask", lambda: session.call_tool("ask", {"question": q})),
                    ):
                        started = time.perf_counter()
                        result = await call()
                        times[name].append((time.perf_counter() - started) * 1000)
                        failed = result.isError if name.startswith("mcp") else result.status_code != 200
                        if failed:
                            raise RuntimeError(f"{name} failed for {q!r}")
    return {name: latency_stats(ms, samples=False) for name, ms in times.items()}


def measure(corpus: Path, work: Path, n: int = 40) -> dict:
    from assistant.service import PapersService
    from core.config import Settings

    home = work / "mcp-home"
    report = PapersService(Settings(home=home)).ingest([corpus / "seeds", corpus / "kent", REPO / "examples" / "papers"])
    questions = [q["question"] for q in load_questions(QUESTIONS)][:n]
    with serve(home) as (url, _):
        stats = asyncio.run(_measure(url, questions))
    return {"documents": report.documents, "questions": len(questions), **stats}


def markdown(r: dict) -> list[str]:
    lines = [
        "",
        "## MCP tool calls against the REST API (bench/mcp_bench.py)",
        "",
        f"{r['questions']} labelled questions over {r['documents']} papers, each asked four ways in turn on one "
        "`papers serve` (an MCP session over streamable HTTP; a keep-alive REST client).",
        "",
        "| call | p50 ms | p95 ms | mean ms |",
        "| --- | --- | --- | --- |",
    ]
    for name, label in (("rest_search", "GET /search"), ("mcp_search", "MCP search_papers"), ("rest_ask", "POST /ask"), ("mcp_ask", "MCP ask")):
        s = r[name]
        lines.append(f"| {label} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | {s['mean_ms']:.1f} |")
    lines += [
        "",
        f"MCP over REST, p50: search {r['mcp_search']['p50_ms'] / r['rest_search']['p50_ms']:.2f}x, "
        f"ask {r['mcp_ask']['p50_ms'] / r['rest_ask']['p50_ms']:.2f}x.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--questions", type=int, default=40)
    args = parser.parse_args(argv)
    offline()
    with tempfile.TemporaryDirectory(prefix="mcp-bench-") as tmp:
        r = measure(args.corpus, Path(tmp), args.questions)
    print("\n".join(markdown(r)))
    log("mcp_bench: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
