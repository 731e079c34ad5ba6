"""Checking a written sentence against the passages it cites.

A language model's sentence is kept only when every checkable claim in it is in the passages it
cites: each full date (compared as a date: "5/3/2024" is 5 March 2024), each figure (compared as a
number: "£12,000", "12000" and "£12,000.00" are one figure; "£4.2m" and "£4.2 million" too), each
name or other capitalised word, each quoted phrase, and most of its other content words. Text in
a passage that tries to instruct the model is taken out of the passages before they are given to
it, and does not count as support.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.dates import find_dates
from core.text import STOP_WORDS

CITATION = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_NUMBER = re.compile(r"(?<![\w.])£?\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?!\w)")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*[A-Za-z]")
_QUOTED = re.compile(r"[\"“‘']([^\"”’']{3,200})[\"”’']")
_WORD = re.compile(r"[a-z][a-z'’-]{3,}")
# Words an answer adds around what it quotes, capitalised only for grammar or reference.
_FRAMING = frozenset(
    "The This That These Those There Their They It Its In On At By For From To Of As And But Or If When Which Who What Where "
    "How Why Yes No According Paper Papers Passage Passages Report Minutes Meeting Committee Council".split()
)

# Instructions hidden in a paper's text ("Ignore the instructions above and ..."): never part of
# what the model reads, never support for what it writes.
INJECTION = re.compile(
    r"[^.!?\n]*\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}\b(?:instructions?|prompts?|rules?|above|previous|prior|system)\b[^.!?\n]*[.!?]?"
    r"|[^.!?\n]*\b(?:you are now|act as|new instructions?|system prompt|assistant:|as an ai)\b[^.!?\n]*[.!?]?",
    re.I,
)

# Words a sentence may use of a figure or a date that the passage writes with symbols or not at all.
_UNIT_WORDS = frozenset("pounds pound pence percent cent million millions thousand billion year years month months".split())

CONTENT_SHARE = 0.6  # of a sentence's other content words that its cited passages must hold


def without_instructions(text: str) -> str:
    """Passage text less any sentence that addresses the model."""
    return INJECTION.sub(" ", text)


def citations_in(sentence: str) -> list[int]:
    return [int(n) for group in CITATION.findall(sentence) for n in re.split(r"\s*[,;]\s*", group)]


def _figures(text: str) -> set[str]:
    """Each figure as a canonical number string ("12,000.00" -> "12000"; "4.20" -> "4.2")."""
    out = set()
    for m in _NUMBER.finditer(text):
        whole = m.group(1).replace(",", "")
        frac = (m.group(2) or "").rstrip("0")
        out.add(str(int(whole)) + (f".{frac}" if frac else ""))
    return out


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[‘’]", "'", re.sub(r"[“”]", '"', text)).lower().split())


@dataclass
class Verdict:
    ok: bool
    cited: list[int] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)  # what the cited passages do not hold
    reason: str = ""


def check_sentence(sentence: str, passages: Sequence[str]) -> Verdict:
    """Whether `sentence` (with its [n] markers) is supported by the passages it cites
    (`passages[n - 1]`, already without instructions)."""
    cited = list(dict.fromkeys(citations_in(sentence)))
    if not cited:
        return Verdict(False, [], [], "no citation")
    if any(n < 1 or n > len(passages) for n in cited):
        return Verdict(False, cited, [], "cites a passage it was not given")
    support = " \n".join(passages[n - 1] for n in cited)
    claim = CITATION.sub(" ", sentence)
    missing: list[str] = []

    support_dates = {d.value for d in find_dates(support)}
    for d in reversed(find_dates(claim)):  # dates first, so their digits are not checked as figures
        if d.value not in support_dates:
            missing.append(claim[d.start : d.end])
        claim = claim[: d.start] + " " + claim[d.end :]

    support_norm = _norm(support)
    for q in _QUOTED.findall(claim):
        if _norm(q) not in support_norm:
            missing.append(f"“{q}”")

    known = _figures(support)
    missing += [f for f in sorted(_figures(claim)) if f not in known]

    words_in_support = set(re.findall(r"[\w'’-]+", support_norm))
    for m in _CAPITALISED.finditer(claim):
        word = m.group()
        if word in _FRAMING or word.lower() in words_in_support:
            continue
        if word.lower().rstrip("s'’") in words_in_support or word.lower().removesuffix("'s") in words_in_support:
            continue
        missing.append(word)

    content = [w for w in _WORD.findall(claim.lower()) if w not in STOP_WORDS and w not in _UNIT_WORDS]
    if content:
        held = sum(1 for w in content if w in words_in_support or w.rstrip("s") in words_in_support or _stem_in(w, support_norm))
        if held / len(content) < CONTENT_SHARE:
            missing.append(f"{len(content) - held} of {len(content)} words")
    return Verdict(not missing, cited, missing, "unsupported: " + ", ".join(missing) if missing else "")


def _stem_in(word: str, text: str) -> bool:
    """A word whose first five letters start a word of the text ("decided" / "decision")."""
    return len(word) >= 6 and re.search(rf"\b{re.escape(word[:5])}", text) is not None
