"""Questions about what became of a recommendation or decision, answered from the records.

"What happened to ...", "what did Cabinet decide about ...", "was the recommendation on ...
agreed?", "how did members vote on ...", "what has the Executive said in response to scrutiny?":
the matter is found by retrieval (the passages the question finds best, inside the caller's
clearance), its records are followed along their chain (assistant.decision_chains), and the answer
is a line per step, each cited. A question whose passages hold no record is answered as any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.types import Chain, Decision

_KINDS: list[tuple[str, re.Pattern]] = [
    ("vote", re.compile(r"\bhow\s+did\s+(?:the\s+)?(?:members|councillors|council|committee|cabinet|board|they|people|everyone)\s+vote\b|\bwhat\s+was\s+the\s+vote\b|\bvot(?:e|es|ed|ing)\s+(?:on|for|against)\b|\brecorded\s+vote\b", re.I)),
    ("response", re.compile(r"\bin\s+response\s+to\s+(?:the\s+)?(?:scrutiny|call[- ]in|committee)|\bexecutive\s+response\b|\bresponse\s+to\s+(?:the\s+)?(?:scrutiny|call[- ]in)\b|\bwhat\s+(?:has|did)\s+the\s+(?:executive|cabinet\s+member|leader)\s+(?:said|say)\b", re.I)),
    ("what_happened", re.compile(r"\bwhat\s+(?:ever\s+)?(?:happened|became|has\s+become|has\s+happened)\s+(?:to|of|with)\b|\bwhatever\s+happened\b|\bwhere\s+(?:does|do|did)\s+.{0,60}\bstand\b|\boutcome\s+of\b|\bwhat\s+came\s+of\b", re.I)),
    ("decided", re.compile(
        r"\bwhat\s+(?:did|has|have)\s+(?:the\s+)?[\w\s&'-]{0,60}?\b(?:decide|decided|resolve|resolved|agree|agreed|conclude|concluded)\b"
        r"|\bwhat\s+was\s+(?:decided|agreed|resolved)\b"
        r"|\b(?:did|does|has|have|is|are|will)\s+(?:the\s+)?[\w\s&'-]{0,60}?\b(?:going\s+to\s+)?(?:change|confirm|amend|rescind|approve|agree|adopt|reject|defer|endorse|support|back|oppose|join)\b",
        re.I,
    )),
    ("agreed", re.compile(r"\b(?:has|have|had)\s+[\w\s&'-]{0,40}?\b(?:agreed|approved|decided|adopted|rejected|refused)\b|\b(?:was|were|has|have|is)\s+(?:the\s+)?(?:recommendation|proposal|motion|decision|plan|report|scheme|request|application)s?\b.{0,120}?\b(?:agreed|approved|accepted|adopted|rejected|refused|deferred|called\s+in|passed|carried|endorsed)\b|\bwas\s+.{3,120}?\b(?:agreed|approved|adopted|accepted|rejected|carried|passed|endorsed)\s*\??$", re.I)),
]


def decision_question(question: str) -> str | None:
    """Which kind of question about a decision this is, or None."""
    for kind, pattern in _KINDS:
        if pattern.search(question):
            return kind
    return None


@dataclass
class Composed:
    text: str
    records: list[Decision]  # in the order cited: the answer's [n] is records[n-1]


def _clip(text: str, words: int = 40) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def compose(kind: str, record: Decision, chain: Chain, alongside: list[Decision] = ()) -> Composed:
    """A line per step of the matter, each cited (the record the question found in full, the
    others clipped); the vote as the minutes record it for a vote question; the state, the gaps
    the papers leave, and the other records of the found record's item (`alongside`), which may
    be other matters and are said to be only "under the same item"."""
    steps = [s for s in chain.steps if s.decision is not None]
    cited: list[Decision] = []
    lines: list[str] = []
    title = record.item_title or record.paper_title
    if kind == "vote":
        voted = [s.decision for s in steps if s.decision.votes is not None and s.decision.votes.summary()]
        if voted:
            for d in voted:
                cited.append(d)
                v = d.votes
                line = f"{_when(d)}{d.body or 'The meeting'}: “{_clip(d.text)}” — {v.summary()} [{len(cited)}]."
                if v.evidence and not v.unanimous:
                    line += f" As the minutes record it: “{v.evidence}”."
                named = [f"{label}: {', '.join(names)}" for label, names in (("for", v.for_names), ("against", v.against_names), ("abstaining", v.abstain_names)) if names]
                if named:
                    line += " Recorded vote, " + "; ".join(named) + "."
                lines.append(line)
            head = f"The votes recorded on {title}:" if title else "The votes recorded:"
            return Composed("\n".join([head, *(f"- {x}" for x in lines)]), cited)
        lines.append("The papers record no vote count for this matter; what they record of it:")
    for step in steps:
        d = step.decision
        cited.append(d)
        words = 80 if d.id == record.id else 40
        lines.append(f"- {_when(d)}{step.outcome[:1].upper()}{step.outcome[1:]}: “{_clip(d.text, words)}” [{len(cited)}]")
    about = f" on {title}" if title else ""
    if len(steps) > 1:
        head = f"What the papers record{about}, step by step ({len(steps)} steps; where it stands: {chain.state}):"
    else:
        head = f"What the papers record{about} ({chain.state}):"
    if lines and lines[0].startswith("The papers record no vote"):
        head, lines = lines[0], lines[1:]
    tail = [f"Note: {g}" for g in chain.gaps]
    others = [d for d in alongside if d.id not in {c.id for c in cited}][:3]
    if others:
        tail.append("Also recorded under the same item:")
        for d in others:
            cited.append(d)
            tail.append(f"- {_when(d)}“{_clip(d.text)}” [{len(cited)}]")
    return Composed("\n".join([head, *lines, *tail]), cited)


def _when(d: Decision) -> str:
    return f"{d.meeting_date.day} {d.meeting_date:%B %Y} — " if d.meeting_date else ""
