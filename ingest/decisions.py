"""Recommendations and decisions as records: one per recommendation a report puts to a body, per
resolution a meeting records, per decision a notice gives.

Councils write them in many ways, and the rules here are the general ones, not one template's:
- minutes record what the meeting decided with a word that says so: "RESOLVED that ...", "It was
  AGREED ...", "AGREED:", "Agreed that ...", "The Committee NOTED ...", "Members noted", "DECISION:",
  "Councillors resolved to ...", "Proposed by X, seconded by Y and agreed ...", "The accounts were
  approved for payment", "X proposed and Y seconded that Z be elected";
- officers' reports put recommendations to a named body: "Cabinet is asked to ...", "The Committee
  is recommended to ...", "RECOMMENDATION(S):";
- within one minute item a word in capitals ("RESOLVED", "AGREED") is the record, and the same
  item's narrative ("Members agreed to refer ...", "the motion was agreed unanimously") is how it
  got there, not another record; a motion quoted before the vote is not the decision either;
- a vote ("For (38) ... Against (5) ...", "5 for, 2 against", "unanimously") belongs to the record
  it comes before in the item (the substantive motion's), or else the one it follows.

The item a record sits under (its number and heading) comes from the minute's own numbering:
"300." alone on a line and its title on the next, "21.01.03 Minutes ...", "5. Planning", or a
heading block. Decision numbers (24/00093) in the record, its item or its report's front sheet
are its references: the same number in two papers is the same matter (assistant.decision_chains).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from core.dates import find_dates
from core.types import Chunk, Classification, Decision, DecisionKind, DocType, Document, Votes
from ingest.parsed import ParsedDocument

MAX_TEXT = 1500  # characters of a record's text kept (a resolution with many parts is cut here)

DECISION_NUMBER = re.compile(r"(?<![/\d])(\d{2}/\d{5})\b(?!/)")  # 24/00093; not a planning number (25/00971/LB)
_DECISION_NUMBER_LABEL = re.compile(r"\bdecision\s*(?:no\.?|number|ref(?:erence)?)\s*[:.]?\s*(\d{2}/\d{5})\b", re.I)
_FILE_DECISION_NUMBER = re.compile(r"^(\d{2})-(\d{5})\b")

_BODY_WORDS = r"(?:Council|Cabinet|Committee|Sub-Committee|Board|Panel|Executive|Forum|Group|Partnership|Commission|Authority)"
# "Cabinet is asked to", "The Health Overview and Scrutiny Committee is recommended to", "Members are invited to".
_ASKED = re.compile(
    r"(?P<subject>(?:(?:The|the)\s+)?(?:(?:[A-Z][\w&'’-]*|and|of|for|&)\s+){0,7}?" + _BODY_WORDS + r"|Members|Councillors|Cabinet|\b[A-Z]{2,6}\b)"
    r"\s+(?:is|are)\s+(?:(?:therefore|now|also)\s+)?(?:asked|recommended|requested|invited|requested)\s+to\b"
)
_RECOMMENDATION_LABEL = re.compile(
    r"^\W*(?:\d+(?:\.\d+)*\.?\s*)?(?:RECOMMENDATIONS?|Recommendations?(?:\s*\(s\))?|Recommended action|Decisions?\s+(?:required|sought|requested)|Action\s+required)"
    r"\s*[:\-–]?\s*(?P<rest>.*)$"
)
# What a recommendation asks (a paragraph under "Recommendations" that asks nothing is context).
_ASKS = re.compile(r"(?i)\b(?:approv|agree|note|endors|adopt|recommend|resolv|consider|delegat|authori|sought|asked|invited|requested|support|confirm)\w*")
_RECOMMENDED_THAT = re.compile(r"\bIt is recommended that\b|\b(?:The|the) (?:[Cc]abinet|[Cc]ouncil|[Cc]ommittee|[Bb]oard|[Pp]anel) (?:RECOMMENDS?|recommends) that\b")

# Words that record the meeting's decision. Strong: a word in capitals, or a label ("Decision:").
_STRONG = re.compile(
    r"\bRESOLVED\b|\bAGREED\b|\bDECISION\s*[:–-]|\bDecision\s*:|^\W*(?:Resolved|Resolution|Agreed)\s*[:–-]|\bNOTED\b|\bRESOLVE(?:D|S)?\s+THAT\b"
)
_WEAK = re.compile(
    r"\b(?:it\s+was|was|were|and|been|council(?:lors)?|members|meeting|committee|board|panel|all)\s+"
    r"(?:(?:then|also|duly|unanimously|formally|therefore)\s+)?(?:resolved|agreed|decided|approved|noted|adopted|accepted|carried)\b"
    r"|^\W*(?:resolved|agreed|decided|approved)\b(?!\s+(?:by|with)\b)|(?<=[.!?] )(?:Resolved|Agreed|Decided)\s+(?:to|that)\b"
    r"|\b(?:proposed|nominated)\b(?:[^.]|(?<=\b[A-Z])\.){0,120}\bseconded\b"
    r"|\b(?:was|were)\s+(?:amended|signed)\b|\b(?:report|minutes|accounts?|statement|audit)\w*\s+(?:was|were)\s+received\b"
    r"|\bwere\s+(?:checked|read)[^.]{0,80}\b(?:agreed|approved)\b",
    re.I,
)
# Narrative that reads like a decision and is not: "a decision was awaited", "the agreed rosters".
_NOT_A_DECISION = re.compile(
    r"\b(?:agreed|approved)\s+(?:rosters?|actions?|priorit|outcomes?|performance|budget|plan\b|scheme\b|by\s+the\s+corporate)"
    r"|\bhad\s+(?:previously\s+)?(?:been\s+)?agreed\b(?!\s+that)|\bnot\s+yet\s+(?:been\s+)?resolved\b|\bhas\s+not\s+(?:yet\s+)?been\s+resolved\b"
    r"|\bseconded\s+the\s+(?:following\s+)?(?:motion|amendment)\b|\bit\s+was\s+(?:also\s+|further\s+)?noted\s*(?:,[^,]{0,20},\s*)?(?:that\b|:)",
    re.I,
)

_ITEM_NUMBER = r"(?:\d{1,4}(?:\.\d{1,3}){0,3}|\d{2,4}/\d{2,4}(?:[./]\d{1,3})*|[A-Z]{1,3}\s?\d{1,4}(?:/\d{2,4})?)"
_BARE_NUMBER = re.compile(rf"^\s*(?:(?:Minute|Item)\s+(?:No\.?\s*)?)?(?!(?:19|20)\d\d\b)({_ITEM_NUMBER})[.):]?\s*$", re.I)
_NUMBERED_TITLE = re.compile(rf"^\s*(?:(?:Minute|Item)\s+(?:No\.?\s*)?)?(?!(?:19|20)\d\d\b)(?!\d{{1,2}}(?:st|nd|rd|th)?\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b)({_ITEM_NUMBER})[.):]?\s+(?P<title>[A-Z\d][^\n]{{2,}})$")
_ITEM_NOTE = re.compile(r"^\s*\(Item\s+\w+\)\s*")
_PARAGRAPH = re.compile(r"(?<=[.:;”\"])\s+(?=\d{1,2}\)\s)|(?<=\S)\s+(?=\d{1,2}\)\s+(?:RESOLVED|Following|The|Mr|Mrs|Ms|Dr|Cllr|Councillor|Members|It)\b)")
_LIST_ITEM = re.compile(r"^\s*(?:\(?(?:[a-z]|[ivx]{1,5}|\d{1,2})[.)]|[•▪●◦\-–*])\s+")
_SENTENCE_START = re.compile(
    r"(?<!\bCllr)(?<!\bCllrs)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bNo)(?<!\bSt)(?<!\b[A-Z])"
    r"(?<=[a-z0-9)”\"’'.])[.!?]\s+(?=[A-Z“\"(])|(?<=:)\s+(?=[A-Z])"
)
# Decisions of another meeting, reported: "had been agreed", "have been approved by the Minister".
_EARLIER = re.compile(r"\b(?:had|has|have)\s+(?:now\s+|already\s+|previously\s+|also\s+)?(?:been\s+)?(?:resolved|agreed|approved|decided|noted|adopted|AGREED|RESOLVED)\b")
_LEADING_NUMBER = re.compile(r"^\s*(?:\(?\d{1,2}(?:\.\d{1,2}){0,3}[.)]?|\(?[a-z][.)])\s+(?=[A-Z“\"])")
_QUOTED = re.compile(r"[“\"][^”\"]{20,}[”\"]")

# Votes as minutes record them.
_VOTE_TABLE = re.compile(
    r"\bFor\s*\((\d+)\)(?P<for_names>[^()]*?)\s*Against\s*\((\d+)\)(?P<against_names>[^()]*?)\s*Abstain(?:ed|ing|ions?)?\s*\((\d+)\)(?P<abstain_names>[^()]*?)"
    r"(?=\s*(?:Motion|Amendment|Substantive|Agreed|Carried|Lost|Resolved|\d{1,2}\)|$))",
    re.S,
)
_VOTE_COUNTS = re.compile(
    r"(?:\bFor\s*[:\-–]?\s*(\d{1,3})\b[,;\s]*Against\s*[:\-–]?\s*(\d{1,3})\b(?:[,;\s]*Abstentions?\s*[:\-–]?\s*(\d{1,3})\b)?)"
    r"|(?:\b(\d{1,3})\s+(?:votes?\s+)?(?:for|in\s+favour)\b[,;\s]*(?:and\s+)?(\d{1,3})\s+against\b(?:[,;\s]*(?:and\s+|with\s+)?(\d{1,3})\s+abstentions?\b)?)",
    re.I,
)
_UNANIMOUS = re.compile(r"\bunanimous(?:ly)?\b|\ball\s+in\s+favour\b|\bnem\.?\s*con\b|\bAll\s+agreed\b", re.I)

_OPERATIVE = re.compile(
    r"\b(?:approv|agree|adopt|delegat|endors|authori[sz]|ask|request|support|urg|appoint|elect|co-?opt|accept|refer|recommend|"
    r"defer|postpon|confirm|amend|rescind|proceed|pay|purchas|buy|apply|write|join|instruct|establish|set|allocat|award|grant|"
    r"reject|refus|object|replace|renew|commission|transfer|make|hold|hire|spend|sign|continue|seek|take|invite|send|contact|"
    r"implement|explore|develop)\w*",
    re.I,
)
_NOTING = re.compile(r"\bnot(?:e|es|ed|ing)\b|\breceived\b|\backnowledg", re.I)
_REFERRED = re.compile(
    r"\b(?:refer(?:s|red)?|recommend(?:s|ed)?|forward(?:s|ed)?|escalat\w+)\b[^.;]{0,120}?\bto\s+(?:the\s+)?(?:full\s+|county\s+|city\s+|borough\s+|district\s+|town\s+|parish\s+)?"
    r"(?:council|cabinet|executive|[A-Z][\w&' -]{0,60}?(?:committee|board|panel))\b"
    r"|\b(?:presented|submitted)\s+to\s+(?:the\s+)?(?:full\s+|county\s+|city\s+)?council\b"
    r"|\bpending\s+(?:a\s+)?review\s+by\s+(?:the\s+)?(?:full\s+|county\s+)?council\b",
    re.I,
)
_DEFERRED = re.compile(
    r"\b(?:defer(?:s|red)?|postpone[ds]?|adjourn(?:ed)?|held\s+over|carried\s+(?:forward|over)|be\s+brought\s+back|revisit\w*\s+at\s+the\s+next"
    r"|come\s?back\s+to\s+this|brought\s+(?:back\s+)?to\s+(?:the|a)\s+(?:next|future|later)\s+meeting"
    r"|(?:placed|put|go|included)\s+on\s+(?:the\s+)?(?:next|following|a\s+future)\s+(?:meeting'?s?\s+)?agenda)\b",
    re.I,
)
_CALLED_IN = re.compile(r"\bcall(?:ed)?[- ]in\b", re.I)
_EXECUTIVE = re.compile(r"\b(?:cabinet\s+member|portfolio\s+holder|leader\s+of\s+the\s+council|executive\s+member|director|chief\s+executive|head\s+of)\b", re.I)

# Items every meeting has: their titles name no matter, so they never link two meetings.
GENERIC_TITLES = re.compile(
    r"^\W*(?:apologies|declarations?|minutes?|matters?\s+arising|any\s+other\s+business|a\.?o\.?b|correspondence|"
    r"finance|financial|payments?|accounts?|planning(?:\s+applications?)?|dates?\s+of\s+(?:the\s+)?next|chair(?:man)?'?s?\s+(?:announcements|report)|"
    r"public\s+(?:participation|questions|session|forum)|clerk'?s?\s+report|questions?|election\s+of|welcome|attendance|present|"
    r"urgent\s+business|exclusion\s+of|open\s+forum|reports?\s+from|councillors?'?\s+reports?|items?\s+for\s+(?:the\s+)?next)",
    re.I,
)


@dataclass
class _Unit:
    block: int
    page: int | None
    text: str
    heading: bool
    table: bool = False


@dataclass
class _Item:
    number: str | None = None
    title: str | None = None
    parent: "_Item | None" = None  # a numbered paragraph's item ("4.4" of item 4)

    @property
    def key(self) -> int:
        return id(self.parent or self)


@dataclass
class _Found:
    unit: int
    start: int  # offset in the unit's text
    text: str
    strong: bool
    report: bool  # a report's recommendation
    subject: str | None  # the body a recommendation is put to
    item: _Item
    procedural: bool = False  # "X proposed and Y seconded that ...": kept beside a formal RESOLVED
    reported: bool = False  # a report telling of a decision taken elsewhere, at a meeting it may date


def decision_id(document_id: str, seq: int, text: str) -> str:
    return hashlib.sha256(f"{document_id}|decision|{seq}|{text[:200]}".encode()).hexdigest()[:20]


_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
_NUMBERED_START = re.compile(rf"^\s*(?:(?:Minute|Item)\s+(?:No\.?\s*)?)?(?!(?:19|20)\d\d\b)(?!\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}){_ITEM_NUMBER}[.):]?\s+[A-Z]")
_ENDS_SENTENCE = re.compile(r"[.:;!?”\")]\s*$")


def _units(doc: ParsedDocument) -> list[_Unit]:
    """The paper as paragraphs: a block's lines joined, split where a line starts a numbered
    item, a list item, or follows a bare number or a colon; a paragraph cut mid-sentence by a
    block break (a Markdown line, a page) joined again with its lower-case continuation."""
    out: list[_Unit] = []
    for bi, block in enumerate(doc.blocks):
        if block.edge:
            continue
        if block.table is not None:
            for row in [block.table.header, *block.table.rows]:
                cells = [c.strip() for c in row if c and c.strip()]
                if cells:
                    out.append(_Unit(bi, block.page, " ".join(cells), False, table=True))
            continue
        current: list[str] = []
        for line in block.lines:
            line = line.strip()
            if not line:
                continue
            continues = line[:1].islower() and not _ENDS_SENTENCE.search(out[-1].text) if out else False
            seconder = bool(out) and re.match(r"Seconded\b", line) and re.match(r"\W*(?:It\s+was\s+)?Proposed\b", out[-1].text, re.I)
            if not current and out and not out[-1].table and not out[-1].heading and not block.heading_level and (continues or seconder):
                out[-1].text = f"{out[-1].text} {line}"
                continue
            starts_new = (
                _BARE_NUMBER.match(line) or _LIST_ITEM.match(line) or _NUMBERED_START.match(line)
                or (current and _BARE_NUMBER.match(current[-1]))
                or (current and current[-1].endswith(":") and line[:1].isupper())
            )
            if starts_new and current:
                out.append(_Unit(bi, block.page, " ".join(current), bool(block.heading_level)))
                current = []
            current.append(line)
        if current:
            out.append(_Unit(bi, block.page, " ".join(current), bool(block.heading_level)))
    return out


def _is_title(text: str) -> bool:
    """A line that reads as an item's heading: short, not a sentence of decision."""
    return 2 <= len(text) <= 250 and not _STRONG.search(text) and not _WEAK.search(text) and not text.rstrip().endswith((",", ";"))


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _minute_reference(number: str | None, runs_on: bool = False) -> str | None:
    """An item's number as a reference only when it names the minute beyond its meeting ("300",
    "21.01.03", "24/25.031", or "86" in minutes numbered on from earlier meetings): a plain "5" in
    minutes that start again at 1 is item 5 of every agenda."""
    if number and (runs_on or re.fullmatch(r"\d{3,4}", number) or re.search(r"\d[./]\d", number) or re.match(r"[A-Z]", number)):
        return number
    return None


def extract_decisions(doc: ParsedDocument, meta: Document) -> list[Decision]:
    """The recommendations and decisions in a cleaned paper, in reading order."""
    minutes = meta.doc_type in (DocType.minutes, DocType.action_log)
    units = _units(doc)
    paper_refs = _paper_refs(doc, meta)
    found: list[_Found] = []
    item = _Item()
    pending_number: str | None = None
    in_recommendations = False
    _runs_on: list[bool] = []  # the paper's first item number is 10 or more: its minutes are numbered on from earlier meetings
    for ui, unit in enumerate(units):
        text = _ITEM_NOTE.sub("", unit.text).strip()
        if not text:
            continue
        bare = _BARE_NUMBER.match(text)
        if bare and not unit.table and not _goes_back(bare.group(1), item):
            pending_number = bare.group(1)
            if not _runs_on and pending_number.isdigit():
                _runs_on.append(int(pending_number) >= 10)
            continue
        if pending_number is not None:
            if _is_title(text):
                item = _Item(pending_number, text.rstrip(" .:"))
                pending_number = None
                in_recommendations = False
                continue
            item = _Item(pending_number, None)
            pending_number = None
        numbered = _NUMBERED_TITLE.match(text)
        followed_by_note = ui + 1 < len(units) and _ITEM_NOTE.match(units[ui + 1].text)
        paragraph = None
        if numbered and minutes and item.number and numbered.group(1).startswith(f"{(item.parent or item).number}."):
            # "4.4 It was moved ..." under item 4: the item's paragraph, numbered (its own reference).
            paragraph = _Item(numbered.group(1), (item.parent or item).title, item.parent or item)
            text = numbered.group("title")
        elif numbered and minutes and not _PARAGRAPH_NUMBER.match(text) and not _goes_back(numbered.group(1), item):
            head, rest = _split_title(numbered.group("title"), bool(followed_by_note))
            item = _Item(numbered.group(1), head or None)
            if not _runs_on and numbered.group(1).isdigit():
                _runs_on.append(int(numbered.group(1)) >= 10)
            text = rest
            if not text:
                continue
        elif unit.heading and _is_title(text) and len(text) < 160:
            label = _RECOMMENDATION_LABEL.match(text)
            if minutes and not label and item.title is None:
                # The title of a numbered item; a later heading inside it is a sub-heading.
                # (A report's records keep the report's own title: its headings are its sections.)
                item.title = text.rstrip(" .:")
            in_recommendations = bool(label) and not label.group("rest").strip()
            continue
        if meta.doc_type == DocType.action_log and unit.table:
            continue  # a log's rows are actions (ingest.action_tables), not the meeting's decisions
        found.extend(_find(ui, text, unit, paragraph or item, minutes, in_recommendations, log=meta.doc_type == DocType.action_log))
        label = _RECOMMENDATION_LABEL.match(text)
        if label and not label.group("rest").strip():
            in_recommendations = True
        elif found and found[-1].unit == ui and found[-1].report:
            in_recommendations = False
    found = _strong_wins(found)
    records: list[Decision] = []
    kept: list[_Found] = []
    seen: set[str] = set()
    asks: list[tuple[str | None, frozenset[str]]] = []
    for n, f in enumerate(found):
        after = found[n + 1] if n + 1 < len(found) else None
        body_text = _extend(units, f, after.start if after is not None and after.unit == f.unit else None)
        words = _norm(body_text)
        key = f"{f.item.number}|{f.item.key}|{words[:80]}"  # the same words under two items are two decisions
        if not words or key in seen or len(words.split()) < 4:
            continue
        if f.report:
            # A report states its recommendations more than once (summary, section, reasons).
            words = frozenset(_norm(body_text).split())
            to = re.sub(r"(?i)^(?:the\s+)?full\s+", "", _body(f, meta) or "")
            if any(b == to and len(words & w) >= 0.6 * len(words | w) for b, w in asks):
                continue
            asks.append((to, words))
        seen.add(key)
        unit = units[f.unit]
        refs = tuple(dict.fromkeys(DECISION_NUMBER.findall(f"{f.item.title or ''} {body_text}") + ([] if minutes else paper_refs)))
        kind = _kind(body_text, f, meta, refs)
        reference = refs[0] if refs else (
            _minute_reference(f.item.number, bool(_runs_on and _runs_on[0])) if minutes else _recommendation_number(body_text)
        )
        records.append(
            Decision(
                id=decision_id(meta.id, len(records), body_text),
                document_id=meta.id,
                kind=kind,
                text=body_text[:MAX_TEXT],
                body=_body(f, meta),
                meeting_date=_reported_date(body_text, meta) if f.reported else meta.meeting_date,
                item=f.item.number,
                item_title=f.item.title or (None if minutes else meta.title),
                reference=reference,
                refs=refs,
                page=unit.page,
                classification=meta.classification,
                source=meta.source,
            )
        )
        kept.append(f)
    _attach_votes(records, kept, units)
    return records


_PARAGRAPH_NUMBER = re.compile(r"^\s*\d{1,2}[.)]\s+(?:RESOLVED|It\s|The\s+(?:Chair|Committee|Council|Board|Panel|Cabinet|Leader|Vice)\w*|Following|Further|Members|Mr|Mrs|Ms|Dr)\b")


def _goes_back(number: str, item: "_Item") -> bool:
    """A number that extends the current item's ("4.1" under 4) or whose first part is lower
    than the current item's ("3." or a quoted "14.60" inside minute 306): a paragraph of the item
    or a quotation (minutes number their items upwards), not a new item."""
    if item.number and number.startswith(f"{item.number}."):
        return True  # "4.1" under item 4: its paragraph
    first = re.match(r"\d+", number)
    current = re.match(r"\d+", item.number or "")
    return bool(first and current and int(first.group(0)) < int(current.group(0)))
_SENTENCE_WORDS = r"(?:The|It|All|A|An|This|These|There|Councillors|Members|Cllrs?|Resolved|RESOLVED|Agreed|AGREED|Proposed|Due|After|Following|[A-Z]{2,3}\s+(?:proposed|nominated|reported|seconded))"


def _split_title(title: str, is_header: bool = False) -> tuple[str | None, str]:
    """A numbered line's heading and what follows it on the line: "Minutes The minutes of ... were
    approved" -> ("Minutes", "The minutes ..."); "Planning: none received" -> ("Planning", "none
    received"); a sentence of decision alone -> ("", the sentence); (None, line) when the line is
    not an item's heading at all (a numbered paragraph)."""
    if is_header:
        return title.strip(" .:"), ""
    if _STRONG.match(title) or re.match(rf"{_SENTENCE_WORDS}\b", title):
        return "", title  # "05.25.18.3 The End of year accounts were approved"
    m = re.match(rf"^((?:[A-Z\d][\w&'’,/()-]*\s*){{1,8}}?)\s+({_SENTENCE_WORDS}\b.*)$", title)
    if m and len(m.group(2)) > 20:
        return m.group(1).strip(" .:–-"), m.group(2).strip()
    m = re.match(r"^(.{2,120}?)\s*(?:[:–—]\s+|\s+-\s+)([A-Z].*[.!?]\s*)$", title)
    if m and len(m.group(2).split()) >= 4 and not re.match(r"\d{2}/\d{5}$", m.group(1)):
        return m.group(1).strip(), m.group(2).strip()
    if len(title) <= 250 and not re.search(r"[a-z]\.\s+[A-Z]|[a-z]\.$", title):
        return title.strip(" .:"), ""
    return None, title


# A report telling of a decision taken elsewhere: "the Scrutiny Committee unanimously agreed the
# following motion", "Cabinet resolved the following", "a call-in request was submitted".
_REPORTED = re.compile(
    r"\b(?P<subject>(?:the\s+)?(?:[A-Z][\w&'’-]*\s+){0,5}(?:Council|Cabinet|Committee|Board|Panel|Executive)|Members|Councillors)\s+"
    r"(?:unanimously\s+|formally\s+)?(?:resolved|agreed|RESOLVED|AGREED|decided)\s+(?:the\s+following|that|to)\b"
    r"|\bcall[- ]in\s+(?:request\s+)?(?:was|has\s+been)\s+(?:made|submitted|received|lodged)\b|\bconsidered\s+a\s+call[- ]in\b"
    r"|\bDecision\s+\d{2}/\d{5}\b[^.]{0,160}?\bwas\s+taken\b"
)
_ASK_VERBS = re.compile(
    r"\s*(?:(?:consider|note|agree|approve|endorse|recommend|resolve|adopt|confirm|support|receive|review|delegate|authori[sz]e|comment|"
    r"accept|decide|determine|ratify|reconsider|re-?consider|agree|RESOLVE|RECOMMEND|NOTE|AGREE|APPROVE|ENDORSE|CONSIDER)\b)",
)


def _find(
    ui: int, text: str, unit: _Unit, item: _Item, minutes: bool, in_recommendations: bool, log: bool = False
) -> list[_Found]:
    """The records that start in one paragraph. `log`: an action log, whose prose describes how
    the log is kept ("... removed once brought to the next meeting"): only a decision written
    formally ("RESOLVED", "AGREED") is one there."""
    out: list[_Found] = []
    quoted = [(m.start(), m.end()) for m in _QUOTED.finditer(text)]

    def in_quote(pos: int) -> bool:
        return any(a <= pos < b for a, b in quoted)

    if not minutes:
        for m in _ASKED.finditer(text):
            if in_quote(m.start()) or not _ASK_VERBS.match(text, m.end()):
                continue
            out.append(_Found(ui, _sentence_start(text, m.start()), text, True, True, m.group("subject"), item))
            break
        if not out:
            label = _RECOMMENDATION_LABEL.match(text)
            if label and not unit.table and len(label.group("rest").split()) >= 4 and not re.match(r"\d", label.group("rest")):
                out.append(_Found(ui, label.start("rest"), text, True, True, None, item))
            elif in_recommendations and len(text.split()) >= 5 and not unit.heading and not unit.table and _ASKS.search(text):
                out.append(_Found(ui, 0, text, True, True, None, item))
            else:
                m = _RECOMMENDED_THAT.search(text)
                if m and not in_quote(m.start()):
                    out.append(_Found(ui, _sentence_start(text, m.start()), text, True, True, None, item))
        for m in _REPORTED.finditer(text):
            if in_quote(m.start()) or _EARLIER.search(text[max(0, m.start() - 20) : m.end()]):
                continue
            out.append(_Found(ui, _sentence_start(text, m.start()), text, False, False, m.group("subject"), item, reported=True))
        return sorted({f.start: f for f in out}.values(), key=lambda f: f.start)
    # Paragraph markers ("3) RESOLVED ...") split a unit into the minute's own paragraphs.
    starts = [0] + [m.end() for m in _PARAGRAPH.finditer(text)]
    taken: set[int] = set()
    if not log and _PLANNING_RESPONSE.match(text) and not _STRONG.search(text) and not _WEAK.search(text):
        return [_Found(ui, 0, text, False, False, None, item)]  # the row or line is the response
    patterns = ((_STRONG, True),) if log else ((_STRONG, True), (_PROPOSED_THAT, False), (_WEAK, False), (_DEFERRED_TO, False))
    for pattern, strong in patterns:
        for m in pattern.finditer(text):
            if in_quote(m.start()):
                continue
            start = max([s for s in starts if s <= m.start()] + [_sentence_start(text, m.start())])
            number = re.match(r"\d{1,2}[.)]\s*(?=[A-Z])", text[start:])
            if number:
                start += number.end()
            if m.start() - start > 140:
                # A decision at the end of a long sentence starts at its own clause.
                clause = max(text.rfind(", ", start, m.start()), text.rfind("; ", start, m.start()))
                start = clause + 2 if clause >= 0 and m.start() - clause < 60 else m.start()
            if any(abs(start - t) < 3 for t in taken):
                continue
            sentence = text[start : start + 400]
            if _EARLIER.search(text[max(0, m.start() - 25) : m.end() + 5]):
                continue
            if not strong and _NOT_A_DECISION.search(sentence[: m.end() - start + 40]):
                continue
            taken.add(start)
            out.append(_Found(ui, start, text, strong, False, None, item, pattern is _PROPOSED_THAT))
    return sorted(out, key=lambda f: f.start)


# "X proposed and Y seconded that the motion be put to the vote": a decision the meeting took on
# its own business; "X proposed and Y seconded the following motion:" is a motion, not yet decided.
_PROPOSED_THAT = re.compile(
    r"\b(?:proposed|nominated)(?:\s+by\s+[^,.]{2,60})?,?\s+(?:and\s+)?[^.]{0,60}?\bseconded(?:\s+by\s+[^,.]{2,60})?,?\s+that\b,?\s*(?![“\"])(?!the\s+following)"
)
_DEFERRED_TO = re.compile(
    r"\b(?:brought|deferred|carried\s+forward|held\s+over|postponed|adjourned)\s+(?:back\s+)?(?:to|until)\s+(?:the\s+)?(?:next|a\s+future|a\s+later)\s+meeting\b"
    r"|\b(?:placed|put|go|included)\s+on\s+(?:the\s+)?(?:next|following|a\s+future)\s+(?:meeting'?s?\s+)?agenda\b",
    re.I,
)
# A parish or town council's response to a planning application, as its minutes record it:
# "25/00971/LB The Rock, replacement windows – No objection", "Application 3/19/0123: support".
_PLANNING_RESPONSE = re.compile(
    r"(?=.*\b(?:\d{1,2}/\d{2,4}/\d{3,5}|\d{2,4}/\d{3,5}(?:/[A-Z]{1,5})?|[A-Z]{1,3}/\d{2,4}/\d{3,5})\b)"
    r".*?\b(?:no\s+objections?|(?:the\s+council\s+)?(?:objects?|objected)\b|no\s+comments?|supports?\b|supported\b|recommend(?:s|ed)?\s+(?:approval|refusal))",
    re.I,
)


def _sentence_start(text: str, pos: int) -> int:
    start = 0
    for m in _SENTENCE_START.finditer(text, 0, min(len(text), pos + 2)):  # the look-ahead needs the next letter
        if m.end() <= pos:
            start = m.end()
    # "2) Mr Booth proposed ...", "3. RESOLVED ...": the record's words, not its paragraph number.
    m = re.match(r"\s*\d{1,2}[.)]\s*(?=[A-Z])", text[start:])
    return start + (m.end() if m else 0)


_FORMAL = re.compile(r"^\W*(?:RESOLVED|DECISION\b|Resolved\s*:|Agreed\s*:|AGREED\s*:|Resolution\s*:)")


def _strong_wins(found: list[_Found]) -> list[_Found]:
    """Within an item that records its decision formally ("RESOLVED that", "DECISION:",
    "Agreed:"), its other decision-like sentences are the debate's narrative or the vote, and
    are dropped; a procedural motion the meeting agreed ("proposed ... seconded that ...") stays."""
    formal = {f.item.key for f in found if not f.report and _FORMAL.match(f.text[f.start :])}
    return [f for f in found if f.report or f.procedural or f.item.key not in formal or _FORMAL.match(f.text[f.start :])]


def _extend(units: list[_Unit], f: _Found, until: int | None = None) -> str:
    """The record's whole text: from its first word to the end of its paragraph (or to where the
    next record in it starts, `until`), with the parts that follow a colon ("RESOLVED that
    Council: (i) Notes ... (ii) Adopts ...")."""
    text = f.text[f.start : until]
    if until is not None:
        return _LEADING_NUMBER.sub("", re.sub(r"\s+", " ", text).strip())
    nxt = _PARAGRAPH.search(text, 1)
    if nxt:
        text = text[: nxt.start()]
    if not f.report:
        # A second formal decision in the same paragraph ("... be noted. RESOLVED that ...") ends this one.
        m = re.search(r"(?<=\.)\s+(?=RESOLVED\b|AGREED\b)", text[12:])
        if m:
            text = text[: m.start() + 12]
    text = _LEADING_NUMBER.sub("", text.strip())
    k = f.unit + 1
    colon = text.endswith((":", "that", "to"))
    wants_parts = colon or f.report
    taken = 0
    while k < len(units) and len(text) < MAX_TEXT:
        u = units[k]
        t = u.text.strip()
        if u.heading or _BARE_NUMBER.match(t) or u.table != units[f.unit].table or _ITEM_NOTE.match(t):
            break
        if _FORMAL.match(t) or re.match(r"\d{1,2}\)\s", t) or (_NUMBERED_START.match(t) and not _LIST_ITEM.match(t)):
            break
        if wants_parts and (_LIST_ITEM.match(t) or t[:1].islower()):
            text = f"{text} {t}"
        elif colon and taken < 6 and not _LIST_ITEM.match(t):
            text = f"{text} {t}"  # "RESOLVED that:" and its parts as paragraphs
        elif t[:1].islower() and not text.endswith((".", ":")):
            text = f"{text} {t}"  # a sentence wrapped into the next block
        else:
            break
        taken += 1
        k += 1
    return re.sub(r"\s+", " ", text).strip()


def _kind(text: str, f: _Found, meta: Document, refs: tuple[str, ...]) -> DecisionKind:
    head = text[:600]
    if f.report:
        return DecisionKind.referred if _REFERRED.search(head) and re.match(r"(?i)\W*(?:that\s+)?(?:the\s+)?(?:\w+\s+){0,6}(?:committee|panel|board)\s+(?:recommends|refers)", head) else DecisionKind.recommendation
    if _CALLED_IN.search(head) and re.search(
        r"(?i)\b(?:be|been|was|is|were)\s+called[- ]in\b|\bcall[- ]in\b.{0,40}\b(?:agreed|accepted|upheld)\b"
        r"|\bcall[- ]in\s+(?:request\s+)?(?:was|has\s+been)\s+(?:made|submitted|received|lodged)\b|\bconsidered\s+a\s+call[- ]in\b",
        head,
    ):
        return DecisionKind.called_in
    if re.search(r"\bDecision\s+\d{2}/\d{5}\b[^.]{0,160}?\bwas\s+taken\b", head[:300]):
        return DecisionKind.decision
    if _REFERRED.search(head) and not re.search(r"(?i)\brecommend\w*\s+that\s+the\s+minutes\b", head):
        return DecisionKind.referred
    if _DEFERRED.search(head):
        return DecisionKind.deferred
    if meta.doc_type == DocType.decision or re.match(r"\W*DECISION\b", head) or (refs and _EXECUTIVE.search(head) and re.search(r"(?i)\b(?:agreed|decided|took)\b", head)):
        return DecisionKind.decision
    operative = [m.group(0).lower() for m in _OPERATIVE.finditer(head)]
    operative = [w for w in operative if not w.startswith(("agreed",)) or "agreed to" in head.lower()]
    if _NOTING.search(head) and not [w for w in operative if not w.startswith(("ask", "take", "make", "set"))]:
        return DecisionKind.noted
    return DecisionKind.resolution


def _body(f: _Found, meta: Document) -> str | None:
    """The body a recommendation is put to, or the meeting's own body."""
    subject = (f.subject or "").strip()
    if f.reported and not subject:
        return None  # "Decision 24/00093 was taken on ...": the report does not say here by whom
    if subject and not re.fullmatch(r"(?i)(?:the\s+)?(?:committee|board|panel|members|councillors|sub-committee|group)", subject):
        return re.sub(r"^(?:The|the)\s+", "", subject)
    return meta.committee or meta.body


def _reported_date(text: str, meta: Document):
    """The date a report gives for a decision taken elsewhere ("On 29 January 2025, the Scrutiny
    Committee ...", "... was taken on 17 January 2025"), when it is before the report's own
    meeting; else the report's meeting date."""
    for found in find_dates(text[:400]):
        day = found.value
        if day is not None and (meta.meeting_date is None or day <= meta.meeting_date):
            return day
    return meta.meeting_date


def _paper_refs(doc: ParsedDocument, meta: Document) -> list[str]:
    """Decision numbers a report's front sheet or file name gives it ("Decision Number: 24/00115")."""
    front = doc.plain_text(max_pages=1)[:4000]
    refs = [m.group(1) for m in _DECISION_NUMBER_LABEL.finditer(doc.plain_text(max_pages=2)[:6000])]
    m = _FILE_DECISION_NUMBER.match(meta.source or "")
    if m:
        refs.append(f"{m.group(1)}/{m.group(2)}")
    # A report about one decision names it on its front page ("Cabinet reconsideration of
    # Decision 24/00093"); a front page naming several says none is the report's own.
    named = set(DECISION_NUMBER.findall(f"{meta.title or ''} {front}"))
    if not refs and len(named) == 1:
        refs.extend(named)
    return list(dict.fromkeys(refs))


def _recommendation_number(text: str) -> str | None:
    m = re.match(r"\W*(Recommendation\s+\d+)\b", text, re.I)
    return m.group(1) if m else None


def parse_votes(text: str) -> Votes | None:
    """The vote recorded in some words of minutes, if they record one."""
    tables = list(_VOTE_TABLE.finditer(text))
    m = tables[-1] if tables else None  # the last vote before a decision is the substantive motion's
    if m:
        names = [_names(m.group(g)) for g in ("for_names", "against_names", "abstain_names")]
        # As printed, without the names: "For (52) … Against (0) … Abstain (11). Motion carried"
        printed = f"For ({m.group(1)}) … Against ({m.group(3)}) … Abstain ({m.group(5)})"
        outcome = _VOTE_OUTCOME.match(text, m.end())
        if outcome:
            printed += f". {outcome.group(1)}"
        return Votes(int(m.group(1)), int(m.group(3)), int(m.group(5)), False, *names, evidence=printed)
    counts = list(_VOTE_COUNTS.finditer(text))
    m = counts[-1] if counts else None
    if m:
        g = m.groups()
        nums = g[:3] if g[0] else g[3:]
        return Votes(*(int(n) if n else None for n in nums), evidence=m.group(0))
    m = _UNANIMOUS.search(text)
    if m:
        return Votes(unanimous=True, evidence=m.group(0))
    return None


_VOTE_OUTCOME = re.compile(r"\s*((?:Substantive\s+)?(?:[Mm]otion|Amendment|[Aa]mendment)\s+(?:carried|lost|fell|agreed|defeated)|Carried|Lost|Agreed)\b")


def _names(text: str) -> tuple[str, ...]:
    """The members a recorded vote lists: "Mr Baker, Mrs Bell" or "Councillors Brackley,
    Ellingham and Fennimore" (the title once, for all)."""
    text = re.split(r"(?<=[a-z])\.\s", (text or "").strip(" :;"))[0].strip(" :.;")  # the list ends with its sentence
    shared = re.match(r"^(?:Councillors|Cllrs)\.?\s+", text)
    if shared:
        parts = [p.strip(" .,;") for p in re.split(r",\s*|\s+and\s+", text[shared.end():])]
        return tuple(p for p in parts if re.fullmatch(r"[A-Z][\w'’-]+(?:[ -][A-Z][\w'’-]+){0,2}", p))
    parts = [p.strip(" .,;:") for p in re.split(r",\s*|\s+and\s+(?=(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Cllr|Councillor)\b)", text)]
    return tuple(p for p in parts if re.match(r"^(?:Mr|Mrs|Ms|Miss|Dr|Sir|Dame|Cllr|Councillor|Lord|Lady)\b", p))


# "Rich Lehmann wished for it to be recorded in the minutes that he voted against the motion".
_RECORDED_OWN_VOTE = re.compile(
    r"(?P<name>(?:(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor)\.?\s+)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})\s+"
    r"(?:asked|wished|requested)\s+(?:for\s+)?(?:it\s+)?(?:to\s+be\s+|that\s+it\s+be\s+)?recorded[^.]{0,40}?\bthat\s+(?:he|she|they)\s+"
    r"(?:had\s+)?(?P<how>voted\s+against|voted\s+for|voted\s+in\s+favour|abstained)"
)


def _attach_votes(records: list[Decision], found: list[_Found], units: list[_Unit]) -> None:
    """Each record's vote: in its own words, or the last vote between the previous record of the
    item and it (the substantive motion's, before "RESOLVED"), or one just after it; with a
    member's own vote that they asked to be recorded after it."""
    joined = [u.text for u in units]
    for i, (record, f) in enumerate(zip(records, found)):
        own = parse_votes(record.text)
        same_item = i and found[i - 1].item.key == f.item.key
        before = _between(joined, units, found[i - 1].unit if same_item else None, found[i - 1].start + 1 if same_item else None, f.unit, f.start)
        vote = own if own is not None and not own.unanimous else (parse_votes(before) if before else None)
        if vote is None or (vote.unanimous and own is not None):
            vote = own or vote
        nxt = found[i + 1] if i + 1 < len(found) else None
        after = _after(joined, f, nxt)
        if vote is None:
            vote = parse_votes(after[:1200])
        m = _RECORDED_OWN_VOTE.search(after[:600])
        if m:
            name, how = m.group("name"), m.group("how")
            vote = vote or Votes()
            names = {"against": vote.against_names, "for": vote.for_names, "abstain": vote.abstain_names}
            slot = "against" if "against" in how else "abstain" if "abstain" in how else "for"
            if name not in names[slot]:
                names[slot] = (*names[slot], name)
            vote = Votes(vote.for_, vote.against, vote.abstain, vote.unanimous, names["for"], names["against"], names["abstain"],
                         (vote.evidence + " " + m.group(0)).strip())
        record.votes = vote


def _after(joined: list[str], f: _Found, nxt: _Found | None) -> str:
    """The text after a record's start up to the next record (at most three paragraphs on)."""
    parts = [joined[f.unit][f.start :]]
    for k in range(f.unit + 1, min(len(joined), f.unit + 4)):
        if nxt is not None and k >= nxt.unit:
            if k == nxt.unit:
                parts.append(joined[k][: nxt.start])
            break
        parts.append(joined[k])
    text = " ".join(parts)
    return text


def _between(joined: list[str], units: list[_Unit], u0: int | None, o0: int | None, u1: int, o1: int) -> str:
    """Text of the item from just after the previous record (or at most 6 units back) to this one."""
    if u0 is None:
        u0, o0 = max(0, u1 - 6), 0
    parts = []
    for k in range(u0, u1 + 1):
        t = joined[k]
        a = o0 if k == u0 else 0
        b = o1 if k == u1 else len(t)
        if units[k].heading and k != u1:
            parts = []
            continue
        parts.append(t[a:b])
    return " ".join(parts)[-3000:]


def place_decisions(decisions: list[Decision], chunks: list[Chunk]) -> None:
    """Give each record the passage it is read from (for its citation) and that passage's
    classification: an exempt section's record is exempt. A record no passage holds takes the
    most protected classification of its page's passages, or of the paper."""
    by_page: dict[int | None, list[Chunk]] = {}
    for c in chunks:
        by_page.setdefault(c.page, []).append(c)
    normed = {c.id: _norm(c.text) for c in chunks}
    highest = max((c.classification for c in chunks if c.classification), key=lambda c: c.level, default=None)
    for d in decisions:
        probe = " ".join(_norm(d.text).split()[:10])
        candidates = by_page.get(d.page, []) + [c for c in chunks if c.page != d.page]
        hit = next((c for c in candidates if probe and probe in normed[c.id]), None)
        if hit is None:
            short = " ".join(probe.split()[:6])
            hit = next((c for c in by_page.get(d.page, []) if short and short in normed[c.id]), None)
        if hit is not None:
            d.chunk_id = hit.id
            d.classification = (hit.classification or Classification.restricted).at_least(d.classification)
        else:
            page_levels = [c.classification for c in by_page.get(d.page, []) if c.classification]
            level = max(page_levels, key=lambda c: c.level) if page_levels else highest
            d.classification = (d.classification or Classification.restricted).at_least(level)
