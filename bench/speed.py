"""Ingest and encoder speed on the real corpus, in one run: where our ingest time goes, ours against
the textbook LangChain pipeline, and encoder throughput against plain SentenceTransformer.

    .venv/bin/python -m bench.speed [--baseline DIR] [--quality] [--sample 1500] [--ingest-rounds 2]

- ingest: `../shared/corpus` into a fresh PAPERS_HOME with our pipeline in its default backend
  (wall and CPU seconds, the parse processes' included; seconds per stage; share of time outside
  the embedding model; a SHA-256 of every chunk text), then the textbook pipeline on the same
  files, then (on AMX CPUs) ours with the int8 backend: interleaved rounds, medians reported.
- `--baseline DIR`: also ingest with the code in DIR (e.g. `git archive <commit> | tar -x -C DIR`)
  in a subprocess, first, for a before/after in the same run; the chunk digests must agree.
- encode: a seeded sample of the corpus's passages, through plain
  `SentenceTransformer(<model dir>).encode` (a vector per passage) and late chunking (a vector per
  window from one run per passage, on the encoder's worker threads) in each of our backends: torch
  float32 (the reference), torch bfloat16 (where the CPU has AMX) and ONNX int8. Rounds are
  interleaved so machine noise hits every encoder alike; passages/s are medians.
- `--quality`: hit@1/hit@5 on the labelled questions with the store embedded by each backend (a
  full ingest each).

Writes bench/results/speed.md and speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.corpus import (
    DEFAULT_CORPUS,
    QUESTIONS,
    REPO,
    RESULTS,
    chunk_digest,
    corpus_files,
    log,
    offline,
    timed_ingest,
)

offline()


_BASELINE_SCRIPT = """
import importlib.util, json, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("bench_corpus_probe", {corpus_py!r})
probe = importlib.util.module_from_spec(spec); spec.loader.exec_module(probe)
probe.offline()
from core.config import Settings
from assistant.service import PapersService
files = [Path(p) for p in json.loads(sys.argv[1])]
service = PapersService(Settings(home=Path(sys.argv[2])))
r = probe.timed_ingest(service, files)
r.pop("report")
r["digest"] = probe.chunk_digest(service.catalog)
print(json.dumps(r))
"""


def baseline_ingest(code_dir: Path, files: list[Path], home: Path) -> dict:
    """Ingest with the pipeline code in `code_dir`, in a subprocess (same timing probe)."""
    script = _BASELINE_SCRIPT.format(corpus_py=str(REPO / "bench" / "corpus.py"))
    out = subprocess.run(
        [sys.executable, "-c", script, json.dumps([str(f) for f in files]), str(home)],
        cwd=code_dir, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(code_dir)},
    )
    if out.returncode != 0:
        raise RuntimeError(f"baseline ingest failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def ours_ingest(files: list[Path], home: Path, backend: str = "auto", precision: str = "auto"):
    from assistant.service import PapersService
    from core.config import EmbeddingSettings, Settings

    embedding = EmbeddingSettings(backend=backend, precision=precision)
    service = PapersService(Settings(home=home, embedding=embedding))
    r = timed_ingest(service, files)
    r.pop("report")
    r["digest"] = chunk_digest(service.catalog)
    return service, r


def textbook_ingest(files: list[Path], persist: Path) -> dict:
    from bench.textbook import TextbookPipeline

    tb = TextbookPipeline(persist_dir=persist)
    t0, c0 = time.perf_counter(), time.process_time()
    _, pages = tb.ingest(files)
    out = {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0, "pages": pages,
           "chunks": tb.chunks}
    tb.close()
    return out


def encode_throughput(service, sample_size: int, rounds: int, seed: int = 0) -> dict:
    """Passages/s of each way of embedding the same seeded sample of the corpus's passages: plain
    SentenceTransformer.encode (one vector per passage) and late chunking (one run per passage, a
    vector per window) in each of our backends."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from core.text import window_spans
    from vectorstore.embedder import Embedder
    from vectorstore.torch_encoder import native_bf16

    chunks = list(service.catalog.iter_chunks())
    sample = random.Random(seed).sample(chunks, min(sample_size, len(chunks)))
    texts = [c.index_text for c in sample]
    spans = [window_spans(c) for c in sample]
    path, max_tokens = service.embedder.model_path, service.embedder.max_tokens
    plain = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    backends = {
        "ours, torch float32": Embedder(path, backend="torch", precision="fp32", max_tokens=max_tokens),
        "ours, onnx-int8": Embedder(path, backend="onnx-int8", max_tokens=max_tokens,
                                    cache_dir=service.settings.models_path),
    }
    if native_bf16():
        backends["ours, torch bfloat16 (AMX)"] = Embedder(path, backend="torch", precision="bf16", max_tokens=max_tokens)
    encoders = {"SentenceTransformer.encode (plain, torch fp32, batch 32): a vector per passage": lambda: plain.encode(
        texts, batch_size=32, normalize_embeddings=True)}
    for name, embedder in backends.items():
        embedder.embed(["warm up"])
        encoders[f"{name}: late chunking, a vector per window"] = (
            lambda e=embedder: e.embed_passages(texts, spans)[0])
    reference_name = "ours, torch float32: late chunking, a vector per window"
    wall: dict[str, list[float]] = {k: [] for k in encoders}
    cpu: dict[str, list[float]] = {k: [] for k in encoders}
    outputs = {}
    for r in range(rounds):
        for name, f in encoders.items():
            t0, c0 = time.perf_counter(), time.process_time()
            outputs[name] = f()
            wall[name].append(len(sample) / (time.perf_counter() - t0))
            cpu[name].append(len(sample) / (time.process_time() - c0))
            log(f"encode round {r + 1}: {name}: {wall[name][-1]:.0f} passages/s")
    reference = np.asarray(outputs[reference_name])
    tokenizer = service.embedder.tokenizer
    return {
        "sample": len(sample),
        "passages_in_corpus": len(chunks),
        "windows": sum(len(w) for w in spans),
        "word_pieces_passages": sum(len(e.ids) for e in tokenizer.encode_batch(texts)),
        "rounds": rounds,
        "encoders": {
            name: {
                "passages_per_s": statistics.median(wall[name]),
                "passages_per_cpu_s": statistics.median(cpu[name]),
                "all_rounds": [round(x, 1) for x in wall[name]],
                "mean_cosine_to_torch_late": (
                    float(np.mean(np.sum(np.asarray(outputs[name]) * reference, axis=1)))
                    if np.asarray(outputs[name]).shape == reference.shape and "late" in name
                    else None
                ),
            }
            for name in encoders
        },
    }


def _median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (the lower middle one of an even number)."""
    return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]


def retrieval_quality(service, questions: list[dict]) -> dict:
    from bench.metrics import first_hit_rank, is_answerable, summarise

    answerable = [q for q in questions if is_answerable(q)]
    ranks = []
    for q in answerable:
        passages = service.search(q["question"], k=5)
        ranks.append(first_hit_rank([(p.chunk.source, p.chunk.text) for p in passages], q))
    return summarise(ranks, 5)


def build_markdown(data: dict) -> str:
    o, t = data["ours"], data["textbook"]
    lines = [
        "# Ingest and encoder speed (bench/speed.py)",
        "",
        f"Run {data['started']}, {data['cpus']} CPUs (shared with other work: compare within this run), "
        f"load average {data['loadavg'][0]:.1f} at start.",
        "",
        "## Ingest of ../shared/corpus (26 papers), same run",
        "",
        "| Pipeline | Wall s | CPU s | Chunks | Chunks/s | Model s | Outside model | Chunk texts SHA-256 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def row(name: str, r: dict) -> str:
        return (f"| {name} | {r['seconds']:.1f} | {r['cpu_seconds']:.0f} | {r['chunks']} | "
                f"{r['chunks_per_s']:.1f} | {r['model_seconds']:.1f} | {100 * r['outside_model_share']:.0f}% | "
                f"`{r['digest'][:16]}` |")

    if data.get("baseline"):
        lines.append(row(f"ours, before ({data['baseline_label']})", data["baseline"]))
    lines.append(row(f"ours, now (default backend: {data['backend']})", o))
    if data.get("ours_other"):
        lines.append(row(f"ours, {data['other_backend']} backend", data["ours_other"]))
    lines.append(f"| textbook LangChain | {t['seconds']:.1f} | {t['cpu_seconds']:.0f} | {t['chunks']} | "
                 f"{t['chunks'] / t['seconds']:.1f} | | | |")
    rounds = data["ingest_rounds"]
    lines += ["", f"Rows: the median of {len(rounds)} interleaved rounds (ours, textbook, ours with the other "
              "backend, in turn), so the machine's load falls on all alike."]
    lines += ["", f"Textbook / ours (wall, median of the rounds' ratios): **{data['ratio']:.2f}x** (target: at least 2x). "
              "Each round: " + ", ".join(f"{r['textbook'] / r['ours']:.2f}x ({r['textbook']:.1f} s / {r['ours']:.1f} s)"
                                         for r in rounds) + "."]
    if data.get("ours_other"):
        lines.append(f"Textbook / ours with the {data['other_backend']} backend: "
                     f"{statistics.median(r['textbook'] / r['other'] for r in rounds):.2f}x.")
    if data.get("baseline"):
        b = data["baseline"]
        same = "identical" if b["digest"] == o["digest"] else "DIFFERENT"
        lines.append(f"Before / now (wall): {b['seconds'] / o['seconds']:.2f}x; chunk texts {same} "
                     f"({o['chunks']} chunks).")
    lines += ["", "Seconds by stage (ours): " + ", ".join(f"{k} {v:.1f}" for k, v in o["stages"].items())]
    if data.get("baseline"):
        lines.append("Seconds by stage (before): " + ", ".join(
            f"{k} {v:.1f}" for k, v in data["baseline"]["stages"].items()))
    e = data.get("encode")
    if e:
        lines += [
            "",
            f"## Encoder throughput ({e['sample']} of the corpus's {e['passages_in_corpus']} passages: "
            f"{e['word_pieces_passages']} word pieces, {e['windows']} windows; median of {e['rounds']} interleaved rounds)",
            "",
            "| Encoder | Passages/s (wall) | Passages per CPU-second | Mean cosine to torch float32 |",
            "| --- | --- | --- | --- |",
        ]
        for name, r in e["encoders"].items():
            cos = r["mean_cosine_to_torch_late"]
            lines.append(f"| {name} | {r['passages_per_s']:.0f} | {r['passages_per_cpu_s']:.0f} | "
                         f"{'' if cos is None else f'{cos:.4f}'} |")
    q = data.get("quality")
    if q:
        lines += ["", "## Retrieval quality by embedding backend (all answerable questions, service.search, k=5)", "",
                  "| Backend | n | hit@1 | hit@5 | MRR@5 |", "| --- | --- | --- | --- | --- |"]
        for name, s in q.items():
            lines.append(f"| {name} | {s['n']} | {100 * s['hit@1']:.1f}% | {100 * s['hit@5']:.1f}% | {s['mrr']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--baseline", type=Path, help="a checkout of older code to ingest with first")
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--quality", action="store_true", help="also compare hit@5 across the embedding backends")
    parser.add_argument("--sample", type=int, default=600, help="passages in the encoder comparison (0: skip)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the encoder comparison")
    parser.add_argument("--ingest-rounds", type=int, default=2, help="interleaved rounds of the ingest comparison")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    files = corpus_files(args.corpus)
    for f in files:
        f.read_bytes()
    log("importing libraries ...")
    from bench.run import preimport

    preimport()
    data: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(),
                  "loadavg": os.getloadavg(), "baseline_label": args.baseline_label}
    tmp = Path(tempfile.mkdtemp(prefix="papers-speed-"))
    try:
        if args.baseline:
            log(f"baseline ingest with {args.baseline} ...")
            data["baseline"] = baseline_ingest(args.baseline, files, tmp / "baseline-home")
        from vectorstore.embedder import resolve_backend

        data["backend"] = resolve_backend("auto")
        # The other backend is worth timing where it differs in kind: int8 beside bfloat16 on AMX.
        data["other_backend"] = "onnx-int8" if data["backend"] == "torch" else None
        runs: dict[str, list[dict]] = {"ours": [], "textbook": [], "other": []}
        for n in range(args.ingest_rounds):
            log(f"round {n + 1}: ours ({data['backend']}) ingesting ...")
            service, r = ours_ingest(files, tmp / f"ours-home-{n}")
            runs["ours"].append(r)
            log(f"ours: {r['seconds']:.1f} s; textbook: ingesting ...")
            runs["textbook"].append(textbook_ingest(files, tmp / f"textbook-chroma-{n}"))
            log(f"textbook: {runs['textbook'][-1]['seconds']:.1f} s")
            if data["other_backend"]:
                log(f"ours, {data['other_backend']} backend: ingesting ...")
                runs["other"].append(ours_ingest(files, tmp / f"ours-other-home-{n}", backend=data["other_backend"])[1])
        data["ingest_rounds"] = [
            {"ours": o["seconds"], "textbook": t["seconds"], **({"other": x["seconds"]} if x else {})}
            for o, t, x in zip(runs["ours"], runs["textbook"], runs["other"] or [None] * len(runs["ours"]))
        ]
        data["ratio"] = statistics.median(r["textbook"] / r["ours"] for r in data["ingest_rounds"])
        data["ours"], data["textbook"] = _median_run(runs["ours"]), _median_run(runs["textbook"])
        if runs["other"]:
            data["ours_other"] = _median_run(runs["other"])
        if args.sample:
            data["encode"] = encode_throughput(service, args.sample, args.rounds)
        if args.quality:
            from bench.metrics import load_questions

            questions = load_questions(QUESTIONS)
            from vectorstore.torch_encoder import native_bf16

            variants = {"torch float32": ("torch", "fp32"), "onnx-int8": ("onnx-int8", "auto")}
            if native_bf16():
                variants["torch bfloat16 (AMX)"] = ("torch", "bf16")
            data["quality"], data["quality_ingest"] = {}, {}
            for name, (backend, precision) in variants.items():
                log(f"quality: {name} ingest ...")
                home = tmp / f"quality-{backend}-{precision}"
                other, data["quality_ingest"][name] = ours_ingest(files, home, backend, precision)
                data["quality"][name] = retrieval_quality(other, questions)
        data["loadavg_end"] = os.getloadavg()
        md = build_markdown(data)
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "speed.md").write_text(md, encoding="utf-8")
        (args.out / "speed.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
        print(md)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
