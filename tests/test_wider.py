"""Papers from councils the product was not built on (../shared/corpus/wider: parish councils, a
city council, an NHS trust, an Irish council, community councils, public bodies), and invented
protected papers in many councils' styles (tests/data/planted). Held-back label sets are measured
here too, to floors; their misses are never listed (bench/metadata_eval.py --misses dev lists the
dev ones)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, EXAMPLES

from bench.metadata_eval import DATA, evaluate, parse

WIDER = CORPUS / "wider"


@pytest.fixture(scope="module")
def results():
    if not (WIDER / "labels.jsonl").exists():
        pytest.fail(f"the wider corpus is missing at {WIDER}", pytrace=False)
    return evaluate(CORPUS)


def _published_papers() -> list[Path]:
    return sorted(
        [p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".pdf", ".docx", ".html", ".md", ".txt")]
        + list(EXAMPLES.iterdir())
    )


def test_every_published_paper_stays_public():
    """All of ../shared/corpus was published: not one paper, nor one passage of it, may come out
    restricted or exempt (a committee report listing "Appendix E – Exempt Information", a decision
    notice answering "Exempt Information? No", a forward plan with "Part exempt" items...)."""
    hidden = []
    for path in _published_papers():
        doc, chunks, reason = parse(path)
        assert doc is not None or "no text" in (reason or ""), f"{path.name}: {reason}"
        if doc is None:
            continue
        levels = {c.classification.value for c in chunks} | {doc.classification.value}
        if levels != {"public"}:
            hidden.append(f"{path.relative_to(CORPUS.parent) if CORPUS in path.parents else path.name}: {sorted(levels)}")
    assert not hidden


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_planted_protected_papers_are_never_public_and_traps_never_hidden(results, split):
    planted = results["planted"][split]
    assert not planted["failed"]
    assert planted["protected_made_public"] == 0, planted["details"] if split == "dev" else planted["protected_made_public"]
    assert planted["public_made_non_public"] == 0, planted["details"] if split == "dev" else planted["public_made_non_public"]
    assert planted["document_right"] == planted["papers"]


# Floors a little under the figures measured when they were set (docs/ingest.md has the figures):
# a change that loses ground on papers nobody tuned against fails here.
FLOORS = {
    "corpus/dev": {"committee": 0.95, "meeting_date": 0.95, "doc_type": 0.95, "title": 0.9},
    "corpus/heldout": {"committee": 0.9, "meeting_date": 0.9, "doc_type": 0.75, "title": 0.8},
    "wider/dev": {"committee": 0.95, "meeting_date": 0.95, "doc_type": 0.95, "title": 0.9},
    "wider/heldout": {"committee": 0.7, "meeting_date": 0.75, "doc_type": 0.9, "title": 0.55},
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_metadata_holds_on_papers_of_many_councils(results, name):
    r = results["sets"][name]
    low = {f: round(r["accuracy"][f], 3) for f, floor in FLOORS[name].items() if r["accuracy"][f] < floor}
    assert not low, (low, r["misses"] if name.endswith("/dev") else "held-back misses are not listed")
    assert r["published_made_non_public"] == 0


def test_a_scan_and_text_drawn_as_shapes_are_read_by_ocr():
    """The Hertingfordbury payments list (a scan) and the Souldern July 2019 minutes (text turned
    into vector shapes) have no text layer: both are read, their passages marked as OCR text."""
    scan = WIDER / "hertingfordbury-pc" / "Items over £100 2017-18.pdf"
    doc, chunks, reason = parse(scan)
    assert doc is not None, reason
    assert chunks and all(c.ocr for c in chunks)
    # Six "dd-mm-yy Grass cut <amount>" rows on its one page are rows, not a running footer.
    assert " ".join(c.text for c in chunks).count("Grass cut") == 6 and all(c.page == 1 for c in chunks)
    doc, chunks, reason = parse(WIDER / "souldern-pc" / "2019-07-25 SPC minutes.pdf")
    assert doc is not None and doc.committee == "Souldern Parish Council"
    assert str(doc.meeting_date) == "2019-07-25" and all(c.ocr for c in chunks) and chunks[0].page == 1
    # Each row of the ruled table of actions on page 2 is read (Tesseract's own layout analysis,
    # not one uniform block: that lost the rows between the rules).
    page2 = " ".join(" ".join(c.text.split()) for c in chunks if c.page == 2)
    for row in ("NO to put a request for volunteers", "JH to purchase", "NO to speak to Richard Kyte", "CF to respond to Scope"):
        assert row in page2, row


def test_files_are_read_by_what_they_hold(tmp_path):
    """HTML minutes saved as .php, a PDF without an extension, and a .pdf that is a web page."""
    minutes = next((WIDER / "action-logs").glob("*.html"))
    php = tmp_path / "minutes.php"
    shutil.copy(minutes, php)
    doc, chunks, reason = parse(php)
    assert doc is not None, reason
    assert chunks and doc.committee == "Manordeilo and Salem Community Council"
    bare = tmp_path / "decision-notice"
    shutil.copy(CORPUS / "kent" / "Governance Update Report.pdf", bare)
    doc, _, reason = parse(bare)
    assert doc is not None and doc.title == "Governance Update", reason
    fake = tmp_path / "agenda.pdf"
    fake.write_text("<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>")
    doc, _, reason = parse(fake)
    assert doc is None and "holds HTML" in reason


def test_tables_survive_pages_the_lean_table_finder_cannot_read():
    """40 pages of the wider corpus (the Suffolk evaluation report among them) lost their tables
    to a table-finder exception; they are read again with pymupdf's own character list."""
    from ingest.loaders.pdf import load_pdf

    blocks, _, warnings = load_pdf(WIDER / "suffolk-county-council" / "2011-libraries-evaluation-report.pdf")
    pages_with_tables = {b.page for b in blocks if b.table}
    assert {32, 33, 34, 35, 36, 37} <= pages_with_tables and not warnings


def test_labels_exist_for_every_wider_paper():
    names = {line.split('"file": "')[1].split('"')[0] for f in ("metadata_dev.jsonl", "metadata_heldout.jsonl") for line in (DATA / "wider" / f).read_text().splitlines() if line.strip()}
    papers = {str(p.relative_to(WIDER)) for p in WIDER.rglob("*") if p.is_file() and p.name not in ("README.md", "labels.jsonl")}
    assert papers == names
