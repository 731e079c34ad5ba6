"""Quality, side by side in one run: ours (hybrid), the textbook LangChain pipeline, dense-only and
lexical-only, on the labelled questions over ../shared/corpus; and action extraction against the
hand labels.

    .venv/bin/python -m bench.eval            (`make eval` calls this)

- Retrieval (answerable questions; dev, heldout and overall): hit@1, hit@5, MRR@5 and nDCG@10.
  A passage is relevant when it comes from the question's source and contains an evidence snippet
  (bench/metrics.py, the same rule as `make bench`). Ours and its two ablations answer through
  GET /search (anonymous caller, as `make bench`); the textbook through `similarity_search`.
- Dense-only and lexical-only are the service itself with only `dense_weight` (fused score =
  cosine) or only `lexical_weight` (fused score = max-normalised BM25) left on, sharing the
  same store, index, model and query understanding (committee and date filters and boosts).
- /ask (ours and the ablations; the textbook pipeline has no answerer): answer containment (the
  expected answer appears in the answer, normalised), a no-answer question counts as right when
  the mode is `not_found`; citation precision (share of cited passages that support the answer by
  the same relevance rule, over answered, answerable questions).
- Actions: record precision/recall and owner/due date/status accuracy (bench/actions_eval.py).

Writes bench/results/eval.md, eval.json and eval.png.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench.actions_eval import table_markdown
from bench.corpus import DEFAULT_CORPUS, QUESTIONS, RESULTS, corpus_files, log, offline, timed_ingest
from bench.metrics import pct

offline()

DEPTH = 10  # passages retrieved per question (nDCG@10)
SPLITS = ("dev", "heldout", "overall")
SYSTEMS = ("ours (hybrid)", "textbook LangChain", "dense-only", "lexical-only")


def _variant(service, dense_weight: float, lexical_weight: float, token_weight: float = 0.0):
    """The service with another dense weight, sharing every component (store, index, model)."""
    from assistant.service import PapersService
    from core.config import RetrievalSettings

    weights = {"dense_weight": dense_weight, "lexical_weight": lexical_weight, "token_weight": token_weight}
    retrieval = RetrievalSettings(**{**service.settings.retrieval.model_dump(), **weights})
    variant = PapersService(service.settings.model_copy(update={"retrieval": retrieval}))
    for name in ("catalog", "store", "embedder", "lexical"):
        setattr(variant, name, getattr(service, name))
    return variant


def search_all(client, questions: list[dict]) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for q in questions:
        r = client.get("/search", params={"q": q["question"], "k": DEPTH})
        r.raise_for_status()
        out[q["id"]] = [(p["source"], p["text"]) for p in r.json()["results"]]
    return out


def ask_all(client, questions: list[dict]) -> dict[str, dict]:
    out = {}
    for q in questions:
        r = client.post("/ask", json={"question": q["question"]})
        r.raise_for_status()
        body = r.json()
        out[q["id"]] = {
            "mode": body["mode"],
            "answer": body["answer"],
            "citations": [(c["source"], c["text"]) for c in body.get("citations", [])],
        }
    return out


def retrieval_scores(questions: list[dict], results: dict[str, list[tuple[str, str]]]) -> dict:
    from bench.metrics import first_hit_rank, is_answerable, retrieval_summary

    ranks = {q["id"]: first_hit_rank(results[q["id"]], q) for q in questions if is_answerable(q)}
    out = {}
    for split in SPLITS:
        chosen = [q for q in questions if is_answerable(q) and split in ("overall", q.get("split"))]
        out[split] = retrieval_summary(ranks[q["id"]] for q in chosen)
    by_kind = defaultdict(list)
    for q in questions:
        if is_answerable(q):
            by_kind[q["kind"]].append(ranks[q["id"]])
    out["by_kind"] = {k: retrieval_summary(v) for k, v in sorted(by_kind.items())}
    out["ranks"] = ranks
    return out


def ask_scores(questions: list[dict], answers: dict[str, dict]) -> dict:
    """Answer containment and citation precision by split."""
    from bench.metrics import answer_contains, is_answerable, is_hit

    out = {}
    for split in SPLITS:
        chosen = [q for q in questions if split in ("overall", q.get("split"))]
        correct = cited = supporting = fully_supported = answered = 0
        answerable = no_answer = no_answer_right = 0
        for q in chosen:
            a = answers[q["id"]]
            if not is_answerable(q):
                no_answer += 1
                no_answer_right += a["mode"] == "not_found"
                continue
            answerable += 1
            correct += answer_contains(q.get("answer"), a["answer"])
            if a["mode"] == "not_found" or not a["citations"]:
                continue
            answered += 1
            hits = [is_hit(src, text, q) for src, text in a["citations"]]
            cited += len(hits)
            supporting += sum(hits)
            fully_supported += all(hits)
        n = answerable + no_answer
        out[split] = {
            "n": n,
            "answerable": answerable,
            "no_answer": no_answer,
            "containment": correct / answerable if answerable else None,
            "no_answer_not_found": no_answer_right / no_answer if no_answer else None,
            "correct_overall": (correct + no_answer_right) / n if n else None,
            "citations": cited,
            "citation_precision": supporting / cited if cited else None,
            "answers_all_citations_support": fully_supported / answered if answered else None,
        }
    return out


def coverage(questions: list[dict], files: list[Path]) -> dict:
    from bench.metrics import file_name

    per_doc = Counter(file_name(q["source"]) for q in questions if q.get("source"))
    return {
        "questions": len(questions),
        "by_kind_split": {f"{k}/{s}": n for (k, s), n in sorted(Counter((q["kind"], q["split"]) for q in questions).items())},
        "by_split": dict(Counter(q["split"] for q in questions)),
        "documents": len(files),
        "documents_with_questions": sum(1 for f in files if per_doc.get(f.name)),
        "documents_without_questions": [f.name for f in files if not per_doc.get(f.name)],
        "min_questions_per_document": min((per_doc.get(f.name, 0) for f in files), default=0),
    }


def build_markdown(data: dict) -> str:
    r, a, c = data["retrieval"], data["ask"], data["coverage"]
    lines = [
        "# Evaluation: ours vs textbook vs dense-only vs lexical-only (bench/eval.py)",
        "",
        f"Run {data['started']}, commit {data['commit']}. Corpus {data['corpus']} ({c['documents']} papers, "
        f"{data['ingest']['chunks']} chunks). Questions: {c['questions']} "
        f"({c['by_split'].get('dev', 0)} dev, {c['by_split'].get('heldout', 0)} heldout; "
        f"{sum(n for k, n in c['by_kind_split'].items() if k.startswith('no_answer'))} with no answer in the papers). "
        f"Every paper has questions: {c['documents_with_questions']}/{c['documents']} "
        f"(at least {c['min_questions_per_document']} each). Nothing is tuned on heldout.",
        "",
        "## Retrieval (answerable questions; relevance = a passage from the right paper containing the evidence)",
        "",
        "| System | Split | n | hit@1 | hit@5 | MRR@5 | nDCG@10 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for split in SPLITS:
        for system in SYSTEMS:
            s = r[system][split]
            lines.append(f"| {system} | {split} | {s['n']} | {pct(s['hit@1'])} | {pct(s['hit@5'])} | "
                         f"{s['mrr']:.3f} | {s['ndcg@10']:.3f} |")
    lines += [
        "",
        "Dense-only and lexical-only are the service with one weight left on: assistant/retrieval/fuse.py scores "
        "`a * cosine + b * bm25 / max bm25 + c * MaxSim`, so (1, 0, 0) ranks by cosine alone and (0, 1, 0) by BM25 "
        "alone over the same candidates (dense top 60 plus lexical top 60; dense-only, the lexical-only candidates "
        "past the 10 whose cosine is looked up score as the weakest dense hit; lexical-only, dense-only candidates "
        "score by their real BM25). The committee, date and answer-type understanding of the question (filters and "
        "boosts) applies to all three.",
    ]
    lines += ["", "### hit@5 by question kind (all splits)", "",
              "| Kind | n | " + " | ".join(SYSTEMS) + " |", "| --- | --- |" + " --- |" * len(SYSTEMS)]
    for kind, s in r[SYSTEMS[0]]["by_kind"].items():
        lines.append(f"| {kind} | {s['n']} | " + " | ".join(pct(r[x]["by_kind"][kind]["hit@5"]) for x in SYSTEMS) + " |")
    lines += [
        "",
        "## /ask (the textbook pipeline has no answerer)",
        "",
        "Containment: the expected answer appears in the answer text (normalised). No-answer: mode `not_found`. "
        "Correct overall counts both. Citation precision: share of citations (of answered, answerable questions) "
        "that contain an evidence snippet from the right paper.",
        "",
        "| System | Split | Answerable: containment | No-answer: not_found | Correct overall | "
        "Citation precision | Answers whose every citation supports |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for split in SPLITS:
        for system in a:
            s = a[system][split]
            lines.append(
                f"| {system} | {split} | {pct(s['containment'])} (n={s['answerable']}) | "
                f"{pct(s['no_answer_not_found'])} (n={s['no_answer']}) | {pct(s['correct_overall'])} | "
                f"{pct(s['citation_precision'])} ({s['citations']} cited) | {pct(s['answers_all_citations_support'])} |"
            )
    act = data["actions"]
    lines += [
        "",
        "## Action records (extraction vs tests/data/actions_labelled.json)",
        "",
        *table_markdown(act),
    ]
    lines += [
        "",
        "## Question coverage",
        "",
        "| Kind/split | Questions |",
        "| --- | --- |",
    ] + [f"| {k} | {n} |" for k, n in c["by_kind_split"].items()]
    if c["documents_without_questions"]:
        lines += ["", "Papers without questions: " + ", ".join(c["documents_without_questions"])]
    lines += ["", "Chart: eval.png (retrieval metrics overall and hit@5 by split)."]
    return "\n".join(lines) + "\n"


WIDER_QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "data" / "wider"


def wider_eval(corpus: Path, tmp: Path) -> dict:
    """Papers of councils the product was not built on: metadata and classification against the
    labels, action extraction per layout, and retrieval and /ask over the blind wider questions,
    ours against the textbook pipeline, each in a store of the wider papers alone."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from assistant.service import PapersService
    from bench import answers_eval, metadata_eval
    from bench.actions_eval import WIDER_LABELS, evaluate
    from bench.metrics import load_questions
    from bench.textbook import TextbookPipeline
    from core.config import Settings

    log("wider: metadata and classification ...")
    meta = metadata_eval.evaluate(corpus)
    for r in meta["sets"].values():
        r.pop("misses", None)
        r.pop("hidden", None)
    for r in meta["planted"].values():
        r.pop("details", None)
    log("wider: actions ...")
    actions = {}
    for split, labels in WIDER_LABELS.items():
        r = evaluate(corpus, labels=labels)
        r.pop("errors", None)
        actions[split] = r
    questions = load_questions(WIDER_QUESTIONS / "questions_dev.jsonl") + load_questions(WIDER_QUESTIONS / "questions_heldout.jsonl")
    files = sorted(p for p in (corpus / "wider").rglob("*") if p.is_file() and p.name not in ("README.md", "labels.jsonl"))
    log(f"wider: ingesting {len(files)} papers and asking {len(questions)} questions ...")
    service = PapersService(Settings(home=tmp / "wider-home"))
    service.ingest(files)
    with TestClient(create_app(service)) as client:
        results = {"ours (hybrid)": search_all(client, questions)}
        answers = {"ours (hybrid)": ask_all(client, questions)}
    tb = TextbookPipeline(persist_dir=tmp / "wider-textbook")
    tb.ingest([f for f in files if f.suffix.lower() in (".pdf", ".txt", ".md", ".html", ".docx")])
    results["textbook LangChain"] = {q["id"]: [(src, text) for src, _, text in tb.search(q["question"], k=DEPTH)] for q in questions}
    tb.close()
    return {
        "metadata": meta,
        "actions": actions,
        "retrieval": {name: retrieval_scores(questions, r) for name, r in results.items()},
        "ask": {"ours (hybrid)": ask_scores(questions, answers["ours (hybrid)"])},
        "answers": answers_eval.score(questions, answers["ours (hybrid)"]),
        "questions": len(questions),
    }


def wider_markdown(w: dict) -> list[str]:
    from bench import metadata_eval

    lines = ["", "## Councils the product was not built on (../shared/corpus/wider, tests/data/wider, tests/data/planted)", "",
             "### Metadata and classification (labels read blind; held-back bodies never read while tuning)", ""]
    lines += metadata_eval.markdown(w["metadata"])
    lines += ["", "### Actions in new layouts", "", "| Labels | Layout | Labelled | Found | Extracted |", "| --- | --- | --- | --- | --- |"]
    for split, r in w["actions"].items():
        for d in r["documents"].values():
            lines.append(f"| {split} | {d['layout'][:70]} | {d['labelled']} | {d['matched']} | {d['extracted']} |")
        acc = r["accuracy"]
        lines.append(
            f"| {split} | **all** (precision {pct(r['precision'])}, recall {pct(r['recall'])}; owner {pct(acc['owner'])}, "
            f"due {pct(acc['due_date'])}, status {pct(acc['status'])}) | {r['labelled']} | {r['matched']} | {r['extracted']} |"
        )
    lines += ["", f"### Retrieval and /ask over {w['questions']} blind questions", "", "| System | Split | n | hit@1 | hit@5 | MRR@5 |", "| --- | --- | --- | --- | --- | --- |"]
    for split in SPLITS:
        for system, r in w["retrieval"].items():
            s = r[split]
            lines.append(f"| {system} | {split} | {s['n']} | {pct(s['hit@1'])} | {pct(s['hit@5'])} | {s['mrr']:.3f} |")
    lines += ["", "| System | Split | Answerable: containment | No-answer: not_found | Citation precision |", "| --- | --- | --- | --- | --- |"]
    for split in SPLITS:
        s = w["ask"]["ours (hybrid)"][split]
        lines.append(f"| ours (hybrid) | {split} | {pct(s['containment'])} (n={s['answerable']}) | {pct(s['no_answer_not_found'])} (n={s['no_answer']}) | {pct(s['citation_precision'])} |")
    return lines


def chart(data: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    r = data["retrieval"]
    metrics = [("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr", "MRR@5"), ("ndcg@10", "nDCG@10")]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / len(SYSTEMS)
    x = np.arange(len(metrics))
    for i, system in enumerate(SYSTEMS):
        values = [r[system]["overall"][m] for m, _ in metrics]
        bars = left.bar(x + i * width - 0.4 + width / 2, values, width, label=system)
        left.bar_label(bars, fmt="%.2f", fontsize=7)
    left.set_xticks(x, [label for _, label in metrics])
    left.set_ylim(0, 1)
    left.set_title(f"Retrieval, all answerable questions (n={r[SYSTEMS[0]]['overall']['n']})")
    left.legend(fontsize=8, loc="upper left")
    x2 = np.arange(2)
    for i, system in enumerate(SYSTEMS):
        values = [r[system][s]["hit@5"] for s in ("dev", "heldout")]
        bars = right.bar(x2 + i * width - 0.4 + width / 2, values, width, label=system)
        right.bar_label(bars, fmt="%.2f", fontsize=7)
    right.set_xticks(x2, [f"dev (n={r[SYSTEMS[0]]['dev']['n']})", f"heldout (n={r[SYSTEMS[0]]['heldout']['n']})"])
    right.set_ylim(0, 1)
    right.set_title("hit@5 by split")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    from fastapi.testclient import TestClient

    from api.app import create_app
    from assistant.service import PapersService
    from bench import answers_eval
    from bench.actions_eval import evaluate
    from bench.metrics import load_questions
    from bench.run import git_commit
    from bench.textbook import TextbookPipeline
    from core.config import Settings

    started = time.perf_counter()
    files = corpus_files(args.corpus)
    questions = load_questions(args.questions)
    tmp = Path(tempfile.mkdtemp(prefix="papers-eval-"))
    try:
        log("ours: ingesting ...")
        service = PapersService(Settings(home=tmp / "papers-home"))
        ingest = timed_ingest(service, files)
        ingest.pop("report")
        systems = {
            "ours (hybrid)": service,
            "dense-only": _variant(service, 1.0, 0.0),
            "lexical-only": _variant(service, 0.0, 1.0),
        }
        results, answers = {}, {}
        for name, svc in systems.items():
            log(f"{name}: /search and /ask over {len(questions)} questions ...")
            with TestClient(create_app(svc)) as client:
                results[name] = search_all(client, questions)
                answers[name] = ask_all(client, questions)
        log("textbook: ingesting and searching ...")
        tb = TextbookPipeline(persist_dir=tmp / "textbook-chroma")
        tb.ingest(files)
        results["textbook LangChain"] = {
            q["id"]: [(src, text) for src, _, text in tb.search(q["question"], k=DEPTH)] for q in questions
        }
        tb.close()
        log("actions: extraction vs labels ...")
        actions = {split or "all": evaluate(args.corpus, split=split) for split in ("dev", "heldout", None)}
        for s in actions.values():
            s.pop("errors", None)
        wider = wider_eval(args.corpus, tmp)
        data = {
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "commit": git_commit(),
            "corpus": str(args.corpus.resolve()),
            "ingest": {k: v for k, v in ingest.items() if k in ("seconds", "chunks", "documents", "pages")},
            "coverage": coverage(questions, files),
            "retrieval": {name: retrieval_scores(questions, results[name]) for name in SYSTEMS},
            "ask": {name: ask_scores(questions, answers[name]) for name in systems},
            "answers": answers_eval.score(questions, answers["ours (hybrid)"]),
            "actions": actions,
            "wider": wider,
        }
        data["seconds"] = time.perf_counter() - started
        args.out.mkdir(parents=True, exist_ok=True)
        md = build_markdown(data) + "\n".join(wider_markdown(wider)) + "\n\n" + answers_eval.markdown(
            {"project": data["answers"], "wider": wider["answers"]}, "extractive"
        )
        (args.out / "eval.md").write_text(md, encoding="utf-8")
        (args.out / "eval.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
        chart(data, args.out / "eval.png")
        print(md)
        log(f"wrote {args.out / 'eval.md'}, eval.json, eval.png in {data['seconds']:.0f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
