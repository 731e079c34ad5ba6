"""Action extraction measured against the hand-labelled records in tests/data/actions_labelled.json.

    .venv/bin/python -m bench.actions_eval [--corpus ../shared/corpus] [-v]

Runs load -> clean -> metadata -> extract_actions on each labelled paper (no embedding needed) and
reports precision and recall of action records, and accuracy of owner, due date and status over
the matched records. An extracted action matches a labelled one when its text starts with the
labelled text (normalised), or holds it within its first 80 characters more ("Agreed that the
Clerk write to ..." for "Clerk write to ..."). `make bench` includes these figures; tests/test_actions.py holds them
to a floor.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path

from bench.corpus import DEFAULT_CORPUS, REPO
from bench.metrics import pct

LABELS = REPO / "tests" / "data" / "actions_labelled.json"
WIDER_LABELS = {
    "dev": REPO / "tests" / "data" / "wider" / "actions_dev.json",
    "heldout": REPO / "tests" / "data" / "wider" / "actions_heldout.json",
}
FIELDS = ("owner", "due_date", "status", "meeting_date", "reference")


def norm(text: str | None) -> str:
    if text is None:
        return ""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("&", " and ").replace("’", "'")))


def extract(path: Path):
    """The action records our ingest makes from one paper."""
    from core.types import Document
    from ingest.action_tables import extract_actions
    from ingest.clean import clean
    from ingest.loaders import load
    from ingest.metadata import detect_metadata

    parsed = clean(load(path))
    meta = detect_metadata(parsed)
    doc = Document(
        id=path.stem, source=path.name, path=str(path), sha256="", committee=meta.committee,
        meeting_date=meta.meeting_date, classification=meta.classification, doc_type=meta.doc_type,
    )
    return extract_actions(parsed, doc).actions


def _value(action, field: str):
    v = getattr(action, field)
    if isinstance(v, date):
        return v.isoformat()
    if hasattr(v, "value"):
        return v.value
    return v


def _same(field: str, got, want) -> bool:
    if field in ("owner", "reference"):
        return norm(got) == norm(want)
    return got == want


def table_markdown(results: dict) -> list[str]:
    """The extraction results of `evaluate` per label split, as Markdown table lines."""
    lines = [
        "| Labels | Labelled | Extracted | Precision | Recall | Owner | Due date | Status |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for split in ("dev", "heldout", "all"):
        r = results[split]
        acc = r["accuracy"]
        lines.append(
            f"| {split} | {r['labelled']} | {r['extracted']} | {pct(r['precision'])} | {pct(r['recall'])} | "
            f"{pct(acc['owner'])} | {pct(acc['due_date'])} | {pct(acc['status'])} |"
        )
    return lines


def evaluate(corpus: Path = DEFAULT_CORPUS, labels: Path = LABELS, split: str | None = None) -> dict:
    """Scores over the labelled documents (only those of `split`, "dev" or "heldout", if given)."""
    spec = json.loads(labels.read_text(encoding="utf-8"))
    matched = labelled = extracted = 0
    right = {f: 0 for f in FIELDS}
    scored = {f: 0 for f in FIELDS}
    errors: list[str] = []
    per_doc = {}
    for entry in spec["documents"]:
        if split and entry.get("split") != split:
            continue
        path = corpus / entry["path"]
        got = extract(path)
        if entry.get("pages"):
            got = [a for a in got if a.page in entry["pages"]]
        want = entry["actions"]
        labelled += len(want)
        extracted += len(got)
        used: set[int] = set()
        doc_matched = 0
        for w in want:
            prefix = norm(w["action"])
            hit = next((i for i, a in enumerate(got) if i not in used and norm(a.action).startswith(prefix)), None)
            if hit is None:  # the record holds the action after a few words of its own ("Agreed: ...")
                hit = next((i for i, a in enumerate(got) if i not in used and prefix in norm(a.action)[:len(prefix) + 80]), None)
            if hit is None:
                errors.append(f"{entry['path']}: missed action '{w['action']}'")
                continue
            used.add(hit)
            doc_matched += 1
            for f in FIELDS:
                if f not in w:
                    continue
                scored[f] += 1
                value = _value(got[hit], f)
                if _same(f, value, w[f]):
                    right[f] += 1
                else:
                    errors.append(f"{entry['path']}: '{w['action']}': {f} is {value!r}, labelled {w[f]!r}")
        for i, a in enumerate(got):
            if i not in used:
                errors.append(f"{entry['path']}: extra action '{a.action[:80]}'")
        matched += doc_matched
        per_doc[entry["path"]] = {"labelled": len(want), "extracted": len(got), "matched": doc_matched, "layout": entry.get("layout", entry.get("what", ""))}
    return {
        "labelled": labelled,
        "extracted": extracted,
        "matched": matched,
        "precision": matched / extracted if extracted else 0.0,
        "recall": matched / labelled if labelled else 0.0,
        "accuracy": {f: (right[f] / scored[f] if scored[f] else None) for f in FIELDS},
        "scored": scored,
        "documents": per_doc,
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("-v", "--verbose", action="store_true", help="list every disagreement")
    args = parser.parse_args(argv)
    for split in ("dev", "heldout", None):
        report(evaluate(args.corpus, split=split), split or "all", args.verbose and split == "dev")  # held-back misses are never listed
    for split, labels in WIDER_LABELS.items():
        r = evaluate(args.corpus, labels=labels)
        report(r, f"wider {split}", args.verbose and split == "dev")  # held-back misses are never listed
        for path, d in r["documents"].items():
            print(f"  {d['layout'][:60]:60} {d['matched']:3}/{d['labelled']:3} found, {d['extracted']:3} extracted  {path.split('/')[-1][:40] if split == 'dev' else ''}")
    return 0


def report(r: dict, name: str, verbose: bool) -> None:
    print(f"[{name}]")
    print(f"action records: {r['matched']}/{r['labelled']} labelled found, {r['extracted']} extracted")
    print(f"precision {r['precision']:.1%}  recall {r['recall']:.1%}")
    for f, acc in r["accuracy"].items():
        if acc is not None:
            print(f"{f:13} accuracy {acc:.1%} (n={r['scored'][f]})")
    if verbose:
        for e in r["errors"]:
            print("  " + e)


if __name__ == "__main__":
    sys.exit(main())
