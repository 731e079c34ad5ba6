"""Synthetic committee papers at any size, reproducible from a seed, for the scale benchmark.

    .venv/bin/python -m bench.synth OUT_DIR --chunks 10000 [--seed 7]

Writes files the real ingest reads: officer reports with figure tables (Markdown), minutes (text),
agenda packs (HTML), scrutiny action logs with owner / due date / status columns (DOCX), and a few
PDF reports (pymupdf), for a dozen invented councils and committees with acronyms, wards, officers
and members. Every council, person and figure is invented. Documents are generated until the
estimated chunk count reaches the target (the estimate is calibrated on the real pipeline to
within about 15%; the benchmark reports the real count). Also writes `OUT_DIR-queries.txt` beside the folder (not in it, so ingest does not read it): questions
drawn from the generated content (names, figures, committees, topics), for latency runs.
"""

from __future__ import annotations

import argparse
import html
import random
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

COUNCILS = [
    "Eastbridge Borough Council", "Northmoor County Council", "Harrowfield City Council",
    "Wexley District Council", "Ashcombe Metropolitan Borough Council", "Kingsmere Council",
]
COMMITTEES = [
    ("Adult Social Care Scrutiny Committee", "ASCSC"),
    ("Children and Young People Overview and Scrutiny Panel", "CYPOSP"),
    ("Health and Wellbeing Board", "HWB"),
    ("Audit and Governance Committee", "AGC"),
    ("Environment and Transport Cabinet Committee", "ETCC"),
    ("Housing Scrutiny Sub-Committee", "HSSC"),
    ("Corporate Parenting Panel", "CPP"),
    ("Resources and Performance Select Committee", "RPSC"),
    ("Planning and Licensing Committee", "PLC"),
    ("Health Overview and Scrutiny Committee", "HOSC"),
    ("Communities and Equalities Scrutiny Panel", "CESP"),
    ("Cabinet", None),
]
WARDS = [
    "Abbey", "Bramley Green", "Castle Hill", "Dunmore", "East Ferry", "Fairholme", "Greystone",
    "Hollins Park", "Ivy Bank", "Juniper Vale", "Kestrel Heath", "Longmead", "Millbrook", "Northgate",
    "Oakfield", "Priory", "Queensway", "Riverside", "St Anne's", "Thornbury", "Upton Marsh", "Westcliffe",
]
FIRST = [
    "Amara", "Bethany", "Callum", "Deepa", "Eleanor", "Farid", "Gareth", "Hannah", "Imran", "Joanna",
    "Kwame", "Lucy", "Marcus", "Niamh", "Olusegun", "Priya", "Rhys", "Siobhan", "Tomasz", "Uzma",
    "Victor", "Wendy", "Yusuf", "Zara", "Alistair", "Bronwen", "Chidi", "Dominika", "Euan", "Fatima",
]
LAST = [
    "Ashworth", "Bhatti", "Coleman", "Dempsey", "Ekwueme", "Fairbairn", "Gallagher", "Hussain",
    "Iqbal", "Jarvis", "Kowalski", "Lindqvist", "McAllister", "Nwosu", "O'Driscoll", "Pemberton",
    "Quinlan", "Rahman", "Sutherland", "Thorne", "Underwood", "Varga", "Whitfield", "Yeung", "Zielinski",
]
ROLES = [
    "Director of Adult Social Care", "Head of Housing Options", "Corporate Director of Children's Services",
    "Chief Finance Officer", "Head of Highways", "Service Manager, Commissioning", "Assistant Director, Public Health",
    "Head of Revenues and Benefits", "Strategic Lead for Climate Change", "Head of Legal Services",
    "Monitoring Officer", "Head of Internal Audit", "Planning Policy Manager", "Head of Waste Services",
]
TOPICS = [
    ("home care capacity", "home care hours commissioned", "the home care framework"),
    ("temporary accommodation", "households in temporary accommodation", "the temporary accommodation reduction plan"),
    ("SEND transport", "pupils using SEND transport", "the travel assistance policy"),
    ("pothole repairs", "potholes repaired within target", "the highways maintenance programme"),
    ("delayed discharges", "delayed transfers of care", "the hospital discharge pathway"),
    ("council tax collection", "council tax collected in year", "the collection improvement plan"),
    ("foster carer recruitment", "approved foster carers", "the fostering recruitment campaign"),
    ("recycling rates", "household waste recycled", "the waste minimisation strategy"),
    ("library opening hours", "library visits", "the library service review"),
    ("carbon emissions", "tonnes of CO2 from council buildings", "the net zero action plan"),
    ("adult safeguarding", "safeguarding enquiries concluded", "the safeguarding adults board plan"),
    ("planning appeals", "planning decisions made on time", "the local plan review"),
    ("youth services", "young people engaged", "the youth offer"),
    ("debt recovery", "sundry debt over 90 days", "the corporate debt policy"),
    ("disabled facilities grants", "adaptations completed", "the better care fund plan"),
    ("air quality", "monitoring sites above the NO2 limit", "the air quality action plan"),
]
SERVICES = [
    "Adult Social Care", "Children's Services", "Highways", "Housing", "Public Health", "Waste and Recycling",
    "Libraries", "Corporate Services", "Planning", "Leisure", "Revenues and Benefits", "Education",
]
STATUSES = ["Complete", "Ongoing", "Awaiting response", "See update", "Closed", "In progress", "TBC"]
VERBS = ["review", "report back on", "circulate a briefing on", "set out options for", "provide figures on",
         "write to the Chair about", "bring a paper on", "meet providers about"]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _money(rng: random.Random) -> str:
    return f"£{rng.uniform(0.1, 48):.1f}m"


@dataclass
class Paper:
    name: str
    content: bytes | str
    estimated_chunks: int
    queries: list[str] = field(default_factory=list)


class Generator:
    """One reproducible stream of papers: the same seed gives the same files."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.serial = 0

    def _meeting(self):
        r = self.rng
        council = r.choice(COUNCILS)
        committee, acronym = r.choice(COMMITTEES)
        day = date(2016, 1, 1) + timedelta(days=r.randrange(0, 3650))
        return council, committee, acronym, day

    def _paragraph(self, topic, figure_year: int) -> str:
        r = self.rng
        name, measure, plan = topic
        ward = r.choice(WARDS)
        sentences = [
            f"The number of {measure} rose from {r.randint(40, 900)} in {figure_year - 1} to {r.randint(40, 900)} in {figure_year}, "
            f"with the largest change in {ward} ward.",
            f"Officers have reviewed {plan} and propose that {r.choice(['funding is reprofiled', 'the target is reset', 'a pilot is extended', 'a new provider is procured'])} "
            f"at a cost of {_money(r)} over {r.randint(2, 5)} years.",
            f"Members asked why performance on {name} in {r.choice(WARDS)} lags the borough average of {r.randint(40, 99)}%.",
            f"{_person(r)}, {r.choice(ROLES)}, explained that recruitment and rising demand were the main pressures.",
            f"The risk is rated {r.choice(['red', 'amber', 'green'])} on the corporate risk register and is reviewed quarterly.",
            f"A consultation with residents of {ward} ran for {r.randint(4, 12)} weeks and drew {r.randint(80, 2400)} responses.",
            f"The forecast outturn for {r.choice(SERVICES)} is an overspend of {_money(r)}, mainly on {name}.",
        ]
        r.shuffle(sentences)
        return " ".join(sentences[: r.randint(3, 5)])

    def report_md(self) -> Paper:
        r = self.rng
        council, committee, acronym, day = self._meeting()
        topic = r.choice(TOPICS)
        author = _person(r)
        role = r.choice(ROLES)
        lines = [
            f"# {topic[2].capitalize()}: update",
            "",
            f"{council}",
            "",
            f"**Committee:** {committee}" + (f" ({acronym})" if acronym else ""),
            f"**Date of meeting:** {day.day} {day:%B %Y}",
            f"**Report of:** {author}, {role}",
            f"**Wards affected:** {', '.join(sorted(r.sample(WARDS, r.randint(1, 4))))}",
            "",
            "## 1. Summary",
            "",
            self._paragraph(topic, day.year),
            "",
        ]
        sections = r.randint(3, 7)
        for s in range(2, sections + 2):
            lines += [f"## {s}. {r.choice(['Background', 'Performance', 'Financial implications', 'Options', 'Risks', 'Consultation', 'Equalities'])}", ""]
            for p in range(r.randint(1, 3)):
                lines += [f"{s}.{p + 1} {self._paragraph(r.choice(TOPICS), day.year)}", ""]
        rows = r.randint(4, 10)
        lines += ["## Budget by service", "", "| Service | Budget | Forecast | Variance |", "| --- | --- | --- | --- |"]
        for service in r.sample(SERVICES, rows):
            budget = r.uniform(1, 90)
            forecast = budget * r.uniform(0.9, 1.15)
            lines.append(f"| {service} | £{budget:.1f}m | £{forecast:.1f}m | £{forecast - budget:+.1f}m |")
        lines += ["", "## Recommendations", "", f"The {acronym or committee} is asked to note the report and agree the proposed next steps."]
        queries = [
            f"what did the {acronym or committee} hear about {topic[0]} in {day.year}?",
            f"report by {author} on {topic[0]}",
            f"budget variance for {lines[-5].split('|')[1].strip()}",
        ]
        return Paper(f"{self._id()} {committee} report {day:%Y-%m-%d}.md", "\n".join(lines) + "\n",
                     2 + sections + rows, queries)

    def minutes_txt(self) -> Paper:
        r = self.rng
        council, committee, acronym, day = self._meeting()
        chair = _person(r)
        present = [_person(r) for _ in range(r.randint(4, 9))]
        lines = [
            council.upper(),
            f"MINUTES of a meeting of the {committee}" + (f" ({acronym})" if acronym else "") + f" held on {day:%A} {day.day} {day:%B %Y} at 10.00 am",
            "",
            f"PRESENT: Councillor {chair} (Chair), Councillors " + ", ".join(present),
            f"APOLOGIES: Councillor {_person(r)}",
            "",
        ]
        items = r.randint(3, 8)
        for i in range(1, items + 1):
            topic = r.choice(TOPICS)
            lines += [f"{i}. {topic[2].title()}", "", f"({i}) {self._paragraph(topic, day.year)}", ""]
            lines += [f"RESOLVED that {r.choice(['the report be noted', 'the recommendations be agreed', 'a further report come to the next meeting', 'the Chair write to the Cabinet Member'])}.", ""]
        lines += [f"The meeting closed at {r.randint(11, 13)}.{r.choice(['05', '20', '35', '50'])} pm."]
        return Paper(f"{self._id()} {committee} minutes {day:%Y-%m-%d}.txt", "\n".join(lines) + "\n",
                     1 + items, [f"what did the {acronym or committee} resolve on {day.day} {day:%B %Y}?", f"Councillor {chair}"])

    def agenda_html(self) -> Paper:
        r = self.rng
        council, committee, acronym, day = self._meeting()
        items = r.randint(4, 9)
        body = [f"<h1>{html.escape(committee)} - Agenda</h1>",
                f"<p>{html.escape(council)}. Meeting on {day.day} {day:%B %Y} at 2.00 pm, Council Chamber.</p>", "<ol>"]
        for i in range(items):
            topic = r.choice(TOPICS)
            body.append(f"<li><h2>{html.escape(topic[2].capitalize())}</h2><p>{html.escape(self._paragraph(topic, day.year))}</p></li>")
        body.append("</ol>")
        page = f"<html><head><title>{html.escape(committee)} agenda</title></head><body>{''.join(body)}</body></html>"
        return Paper(f"{self._id()} {committee} agenda {day:%Y-%m-%d}.html", page, items,
                     [f"{committee} agenda {day:%B %Y}"])

    def action_log_docx(self) -> Paper:
        import io

        import docx

        r = self.rng
        council, committee, acronym, day = self._meeting()
        d = docx.Document()
        d.add_heading(f"{committee} action log {day.year}-{(day.year + 1) % 100:02d}", level=1)
        d.add_paragraph(f"{council}. {committee}" + (f" ({acronym})" if acronym else "") + f". Updated {day.day} {day:%B %Y}.")
        rows = r.randint(5, 16)
        table = d.add_table(rows=rows + 1, cols=5)
        for cell, text in zip(table.rows[0].cells, ["Ref", "Action", "Assigned to", "Due Date", "Status"]):
            cell.text = text
        owners = []
        for i in range(rows):
            owner = f"{_person(r)}, {r.choice(ROLES)}"
            owners.append(owner)
            due = day + timedelta(days=r.randint(14, 240))
            topic = r.choice(TOPICS)
            values = [f"{day.year % 100}/{i + 1:02d}", f"To {r.choice(VERBS)} {topic[2]} in {r.choice(WARDS)} ward.",
                      owner, f"{due.day} {due:%B %Y}", r.choice(STATUSES)]
            for cell, text in zip(table.rows[i + 1].cells, values):
                cell.text = text
        buf = io.BytesIO()
        d.save(buf)
        return Paper(f"{self._id()} {acronym or committee} action log {day:%Y-%m-%d}.docx", buf.getvalue(), 1 + rows,
                     [f"which {acronym or committee} actions are overdue?", f"what is {owners[0].split(',')[0]} responsible for?"])

    def report_pdf(self) -> Paper:
        import pymupdf

        r = self.rng
        council, committee, acronym, day = self._meeting()
        doc = pymupdf.open()
        paragraphs = [self._paragraph(r.choice(TOPICS), day.year) for _ in range(r.randint(4, 10))]
        text = f"{council}\n{committee} - {day.day} {day:%B %Y}\n\n" + "\n\n".join(paragraphs)
        page = doc.new_page()
        rect = pymupdf.Rect(50, 50, 545, 792)
        while text:
            spare = page.insert_textbox(rect, text, fontsize=10, fontname="helv")
            if spare >= 0:
                break
            # Too long for one page: put half on this page and go on with the rest.
            doc.delete_page(-1)
            page = doc.new_page()
            cut = len(text) // 2
            cut = text.rfind("\n\n", 0, cut) if text.rfind("\n\n", 0, cut) > 0 else cut
            page.insert_textbox(rect, text[:cut], fontsize=10, fontname="helv")
            page = doc.new_page()
            text = text[cut:].lstrip()
        data = doc.tobytes(deflate=True)
        doc.close()
        return Paper(f"{self._id()} {committee} report {day:%Y-%m-%d}.pdf", data, 1 + len(paragraphs),
                     [f"{committee} {day.year} report"])

    def _id(self) -> str:
        self.serial += 1
        return f"S{self.serial:06d}"

    def paper(self) -> Paper:
        x = self.rng.random()
        if x < 0.35:
            return self.report_md()
        if x < 0.65:
            return self.minutes_txt()
        if x < 0.82:
            return self.agenda_html()
        if x < 0.97:
            return self.action_log_docx()
        return self.report_pdf()


def generate(out: Path, chunks: int, seed: int = 7) -> dict:
    """Write papers into `out` until their estimated chunk count reaches `chunks`; also
    `queries.txt`. Returns counts."""
    out.mkdir(parents=True, exist_ok=True)
    g = Generator(seed)
    estimated = files = 0
    queries: list[str] = []
    while estimated < chunks:
        p = g.paper()
        path = out / p.name
        if isinstance(p.content, bytes):
            path.write_bytes(p.content)
        else:
            path.write_text(p.content, encoding="utf-8")
        estimated += p.estimated_chunks
        files += 1
        queries.extend(p.queries)
    g.rng.shuffle(queries)
    (out.parent / f"{out.name}-queries.txt").write_text("\n".join(queries) + "\n", encoding="utf-8")
    return {"files": files, "estimated_chunks": estimated, "queries": len(queries)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--chunks", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(generate(args.out, args.chunks, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
