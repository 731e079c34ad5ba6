"""Retrieval metrics for the labelled question set (tests/data/questions.jsonl).

Pure functions, standard library only, so tests can import them cheaply. The matching rule is the
one in tests/data/README.md: a retrieved passage is a hit when it comes from the question's
`source` document (compared by file name) and its normalised text contains the normalised text of
at least one `evidence` snippet, or that snippet's words in order within a short span (for table
rows, which we index as "Header: value" pairs). `no_answer` questions (source null) have no hits by definition and
are left out of hit@k and MRR.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePath

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise(text: str | None) -> str:
    """Lowercase, collapse every run of non-alphanumerics to one space, strip."""
    return _NON_ALNUM.sub(" ", (text or "").lower()).strip()


def file_name(source: str | None) -> str:
    """The bare file name of a source, whether given as a name or as a path."""
    if not source:
        return ""
    return PurePath(source.replace("\\", "/")).name


def is_answerable(question: Mapping) -> bool:
    return question.get("source") is not None


def is_hit(passage_source: str | None, passage_text: str | None, question: Mapping) -> bool:
    """True when a passage from `passage_source` with `passage_text` supports `question`."""
    if not is_answerable(question):
        return False
    if file_name(passage_source) != file_name(question["source"]):
        return False
    text = normalise(passage_text)
    return any(
        (s := normalise(snippet)) and (s in text or _in_order(s.split(), text.split()))
        for snippet in question.get("evidence") or []
    )


def _in_order(snippet: list[str], words: list[str]) -> bool:
    """The snippet's words appear in order within a short span of the passage. Table rows are
    indexed as 'Header: value; Header: value', so a snippet copied from the raw row ('Seashells 16
    8 45') is found with the column names in between; the span limit keeps this from matching
    words scattered across a passage."""
    if len(snippet) < 2:
        return False
    limit = 4 * len(snippet) + 6
    for start, word in enumerate(words):
        if word != snippet[0]:
            continue
        i, end = 1, start
        for j in range(start + 1, min(len(words), start + limit)):
            if i < len(snippet) and words[j] == snippet[i]:
                i, end = i + 1, j
        if i == len(snippet) and end - start < limit:
            return True
    return False


def first_hit_rank(passages: Sequence[tuple[str | None, str | None]], question: Mapping) -> int | None:
    """1-based rank of the first hit among (source, text) passages, or None."""
    for rank, (source, text) in enumerate(passages, start=1):
        if is_hit(source, text, question):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> bool:
    return rank is not None and rank <= k


def reciprocal_rank(rank: int | None, k: int | None = None) -> float:
    if rank is None or (k is not None and rank > k):
        return 0.0
    return 1.0 / rank


def summarise(ranks: Iterable[int | None], k: int = 5) -> dict:
    """hit@1, hit@k and MRR@k over a list of first-hit ranks (one per answerable question)."""
    ranks = list(ranks)
    n = len(ranks)
    if n == 0:
        return {"n": 0, "hit@1": None, f"hit@{k}": None, "mrr": None}
    return {
        "n": n,
        "hit@1": sum(hit_at(r, 1) for r in ranks) / n,
        f"hit@{k}": sum(hit_at(r, k) for r in ranks) / n,
        "mrr": sum(reciprocal_rank(r, k) for r in ranks) / n,
    }


def load_questions(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def ndcg_first_hit(rank: int | None, k: int = 10) -> float:
    """nDCG@k with binary relevance when a question has one fact to find: the ideal list has one
    relevant passage at rank 1, so nDCG@k is 1/log2(1 + rank of the first hit) (0 past k). Later
    passages repeating the fact earn nothing, as they add nothing for the reader."""
    import math

    if rank is None or rank > k:
        return 0.0
    return 1.0 / math.log2(1 + rank)


def retrieval_summary(ranks: Iterable[int | None]) -> dict:
    """hit@1, hit@5, MRR@5 (as `summarise`, so figures agree with `make bench`) and nDCG@10 over
    first-hit ranks of a ranking at least 10 deep."""
    ranks = list(ranks)
    out = summarise(ranks, 5)
    out["ndcg@10"] = sum(ndcg_first_hit(r, 10) for r in ranks) / len(ranks) if ranks else None
    out["hit@10"] = sum(hit_at(r, 10) for r in ranks) / len(ranks) if ranks else None
    return out


def answer_contains(expected: str | None, answer_text: str | None) -> bool:
    """The answer check of tests/data/README.md: norm(answer text) contains norm(expected)."""
    return bool(expected) and normalise(expected) in normalise(answer_text)


def pct(x) -> str:
    """A share as a percentage for the reports ("n/a" when there is nothing to measure)."""
    return "n/a" if x is None else f"{100 * x:.1f}%"
