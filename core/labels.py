"""How a paper is named wherever it is listed or cited: the body that published it, its
committee, its meeting's date, its type and its title, in one line, so that two papers never look
alike ("Kent County Council · Cabinet · 30 Jan 2025 · Report: Revenue and Capital Budget
Monitoring Report – November 2024-25").

Parts the paper does not settle are left out. A title that says nothing the other parts do not
("CORPORATE PARENTING PANEL – 10th December 2024", "Minutes of the Souldern Parish Council Meeting
held in the Village Hall on 16th May 2013") gives way to the paper's type; a paper without a title
is named by what it is: "Agenda for County Council, 13 Mar 2025".
"""

from __future__ import annotations

import re
from datetime import date
from typing import Protocol

from core.types import DocType

SEPARATOR = " · "

TYPE_NAMES = {
    DocType.agenda: "Agenda",
    DocType.report: "Report",
    DocType.minutes: "Minutes",
    DocType.action_log: "Action log",
    DocType.action_plan: "Action plan",
    DocType.decision: "Decision",
    DocType.forward_plan: "Forward plan",
    DocType.other: "Paper",
}
# Words that say what kind of paper or meeting it is, or where and when: a title made only of
# these (and the body's, the committee's and the date's words) names nothing of its own.
_KIND_WORDS = frozenset(
    "a an and the of for to on in at by with from held meeting meetings am pm minutes minute agenda agendas "
    "summons notice report reports pack public item items unrestricted frontsheet front sheet supplementary "
    "draft final printed confirmed approved annual ordinary extraordinary special general parish full "
    "action log plan decision decisions forward paper papers next be will is this record notes note".split()
)
_DATE_WORDS = re.compile(
    r"^(?:\d+(?:st|nd|rd|th)?|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august"
    r"|september|october|november|december)$"
)
_VENUE = re.compile(r"\s+held\s+(?:in|at)\s+.*?(?=,?\s+on\s+|$)", re.I)
MAX_TITLE = 120  # characters of the title a label shows


class Paper(Protocol):
    """What a label is made of: a Document, a Chunk (which carries its paper's fields) or alike."""

    source: str
    title: str | None
    committee: str | None
    meeting_date: date | None
    doc_type: DocType
    body: str | None


def short_date(d: date) -> str:
    """"30 Jan 2025"."""
    return f"{d.day} {d:%b %Y}"


def type_name(kind: DocType) -> str:
    return TYPE_NAMES.get(kind, "Paper")


def paper_title(paper: Paper) -> str:
    """The paper's title, or, when it has none, what it is: "Agenda for County Council, 13 Mar
    2025" (its file name when it names neither committee nor date)."""
    if paper.title:
        return _one_line(paper.title)
    kind = type_name(paper.doc_type)
    of = paper.committee or paper.body
    if not of and not paper.meeting_date:
        return f"{kind}: {paper.source}" if paper.source else kind
    out = f"{kind} for {of}" if of else kind
    return f"{out}, {short_date(paper.meeting_date)}" if paper.meeting_date else out


def paper_label(paper: Paper) -> str:
    """Body · committee · meeting date · type and title, each left out when unknown (the
    committee too when it is the body itself, a parish council's own meeting)."""
    body = _one_line(paper.body) if paper.body else None
    committee = _one_line(paper.committee) if paper.committee else None
    if committee and body and _key(committee) == _key(body):
        committee = None
    if not paper.title:
        return SEPARATOR.join(p for p in (body, paper_title(paper)) if p)
    parts = [body, committee, short_date(paper.meeting_date) if paper.meeting_date else None]
    parts.append(_titled(paper, body, committee))
    return SEPARATOR.join(p for p in parts if p)


def committee_label(name: str, bodies: list[str]) -> str:
    """A committee as a chip shows it: "Cabinet (Kent County Council)"; "Cabinet (Kent County
    Council, London Borough of Croydon)" when papers of more than one body name it; the name
    alone when it is the body itself ("Souldern Parish Council") or no body is known."""
    others = [b for b in bodies if _key(b) != _key(name)]
    return f"{name} ({', '.join(others)})" if others else name


def _titled(paper: Paper, body: str | None, committee: str | None) -> str:
    """The title as a label shows it: without the venue or a leading body's name, short, after its
    type unless it names it; the type alone when the title says nothing more than the label's
    other parts."""
    kind = type_name(paper.doc_type)
    title = _VENUE.sub("", _one_line(paper.title or "")).strip(" ,.;:-–—") or _one_line(paper.title or "")
    if body and title.lower().startswith(body.lower()) and title[len(body) :].strip(" ,.;:-–—"):
        title = title[len(body) :].strip(" ,.;:-–—")  # "Kent County Council Quarterly ...": the body leads the label
    known = _words(body) | _words(committee) | _KIND_WORDS
    if not {w for w in _words(title) if not _DATE_WORDS.match(w)} - known:
        return kind
    if len(title) > MAX_TITLE:
        title = title[:MAX_TITLE].rsplit(" ", 1)[0].rstrip(" ,.;:-–—") + "…"
    if paper.doc_type == DocType.other or kind.lower() in title.lower():
        return title
    return f"{kind}: {title}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _words(text: str | None) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))) if text else set()
