"""How good the answers are, on every labelled set, dev and held-back apart.

    python -m bench.answers_eval [--answerer extractive|llm] [-v]

For each answerable question: the expected fact in the answer *and* in a cited passage of the
right paper; the fact in the answer's first sentence; citation precision (cited passages that
hold the evidence) and answers whose every citation holds it; false refusals. For each no-answer
question: refused or not. `-v` lists the dev questions that miss (never the held-back ones: they
are measured, not read). The stores are kept under bench/results/answers-*/ and only papers that
changed are ingested again, so a change to the answer step is measured in about a minute.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from bench.corpus import DEFAULT_CORPUS, corpus_files, log, offline
from bench.metrics import answer_contains, file_name, is_answerable, is_hit, load_questions, normalise, pct

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "tests" / "data"

SETS = {
    "project": [DATA / "questions.jsonl"],
    "wider": [DATA / "wider" / "questions_dev.jsonl", DATA / "wider" / "questions_heldout.jsonl"],
}


def first_sentence(answer: str) -> str:
    """The answer up to its first citation marker (or sentence end)."""
    m = re.search(r"\[\d+\]", answer)
    if m:
        return answer[: m.end()]
    m = re.search(r"[.!?](\s|$)", answer)
    return answer[: m.end()] if m else answer


def score(questions: list[dict], answers: dict[str, dict]) -> dict:
    out = {}
    for split in ("dev", "heldout", "overall"):
        chosen = [q for q in questions if split in ("overall", q.get("split"))]
        n = len(chosen)
        answerable = [q for q in chosen if is_answerable(q)]
        no_answer = [q for q in chosen if not is_answerable(q)]
        fact_cited = first = refused_wrongly = answered = all_support = cited = supporting = 0
        for q in answerable:
            a = answers[q["id"]]
            if a["mode"] == "not_found":
                refused_wrongly += 1
                continue
            answered += 1
            in_answer = answer_contains(q["answer"], a["answer"])
            in_cited = any(
                file_name(src) == file_name(q["source"]) and normalise(q["answer"]) in normalise(text)
                for src, text in a["citations"]
            )
            fact_cited += in_answer and in_cited
            first += answer_contains(q["answer"], first_sentence(a["answer"]))
            hits = [is_hit(src, text, q) for src, text in a["citations"]]
            cited += len(hits)
            supporting += sum(hits)
            all_support += bool(hits) and all(hits)
        refused = sum(answers[q["id"]]["mode"] == "not_found" for q in no_answer)
        made = [answers[q["id"]] for q in chosen]
        generated = sum(a["mode"] == "generated" for a in made)
        fell_back = sum(bool(a.get("note")) and "could not be used" in (a.get("note") or "") for a in made)
        dropped = sum(int(m.group(1)) for a in made for m in [re.match(r"(\d+) sentence", a.get("note") or "")] if m)
        out[split] = {
            "n": n,
            "answerable": len(answerable),
            "no_answer": len(no_answer),
            "fact_in_answer_and_cited": fact_cited / len(answerable) if answerable else None,
            "fact_in_first_sentence": first / len(answerable) if answerable else None,
            "citation_precision": supporting / cited if cited else None,
            "answers_all_citations_support": all_support / answered if answered else None,
            "no_answer_refused": refused / len(no_answer) if no_answer else None,
            "false_refusals": refused_wrongly / len(answerable) if answerable else None,
            "generated": generated,
            "fell_back": fell_back,
            "sentences_dropped": dropped,
        }
    return out


def ask_all(service, questions: list[dict]) -> dict[str, dict]:
    out = {}
    for q in questions:
        a = service.ask(q["question"])
        out[q["id"]] = {
            "mode": a.mode.value,
            "answer": a.answer,
            "answerer": a.answerer,
            "note": a.note,
            "citations": [(c.passage.chunk.source, c.passage.chunk.text) for c in a.citations],
        }
    return out


def _service(name: str, files: list[Path], answerer: str):
    import os

    from assistant.service import PapersService
    from core.config import Settings

    if answerer == "llm":  # the endpoint, model and key come from PAPERS_LLM__* (a kwarg would replace them)
        os.environ["PAPERS_LLM__ENABLED"] = "true"
    service = PapersService(Settings(home=RESULTS / f"answers-{name}"))
    report = service.ingest(files)
    log(f"{name}: {report.summary()}")
    return service


def _files(name: str, corpus: Path) -> list[Path]:
    if name == "project":
        return [*corpus_files(corpus), ROOT / "examples" / "papers"]
    return sorted(p for p in (corpus / "wider").rglob("*") if p.is_file() and p.name not in ("README.md", "labels.jsonl"))


def misses(questions: list[dict], answers: dict[str, dict]) -> list[str]:
    """The dev questions answered wrongly, for a person to read (never the held-back ones)."""
    lines = []
    for q in questions:
        if q.get("split") != "dev":
            continue
        a = answers[q["id"]]
        if not is_answerable(q):
            if a["mode"] != "not_found":
                lines.append(f"{q['id']} NOT REFUSED: {q['question']}\n    -> {a['answer'][:300]}")
            continue
        if a["mode"] == "not_found":
            lines.append(f"{q['id']} FALSE REFUSAL: {q['question']} (want {q['answer']!r})\n    -> {a['answer'][:300]}")
        elif not answer_contains(q["answer"], first_sentence(a["answer"])):
            where = "LATER" if answer_contains(q["answer"], a["answer"]) else "MISSING"
            lines.append(f"{q['id']} {where}: {q['question']} (want {q['answer']!r})\n    -> {a['answer'][:300]}")
    return lines


def markdown(results: dict, answerer: str) -> str:
    lines = [f"## Answers ({answerer} answerer)", "",
             "| Set | Split | Answerable | Fact in answer and cited | Fact in first sentence | Citation precision | All citations support | No-answer refused | False refusals |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, by_split in results.items():
        for split, s in by_split.items():
            lines.append(
                f"| {name} | {split} | {s['answerable']} | {pct(s['fact_in_answer_and_cited'])} | {pct(s['fact_in_first_sentence'])} | "
                f"{pct(s['citation_precision'])} | {pct(s['answers_all_citations_support'])} | "
                f"{pct(s['no_answer_refused'])} (n={s['no_answer']}) | {pct(s['false_refusals'])} |"
            )
    if answerer != "extractive":
        lines += ["", "| Set | Split | Questions | Written by the model and kept | Fell back to extractive | Sentences dropped by the check |", "| --- | --- | --- | --- | --- | --- |"]
        for name, by_split in results.items():
            for split, s in by_split.items():
                lines.append(f"| {name} | {split} | {s['n']} | {s['generated']} | {s['fell_back']} | {s['sentences_dropped']} |")
    return "\n".join(lines) + "\n"


def _model_name() -> str:
    from core.config import Settings

    s = Settings()
    return f"{s.llm.model} at {s.llm.base_url}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--answerer", choices=["extractive", "llm"], default="extractive")
    parser.add_argument("--sets", default="project,wider")
    parser.add_argument("-v", "--verbose", action="store_true", help="list the dev questions that miss")
    parser.add_argument("--limit", type=int, default=0, help="ask only the first N questions of each split of each set")
    args = parser.parse_args(argv)
    offline()
    started = time.perf_counter()
    results, details = {}, {}
    for name in args.sets.split(","):
        questions = [q for path in SETS[name] for q in load_questions(path)]
        if args.limit:
            questions = [q for split in ("dev", "heldout") for q in [x for x in questions if x.get("split") == split][: args.limit]]
        service = _service(name, _files(name, args.corpus), args.answerer)
        answers = ask_all(service, questions)
        results[name] = score(questions, answers)
        details[name] = answers
        if args.verbose:
            print(f"\n## {name}: dev misses\n" + "\n".join(misses(questions, answers)))
    md = markdown(results, args.answerer if args.answerer == "extractive" else f"llm: {_model_name()}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"answers-{args.answerer}.md").write_text(md, encoding="utf-8")
    (RESULTS / f"answers-{args.answerer}.json").write_text(json.dumps({"results": results}, indent=1), encoding="utf-8")
    print(md)
    log(f"answers_eval: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
