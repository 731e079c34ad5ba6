"""Metadata detected from the content of real papers, and sidecar overrides."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
from conftest import EXAMPLES, KENT, seed

from core.errors import MetadataError
from core.types import Classification, DocType
from ingest.clean import clean
from ingest.loaders import load
from ingest.metadata import apply_sidecar, detect_metadata


def meta(path):
    return detect_metadata(clean(load(path)))


def test_hassc_action_log():
    m = meta(seed("000"))
    assert m.committee == "Health and Adults Scrutiny Sub-Committee"
    assert m.committee_acronym == "HASSC"
    # A rolling log names no meeting of its own (each action carries the meeting it was raised at):
    # no date is better than the first date in the table.
    assert m.meeting_date is None and "meeting_date" not in m.provenance
    assert m.doc_type == DocType.action_log
    assert m.title == "Scrutiny Action Log"


def test_croydon_cabinet_report_with_html_fragments():
    m = meta(seed("004"))
    assert m.committee == "Cabinet"
    assert m.meeting_date == date(2024, 5, 15)
    assert m.doc_type == DocType.report
    assert m.classification == Classification.public  # "CONTAINS EXEMPT INFORMATION? No"
    assert m.title.startswith("Adult Social Care & Health Peer Challenge")


@pytest.mark.parametrize(
    "name, committee, when, doc_type",
    [
        ("24-00108 - Revenue and Capital Budget Monitoring Report November 2024-25.pdf", "Cabinet", date(2025, 1, 30), DocType.report),
        ("CPP Minutes 10.12.24.pdf", "Corporate Parenting Panel", date(2024, 12, 10), DocType.minutes),
        ("Printed minutes 13th-Feb-2025 09.30 County Council.pdf", "County Council", date(2025, 2, 13), DocType.minutes),
        ("Agenda frontsheet 30th-Jan-2025 10.00 Cabinet.pdf", "Cabinet", date(2025, 1, 30), DocType.agenda),
    ],
)
def test_kent_pdfs(name, committee, when, doc_type):
    m = meta(KENT / name)
    assert (m.committee, m.meeting_date, m.doc_type) == (committee, when, doc_type)


def test_kent_classification_label_on_next_line():
    m = meta(KENT / "24-00108 - Revenue and Capital Budget Monitoring Report November 2024-25.pdf")
    assert m.classification == Classification.public
    assert m.title == "Revenue and Capital Budget Monitoring Report – November 2024-25"


def test_unknown_fields_are_none_not_guessed():
    m = meta(seed("001"))  # a self-assessment: no committee, no classification line
    assert m.committee is None
    assert m.classification is None


def test_sidecar_overrides_fields(tmp_path):
    paper = tmp_path / "log.txt"
    shutil.copy(seed("000"), paper)
    (tmp_path / "log.txt.meta.json").write_text(
        json.dumps({"committee": "Health Scrutiny Panel", "classification": "restricted", "meeting_date": "2024-07-01"})
    )
    m = meta(paper)
    assert apply_sidecar(m, paper) == []  # raising the classification needs no one's leave
    assert (m.committee, m.classification, m.meeting_date) == ("Health Scrutiny Panel", Classification.restricted, date(2024, 7, 1))


def test_bad_sidecar_names_file_and_field(tmp_path):
    paper = tmp_path / "x.md"
    paper.write_text("# Report to Cabinet\n\nSome text.")
    side = tmp_path / "x.md.meta.json"
    side.write_text(json.dumps({"meeting_date": "13/13/2024"}))
    with pytest.raises(MetadataError, match=r"x\.md\.meta\.json: field 'meeting_date'"):
        apply_sidecar(meta(paper), paper)
    side.write_text(json.dumps({"colour": "red"}))
    with pytest.raises(MetadataError, match=r"unknown field 'colour'"):
        apply_sidecar(meta(paper), paper)
    # Values of the wrong type were a 500 (API) and "the parser process died" (CLI).
    for field, value in [("meeting_date", 20240101), ("classification", ["public"]), ("title", {"a": 1}), ("doc_type", True)]:
        side.write_text(json.dumps({field: value}))
        with pytest.raises(MetadataError, match=rf"x\.md\.meta\.json: field '{field}': must be a string or null"):
            apply_sidecar(meta(paper), paper)


def test_a_sidecar_never_quietly_lowers_a_papers_marking(tmp_path):
    paper = tmp_path / "depot.txt"
    paper.write_text("NOT FOR PUBLICATION\nCabinet\nReport title: Depot land sale\nDate of meeting: 14 January 2025\n\nThe sale is agreed.")
    (tmp_path / "depot.txt.meta.json").write_text(json.dumps({"classification": "public"}))
    assert meta(paper).classification is Classification.exempt
    with pytest.raises(MetadataError, match=r"depot\.txt\.meta\.json: field 'classification': 'public' would lower the paper's own marking \(exempt\)"):
        apply_sidecar(meta(paper), paper)
    allowed = meta(paper)
    warnings = apply_sidecar(allowed, paper, allow_declassify=True)
    assert allowed.classification is Classification.public
    assert warnings == ["depot.txt.meta.json lowers the paper's own marking from exempt to public: applied, as an admin allowed"]


def test_examples_metadata():
    m = meta(EXAMPLES / "HOSC action log - 2024-25.pdf")
    assert m.committee == "Health and Social Care Overview and Scrutiny Committee"
    assert m.committee_acronym == "HOSC"
    assert m.doc_type == DocType.action_log
    m = meta(EXAMPLES / "Minutes - Planning Committee 12 February 2025.pdf")
    assert (m.committee, m.meeting_date, m.doc_type) == ("Planning Committee", date(2025, 2, 12), DocType.minutes)
    # "Audit and Governance Committee (AGC)": the bracketed acronym is the acronym, not the name.
    m = meta(EXAMPLES / "Audit Committee - Internal Audit Progress Report March 2025.docx")
    assert (m.committee, m.committee_acronym) == ("Audit and Governance Committee", "AGC")
