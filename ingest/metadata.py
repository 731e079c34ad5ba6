"""A paper's metadata from the way councils head their papers: title, committee (and acronym),
meeting date, document type and the body that published it, each with where it came from.

Papers say what they are in a few ways, whatever the council or its template:

- a **front sheet** of labelled fields: "Report to: Cabinet", "Meeting: Planning Committee",
  "COMMITTEE: ...", "Date of meeting: 4 June 2024", "Subject: ...", the value on the same line
  or the next;
- a **heading**: "Minutes of a meeting of the Planning Committee held on ...", "MINUTES OF THE
  MEETING OF SOULDERN PARISH COUNCIL / HELD IN THE VILLAGE HALL / ON 30th October 2025",
  "MILBURN PARISH COUNCIL / NEXT MEETING TO BE HELD ON TUESDAY, 7th MARCH 2017", "Souldern
  Parish Council - Meeting of the Parish Council", "ODUG Action Log – 14 May 2013", "X held
  their meeting via Zoom on ...";
- the **file name** ("2025-10-30 Agenda.pdf", "minutes-20190213.pdf"), weaker evidence, used for a
  meeting's date or a paper's type only when the paper itself does not say;
- Markdown **front matter** (a republished page's title).

A name is accepted as a committee only when it is one: it ends in a committee's noun (Committee,
Panel, Board, Cabinet, Council, Forum, ...) or is an acronym the paper spells out, never a phrase
such as "above Council" or an agenda item. A parish, town or community council's own meetings
belong to the council itself ("a meeting of the Parish Council" in Milburn Parish Council's
papers is Milburn Parish Council's). A meeting date comes from the meeting's own words (a date
label, the heading, "to be held on"), never the first date on a page ("the minutes of the last
meeting held on ..."). A field the paper does not settle stays None and is named in the ingest
report; `provenance` says where each settled one came from and the line it was read from.

The body (the council or public body whose paper it is) is read only where the paper names it
plainly: a letterhead, the holder of its meeting, a running header (`detect_body`); a title that
is only the body's name or a template line ("Question 1") gives way to the next real heading.

A JSON sidecar `NAME.meta.json` next to the file overrides any field (source "sidecar").
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.committees import COMMITTEE_NOUNS, acronym_candidates, is_committee_name
from core.dates import find_dates
from core.errors import MetadataError
from core.types import Classification, DocType
from ingest.classify import detect_classification
from ingest.parsed import ParsedDocument
from sources.folder import sidecar_path


@dataclass
class DetectedMetadata:
    title: str | None = None
    committee: str | None = None
    committee_acronym: str | None = None
    meeting_date: date | None = None
    doc_type: DocType = DocType.other
    classification: Classification | None = None
    body: str | None = None  # the council or public body whose paper it is
    # field -> {"source": ..., "evidence": the line it was read from}; not a sidecar field
    provenance: dict[str, dict[str, str]] = field(default_factory=dict)

    def settle(self, name: str, value, source: str, evidence: str) -> None:
        setattr(self, name, value)
        self.provenance[name] = {"source": source, "evidence": " ".join(evidence.split())[:200]}


SIDECAR_FIELDS = ("title", "committee", "committee_acronym", "meeting_date", "doc_type", "classification", "body")
# What a sidecar may also say of where its metadata came from (a source of papers writes these:
# sources.moderngov): the source named in provenance instead of "sidecar", the council's own page
# for the paper, the agenda item and publication date, and a classification the paper is at least.
SIDECAR_SOURCE_FIELDS = ("source", "source_id", "source_url", "agenda_item", "publication_date", "min_classification")

# --- names -------------------------------------------------------------------------------------

_NOUNS = COMMITTEE_NOUNS
_ENDS_IN_NOUN = re.compile(rf"\b(?:{_NOUNS})$", re.I)
# The same nouns as a capitalised name writes them (for finding names in running text).
_NAME_NOUNS = (
    r"Committee|Sub-Committee|Subcommittee|Panel|Board|Cabinet|Council|Forum|Group|Commission|"
    r"Partnership|Executive|Assembly|Authority|Scrutiny|Conference|Trust"
)
_MEETING_KIND = re.compile(
    r"\s*[-–—,.:(]*\s*(?:the\s+)?(?:(?:annual|ordinary|extraordinary|special|additional|monthly|full|"
    r"public|informal|reconvened|adjourned|budget|statutory)\s+)*"
    r"(?:general\s+)?(?:meeting|mtg|a\.?\s?g\.?\s?m\.?|e\.?g\.?m\.?)s?\b\.?\s*\)?$",
    re.I,
)
_LEADING_NOISE = re.compile(
    r"^(?:(?:bundle|final|draft|revised|amended|agenda|minutes|summons|notice|annual|ordinary|extraordinary|special|additional|monthly|reconvened)\s+)+", re.I
)
# Names that stand for the body whose papers these are: "the Council", "the Parish Council",
# "the above Council", "Full Council".
_BODY_REFERENCE = re.compile(
    r"^(?:the\s+)?(?:above(?:[- ]named)?\s+|said\s+|full\s+)?(?:(?:parish|town|community|city|borough|district|county)\s+)?council$",
    re.I,
)
_NOT_A_NAME_START = re.compile(r"^(?:and|or|of|for|to|by|with|above|any|all|each|this|that|these|those|its|their|our|his|her)\b", re.I)
_BODY = re.compile(
    r"\b((?:[A-Z][\w'’&.-]*\s+){0,5}?(?:[A-Z][\w'’&.-]*)\s+(?:(?:City\s+and\s+)?(?:Parish|Town|Community|City|County|Borough|District|Metropolitan\s+Borough|Unitary)\s+)?Council)\b"
    r"|\b(London\s+Borough\s+of\s+[A-Z][a-z]+(?:\s+(?:and\s+)?[A-Z][a-z]+)?)\b"
    r"|\b((?:[A-Z][\w'’&-]*\s+){1,6}NHS\s+(?:Foundation\s+)?Trust)\b"
    r"|\b(City\s+of\s+London\s+Corporation)\b",
)
_LOCAL_COUNCIL = re.compile(r"\b(?:parish|town|community)\s+council\b", re.I)


def _title_case(text: str) -> str:
    """An ALL-CAPITALS heading in title case ("MILBURN PARISH COUNCIL" -> "Milburn Parish Council")."""
    if not text.isupper():
        return text
    small = {"and", "of", "the", "for", "in", "on", "at", "to", "a", "an", "by"}
    words = text.lower().split()
    return " ".join(w if i and w in small else w[:1].upper() + w[1:] for i, w in enumerate(words))


def clean_name(raw: str, body: str | None = None, acronym: bool = False) -> str | None:
    """A committee's name from a phrase that should hold one, or None when it does not: the name
    must end in a committee's noun, stand for the body, or nothing. `acronym`: the phrase may be
    an acronym ("ODUG Action Log", "TB (5) 1.i Action Log": the group's own short name)."""
    name = raw.split("\t")[0]
    if acronym:
        m = re.match(r"^([A-Z]{2,8})\b(?:\s*\(\d+\))?(?:\s+[\d.]+[a-z]?)?\s*$", name.strip())
        if m:
            return m.group(1)
    name = re.split(r"\s+(?:held|which was held|to be held|will be held|on\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day|on\s+\d|at\s+\d|at\s+the\b|in\s+the\b)", name, flags=re.I)[0]
    name = re.split(r"\s*[–—]\s*|\s+-\s+|,\s*|:\s+|\s+\d{1,2}(?:st|nd|rd|th)?\s+\w+\s+\d{4}", name)[0]
    name = re.sub(r"\s+", " ", name).strip(" .:;,'\"*_")
    name = re.sub(r"\s*\(([A-Z]{2,8})\)$", "", name)  # "(AGC)": the acronym, found by detect_acronym
    for _ in range(2):
        name = _MEETING_KIND.sub("", name).strip(" .:;,-–")
        name = _LEADING_NOISE.sub("", name).strip()
    name = re.sub(r"^the\s+", "", name, flags=re.I)
    if not name or len(name) > 90 or len(name.split()) > 10 or re.search(r"\d{3,}|@|https?:", name):
        return None
    of = re.match(r"^(.+?)\s+of\s+(?:the\s+)?((?:[A-Z][\w'’-]*\s+)+(?:\w+\s+)?[Cc]ouncil)$", name)
    if of:  # "Full Council of Dunmore Town Council": the body; "Cabinet of Kent County Council": Cabinet
        inner = of.group(1)
        return clean_name(of.group(2), body) if _BODY_REFERENCE.match(inner) or inner.lower() in ("meeting", "members") else clean_name(inner, body)
    if re.match(r"^(?:county|city|borough|district)\s+council$", name, re.I):
        return _title_case(name)  # a principal council's own name for its full meeting ("County Council")
    if _BODY_REFERENCE.match(name):
        if body:
            return body
        # No body named: "County Council" (Kent's full council) is a name; "the Council" is not.
        return _title_case(name) if re.match(r"^(?:parish|town|community|city|borough|district|county|full)\s+council$", name, re.I) else None
    if _NOT_A_NAME_START.match(name) or not name[0].isupper() and not name[0].isdigit():
        return None
    if not _ENDS_IN_NOUN.search(name):
        return None
    if name.lower() in {"committee", "board", "panel", "group", "council", "cabinet member", "scrutiny", "trust"}:
        return None
    if name.lower() == "cabinet":
        return "Cabinet"
    return _title_case(name)


def body_hint(lines: list[str], running: list[str]) -> str | None:
    """A loose guess at the council or organisation whose paper this is (the first name in its
    opening lines that looks like one), used only to read "the Council" in a committee's name;
    the paper's `body` needs a clearer signal (`detect_body`)."""
    for line in [*running, *lines[:20]]:
        if len(line) > 160:
            continue
        m = _BODY.search(_title_case(line) if line.isupper() else line)
        if m:
            name = next(g for g in m.groups() if g)
            name = re.sub(r"^(?:The|Minutes\s+of\s+the|Meeting\s+of)\s+", "", name).strip()
            generic = re.match(r"^(?:parish|town|community|city|county|borough|district|full|the)\b", name, re.I)
            if not _NOT_A_NAME_START.match(name) and len(name.split()) >= 2 and not generic:
                return name
    return None


# --- the body: the council or public body whose paper it is --------------------------------------

# A body's name as councils and public bodies write their own: "<Place> (Parish|Town|City|County|
# District|Borough|...) Council", "London Borough of <Place>", "Royal Borough of <Place>", "City of
# London Corporation", "<Place> Combined Authority", "<Place> NHS (Foundation) Trust", "NHS <Place>
# Integrated Care Board", ... Matched at a known left edge (a line's start, or after "meeting of"),
# never anywhere in a line, so "the Budget County Council report" or "Mr Little Council Chamber"
# name no body.
_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’.&-]*"
_PLACE = rf"{_CAP}(?:\s+(?:(?:and|&|upon|on|under|in|of|the|le|by|with)\s+)?{_CAP}){{0,5}}?"
_COUNCIL_KIND = (
    r"(?:City\s+and\s+County|County\s+Borough|Metropolitan\s+Borough|Metropolitan\s+District|Parish|Town|Community"
    r"|City|County|District|Borough|Unitary|Village|Neighbourhood)"
)
# After "Borough of": one name ("Croydon"), or two joined ("Kingston upon Thames", "Windsor and
# Maidenhead"); two unjoined words ("Tower Hamlets") only when nothing follows on the line.
_OF_ONE = rf"{_CAP}(?:\s+(?:and|&|upon|on)\s+{_CAP})?"
_OF_TWO = rf"{_CAP}(?:\s+(?:and|&|upon|on)\s+{_CAP}|\s+{_CAP})?"
_BODY_FORMS = (
    rf"{_PLACE}\s+{_COUNCIL_KIND}\s+Council\b",
    r"City\s+of\s+London\s+Corporation\b|Corporation\s+of\s+London\b|Greater\s+London\s+Authority\b",
    rf"City\s+of\s+{_CAP}(?:\s+{_CAP})?\s+(?:Metropolitan\s+District\s+)?Council\b",
    rf"{_PLACE}\s+(?:Combined\s+(?:County\s+)?Authority|Fire\s+(?:and|&)\s+Rescue\s+Authority|National\s+Park\s+Authority)\b",
    rf"{_PLACE}\s+NHS\s+(?:Foundation\s+)?Trust\b",
    rf"(?:NHS\s+)?{_PLACE}\s+(?:Integrated\s+Care\s+Board|Clinical\s+Commissioning\s+Group)\b",
)
_BODY_PREFIX = re.compile("|".join([*_BODY_FORMS, rf"(?:London|Royal)\s+Borough\s+of\s+{_OF_ONE}\b"]))
_BODY_WHOLE = re.compile(
    "(?:" + "|".join([*_BODY_FORMS, rf"(?:London|Royal)\s+Borough\s+of\s+{_OF_TWO}", rf"{_PLACE}\s+Council"]) + r")[\s.,:;|–—-]*"
)
# A name's first word that makes it a reference or a phrase, not a name ("Full Council", "Each
# Member of ...", "March County Council", "The Parish Council").
_NOT_A_PLACE = frozenset(
    "full the this that our your each every all any local joint youth shadow relevant neighbouring other minutes meeting "
    "agenda notice summons annual extraordinary ordinary special budget report members member mayor chair chairman clerk "
    "dear to from county city district borough parish town community village unitary metropolitan principal host lead said "
    "above respective school schools executive advisory area ward regional national common governing strategic policy scrutiny "
    "cabinet planning licensing audit standards health safety sports arts student students pupil pupils people citizens "
    "january february march april may june "
    "july august september october november december monday tuesday wednesday thursday friday saturday sunday".split()
)
# "meeting of", "Minutes of the", "Agenda for the annual meeting of": what follows is the meeting's holder.
_HOLDER = re.compile(
    r"\b(?:meeting|mtg|minutes|notes|agenda|summons)\s+(?:of|for)\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:(?:annual|ordinary|extraordinary|special|general|full|statutory|additional|monthly)\s+)*"
    r"(?:(?:general\s+)?meeting\s+of\s+(?:the\s+)?)?",
    re.I,
)
# "<Body> – Ordinary Meeting ...", "<Body> A.G.M.", "<Body> held their meeting ...": the body holds the meeting.
_HOLDS_MEETING = re.compile(
    r"^\s*(?:[-–—:,.]\s*)?(?:(?:the\s+)?(?:(?:annual|ordinary|extraordinary|special|general|full|monthly|additional|statutory)\s+)*"
    r"(?:general\s+)?(?:meeting|mtg|a\.?\s?g\.?\s?m\b\.?|minutes|agenda|summons)\b|held\s+(?:its|their|a|an)\b)",
    re.I,
)
_BODY_LABEL = re.compile(r"^(?:council|authority|local\s+authority|organi[sz]ation|body|publisher|published\s+by)\s*[:\t]\s*(.+)$", re.I)
_JOINT = re.compile(r"^\s*(?:,|/|&|\band\b|\bor\b)\s*\S")


@dataclass(frozen=True)
class BodyCandidate:
    name: str
    source: str  # "front_sheet" | "heading" | "running_header"
    evidence: str  # the line it was read from
    # Only the start of a line that goes on ("Cherwell District Council - March 2026"): it counts
    # when the paper says itself what it is (its type or committee), not from its file name alone.
    conditional: bool = False


def _name_case(name: str) -> str:
    """A body's name as written in capitals, in title case ("LONDON BOROUGH OF CROYDON" -> "London
    Borough of Croydon"), acronyms such as NHS kept."""
    small = {"and", "of", "the", "upon", "on", "under", "in", "le", "by", "with"}
    out = []
    for i, word in enumerate(name.split()):
        parts = word.split("-")
        parts = [p.lower() if (i or j) and p.lower() in small else p[:1].upper() + p[1:].lower() for j, p in enumerate(parts)]
        word = "-".join(parts)
        out.append("NHS" if word.lower() == "nhs" else word)
    return " ".join(out)


def _plain(line: str) -> str:
    """A line as names are matched in it: compatibility forms folded (full-width letters),
    invisible format characters (zero-width spaces, direction marks) removed."""
    line = unicodedata.normalize("NFKC", line)
    return " ".join("".join(ch for ch in line if unicodedata.category(ch) != "Cf").split())


def _body_at(text: str, whole: bool = False) -> tuple[str, bool] | None:
    """(the body's name at the start of `text`, whether it is all of it), or None."""
    text = re.sub(r"^(?:the\s+)", "", text, flags=re.I)
    upper = text.isupper()
    if upper:
        text = _name_case(text)
    m = _BODY_WHOLE.fullmatch(text)
    is_whole = m is not None
    if m is None and not whole:
        m = _BODY_PREFIX.match(text)
        if m is not None and _JOINT.match(text[m.end() :]):
            return None  # "Kent County Council and Medway Council Joint ...": not one body's
    if m is None:
        return None
    name = m.group(0).strip(" .,:;|–—-")
    name = re.sub(r"[’']s$", "", name)
    first = name.split()[0].lower().strip(".,")
    if first in _NOT_A_PLACE and not re.match(r"^(?:london|royal)\s+borough\s+of\b|^city\s+of\b", name, re.I):
        return None
    if len(name) > 100 or not re.search(r"[a-z]", name):
        return None
    return name, is_whole


def body_candidates(lines: list[str], heading: list[tuple[int, str]], running: list[str]) -> list[BodyCandidate]:
    """Where the paper names the body it belongs to, strongest first: a front-sheet label
    ("Council: ..."), then its heading's lines in order (a letterhead that is only the name, the
    holder of the meeting, "<Body> - Meeting of the Parish Council", a title that starts with the
    name), then its running header or footer. Table cells, prose and long lines are never read,
    so a name quoted further in never outweighs the paper's own."""
    out: list[BodyCandidate] = []
    for line in lines[:40]:
        m = _BODY_LABEL.match(line.replace("\t", ": ", 1))
        if m:
            found = _body_at(_plain(m.group(1)), whole=True)
            if found:
                out.append(BodyCandidate(found[0], "front_sheet", line))
    for line in [line for _, line in heading[:8]]:
        if "\t" in line or len(line) > 300:
            continue
        text = _plain(line)
        found = _body_at(text)
        if found:
            named = re.sub(r"^the\s+", "", _name_case(text) if text.isupper() else text, flags=re.I)
            rest = _BODY_PREFIX.match(named)
            holds = rest is not None and _HOLDS_MEETING.match(named[rest.end() :]) is not None
            if found[1] or holds or len(text.split()) <= 24:
                out.append(BodyCandidate(found[0], "heading", line, conditional=not (found[1] or holds)))
                continue
        for m in _HOLDER.finditer(text):
            held = _body_at(text[m.end() :])
            if held:
                out.append(BodyCandidate(held[0], "heading", line))
                break
    for line in running:  # the paper's own page furniture, on every page: its body's name
        text = _plain(line)
        found = _body_at(text) if "\t" not in line and len(text.split()) <= 12 else None
        if found:
            out.append(BodyCandidate(found[0], "running_header", line))
    return out


def detect_body(candidates: list[BodyCandidate], self_described: bool) -> BodyCandidate | None:
    """The first candidate that settles the body: a clear one, or the start of a heading line
    when the paper says itself what it is (`self_described`). None rather than a guess."""
    for c in candidates:
        if not c.conditional or self_described:
            return c
    return None


def detect_acronym(committee: str, text: str) -> str | None:
    """An acronym for the committee that the paper itself uses ("(HASSC)", "HASSC Chair")."""
    if re.fullmatch(r"[A-Z]{2,8}", committee):
        return None
    m = re.search(re.escape(committee) + r"\s*\(([A-Z]{2,8})\)", text)
    if m:
        return m.group(1)
    for cand in sorted(acronym_candidates(committee), key=len, reverse=True):
        if re.search(rf"\b{cand}\b", text):
            return cand
    # Looser: an all-capitals word that starts and ends like the name and whose letters follow its
    # initials in order ("HOSC" for Health and Social Care Overview and Scrutiny Committee).
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", committee.replace("-", " ")) if w.lower() not in {"and", "of", "the", "for"}).upper()
    counts: dict[str, int] = {}
    for token in re.findall(r"\b[A-Z]{3,7}\b", text):
        if token[0] == initials[:1] and token[-1] == initials[-1:] and _subsequence(token, initials):
            counts[token] = counts.get(token, 0) + 1
    best = max(counts.items(), key=lambda kv: kv[1], default=None)
    return best[0] if best and best[1] >= 2 else None


def expand_acronym(acronym: str, text: str) -> str | None:
    """The name an acronym stands for, when the paper spells it out: a run of capitalised words
    ending in a committee's noun whose initials are the acronym ("TB": "Transparency Board")."""
    letters = acronym.upper()
    for m in re.finditer(rf"\b((?:[A-Z][a-z]+\s+(?:(?:and|of|for|the)\s+)?){{1,7}}(?:{_NAME_NOUNS}))\b", text):
        words = [w for w in m.group(1).split() if w.lower() not in {"and", "of", "for", "the"}]
        for start in range(len(words)):
            if "".join(w[0] for w in words[start:]).upper() == letters:
                return " ".join(words[start:])
    return None


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


# --- lines ----------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    """Non-empty lines, spaces collapsed, tabs kept as cell separators."""
    out = []
    for ln in text.splitlines():
        ln = "\t".join(" ".join(cell.split()) for cell in ln.split("\t")).strip("\t ")
        if ln:
            out.append(ln)
    return out


# Page furniture that is never a heading: letterheads, page numbers, markings, rules.
_FURNITURE = re.compile(
    r"^(?:(?:tel(?:ephone)?|phone|mobile|mob|fax|e-?mail|web(?:site)?|clerk|contact|address|post ?code)\b\s*[:.]?.*"
    r"|.*\b[\w.+-]+@[\w-]+\.[\w.]+\b.*|.*\bwww\.\S+.*|https?://\S+"
    r"|page\s*\d*\s*(?:of\s*\d+)?|p\s?a\s?g\s?e\s*\|\s*\d+|[-–—]?\s*\d{1,4}\s*[-–—]?|\d{1,2}\.\d{1,2}\.\d{1,2}"
    r"|unclassified|official|not protectively marked|public|draft|final|open|private|confidential"
    r"|agenda item\s+\w+|item\s+\d+\w*|appendix\s+\w+|annex\s+\w+"
    r"|[^\w\s]{1,4}|[×x•·*=_\-–—]+|[a-z]{1,3}|---.*)$",
    re.I,
)
_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"
    r"|^(?:[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3},\s*){2,}[A-Z][\w'’ -]*$"  # "Glendale, Duns Tew, Bicester, Oxfordshire"
)


def heading_lines(lines: list[str], limit: int = 12) -> list[tuple[int, str]]:
    """(index, line) of the first substantive lines: what a reader sees as the paper's heading,
    letterhead and page furniture left out."""
    out = []
    for i, line in enumerate(lines[:60]):
        if _FURNITURE.match(line) or _POSTCODE.search(line):
            continue
        out.append((i, line))
        if len(out) >= limit:
            break
    return out


# --- the front sheet --------------------------------------------------------------------------------

_SHEET = {
    "committee": re.compile(
        r"^(?:name of (?:committee|meeting)|report to|meeting(?: of)?|committee|decision[- ]?maker|decision taker|"
        r"decision to be taken by|board|forum|to)\s*[:\t]\s*(.*)$",
        re.I,
    ),
    "date": re.compile(r"^(?:date of (?:the )?meeting|meeting date|date of decision|decision date|date)\s*[:\t?]\s*(.*)$", re.I),
    "title": re.compile(r"^(?:report title|title of report|subject|title|report|decision title|item)\s*[:\t]\s*(.*)$", re.I),
}
_SHEET_STOP = re.compile(r"^[A-Z][A-Za-z/()'’ -]{1,40}[:?](?:\s|$)")
# A front sheet's label (not a title that has a colon in it: "Special Report: Speculative ...").
_LABEL_LINE = re.compile(
    r"^(?:name\s+of\s+\w+|municipal\s+year|(?:last\s+)?updated|from|to|by|date[\w ]{0,20}|time|venue|location|place|contact[\w ]{0,12}"
    r"|e-?mail|tel\w*|phone|report\s+(?:of|to|by|author|title)|author|lead\s+(?:officer|member)|cabinet\s+member|portfolio[\w ]{0,12}"
    r"|wards?(?:\s+affected)?|key\s+decision|classification|status|exempt[\w ]{0,25}|contains[\w ]{0,30}|confidential|reference|ref|membership"
    r"|presiding|present|apologies|meeting|committee|subject|title|purpose|decision[\w ]{0,20}|item|agenda\s+item|budget[\w/ ]{0,25})\s*[:?\t]",
    re.I,
)


def front_sheet(lines: list[str]) -> dict[str, tuple[str, str]]:
    """Labelled fields of a front sheet: field -> (value, the line). A value may sit on the
    label's line or the next ("To:" then "Cabinet, 30 January 2025"); a title may wrap."""
    found: dict[str, tuple[str, str]] = {}
    for i, line in enumerate(lines[:80]):
        text = line.replace("\t", ": ", 1) if "\t" in line else line
        for name, pattern in _SHEET.items():
            if name in found:
                continue
            m = pattern.match(text)
            if not m:
                continue
            value = m.group(1).strip(" \t:")
            j = i
            if not value:
                j = next((k for k in range(i + 1, min(i + 4, len(lines))) if lines[k].strip()), None)
                if j is None or _SHEET_STOP.match(lines[j]):
                    continue
                value = lines[j].strip()
            if name == "title":
                for nxt in lines[j + 1 : j + 4]:
                    if _SHEET_STOP.match(nxt) or "\t" in nxt or "\t" in line or len(nxt.split()) > 14 or re.match(r"^\d+(?:\.\d+)*\.?\s", nxt):
                        break
                    if any(p.match(nxt) for p in _SHEET.values()):
                        break
                    value = f"{value} {nxt.strip()}"
            if name == "title" and re.match(r"^report\s*[:\t]", text, re.I) and is_committee_name(value):
                name = "committee"  # "REPORT:\tCabinet": where the report goes
                if name in found:
                    break
            found[name] = (" ".join(value.split()), line)
            break
    return found


# --- heading phrases ----------------------------------------------------------------------------

_KIND = r"(?:(?:annual(?:\s+general|\s+parish)?|extraordinary|ordinary|special|additional|full|monthly|informal|reconvened|budget)\s+)?"
# "Minutes of (the|a) meeting of the X held ...", "MINUTES OF THE ANNUAL MEETING OF X".
_MINUTES_OF = re.compile(rf"\b(?:minutes?|notes?)\s+of\s+(?:the\s+|a\s+|an\s+)?{_KIND}(?:meeting|mtg)s?\s+of\s+(?:the\s+)?(.+)", re.I)
# "Minutes of the Licensing Committee held on ...", "Minutes of the Planning Committee, 4 June".
_MINUTES_OF_HELD = re.compile(r"\b(?:minutes?|notes?)\s+of\s+(?:the\s+|a\s+)?(.+?)\s*(?:,|\s(?:held|which was held|that took place|meeting held)\b|\s+on\s+(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|\d))", re.I)
# "MINUTES OF THE SOULDERN PARISH COUNCIL MEETING", "Minutes of the Planning Committee".
_MINUTES_OF_NAME = re.compile(rf"\b(?:minutes?|notes?)\s+of\s+(?:the\s+|a\s+)?(.+?)\s+{_KIND}(?:meeting|mtg)\b", re.I)
# "Notice is hereby given that a meeting of X will be held", "You are summoned to ... a meeting of X".
_MEETING_OF = re.compile(rf"\b(?:a|the|next)\s+{_KIND}(?:meeting|mtg)\s+of\s+(?:the\s+)?(.+?)\s+(?:will be|to be|is to be|shall be|is|was|held|on|at)\b", re.I)
# "Manordeilo and Salem Community Council held their meeting ..."
_HELD_THEIR = re.compile(r"^(.+?)\s+held\s+(?:its|their|a|an)\s+(?:\w+\s+)?meeting\b", re.I)
# "X – Meeting of the Parish Council", "Milburn Parish Council A.G.M. - 2nd May 2017",
# "CORPORATE PARENTING PANEL– 29 October 2024", "Boughton Parish Council. Annual General Meeting."
_NAME_THEN = re.compile(
    rf"^(.+?(?:{_NOUNS}))\b\s*(?:[-–—:,.]+\s*|\s+)(?:(?:the\s+)?{_KIND}(?:general\s+)?(?:meeting|mtg|a\.?g\.?m\.?|minutes|agenda|summons)\b|"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?\d{1,2}(?:st|nd|rd|th)?\s+\w+\s+\d{4}|$)",
    re.I,
)
_ACTION_LOG = re.compile(r"^(.+?)\s+action\s+(?:log|tracker|list|points|sheet)\b", re.I)
# "Decision determined at the Cabinet meeting on 12 March 2025", "agreed by the Board meeting held ..."
_AT_MEETING = re.compile(r"\b(?:at|by)\s+(?:the\s+|a\s+)?(.+?)\s+meeting\s+(?:on|held|of)\b", re.I)
# "TMG 14 November 2024 Agenda", "ODUG Meeting": a group's acronym heading its own paper.
_MEETING_OF_LINE = re.compile(r"^(?:(?:ordinary|annual|special|extraordinary|statutory)\s+)?meeting\s+of\s+(?:the\s+)?(.+)$", re.I)
_ACRONYM_HEAD = re.compile(r"^([A-Z]{2,8})\s+(?:\d{1,2}(?:st|nd|rd|th)?\s+\w+\s+\d{4}|meeting|minutes|agenda|notes?)\b")
_PRESENTED_AT = re.compile(rf"\b(?:presented|considered|reported)\b.{{0,60}}?\bat\s+(?:the\s+)?((?:[A-Z][\w'’&-]*\s+){{0,5}}(?:{_NAME_NOUNS}))\s+on\b")


def _from_heading(heading: list[tuple[int, str]], body: str | None, meeting: bool = True) -> tuple[str, str] | None:
    """(committee, the line) from the heading's phrases, best first."""
    joined = " ".join(line for _, line in heading[:5])
    for pattern in (_MINUTES_OF, _MEETING_OF, _MINUTES_OF_NAME, _MINUTES_OF_HELD, _AT_MEETING):
        m = pattern.search(joined)
        if m:
            name = clean_name(m.group(1), body)
            if name:
                return name, m.group(0)
    for _, line in heading[:6]:
        for pattern in (_HELD_THEIR, _MEETING_OF_LINE, _NAME_THEN, _ACTION_LOG, _ACRONYM_HEAD):
            m = pattern.match(line)
            if m:
                name = clean_name(m.group(1), body, acronym=pattern in (_ACTION_LOG, _ACRONYM_HEAD))
                if name and (name != body or meeting):
                    return name, line
        for segment in re.split(r"\s+[-–—]\s+|[-–—]\s+", line)[1:]:
            # "Governance Update Appendix 1 – County Council 13 March 2025": a later part names it
            name = clean_name(segment, body)
            if name and re.search(r"\d{4}", segment):
                return name, line
    m = _PRESENTED_AT.search(joined)
    if m:
        name = clean_name(m.group(1), body)
        if name:
            return name, m.group(0)
    return None


def _named_line(heading: list[tuple[int, str]], body: str | None, edges: list[str], meeting: bool) -> tuple[str, str] | None:
    """A heading line, or a running header of the first page, that is itself a committee's name
    ("PLANNING COMMITTEE"), the paper's own body excepted; else, for a meeting's paper, the
    body's own line ("MILBURN PARISH COUNCIL" over "NEXT MEETING TO BE HELD ON ...")."""
    body_line = None
    for _, line in [*heading[:6], *((-1, e) for e in edges)]:
        if len(line.split()) > 10 or not (line.isupper() or line.istitle() or len(line.split()) <= 6):
            continue
        name = clean_name(line, body)
        if not name:
            continue
        if body and name.lower() == body.lower():
            body_line = body_line or (name, line)
            continue
        return name, line
    return body_line if meeting else None


# --- meeting dates --------------------------------------------------------------------------------

_EARLIER = re.compile(r"\b(?:last|previous|prior|preceding|earlier|former)\s+(?:\w+\s+){0,3}(?:meeting|minutes)|(?<=\w\s)(?:the\s+)?minutes\s+of\s+the\s+meeting\b", re.I)
_FILE_DATES = [
    re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.]?([01]\d)[-_.]?([0-3]\d)(?!\d)"),  # 2025-10-30, 20190213
    re.compile(r"(?<!\d)([0-3]?\d)[._-]([01]?\d)[._-]((?:19|20)?\d\d)(?!\d)"),  # 10.12.24
]


def _first_date(text: str) -> date | None:
    found = find_dates(text)
    return found[0].value if found else None


def _heading_date(lines: list[str], heading: list[tuple[int, str]], anchor: int | None) -> tuple[date, str] | None:
    """The date in the heading: on the heading's lines (from the one naming the meeting, and the
    two after it), not one an item refers back to."""
    indices = [i for i, _ in heading[:8]]
    if anchor is not None:
        indices = [anchor, anchor + 1, anchor + 2, *[i for i in indices if i < anchor]]
    for i in indices:
        if i >= len(lines):
            continue
        line = lines[i]
        if "\t" in line or len(line.split()) > 24:
            continue  # a table row or a paragraph: not the heading
        text = line if i + 1 >= len(lines) or len(lines[i + 1].split()) > 4 else f"{line} {lines[i + 1]}"
        if re.match(r"^(?:last\s+updated|updated|published|printed|issued|dispatched|date\s+of\s+(?:publication|issue|report))\b", line, re.I):
            continue  # when the paper was written or sent, not the meeting
        for found in find_dates(text):
            if _EARLIER.search(text[: found.start]) or found.start > len(line) + 1:
                continue
            return found.value, line
    return None


def _held_on_date(lines: list[str]) -> tuple[date, str] | None:
    """A date the opening lines give as the meeting's: "held ... on", "to be held on", "as of"."""
    head = lines[:40]
    for i, line in enumerate(head):
        text = line if i + 1 >= len(head) else f"{line} {head[i + 1]}"
        for found in find_dates(text):
            before = text[max(0, found.start - 90) : found.start]
            if _EARLIER.search(before) or found.start > len(line) + 5:
                continue
            if re.search(r"\b(?:held|to be held|will be held|took place|meeting|as of|as at|action log|minutes)\b", before, re.I):
                return found.value, line
    return None


def file_name_date(name: str) -> date | None:
    """A date a file name carries ("2025-10-30 Agenda.pdf", "minutes-20190213.pdf", "CPP Minutes
    10.12.24.pdf", "Printed minutes 13th-Mar-2025")."""
    stem = Path(name).stem
    d = _first_date(stem.replace("_", " "))
    if d:
        return d
    for pattern in _FILE_DATES:
        m = pattern.search(stem)
        if m:
            a, b, c = m.groups()
            try:
                if len(a) == 4:
                    return date(int(a), int(b), int(c))
                year = int(c) + (2000 if len(c) == 2 else 0)
                return date(year, int(b), int(a))
            except ValueError:
                continue
    return None


# --- document type --------------------------------------------------------------------------------

_TYPE_WORDS = [
    (DocType.forward_plan, re.compile(r"(?:^|\n)\W*(?:the\s+)?forward\s+plan\b|(?:^|\n)\W*notice\s+of\s+(?:key\s+)?decisions\b|(?:^|\n)\W*key\s+decisions?\s+(?:to\s+be\s+taken|notice)\b|\bplan\s+of\s+key\s+decisions\b", re.I)),
    (DocType.decision, re.compile(
        r"(?:^|\n)\W*(?:(?:record|notice|statement)\s+of\s+(?:an?\s+|the\s+)?(?:executive\s+|officer\s+|key\s+|delegated\s+|cabinet\s+(?:member\s+)?)?decisions?\b"
        r"|(?:\w+\s+){0,3}decision\s+(?:notice|record|sheet|report form)\b|(?:officer|executive|delegated|cabinet member|portfolio holder|individual)\s+decision\b"
        r"|decision\s+(?:taken|determined|made)\s+(?:by|at)\b)", re.I)),
    (DocType.minutes, re.compile(r"\bminutes?\s+of\b|\bminutes\b|\bmeeting\s+notes?\b|\bnotes?\s+of\s+(?:the\s+|a\s+)?meeting\b|\bheld\s+(?:its|their)\s+meeting\b", re.I)),
    (DocType.action_log, re.compile(r"\baction\s+(?:log|tracker|sheet)\b|\bactions?\s+from\s+(?:the\s+)?(?:last|previous)\s+meeting\b|\bstatus\s+update\s+on\s+actions\b", re.I)),
    (DocType.agenda, re.compile(r"\bagenda\b|\bsummons\b|\bnotice\s+of\s+(?:the\s+)?meeting\b|\b(?:to\s+be|will\s+be)\s+held\b|\byou\s+are\s+(?:hereby\s+)?summoned\b", re.I)),
    (DocType.action_plan, re.compile(r"\baction\s+plan\b|\bimprovement\s+plan\b|\bdelivery\s+plan\b", re.I)),
    (DocType.other, re.compile(r"\brisk\s+(?:register|assessment)\b|\baccounts\b|\bannual\s+return\b|\bstatement\s+of\s+accounts\b|\bpayments?\s+(?:list|schedule)\b|\bitems\s+of\s+expenditure\b|\bcontract\b|\bregister\s+of\s+interests\b", re.I)),
    (DocType.report, re.compile(r"\breport\b|\bbriefing\b|\bupdate\b|\bself[- ]assessment\b|\bevaluation\b|\breview\b", re.I)),
]
# Minutes record who came and what was decided; an agenda does not.
_RECORDED = re.compile(
    r"^(?:present|attendance|in attendance|also present|members present|discussion(?:\s+summary)?\s*:|resolved\b|it was (?:agreed|resolved|noted))"
    r"|\b(?:apologies\s+(?:were|had\s+been)\s+received|(?:all|members|councillors)\s+agreed|the\s+meeting\s+(?:closed|ended)|(?:chair(?:man)?|mayor)\s+(?:thanked|closed|welcomed)|were\s+(?:approved|agreed)\s+as\s+a\s+(?:true|correct)\s+record|held\s+a\s+\w*\s*meeting)\b",
    re.I,
)
_REPORT_SHEET = re.compile(r"^(?:report (?:to|of|by|author|title)|from|by|purpose of (?:the )?report|summary|recommendations?|subject|contact officer|wards? affected|key decision)\s*[:?\t]", re.I)


_GENERIC_TYPES = (DocType.report, DocType.other)


def _type_from(text: str) -> DocType | None:
    """The first type the text names (by position), a specific one (minutes, agenda, decision,
    forward plan, action log or plan) before a generic one ("update", "review", "report")."""
    for generic in (False, True):
        best = None
        for kind, pattern in _TYPE_WORDS:
            if (kind in _GENERIC_TYPES) != generic:
                continue
            m = pattern.search(text)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), kind)
        if best:
            return best[1]
    return None


def _action_tables(doc: ParsedDocument) -> DocType | None:
    headers = [" ".join(b.table.header).lower() for b in doc.blocks if b.table]
    actionish = any(
        "action" in h and any(w in h for w in ("due", "date", "timescale", "deadline", "status", "progress"))
        and any(w in h for w in ("assigned", "responsib", "owner", "led by", "lead", "status", "progress"))
        for h in headers
    ) or any("committed to" in h and "led by" in h for h in headers)
    if not actionish:
        return None
    return DocType.action_plan if any(re.search(r"plan|priorit|recommendation|measure", h) for h in headers) else DocType.action_log


def detect_doc_type(heading: list[tuple[int, str]], lines: list[str], doc: ParsedDocument, title: str | None) -> tuple[DocType, str, str] | None:
    """(type, source, evidence): what the heading calls the paper, corrected by what it holds (an
    "agenda" that records who attended and what was resolved is a note of the meeting), else
    its tables, else its file name."""
    # The heading's own lines, one per line (a type named at a line's start counts), front-sheet
    # fields left out ("Key decision? Yes – Forward Plan reference ..." names no type of paper).
    head_text = "\n".join(
        line for _, line in heading[:8]
        if (len(line.split()) <= 14 or _NAMES_A_KIND.match(line)) and not _SHEET_STOP.match(line) and "\t" not in line
    )
    recorded = sum(bool(_RECORDED.search(ln)) for ln in lines[:60])
    kind = _type_from(head_text)
    if kind in (DocType.agenda, DocType.report, DocType.other) and recorded >= 2:
        kind = DocType.minutes
    tables = _action_tables(doc)
    if (kind is None or kind in _GENERIC_TYPES) and tables is not None:
        return tables, "heading", "a table of actions"  # what a paper is made of beats "update", "review"
    if kind is not None:
        return kind, "heading", head_text
    if title:
        kind = _type_from(title)
        if kind is not None:
            return kind, "heading", title
    if recorded >= 2:
        return DocType.minutes, "heading", "records who attended and what was resolved"
    if sum(bool(_REPORT_SHEET.match(ln)) for ln in lines[:40]) >= 2:
        return DocType.report, "front_sheet", "a report's front sheet"
    kind = _type_from(Path(doc.source).stem.replace("_", " ").replace("-", " "))
    if kind is not None:
        return kind, "file_name", doc.source
    return None


# --- titles ----------------------------------------------------------------------------------------

_TITLE_STOP = re.compile(r"^(?:present|apologies|attendance|in attendance|members|councillors|contents|item|\d+[.)]?\s|agenda$)", re.I)


_NAMES_A_KIND = re.compile(r"^(?:minutes?|agenda|notice|summons|meeting|next meeting|report|record of|decision|forward plan|action log|annual|extraordinary)\b", re.I)


def _clip_title(text: str, words: int = 18) -> str:
    """A heading cut to a title's length, at its place and time if it runs on ("... held in the
    Council Chamber, City Hall, on Monday 11th December 2023 at 3.00 p.m." keeps its date)."""
    parts = text.split()
    if len(parts) <= words:
        return text
    cut = re.sub(r"\s+(?:in|at)\s+the\s+[^,]*?(?:,[^,]*?)*?(?=\s+on\s)", "", text, count=1)  # the venue
    parts = cut.split()
    return " ".join(parts[:words])


def _heading_title(heading: list[tuple[int, str]], lines: list[str]) -> tuple[str, str] | None:
    """The paper's heading as its title: its first line, with the short lines that continue it
    ("HELD IN THE VILLAGE HALL", "ON 30th October 2025"), or the line that names the paper under
    a letterhead naming only the body ("Rookhaven District Council" / "Minutes of the Licensing
    Committee held on ..."). Letterhead and labels between them are passed over."""
    heading = [(i, line) for i, line in heading if not _LABEL_LINE.match(line) and "\t" not in line]
    if not heading:
        return None
    first = heading[0][1]
    if len(first.split()) > 22 and not _NAMES_A_KIND.match(first):
        return None  # a paper opening with prose has no heading to take its title from
    parts = [first]
    for _, nxt in heading[1:4]:
        if nxt == parts[-1]:
            continue  # a letterhead printed twice
        if _TITLE_STOP.match(nxt) or _SHEET_STOP.match(nxt) or nxt.endswith(":"):
            break
        continues = nxt.isupper() == parts[-1].isupper() and len(nxt.split()) <= 10
        # A first line naming only the body ("Rookhaven District Council") takes the line that
        # names the paper; one with its own date or kind of paper is a title already.
        bare = len(parts) == 1 and not find_dates(parts[0]) and _type_from(parts[0]) is None
        names_kind = bare and _NAMES_A_KIND.match(nxt)
        if not (continues or re.match(r"^(?:held|on|at|in|of)\b", nxt, re.I) or names_kind):
            break
        if len(" ".join([*parts, nxt]).split()) > 18:
            if names_kind:
                parts = [nxt]  # the line naming the paper says more than the body's name
            elif re.match(r"^(?:held|on|of)\b", nxt, re.I):
                parts.append(nxt)  # "MINUTES" / "of the Parish Council meeting held ...": clipped below
            break  # a title, not the heading's whole paragraph (it prefixes every passage)
        parts.append(nxt)
    title = _clip_title(" ".join(parts))
    if len(title.split()) < 2 or _TITLE_STOP.match(title):
        return None
    return _title_case(title)[:200], heading[0][1]


def _first_line_title(heading: list[tuple[int, str]]) -> tuple[str, str] | None:
    for _, line in heading[:6]:
        if _LABEL_LINE.match(line) or "\t" in line:
            continue
        words = line.split()
        if 2 <= len(words) <= 20 and not line.rstrip().endswith(":") and not _TITLE_STOP.match(line) and len(re.findall(r"[A-Za-z]{2,}", line)) >= 2:
            return _title_case(line)[:200], line
    return None


# Words of a paper's template rather than its subject: the kind of paper, its pack, its item or
# question number, its markings. A heading made only of these (and no date) names no paper:
# "Summons to and Agenda for a Meeting on", "Public Reports Pack", "Question 1", "Item 5",
# "UNRESTRICTED ITEMS".
_TEMPLATE_WORDS = frozenset(
    "a an and the of for to on in at by with from be will is are this that meeting meetings held minutes minute agenda "
    "agendas summons notice report reports pack public document documents item items question questions answer answers "
    "appendix appendices annex annexe enclosure enclosures supplement supplementary contents index part session page pages "
    "unrestricted restricted exempt official sensitive confidential private open not protectively marked general release "
    "publication draft final printed frontsheet front sheet cover next ordinary extraordinary annual special full no yes "
    "i ii iii iv v vi vii viii ix x".split()
)


def _title_words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def _ordered_words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def not_a_title(title: str, bodies: list[str], committee: str | None) -> str | None:
    """Why a detected title is not one, or None when it is: the body's name ("KENT COUNTY
    COUNCIL", "Kent County Council Cabinet"), or a template line ("Agenda", "Question 1",
    "Summons to and Agenda for a Meeting on"). A title with a date in it says which meeting it
    is, and stays."""
    if find_dates(title):
        return None
    words = {w for w in _title_words(title) if len(w) > 1 and not w.isdigit()}
    rest = words - _TEMPLATE_WORDS
    if not rest:
        return "a template line, not a title"
    plain = f" {_ordered_words(title)} "
    names = [b for b in bodies if b]
    if any(f" {_ordered_words(b)} " in plain for b in names):
        known = set().union(*(_title_words(n) for n in [*names, committee or ""]))
        if rest <= known:
            return "the body's name, not a title"
    return None


def _next_headings(heading: list[tuple[int, str]], lines: list[str], spent: set[str]) -> Iterator[tuple[str, str]]:
    """The heading's title again past its first lines, while they hold only the words of a title
    refused (`spent`: the body's and committee's names, template words): the next real heading
    ("KENT COUNTY COUNCIL" / "COUNTY COUNCIL" / "MINUTES of a meeting of the County Council ...")."""
    rest = list(heading)
    for _ in range(4):
        while rest and not find_dates(rest[0][1]) and {w for w in _title_words(rest[0][1]) if not w.isdigit()} <= spent:
            rest = rest[1:]
        if not rest:
            return
        first = rest[0][1]
        # a heading: a line naming the paper ("MINUTES of a meeting of ..."), or a short one that
        # is no sentence; never the paper's first paragraph
        if _NAMES_A_KIND.match(first) or len(first.split()) <= 14 and not first.rstrip().endswith((".", ":", ";")):
            found = _heading_title(rest, lines)
            if found:
                yield found
        rest = rest[1:]



# --- all of it ---------------------------------------------------------------------------------------


def detect_metadata(doc: ParsedDocument) -> DetectedMetadata:
    """Metadata from the first pages of a cleaned document, each field with its source."""
    text = doc.plain_text(max_pages=3)
    lines = _lines(text)
    meta = DetectedMetadata()
    heading = heading_lines(lines)
    sheet = front_sheet(lines)
    body = body_hint(lines, doc.running_lines)

    # Committee: a front sheet's label, the heading's phrases, a heading line that is a name. The
    # body itself is the committee only of its own meetings' papers (not of its risk register).
    first_kind = detect_doc_type(heading, lines, doc, None)
    meeting = first_kind is not None and first_kind[0] in (DocType.agenda, DocType.minutes, DocType.decision, DocType.action_log)
    anchor = None
    if "committee" in sheet:
        name = clean_name(sheet["committee"][0], body)
        if name:
            meta.settle("committee", name, "front_sheet", sheet["committee"][1])
    if meta.committee is None:
        first_edges = [*doc.running_lines, *doc.removed_edges.get(doc.blocks[0].page if doc.blocks else 1, [])]
        found = _from_heading(heading, body, meeting) or _named_line(heading, body, first_edges, meeting)
        if found:
            meta.settle("committee", found[0], "heading", found[1])
            anchor = next((i for i, line in enumerate(lines[:60]) if found[1].startswith(line) or line in found[1]), None)
    if meta.committee and re.fullmatch(r"[A-Z]{2,8}", meta.committee):
        expanded = expand_acronym(meta.committee, doc.plain_text())
        if expanded:
            meta.committee_acronym = meta.committee
            meta.committee = expanded
    if meta.committee and not meta.committee_acronym:
        meta.committee_acronym = detect_acronym(meta.committee, doc.plain_text())

    # Title: a front sheet's subject, the heading, the first line that reads as one; never the
    # body's name or a template line ("Summons to and Agenda for a Meeting on", "Question 1"):
    # then the next real heading, or none (what was refused is kept in provenance).
    first_edges = [*doc.running_lines, *doc.removed_edges.get(doc.blocks[0].page if doc.blocks else 1, [])]
    bodies = body_candidates(lines, heading, list(dict.fromkeys(first_edges)))
    names = [n for n in (body, *(c.name for c in bodies)) if n]
    refused: tuple[str, str, str, str] | None = None
    for title, source, evidence in _title_candidates(sheet, heading, lines, doc, names, meta.committee):
        why = not_a_title(title, names, meta.committee)
        if why is None:
            meta.settle("title", title, source, evidence)
            break
        refused = refused or (title, source, evidence, why)
    if meta.title is None and refused is not None:
        meta.provenance["title_refused"] = {"source": refused[1], "evidence": f"{refused[0]!r}: {refused[3]}"[:200]}

    kind = detect_doc_type(heading, lines, doc, meta.title)
    if kind is not None:
        meta.settle("doc_type", kind[0], kind[1], kind[2])

    # Body: what the paper's own front sheet, heading or running header names; the start of a
    # heading line only of a paper that says itself what it is (not "Cherwell District Council -
    # March 2026" over a district councillor's notes, typed by its file name alone).
    self_described = any(meta.provenance.get(f, {}).get("source") in ("heading", "front_sheet") for f in ("doc_type", "committee"))
    found_body = detect_body(bodies, self_described)
    if found_body is not None:
        meta.settle("body", found_body.name, found_body.source, found_body.evidence)

    # Meeting date: a front sheet's date, the heading's, "held on", the file name's.
    meeting_paper = meta.doc_type in (DocType.agenda, DocType.minutes, DocType.action_log, DocType.decision) or meta.committee is not None
    if "date" in sheet and _first_date(sheet["date"][0]):
        meta.settle("meeting_date", _first_date(sheet["date"][0]), "front_sheet", sheet["date"][1])
    elif meeting_paper:
        found = _heading_date(lines, heading, anchor) or _held_on_date(lines)
        if found:
            meta.settle("meeting_date", found[0], "heading", found[1])
        else:
            from_name = file_name_date(doc.source)
            if from_name and meta.doc_type in (DocType.agenda, DocType.minutes, DocType.action_log):
                meta.settle("meeting_date", from_name, "file_name", doc.source)

    if meta.committee is None and meta.doc_type in (DocType.agenda, DocType.minutes, DocType.action_log):
        # The paper names no committee; its file name may ("Agenda frontsheet ... County Council.pdf").
        stem = Path(doc.source).stem.replace("_", " ")
        for part in re.split(r"\s+[-–]\s+|\s{2,}|\d[\d.:]*\s+", stem):
            name = clean_name(part.strip(), body)
            if name:
                meta.settle("committee", name, "file_name", doc.source)
                break

    meta.classification, evidence = detect_classification(doc)
    if meta.classification is not None:
        meta.provenance["classification"] = {"source": "marking", "evidence": evidence[:200]}
    return meta


def _title_candidates(sheet, heading, lines, doc: ParsedDocument, names: list[str], committee: str | None) -> Iterator[tuple[str, str, str]]:
    """(title, source, line) in order of strength: the front sheet's subject, the heading's title
    and the next heading past it, a running header, a first line that reads as one, the front
    matter's."""
    if "title" in sheet and len(sheet["title"][0].split()) >= 2:
        yield sheet["title"][0][:200], "front_sheet", sheet["title"][1]
    found = _heading_title(heading, lines)
    if found:
        yield found[0], "heading", found[1]
        spent = set().union(*(_title_words(n) for n in [*names, committee or ""])) | _TEMPLATE_WORDS
        for again in _next_headings(heading, lines, spent):
            yield again[0], "heading", again[1]
    running = [(0, ln) for ln in doc.running_lines if len(ln.split()) >= 2 and not _FURNITURE.match(ln)]
    for found in (_first_line_title(running), _first_line_title(heading)):
        if found:
            yield found[0], "heading", found[1]
    if doc.front_matter.get("title"):
        yield doc.front_matter["title"][:200], "front_matter", doc.front_matter["title"]


def unsettled(meta: DetectedMetadata) -> list[str]:
    """The fields the paper did not settle (for the ingest report)."""
    names = {"committee": "committee", "meeting_date": "meeting date", "title": "title", "doc_type": "document type"}
    return [label for field_name, label in names.items() if field_name not in meta.provenance]


# --- sidecars ---------------------------------------------------------------------------------------


def apply_sidecar(meta: DetectedMetadata, path: Path, allow_declassify: bool = False) -> list[str]:
    """Override fields from `NAME.meta.json` if present; returns warnings for the ingest report.
    A sidecar may raise a paper's classification but never lower the paper's own marking ("NOT
    FOR PUBLICATION" read as public by a stray or careless sidecar) unless an admin allows it
    (`allow_declassify`), and the report says so either way. Raises MetadataError naming the
    sidecar and field for anything it cannot apply."""
    side = sidecar_path(path)
    if not side.exists():
        return []
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MetadataError(f"{side.name}: not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise MetadataError(f"{side.name}: must hold a JSON object")
    values = {}
    allowed = SIDECAR_FIELDS + SIDECAR_SOURCE_FIELDS
    for key, value in data.items():
        if key not in allowed:
            raise MetadataError(f"{side.name}: unknown field '{key}' (allowed: {', '.join(sorted(allowed))})")
        if value is not None and not isinstance(value, str):
            raise MetadataError(f"{side.name}: field '{key}': must be a string or null, not {type(value).__name__} {json.dumps(value)[:40]}")
        if key in SIDECAR_SOURCE_FIELDS:
            continue
        try:
            if value is None:
                parsed = None if key != "doc_type" else DocType.other
            elif key == "meeting_date":
                parsed = date.fromisoformat(value)
            elif key == "doc_type":
                parsed = DocType(value)
            elif key == "classification":
                parsed = Classification(value)
            else:
                parsed = value.strip()[:500] or None
        except ValueError as exc:
            raise MetadataError(f"{side.name}: field '{key}': invalid value {value!r} ({exc})") from exc
        values[key] = parsed
    warnings = []
    marked = meta.classification  # the paper's own marking, or None when it carries none
    if "classification" in values and marked is not None:
        wanted = values["classification"]
        lower = wanted is None or wanted.level < marked.level
        if lower and not allow_declassify:
            raise MetadataError(
                f"{side.name}: field 'classification': {wanted.value if wanted else 'null'!r} would lower the paper's own "
                f"marking ({marked.value}); an admin must allow that explicitly (papers ingest --allow-declassify, "
                "or allow_declassify=true with the upload)"
            )
        if lower:
            warnings.append(
                f"{side.name} lowers the paper's own marking from {marked.value} to "
                f"{wanted.value if wanted else 'unmarked'}: applied, as an admin allowed"
            )
    source = _source_name(data.get("source"), side.name)
    evidence = " ".join(str(data[k]) for k in ("source_url", "agenda_item") if data.get(k)) or side.name
    for key, parsed in values.items():
        if parsed is None:
            setattr(meta, key, parsed)
            meta.provenance.pop(key, None)
        else:
            meta.settle(key, parsed, source, evidence)
    floor = data.get("min_classification")
    if floor is not None:
        try:
            floor = Classification(floor)
        except ValueError as exc:
            raise MetadataError(f"{side.name}: field 'min_classification': invalid value {floor!r} ({exc})") from exc
        if meta.classification is None or meta.classification.level < floor.level:
            meta.settle("classification", floor, source, evidence)
    for key in ("source_url", "agenda_item", "publication_date"):
        if data.get(key):
            meta.provenance[key] = {"source": source, "evidence": " ".join(str(data[key]).split())[:300]}
    return warnings


def _source_name(value, sidecar: str) -> str:
    """The source a sidecar names ("moderngov"), as provenance records it; "sidecar" by default."""
    if value is None:
        return "sidecar"
    name = value.strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,30}", name) or name in {"heading", "front_sheet", "file_name", "front_matter"}:
        raise MetadataError(f"{sidecar}: field 'source': {value!r} is not a source name (letters, digits, - or _)")
    return name

