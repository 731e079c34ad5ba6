"""Actions written in the text of minutes rather than in a table: "Action: Clerk to write to the
highways authority", "NO to write to the new owner of the land", "The Clerk was asked to obtain
three quotes", "Hannah promised to forward details". One record per sentence that gives an action
to someone the paper names: initials it spells out in its attendance, a person, a role (the Clerk,
the Chair), or a team or body ("Cabinet Office Transparency Team to ...").

Read only in minutes, agendas (a clerk's report of actions) and action logs: in an officer's report
"Cabinet to approve ..." is a recommendation, not an action. A sentence a table of the same paper
already holds is not taken twice.
"""

from __future__ import annotations

import re

from ingest.parsed import ParsedDocument, Table
from ingest.people import OWNER_CELL, SUBJECT_OWNER, resolve, subject_owner

_LABEL = re.compile(r"^\W*actions?(?:\s+points?)?\s*(?:[:–—-]|by\b)\s*(.+)$", re.I)
_ASIDE = re.compile(r"\(([A-Z][^()]{15,}?)\)")
_NO_ACTION = re.compile(r"^\W*(?:none|nil|n/?a|no\s+(?:further\s+)?actions?|noted|not\s+applicable|tbc)\b", re.I)
_ROLE = re.compile(r"^(?:clerk|chair(?:man|woman)?|vice[- ]chair(?:man)?|(?:minutes? )?secretary|treasurer|rfo|proper officer|mayor|(?:parish|town|county|district)\s+clerk)$", re.I)
_BODY = re.compile(r"\b(?:team|department|office|officers?|council|group|panel|board|committee|secretariat|agency|authority|service)$", re.I)
_PERSON = re.compile(r"^(?:cllr|councillor|mr|mrs|ms|miss|dr)\.?\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?$|^[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)?$")
# A paragraph of minutes ending in who will act on it: "... asked to clear it. Clerk", "... be
# bought for the green – Cllr Davies", "... write to the bus company. JB" (an ACTION column read
# into the line), "... (Action: RFO)".
_TRAILING_OWNER = re.compile(
    r"^(?P<text>.*?[a-z0-9)\]][.!]?)\s*(?:[.]\s+|\s+[-–—:]\s*|\s*\(\s*|\s+)(?:action(?:\s+by)?\s*[:–-]?\s*)?"
    r"(?P<owner>[A-Z]{2,4}(?:\s*[/&,]\s*[A-Z]{2,4})*|(?:[Tt]he\s+)?(?:Clerk|Chair(?:man)?|Secretary|Treasurer|RFO|Proper Officer)"
    r"|(?:Cllrs?|Councillors?)\.?\s+[A-Z][\w'’-]+(?:\s*(?:,|and|&)\s*[A-Z][\w'’-]+)*)\s*\)?\s*$"
)
_OWNER_ONLY = re.compile(
    r"^(?:[A-Z]{2,4}(?:\s*[/&,]\s*[A-Z]{2,4})*|(?:[Tt]he\s+)?(?:Clerk|Chair(?:man)?|Secretary|Treasurer|RFO)|(?:Cllrs?|Councillors?)\.?\s+[A-Z][\w'’-]+)$"
)
_ATTENDANCE = re.compile(r"^\W*(?:present|apologies|in attendance|also present|attendance|members of the public|absent)\b", re.I)
_SENTENCE = re.compile(r"(?<=[a-z0-9)])[.;]\s+(?=[A-Z])")
_VERBS_NOT_ACTIONS = {"be", "have", "note", "noted", "receive", "consider"}


def _owner_kind(owner: str, known: dict[str, str]) -> bool:
    """Whether a sentence's subject can own an action."""
    words = owner.split()
    if all(re.fullmatch(r"[A-Z]{2,4}", w) for w in re.split(r"\s*[/&]\s*|\s+and\s+", owner)):
        return all(w in known for w in re.split(r"\s*[/&]\s*|\s+and\s+", owner))
    if _ROLE.match(owner) or _BODY.search(owner):
        return True
    return bool(_PERSON.match(owner)) and len(words) <= 4 and (owner.split()[0] in known.values() or owner in known.values() or _first_name_known(owner, known))


def _can_own(owner: str, known: dict[str, str]) -> bool:
    """A role, a councillor or a person the paper names (by name or initials)."""
    owner = owner.removeprefix("the ").removeprefix("The ")
    return bool(_ROLE.match(owner) or re.match(r"(?:Cllrs?|Councillors?)\b", owner) or _is_person(owner, known))


def _is_person(owner: str, known: dict[str, str]) -> bool:
    parts = re.split(r"\s*[/&]\s*|\s+and\s+", owner)
    if all(re.fullmatch(r"[A-Z]{2,4}", p) and p in known for p in parts):
        return True
    return bool(_PERSON.match(owner)) and _first_name_known(owner, known)


def _first_name_known(owner: str, known: dict[str, str]) -> bool:
    first = owner.split()[-1] if owner.lower().startswith(("cllr", "councillor", "mr", "mrs", "ms", "dr")) else owner.split()[0]
    return any(first in name.split() for name in known.values())


def line_actions(
    doc: ParsedDocument, known: dict[str, str], taken: set[str], minutes: bool = True
) -> list[tuple[int, str, str | None, str | None]]:
    """(block index, action text, owner, owner's initials) for each action written in the text;
    `taken`: normalised starts of actions already read from tables. "X will ..." and "X agreed
    to ..." give an action only to a person (by name or initials) and only in minutes; in a
    report "The Trust will seek ..." is a plan, not an action."""
    out = []
    seen = set(taken)

    def take(bi: int, text: str, name: str | None, initials: str | None) -> None:
        """An action from a sentence, unless it (or one opening the same way) was taken already."""
        key = _key(text)
        if not _seen_before(key, seen):
            seen.add(key)
            out.append((bi, text.rstrip("."), name, initials))

    for bi, block in enumerate(doc.blocks):
        if block.table is not None and minutes and not block.edge:
            for text, owner in owner_column_rows(block.table):
                key = _key(text)
                if len(text.split()) >= 4 and key not in seen:
                    seen.add(key)
                    name, initials = resolve(owner.removeprefix("the ").removeprefix("The "), known)
                    out.append((bi, text, name, initials))
            continue
        if block.table is not None or block.edge:
            continue
        lines = list(block.lines)
        for k, line in enumerate(lines):
            # An owner in an ACTION column: after a tab on the line, or on the next line alone.
            nxt = lines[k + 1].strip() if k + 1 < len(lines) else ""
            column, before = None, line
            if "\t" in line:
                column, before = line.rsplit("\t", 1)[1].strip(), line.rsplit("\t", 1)[0]
            elif nxt and "\t" not in nxt and _OWNER_ONLY.match(nxt):
                column = nxt
            if _OWNER_ONLY.match(line.strip()) and k and _OWNER_ONLY.match(line.strip()):
                continue  # the column line itself, taken with the line before
            if minutes and column and (_OWNER_ONLY.match(column) or ("\t" in line and OWNER_CELL.match(column))) and _can_own(column, known) and not _ATTENDANCE.match(before):
                name, initials = resolve(column.removeprefix("the ").removeprefix("The "), known)
                text = _column_sentence(before.replace("\t", " "), [column, name or ""])
                key = _key(text)
                if len(text.split()) >= 4 and key not in seen:
                    seen.add(key)
                    out.append((bi, text, name, initials))
                    continue
            line = line.replace("\t", " ")
            if _ATTENDANCE.match(line):
                continue
            trailing = _TRAILING_OWNER.match(line) if minutes else None
            if trailing and len(trailing.group("text").split()) >= 4 and _can_own(trailing.group("owner"), known):
                text = _SENTENCE.split(trailing.group("text"))[-1].strip(" -•*·▪●◦").rstrip(".")
                key = _key(text)
                if len(text.split()) >= 4 and key not in seen:
                    seen.add(key)
                    name, initials = resolve(trailing.group("owner").removeprefix("the ").removeprefix("The "), known)
                    out.append((bi, text, name, initials))
                    continue
            sentences = _SENTENCE.split(line)
            # An aside in brackets is a sentence of its own: "... from the Police (Hannah promised
            # to forward details of Police contacts)."
            sentences += [m.group(1) for m in _ASIDE.finditer(line)]
            for sentence in sentences:
                sentence = sentence.strip(" -•*·▪●◦")
                if len(sentence.split()) < 3:
                    continue
                m = _LABEL.match(sentence)
                text = m.group(1).strip() if m else sentence
                sm = SUBJECT_OWNER.match(text)
                agreed = _AGREED.match(text) if minutes and not m else None
                if agreed and not _DECIDED_ONLY.match(agreed.group("what")):
                    owner = subject_owner(agreed.group("what"))
                    take(bi, text, *(resolve(owner, known) if owner and _owner_kind(owner, known) else (None, None)))
                    continue
                owner = subject_owner(text) if sm is not None and sm.group(2) not in _VERBS_NOT_ACTIONS else None
                if m and owner is None and len(text.split()) >= 4 and not _NO_ACTION.match(text):
                    # Labelled an action, with no one named ("Action: A summary of the review to
                    # be circulated to Board members"): the label says it is one.
                    take(bi, text, None, None)
                    continue
                if owner is None or not (m or _owner_kind(owner, known)):
                    continue
                promise = not re.match(r"\s*to\b", text[len(sm.group(1)):])
                if promise and not m and (not minutes or _ROLE.match(owner) is None and not _is_person(owner, known)):
                    continue
                take(bi, text, *resolve(owner, known))
    return out


# Minutes that record what the meeting agreed to do, with no one named: "It was AGREED to invite
# a representative ...", "The meeting agreed we should approach the City Council ...". An
# agreement to do something is an action of the body; one that only approves, notes, accepts or
# signs something is a decision (ingest.decisions), not an action.
_AGREED = re.compile(
    r"^(?:it\s+(?:was|had\s+been)|the\s+(?:meeting|council|committee|group|board|members)|members|councillors)\s+"
    r"(?:also\s+|further\s+|then\s+|unanimously\s+)?(?:agreed|resolved|decided)\s*(?:,\s*)?(?:that\s+|to\s+)?(?P<what>\S.*)$",
    re.I,
)
_DECIDED_ONLY = re.compile(
    r"^(?:(?:the|these|this|those|its|their)\s+)?(?:(?:draft\s+)?minutes|accounts?|report|budget|precept|agenda|item|recommendations?|policy|decision)\b(?!.*\b(?:be|should|would|will)\s+(?:sent|circulated|published|written|forwarded|put|placed)\b)"
    r"|.*\b(?:be|is|are|being)\s+(?:co-?opted|appointed|elected|re-?elected|approved|accepted|adopted|noted|granted|awarded|agreed)\b"
    r"|^(?:(?:we|it|they)\s+(?:should\s+)?)?(?:not\s+to\b|no\s+(?:further\s+)?action|(?:to\s+)?(?:approve|accept|note|adopt|receive|sign|ratify|endorse|agree|support|defer|take\s+no)\w*\b)",
    re.I,
)


_ACTION_COLUMN = re.compile(r"^\W*(?:actions?(?:\s+(?:by|owner))?|by\s+whom|who)\W*$", re.I)
_MINUTE_COLUMN = re.compile(r"^\W*(?:minutes?|items?|discussion|details|notes|matters?|business|subject|resolutions?|decisions?|agenda\s+items?|report)\b", re.I)


def owner_column_rows(table: Table) -> list[tuple[str, str]]:
    """(action sentence, owner) for each row of minutes set out as a table whose ACTION column
    holds who acts ("Item | Minute | Action" with "Clerk", "JB/TH" in the last column): the
    action is the sentence of the minute that column's owner acts on. A row with an empty ACTION
    cell records the meeting, not an action. Not an action log: there the Action column holds
    the action itself, and the reader of action tables takes it."""
    header = [" ".join(c.split()) for c in table.header]
    actions = [i for i, c in enumerate(header) if _ACTION_COLUMN.match(c)]
    texts = [i for i, c in enumerate(header) if _MINUTE_COLUMN.match(c) and i not in actions]
    if len(actions) != 1 or not texts:
        return []
    a = actions[0]
    cells = [r[a].strip() for r in table.rows if len(r) > a and r[a].strip()]
    if not cells or sum(1 for c in cells if OWNER_CELL.match(c)) < 0.6 * len(cells):
        return []
    out = []
    for row in table.rows:
        if len(row) <= a or not OWNER_CELL.match(row[a].strip()):
            continue
        minute = " ".join(row[i] for i in texts if i < len(row) and row[i].strip())
        text = _column_sentence(minute, [row[a]])
        if text:
            out.append((text, row[a].strip()))
    return out


_ACTION_CUE = re.compile(r"\b(?:agreed|resolved|will|would|to\s+be|asked|should|undertook|offered|promised|arrange|write|contact|obtain|report)\b", re.I)


def _column_sentence(paragraph: str, owners: list[str]) -> str:
    """The sentence of a paragraph that an ACTION column's owner acts on: one that gives the
    owner work ("Cllr Hale will get two quotes"), names the owner ("... that the clerk would
    report it"), or agrees something to be done; the last sentence when none does."""
    names = {w.lower() for o in owners for w in re.findall(r"[A-Za-z]{2,}", o) if w.lower() not in {"cllr", "the", "and"}}
    best, best_score = "", -1
    for sentence in _SENTENCE.split(paragraph):
        sentence = sentence.strip(" -•*·▪●◦").rstrip(".")
        if len(sentence.split()) < 4:
            continue
        words = {w.lower() for w in re.findall(r"[A-Za-z]{2,}", sentence)}
        score = 3 * bool(SUBJECT_OWNER.match(sentence)) + 2 * bool(names & words) + bool(_ACTION_CUE.search(sentence))
        if score >= best_score:
            best, best_score = sentence, score
    return best


def _seen_before(key: str, seen: set[str]) -> bool:
    """The same action already taken, or one whose opening words it shares (a sentence read once
    inline and once in a summary list)."""
    return key in seen or any(key.startswith(k) or k.startswith(key) for k in seen if len(k) >= 20)


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))[:60]


# A log without a table: each action followed by its status, under topic headings that may name
# the lead ("National Address Dataset – Lead HS/BB"). The status words a log writes.
_STATUS = r"(?:New|Ongoing|On-going|On going|Carried forward|Carried Forward|Completed|Complete|Closed|Open|In progress|In Progress|Deferred|Done)"
_ENDS_IN_STATUS = re.compile(rf"(.+?)\s+\(?({_STATUS})\)?(?=\s+[A-Z]|\s*$)")
_LEAD = re.compile(r"^(.*?)\s*[–—-]\s*(?:Lead|Leads|Owner)\s*:?\s+([A-Z][A-Za-z]{0,3}(?:\s*/\s*[A-Z][A-Za-z]{0,3})*)\b\s*(.*)$")


def status_log_actions(doc: ParsedDocument) -> list[tuple[int, str, str | None, str]]:
    """(block index, action, owner, status word) for a log of actions written as lines or
    two-column boxes, each ending in its status ("Circulate minutes ... New", "Survey of SMEs ...
    Carried forward"), the lead given by the topic heading above ("– Lead HS/BB")."""
    out = []
    owner: str | None = None
    pending: tuple[int, str] | None = None  # an action whose status is on the next line

    def add(bi: int, text: str, status: str) -> None:
        nonlocal owner
        m = _LEAD.match(text)
        if m:
            owner, text = m.group(2).replace(" ", ""), m.group(3)
        text = text.strip(" -–•")
        if len(text.split()) >= 2:
            out.append((bi, text, subject_owner(text) or owner, status))

    for bi, block in enumerate(doc.blocks):
        if block.edge:
            continue
        if block.table is not None:
            rows = [block.table.header, *block.table.rows]
            if all(len([c for c in r if c.strip()]) == 2 and re.fullmatch(_STATUS, r[-1].strip() or "-") for r in rows):
                for r in rows:
                    add(bi, r[0], r[-1].strip())
            continue
        for line in block.lines:
            lead = _LEAD.match(line)
            if lead and not lead.group(3):
                owner = lead.group(2).replace(" ", "")  # a topic heading naming its lead
                continue
            if re.fullmatch(_STATUS, line.strip()) and pending is not None:
                add(pending[0], pending[1], line.strip())
                pending = None
                continue
            found = list(_ENDS_IN_STATUS.finditer(line))
            if not found:
                if block.heading_level:
                    owner = None  # a new topic with no lead named
                pending = (bi, line) if len(line.split()) >= 3 else pending
                continue
            pending = None
            for m in found:
                add(bi, m.group(1), m.group(2))
            # Lines run together: a topic heading after the last status is the next actions' lead
            # ("... Carried forward OS Derived Data Licensing Restrictions - Lead GS"), and an
            # action after it waits for its status on the next line.
            rest = line[found[-1].end():].strip()
            lead = _LEAD.match(rest)
            if lead:
                owner, rest = lead.group(2).replace(" ", ""), lead.group(3)
            pending = (bi, rest) if len(rest.split()) >= 3 else None
    return out
