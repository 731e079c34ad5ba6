#!/usr/bin/env python3
"""Generate the invented example committee papers used for the demo.

Run from the repository root:

    .venv/bin/python examples/make_examples.py

Everything is written to ``examples/papers/``. The output is deterministic:
running the script twice produces byte-identical files.

All content is fictional. "Northmoor Borough Council" does not exist and every
person named in these papers is invented.
"""

from __future__ import annotations

import io
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

OUT_DIR = Path(__file__).resolve().parent / "papers"

COUNCIL = "Northmoor Borough Council"
FIXED_PDF_DATE = "D:20250101090000Z"

A4_PORTRAIT = (595.0, 842.0)
A4_LANDSCAPE = (842.0, 595.0)

REGULAR = pymupdf.Font("helv")
BOLD = pymupdf.Font("hebo")
GREY = (0.35, 0.35, 0.35)
BLACK = (0, 0, 0)


# ---------------------------------------------------------------------------
# A tiny flowing-layout engine on top of pymupdf
# ---------------------------------------------------------------------------


def wrap(text: str, width: float, font: pymupdf.Font, size: float) -> list[str]:
    """Greedy word wrap. Explicit newlines start a new line."""
    lines: list[str] = []
    for raw in text.split("\n"):
        words = raw.split(" ")
        cur = ""
        for word in words:
            trial = word if not cur else f"{cur} {word}"
            if font.text_length(trial, fontsize=size) <= width or not cur:
                cur = trial
            else:
                lines.append(cur)
                cur = word
        lines.append(cur)
    return lines


@dataclass
class Cell:
    text: str
    bold: bool = False


@dataclass
class FlowPDF:
    """Very small document builder: paragraphs, headings and ruled tables.

    Text is written with TextWriter using MuPDF's built-in Helvetica clones so
    that en dashes, pound signs and curly quotes survive text extraction.
    """

    page_size: tuple[float, float]
    margin_left: float = 62.0
    margin_right: float = 62.0
    margin_top: float = 72.0
    margin_bottom: float = 66.0
    size: float = 10.5
    leading: float = 13.6
    running_header: str | None = None
    footer_format: str | None = "Page {n}"
    doc: pymupdf.Document = field(default_factory=pymupdf.open)
    split_paragraphs: list[str] = field(default_factory=list)
    split_rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.writers: list[dict[tuple, pymupdf.TextWriter]] = []
        self.page = None
        self.y = 0.0
        self.new_page()

    # -- basics -------------------------------------------------------------
    @property
    def width(self) -> float:
        return self.page_size[0] - self.margin_left - self.margin_right

    @property
    def bottom(self) -> float:
        return self.page_size[1] - self.margin_bottom

    def new_page(self) -> None:
        w, h = self.page_size
        self.page = self.doc.new_page(width=w, height=h)
        self.writers.append({})
        if self.running_header:
            self.text(self.margin_left, 40, self.running_header, size=8.5, color=GREY)
            self.page.draw_line(
                (self.margin_left, 46), (w - self.margin_right, 46), color=GREY, width=0.5
            )
        self.y = self.margin_top

    def text(self, x, y, s, bold=False, size=None, color=BLACK) -> None:
        size = size or self.size
        key = (color,)
        writers = self.writers[-1]
        if key not in writers:
            writers[key] = pymupdf.TextWriter(self.page.rect, color=color)
        writers[key].append((x, y), s, font=BOLD if bold else REGULAR, fontsize=size)

    def space(self, pts: float) -> None:
        self.y += pts

    def ensure(self, pts: float) -> None:
        if self.y + pts > self.bottom:
            self.new_page()

    # -- flowing text -------------------------------------------------------
    def para(
        self,
        text: str,
        number: str | None = None,
        indent: float = 0.0,
        hang: float = 30.0,
        bold: bool = False,
        size: float | None = None,
        after: float = 6.0,
        keep_lines: int = 2,
    ) -> None:
        size = size or self.size
        leading = self.leading * size / self.size
        font = BOLD if bold else REGULAR
        x_text = self.margin_left + indent + (hang if number else 0.0)
        lines = wrap(text, self.margin_left + self.width - x_text, font, size)
        self.ensure(leading * min(keep_lines, len(lines)))
        first = True
        page_started = len(self.doc)
        for line in lines:
            if self.y + leading > self.bottom:
                self.new_page()
            self.y += leading
            if first and number:
                self.text(self.margin_left + indent, self.y - 3, number, bold=bold, size=size)
            self.text(x_text, self.y - 3, line, bold=bold, size=size)
            first = False
        if len(self.doc) != page_started:
            self.split_paragraphs.append(text)
        self.y += after

    def heading(self, text: str, size: float | None = None, before: float = 6.0) -> None:
        size = size or self.size + 1.5
        self.ensure(before + 4 * self.leading)  # keep with following text
        self.y += before
        self.para(text, bold=True, size=size, after=4.0)

    def lines_block(self, lines: list[tuple[str, str]], size: float | None = None) -> None:
        """Label/value lines such as 'Report to: Cabinet', one per line."""
        size = size or self.size
        for label, value in lines:
            self.y += self.leading
            x = self.margin_left
            self.text(x, self.y - 3, label, bold=True, size=size)
            if value:
                x += BOLD.text_length(label + " ", fontsize=size)
                self.text(x, self.y - 3, value, size=size)
        self.y += 6

    # -- ruled tables -------------------------------------------------------
    def table(
        self,
        rows: list[list[Cell | str]],
        widths: list[float],
        size: float = 9.0,
        leading: float = 11.2,
        pad: float = 4.0,
        header_fill=(0.85, 0.85, 0.85),
        aligns: list[str] | None = None,
        split_rows: bool = False,
        after: float = 10.0,
    ) -> None:
        """Draw a table with full cell borders (detectable by find_tables).

        The first row is treated as the header row (bold, shaded). When
        ``split_rows`` is true a row that does not fit at the bottom of a page
        is split: the lines that fit stay on this page and the remainder of
        every cell continues as a new row at the top of the next page (other
        cells empty), which is how real Word-generated logs break rows.
        The header row is *not* repeated on later pages.
        """
        aligns = aligns or ["left"] * len(widths)
        x0 = self.margin_left
        for r_index, row in enumerate(rows):
            cells = [c if isinstance(c, Cell) else Cell(c) for c in row]
            if r_index == 0:
                cells = [Cell(c.text, True) for c in cells]
            wrapped = [
                wrap(c.text, w - 2 * pad, BOLD if c.bold else REGULAR, size) if c.text else []
                for c, w in zip(cells, widths)
            ]
            pending = wrapped
            while pending is not None:
                n_lines = max(1, max(len(w) for w in pending))
                height = n_lines * leading + 2 * pad
                if self.y + height > self.bottom:
                    fit = int((self.bottom - self.y - 2 * pad) // leading)
                    if split_rows and r_index > 0 and fit >= 2:
                        now = [w[:fit] for w in pending]
                        rest = [w[fit:] for w in pending]
                        self._draw_row(now, cells, widths, x0, size, leading, pad, aligns, r_index == 0, header_fill)
                        self.split_rows.append((r_index, [" ".join(c) for c in rest]))
                        self.new_page()
                        pending = rest
                        continue
                    self.new_page()
                self._draw_row(pending, cells, widths, x0, size, leading, pad, aligns, r_index == 0, header_fill)
                pending = None
        self.y += after

    def _draw_row(self, wrapped, cells, widths, x0, size, leading, pad, aligns, is_header, fill):
        n_lines = max(1, max(len(w) for w in wrapped))
        height = n_lines * leading + 2 * pad
        x = x0
        for lines, cell, w, align in zip(wrapped, cells, widths, aligns):
            rect = pymupdf.Rect(x, self.y, x + w, self.y + height)
            self.page.draw_rect(rect, color=BLACK, fill=fill if is_header else None, width=0.6)
            ty = self.y + pad
            font = BOLD if cell.bold else REGULAR
            for line in lines:
                ty += leading
                if align == "right" and not is_header:
                    tx = x + w - pad - font.text_length(line, fontsize=size)
                else:
                    tx = x + pad
                self.text(tx, ty - 2.5, line, bold=cell.bold, size=size)
            x += w
        self.y += height

    # -- output -------------------------------------------------------------
    def save(self, path: Path, title: str, subject: str) -> pymupdf.Document:
        total = len(self.doc)
        for i, page in enumerate(self.doc):
            for writer in self.writers[i].values():
                writer.write_text(page)
            if self.footer_format:
                label = self.footer_format.format(n=i + 1, total=total)
                tw = pymupdf.TextWriter(page.rect, color=GREY)
                x = (page.rect.width - REGULAR.text_length(label, fontsize=8.5)) / 2
                tw.append((x, page.rect.height - 34), label, font=REGULAR, fontsize=8.5)
                tw.write_text(page)
        self.doc.set_metadata(
            {
                "title": title,
                "author": COUNCIL,
                "subject": subject,
                "creator": "examples/make_examples.py",
                "producer": "PyMuPDF",
                "creationDate": FIXED_PDF_DATE,
                "modDate": FIXED_PDF_DATE,
                "keywords": "",
                "trapped": "",
                "format": "",
                "encryption": None,
            }
        )
        self.doc.subset_fonts()
        self.doc.save(path, garbage=4, deflate=True, no_new_id=True, reproducible=True)
        return self.doc


# ---------------------------------------------------------------------------
# (a) Cabinet report
# ---------------------------------------------------------------------------

CABINET_TABLE = [
    # service, 2024-25 £000, 2025-26 £000
    ("Housing Options and Advice", 612, 648),
    ("Temporary Accommodation Support", 845, 902),
    ("Rough Sleeping Outreach", 298, 315),
    ("Tenancy Sustainment Team", 341, 356),
    ("Domestic Abuse Housing Support", 187, 205),
    ("Private Rented Sector Access Scheme", 226, 259),
]


def pct(old: int, new: int) -> str:
    change = (new - old) / old * 100
    return f"{change:+.1f}%"


def make_cabinet_report(path: Path) -> dict:
    f = FlowPDF(A4_PORTRAIT, running_header="Northmoor Borough Council – Cabinet 15 January 2025")
    f.para(COUNCIL, bold=True, size=15, after=2)
    f.para("Agenda Item 7", bold=True, size=11, after=8)
    f.lines_block(
        [
            ("Report to:", "Cabinet"),
            ("Date of meeting:", "15 January 2025"),
            ("Report title:", "Homelessness Prevention Grant Allocation 2025-26"),
            ("Report author:", "Joanna Trevelyan-Hart, Head of Housing Needs and Homelessness"),
            ("Lead member:", "Councillor Marcus Oyelaran-Beck, Cabinet Member for Housing and Homelessness"),
            ("Classification:", "Unrestricted"),
            ("Contains exempt information?", "No"),
            ("Key decision?", "Yes – Forward Plan reference KD/2024/118"),
            ("Wards affected:", "All wards"),
        ]
    )
    f.page.draw_line((f.margin_left, f.y), (f.margin_left + f.width, f.y), color=BLACK, width=0.8)
    f.space(4)

    f.heading("1. Summary")
    f.para(
        "This report sets out proposals for the allocation of the Council’s Homelessness Prevention "
        "Grant (HPG) for 2025-26. The Ministry of Housing, Communities and Local Government has "
        "notified the Council of a provisional allocation of £2.685m for 2025-26, an increase of "
        "£176,000 (7.0%) on the 2024-25 allocation of £2.509m.",
        number="1.1",
    )
    f.para(
        "The proposed allocation prioritises early prevention work and support that helps households "
        "to remain in, or move on from, temporary accommodation. It is aligned with the Northmoor "
        "Homelessness and Rough Sleeping Strategy 2023-2028 and with the Council’s Medium Term "
        "Financial Strategy, which assumes that the growth in temporary accommodation costs seen in "
        "2023-24 and 2024-25 will be slowed through prevention activity.",
        number="1.2",
    )
    f.para(
        "Subject to Cabinet approval, the allocation will take effect from 1 April 2025. Voluntary "
        "sector partners whose services are funded from the grant will be notified of their "
        "2025-26 funding by 31 January 2025, in line with the commitments in the Northmoor Compact "
        "with the voluntary and community sector.",
        number="1.3",
    )

    f.heading("2. Recommendations")
    f.para("Cabinet is recommended to:", after=4)
    f.para(
        "Approve the allocation of the Homelessness Prevention Grant for 2025-26 as set out in "
        "Table 1 of this report, totalling £2.685m.",
        number="2.1",
    )
    f.para(
        "Delegate authority to the Corporate Director of Housing and Communities, in consultation "
        "with the Cabinet Member for Housing and Homelessness, to vary the allocation between "
        "services by up to 10% of any single service budget in response to changes in demand during "
        "the year, and to agree the final allocation once the grant determination is confirmed.",
        number="2.2",
    )
    f.para(
        "Note the risks set out in section 6, in particular the continuing pressure on the temporary "
        "accommodation budget.",
        number="2.3",
    )

    f.heading("3. Background")
    f.para(
        "The Homelessness Prevention Grant is a ring-fenced grant paid to housing authorities to "
        "support them in meeting their duties under the Housing Act 1996, as amended by the "
        "Homelessness Reduction Act 2017, to prevent and relieve homelessness. The grant conditions "
        "require that a proportion of the grant is used to reduce the use of bed and breakfast "
        "accommodation for families with children.",
        number="3.1",
    )
    f.para(
        "Demand for homelessness services in Northmoor continues to rise. In 2023-24 the Housing "
        "Needs service received 2,114 approaches for assistance, an increase of 14% on the previous "
        "year. A prevention duty was accepted for 1,046 households and a relief duty for 812 "
        "households. The most common reasons for loss of a settled home were the end of a private "
        "rented tenancy (38%), family or friends no longer willing to accommodate (24%) and domestic "
        "abuse (11%).",
        number="3.2",
    )
    f.para(
        "At 31 March 2024 the Council had 486 households in temporary accommodation, of which 311 "
        "included dependent children. Fourteen families were in bed and breakfast accommodation for "
        "longer than the six-week statutory limit during the year. The net cost of temporary "
        "accommodation to the General Fund was £4.9m in 2023-24, compared with a budget of £3.6m.",
        number="3.3",
    )
    f.para(
        "The Homelessness and Rough Sleeping Strategy 2023-2028, adopted by Cabinet in July 2023, "
        "sets four priorities: preventing homelessness at the earliest opportunity; ending the use of "
        "bed and breakfast accommodation for families; ensuring that nobody needs to sleep rough in "
        "Northmoor; and improving access to settled homes in the private rented sector. Progress "
        "against the strategy action plan is reported annually to the Housing and Communities "
        "Overview and Scrutiny Committee, which at its meeting on 4 November 2024 welcomed the "
        "reduction in the number of people sleeping rough on the annual snapshot night, from 23 in "
        "2023 to 16 in 2024, but asked that future grant allocations give greater weight to "
        "tenancy sustainment and to the Private Rented Sector Access Scheme, both of which have "
        "demonstrated good outcomes for relatively modest investment. The Committee also asked that "
        "the allocation take account of the needs of survivors of domestic abuse, who now make up a "
        "growing share of households owed a relief duty, and that officers continue to work with "
        "registered providers to increase the number of nominations made available to the Council "
        "each year. The recommendations in this report respond directly to those comments, and the "
        "Chair of the Committee has been consulted on the proposed allocation.",
        number="3.4",
    )

    f.heading("4. Proposed allocation")
    f.para(
        "Table 1 sets out the proposed allocation of the grant by service for 2025-26, compared with "
        "the allocation for 2024-25. All figures are in thousands of pounds.",
        number="4.1",
    )
    f.ensure(8 * 20)
    f.para("Table 1: Proposed grant allocation by service 2025-26", bold=True, size=10, after=4)
    rows: list[list] = [["Service", "2024-25 £000", "2025-26 £000", "Change %"]]
    for name, old, new in CABINET_TABLE:
        rows.append([name, f"{old:,}", f"{new:,}", pct(old, new)])
    t_old = sum(r[1] for r in CABINET_TABLE)
    t_new = sum(r[2] for r in CABINET_TABLE)
    rows.append([Cell("Total", True), Cell(f"{t_old:,}", True), Cell(f"{t_new:,}", True), Cell(pct(t_old, t_new), True)])
    f.table(rows, [225, 83, 83, 80], size=9.5, leading=12, aligns=["left", "right", "right", "right"])
    f.para(
        "The largest increases in percentage terms are for the Private Rented Sector Access Scheme "
        "(+14.6%) and Domestic Abuse Housing Support (+9.6%), reflecting the comments of the "
        "Overview and Scrutiny Committee described in paragraph 3.4. The scheme offers landlords a "
        "deposit guarantee, rent in advance and a named tenancy support officer; in 2023-24 it "
        "secured 97 private rented tenancies, of which 89 were still sustained after twelve months.",
        number="4.2",
    )
    f.para(
        "Temporary Accommodation Support continues to receive the largest share of the grant "
        "(33.6%). This funds the temporary accommodation officers who move households out of bed "
        "and breakfast accommodation and the incentive payments made to landlords who offer "
        "self-contained units at or below the Local Housing Allowance rate.",
        number="4.3",
    )
    f.para(
        "No new posts are proposed. The increase for Housing Options and Advice (+5.9%) covers the "
        "2024-25 pay award and the cost of extending the out-of-hours duty service for a further "
        "year.",
        number="4.4",
    )

    f.heading("5. Financial implications")
    f.para(
        "The grant of £2.685m is ring-fenced and is included in the draft 2025-26 revenue budget that "
        "will be considered by Full Council on 26 February 2025. The allocation in Table 1 is "
        "contained within the grant and requires no contribution from the General Fund.",
        number="5.1",
    )
    f.para(
        "The final grant determination is expected in March 2025. If the confirmed allocation is "
        "lower than the provisional figure, the reduction will be applied pro rata across services "
        "under the delegation sought in recommendation 2.2. Any unspent grant at year end may be "
        "carried forward through the homelessness earmarked reserve, which stood at £412,000 at "
        "31 March 2024.",
        number="5.2",
    )
    f.para(
        "Finance comments provided by: Daniel Ashworth-Lee, Head of Finance (Place), 18 December 2024.",
        number="5.3",
    )

    f.heading("6. Risks")
    f.para(
        "Demand risk: if approaches continue to rise at the 2023-24 rate, the grant will not be "
        "sufficient to fund prevention activity at the level required and the pressure on the "
        "temporary accommodation budget will increase. This risk is recorded on the corporate risk "
        "register (CRR-09) with a residual score of 16 (high).",
        number="6.1",
    )
    f.para(
        "Funding risk: the allocation is provisional and the grant is confirmed for one year only, "
        "which limits the Council’s ability to offer permanent contracts to staff funded by the grant.",
        number="6.2",
    )
    f.para(
        "Delivery risk: recruitment to housing officer posts remains difficult. Two of the eleven "
        "grant-funded posts were vacant at the time of writing and are being covered by agency staff.",
        number="6.3",
    )

    f.heading("7. Legal implications")
    f.para(
        "The Council must use the grant in accordance with the grant determination issued under "
        "section 31 of the Local Government Act 2003. Legal comments provided by: Sunita Ravensworth, "
        "Principal Lawyer (Housing), 19 December 2024.",
        number="7.1",
    )
    f.heading("8. Equalities implications")
    f.para(
        "An Equality Impact Assessment has been completed. The proposals are expected to have a "
        "positive impact on households with dependent children, disabled people and survivors of "
        "domestic abuse, who are over-represented among households owed a homelessness duty.",
        number="8.1",
    )
    f.heading("Background papers", size=11)
    f.para("Northmoor Homelessness and Rough Sleeping Strategy 2023-2028 (Cabinet, 12 July 2023).")
    f.heading("Appendices", size=11)
    f.para("Appendix A – Equality Impact Assessment (published separately).")

    pages = len(f.doc)
    assert pages == 3, f"cabinet report should be 3 pages, got {pages}"
    assert f.split_paragraphs, "expected a paragraph to wrap across a page break"
    f.save(path, "Homelessness Prevention Grant Allocation 2025-26", "Report to Cabinet, 15 January 2025")
    return {"pages": pages, "split_paragraphs": [p[:60] + "..." for p in f.split_paragraphs]}


# ---------------------------------------------------------------------------
# (b) HOSC scrutiny action log
# ---------------------------------------------------------------------------

HOSC_CHAIR = "Cllr Helen Marchbank, HOSC Chair"
HOSC_VICE = "Cllr Rajesh Dunmore, HOSC Vice-Chair"

# (reference/meeting date, action, assigned to, scrutiny lead, due date, response)
HOSC_ACTIONS = [
    (
        "10 Jul 2024",
        "Provide a breakdown of delayed discharges from Northmoor General Hospital by reason for "
        "delay for Q4 2023-24 and Q1 2024-25, including the number awaiting a home care package.",
        "Priya Nandakumar, Director of Adult Social Care",
        HOSC_CHAIR,
        "15 October 2024",
        "Breakdown circulated to Members on 9 October 2024. 62% of delays were awaiting a home "
        "care package or care home placement, 21% awaiting assessment and 17% other reasons.",
    ),
    (
        "",
        "Share the draft Carers’ Strategy 2025-2030 with the Committee for comment before it is "
        "considered by Cabinet.",
        "Tom Okafor-Reid, Head of Commissioning (Adults)",
        HOSC_CHAIR,
        "September 2024",
        "Awaiting Response",
    ),
    (
        "",
        "Report back on the number of residents waiting more than 28 days for an occupational "
        "therapy assessment and the plan to reduce the waiting list.",
        "Priya Nandakumar, Director of Adult Social Care",
        HOSC_VICE,
        "15 October 2024",
        "See Appendix 1",
    ),
    (
        "18 Sep 2024",
        "Provide details of the Integrated Care Board’s winter plan for Northmoor, including the "
        "number of additional step-down beds commissioned and how they will be funded.",
        "Dr Ingrid Salcombe, Place Director, Northmoor and Wolds ICB",
        HOSC_CHAIR,
        "November 2024",
        "Awaiting Response",
    ),
    (
        "",
        "Circulate the Care Quality Commission inspection action plan for Hollins Court Care Home "
        "to all Members of the Committee.",
        "Tom Okafor-Reid, Head of Commissioning (Adults)",
        HOSC_CHAIR,
        "31 October 2024",
        "Complete",
    ),
    (
        "",
        "Provide a written briefing on the reablement service transformation programme, covering: "
        "(a) the number of people discharged from hospital into reablement in 2023-24 and in the "
        "first half of 2024-25; (b) the proportion of those people still living independently at "
        "home 91 days after discharge, compared with the regional and national averages; (c) staff "
        "vacancy, turnover and agency rates in the reablement team over the same period; (d) the "
        "outcome of the pilot of therapy-led reablement in the north locality; and (e) the "
        "timetable and expected savings for extending the new model across the whole borough, "
        "together with the risks identified by the programme board and how they are being managed.",
        "Grace Whitfield-Amos, Assistant Director, Prevention and Reablement",
        HOSC_VICE,
        "December 2024",
        "Briefing circulated on 4 December 2024. The 91-day outcome was 81.4% against a target of "
        "82%. A further update will be included in the March 2025 performance report.",
    ),
    (
        "20 Nov 2024",
        "Provide the Public Health annual report on stop smoking service outcomes, including "
        "four-week quit rates by ward.",
        "Dr Amara Castellane, Director of Public Health",
        HOSC_CHAIR,
        "January 2025",
        "See Appendix 1",
    ),
    (
        "",
        "Arrange a site visit for Members to the new Urgent Treatment Centre at Northmoor General "
        "Hospital.",
        "Owen Tregarthen, Scrutiny Officer",
        HOSC_CHAIR,
        "March 2025",
        "Visit arranged for 14 March 2025. Members to confirm attendance with the Scrutiny Officer.",
    ),
]

HOSC_COLUMNS = ["Reference", "Action", "Assigned to", "Scrutiny Lead", "Due Date", "Response"]


def make_hosc_log(path: Path) -> dict:
    f = FlowPDF(
        A4_LANDSCAPE,
        margin_left=28,
        margin_right=28,
        margin_top=62,
        margin_bottom=50,
        size=10,
        leading=13,
        running_header="Scrutiny Action Log",
        footer_format="Page {n} of {total}",
    )
    f.para("Scrutiny Action Log", bold=True, size=16, after=4)
    f.lines_block(
        [
            ("Name of Committee:", "Health and Social Care Overview and Scrutiny Committee"),
            ("Municipal Year:", "2024-25"),
            ("Last updated:", "8 January 2025"),
        ]
    )
    f.para(
        "Actions agreed at meetings of the Committee are recorded below. Responses are added by the "
        "Scrutiny Officer as they are received. Completed actions are removed from the log after "
        "they have been reported to the Committee. Where a response is shown as “Awaiting "
        "Response” after its due date, the Scrutiny Officer will chase the officer concerned and "
        "the Chair may ask for the item to be brought to the next meeting of the Committee.",
        size=9,
        after=8,
    )
    rows = [HOSC_COLUMNS] + [list(a) for a in HOSC_ACTIONS]
    f.table(rows, [68, 262, 140, 112, 72, 132], size=9, leading=11, split_rows=True)
    f.heading("Appendix 1 – Responses received", size=11)
    f.para(
        "10 Jul 2024 – occupational therapy waiting list (Director of Adult Social Care): at 30 "
        "September 2024, 212 residents had been waiting more than 28 days for an occupational "
        "therapy assessment, down from 347 at 31 March 2024. A trusted assessor pilot and two "
        "additional agency occupational therapists, funded until March 2025, are expected to bring "
        "the number below 100 by 31 March 2025.",
        size=9,
    )
    f.para(
        "20 Nov 2024 – stop smoking service outcomes (Director of Public Health): the annual report "
        "was circulated to Members on 13 January 2025. In 2023-24, 1,184 people set a quit date "
        "with the Northmoor Stop Smoking Service and 612 (51.7%) had quit at four weeks. Four-week "
        "quit rates ranged from 38% in Northmoor Central ward to 63% in Easterby and Mill End ward.",
        size=9,
    )

    pages = len(f.doc)
    assert pages == 2, f"action log should be 2 pages, got {pages}"
    assert len(f.split_rows) == 1, f.split_rows
    r_index, rest = f.split_rows[0]
    assert rest[1] and not any(c for i, c in enumerate(rest) if i != 1), (
        "the continuation row should only carry action text",
        rest,
    )
    f.save(path, "Scrutiny Action Log – HOSC 2024-25", "Health and Social Care Overview and Scrutiny Committee")
    return {"pages": pages, "split_row": r_index, "continued_text": rest[1]}


# ---------------------------------------------------------------------------
# (c) Planning Committee minutes
# ---------------------------------------------------------------------------


def make_minutes(path: Path) -> dict:
    f = FlowPDF(A4_PORTRAIT, margin_top=66, footer_format="Page {n}")
    f.para(COUNCIL, bold=True, size=13, after=2)
    f.para("PLANNING COMMITTEE", bold=True, size=12, after=10)
    f.para(
        "MINUTES of a meeting of the Planning Committee held in the Council Chamber, Northmoor Town "
        "Hall on Wednesday, 12 February 2025.",
        after=8,
    )
    f.para(
        "PRESENT: Councillor Margaret Ellingham (Chair), Councillor David Oyinlola-Marsh "
        "(Vice-Chair), Councillors S Brackley, T Fennimore, J Haldane-Price, K Iqbal-Stone, "
        "R Lathbury, C Quarrington, P Sethi-Warde, L Tolhurst and M Vickerstaff.",
        after=6,
    )
    f.para(
        "ALSO PRESENT: Councillor B Ashdown-Clay (Ward Member, Easterby and Mill End).",
        after=6,
    )
    f.para(
        "OFFICERS: Nadia Fairbrother (Head of Development Management), Gareth Lowes (Principal "
        "Planning Officer), Ruth Ansley (Planning Solicitor), Imran Coldwell (Highways Development "
        "Control Engineer) and Ben Carrow (Democratic Services Officer).",
        after=6,
    )

    def item(title: str) -> None:
        f.heading(title, size=11, before=4)

    item("1. Apologies for Absence")
    f.para("Apologies for absence were received from Councillor A Pickersgill. There were no substitutes.")

    item("2. Declarations of Interest")
    f.para(
        "Councillor K Iqbal-Stone declared a non-registrable interest in item 5 (24/01587/HOU – "
        "14 Ashby Road) as she lives on Ashby Road and knows the applicant. She left the Chamber "
        "during the consideration of that item and did not vote."
    )

    item("3. Minutes of the previous meeting")
    f.para(
        "RESOLVED that the minutes of the meeting held on 15 January 2025 be approved as a correct "
        "record and signed by the Chair."
    )

    item("4. 24/01234/FUL – Land at Mill Lane, Easterby")
    f.para(
        "Erection of 46 dwellings (including 14 affordable homes) with associated access, parking, "
        "landscaping, public open space and sustainable drainage.",
        after=6,
    )
    f.para(
        "The Principal Planning Officer presented the report and the update sheet, which set out two "
        "additional representations and an amended condition 14 (construction hours). The site lay "
        "outside the settlement boundary but was allocated for housing in the draft Local Plan "
        "Review (policy H7). The Council could demonstrate a housing land supply of 4.1 years and the "
        "tilted balance in paragraph 11(d) of the National Planning Policy Framework therefore "
        "applied. The Lead Local Flood Authority and the Highway Authority had raised no objection "
        "subject to conditions. Officers recommended approval.",
        number="4.1",
    )
    f.para(
        "The Committee was addressed by Mr P Garside on behalf of Easterby Parish Council, objecting; "
        "by Ms L Ferrand, the applicant’s agent, in support; and by Councillor B Ashdown-Clay as "
        "Ward Member, who raised concerns about surface water flooding on Mill Lane and the "
        "capacity of Easterby Primary School.",
        number="4.2",
    )
    f.para(
        "In debate Members asked about the width of Mill Lane at the proposed access, the "
        "attenuation pond and its future maintenance, and whether the education contribution would "
        "be spent locally. The Highways Development Control Engineer confirmed that the access "
        "would be widened to 5.5 metres with a new footway to the village. Some Members considered "
        "that the harm to the character of the countryside outweighed the benefits of the "
        "scheme; others noted the shortfall in housing land supply and the affordable housing "
        "offer, which met the 30% policy requirement.",
        number="4.3",
    )
    f.para(
        "It was moved by Councillor D Oyinlola-Marsh, seconded by Councillor T Fennimore and",
        number="4.4",
    )
    f.para(
        "RESOLVED that planning permission be GRANTED subject to the conditions set out in the "
        "report, as amended by the update sheet, and to the completion of a Section 106 agreement "
        "securing: (a) 30% affordable housing (14 dwellings); (b) £212,400 towards primary "
        "education at Easterby Primary School; (c) £38,750 towards NHS primary care; and (d) the "
        "transfer and maintenance of the on-site open space and drainage features.",
        indent=30,
        bold=False,
    )
    f.para("A recorded vote was taken:", indent=30, after=2)
    f.para(
        "For (7): Councillors Brackley, Ellingham, Fennimore, Iqbal-Stone, Oyinlola-Marsh, "
        "Quarrington and Tolhurst.",
        indent=30,
        after=2,
    )
    f.para("Against (3): Councillors Haldane-Price, Lathbury and Vickerstaff.", indent=30, after=2)
    f.para("Abstain (1): Councillor Sethi-Warde.", indent=30)

    item("5. 24/01587/HOU – 14 Ashby Road, Northmoor")
    f.para(
        "Two-storey side extension and single-storey rear extension. The application had been called "
        "in by the Ward Member. (Councillor K Iqbal-Stone had left the Chamber.)",
        after=6,
    )
    f.para(
        "The Principal Planning Officer reported that the extension would project to within 0.4 "
        "metres of the boundary with 16 Ashby Road and would cause a significant loss of light to "
        "that property’s kitchen window. Officers recommended refusal. The applicant addressed the "
        "Committee in support. Members agreed with the officer assessment.",
        number="5.1",
    )
    f.para(
        "RESOLVED (unanimously) that planning permission be REFUSED for the reason set out in the "
        "report: the proposal, by reason of its height, depth and proximity to the boundary, would "
        "have an overbearing impact on and cause an unacceptable loss of light to 16 Ashby Road, "
        "contrary to policy DM4 of the Northmoor Local Plan 2018-2033.",
        indent=30,
    )

    item("6. Planning Appeals Update")
    f.para(
        "The Committee received the quarterly report on planning appeals. Between 1 October and "
        "31 December 2024 nine appeals had been decided, of which seven were dismissed and two "
        "allowed. No costs had been awarded against the Council.",
        number="6.1",
    )
    f.para("RESOLVED that the report be noted.", indent=30)

    item("7. Date of Next Meeting")
    f.para("The next meeting will be held on Wednesday, 12 March 2025 at 7.00 pm.")
    f.space(6)
    f.para("The meeting commenced at 7.00 pm and closed at 9.18 pm.", after=24)
    f.para("Chair ..............................................", after=2)

    pages = len(f.doc)
    assert pages == 2, f"minutes should be 2 pages, got {pages}"
    f.save(path, "Minutes – Planning Committee 12 February 2025", "Planning Committee minutes")
    return {"pages": pages}


# ---------------------------------------------------------------------------
# (d) Audit and Governance Committee report (DOCX)
# ---------------------------------------------------------------------------

AGC_AUDITS = [
    ("Payroll", "Substantial", "Final report issued", "0"),
    ("Council Tax and Business Rates", "Reasonable", "Final report issued", "0"),
    ("Cyber Security – Patch Management", "Limited", "Final report issued", "2"),
    ("Disabled Facilities Grants", "Reasonable", "Draft report issued", "1"),
    ("Contract Management – Highways Maintenance", "Limited", "Draft report issued", "3"),
    ("Safeguarding – DBS Checks", "Not yet determined", "Fieldwork in progress", "n/a"),
]

AGC_ACTIONS = [
    (
        "Apply critical and high-severity security patches to servers within 14 days of release "
        "and report compliance monthly to the ICT Security Board.",
        "Head of ICT and Digital",
        "31 March 2025",
        "In progress",
    ),
    (
        "Remove unsupported Windows Server 2012 systems from the network or isolate them.",
        "Head of ICT and Digital",
        "30 June 2025",
        "Not yet due",
    ),
    (
        "Introduce quarterly contract monitoring meetings with the highways term contractor, with "
        "minutes and performance data retained.",
        "Head of Highways and Transport",
        "28 February 2025",
        "Overdue",
    ),
    (
        "Reconcile the DBS check register to the HR establishment list each quarter.",
        "Head of HR and Organisational Development",
        "31 December 2024",
        "Implemented",
    ),
]


def make_agc_docx(path: Path) -> dict:
    import datetime as dt

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    d = Document()
    style = d.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)

    p = d.add_paragraph()
    r = p.add_run(COUNCIL)
    r.bold = True
    r.font.size = Pt(16)
    for label, value in [
        ("Report to:", "Audit and Governance Committee (AGC)"),
        ("Date of meeting:", "20 March 2025"),
        ("Report title:", "Internal Audit Progress Report – March 2025"),
        ("Report author:", "Fiona Harcourt-Lyle, Head of Internal Audit"),
        ("Classification:", "Unrestricted"),
        ("Contains exempt information?", "No"),
    ]:
        p = d.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        p.add_run(label + " ").bold = True
        p.add_run(value)

    d.add_heading("Internal Audit Progress Report – March 2025", level=1)

    def numbered(num: str, text: str) -> None:
        para = d.add_paragraph()
        para.paragraph_format.left_indent = Pt(36)
        para.paragraph_format.first_line_indent = Pt(-36)
        para.add_run(f"{num}\t{text}")

    d.add_heading("1. Summary", level=2)
    numbered(
        "1.1",
        "This report updates the Audit and Governance Committee on progress against the Internal "
        "Audit Plan 2024-25 approved by the Committee on 21 March 2024. It covers work completed "
        "between 1 December 2024 and 28 February 2025.",
    )
    numbered(
        "1.2",
        "Twenty-one of the twenty-six audits in the plan (81%) have been completed to at least draft "
        "report stage, against a target of 90% by 31 March 2025. Two audits issued since the last "
        "meeting received a Limited assurance opinion and are summarised in section 3.",
    )

    d.add_heading("2. Recommendations", level=2)
    numbered("2.1", "The Committee is asked to note progress against the Internal Audit Plan 2024-25.")
    numbered(
        "2.2",
        "The Committee is asked to note the Limited assurance opinions for Cyber Security – Patch "
        "Management and Contract Management – Highways Maintenance, and to consider whether to invite "
        "the responsible Heads of Service to attend the next meeting of the AGC.",
    )

    d.add_heading("3. Audit assignments completed or in progress", level=2)
    numbered("3.1", "Table 1 summarises the assignments reported since the last meeting.")
    cap = d.add_paragraph()
    cap.add_run("Table 1: Audit assignments December 2024 to February 2025").bold = True
    t = d.add_table(rows=1, cols=4)
    t.style = "Table Grid"
    hdr = ["Audit", "Assurance opinion", "Status", "High priority recommendations"]
    for cell, text in zip(t.rows[0].cells, hdr):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in AGC_AUDITS:
        cells = t.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    for row in t.rows:
        row.cells[3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER

    numbered(
        "3.2",
        "Cyber Security – Patch Management (Limited assurance). Critical security patches were not "
        "consistently applied within the 14-day target; at the time of the audit 23 servers were "
        "missing at least one critical patch and four servers were running an unsupported operating "
        "system. Two high priority recommendations were made and agreed by management.",
    )
    numbered(
        "3.3",
        "Contract Management – Highways Maintenance (Limited assurance). Contract monitoring meetings "
        "had not been held since June 2024, performance indicators were not reported, and variations "
        "totalling £318,000 had been approved without the documented authority required by the "
        "Contract Procedure Rules. Three high priority recommendations were made; management "
        "responses are awaited on the draft report.",
    )

    d.add_heading("4. Follow-up of agreed actions", level=2)
    numbered(
        "4.1",
        "Internal Audit follows up all high priority recommendations when they fall due. The status "
        "of the high priority actions arising from this period is shown in Table 2.",
    )
    cap = d.add_paragraph()
    cap.add_run("Table 2: Agreed actions – high priority recommendations").bold = True
    t2 = d.add_table(rows=1, cols=4)
    t2.style = "Table Grid"
    for cell, text in zip(t2.rows[0].cells, ["Recommendation", "Owner", "Due date", "Status"]):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in AGC_ACTIONS:
        cells = t2.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    numbered(
        "4.2",
        "One action is overdue. The Head of Highways and Transport has advised that the first "
        "quarterly contract monitoring meeting will now take place on 27 March 2025.",
    )

    d.add_heading("5. Financial implications", level=2)
    numbered("5.1", "There are no direct financial implications arising from this report.")
    d.add_heading("6. Background papers", level=2)
    numbered("6.1", "Internal Audit Plan 2024-25 (Audit and Governance Committee, 21 March 2024).")

    cp = d.core_properties
    fixed = dt.datetime(2025, 3, 10, 9, 0, 0)
    cp.author = COUNCIL
    cp.last_modified_by = COUNCIL
    cp.title = "Internal Audit Progress Report – March 2025"
    cp.subject = "Audit and Governance Committee, 20 March 2025"
    cp.created = fixed
    cp.modified = fixed
    cp.last_printed = fixed
    cp.revision = 1

    buf = io.BytesIO()
    d.save(buf)
    _write_deterministic_zip(buf.getvalue(), path)
    return {"tables": 2}


def _write_deterministic_zip(data: bytes, path: Path) -> None:
    """Re-pack a zip with fixed timestamps so the DOCX is byte-reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=(2025, 3, 10, 9, 0, 0))
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            dst.writestr(new, src.read(info.filename))


# ---------------------------------------------------------------------------
# (e) Full Council agenda (Markdown)
# ---------------------------------------------------------------------------

COUNCIL_AGENDA = """\
# Northmoor Borough Council

## Full Council – Budget Meeting

- **Date:** Wednesday, 26 February 2025
- **Time:** 7.00 pm
- **Venue:** Council Chamber, Northmoor Town Hall, Market Square, Northmoor
- **Membership:** All 48 Members of the Council
- **Presiding:** The Mayor of Northmoor, Councillor Eleanor Braithwaite-Moss

Members of the public are welcome to attend. The meeting will be webcast live. For any
enquiries about this meeting please contact Democratic Services, telephone 01632 960418,
email democratic.services@northmoor.example.gov.uk.

---

## AGENDA

UNRESTRICTED ITEMS
(During these items the meeting is likely to be open to the public)

1. **Apologies for Absence**

2. **Declarations of Interest**
   To receive any declarations of disclosable pecuniary interests, other registrable interests
   or non-registrable interests in items on this agenda.

3. **Minutes of the meeting held on 11 December 2024** (Pages 5 - 18)
   To approve the minutes as a correct record.

4. **Announcements by the Mayor, the Leader and the Chief Executive**

5. **Petitions and Questions from the Public** (Pages 19 - 22)

6. **Revenue Budget 2025-26 and Medium Term Financial Strategy 2025-26 to 2028-29** (Pages 23 - 96)
   To consider the recommendations of Cabinet of 12 February 2025. A recorded vote will be
   taken, as required by the Local Authorities (Standing Orders) (England) (Amendment)
   Regulations 2014.

7. **Council Tax Setting 2025-26** (Pages 97 - 110)
   The proposed Band D council tax for Northmoor Borough Council for 2025-26 is £248.31, an
   increase of 2.99% on 2024-25. A recorded vote will be taken.

8. **Capital Strategy and Capital Programme 2025-26 to 2029-30** (Pages 111 - 152)

9. **Treasury Management Strategy Statement 2025-26** (Pages 153 - 184)

10. **Pay Policy Statement 2025-26** (Pages 185 - 198)

EXEMPT ITEMS
(At the time of preparing the agenda there were no exempt items. During any such items which
may arise the meeting is likely NOT to be open to the public.)

---

Amendments to the budget must be submitted to the Chief Finance Officer by 12 noon on Friday,
21 February 2025.

Jonathan Akinbiyi-Hale, Chief Executive

Dated: 18 February 2025
"""


def make_agenda(path: Path) -> dict:
    path.write_text(COUNCIL_AGENDA, encoding="utf-8", newline="\n")
    return {"items": 10}


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------


def cell_texts(page: pymupdf.Page, row) -> list[str]:
    """Text of each cell of a pymupdf table row, read with a clip rectangle.

    Note: with PyMuPDF 2.0, ``Table.extract()`` and ``Table.header.names`` can
    drop the spaces between words (e.g. "Assignedto") because of how glyph
    bounding boxes are clustered into lines; clipping the page text to each
    cell's bbox gives the correct text, so the checks use that.
    """
    out = []
    for bbox in row.cells:
        text = page.get_text("text", clip=bbox) if bbox else ""
        out.append(" ".join(text.split()))
    return out


def check_pdf_tables(path: Path, expected_header: list[str], page_numbers: list[int]) -> list[str]:
    notes = []
    doc = pymupdf.open(path)
    for pno in page_numbers:
        page = doc[pno]  # keep the page referenced while using its tables
        tabs = page.find_tables()
        assert tabs.tables, f"{path.name}: no table found on page {pno + 1}"
        tab = tabs.tables[0]
        first = cell_texts(page, tab.rows[0])
        if pno == page_numbers[0]:
            assert first == expected_header, (path.name, first)
        notes.append(f"p{pno + 1}: {tab.row_count}x{tab.col_count} table, first row {first}")
        del tabs, tab, page
    doc.close()
    return notes


def check_pdf_text(path: Path) -> list[str]:
    doc = pymupdf.open(path)
    notes = []
    for page in doc:
        lines = [ln for ln in page.get_text().splitlines() if ln.strip()]
        assert len(lines) > 10, f"{path.name} page {page.number + 1} has little text"
        assert "\ufffd" not in page.get_text() and "\u00b7" not in page.get_text(), "bad glyphs"
        notes.append(f"p{page.number + 1}: {len(lines)} lines, starts {' | '.join(lines[:2])[:80]!r}")
    doc.close()
    return notes


def main(argv: list[str]) -> int:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    names = {
        "cabinet": OUT_DIR / "Cabinet report - Homelessness Prevention Grant 2025.pdf",
        "hosc": OUT_DIR / "HOSC action log - 2024-25.pdf",
        "minutes": OUT_DIR / "Minutes - Planning Committee 12 February 2025.pdf",
        "agc": OUT_DIR / "Audit Committee - Internal Audit Progress Report March 2025.docx",
        "agenda": OUT_DIR / "Council agenda 26 February 2025.md",
    }
    info = {
        "cabinet": make_cabinet_report(names["cabinet"]),
        "hosc": make_hosc_log(names["hosc"]),
        "minutes": make_minutes(names["minutes"]),
        "agc": make_agc_docx(names["agc"]),
        "agenda": make_agenda(names["agenda"]),
    }
    notes = {
        "cabinet": check_pdf_tables(names["cabinet"], ["Service", "2024-25 £000", "2025-26 £000", "Change %"], [1]),
        "hosc": check_pdf_tables(names["hosc"], HOSC_COLUMNS, [0, 1]),
    }
    for key in ("cabinet", "hosc", "minutes"):
        notes[key] = check_pdf_text(names[key]) + notes.get(key, [])
    for key, path in names.items():
        size = path.stat().st_size
        assert size < 60_000, f"{path.name} is too large ({size} bytes)"
        print(f"{size:>7,} B  {path.relative_to(OUT_DIR.parent.parent)}  {info[key]}")
        for n in notes.get(key, []):
            print(f"           {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
