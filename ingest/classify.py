"""Who may see a paper, and which of its sections, from the paper's own markings.

A paper or section is protected when it is **marked** so, never because it mentions, lists or
answers "No" to exemption. Councils mark in a handful of ways, whatever their template:

- a front-sheet field: "Classification: Restricted", "Status: Unrestricted", "Exempt information?
  Yes – paragraph 3", "Is the decision exempt? No", "Confidential: No", "Gwybodaeth eithriedig?
  Nac oes" (Welsh);
- a marking line at the top of the paper, or in its running header or footer: "NOT FOR
  PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A", "EXEMPT", "CONFIDENTIAL",
  "OFFICIAL-SENSITIVE", "RESTRICTED", "NID I'W GYHOEDDI" / "EITHRIEDIG" (Welsh), "... Schedule 7A"
  (Scotland); "OFFICIAL", "UNCLASSIFIED", "Agored / Open" mark a paper public;
- the paper saying so of itself: "This report contains exempt information";
- a marked section: an appendix or annex headed "Appendix 2 – Exempt", a "PART II" report in an
  agenda pack, a "CONFIDENTIAL – NOT FOR PUBLICATION" item in minutes, pages whose running
  header says "OFFICIAL-SENSITIVE". It runs to the next appendix, "Part I", or the public being
  readmitted, or to the end.

What does not mark anything: a list of appendices naming "Appendix E – Exempt Information" (the
appendix is not in the file), a forward plan's "Part exempt" or "Exempt – para 3" against a future
item, an agenda's Part II heading over item titles only (an agenda lists, it does not publish), a
resolution to exclude the public, a policy that quotes Schedule 12A. A paper with no marking is
`access.unmarked` (public); where a line looks like a marking but is not taken as one, the ingest
report quotes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.types import Classification, DocType
from ingest.parsed import Block, ParsedDocument

EXEMPT, RESTRICTED, PUBLIC = Classification.exempt, Classification.restricted, Classification.public

# A marking line: what it says, at the start of a short line.
_MARKS: list[tuple[Classification, re.Pattern]] = [
    (EXEMPT, re.compile(r"^\W*not\s+for\s+(?:publication|publishing)\b", re.I)),
    (EXEMPT, re.compile(r"^\W*nid\s+i['’]?w\s+gyhoeddi\b", re.I)),
    (EXEMPT, re.compile(r"^\W*(?:exempt|eithriedig)\b(?!\s+(?:from|items?\b|information\s*\?))", re.I)),
    (EXEMPT, re.compile(r"^\W*(?:strictly\s+)?(?:private\s+and\s+)?confidential\b(?!\s*[:?\t]?\s*(?:no|none|n/?a)\b)(?!\s+(?:information|items?)\s*\?)", re.I)),
    (EXEMPT, re.compile(r"^\W*private\s+(?:item|business|session|report|and\s+confidential)\b", re.I)),
    (EXEMPT, re.compile(r"^\W*closed\s+session\b", re.I)),
    # Welsh: confidential, private, an exempt report or item ("Adroddiad Eithriedig").
    (EXEMPT, re.compile(r"^\W*(?:cyfrinachol|preifat|(?:adroddiad|eitem|atodiad|gwybodaeth)\s+(?:[\w.]+\s+)?(?:eithriedig|cyfrinachol))\b", re.I)),
    (RESTRICTED, re.compile(r"^\W*official[\s\-‐‑–—]*sensitive\b", re.I)),
    (RESTRICTED, re.compile(r"^\W*(?:restricted|cyfyngedig)\b(?!\s+items?\b)", re.I)),
]
_PUBLIC_MARK = re.compile(
    r"^\W*(?:official|unclassified|unrestricted|not\s+protectively\s+marked|open|agored)(?:\s*[/|–-]\s*(?:open|agored|official))?\W*$", re.I
)
_LABEL = re.compile(r"^(?:classification|security\s+classification|protective\s+marking|marking|status|dosbarthiad)\s*[:\t]\s*\[?\s*(.+)$", re.I)
_QUESTION = re.compile(
    r"^(?:(?:does|do|will)\s+(?:this|the)\s+(?:report|paper|decision|item)\s+)?(?:contains?\s+|includes?\s+)?(?:any\s+)?"
    r"(?:exempt|confidential|restricted)(?:\s+(?:or\s+confidential\s+)?information)?"
    r"(?:\s+(?:in|within|included\s+in)\s+(?:this|the)\s+(?:report|paper|decision|item))?\s*[?:\t]\s*(.*)$"
    r"|^is\s+(?:the|this)\s+(?:decision|report|item|paper)\s+(?:exempt|confidential)\s*\??\s*[:\t]?\s*(.*)$"
    r"|^gwybodaeth\s+eithriedig\s*\??\s*[:\t]?\s*(.*)$",
    re.I,
)
_YES = re.compile(r"^\W*(?:yes|oes|y)\b", re.I)
_NO = re.compile(r"^\W*(?:no|none|n/?a|nac\s+oes|not\s+applicable|not\s+exempt)\b", re.I)
_SELF = re.compile(
    r"\b(?:this|the\s+attached|the\s+following)\s+(?:report|paper|document|appendix|annex|item|decision|record|note|minute|briefing|letter)(?:\s+and\s+(?:its|the)\s+appendices)?"
    r"\s+(?:(?:contains|includes|is|are)\s+(?:exempt|confidential|restricted)|is\s+not\s+for\s+publication)\b",
    re.I,
)
_SELF_NEGATED = re.compile(
    r"\b(?:this|the)\s+(?:report|paper|document|decision)\s+(?:does\s+not\s+contain|contains\s+no|is\s+not)\s+(?:any\s+)?(?:exempt|confidential)",
    re.I,
)

# A line opening a section that may be marked, and one that opens the next section.
_APPENDIX = re.compile(r"^\W*(?:exempt\s+|confidential\s+|restricted\s+)?(?:appendix|annex|annexe|enclosure|schedule|atodiad)\s+[\w.]+", re.I)
_APPENDIX_MARKED = re.compile(
    r"^\W*(?:(?:exempt|confidential|restricted)\s+(?:appendix|annex|annexe)\b"
    r"|(?:appendix|annex|annexe|atodiad)\s+[\w.]+\b.{0,60}?\b(?:exempt|confidential|not\s+for\s+publication|official[\s\-‐–]*sensitive|restricted|eithriedig|cyfrinachol|nid\s+i['’]?w\s+gyhoeddi)\b)",
    re.I,
)
_PART_TWO = re.compile(
    r"^\W*part\s+(?:ii|2|two|b)\b\s*(?:$|[-–—:(]?\s*(?:items?\b|business\b|reports?\b|exempt|confidential|private|not\s+for\s+publication|closed|.*\b(?:press|public)\b))",
    re.I,
)  # "PART II", "Part 2 – exempt items"; not "Part B: Structural model evaluation" (a report's own part)
_PART_ONE = re.compile(
    r"^\W*(?:part\s+(?:i|1|one|a)\b(?!\w)|(?:un)?restricted\s+items|open\s+(?:session|business)"
    r"|resumption\s+of\s+public\s+business|.*\b(?:public|press)\b.{0,30}\b(?:were|was)\s+(?:re-?admitted|invited\s+back|readmitted))",
    re.I,
)
_SECTION_ITEMS = re.compile(r"^\W*(?:exempt|confidential|restricted|private)\s+(?:items?|business)\b", re.I)
# An item's own heading marked at its end: "6. Land at Kirkton Road (Exempt – paragraph 9)",
# "Item 7 – Private", "Staffing restructure – Not for publication".
_MARKED_ITEM = re.compile(
    r"^\W*(?:\d+[.)]?\s+|(?:agenda\s+)?item\s+\d+\w*\s*[-–—:.]?\s*)?[A-Z][^()]{2,90}?\s*(?:[-–—:]\s*|\()"
    r"(?:exempt|private|confidential|not\s+for\s+publication|eithriedig|preifat)\b[^()]{0,60}\)?\W*$"
    r"|^\W*(?:agenda\s+)?item\s+\d+\w*\s*[-–—:.]\s*(?:private|exempt|confidential|not\s+for\s+publication)\b",
    re.I,
)
# In papers sent for a meeting (not its minutes), a statement that the public will be excluded for the
# item(s) that follow: what follows is the private business ("... during consideration of the
# following item of business as it contains exempt information as described in paragraph 8 of
# Part I of Schedule 7A"). Minutes only record that the public were excluded.
_PRIVATE_FOLLOWS = re.compile(
    r"\b(?:exclude|excluded|exclusion\s+of)\b.{0,80}\b(?:public|press)\b.{0,160}\b(?:following|next|remaining)\s+(?:items?|business|reports?)\b"
    r"|\b(?:following|next|remaining)\s+(?:items?|business|reports?)\b.{0,120}\b(?:in\s+private|exempt\s+information)\b",
    re.I,
)
_LOOKS_LIKE_A_MARKING = re.compile(r"\b(?:exempt|not\s+for\s+publication|confidential|official[\s\-‐–]*sensitive|restricted|schedule\s+(?:12a|7a))\b", re.I)

FRONT_LINES = 15  # lines of the first page a paper's own marking sits in
MIN_SECTION_WORDS = 8  # a marked section without one sentence or table cell of content (item titles only) protects nothing


@dataclass(frozen=True)
class Marking:
    level: Classification
    line: str


_MARK_WORDS = (
    r"not\s+for\s+(?:publication|publishing)|nid\s+i['’]?w\s+gyhoeddi|exempt(?:\s+(?:information|report|appendix|item|annex))?|eithriedig"
    r"|(?:strictly\s+)?(?:private\s+and\s+)?confidential|private(?:\s+(?:item|business|session|report))?|official[\s\-‐‑–—]*sensitive"
    r"|closed\s+session|cyfrinachol|preifat|(?:adroddiad|eitem|atodiad|gwybodaeth)\s+(?:[\w.]+\s+)?(?:eithriedig|cyfrinachol)"
    r"|restricted|cyfyngedig|part\s+(?:ii|2|two|b)"
)
# A marking line says its marking and nothing else but where it comes from: "EXEMPT – NOT FOR
# PUBLICATION", "NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A",
# "CONFIDENTIAL (paragraph 5)"; not a title that names a marking ("OFFICIAL-SENSITIVE papers:
# how we handle them").
_MARKED_NOUNS = (
    r"(?:\s+(?:cabinet|member|members|officer|executive|key|delegated|portfolio|holder|individual|committee|council|board))*"
    r"\s+(?:decision|decisions|record|report|paper|papers|document|minutes|annex|annexe|appendix|item|items|information|business|session|matter|notice|extract|letter|briefing)"
)
_MARKING_LINE = re.compile(
    rf"^\W*(?:{_MARK_WORDS})(?:{_MARKED_NOUNS}){{0,2}}(?:\s*[-–—:,/|&]\s*(?:{_MARK_WORDS})(?:{_MARKED_NOUNS}){{0,2}}|\s+and\s+(?:{_MARK_WORDS}))*\W*"
    r"(?:(?:by\s+virtue\s+of|under|in\s+accordance\s+with|within\s+the\s+meaning\s+of|as\s+defined\s+in|paragraphs?|para\.?|schedule|section|category|under\s+paragraph|yn\s+rhinwedd|paragraff)\b.*)?$",
    re.I,
)


def _mark_of(line: str) -> Classification | None:
    """The level a marking line gives (public for a public marking), or None."""
    if len(line.split()) > 28:
        return None
    if _MARKING_LINE.match(line):
        for level, pattern in _MARKS:
            if pattern.match(line):
                return level
        if _PART_TWO.match(line):
            return EXEMPT
    if _PUBLIC_MARK.match(line):
        return PUBLIC
    return None


def _label_level(value: str) -> Classification | None:
    value = value.lower().strip(" ]")
    if re.match(r"^(?:unrestricted|public|official(?!\s*[-‐–—]?\s*sensitive)|open|unclassified|not protectively marked|agored)\b", value):
        return PUBLIC
    if re.match(r"^(?:official\s*[-‐–—]?\s*sensitive|restricted|cyfyngedig)\b", value):
        return RESTRICTED
    if re.match(r"^(?:exempt|confidential|not for publication|part (?:ii|2)|private)\b", value):
        return EXEMPT
    return None


def _field_marking(lines: list[str], i: int) -> Classification | None:
    """The level a front-sheet field on line i gives: a classification label, or an exempt question
    answered Yes or No (the answer on the same line or the next)."""
    line = lines[i].replace("\t", ": ", 1)
    m = _LABEL.match(line)
    if m:
        return _label_level(m.group(1))
    m = _QUESTION.match(line)
    if m:
        answer = next((g for g in m.groups() if g is not None), "").strip()
        if not answer and i + 1 < len(lines):
            answer = lines[i + 1]
        if _YES.match(answer):
            return RESTRICTED if re.search(r"\brestricted\b", line, re.I) else EXEMPT
        if _NO.match(answer):
            return PUBLIC
    return None


def _lines_of(doc: ParsedDocument, page: int | None = None) -> list[str]:
    out = []
    for b in doc.blocks:
        if page is not None and b.page is not None and b.page > page:
            break
        out.extend(b.lines if b.table is None else ["\t".join(row) for row in [b.table.header, *b.table.rows]])
    return ["\t".join(" ".join(cell.split()) for cell in ln.split("\t")).strip("\t ") for ln in out if ln.strip()]


def detect_classification(doc: ParsedDocument) -> tuple[Classification | None, str]:
    """The paper's own marking and the line it was read from; (None, "") when it carries none.
    Read from the front sheet's fields, marking lines at the top of the first page, the running
    header or footer of most pages, and what the paper says of itself; the most protective
    wins."""
    first_page = doc.blocks[0].page if doc.blocks else None
    lines = _lines_of(doc, first_page if first_page is not None else None)[:80]
    found: list[Marking] = []
    # A paper's marking sits above its text: a marking-like line after the first sentence of
    # prose is a quotation or an example, not the paper's own.
    # It ends at the first sentence, numbered section or appendix heading.
    body = next(
        (
            i for i, ln in enumerate(lines)
            if (len(ln.split()) >= 8 and _SENTENCE_END.search(ln)) or _APPENDIX.match(ln)
            or (re.match(r"^\d+(?:\.\d+)*\.?\s+[A-Z]", ln) and len(ln.split()) <= 10)
        ),
        len(lines),
    )
    front = min(FRONT_LINES, body)
    # ... or at the foot of a one-page PDF (a decision notice's footer: no other page repeats it)
    if doc.fmt == "pdf" and doc.pages == 1 and len(lines) > front:
        footer = set(range(max(front, len(lines) - 2), len(lines)))
    else:
        footer = set()
    for i, line in enumerate(lines):
        level = _field_marking(lines, i)
        if level is not None:
            found.append(Marking(level, line))
            continue
        if i < front or i in footer:
            level = _mark_of(line)
            if level is not None:
                found.append(Marking(level, line))
                continue
        if _SELF_NEGATED.search(line):
            found.append(Marking(PUBLIC, line))
        elif _SELF.search(line):
            found.append(Marking(RESTRICTED if re.search(r"\brestricted\b", line, re.I) else EXEMPT, line))
    pages = sorted({b.page for b in doc.blocks if b.page})
    edge_marks = {p: _edge_level(doc, p) for p in pages}
    marked_pages = [p for p, m in edge_marks.items() if m is not None and m.level.level > 0]
    if pages and (edge_marks.get(pages[0]) is not None or len(marked_pages) * 2 >= len(pages)):
        first = edge_marks.get(pages[0]) or edge_marks[marked_pages[0]]
        found.append(first)
    for line in doc.running_lines:
        level = _mark_of(line)
        if level is not None:
            found.append(Marking(level, line))
    if not found:
        return None, ""
    best = max(found, key=lambda m: m.level.level)
    return best.level, best.line


def _edge_level(doc: ParsedDocument, page: int) -> Marking | None:
    """The marking a page's running header or footer carries (the most protective)."""
    marks = [Marking(level, ln) for ln in doc.removed_edges.get(page, []) if (level := _mark_of(ln)) is not None]
    return max(marks, key=lambda m: m.level.level) if marks else None


_SENTENCE_END = re.compile(r"[a-z)%][.!?]['’\")]*$|[a-z)%][.!?]\s+[A-Z]")  # not "7. Disposal of land"
# The standard resolution to exclude the public says nothing protected itself.
# The standard resolution to exclude the public, a note that there are no exempt items, and a
# public record that an exempt item was taken ("considered a confidential report; a separate
# confidential minute has been prepared") say nothing protected themselves.
_EXCLUSION = re.compile(
    r"\b(?:public|press)\b.{0,60}\bexcluded\b|\bexclude\s+the\s+(?:press|public)\b|\bin\s+the\s+absence\s+of\s+the\s+(?:press|public)\b"
    r"|\bno\s+(?:exempt|confidential|private|restricted)\s+items\b|\blikely\s+(?:not\s+)?to\s+be\s+open\s+to\s+the\s+public\b"
    r"|\bconsidered\s+(?:a|an|the)\s+(?:confidential|exempt|private|restricted)\s+(?:report|item|paper)\b"
    r"|\bseparate\s+(?:confidential|exempt|private|restricted)\s+(?:minute|record|note)\b",
    re.I,
)
# A page opening with a new item, report or appendix ends a marked part carried over from the page before.
_NEW_ITEM = re.compile(r"^\W*(?:agenda\s+item|item)\s+\d+|^\W*(?:appendix|annex|annexe)\s+[\w.]+|^\W*report\s+(?:of|to|by)\b", re.I)


_MARKING_REASON = re.compile(r"^\W*(?:by\s+virtue\s+of|under\s+paragraph|paragraphs?\s+\d|as\s+defined\s+in|yn\s+rhinwedd)\b", re.I)


def _content_words(doc: ParsedDocument, indices: list[int], listing: bool = True) -> int:
    """What a section says beyond its heading: the words of its sentences and table cells (an
    agenda's item titles are not sentences). `listing` False (a report, an appendix pack): every
    word counts, bullets of figures included; only an agenda or minutes lists items by title."""
    total = 0
    for n, i in enumerate(indices):
        b = doc.blocks[i]
        if b.table is not None:
            total += sum(len(c.split()) for row in b.table.rows for c in row)
            continue
        for k, line in enumerate(b.lines):
            if n == 0 and k == 0:
                continue  # the heading itself
            if _EXCLUSION.search(line) or _MARKING_LINE.match(line) or _MARKING_REASON.match(line):
                continue  # the marking and the paragraph it cites are not what the section says
            if not listing or (len(line.split()) >= 8 and _SENTENCE_END.search(line)):
                total += len(line.split())
    return total


def section_classifications(
    doc: ParsedDocument, doc_type: DocType | None = None
) -> tuple[dict[int, Classification], list[str]]:
    """Blocks (by index) inside a marked section, and notes for the ingest report on lines that
    look like markings but were not taken as one.

    A section opens at a marked appendix or annex heading, a Part II heading, a marking line that
    heads a block (near the top of a page, in a paged paper), or a page whose running header or
    footer is marked when the first page's is not. It closes at the next unmarked appendix or
    annex, Part I, the public's readmission, the first unmarked page after header-marked ones, or
    the end. A forward plan has none (it lists decisions to come); a marked line that is one of a
    list (of appendices) opens none; a section whose content is under MIN_SECTION_WORDS words of
    sentences or table cells (an agenda's Part II item titles) protects nothing."""
    out: dict[int, Classification] = {}
    notes: list[str] = []
    if doc_type is DocType.forward_plan:
        return out, _mention_notes(doc, set())
    _split_at_markings(doc)
    pages = sorted({b.page for b in doc.blocks if b.page})
    edge = {p: _edge_level(doc, p) for p in pages}
    first_edge = edge.get(pages[0]) if pages else None
    paper_marked_on_every_page = first_edge is not None and first_edge.level.level > 0
    taken: set[str] = set()
    current: list = []  # [level, line, opened by: False | "page" (a page header) | "section" (a Word section header), member block indices]
    position: dict[int | None, int] = {}

    def close() -> None:
        if current:
            level, line, _, members = current
            if _content_words(doc, members, listing=doc_type in (DocType.agenda, DocType.minutes, None)) < MIN_SECTION_WORDS:
                notes.append(f"'{line[:80]}' heads only a few words (item titles): nothing marked")
            elif _about_markings(doc, members):
                notes.append(f"'{line[:80]}' heads a passage about markings, not a marked one: nothing marked")
            else:
                out.update({i: level for i in members})
                taken.add(line)
            current.clear()

    for i, block in enumerate(doc.blocks):
        page = block.page
        at = position.get(page, 0)
        position[page] = at + 1
        if current and not current[2] and page is not None and at == 0 and current[3] and doc.blocks[current[3][-1]].page != page:
            lead = next((ln for ln in block.lines if ln.strip()), "") if block.table is None else ""
            if (block.heading_level or _NEW_ITEM.match(lead)) and not _opens_or_closes(lead):
                close()  # a new item or report opens this page: the marked part ended with the last
        mark = edge.get(page) if page is not None and not paper_marked_on_every_page else None
        marked_page = mark is not None and mark.level.level > 0
        if current and current[2] == "page" and not marked_page:
            close()  # the run of pages with a marked header has ended
        if marked_page and current[2:3] != ["page"]:
            close()
            current[:] = [mark.level, mark.line, "page", []]
        if block.edge:  # a Word section's header and footer: like a page's running lines
            level = max((m for ln in block.lines if (m := _mark_of(ln)) is not None), key=lambda c: c.level, default=None)
            if current and current[2] == "section":
                close()
            if level is not None and level.level > 0 and any(not b.edge for b in doc.blocks[:i]):
                current[:] = [level, next(ln for ln in block.lines if _mark_of(ln) == level), "section", []]
            continue
        if not (current and current[2]):
            lines = block.lines if block.table is None else [block.table.title or ""]
            first = next((ln for ln in lines if ln.strip()), "")
            if first and len(first.split()) <= 16:
                opens = None
                as_heading = bool(block.heading_level) or re.match(r"^\W*(?:\d+[.)]|(?:agenda\s+)?item\s+\d+)", first, re.I) or (page is not None and at < 3)
                if _APPENDIX_MARKED.match(first) or _PART_TWO.match(first) or _SECTION_ITEMS.match(first) or (as_heading and _MARKED_ITEM.match(first)):
                    opens = _level_in(first)
                elif (page is None or at < 3 or block.heading_level) and _mark_of(first) not in (None, PUBLIC):
                    opens = _mark_of(first)
                elif doc_type is not DocType.minutes and _PRIVATE_FOLLOWS.search(" ".join(lines)):
                    opens = EXEMPT
                    first = next((ln for ln in lines if _PRIVATE_FOLLOWS.search(ln)), first)
                if opens is not None and _APPENDIX.match(first) and _is_listed(doc, i):
                    notes.append(f"'{first[:80]}' is one of a list (of appendices), not the heading of one: nothing marked")
                    opens = None
                if opens is not None and current and opens == current[0]:
                    pass  # the section's marking repeated (at the foot of its page): the same section
                elif opens is not None:
                    close()
                    current[:] = [opens, first, False, []]
                elif current and _PART_ONE.match(first):
                    close()
                elif current and _APPENDIX.match(first) and not _APPENDIX_MARKED.match(first):
                    # The next appendix closes a marked one; an appendix heading right under a
                    # marking ("EXEMPT – NOT FOR PUBLICATION" then "Appendix 2 – Tender results")
                    # is the marked one's own.
                    if _content_words(doc, current[3], listing=doc_type in (DocType.agenda, DocType.minutes, None)) >= MIN_SECTION_WORDS:
                        close()
        if current:
            current[3].append(i)
    close()
    return out, notes + _mention_notes(doc, taken)


def _about_markings(doc: ParsedDocument, indices: list[int]) -> bool:
    """Whether a section speaks of markings rather than being marked (guidance, procedure rules):
    half its sentences name a marking or exemption themselves. What an exempt appendix says (the
    bids, the rent, the caution) seldom names its own exemption."""
    paragraphs = [
        [ln for ln in doc.blocks[i].lines if len(ln.split()) >= 8 and not _MARKING_LINE.match(ln)]
        for i in indices[1:]
        if doc.blocks[i].table is None
    ]
    paragraphs = [p for p in paragraphs if p]
    if len(paragraphs) < 2:
        return False
    names = re.compile(r"\b(?:exempt|exemption|confidential|not\s+for\s+publication|official[\s\-‐–]*sensitive|schedule\s+(?:12a|7a))\b", re.I)
    about = sum(any(names.search(ln) for ln in p) for p in paragraphs)
    return about * 2 >= len(paragraphs)


def _opens_or_closes(line: str) -> bool:
    short = len(line.split()) <= 16
    return short and bool(
        _APPENDIX_MARKED.match(line) or _PART_TWO.match(line) or _SECTION_ITEMS.match(line) or _MARKED_ITEM.match(line)
        or _mark_of(line) not in (None, PUBLIC) or _PART_ONE.match(line)
    ) or bool(_PART_ONE.match(line))


def _split_at_markings(doc: ParsedDocument) -> None:
    """A marking line inside a block of lines ("The public and press were excluded at 7.42pm." /
    "CONFIDENTIAL – NOT FOR PUBLICATION" / the item's text) starts a block of its own, and so does
    the line that ends a marked part (the public readmitted), so that each side is classified
    on its own."""
    out: list = []
    for b in doc.blocks:
        if b.table is not None or len(b.lines) < 2:
            out.append(b)
            continue
        cuts = [k for k, line in enumerate(b.lines) if k and _opens_or_closes(line)]
        if not cuts:
            out.append(b)
            continue
        bounds = [0, *cuts, len(b.lines)]
        for start, end in zip(bounds, bounds[1:]):
            out.append(Block(page=b.page, lines=b.lines[start:end], heading_level=b.heading_level if start == 0 else None, ocr=b.ocr))
    doc.blocks = out


def _level_in(line: str) -> Classification:
    if re.search(r"official[\s\-‐–]*sensitive|\brestricted\b", line, re.I) and not re.search(r"exempt|not for publication|confidential", line, re.I):
        return RESTRICTED
    return EXEMPT


def _is_listed(doc: ParsedDocument, i: int) -> bool:
    """Whether block i's first line is one entry of a list: the next line (in the block or the
    next block) is another appendix, annex or item entry."""
    block = doc.blocks[i]
    if block.table is None and block.lines and len(re.findall(r"\b(?:appendix|annex)\s+\w", block.lines[0], re.I)) >= 2:
        return True  # "Appendix 1 - ... Appendix 2 - ... (exempt) Appendix 3 - ..." on one line
    following = block.lines[1:2] if block.table is None and len(block.lines) > 1 else []
    if not following and i + 1 < len(doc.blocks) and doc.blocks[i + 1].table is None:
        following = doc.blocks[i + 1].lines[:1]
    previous = []
    if i > 0 and doc.blocks[i - 1].table is None and doc.blocks[i - 1].lines:
        previous = doc.blocks[i - 1].lines[-1:]
    return any(_APPENDIX.match(ln) for ln in following + previous)


def _mention_notes(doc: ParsedDocument, taken: set[str]) -> list[str]:
    """Lines that speak of exemption without marking anything (the first two), for the report."""
    notes = []
    for b in doc.blocks:
        for line in b.lines if b.table is None else []:
            if len(notes) >= 2:
                return notes
            if line in taken or len(line.split()) > 30:
                continue
            if _APPENDIX_MARKED.match(line) or _PART_TWO.match(line) or (_LOOKS_LIKE_A_MARKING.search(line) and _mark_of(line) not in (None, PUBLIC)):
                where = f"page {b.page}: " if b.page else ""
                notes.append(f"{where}'{line[:80]}' speaks of protected information but marks nothing here: kept as the paper is")
    return notes
