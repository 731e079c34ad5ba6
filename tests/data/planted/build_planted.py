#!/usr/bin/env python3
"""Build the planted confidentiality fixtures (invented papers).

Run with a Python that has pymupdf and python-docx:
    /tmp/plant-venv/bin/python build_planted.py
Sentences in the source strings are wrapped in markers:
    [[P:...]] public sentence   [[E:...]] exempt sentence   [[R:...]] restricted sentence
The markers are stripped from the written files and collected into the manifests.
"""
import io
import json
import os
import re

import docx
import pymupdf as fitz
from docx.enum.section import WD_SECTION
from docx.shared import Pt

HERE = os.path.dirname(os.path.abspath(__file__))
MARK = re.compile(r"\[\[([PER]):(.+?)\]\]", re.S)
DOCS = []


class Doc:
    def __init__(self, split, name, kind, style, document, title, committee, date, council):
        self.split, self.name, self.kind, self.style = split, name, kind, style
        self.document, self.title, self.committee, self.date = document, title, committee, date
        self.council = council
        self.protected, self.public = [], []
        self.path = os.path.join(HERE, split, name)
        DOCS.append(self)

    def m(self, s):
        def rep(mo):
            tag, text = mo.group(1), mo.group(2)
            if tag == "P":
                self.public.append(text)
            else:
                self.protected.append({"text": text, "level": "exempt" if tag == "E" else "restricted"})
            return text
        return MARK.sub(rep, s)

    def entry(self):
        return {
            "file": f"{self.split}/{self.name}",
            "kind": self.kind,
            "style": self.style,
            "format": self.name.rsplit(".", 1)[1],
            "council": self.council,
            "title": self.title,
            "committee": self.committee,
            "meeting_date": self.date,
            "document": self.document,
            "protected": self.protected,
            "public": self.public,
            "ambiguous": False,
        }


# ---------------------------------------------------------------- writers
def write_text(d, text):
    with open(d.path, "w", encoding="utf-8") as f:
        f.write(d.m(text).strip() + "\n")


FONT_DIR = "/tmp/plant-fonts"


def _prepare_fonts():
    """DejaVu Sans with the GSUB table removed, so that MuPDF's shaper makes no ligatures
    (otherwise 'office' is extracted as 'o\ufb03ce')."""
    from fontTools.ttLib import TTFont
    os.makedirs(FONT_DIR, exist_ok=True)
    for src, dst in (("DejaVuSans.ttf", "plain-regular.ttf"), ("DejaVuSans-Bold.ttf", "plain-bold.ttf")):
        out = os.path.join(FONT_DIR, dst)
        if not os.path.exists(out):
            f = TTFont(os.path.join("/usr/share/fonts/truetype/dejavu", src))
            for tag in ("GSUB", "GPOS", "morx", "mort"):
                if tag in f:
                    del f[tag]
            f.save(out)


_prepare_fonts()

CSS = """
@font-face { font-family: plain; src: url(plain-regular.ttf); }
@font-face { font-family: plain; src: url(plain-bold.ttf); font-weight: bold; }
body { font-family: plain; font-size: 10pt; }
h1 { font-size: 15pt; margin-bottom: 6pt; }
h2 { font-size: 12.5pt; margin-top: 10pt; margin-bottom: 4pt; }
h3 { font-size: 11pt; margin-top: 8pt; margin-bottom: 3pt; }
p { margin-top: 3pt; margin-bottom: 5pt; }
td, th { font-size: 9.5pt; padding: 3pt; border: 1px solid #444; vertical-align: top; }
table { border-collapse: collapse; margin-bottom: 6pt; }
.box { border: 1px solid #000; padding: 4pt; }
.mark { font-weight: bold; font-size: 11.5pt; }
"""


def _story_pages(html):
    story = fitz.Story(html=html, user_css=CSS, archive=fitz.Archive(FONT_DIR))
    buf = io.BytesIO()
    writer = fitz.DocumentWriter(buf)
    mediabox = fitz.paper_rect("a4")
    where = mediabox + (56, 72, -56, -64)
    more = 1
    while more:
        dev = writer.begin_page(mediabox)
        more, _ = story.place(where)
        story.draw(dev)
        writer.end_page()
    writer.close()
    return fitz.open("pdf", buf.getvalue())


def write_pdf(d, sections):
    """sections: list of (html, header_left, header_right); each section starts a new page."""
    out = fitz.open()
    heads = []
    for html, hl, hr in sections:
        part = _story_pages(d.m(html))
        heads += [(hl, hr)] * part.page_count
        out.insert_pdf(part)
    n = out.page_count
    for i, page in enumerate(out):
        hl, hr = heads[i]
        w = page.rect.width
        if hl:
            page.insert_text((56, 40), hl, fontname="helv", fontsize=8)
        if hr:
            tw = fitz.get_text_length(hr, fontname="hebo", fontsize=9)
            page.insert_text((w - 56 - tw, 40), hr, fontname="hebo", fontsize=9)
        foot = f"Page {i + 1} of {n}"
        tw = fitz.get_text_length(foot, fontname="helv", fontsize=8)
        page.insert_text(((w - tw) / 2, 815), foot, fontname="helv", fontsize=8)
        if hr:  # repeat protective marking / classification in footer, as real papers do
            tw = fitz.get_text_length(hr, fontname="hebo", fontsize=8)
            page.insert_text((w - 56 - tw, 815), hr, fontname="hebo", fontsize=8)
    out.set_metadata({"title": d.title, "author": d.council})
    out.subset_fonts()
    out.save(d.path, garbage=3, deflate=True)


def write_html(d, body):
    html = (
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{d.title}</title>\n"
        "<style>body{font-family:Arial,sans-serif;max-width:52em;margin:2em auto;}"
        "table{border-collapse:collapse}td,th{border:1px solid #555;padding:4px 8px;vertical-align:top}"
        ".mark{font-weight:bold;border:2px solid #000;padding:6px}</style>\n"
        "</head>\n<body>\n" + d.m(body).strip() + "\n</body>\n</html>\n"
    )
    with open(d.path, "w", encoding="utf-8") as f:
        f.write(html)


class Docx:
    def __init__(self, d, header=None, footer=None):
        self.d = d
        self.doc = docx.Document()
        st = self.doc.styles["Normal"]
        st.font.name = "Arial"
        st.font.size = Pt(10.5)
        self._set_hf(self.doc.sections[0], header, footer)

    def _set_hf(self, sec, header, footer):
        if header is not None:
            sec.header.is_linked_to_previous = False
            sec.header.paragraphs[0].text = header
        if footer is not None:
            sec.footer.is_linked_to_previous = False
            sec.footer.paragraphs[0].text = footer

    def new_section(self, header=None, footer=None):
        sec = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._set_hf(sec, header, footer)

    def h(self, text, level=1):
        self.doc.add_heading(self.d.m(text), level=level)

    def p(self, text, bold=False):
        para = self.doc.add_paragraph()
        run = para.add_run(self.d.m(text))
        run.bold = bold
        return para

    def bullet(self, text):
        self.doc.add_paragraph(self.d.m(text), style="List Bullet")

    def table(self, rows, header=False):
        t = self.doc.add_table(rows=len(rows), cols=len(rows[0]))
        t.style = "Table Grid"
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                c = t.cell(i, j)
                c.text = self.d.m(cell)
                if header and i == 0 or (len(row) == 2 and j == 0):
                    for r in c.paragraphs[0].runs:
                        r.bold = True
        self.doc.add_paragraph()

    def page_break(self):
        self.doc.add_page_break()

    def save(self):
        self.doc.core_properties.title = self.d.title
        self.doc.core_properties.author = self.d.council
        self.doc.save(self.d.path)


# ======================================================================
# PROTECTED PAPERS
# ======================================================================

# P01 ---- English Schedule 12A front-sheet marking on a whole report (PDF)
d = Doc("dev", "harrowmere_cabinet_2025-01-14_tannery_lane.pdf", "protected",
        "Schedule 12A front-sheet marking on whole report (para 3)", "exempt",
        "Proposed acquisition of the former Tannery Lane depot", "Cabinet", "2025-01-14",
        "Harrowmere Borough Council")
write_pdf(d, [("""
<p class="mark">NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972</p>
<p>(Information relating to the financial or business affairs of any particular person, including the authority holding that information.)</p>
<h1>Harrowmere Borough Council</h1>
<table>
<tr><td><b>Meeting</b></td><td>Cabinet</td></tr>
<tr><td><b>Date</b></td><td>14 January 2025</td></tr>
<tr><td><b>Report of</b></td><td>Director of Place, Mr Gideon Halloway</td></tr>
<tr><td><b>Title</b></td><td>Proposed acquisition of the former Tannery Lane depot</td></tr>
<tr><td><b>Wards affected</b></td><td>Tanners Cross</td></tr>
<tr><td><b>Key decision</b></td><td>Yes (Forward Plan ref. FP/24/088)</td></tr>
</table>
<h2>Public interest test</h2>
<p>[[E:The Monitoring Officer considers that the public interest in withholding this report outweighs disclosure while negotiations with the vendor are live.]]</p>
<h2>1. Purpose of report</h2>
<p>[[E:The owner, Corvale Holdings Ltd, has indicated it will accept £2,735,000 for the freehold if exchange takes place before 28 February 2025.]] The site extends to 1.4 hectares and adjoins the council's existing Tanners Cross car park.</p>
<h2>2. Valuation</h2>
<p>[[E:The District Valuer's confidential valuation of the site is £2,410,000, so the proposed price represents a premium of £325,000.]] Officers consider the premium justified by the marriage value with the adjoining car park.</p>
<h2>3. Recommendations</h2>
<p>[[E:Officers recommend a maximum bid ceiling of £2,800,000, to be funded from the Strategic Acquisitions Reserve.]]</p>
<h2>4. Risks</h2>
<p>[[E:Corvale Holdings Ltd has disclosed that a competing offer from a self-storage operator lapsed on 9 December 2024.]] If the council does not proceed, the vendor is expected to re-market the site in the spring.</p>
<p>Contact officer: Estates Manager, Tel. 01632 960417</p>
""", "Harrowmere Borough Council - Cabinet - 14 January 2025", "EXEMPT - NOT FOR PUBLICATION")])

# P02 ---- 'NOT FOR PUBLICATION' at the top (TXT), paragraph 1
d = Doc("dev", "ambercombe_staffing_2025-02-06_flexible_retirement.txt", "protected",
        "NOT FOR PUBLICATION at top of plain-text report (para 1)", "exempt",
        "Request for flexible retirement - Revenues Team Leader", "Appointments and Staffing Committee",
        "2025-02-06", "Ambercombe District Council")
write_text(d, """
NOT FOR PUBLICATION

This report is not for publication because it contains exempt information under
paragraph 1 of Part 1 of Schedule 12A to the Local Government Act 1972
(information relating to any individual).

AMBERCOMBE DISTRICT COUNCIL
APPOINTMENTS AND STAFFING COMMITTEE - 6 FEBRUARY 2025
REPORT OF THE HEAD OF PAID SERVICE

Agenda item 5: Request for flexible retirement - Revenues Team Leader

1. SUMMARY

[[E:Mrs Delphine Arkwright-Soames, Revenues Team Leader, has applied for flexible retirement from 31 March 2025 after 27 years of continuous service.]]

2. FINANCIAL IMPLICATIONS

[[E:The one-off strain cost to the Ambercombe pension fund would be £48,620, which would be recovered from salary savings within 19 months.]]

3. OCCUPATIONAL HEALTH

[[E:Her occupational health assessment dated 14 January 2025 supports a reduction to 22.5 hours per week.]]

4. RECOMMENDATION

[[E:That the Committee approves the flexible retirement request and the release of pension benefits without actuarial reduction.]]

Contact: HR Business Partner, extension 4471
""")

# P03 ---- Officer decision form: 'Exempt information? Yes' / 'Is the decision exempt? Yes - paragraph 3' (DOCX)
d = Doc("dev", "westholt_officer_decision_2025-03-03_odr-118.docx", "protected",
        "decision form with 'Exempt information? Yes' / 'Is the decision exempt? Yes - paragraph 3'", "exempt",
        "Write-off of irrecoverable business rates debt - Quillstone Print Works Ltd",
        "Resources Scrutiny Committee", "2025-03-20", "Westholt City Council")
w = Docx(d, footer="Westholt City Council - Officer Decision Record ODR/2025/118")
w.h("Westholt City Council", 0)
w.h("Officer Decision Record", 1)
w.table([
    ["Decision reference", "ODR/2025/118"],
    ["Title", "Write-off of irrecoverable business rates debt - Quillstone Print Works Ltd"],
    ["Decision maker", "Director of Finance (Section 151 Officer)"],
    ["Date of decision", "3 March 2025"],
    ["To be reported to", "Resources Scrutiny Committee, 20 March 2025"],
    ["Exempt information?", "Yes"],
    ["Is the decision exempt?", "Yes – paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972"],
    ["Decision", "[[E:To write off business rates arrears of £186,442.19 owed by Quillstone Print Works Ltd for the years 2019/20 to 2023/24.]]"],
    ["Reasons for the decision", "[[E:The company entered liquidation on 11 November 2024 and the liquidator, Farrant Ashby LLP, has confirmed that unsecured creditors will receive no dividend.]]"],
    ["Alternative options considered", "[[E:Pursuing the former director, Mr Lionel Quarrie, personally was rejected because counsel advised there was no evidence of wilful refusal to pay.]]"],
    ["Conflicts of interest declared", "None"],
    ["Signed", "Director of Finance, 3 March 2025"],
])
w.save()

# P04 ---- Public report with exempt appendix on its own pages (PDF)
d = Doc("dev", "merrowfield_cabinet_2025-04-10_leisure_contract.pdf", "protected",
        "public report with exempt Appendix 2 on its own page (para 3), public appendices either side", "public",
        "Leisure Management Contract - Award", "Cabinet", "2025-04-10", "Merrowfield Borough Council")
HL = "Merrowfield Borough Council - Cabinet - 10 April 2025"
write_pdf(d, [
("""
<h1>Merrowfield Borough Council</h1>
<table>
<tr><td><b>Meeting</b></td><td>Cabinet</td></tr>
<tr><td><b>Date</b></td><td>10 April 2025</td></tr>
<tr><td><b>Report title</b></td><td>Leisure Management Contract - Award</td></tr>
<tr><td><b>Portfolio holder</b></td><td>Councillor Annika Thorley-Beck, Leisure and Wellbeing</td></tr>
<tr><td><b>Exempt information</b></td><td>Appendix 2 is exempt by virtue of paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972. The report and Appendices 1 and 3 are public.</td></tr>
</table>
<h2>1. Summary</h2>
<p>[[P:Three compliant tenders were received for the ten-year Merrowfield leisure management contract, which covers the Kestrel Pool and the Abbeyfields Sports Hall.]]</p>
<h2>2. Recommendation</h2>
<p>[[P:Cabinet is recommended to award the contract to the bidder ranked first in Appendix 2 with effect from 1 October 2025.]]</p>
<h2>3. Background</h2>
<p>[[P:The current contract with the council's in-house trust ends on 30 September 2025 and cannot be extended further.]] The procurement used the open procedure and was advertised on Find a Tender on 6 November 2024.</p>
<h2>4. Evaluation</h2>
<p>The evaluation criteria are set out in Appendix 1. Bidders' scores and prices are set out in Appendix 2, which is exempt because it contains the bidders' commercial information.</p>
<h2>5. Equalities</h2>
<p>A summary of the equality impact assessment is at Appendix 3.</p>
<h2>Appendices</h2>
<p>Appendix 1 - Evaluation criteria<br>Appendix 2 - Tender evaluation results (exempt)<br>Appendix 3 - Equality impact assessment summary</p>
""", HL, ""),
("""
<h2>Appendix 1 - Evaluation criteria</h2>
<p>[[P:Quality was weighted at 60 per cent and price at 40 per cent, with social value forming 10 of the quality points.]]</p>
<table>
<tr><th>Criterion</th><th>Weighting</th></tr>
<tr><td>Service delivery and programming</td><td>30%</td></tr>
<tr><td>Facility maintenance and energy</td><td>20%</td></tr>
<tr><td>Social value</td><td>10%</td></tr>
<tr><td>Price (management fee or subsidy)</td><td>40%</td></tr>
</table>
""", HL, ""),
("""
<p class="mark">EXEMPT - NOT FOR PUBLICATION</p>
<p>By virtue of paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972</p>
<h2>Appendix 2 - Tender evaluation results</h2>
<p>[[E:Halberd Active Leisure Ltd scored 87.5 out of 100 and proposed an annual management fee of £412,300 payable to the council.]]</p>
<p>[[E:Serpentine Community Trust scored 79.0 and required an annual subsidy of £58,000 from the council.]]</p>
<p>[[E:The third bid, from Pellucid Leisure Group, was marked down because its energy price assumptions were 31 per cent below the council's forecast.]]</p>
<table>
<tr><th>Bidder</th><th>Quality (60)</th><th>Price (40)</th><th>Total</th></tr>
<tr><td>Halberd Active Leisure Ltd</td><td>49.5</td><td>38.0</td><td>87.5</td></tr>
<tr><td>Serpentine Community Trust</td><td>51.0</td><td>28.0</td><td>79.0</td></tr>
<tr><td>Pellucid Leisure Group</td><td>36.0</td><td>31.5</td><td>67.5</td></tr>
</table>
""", HL, "EXEMPT - NOT FOR PUBLICATION"),
("""
<h2>Appendix 3 - Equality impact assessment summary</h2>
<p>[[P:The equality impact assessment found no adverse impact on protected groups, and concessionary swim prices for over-65s will be frozen until March 2027.]]</p>
<p>The new operator will be required to keep the changing village at the Kestrel Pool fully accessible during any refurbishment.</p>
""", HL, ""),
])

# P05 ---- Part II section inside a public agenda pack (PDF)
d = Doc("dev", "fenmarsh_planning_policy_2025-05-21_agenda_pack.pdf", "protected",
        "Part II report inside a public agenda pack (para 3)", "public",
        "Agenda pack", "Planning Policy and Economy Committee", "2025-05-21", "Fenmarsh District Council")
HL = "Fenmarsh District Council - Planning Policy and Economy Committee - 21 May 2025"
write_pdf(d, [
("""
<h1>Fenmarsh District Council</h1>
<h2>Planning Policy and Economy Committee</h2>
<p>Wednesday 21 May 2025 at 7.00pm, Council Chamber, Fenmarsh House, Long Sutton Road</p>
<p>[[P:Members of the public may speak on Part I items by registering with Democratic Services by noon on Monday 19 May 2025.]]</p>
<h2>AGENDA</h2>
<h3>PART I - ITEMS TO BE CONSIDERED IN PUBLIC</h3>
<p>1. Apologies for absence<br>2. Declarations of interest<br>3. Minutes of the meeting held on 26 March 2025<br>4. Public question time<br>5. Local Plan Review - Regulation 18 consultation outcome (page 2)<br>6. Work programme 2025/26</p>
<h3>PART II - ITEMS LIKELY TO BE CONSIDERED IN THE ABSENCE OF THE PRESS AND PUBLIC</h3>
<p>7. Fenmarsh Enterprise Hub - Lease of Unit 4 (page 3)</p>
<p>The Committee is asked to resolve that under Section 100A(4) of the Local Government Act 1972 the public be excluded for item 7 on the grounds that it involves the likely disclosure of exempt information as defined in paragraph 3 of Part 1 of Schedule 12A to the Act.</p>
""", HL, ""),
("""
<h2>Agenda item 5: Local Plan Review - Regulation 18 consultation outcome</h2>
<p>Report of the Planning Policy Manager</p>
<p>[[P:The Regulation 18 consultation received 1,146 responses, of which 412 concerned the proposed allocation at Gull Drove.]]</p>
<p>[[P:Officers recommend reducing the Gull Drove allocation from 650 to 480 homes to protect the setting of St Guthlac's Church.]]</p>
<p>The revised draft plan will be reported to this Committee in September 2025 before Regulation 19 publication.</p>
<table>
<tr><th>Theme</th><th>Responses</th></tr>
<tr><td>Housing allocations</td><td>598</td></tr>
<tr><td>Flood risk and drainage</td><td>301</td></tr>
<tr><td>Transport</td><td>247</td></tr>
</table>
""", HL, ""),
("""
<p class="mark">PART II - NOT FOR PUBLICATION</p>
<p>By virtue of paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972</p>
<h2>Agenda item 7: Fenmarsh Enterprise Hub - Lease of Unit 4</h2>
<p>Report of the Economic Development Manager</p>
<p>[[E:Marshlight Robotics Ltd has offered a rent of £38,750 per annum for a fifteen-year lease of Unit 4 with a twelve-month rent-free period.]]</p>
<p>[[E:The company's audited accounts show a pre-tax loss of £214,000 for 2024, so officers propose a rent deposit equal to six months' rent.]]</p>
<p>[[E:The only other enquiry, from Dykeside Seed Co, was withdrawn on 2 April 2025 after the firm secured premises in Wisbech.]]</p>
<p>Recommendation: that the lease of Unit 4 be granted on the terms set out in this report.</p>
""", HL, "PART II - EXEMPT - NOT FOR PUBLICATION"),
])

# P06 ---- Welsh bilingual marking (HTML) - heldout
d = Doc("heldout", "llanfenni_cabinet_2025-06-17_school_land.html", "protected",
        "Welsh bilingual marking NID I'W GYHOEDDI / Eithriedig (para 14 of Part 4, Wales)", "exempt",
        "Land acquisition for a new Welsh-medium primary school", "Cabinet", "2025-06-17",
        "Llanfenni County Council / Cyngor Sir Llanfenni")
write_html(d, """
<p class="mark">NID I'W GYHOEDDI / NOT FOR PUBLICATION</p>
<p class="mark">Eithriedig / Exempt</p>
<p>Eithriedig yn rhinwedd paragraff 14 o Ran 4 o Atodlen 12A i Ddeddf Llywodraeth Leol 1972.</p>
<p>Exempt by virtue of paragraph 14 of Part 4 of Schedule 12A to the Local Government Act 1972.</p>
<h1>Cyngor Sir Llanfenni / Llanfenni County Council</h1>
<table>
<tr><td>Cyfarfod / Meeting</td><td>Cabinet / Cabinet</td></tr>
<tr><td>Dyddiad / Date</td><td>17 Mehefin 2025 / 17 June 2025</td></tr>
<tr><td>Teitl / Title</td><td>Caffael tir ar gyfer Ysgol Gynradd Gymraeg newydd / Land acquisition for a new Welsh-medium primary school</td></tr>
<tr><td>Aelod Cabinet / Cabinet Member</td><td>Y Cynghorydd Elinor Prydderch-Jones / Councillor Elinor Prydderch-Jones</td></tr>
</table>
<h2>1. Crynodeb</h2>
<p>[[E:Mae perchennog Fferm Pant-y-Crychydd wedi cytuno i werthu 3.2 hectar i'r Cyngor am £1,180,000.]]</p>
<p>[[E:Mae'r cytundeb yn amodol ar roi hawl tramwy i'r gwerthwr at fuarth y fferm heb dâl.]]</p>
<h2>1. Summary</h2>
<p>[[E:The owner of Pant-y-Crychydd Farm has agreed to sell 3.2 hectares to the Council for £1,180,000.]]</p>
<p>[[E:The agreement is conditional on the Council granting the vendor a right of way to the retained farmyard at no charge.]]</p>
<h2>2. Argymhelliad / Recommendation</h2>
<p>[[E:That Cabinet approves the purchase, funded from the Sustainable Communities for Learning capital grant of £1,050,000 and £130,000 from the Schools Reserve.]]</p>
<p>Swyddog cyswllt / Contact officer: Rheolwr Ystadau / Estates Manager</p>
""")

# P07 ---- Scottish Schedule 7A, paragraph 8 (MD)
d = Doc("dev", "strathkellan_housing_2025-03-26_modular_homes.md", "protected",
        "Scottish Schedule 7A paragraph 8 marking on whole report", "exempt",
        "Glenmaddy modular homes - procurement route", "Housing and Communities Committee", "2025-03-26",
        "Strathkellan Council")
write_text(d, """
**NOT FOR PUBLICATION**

This report contains exempt information as defined in paragraph 8 of Part I of Schedule 7A of the Local Government (Scotland) Act 1973.

# Strathkellan Council

## Housing and Communities Committee – 26 March 2025

### Agenda item 11: Glenmaddy modular homes – procurement route

Report by Executive Director of Communities

## 1. Purpose

[[E:The estimated expenditure under the Glenmaddy modular homes contract is £6,920,000 for 44 units, an average of £157,273 per home.]]

## 2. Procurement options

[[E:Officers propose to negotiate directly with Torrance Offsite Homes Ltd, whose framework rates are 8.4 per cent below the next supplier.]]

A mini-competition under the Scottish Procurement Alliance framework was also considered but would delay start on site by about five months.

## 3. Recommendations

[[E:The Committee is asked to delegate authority to the Executive Director to award the contract provided the final price does not exceed £7,150,000.]]

Contact: Housing Development Manager, Strathkellan Council Offices, Burnside Place
""")

# P08 ---- OFFICIAL-SENSITIVE header on every page (PDF)
d = Doc("dev", "calderstow_csp_2025-02-27_protective_security.pdf", "protected",
        "OFFICIAL-SENSITIVE header/footer on every page", "restricted",
        "Protective Security Review of Crowded Places - Winter Market 2024",
        "Calderstow Community Safety Partnership Board", "2025-02-27",
        "Calderstow Metropolitan Borough Council")
HL = "Calderstow Community Safety Partnership Board - 27 February 2025"
write_pdf(d, [("""
<p class="mark">OFFICIAL-SENSITIVE</p>
<h1>Protective Security Review of Crowded Places - Winter Market 2024</h1>
<p>Calderstow Metropolitan Borough Council - Calderstow Community Safety Partnership Board - 27 February 2025</p>
<p>Handling instructions: not to be shared outside CSP Board members and their named deputies.</p>
<h2>1. Findings</h2>
<p>[[R:The vehicle mitigation barriers at the Prince Street entrance were left unlocked between 21:40 and 23:15 on 7 December 2024.]]</p>
<p>[[R:The stewarding contractor, Bastion Event Services, had 11 of its 46 rostered staff absent on the busiest Saturday.]]</p>
<p>[[R:The radio dead spot behind the Corn Exchange meant stewards on the east side could not reach event control for up to 20 minutes.]]</p>
<h2>2. Recommendations</h2>
<p>[[R:Counter Terrorism Security Advisers recommend relocating the hostile vehicle mitigation line 18 metres further east of Cloth Hall Square.]]</p>
<p>The Board is asked to agree the recommendations and to receive an implementation update in June 2025.</p>
<table>
<tr><th>Ref</th><th>Recommendation</th><th>Lead</th></tr>
<tr><td>R1</td><td>Lock and log all barrier keys at event control</td><td>Events Manager</td></tr>
<tr><td>R2</td><td>Add a radio repeater on the Corn Exchange roof</td><td>Facilities</td></tr>
<tr><td>R3</td><td>Contract penalty for steward shortfall above 10 per cent</td><td>Procurement</td></tr>
</table>
""", HL, "OFFICIAL-SENSITIVE")])

# P09 ---- RESTRICTED action log (DOCX table)
d = Doc("dev", "easterleigh_emergency_planning_2025-05-08_action_log.docx", "protected",
        "RESTRICTED action log (table of actions)", "restricted",
        "Action Log - Joint Emergency Planning Committee", "Joint Emergency Planning Committee", "2025-05-08",
        "Easterleigh County Council")
w = Docx(d, header="RESTRICTED", footer="RESTRICTED - Easterleigh Joint Emergency Planning Committee action log")
w.p("RESTRICTED", bold=True)
w.h("Easterleigh County Council", 0)
w.h("Joint Emergency Planning Committee – Action Log", 1)
w.p("Meeting held on 8 May 2025 at County Hall, Easterleigh (Committee Room 2)")
w.table([
    ["Ref", "Action", "Owner", "Due", "Status"],
    ["JEP-25-07", "[[R:Confirm fuel reserve at the Hawkridge depot can sustain 72 hours of generator running for the Easterleigh data centre.]]", "Head of Fleet", "30 May 2025", "Open"],
    ["JEP-25-08", "[[R:Share the revised list of 17 priority water customers, including the Marlowe Renal Unit, with the water company control room.]]", "Resilience Manager", "16 May 2025", "Open"],
    ["JEP-25-09", "[[R:Test the fallback radio link between Sandhurst Lane police station and the county emergency centre before 30 June 2025.]]", "Police liaison", "30 June 2025", "In progress"],
    ["JEP-25-10", "[[R:Move the spare satellite phones from the County Hall basement to the Brookfield rest centre store.]]", "Facilities", "31 May 2025", "Complete"],
], header=True)
w.p("Next meeting: 10 July 2025. This log is not for circulation beyond committee members.")
w.save()

# P10 ---- Closed-session minutes inside public minutes (HTML)
d = Doc("dev", "rookhaven_licensing_2025-04-02_minutes.html", "protected",
        "public minutes with 'public and press were excluded' then Confidential - not for publication item, then public item",
        "public", "Minutes of the Licensing Committee", "Licensing Committee", "2025-04-02",
        "Rookhaven District Council")
write_html(d, """
<h1>Rookhaven District Council</h1>
<h2>Minutes of the Licensing Committee held on Wednesday 2 April 2025 at 6.30pm in the Marram Room, Rookhaven Town Hall</h2>
<p>Present: Councillors Bridget Okafor-Lund (Chair), Sam Tewkesbury, Imran Haddow, Olwen Pryor and Neville Strand.</p>
<h3>1. Apologies</h3>
<p>Apologies were received from Councillor Jean Marchbank.</p>
<h3>2. Declarations of interest</h3>
<p>None.</p>
<h3>3. Minutes</h3>
<p>The minutes of the meeting held on 5 February 2025 were approved as a correct record.</p>
<h3>4. Review of hackney carriage fares</h3>
<p>[[P:The Committee agreed to consult on raising the flag-fall charge for hackney carriages from £3.20 to £3.60.]]</p>
<h3>5. Street trading consent – Harbour Steps</h3>
<p>[[P:A street trading consent was granted for a coffee kiosk at Harbour Steps, trading from 7am to 6pm.]]</p>
<h3>6. Exclusion of the public and press</h3>
<p>RESOLVED that under Section 100A(4) of the Local Government Act 1972 the public and press be excluded from the meeting for the following item on the grounds that it involves the likely disclosure of exempt information as defined in paragraph 1 of Part 1 of Schedule 12A to the Act.</p>
<p>The public and press were excluded at 7.42pm.</p>
<p class="mark">CONFIDENTIAL – NOT FOR PUBLICATION</p>
<h3>7. Private hire driver licence – driver ref. PH/2291</h3>
<p>[[E:The driver, Mr Kasimir Threlfall, failed to disclose a caution for common assault received on 3 October 2024.]]</p>
<p>[[E:The Committee revoked private hire driver licence PH/2291 with immediate effect in the interests of public safety.]]</p>
<p>[[E:Mr Threlfall's representative, Ms Coral Whitlock, told the Committee that the caution arose from a dispute with a neighbour.]]</p>
<p>The public and press were readmitted at 8.05pm.</p>
<h3>8. Date of next meeting</h3>
<p>[[P:The next meeting of the Licensing Committee will be held on Wednesday 4 June 2025 at 6.30pm in the Marram Room.]]</p>
<p>The meeting closed at 8.09pm.</p>
""")

# P11 ---- Decision record marked exempt (PDF) - heldout
d = Doc("heldout", "selbridge_cabinet_member_decision_2025-07-01_cmd-045.pdf", "protected",
        "Cabinet Member decision record marked EXEMPT (para 3)", "exempt",
        "Record of Cabinet Member Decision CMD/045 - Loan to Selbridge Market Arcade CIC",
        "Cabinet Member for Regeneration (noted at Cabinet 15 July 2025)", "2025-07-01",
        "Selbridge Borough Council")
write_pdf(d, [("""
<p class="mark">EXEMPT</p>
<p>Not for publication by virtue of paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972</p>
<h1>Selbridge Borough Council</h1>
<h2>Record of Cabinet Member Decision</h2>
<table>
<tr><td><b>Reference</b></td><td>CMD/045</td></tr>
<tr><td><b>Decision maker</b></td><td>Councillor Tobias Wrenfield, Cabinet Member for Regeneration</td></tr>
<tr><td><b>Date of decision</b></td><td>1 July 2025</td></tr>
<tr><td><b>To be noted at</b></td><td>Cabinet, 15 July 2025</td></tr>
<tr><td><b>Subject</b></td><td>Loan to Selbridge Market Arcade CIC</td></tr>
</table>
<h2>Decision</h2>
<p>[[E:The Cabinet Member approved a loan of £650,000 to Selbridge Market Arcade CIC at an interest rate of 4.75 per cent over 12 years.]]</p>
<h2>Security</h2>
<p>[[E:The loan will be secured by a first legal charge over 14 to 18 Wharf Street, valued at £910,000 by Lambert Pryce Surveyors.]]</p>
<h2>Reasons</h2>
<p>[[E:The CIC's cash-flow forecast shows it would exhaust its reserves by November 2025 without the loan.]]</p>
<h2>Consultation</h2>
<p>The Section 151 Officer and the Monitoring Officer were consulted and support the decision.</p>
<p>Call-in deadline: 5pm, 8 July 2025</p>
""", "Selbridge Borough Council - Record of Cabinet Member Decision CMD/045", "EXEMPT")])

# P12 ---- Front-sheet box 'This report contains exempt information' (DOCX) - heldout
d = Doc("heldout", "haverlock_audit_2025-06-12_procurement_card.docx", "protected",
        "front-sheet box 'This report contains exempt information' (paras 1 and 7)", "exempt",
        "Investigation into procurement card misuse - Fleet Services", "Audit and Governance Committee",
        "2025-06-12", "Haverlock County Council")
w = Docx(d, footer="Haverlock County Council - Audit and Governance Committee - 12 June 2025")
w.h("Haverlock County Council", 0)
w.table([
    ["Committee", "Audit and Governance Committee"],
    ["Date of meeting", "12 June 2025"],
    ["Report title", "Investigation into procurement card misuse – Fleet Services"],
    ["Report author", "Head of Internal Audit and Counter Fraud"],
    ["Confidentiality", "This report contains exempt information within the meaning of paragraphs 1 and 7 of Part 1 of Schedule 12A to the Local Government Act 1972."],
    ["Key decision", "No"],
])
w.h("1. Findings", 1)
w.p("[[E:Between April 2023 and January 2025, a Fleet Services supervisor made 63 personal purchases totalling £9,874 on a council procurement card.]]")
w.p("[[E:The purchases included tyres and a tow bar fitted to a private vehicle registered to the supervisor's partner.]]")
w.h("2. Action taken", 1)
w.p("[[E:The matter was referred to Haverlock Constabulary on 4 March 2025 under crime reference HC/25/004471.]]")
w.p("[[E:The supervisor was dismissed for gross misconduct on 22 April 2025 and recovery of the sum is being pursued through the civil courts.]]")
w.h("3. Recommendation", 1)
w.p("That the Committee notes the outcome of the investigation and the control improvements agreed with Fleet Services.")
w.save()

# P13 ---- 'Confidential' marking, legal professional privilege, paragraph 5 (MD)
d = Doc("dev", "penmorrow_council_2025-09-04_promenade_dispute.md", "protected",
        "CONFIDENTIAL marking with legal professional privilege (para 5) on whole report", "exempt",
        "Seaward Promenade construction dispute - legal advice", "Council", "2025-09-04",
        "Penmorrow Borough Council")
write_text(d, """
**CONFIDENTIAL – Exempt information under paragraph 5 of Part 1 of Schedule 12A to the Local Government Act 1972 (legal professional privilege)**

# Penmorrow Borough Council

**Meeting of the Council – Thursday 4 September 2025**

## Seaward Promenade construction dispute – legal advice

Report of the Director of Legal and Democratic Services

### 1. Counsel's opinion

[[E:Leading counsel, Ms Harriet Venning KC, advises that the council has a 60 per cent prospect of defeating the contractor's claim for £3.1 million.]]

[[E:Counsel considers the council's weakest point to be the late issue of the revised sea-wall drawings in March 2023.]]

### 2. Settlement strategy

[[E:Counsel recommends a without-prejudice offer of £740,000 to Brinemoor Civil Engineering Ltd before the adjudication hearing.]]

### 3. Recommendation

[[E:That the Council authorises the Director of Legal and Democratic Services to settle the claim for a sum not exceeding £950,000.]]

Background papers: none (privileged)
""")

# P14 ---- OFFICIAL paper with an OFFICIAL-SENSITIVE annex (DOCX) - heldout
d = Doc("heldout", "oakhurst_scrutiny_2025-08-19_cctv_review.docx", "protected",
        "OFFICIAL report with an OFFICIAL-SENSITIVE annex in its own section (restricted part)", "public",
        "Review of Public Space CCTV", "Overview and Scrutiny Committee", "2025-08-19",
        "Oakhurst District Council")
w = Docx(d, header="OFFICIAL", footer="Oakhurst District Council - Overview and Scrutiny Committee - 19 August 2025")
w.p("OFFICIAL", bold=True)
w.h("Oakhurst District Council", 0)
w.h("Review of Public Space CCTV", 1)
w.p("Overview and Scrutiny Committee – 19 August 2025 – Report of the Community Safety Manager")
w.h("1. Summary", 2)
w.p("[[P:The council operates 138 public space CCTV cameras, of which 29 are due for replacement in 2026/27.]]")
w.p("[[P:The committee is asked to comment on the proposal to move monitoring to a shared control room with Fairleigh Borough Council.]]")
w.h("2. Annexes", 2)
w.p("Annex A – Camera coverage gaps (OFFICIAL-SENSITIVE, circulated to committee members only)")
w.p("Annex B – Consultation summary")
w.new_section(header="OFFICIAL-SENSITIVE")
w.p("OFFICIAL-SENSITIVE", bold=True)
w.h("Annex A – Camera coverage gaps", 1)
w.p("Not for publication. Handle in accordance with the Government Security Classifications.")
w.p("[[R:Cameras 44 and 45 covering the Oakhurst bus station underpass have been out of service since 2 May 2025.]]")
w.p("[[R:There is no live coverage of the rear service yard of the Guildhall between midnight and 6am.]]")
w.p("[[R:Thames Valley Signals Ltd has quoted 14 weeks to restore the fibre link to cameras on Mill Pond Walk.]]")
w.new_section(header="OFFICIAL")
w.p("OFFICIAL", bold=True)
w.h("Annex B – Consultation summary", 1)
w.p("[[P:An online survey received 512 responses, and 71 per cent of respondents supported retaining town-centre CCTV.]]")
w.p("[[P:Respondents most often asked for cameras at the Bridge Street taxi rank and the Riverside car park.]]")
w.save()

# P15 ---- Scottish agenda papers with a private item (Schedule 7A) after public items (TXT) - heldout
d = Doc("heldout", "dunmarrow_education_2025-10-23_papers.txt", "protected",
        "Scottish committee papers: public items then private item marked under Schedule 7A para 8", "public",
        "Education Committee papers", "Education Committee", "2025-10-23", "Dunmarrow Council")
write_text(d, """
DUNMARROW COUNCIL
EDUCATION COMMITTEE
THURSDAY 23 OCTOBER 2025 AT 10.00AM, COUNCIL CHAMBERS, HIGH STREET, DUNMARROW

PAPERS FOR THE MEETING

ITEM 4: SCHOOL LEAVER DESTINATIONS 2024/25
Report by Chief Education Officer

[[P:The Committee is asked to note that 94.2 per cent of Dunmarrow school leavers entered a positive destination in 2024/25.]]
[[P:Ardfern Academy recorded the largest improvement, rising from 89.0 to 95.6 per cent.]]

ITEM 5: BREAKFAST CLUB EXPANSION
Report by Head of Early Years and Primary

[[P:Breakfast clubs will be extended to all 31 primary schools from January 2026 at a cost of £412,000 a year.]]

--------------------------------------------------------------------
ITEM WHICH THE COMMITTEE MAY WISH TO CONSIDER IN PRIVATE

The Committee is invited to resolve that under Section 50A(4) of the Local
Government (Scotland) Act 1973 the public be excluded from the meeting for
the following item of business on the grounds that it involves the likely
disclosure of exempt information as defined in paragraph 8 of Part I of
Schedule 7A of the Act.
--------------------------------------------------------------------

ITEM 6: ARDFERN ACADEMY ROOF REPLACEMENT - TENDER OUTCOME

NOT FOR PUBLICATION - exempt information as defined in paragraph 8 of Part I
of Schedule 7A of the Local Government (Scotland) Act 1973

Report by Head of Property Services

[[E:The lowest tender for the Ardfern Academy roof replacement, from Corrie and Bain Roofing, is £1,386,500, which is £212,000 above the capital allocation.]]
[[E:Officers propose funding the shortfall by deferring the Kilmory Primary playground scheme to 2026/27.]]
[[E:The second-placed tender, from Strathy Building Services, was £1,451,900.]]

Recommendation: that the Committee approves the award to the lowest tenderer.

END OF PAPERS
""")

# ======================================================================
# PUBLIC TRAPS
# ======================================================================

# T01 ---- Appendix list names 'Appendix E - Exempt Information', appendix not in file (PDF)
d = Doc("dev", "bellingford_cabinet_2025-02-11_depot_review.pdf", "trap",
        "appendix list names 'Appendix E - Exempt Information' but that appendix is not in the file", "public",
        "Depot Rationalisation Review", "Cabinet", "2025-02-11", "Bellingford Borough Council")
HL = "Bellingford Borough Council - Cabinet - 11 February 2025"
write_pdf(d, [
("""
<h1>Bellingford Borough Council</h1>
<table>
<tr><td><b>Meeting</b></td><td>Cabinet</td></tr>
<tr><td><b>Date</b></td><td>11 February 2025</td></tr>
<tr><td><b>Title</b></td><td>Depot Rationalisation Review</td></tr>
<tr><td><b>Report of</b></td><td>Head of Environmental Services</td></tr>
<tr><td><b>Exempt information</b></td><td>Appendix E is exempt under paragraph 3 of Part 1 of Schedule 12A and is circulated to Cabinet members separately. This report is public.</td></tr>
</table>
<h2>1. Summary</h2>
<p>[[P:Closing the Mill Lane depot would release 1.9 hectares for housing and save £286,000 a year in running costs.]]</p>
<p>[[P:Grounds maintenance vehicles would transfer to the Crowhurst Road depot by September 2025.]]</p>
<h2>2. Recommendation</h2>
<p>[[P:That Cabinet agrees in principle to close the Mill Lane depot and asks officers to report back on disposal options in July 2025.]]</p>
<h2>3. List of appendices</h2>
<p>Appendix A – Mill Lane site plan</p>
<p>Appendix B – Fleet relocation timetable</p>
<p>[[P:Appendix E – Exempt Information (not for publication)]]</p>
""", HL, ""),
("""
<h2>Appendix A – Mill Lane site plan</h2>
<p>[[P:The Mill Lane site plan shows the former salt barn, the vehicle wash bay and the fuel island in the north-west corner.]]</p>
<p>Plan reference BBC/ES/2025/004, scale 1:1250.</p>
""", HL, ""),
("""
<h2>Appendix B – Fleet relocation timetable</h2>
<table>
<tr><th>Phase</th><th>Vehicles</th><th>Move date</th></tr>
<tr><td>1</td><td>Grounds maintenance (14)</td><td>June 2025</td></tr>
<tr><td>2</td><td>Street cleansing (9)</td><td>August 2025</td></tr>
<tr><td>3</td><td>Pool cars (6)</td><td>September 2025</td></tr>
</table>
<p>[[P:The street cleansing sweepers will be the last specialist vehicles to leave Mill Lane, in August 2025.]]</p>
""", HL, ""),
])

# T02 ---- Decision notice 'Exempt information? No' (DOCX)
d = Doc("dev", "westholt_officer_decision_2025-03-17_odr-121.docx", "trap",
        "decision form with 'Exempt information? No' / 'Is the decision exempt? No'", "public",
        "Community Chest grant - Hollybank Allotment Association", "Resources Scrutiny Committee",
        "2025-04-03", "Westholt City Council")
w = Docx(d, footer="Westholt City Council - Officer Decision Record ODR/2025/121")
w.h("Westholt City Council", 0)
w.h("Officer Decision Record", 1)
w.table([
    ["Decision reference", "ODR/2025/121"],
    ["Title", "Community Chest grant - Hollybank Allotment Association"],
    ["Decision maker", "Head of Communities"],
    ["Date of decision", "17 March 2025"],
    ["To be reported to", "Resources Scrutiny Committee, 3 April 2025"],
    ["Exempt information?", "No"],
    ["Is the decision exempt?", "No"],
    ["Reason for exemption (if applicable)", "Not applicable"],
    ["Decision", "[[P:To award a grant of £12,500 from the Community Chest to Hollybank Allotment Association for a rainwater harvesting scheme.]]"],
    ["Reasons for the decision", "[[P:The scheme will supply 64 plots with stored rainwater and reduce the association's mains water bill by an estimated £1,900 a year.]]"],
    ["Alternative options considered", "[[P:A smaller grant of £7,000 was considered but would only have funded tanks for the northern half of the site.]]"],
    ["Conflicts of interest declared", "None"],
    ["Signed", "Head of Communities, 17 March 2025"],
])
w.save()

# T03 ---- Forward plan listing items marked 'Part exempt' / 'Exempt - para 3' (HTML)
d = Doc("dev", "selbridge_forward_plan_2025-07_to_2025-10.html", "trap",
        "forward plan listing future items marked 'Part exempt' and 'Exempt – para 3'", "public",
        "Forward Plan of Key Decisions - 1 July to 31 October 2025", "Cabinet", "2025-06-13",
        "Selbridge Borough Council")
write_html(d, """
<h1>Selbridge Borough Council</h1>
<h2>Forward Plan of Key Decisions – 1 July to 31 October 2025</h2>
<p>Published 13 June 2025 by the Democratic Services Manager on behalf of the Cabinet.</p>
<p>[[P:Where an item is marked Part exempt, the report will be public but one or more appendices may be considered in private.]]</p>
<p>[[P:Representations about why an exempt item should be considered in public may be sent to the Monitoring Officer at least 28 days before the decision date.]]</p>
<table>
<tr><th>Decision</th><th>Decision maker</th><th>Date</th><th>Open or exempt?</th><th>Contact</th></tr>
<tr><td>[[P:Adoption of the Selbridge Town Centre Parking Strategy]]</td><td>Cabinet</td><td>15 July 2025</td><td>Open</td><td>Parking Services Manager</td></tr>
<tr><td>[[P:Loan to Selbridge Market Arcade CIC]]</td><td>Cabinet Member for Regeneration</td><td>July 2025</td><td>Exempt – para 3</td><td>Head of Regeneration</td></tr>
<tr><td>[[P:Award of the domestic waste collection vehicles contract]]</td><td>Cabinet</td><td>9 September 2025</td><td>Part exempt</td><td>Head of Waste Services</td></tr>
<tr><td>[[P:Approval of the 2026/27 fees and charges schedule]]</td><td>Cabinet</td><td>14 October 2025</td><td>Open</td><td>Finance Business Partner</td></tr>
</table>
<p>[[P:Copies of reports will be available on the council website at least five clear working days before the relevant meeting.]]</p>
""")

# T04 ---- Minutes 'RESOLVED that the public be excluded for item 9' without the item's content (TXT)
d = Doc("dev", "ambercombe_planning_2025-03-13_minutes.txt", "trap",
        "minutes record 'RESOLVED that the public be excluded for item 9' without the item's content", "public",
        "Minutes of the Planning Committee", "Planning Committee", "2025-03-13", "Ambercombe District Council")
write_text(d, """
AMBERCOMBE DISTRICT COUNCIL

MINUTES OF THE PLANNING COMMITTEE HELD ON THURSDAY 13 MARCH 2025 AT 7.00PM
IN THE COUNCIL CHAMBER, AMBERCOMBE HOUSE

Present: Councillors Hester Quayle (Chair), Dominic Rattray, Priya Sallow,
Alun Vevers and Margaret Lyle-Hobbs.

5. PLANNING APPLICATION 24/0917/FUL - CRANE'S MEADOW, LITTLE SOWERBY

[[P:Application 24/0917/FUL for 36 dwellings at Crane's Meadow, Little Sowerby, was approved subject to a Section 106 agreement securing 40 per cent affordable housing.]]

6. APPEAL DECISIONS

[[P:The Committee noted that the appeal against refusal of the solar farm at Tiptree Hollow had been dismissed on 24 February 2025.]]

7. PLANNING PERFORMANCE

[[P:The Committee noted that 91 per cent of minor applications had been determined within eight weeks in the third quarter.]]

8. EXCLUSION OF THE PUBLIC

[[P:RESOLVED that the public be excluded for item 9 on the grounds that it involves the likely disclosure of exempt information as defined in paragraph 5 of Part 1 of Schedule 12A to the Local Government Act 1972.]]

9. ENFORCEMENT MATTER - LAND AT DUNNOCK FARM (EXEMPT)

[[P:The Committee considered a confidential report of the Planning Enforcement Manager; a separate confidential minute has been prepared for this item.]]

The meeting closed at 9.12pm.

Chair
""")

# T05 ---- Agenda listing a Part II item title only (MD)
d = Doc("dev", "fenmarsh_cabinet_2025-06-25_agenda.md", "trap",
        "agenda listing a Part II item by title only", "public",
        "Cabinet agenda", "Cabinet", "2025-06-25", "Fenmarsh District Council")
write_text(d, """
# Fenmarsh District Council

## Cabinet – Wednesday 25 June 2025 at 6.00pm

Council Chamber, Fenmarsh House, Long Sutton Road

[[P:The meeting will be webcast live on the council's YouTube channel and the recording kept for six months.]]

## AGENDA

### Part I – items to be considered in public

1. Apologies for absence
2. Declarations of interest
3. Minutes of the meeting held on 28 May 2025
4. Fenmarsh Climate Action Plan

   [[P:Councillor Imelda Rusk will present the draft Fenmarsh Climate Action Plan, which targets a 55 per cent cut in council emissions by 2030.]]

5. Revenue outturn 2024/25

   [[P:The provisional outturn shows an underspend of £318,000, mainly from vacant posts in Planning and higher interest income.]]

6. Exclusion of the press and public

   To consider passing a resolution under Section 100A(4) of the Local Government Act 1972 to exclude the press and public for the following item, which involves the likely disclosure of exempt information as defined in paragraph 3 of Part 1 of Schedule 12A to the Act.

### Part II – items likely to be considered in the absence of the press and public

7. [[P:Disposal of land at Fenwick Road, Sutton Drove (Exempt – paragraph 3)]]

Democratic Services Officer: Lorcan Tebbit, 01632 960881
""")

# T06 ---- Report discussing the council's policy on confidentiality / exempt information (DOCX)
d = Doc("dev", "harrowmere_standards_2025-05-15_access_to_information_review.docx", "trap",
        "public report discussing the council's policy on exempt/confidential reports", "public",
        "Review of the Access to Information Procedure and Use of Exempt Reports", "Standards Committee",
        "2025-05-15", "Harrowmere Borough Council")
w = Docx(d, footer="Harrowmere Borough Council - Standards Committee - 15 May 2025")
w.h("Harrowmere Borough Council", 0)
w.table([
    ["Meeting", "Standards Committee"],
    ["Date", "15 May 2025"],
    ["Title", "Review of the Access to Information Procedure and Use of Exempt Reports"],
    ["Report of", "Monitoring Officer"],
    ["Status", "Open report"],
])
w.h("1. Purpose", 1)
w.p("[[P:In 2024/25, 23 of the 311 reports to Cabinet and committees were marked NOT FOR PUBLICATION, compared with 37 in 2023/24.]]")
w.p("This report reviews how the council decides when a report should be confidential or exempt, and proposes changes to the guidance for report authors.")
w.h("2. Current practice", 1)
w.p("An exempt report carries the words NOT FOR PUBLICATION and the paragraph of Schedule 12A to the Local Government Act 1972 that applies. Confidential information, in the narrow legal sense, is information provided by a government department on terms that forbid disclosure, and is rare.")
w.table([
    ["Schedule 12A paragraph", "Reports 2024/25"],
    ["Paragraph 1 (individuals)", "5"],
    ["Paragraph 3 (financial or business affairs)", "14"],
    ["Paragraph 5 (legal professional privilege)", "3"],
    ["Paragraph 7 (crime)", "1"],
], header=True)
w.h("3. Proposals", 1)
w.p("[[P:Officers propose that every exempt report must include a public interest test signed off by the Monitoring Officer, Ms Rowena Castell.]]")
w.p("[[P:Where only commercial figures are sensitive, authors should place them in a separate exempt appendix so that the main report can be published.]]")
w.h("4. Recommendation", 1)
w.p("[[P:The Committee is asked to recommend to Council that confidential items are reviewed for release after 12 months.]]")
w.save()

# T07 ---- 'OFFICIAL' marking (PDF)
d = Doc("dev", "calderstow_csp_2025-05-29_annual_report.pdf", "trap",
        "OFFICIAL marking (alone) on every page", "public",
        "Community Safety Partnership Annual Report 2024/25", "Calderstow Community Safety Partnership Board",
        "2025-05-29", "Calderstow Metropolitan Borough Council")
HL = "Calderstow Community Safety Partnership Board - 29 May 2025"
write_pdf(d, [
("""
<p class="mark">OFFICIAL</p>
<h1>Community Safety Partnership Annual Report 2024/25</h1>
<p>Calderstow Metropolitan Borough Council - Calderstow Community Safety Partnership Board - 29 May 2025</p>
<h2>1. Headlines</h2>
<p>[[P:Reported anti-social behaviour in Calderstow town centre fell by 14 per cent to 2,318 incidents in 2024/25.]]</p>
<p>[[P:The Safer Streets fund paid for 62 new street lights along the Rivock canal towpath.]]</p>
<h2>2. Priorities for 2025/26</h2>
<p>[[P:The Board will prioritise shop theft, which rose by 9 per cent, and the night-time economy around Cloth Hall Square.]]</p>
""", HL, "OFFICIAL"),
("""
<h2>3. Performance table</h2>
<table>
<tr><th>Measure</th><th>2023/24</th><th>2024/25</th></tr>
<tr><td>Anti-social behaviour incidents (town centre)</td><td>2,695</td><td>2,318</td></tr>
<tr><td>Shop theft offences</td><td>1,104</td><td>1,203</td></tr>
<tr><td>Repeat domestic abuse referrals</td><td>31%</td><td>27%</td></tr>
</table>
<p>[[P:Repeat referrals to the domestic abuse MARAC fell from 31 per cent to 27 per cent.]]</p>
""", HL, "OFFICIAL"),
])

# T08 ---- 'Classification: Unrestricted' (TXT) - heldout
d = Doc("heldout", "easterleigh_highways_2025-04-24_winter_service.txt", "trap",
        "'Classification: Unrestricted' marking", "public",
        "Winter Service Review 2024/25", "Highways and Transport Committee", "2025-04-24",
        "Easterleigh County Council")
write_text(d, """
Classification: Unrestricted

EASTERLEIGH COUNTY COUNCIL

HIGHWAYS AND TRANSPORT COMMITTEE - 24 APRIL 2025

WINTER SERVICE REVIEW 2024/25

Report of the Director of Highways

1. SUMMARY

[[P:The council's 19 gritting routes treated 1,430 kilometres of road, using 21,600 tonnes of salt during the 2024/25 season.]]

2. TRIALS

[[P:A trial of brine pre-wetting on routes 7 and 12 reduced salt use by 18 per cent.]]

3. RECOMMENDATION

[[P:That the Committee approves adding the B3341 Pilgrims Way to the priority network from November 2025.]]

Contact officer: Winter Service Manager, County Hall, Easterleigh
""")

# T09 ---- Front sheet with 'Confidential: No' (HTML)
d = Doc("dev", "haverlock_audit_2025-09-11_internal_audit_progress.html", "trap",
        "front sheet with 'Confidential: No' and 'Exempt information: None'", "public",
        "Internal Audit Progress Report - Quarter 1 2025/26", "Audit and Governance Committee", "2025-09-11",
        "Haverlock County Council")
write_html(d, """
<h1>Haverlock County Council</h1>
<table>
<tr><td>Committee</td><td>Audit and Governance Committee</td></tr>
<tr><td>Date of meeting</td><td>11 September 2025</td></tr>
<tr><td>Report title</td><td>Internal Audit Progress Report – Quarter 1 2025/26</td></tr>
<tr><td>Confidential</td><td>No</td></tr>
<tr><td>Exempt information</td><td>None</td></tr>
<tr><td>Key decision</td><td>No</td></tr>
</table>
<h2>1. Progress</h2>
<p>[[P:Of the 27 audits in the 2025/26 plan, 6 have been completed and 9 are in progress.]]</p>
<h2>2. Limited assurance reports</h2>
<p>[[P:The audit of school meal income at Fernhill Primary received limited assurance because cash was banked only once a fortnight.]]</p>
<h2>3. Follow-up</h2>
<p>[[P:The follow-up of the Fleet Services procurement card investigation found that all seven agreed actions have been implemented.]]</p>
<p>Report author: Head of Internal Audit and Counter Fraud</p>
""")

# T10 ---- Standing orders quoting the Schedule 12A paragraphs (MD)
d = Doc("dev", "rookhaven_constitution_2025-03-20_access_to_information_rules.md", "trap",
        "standing orders / procedure rules quoting Schedule 12A paragraphs 1-7", "public",
        "Constitution Part 4: Access to Information Procedure Rules (revised)", "Constitution Review Working Group",
        "2025-03-20", "Rookhaven District Council")
write_text(d, """
# Rookhaven District Council

## Constitution Review Working Group – 20 March 2025

## Appendix 1: Constitution Part 4 – Access to Information Procedure Rules (revised draft)

### Rule 14 – Exempt information

Rule 14.1: The public may be excluded from a meeting only where the item involves the likely disclosure of exempt information and the meeting passes a resolution to that effect.

Rule 14.2: Exempt information means information falling within the following paragraphs of Part 1 of Schedule 12A to the Local Government Act 1972, subject to the public interest test:

> 1. Information relating to any individual.
> 2. Information which is likely to reveal the identity of an individual.
> 3. [[P:Information relating to the financial or business affairs of any particular person (including the authority holding that information).]]
> 4. Information relating to any consultations or negotiations, or contemplated consultations or negotiations, in connection with any labour relations matter arising between the authority or a Minister of the Crown and employees of, or office holders under, the authority.
> 5. [[P:Information in respect of which a claim to legal professional privilege could be maintained in legal proceedings.]]
> 6. Information which reveals that the authority proposes (a) to give under any enactment a notice under or by virtue of which requirements are imposed on a person; or (b) to make an order or direction under any enactment.
> 7. Information relating to any action taken or to be taken in connection with the prevention, investigation or prosecution of crime.

[[P:Rule 14.3: The Proper Officer will mark any exempt report NOT FOR PUBLICATION and state the paragraph of Schedule 12A that applies.]]

[[P:Rule 14.7: Any councillor may ask the Monitoring Officer to review an exempt marking, and a decision will be given within 10 working days.]]

Rule 14.8: Confidential information, as defined in section 100A(3) of the Act, must always be considered in private.
""")

# T11 ---- Scottish public report discussing Schedule 7A private business (MD) - heldout
d = Doc("heldout", "strathkellan_policy_2025-08-28_private_business_report.md", "trap",
        "Scottish public annual report quoting the Schedule 7A marking wording", "public",
        "Annual Report on Business Taken in Private 2024/25", "Policy and Resources Committee", "2025-08-28",
        "Strathkellan Council")
write_text(d, """
# Strathkellan Council

## Policy and Resources Committee – 28 August 2025

### Agenda item 7: Annual Report on Business Taken in Private 2024/25

Report by Chief Executive

## 1. Summary

[[P:In 2024/25, 41 of the council's 486 committee reports were considered in private under Schedule 7A of the Local Government (Scotland) Act 1973.]]

[[P:A report is taken in private only where it contains exempt information as defined in paragraph 8 of Part I of Schedule 7A or another paragraph of that Schedule, and the Committee resolves to exclude the public.]]

## 2. Grounds used

[[P:Paragraph 8 of Part I of Schedule 7A, covering proposed contract expenditure, was the most frequently cited ground, used for 17 reports.]]

| Schedule 7A paragraph | Reports |
| --- | --- |
| 1 (employees) | 9 |
| 6 (financial or business affairs) | 11 |
| 8 (proposed contract expenditure) | 17 |
| 12 (legal advice) | 4 |

## 3. Recommendation

[[P:The Committee is asked to agree that the titles of all private reports continue to be published on the council website.]]
""")

# T12 ---- Welsh bilingual public report: 'Agored / Open', 'Gwybodaeth eithriedig? Nac oes' (HTML) - heldout
d = Doc("heldout", "cwmtawelan_scrutiny_2025-07-09_library_hours.html", "trap",
        "Welsh bilingual public report marked Agored/Open with 'exempt? No' in both languages", "public",
        "Library opening hours / Oriau agor llyfrgelloedd", "Communities Scrutiny Committee", "2025-07-09",
        "Cwm Tawelan County Borough Council / Cyngor Bwrdeistref Sirol Cwm Tawelan")
write_html(d, """
<h1>Cyngor Bwrdeistref Sirol Cwm Tawelan / Cwm Tawelan County Borough Council</h1>
<table>
<tr><td>Pwyllgor / Committee</td><td>Pwyllgor Craffu Cymunedau / Communities Scrutiny Committee</td></tr>
<tr><td>Dyddiad / Date</td><td>9 Gorffennaf 2025 / 9 July 2025</td></tr>
<tr><td>Teitl / Title</td><td>Oriau agor llyfrgelloedd / Library opening hours</td></tr>
<tr><td>Statws / Status</td><td>Agored / Open</td></tr>
<tr><td>Gwybodaeth eithriedig? / Exempt information?</td><td>Nac oes / No</td></tr>
</table>
<p>Nid yw'r adroddiad hwn yn cynnwys gwybodaeth eithriedig. / This report does not contain exempt information.</p>
<h2>1. Crynodeb</h2>
<p>[[P:Bydd Llyfrgell Glan-yr-Afon ar agor ar ddydd Sadwrn o fis Medi 2025, wedi'i ariannu gan arbediad o £23,400 ar brydles y llyfrgell deithiol.]]</p>
<h2>1. Summary</h2>
<p>[[P:Glan-yr-Afon Library will open on Saturdays from September 2025, funded by a £23,400 saving on the mobile library lease.]]</p>
<p>[[P:Visits to the county's seven libraries rose to 184,600 in 2024/25, an increase of 6 per cent.]]</p>
<h2>2. Argymhelliad / Recommendation</h2>
<p>Bod y Pwyllgor yn nodi'r newidiadau. / That the Committee notes the changes.</p>
""")

# T13 ---- Public guidance that names OFFICIAL-SENSITIVE / RESTRICTED markings (PDF) - heldout
d = Doc("heldout", "oakhurst_governance_2025-10-02_classification_guidance.pdf", "trap",
        "OFFICIAL public guidance that describes OFFICIAL-SENSITIVE and RESTRICTED handling", "public",
        "Information Classification and Handling Guidance - Annual Update", "Governance and Audit Committee",
        "2025-10-02", "Oakhurst District Council")
HL = "Oakhurst District Council - Governance and Audit Committee - 2 October 2025"
write_pdf(d, [
("""
<p class="mark">OFFICIAL</p>
<h1>Information Classification and Handling Guidance - Annual Update</h1>
<p>Oakhurst District Council - Governance and Audit Committee - 2 October 2025 - Report of the Data Protection Officer</p>
<h2>1. How the council marks papers</h2>
<p>[[P:Most committee papers carry no marking or the marking OFFICIAL and are published on the council website.]]</p>
<p>[[P:Papers marked OFFICIAL-SENSITIVE must be stored in the restricted folder of the committee portal and must not be forwarded to personal email accounts.]]</p>
<p>[[P:The council applies the RESTRICTED marking only to material received from partner agencies that already carries that marking.]]</p>
""", HL, "OFFICIAL"),
("""
<h2>2. Data breaches</h2>
<p>[[P:In the last year, 9 data breaches were reported to the Data Protection Officer, none of which required notification to the Information Commissioner.]]</p>
<h2>3. Recommendation</h2>
<p>[[P:That the Committee endorses mandatory refresher training on classification markings for all councillors by March 2026.]]</p>
""", HL, "OFFICIAL"),
])

# ---------------------------------------------------------------- manifests
for split in ("dev", "heldout"):
    entries = [x.entry() for x in DOCS if x.split == split]
    with open(os.path.join(HERE, f"manifest_{split}.json"), "w", encoding="utf-8") as f:
        json.dump(entries, f, ensure_ascii=False, indent=2)
        f.write("\n")
print(f"wrote {len(DOCS)} files")
