"""Action records from action logs, action plans and recommendation trackers.

A similarity search cannot say which actions are overdue; records can. This stage reads the tables
of a cleaned document, recognises the ones that track actions by their column names, whatever the
paper calls them ("Action / Assigned to / Due Date / Response", "Action / Responsibility / Date /
Monitoring", "What we have committed to / Led by / Timescale", "Ref / Action / Status"), and turns
each action into one record with owner, due date, response and a status derived from it.

Real extractions break tables apart, so the reading is stateful:
- a table without column names that follows an action table continues it (a table split at a page
  break, or by an "UPDATES" block in between);
- a row with no number whose action text starts in lower case, or is empty, continues the row
  above (a cell wrapped across a page break);
- a blank meeting date or reference is "same as above";
- "Recommendation 4: ..." rows and lines group the actions that follow; "UPDATES:" blocks under a
  recommendation are the response to its actions.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from core.dates import parse_date, parse_due
from core.types import Action, ActionStatus, DocType, Document
from ingest.action_lines import line_actions, status_log_actions
from ingest.parsed import ParsedDocument
from ingest.people import people, resolve, subject_owner

# Column roles, tried in this order against a lower-cased header cell.
_ROLES: list[tuple[str, re.Pattern]] = [
    ("lead", re.compile(r"^(scrutiny lead|lead member|member lead|portfolio holder|cabinet member)")),
    ("status", re.compile(r"^(status|rag( status)?|progress status)\b")),
    ("response", re.compile(r"^(response|responses|update|updates|progress|latest update|outcome|officer response)\b")),
    ("owner", re.compile(r"^(assigned to|responsib\w*|owners?|action owner|actions? by|actioned by|by whom|led by|lead officer|lead|officer|who)\b")),
    ("due", re.compile(r"^(due|date|deadline|timescale|target|by when|completion|action date)")),
    ("reference", re.compile(r"^(ref|reference|no\.?|number|#|item|meeting|minute)\b")),
    ("action", re.compile(r"^(actions?|agreed actions?|action required|action points?|what we have committed to|commitments?|recommendations?)\b")),
    ("comment", re.compile(r"^comments?\b")),
    ("monitoring", re.compile(r"^monitor")),
]
_TRACKING = {"owner", "due", "status", "response"}
_FIELDS = _TRACKING | {"action", "reference", "lead"}
_RECOMMENDATION = re.compile(r"^\s*Recommendation\s+\d+\b", re.I)
_UPDATES = re.compile(r"^\W*[IU1l]?[IU]PDATES?\s*:?\s*$", re.I)
_NUMBER = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,2})?)[.)]?\s*$")
_RULE = re.compile(r"^[\s\-–—_|:]*$")
_CONNECTOR = re.compile(r"(?:[&,/\-–]|\b(?:and|of|for|the|to))\s*$", re.I)
_ONGOING = re.compile(r"\b(on-?going|in place)\b", re.I)
# Progress and RAG vocabularies, as logs write them.
_RESPONSE_OPEN = re.compile(
    r"^\W*(awaiting|tbc|to be confirmed|pending|not (yet )?(started|received|provided|due)|no (response|update)|outstanding|still outstanding"
    r"|overdue|open|new|red|no action( taken)?( yet)?|not actioned)\b",
    re.I,
)
_RESPONSE_DONE = re.compile(r"^\W*(complete|completed|done|closed|achieved|delivered|actioned|finished|implemented|resolved)\b", re.I)
_RESPONSE_ONGOING = re.compile(
    r"^\W*(on-?going|in progress|underway|under way|started|on track|plan in place|in hand|in-hand|carried forward|amber|progressing|continuing|work (is )?(continuing|ongoing))\b",
    re.I,
)
_STATUS_RESPONDED = re.compile(r"^\W*(responded|answered|response (given|provided|received))\b", re.I)


def action_id(document_id: str, seq: int, text: str) -> str:
    """An action's id: opaque, so the ids a caller sees do not count the actions of the same
    paper above their clearance (a001, a003: something between)."""
    digest = hashlib.sha256(f"{seq}|{text}".encode()).hexdigest()[:10]
    return f"{document_id}:a{digest}"


def _role(cell: str) -> str | None:
    text = " ".join(cell.lower().split())
    if not text:
        return None
    for role, pattern in _ROLES:
        # "Timescal e": a word broken by the extraction still names its column.
        if pattern.match(text) or pattern.match(text.replace(" ", "")):
            return role
    return None


def column_roles(header: list[str]) -> list[str | None] | None:
    """Roles of a header row's columns, or None when the row is not an action table's header."""
    roles = [_role(c) for c in header]
    filled = [c for c in header if c.strip()]
    if "action" not in roles or not (_TRACKING & set(roles)):
        return None
    # Column names are short; a data row that happens to start with "Action" is not a header.
    if any(len(c.split()) > 6 for c in filled):
        return None
    return roles


def status_from(response: str | None, status_cell: str | None, due_text: str | None) -> ActionStatus:
    """The status a response (or a status column) implies."""
    for text in (status_cell, response):
        if not text or not text.strip():
            continue
        if _RESPONSE_DONE.match(text) and len(text.split()) <= 8:
            return ActionStatus.complete
        if _RESPONSE_OPEN.match(text):
            return ActionStatus.open
        if _RESPONSE_ONGOING.match(text):
            return ActionStatus.ongoing
        if text is status_cell and not _STATUS_RESPONDED.match(text):
            return ActionStatus.ongoing  # a status we do not know ("Amber") is not an answer
        return ActionStatus.responded
    if due_text and (_ONGOING.match(due_text.strip()) or (_ONGOING.search(due_text) and parse_due(due_text) is None)):
        return ActionStatus.ongoing
    return ActionStatus.open


def _dedupe_repeat(text: str) -> str:
    """'Cath Scholefield, Head Cath Scholefield, Head' (a stacked cell read twice) -> one copy."""
    words = text.split()
    n = len(words)
    if n >= 4 and n % 2 == 0 and words[: n // 2] == words[n // 2 :]:
        return " ".join(words[: n // 2])
    return text


def _join(a: str | None, b: str) -> str:
    b = b.strip()
    if not a:
        return b.lstrip(",;&- ").strip()
    if not b:
        return a
    if a.endswith("-") and not a.endswith(" -") and b[:1].islower():
        return a[:-1] + b
    return f"{a} {b}"


@dataclass
class _Row:
    """An action being assembled from one or more table rows."""

    cells: dict[str, str]
    page: int | None
    block: int
    texts: list[str]
    recommendation: str | None
    group: int  # actions under one recommendation share its updates
    meeting: str | None


@dataclass
class ExtractedActions:
    actions: list[Action] = field(default_factory=list)
    consumed: set[tuple[int, int]] = field(default_factory=set)  # (block, row) in [header, *rows]
    anchors: dict[int, list[Action]] = field(default_factory=dict)  # block -> actions first seen there


class _Reader:
    """Walks a document's blocks in order. State: the action table in force (its column roles),
    the recommendation and group the next actions belong to, and whether an UPDATES block is being
    read."""

    def __init__(self, doc: ParsedDocument, meta: Document) -> None:
        self.doc = doc
        self.meta = meta
        self.roles: list[str | None] | None = None
        self.numbered = False
        self.tracks_response = False
        self.recommendation: str | None = None
        self.group = 0
        self.state = "rows"  # "rows" | "recommendation" | "updates"
        self.meeting: str | None = None
        self.rows: list[_Row] = []
        self.updates: dict[int, list[str]] = {}
        self.consumed: set[tuple[int, int]] = set()

    def _set_recommendation(self, text: str) -> None:
        self.recommendation = " ".join(text.split())
        self.group += 1
        self.state = "recommendation"

    def _start_updates(self) -> None:
        self.state = "updates"
        self.updates.setdefault(self.group, [])
        self.tracks_response = True

    def _end(self) -> None:
        self.roles = None
        self.recommendation = None
        self.group += 1
        self.state = "rows"

    def read(self) -> None:
        for bi, block in enumerate(self.doc.blocks):
            if block.table is None:
                if self.roles is not None:
                    self._text(block.lines)
                continue
            table = block.table
            roles = column_roles(table.header)
            if roles is not None:
                if self.roles is None or [r for r in roles if r in _FIELDS] != [r for r in self.roles if r in _FIELDS]:
                    # A new action table; the same header again is the same table on a new page.
                    self.group += 1
                    self.recommendation = None
                    self.meeting = None
                # Columns with no role of ours ("Measure", "Monitoring", "Comment") are kept
                # under their own names, for the action's passage.
                self.roles = [
                    r if r in _FIELDS else f"+{' '.join(name.split()) or 'Notes'}" for r, name in zip(roles, table.header)
                ]
                self.numbered = False
                self.tracks_response = bool({"response", "status"} & set(roles))
                self.state = "rows"
                rows = list(enumerate(table.rows, start=1))
            elif self.roles is not None and self._continues(table.header, table.rows):
                rows = list(enumerate([table.header, *table.rows]))
            else:
                if self.roles is not None:
                    self._end()
                continue
            for ri, row in rows:
                self._row(bi, ri, row, block.page)

    def _continues(self, first: list[str], rows: list[list[str]]) -> bool:
        """A table without column names continues the action table above unless it looks like a
        header of its own or is wider than the table it would continue."""
        assert self.roles is not None
        filled = [c for c in first if c.strip()]
        own_header = len(filled) >= 2 and all(len(c.split()) <= 4 and not any(ch.isdigit() for ch in c) for c in filled)
        if own_header and not any(_RECOMMENDATION.match(c) for c in filled):
            return False
        return max(len(r) for r in [first, *rows]) <= len(self.roles) + 1

    def _text(self, lines: list[str]) -> None:
        """Text between action tables: recommendations, their commentary and UPDATES blocks.
        Any other text after action rows ends the action table."""
        for line in lines:
            if _RECOMMENDATION.match(line):
                self._set_recommendation(line)
            elif _UPDATES.match(line):
                self._start_updates()
            elif self.state == "updates":
                if line.strip():
                    self.updates[self.group].append(line.strip())
            elif self.state == "rows" and line.strip():
                self._end()
                return

    def _align(self, cells: list[str]) -> dict[str, str]:
        """Cells by role. A leading item number the header has no column for is the reference; a
        short row whose last cell is a date is aligned to the right (a blank first column lost)."""
        assert self.roles is not None
        roles = list(self.roles)
        if "reference" not in roles and cells and _NUMBER.match(cells[0]) and len(cells) <= len(roles) + 1:
            self.numbered = True  # items carry numbers the header has no column for
        if self.numbered and "reference" not in roles and cells and (not cells[0] or _NUMBER.match(cells[0])):
            roles = ["reference", *roles]
        elif len(cells) == len(roles) + 1 and not cells[0] and "reference" not in roles:
            roles = ["reference", *roles]
        elif 2 <= len(cells) < len(roles) and "due" in roles and (parse_due(cells[-1]) or _ONGOING.search(cells[-1])):
            due_at = roles.index("due")
            if due_at >= len(cells) - 1:
                roles = roles[due_at - len(cells) + 1 : due_at + 1]
        out: dict[str, str] = {}
        for role, cell in zip(roles, cells):
            if role and cell:
                out[role] = _join(out.get(role), cell)
        return out

    def _row(self, bi: int, ri: int, row: list[str], page: int | None) -> None:
        assert self.roles is not None
        cells = [c.strip() for c in row]
        filled = [c for c in cells if c]
        if not filled or all(_RULE.match(c) for c in filled):
            return
        recs = [c for c in filled if _RECOMMENDATION.match(c)]
        if recs:
            self._set_recommendation(max(recs, key=len))
            return
        if _UPDATES.match(filled[0]):
            self._start_updates()
            if filled[1:]:
                self.updates[self.group].append(" ".join(filled[1:]))
            return
        if self.state == "updates":
            if len(filled) == 1:
                self.updates[self.group].append(filled[0])
                return
            # Action rows again after an UPDATES block, with no recommendation line: a new group.
            self.recommendation = None
            self.group += 1
        self.state = "rows"
        by_role = self._align(cells)
        action = by_role.get("action", "")
        reference = by_role.get("reference", "")
        ref_date = parse_date(reference) if reference else None
        if ref_date:
            self.meeting = reference
        if not action and all(k == "reference" or k.startswith("+") for k in by_role):
            return  # a meeting listed with no actions raised at it
        prev = self.rows[-1] if self.rows else None
        continues = prev is not None and prev.group == self.group and not reference and (
            not action
            or action[:1].islower()
            or action[:1] in ",;&)"
            or (len(action.split()) <= 3 and not by_role.get("due") and not prev.cells.get("action", "").rstrip().endswith((".", "!", "?")))
        )
        text = " | ".join(filled)
        if continues:
            assert prev is not None
            for role, value in by_role.items():
                if role != "reference":
                    prev.cells[role] = _join(prev.cells.get(role), value)
            prev.texts.append(text)
            self.consumed.add((bi, ri))
            return
        if not re.search(r"[A-Za-z]{3}", action):
            return
        if len(cells) >= len(self.roles) and all(k == "action" or k.startswith("+") for k in by_role):
            # Every column present and only the text filled: a group heading ("CYPE recognise the
            # importance of early years ..."), not an action.
            return
        if prev is not None and by_role.get("owner") and _CONNECTOR.search(prev.cells.get("owner", "")) and prev.block == bi:
            # The owner cell above was cut mid-name ("Acting Service Head Commissioning &"); this
            # cell finishes it, and this row shares that owner.
            prev.cells["owner"] = _join(prev.cells["owner"], by_role.pop("owner"))
        self.rows.append(_Row(by_role, page, bi, [text], self.recommendation, self.group, self.meeting))
        self.consumed.add((bi, ri))

    def _mend_split_owners(self) -> None:
        """An owner cell split over two rows ("Cath Scholefield Service Head Adult" / "Social
        Care") is rejoined when the joined name is one the same paper uses elsewhere."""
        def norm(s: str) -> str:
            return " ".join(re.findall(r"[a-z0-9]+", s.lower()))

        owners = [norm(_dedupe_repeat(r.cells["owner"])) for r in self.rows if r.cells.get("owner")]
        known = set(owners)
        for prev, row in zip(self.rows, self.rows[1:]):
            a, b = prev.cells.get("owner"), row.cells.get("owner")
            # b must not be a whole owner the paper names on some other row itself.
            if a and b and prev.group == row.group and owners.count(norm(b)) <= 1 and norm(f"{a} {b}") in known:
                prev.cells["owner"] = f"{a} {b}"
                del row.cells["owner"]

    def records(self) -> ExtractedActions:
        self._mend_split_owners()
        known = people(self.doc.plain_text(max_pages=3))
        self.known = known
        out = ExtractedActions(consumed=self.consumed)
        updates = {g: " ".join(lines) for g, lines in self.updates.items() if lines}
        previous: _Row | None = None
        for row in self.rows:
            cells = row.cells
            if previous is not None and previous.group == row.group and not cells.get("owner") and previous.cells.get("owner"):
                # A blank owner under a merged cell is "same as above"; so is the date when the
                # row has neither.
                cells["owner"] = previous.cells["owner"]
                for role in ("due", "lead"):
                    if not cells.get(role) and previous.cells.get(role):
                        cells[role] = previous.cells[role]
            previous = row
            response = cells.get("response") or updates.get(row.group)
            due_text = cells.get("due")
            meeting = (parse_date(row.meeting) if row.meeting else None) or self.meta.meeting_date
            reference = cells.get("reference")
            if reference and parse_date(reference):
                reference = None
            number = _NUMBER.match(reference or "")
            owner = _dedupe_repeat(cells["owner"]) if cells.get("owner") else subject_owner(cells["action"])
            owner, initials = resolve(owner, known)
            details = {k[1:]: v for k, v in cells.items() if k.startswith("+") and v}
            if initials and owner != initials:
                details["Owner as written"] = initials
            action = Action(
                id=action_id(self.meta.id, len(out.actions), cells["action"]),
                document_id=self.meta.id,
                action=cells["action"],
                source=self.meta.source,
                page=row.page,
                row_text="\n".join(row.texts),
                committee=self.meta.committee,
                meeting_date=meeting,
                reference=number.group(1) if number else (reference or None),
                recommendation=row.recommendation,
                owner=owner,
                lead=cells.get("lead"),
                due_date=parse_due(due_text, meeting.year if meeting else None) if due_text else None,
                due_text=due_text,
                response=response,
                status=status_from(response, cells.get("status"), due_text),
                tracks_response=self.tracks_response,
                classification=self.meta.classification,
                details=details,
            )
            out.actions.append(action)
            out.anchors.setdefault(row.block, []).append(action)
        return out

    def status_log_records(self, out: ExtractedActions) -> None:
        """A log with no action table: lines or boxes each ending in a status (ingest.action_lines)."""
        for bi, text, owner, status in status_log_actions(self.doc):
            name, initials = resolve(owner, self.known)
            self._add_text_action(out, bi, text, name, initials, status_from(None, status, None), tracks=True, status_text=status)

    def _add_text_action(self, out, bi, text, owner, initials, status, tracks=False, status_text=None) -> None:
        block = self.doc.blocks[bi]
        details = {"Owner as written": initials} if initials and owner != initials else {}
        action = Action(
            id=action_id(self.meta.id, len(out.actions), text),
            document_id=self.meta.id,
            action=text,
            source=self.meta.source,
            page=block.page,
            row_text=f"{text} {status_text}" if status_text else text,
            committee=self.meta.committee,
            meeting_date=self.meta.meeting_date,
            owner=owner,
            response=status_text,
            status=status,
            tracks_response=tracks,
            classification=self.meta.classification,
            details=details,
        )
        out.actions.append(action)
        out.anchors.setdefault(bi, []).append(action)

    def text_records(self, out: ExtractedActions) -> None:
        """Actions written in the text (minutes, a clerk's report, a log without a table)."""
        taken = {" ".join(re.findall(r"[a-z0-9]+", a.action.lower()))[:60] for a in out.actions}
        for bi, text, owner, initials in line_actions(self.doc, self.known, taken, minutes=self.meta.doc_type is DocType.minutes):
            self._add_text_action(out, bi, text, owner, initials, ActionStatus.open)


def extract_actions(doc: ParsedDocument, meta: Document) -> ExtractedActions:
    """Every action in a cleaned document's action tables, in reading order, then (in minutes,
    agendas and action logs) those written in its text (ingest.action_lines). Owners written as
    initials become the names the paper's attendance gives; an action with no owner column is
    owned by its subject ("Department for Transport to develop ...")."""
    reader = _Reader(doc, meta)
    reader.read()
    out = reader.records()
    if meta.doc_type is DocType.action_log and not out.actions:
        reader.status_log_records(out)
    if meta.doc_type in (DocType.minutes, DocType.agenda, DocType.action_log):
        reader.text_records(out)
    return out


def action_passage(action: Action) -> str:
    """The text that indexes an action for ordinary search (and that a citation shows). Kept short:
    a long update shared by several actions would otherwise make every one of them match every
    question about its topic; the full response is in the record and in the paper's own text."""
    head = "Action"
    if action.reference:
        head += f" {action.reference}"
    where = ", ".join(
        p for p in [action.committee, action.meeting_date.strftime("%-d %B %Y") if action.meeting_date else None] if p
    )
    if where:
        head += f" ({where})"
    parts = [f"{head}: {action.action}"]
    if action.owner:
        parts.append(f"Owner: {action.owner}")
    if action.lead:
        parts.append(f"Lead member: {action.lead}")
    if action.due_text:
        parts.append(f"Due: {action.due_text}")
    parts.extend(f"{name}: {_clip(value, 60)}" for name, value in action.details.items())
    parts.append(f"Status: {action.status.value}")
    if action.response:
        parts.append(f"Response: {_clip(action.response, 20)}")
    return "\n".join(parts)


def _clip(text: str, words: int) -> str:
    w = text.split()
    return text if len(w) <= words else " ".join(w[:words]) + " …"
