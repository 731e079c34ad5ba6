"""Which council or body published a paper, titles that tell papers apart, and the display label,
on real papers of many councils and on hostile ones."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import CORPUS, EXAMPLES, KENT, seed
from fastapi.testclient import TestClient

from api.app import create_app
from core.errors import MetadataError
from core.labels import committee_label, paper_label, paper_title
from core.types import Chunk, DocType, Document
from ingest.clean import clean
from ingest.loaders import load
from ingest.metadata import apply_sidecar, detect_metadata, not_a_title
from vectorstore.catalog import SCHEMA, SqlCatalog

WIDER = CORPUS / "wider"


def meta(path: Path):
    return detect_metadata(clean(load(path)))


def as_document(path: Path, m) -> Document:
    return Document(
        id=path.stem, source=path.name, path=str(path), sha256=None, title=m.title, committee=m.committee,
        meeting_date=m.meeting_date, doc_type=m.doc_type, body=m.body, provenance=m.provenance,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- body, on real papers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, body, source",
    [
        (KENT / "Printed minutes 13th-Mar-2025 10.00 County Council.pdf", "Kent County Council", "heading"),  # "KENT COUNTY COUNCIL"
        (KENT / "QPR Q3 Cabinet appendix 1.pdf", "Kent County Council", "heading"),
        (seed("001"), "City of London Corporation", "heading"),  # "City of London Corporation Adult Social Care Self-Assessment"
        (seed("004"), "London Borough of Croydon", "heading"),  # "LONDON BOROUGH OF CROYDON" over "REPORT: Cabinet"
        (EXAMPLES / "Minutes - Planning Committee 12 February 2025.pdf", "Northmoor Borough Council", "heading"),
        (WIDER / "souldern-pc/2025-10-30 SPC minutes.pdf", "Souldern Parish Council", "heading"),  # "MINUTES OF THE MEETING OF ..."
        (WIDER / "souldern-pc/spc-risk-2023.pdf", "Souldern Parish Council", "running_header"),
        (WIDER / "milburn-pc/agendas_2021-03-02_.pdf", "Milburn Parish Council", "heading"),
        (WIDER / "northwold-whittington-pc/2019-04-northwold-parish-council-april-meeting-2.md", "Northwold and Whittington Parish Council", "heading"),
        (WIDER / "boughton-pc/2013-07-7012-boughton-pc-agm-2013.md", "Boughton Parish Council", "heading"),
        (WIDER / "action-logs/mscc__minutes_2020-10.html", "Manordeilo and Salem Community Council", "heading"),  # "... held their meeting"
    ],
    ids=lambda v: v.name if isinstance(v, Path) else None,
)
def test_body_from_the_papers_own_heading(path, body, source):
    m = meta(path)
    assert m.body == body
    assert m.provenance["body"]["source"] == source and m.provenance["body"]["evidence"]


@pytest.mark.parametrize(
    "path",
    [
        KENT / "24-00108 - Revenue and Capital Budget Monitoring Report November 2024-25.pdf",  # From / To / Subject: no council named
        KENT / "Questions put and answers given - March 2025.pdf",  # "COUNTY COUNCIL" running header: a committee, not a body
        seed("000"),  # "LBTH" and an NHS trust in its table: nothing in its heading
        WIDER / "souldern-pc/2026-03-26 cdc-report.pdf",  # "Cherwell District Council - March 2026" over a councillor's notes
        WIDER / "souldern-pc/2026-03-26 occ-report.pdf",  # "The County Council has set out its Budget"
        WIDER / "gloucester-city-council/Local Council Tax Support Scheme.pdf",  # named only in prose and a list of appendices
        WIDER / "action-logs/dgu__ODUG Action Log 14 May 2013.pdf",
    ],
    ids=lambda p: p.name,
)
def test_no_body_without_a_clear_signal(path):
    m = meta(path)
    assert m.body is None and "body" not in m.provenance


def test_every_corpus_paper_names_a_body_only_from_its_own_signals():
    """Over every paper of the corpus: a body is always a name in a council's or a public body's
    form, read from a line of the paper itself."""
    papers = [
        p for part in ("seeds", "kent", "wider") for p in sorted((CORPUS / part).rglob("*"))
        if p.is_file() and p.name != "README.md" and p.suffix != ".jsonl"
    ]
    found = {}
    for path in papers:
        m = meta(path)
        if m.body:
            assert m.body.split()[-1] in {"Council", "Corporation", "Trust", "Authority", "Board", "Group"} or m.body.startswith(("London Borough of", "Royal Borough of")), (path, m.body)
            assert m.provenance["body"]["evidence"], path
            found[path.name] = m.body
    assert len(found) >= 25  # measured: 30 of the corpus's 62 papers name their body clearly, none wrongly


def test_a_sidecar_names_the_body(tmp_path):
    paper = tmp_path / "report.pdf"
    paper.write_bytes((KENT / "24-00108 - Revenue and Capital Budget Monitoring Report November 2024-25.pdf").read_bytes())
    (tmp_path / "report.pdf.meta.json").write_text(json.dumps({"body": "Kent County Council", "source": "moderngov"}))
    m = meta(paper)
    assert m.body is None
    apply_sidecar(m, paper)
    assert m.body == "Kent County Council" and m.provenance["body"]["source"] == "moderngov"
    (tmp_path / "report.pdf.meta.json").write_text(json.dumps({"body": ["Kent"]}))
    with pytest.raises(MetadataError, match="body"):
        apply_sidecar(meta(paper), paper)


def test_a_moderngov_site_configured_with_its_council_writes_it_into_each_sidecar(tmp_path):
    from sources import moderngov

    doc = moderngov.LinkedDocument(
        attachment_id=7, title="Budget report", url="https://democracy.example.gov.uk/7", committee="Cabinet",
        meeting_date=date(2025, 1, 30), item_number="5", item_title="Budget", publication_date=None, restricted=False,
    )
    moderngov._write_sidecar(tmp_path / "7.pdf", doc, "  Kent   County Council ")
    assert json.loads((tmp_path / "7.pdf.meta.json").read_text())["body"] == "Kent County Council"
    moderngov._write_sidecar(tmp_path / "8.pdf", doc)
    assert "body" not in json.loads((tmp_path / "8.pdf.meta.json").read_text())
    sources = tmp_path / "sources.json"
    moderngov.remember_site(sources, "https://democracy.example.gov.uk/", ["Cabinet"], "Kent County Council")
    assert moderngov.load_sites(sources)[0]["body"] == "Kent County Council"


# --- titles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    ["KENT COUNTY COUNCIL", "Kent County Council County Council", "Kent County Council Cabinet", "Summons to and Agenda for a Meeting on",
     "Agenda", "Minutes", "Question 1", "Public Reports Pack", "Item 5", "UNRESTRICTED ITEMS", "Agenda Item 4 Appendix A"],
)
def test_a_body_name_or_template_line_is_not_a_title(title):
    assert not_a_title(title, ["Kent County Council"], "Cabinet") is not None


@pytest.mark.parametrize(
    "title",
    ["Agenda Cabinet", "CORPORATE PARENTING PANEL – 10th December 2024", "Summons to and Agenda for a Meeting on Thursday, 13th March, 2025",
     "Kent County Council Quarterly Performance Report Quarter 3 2024/25", "Hertfordshire Parish Council: Risk Management", "Scrutiny Action Log"],
)
def test_a_real_title_stays(title):
    assert not_a_title(title, ["Kent County Council", "Hertfordshire Parish Council"], "Corporate Parenting Panel") is None


def test_kent_minutes_take_their_minutes_line_not_the_letterhead():
    """"KENT COUNTY COUNCIL" / "COUNTY COUNCIL" heads all of Kent's printed minutes: the title is
    the next real heading, the minutes line with the meeting's date."""
    titles = {}
    for name in ("Printed minutes 13th-Feb-2025 09.30 County Council.pdf", "Printed minutes 13th-Mar-2025 10.00 County Council.pdf",
                 "Printed minutes 30th-Jan-2025 10.00 Cabinet.pdf"):
        m = meta(KENT / name)
        assert m.title.lower().startswith("minutes of a meeting of the") and m.provenance["title"]["source"] == "heading"
        assert "kent county council" not in m.title.lower()
        titles[name] = m.title
    assert len(set(titles.values())) == 3
    assert "13 March 2025" in titles["Printed minutes 13th-Mar-2025 10.00 County Council.pdf"]


def test_a_paper_with_only_template_lines_has_no_title_and_says_why(tmp_path):
    path = write(tmp_path, "pack.txt", "PUBLIC REPORTS PACK\nItem 5\n\nThe report sets out the position as at November and asks the Committee to note it.\n")
    m = meta(path)
    assert m.title is None and "title" not in m.provenance
    assert m.provenance["title_refused"]["source"] == "heading" and "template" in m.provenance["title_refused"]["evidence"]


def test_a_letterhead_title_falls_back_to_the_next_heading(tmp_path):
    path = write(
        tmp_path, "report.txt",
        "ROOKHAVEN DISTRICT COUNCIL\n\nLicensing Fees and Charges 2025-26\n\n"
        "This report proposes the licensing fees and charges for the year ahead and asks members to agree them.\n",
    )
    m = meta(path)
    assert m.body == "Rookhaven District Council"
    assert m.title == "Licensing Fees and Charges 2025-26"


# --- labels ---------------------------------------------------------------------------------------


def test_labels_tell_apart_the_papers_the_tester_named():
    """Two papers once titled "KENT COUNTY COUNCIL", the "Summons to and Agenda for a Meeting on"
    front sheet and the "Question 1" answers paper: each label says whose, which meeting and what."""
    names = ["Printed minutes 13th-Feb-2025 09.30 County Council.pdf", "Printed minutes 13th-Mar-2025 10.00 County Council.pdf",
             "Printed minutes 30th-Jan-2025 10.00 Cabinet.pdf", "Agenda frontsheet 13th-Mar-2025 10.00 County Council.pdf",
             "Agenda frontsheet 30th-Jan-2025 10.00 Cabinet.pdf", "Questions put and answers given - March 2025.pdf"]
    labels = {n: paper_label(as_document(KENT / n, meta(KENT / n))) for n in names}
    assert len(set(labels.values())) == len(names), labels
    assert labels[names[1]] == "Kent County Council · County Council · 13 Mar 2025 · Minutes"
    assert labels[names[2]] == "Kent County Council · Cabinet · 30 Jan 2025 · Minutes"
    assert labels[names[3]] == "County Council · 13 Mar 2025 · Agenda"
    assert not any(label.endswith(("Question 1", "KENT COUNTY COUNCIL")) for label in labels.values())


def test_label_parts_and_fallbacks():
    doc = Document("d", "24-00108.pdf", "/p", None, "Revenue and Capital Budget Monitoring", "Cabinet", None, date(2024, 12, 12), DocType.report, body="Kent County Council")
    assert paper_label(doc) == "Kent County Council · Cabinet · 12 Dec 2024 · Report: Revenue and Capital Budget Monitoring"
    doc.title = None
    assert paper_title(doc) == "Report for Cabinet, 12 Dec 2024"
    assert paper_label(doc) == "Kent County Council · Report for Cabinet, 12 Dec 2024"
    doc.body, doc.committee, doc.meeting_date = None, None, None
    assert paper_label(doc) == "Report: 24-00108.pdf"
    parish = Document("p", "m.pdf", "/p", None, "Minutes of the Souldern Parish Council Meeting held in the Village Hall on 30th October 2025",
                      "Souldern Parish Council", None, date(2025, 10, 30), DocType.minutes, body="Souldern Parish Council")
    assert paper_label(parish) == "Souldern Parish Council · 30 Oct 2025 · Minutes"  # the committee is the body; the title says no more
    chunk = Chunk("c", "d", "text", 1, source="a.pdf", title="Scrutiny Action Log", committee="HASSC", doc_type=DocType.action_log)
    assert paper_label(chunk) == "HASSC · Scrutiny Action Log"
    assert committee_label("Cabinet", ["Kent County Council", "London Borough of Croydon"]) == "Cabinet (Kent County Council, London Borough of Croydon)"
    assert committee_label("Souldern Parish Council", ["Souldern Parish Council"]) == "Souldern Parish Council"
    assert committee_label("Cabinet", []) == "Cabinet"


# --- hostile papers -------------------------------------------------------------------------------


def test_a_body_quoted_in_a_table_or_letter_never_outweighs_the_front_sheet(tmp_path):
    path = write(
        tmp_path, "report.txt",
        "LONDON BOROUGH OF CROYDON\n"
        "REPORT:\tCabinet\n"
        "DATE OF DECISION\t15 May 2024\n"
        "REPORT TITLE:\tJoint Working on Highways\n"
        "Partner\tRole\n"
        "Kent County Council\tLead authority for the pilot\n\n"
        "KENT COUNTY COUNCIL\n"
        "Dear Kent County Council, we write on behalf of Kent County Council about the pilot.\n",
    )
    m = meta(path)
    assert m.body == "London Borough of Croydon"
    assert m.provenance["body"]["evidence"] == "LONDON BOROUGH OF CROYDON"


def test_a_body_named_only_in_a_table_or_a_letter_is_no_body(tmp_path):
    path = write(
        tmp_path, "report.txt",
        "Report to: Cabinet\nDate of meeting: 15 May 2024\nSubject: Joint Working on Highways\n\n"
        "Partner\tRole\nKent County Council\tLead authority\nMedway Council\tPartner\n\n"
        "The letter from Kent County Council of 3 March asked whether Kent County Council could lead the pilot, and the "
        "officers of Kent County Council agreed to the proposal in principle subject to funding.\n",
    )
    m = meta(path)
    assert m.body is None
    assert m.title == "Joint Working on Highways"


def test_a_ten_thousand_character_heading(tmp_path):
    long = "Kent County Council " + "Annual Budget and Council Tax Setting " * 270
    path = write(tmp_path, "long.txt", f"{long[:10_000]}\n\nThe Council is asked to agree the budget.\n")
    started = time.perf_counter()
    m = meta(path)
    assert time.perf_counter() - started < 5
    assert m.body is None  # a 10,000-character line is a paragraph, not a letterhead
    assert m.title is None or len(m.title) <= 200
    label = paper_label(as_document(path, m))
    assert len(label) < 300


@pytest.mark.parametrize(
    "heading, body",
    [
        ("ＫＥＮＴ ＣＯＵＮＴＹ ＣＯＵＮＣＩＬ", "Kent County Council"),  # full-width letters
        ("Souldern\u200b Parish Council", "Souldern Parish Council"),  # a zero-width space
        ("\u202eKent County Council\u202c", "Kent County Council"),  # direction overrides
        ("YNYS MÔN COMMUNITY COUNCIL", "Ynys Môn Community Council"),
        ("STOKE-ON-TRENT CITY COUNCIL", "Stoke-on-Trent City Council"),
        ("🏛️ 🏛️ 🏛️", None),
        ("Ｃｏｕｎｃｉｌ", None),
    ],
)
def test_odd_unicode_in_a_letterhead(tmp_path, heading, body):
    path = write(tmp_path, "minutes.txt", f"{heading}\nMinutes of the meeting held on 4 June 2024\n\nPresent: Cllr A Smith (Chair)\nIt was resolved to approve the accounts.\n")
    m = meta(path)
    assert m.body == body
    if m.body:
        assert all(ch.isprintable() and ch not in "\u200b\u202e\u202c" for ch in m.body)


# --- the catalog and the API -------------------------------------------------------------------


def test_an_existing_catalog_gains_the_body_column(tmp_path):
    """A catalog made before `body` existed keeps its papers and gains the column."""
    path = tmp_path / "catalog.sqlite3"
    old_schema = SCHEMA.replace(",\n    body TEXT\n);", "\n);", 1)
    assert "body TEXT" not in old_schema.split("CREATE TABLE IF NOT EXISTS chunks")[0]
    with sqlite3.connect(path) as conn:
        conn.executescript(old_schema)
        conn.execute(
            "INSERT INTO documents VALUES ('old','old.pdf','/old.pdf','sha','fp','Old paper','Cabinet',NULL,'2024-01-01','report','public',1,0,'2024-01-01','{}')"
        )
    catalog = SqlCatalog(path)
    old = catalog.get_document("old")
    assert old.title == "Old paper" and old.body is None
    new = Document("new", "new.pdf", "/new.pdf", "sha2", "New paper", "Cabinet", None, date(2025, 1, 1), DocType.report, body="Kent County Council")
    catalog.replace_document(new, [], "fp2")
    assert catalog.get_document("new").body == "Kent County Council"
    assert catalog.committee_bodies() == {"Cabinet": {"Kent County Council": 1}}
    SqlCatalog(path)  # opening it again adds nothing twice


@pytest.fixture(scope="module")
def client(corpus_service):
    return TestClient(create_app(corpus_service))


def test_the_api_names_each_papers_body_and_label(client):
    docs = client.get("/documents").json()["documents"]
    by_source = {d["source"]: d for d in docs}
    croydon = by_source[seed("004").name]
    assert croydon["body"] == "London Borough of Croydon" and croydon["provenance"]["body"]["source"] == "heading"
    assert croydon["label"].startswith("London Borough of Croydon · Cabinet · 15 May 2024 · Report: Adult Social Care")
    assert all(d["label"] for d in docs) and len({d["label"] for d in docs}) == len(docs)  # no two papers look alike
    one = client.get(f"/documents/{croydon['id']}").json()
    assert one["body"] == croydon["body"] and one["label"] == croydon["label"]

    results = client.get("/search", params={"q": "peer challenge findings adult social care Croydon", "k": 5}).json()["results"]
    hit = next(r for r in results if r["source"] == seed("004").name)
    assert hit["body"] == "London Borough of Croydon" and hit["label"] == croydon["label"]
    cited = client.post("/ask", json={"question": "What did the adult social care peer challenge in Croydon find?"}).json()["citations"]
    assert all("body" in c and c["label"] for c in cited)

    committees = {c["name"]: c for c in client.get("/committees").json()["committees"]}
    cabinet = committees["Cabinet"]
    assert {"Kent County Council", "London Borough of Croydon", "Northmoor Borough Council"} <= set(cabinet["bodies"])
    assert cabinet["body"] is None and cabinet["label"].startswith("Cabinet (")
    planning = committees["Planning Committee"]
    assert planning["body"] == "Northmoor Borough Council" and planning["label"] == "Planning Committee (Northmoor Borough Council)"

    actions = client.get("/actions").json()["actions"]
    kent_plan = [a for a in actions if a["source"]["source"].startswith("24-00115 - Appendix B")]
    assert kent_plan and all(a["source"]["body"] == "Kent County Council" and a["source"]["label"].startswith("Kent County Council · ") for a in kent_plan)
    assert all(a["source"]["label"] for a in actions)
