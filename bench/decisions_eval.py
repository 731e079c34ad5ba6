"""Recommendation and decision records measured against the hand labels in tests/data/decisions/.

    .venv/bin/python -m bench.decisions_eval [--corpus ../shared/corpus] [-v] [--split dev]

Runs load -> clean -> metadata -> extract_decisions on each labelled paper (no embedding needed)
and reports, per label split: precision and recall of records; accuracy of kind, reference and
votes over the matched ones; and chain links (assistant.decision_chains over every extracted
record of every labelled paper): labelled same-matter pairs that are linked, and pairs linked that
the labels say are different matters. A record matches a label when the label's opening words
(normalised) are among the record's first words, or the record's opening words are among the
label's (a record read from a sentence earlier or later in the same paragraph does not match).
`-v` prints the dev split's misses; the held-back split is only ever counted.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from itertools import combinations
from pathlib import Path

from bench.corpus import DEFAULT_CORPUS, REPO
from bench.metrics import pct

LABELS = {
    "dev": REPO / "tests" / "data" / "decisions" / "decisions_dev.json",
    "heldout": REPO / "tests" / "data" / "decisions" / "decisions_heldout.json",
}


def norm(text: str | None) -> str:
    if not text:
        return ""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", "")))


def extract(path: Path):
    """The decision records our ingest makes from one paper, with the paper's metadata."""
    from core.types import Document
    from ingest.clean import clean
    from ingest.decisions import extract_decisions
    from ingest.loaders import load
    from ingest.metadata import detect_metadata

    parsed = clean(load(path))
    meta = detect_metadata(parsed)
    doc = Document(
        id=re.sub(r"\W+", "_", path.stem)[:40], source=path.name, path=str(path), sha256="", title=meta.title,
        committee=meta.committee, meeting_date=meta.meeting_date, classification=meta.classification,
        doc_type=meta.doc_type, body=meta.body,
    )
    return doc, extract_decisions(parsed, doc)


def matches(label: dict, text: str) -> bool:
    got = norm(text)
    for want in [label["text"], *label.get("also", [])]:
        w = norm(want)
        n = min(len(w), 70)
        if not n:
            continue
        head = w[:n]
        if got.startswith(head) or head in got[: n + 160]:
            return True
        g = got[: min(len(got), 50)]
        if len(g) >= 30 and g in w:
            return True
    return False


def pair(labels: list[dict], records: list) -> list[tuple[dict, object]]:
    """Labels matched one to one with records, in reading order."""
    out, used, done = [], set(), set()
    # Records that start with the label's words first, then those holding them a little later.
    for exact in (True, False):
        for li, label in enumerate(labels):
            if li in done:
                continue
            for i, r in enumerate(records):
                if i in used:
                    continue
                if exact and not any(norm(r.text).startswith(norm(t)[:70]) for t in [label["text"], *label.get("also", [])]):
                    continue
                if matches(label, r.text):
                    used.add(i)
                    done.add(li)
                    out.append((label, r))
                    break
    return out


def _votes_same(want: dict | None, got) -> bool:
    if not want:
        return got is None or (got.unanimous and False)
    if got is None:
        return False
    if want.get("unanimous"):
        return bool(got.unanimous)
    return all(want.get(k) == getattr(got, a) for k, a in (("for", "for_"), ("against", "against"), ("abstain", "abstain")) if k in want)


def evaluate(corpus: Path, verbose: bool = False, splits=("dev", "heldout")) -> dict:
    from assistant.decision_chains import link

    results = {}
    for split in splits:
        path = LABELS[split]
        if not path.exists():
            results[split] = None
            continue
        data = json.loads(path.read_text())
        labelled = extracted = matched = 0
        kind_ok = ref_ok = votes_ok = votes_n = 0
        all_records, label_of = [], {}
        per_doc = []
        for entry in data["documents"]:
            doc, records = extract(corpus / entry["path"])
            labels = [r for r in entry["records"] if r.get("record", True)]
            got = pair(labels, records)
            labelled += len(labels)
            extracted += len(records)
            matched += len(got)
            for label, r in got:
                kind_ok += label["kind"] == r.kind.value
                ref_ok += norm(label.get("reference")) == norm(r.reference)
                if label.get("votes"):
                    votes_n += 1
                    votes_ok += _votes_same(label["votes"], r.votes)
                label_of[r.id] = label
            for r in records:
                r.council = entry.get("body") or doc.body
                r.paper_title = doc.title
                r.doc_type = doc.doc_type
            all_records.extend(records)
            per_doc.append((entry["path"], len(labels), len(records), len(got)))
            if verbose and split == "dev":
                matched_ids = {id(r) for _, r in got}
                matched_labels = {id(label) for label, _ in got}
                print(f"\n== {entry['path']}: labelled {len(labels)} extracted {len(records)} matched {len(got)}")
                for label in labels:
                    if id(label) not in matched_labels:
                        print(f"  MISS  [{label['kind']}] p{label.get('page')} {label['text'][:110]}")
                for r in records:
                    if id(r) not in matched_ids:
                        print(f"  EXTRA [{r.kind.value}] p{r.page} item={r.item} {r.text[:110]}")
                for label, r in got:
                    if label["kind"] != r.kind.value or norm(label.get("reference")) != norm(r.reference):
                        print(f"  FIELD want {label['kind']}/{label.get('reference')} got {r.kind.value}/{r.reference}: {label['text'][:70]}")
                    if label.get("votes") and not _votes_same(label["votes"], r.votes):
                        print(f"  VOTES want {label['votes']} got {r.votes}: {label['text'][:60]}")
        # Chains: pairs of matched records, same matter by the labels, linked or not by ours.
        chains = link(all_records)
        chain_of = {r.id: i for i, chain in enumerate(chains) for r in chain}
        same = linked_same = linked_wrong = 0
        matched_records = [r for r in all_records if r.id in label_of]
        wrong_pairs = []
        for a, b in combinations(matched_records, 2):
            together = chain_of.get(a.id) is not None and chain_of.get(a.id) == chain_of.get(b.id)
            if label_of[a.id].get("matter") == label_of[b.id].get("matter"):
                same += 1
                linked_same += together
            elif together:
                linked_wrong += 1
                wrong_pairs.append((a, b))
        if verbose and split == "dev":
            for a, b in wrong_pairs[:20]:
                print(f"  WRONG LINK {label_of[a.id]['matter']} / {label_of[b.id]['matter']}: {a.text[:50]} | {b.text[:50]}")
        results[split] = {
            "documents": len(per_doc),
            "labelled": labelled,
            "extracted": extracted,
            "matched": matched,
            "precision": matched / extracted if extracted else None,
            "recall": matched / labelled if labelled else None,
            "kind": kind_ok / matched if matched else None,
            "reference": ref_ok / matched if matched else None,
            "votes": votes_ok / votes_n if votes_n else None,
            "votes_n": votes_n,
            "chain_pairs": same,
            "chain_found": linked_same,
            "chain_wrong": linked_wrong,
            "per_document": per_doc if split == "dev" else None,
        }
    return results


QUESTIONS = {
    "dev": REPO / "tests" / "data" / "decisions" / "questions_dev.jsonl",
    "heldout": REPO / "tests" / "data" / "decisions" / "questions_heldout.jsonl",
}


def answers(corpus: Path, verbose: bool = False) -> dict:
    """Answer containment on the blind "what happened to" questions: every labelled paper of
    both splits ingested into a fresh home (the real model, real Chroma), each question asked
    through the service as a member would. A question is answered when every expected phrase is
    in the answer (normalised); a no-answer question is right when the answer is a refusal."""
    import tempfile

    from assistant.service import PapersService
    from core.config import Settings

    papers = []
    for split in ("dev", "heldout"):
        if LABELS[split].exists():
            papers += [corpus / d["path"] for d in json.loads(LABELS[split].read_text())["documents"]]
    out = {}
    with tempfile.TemporaryDirectory() as home:
        service = PapersService(Settings(home=Path(home)))
        service.ingest(list(dict.fromkeys(papers)))
        for split, path in QUESTIONS.items():
            if not path.exists():
                out[split] = None
                continue
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            answerable = [q for q in rows if q["kind"] != "no_answer"]
            contained = from_records = refused = 0
            facts = facts_found = 0
            for q in rows:
                a = service.ask(q["question"])
                if q["kind"] == "no_answer":
                    refused += a.mode.value == "not_found"
                    if verbose and split == "dev" and a.mode.value != "not_found":
                        print(f"  {q['id']} NOT REFUSED [{a.mode.value}] {q['question']}\n    {a.answer[:300]}")
                    continue
                got = norm(a.answer)
                ok = all(norm(e) in got for e in q["expect"])
                facts += len(q["expect"])
                facts_found += sum(norm(e) in got for e in q["expect"])
                contained += ok
                from_records += a.mode.value == "decisions"
                if verbose and split == "dev" and not ok:
                    print(f"  {q['id']} [{a.mode.value}] {q['question']}\n    missing: {[e for e in q['expect'] if norm(e) not in got]}")
            out[split] = {
                "questions": len(answerable), "contained": contained, "facts": facts, "facts_found": facts_found, "from_records": from_records,
                "no_answer": len(rows) - len(answerable), "refused": refused,
            }
    return out


def answers_markdown(results: dict) -> list[str]:
    lines = [
        "| Questions | Asked | Every expected fact in the answer | Expected facts in the answer | Answered from the records | No-answer refused |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for split in ("dev", "heldout"):
        r = results.get(split)
        if r:
            lines.append(
                f"| {split} | {r['questions']} | {pct(r['contained'] / r['questions'] if r['questions'] else None)} | "
                f"{pct(r['facts_found'] / r['facts'] if r['facts'] else None)} | "
                f"{r['from_records']} of {r['questions']} | {r['refused']} of {r['no_answer']} |"
            )
    return lines


def table_markdown(results: dict) -> list[str]:
    lines = [
        "| Labels | Papers | Labelled | Extracted | Precision | Recall | Kind | Reference | Votes | Chain links found | Wrong links |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for split in ("dev", "heldout"):
        r = results.get(split)
        if not r:
            continue
        lines.append(
            f"| {split} | {r['documents']} | {r['labelled']} | {r['extracted']} | {pct(r['precision'])} | {pct(r['recall'])} | "
            f"{pct(r['kind'])} | {pct(r['reference'])} | {pct(r['votes'])} (n={r['votes_n']}) | "
            f"{r['chain_found']} of {r['chain_pairs']} | {r['chain_wrong']} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("-v", "--verbose", action="store_true", help="print the dev split's misses")
    ap.add_argument("--split", choices=("dev", "heldout"), action="append")
    ap.add_argument("--answers", action="store_true", help="also ingest the labelled papers and ask the blind questions")
    args = ap.parse_args(argv)
    results = evaluate(args.corpus, args.verbose, tuple(args.split or ("dev", "heldout")))
    print("\n".join(table_markdown(results)))
    if args.answers:
        print()
        print("\n".join(answers_markdown(answers(args.corpus, args.verbose))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
