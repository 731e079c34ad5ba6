"""Councils: which council's papers a paper is, learnt from the papers themselves.

A member asks about places ("what about Croydon?", "which actions are overdue in Kent?"), and a
committee's name rarely says whose it is: Croydon's, Kent's and Northmoor's papers all go to a
"Cabinet". So the councils are learnt from what the papers say:

- a place is a council the papers name in a council's form: "London Borough of Croydon", "Kent
  County Council", "Northmoor Borough Council", "City of London Corporation"; a bare "Medway
  Council" counts once the papers use it often (three times, in two papers), because "Common
  Council" or "Youth Council" are bodies, not places;
- a paper belongs to the place it mentions most, when that place is mentioned at least twice and
  twice as often as any other (Kent's papers discuss Medway); a paper with no clear place takes
  the council of every other paper of its committee, when they agree; the paper's own `body`,
  when ingest settled it, comes first.

Everything is learnt from the papers a caller may see, so a place named only in papers above
their clearance is not a place for them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.text import STOP_WORDS

# A word of a place's name: capitalised, and not a word of what kind of council it is.
_CAP = r"(?!(?:Council|County|Borough|City|District|Parish|Town|Community|Metropolitan)\b)[A-Z][a-z'’]+(?:-(?:[a-z]+-)*[A-Z][a-z'’]+)*"
_PLACE = rf"{_CAP}(?: (?:and |upon |on )?{_CAP}){{0,2}}"
_KINDS = r"City|County|Borough|District|Metropolitan Borough|Metropolitan District|Parish|Town|Community"
# Council names in running text (spaces only: a line break ends a name).
_COUNCIL_FORMS = re.compile(
    rf"\b(?:London|Royal) Borough of (?P<borough>{_PLACE})\b"
    rf"|\b(?P<city>City of London) Corporation\b"
    rf"|\bCity of (?P<city_of>{_CAP}) Council\b"
    rf"|\b(?P<typed>{_PLACE}) (?:{_KINDS}) Council\b"
    rf"|\b(?P<bare>{_PLACE}) Council\b"
)
_NOT_PLACES = frozenset(
    w.lower()
    for w in (
        *STOP_WORDS,
        *"january february march april may june july august september october november december".split(),
        *"monday tuesday wednesday thursday friday saturday sunday".split(),
        *"full common youth budget county city borough district parish town community council cabinet".split(),
        *"new if should would will shall actions action answer recommendations executive summary care".split(),
        *"children people young independent schools tree local national our your their every each".split(),
    )
)
BARE_MENTIONS = 3  # a bare "X Council" makes X a place after this many mentions ...
BARE_PAPERS = 2  # ... in at least this many papers
DOMINANT_MENTIONS = 2  # a paper belongs to the place it mentions at least this often ...
DOMINANT_RATIO = 2.0  # ... and this many times as often as the next place


@dataclass
class Council:
    """A council the papers name, and the papers (document ids) that are its own."""

    name: str  # as the papers write it most: "London Borough of Croydon"
    place: str  # what a member calls it: "Croydon"
    documents: set[str] = field(default_factory=set)
    committees: set[str] = field(default_factory=set)  # committee names of its papers


def council_mentions(text: str) -> list[tuple[str, str, str]]:
    """Council names in a text: (the name as written, its place, its form: "borough" | "city" |
    "city_of" | "typed" | "bare")."""
    out = []
    for m in _COUNCIL_FORMS.finditer(text):
        form = m.lastgroup
        place = _trim(m.group(form)) if form in ("typed", "bare") else m.group(form)
        if place:
            name = m.group(0)[m.group(0).index(place) :] if form in ("typed", "bare") else m.group(0)
            out.append((name, place, form))
    return out


def _trim(place: str) -> str | None:
    """A place without the words before it that are not its own ("Actions Kent" -> "Kent"), or
    None when nothing of it is a place."""
    words = place.split()
    while words and words[0].lower() in _NOT_PLACES:
        words = words[1:]
    if not words or all(w.lower() in _NOT_PLACES for w in words):
        return None
    return " ".join(words)


def place_pattern(places: Iterable[str]) -> re.Pattern | None:
    """One pattern for all the places, longest first ("City of London" before "London")."""
    ordered = sorted(set(places), key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in ordered) + r")\b")


def learn_councils(papers: Iterable[tuple[str, str | None, str | None]], texts: Iterable[tuple[str, str]]) -> list[Council]:
    """The councils of a set of papers. `papers`: (document id, committee, body) for each paper;
    `texts`: (document id, text) for each passage of those papers (a paper's passages may come in
    several pieces)."""
    papers = list(papers)
    by_doc: dict[str, list[str]] = defaultdict(list)
    for doc_id, text in texts:
        by_doc[doc_id].append(text)

    # 1. The places: council names in the papers' own words.
    forms: dict[str, Counter] = defaultdict(Counter)  # place -> names as written
    established: set[str] = set()
    bare_papers: dict[str, set[str]] = defaultdict(set)
    for doc_id, parts in by_doc.items():
        for text in parts:
            for name, place, form in council_mentions(text):
                forms[place][name] += 1
                if form == "bare":
                    bare_papers[place].add(doc_id)
                else:
                    established.add(place)
    for _, _, body in papers:
        for name, place, form in council_mentions(body or ""):
            forms[place][name] += 1
            established.add(place)
    places = {
        p
        for p, names in forms.items()
        if (p in established and sum(names.values()) >= 2)
        or (sum(names.values()) >= BARE_MENTIONS and len(bare_papers[p]) >= BARE_PAPERS)
    }
    # "Actions Kent" is Kent: a place whose end is a better-attested place is that place.
    for p in sorted(places, key=len, reverse=True):
        words = p.split()
        for i in range(1, len(words)):
            tail = " ".join(words[i:])
            if tail in places and sum(forms[tail].values()) >= sum(forms[p].values()):
                forms[tail].update(forms[p])
                places.discard(p)
                break
    pattern = place_pattern(places)
    if pattern is None:
        return []
    councils = {p: Council(forms[p].most_common(1)[0][0], p) for p in places}

    # 2. Each paper's place: its body, else the place it mentions most by a clear margin.
    owner: dict[str, str] = {}
    for doc_id, _, body in papers:
        named = [place for _, place, _ in council_mentions(body or "") if place in councils]
        if named:
            owner[doc_id] = named[0]
            continue
        counts = Counter(m.group(0) for text in by_doc.get(doc_id, ()) for m in pattern.finditer(text))
        ranked = counts.most_common(2)
        if ranked and ranked[0][1] >= DOMINANT_MENTIONS and (len(ranked) == 1 or ranked[0][1] >= DOMINANT_RATIO * ranked[1][1]):
            owner[doc_id] = ranked[0][0]
    # 3. A paper with no clear place: its committee's other papers' place, when they agree.
    by_committee: dict[str, set[str]] = defaultdict(set)
    for doc_id, committee, _ in papers:
        if committee and doc_id in owner:
            by_committee[committee.lower()].add(owner[doc_id])
    for doc_id, committee, _ in papers:
        if doc_id not in owner and committee and len(by_committee.get(committee.lower(), ())) == 1:
            owner[doc_id] = next(iter(by_committee[committee.lower()]))
    for doc_id, committee, _ in papers:
        if doc_id in owner:
            councils[owner[doc_id]].documents.add(doc_id)
            if committee:
                councils[owner[doc_id]].committees.add(committee)
    return sorted(councils.values(), key=lambda c: c.place)
