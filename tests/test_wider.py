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
from core.errors import LoadError

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
    # Each row of the ruled table of actions (pages 1-2) is read (Tesseract's own layout analysis,
    # not one uniform block: that lost the rows between the rules), and as a table: each cell's
    # wrapped lines are one cell, not run into the status column beside them ("... the Three
    # Completed - no Parishes Magazine ..."), and page 2's rows continue page 1's table.
    text = " ".join(" ".join(c.text.split()) for c in chunks)
    for cell in (
        "NO to put a request for volunteers in the Three Parishes Magazine, particularly doctors who live in the village",
        "JH to purchase ‘Surveillance Cameras in Use' signs", "NO to speak to Richard Kyte", "CF to respond to Scope",
    ):
        assert cell in text, cell
    from bench.actions_eval import extract

    owners = {a.action[:20]: a.owner for a in extract(WIDER / "souldern-pc" / "2019-07-25 SPC minutes.pdf")}
    assert owners.get("NO to put a request ") == "Nick Oakhill" and owners.get("CF to respond to Sco") == "Cathy Fleet", owners


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


def test_ocr_of_a_poster_sized_scan_stays_within_its_pixel_budget(tmp_path):
    """A scanned page 2 m square (a plan or poster) is not rendered at OCR's usual resolution
    (at least 150 dpi: a 144-megapixel image): the resolution drops to keep the image within
    MAX_PIXELS, and the page is still read."""
    import pymupdf

    from ingest.loaders.ocr import MAX_PIXELS, scan_dpi
    from ingest.loaders.pdf import load_pdf

    side = 72 * 80  # 80 inches
    pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 4000, 4000), False)  # 50 dpi over the page
    pix.clear_with(255)
    doc = pymupdf.open()
    page = doc.new_page(width=side, height=side)
    page.insert_image(page.rect, pixmap=pix)
    poster = tmp_path / "poster.pdf"
    doc.save(poster)
    with pymupdf.open(poster) as opened:
        dpi = scan_dpi(opened[0])
        assert dpi < 150 and (80 * dpi) ** 2 <= MAX_PIXELS
    with pytest.raises(LoadError, match="no text found, not even by OCR"):
        load_pdf(poster)  # a blank scan: read, nothing found, said so


def test_a_failed_ocr_loses_the_page_not_the_paper(monkeypatch):
    """Tesseract failing on a page (its binary broken, too slow, the disk full for its image) is
    reported for that page; the paper's other pages are kept. Failing on every page, the paper is
    refused saying OCR failed, not that it holds no scanned page."""
    import subprocess

    from ingest.loaders import pdf

    real = pdf.ocr_page

    def fails_on_page_2(page, data_dir):
        if page.number == 1:
            raise subprocess.TimeoutExpired("tesseract", 300)
        return real(page, data_dir)

    monkeypatch.setattr(pdf, "ocr_page", fails_on_page_2)
    blocks, pages, warnings = pdf.load_pdf(WIDER / "souldern-pc" / "2019-07-25 SPC minutes.pdf")
    assert pages == 3 and {b.page for b in blocks} == {1, 3}
    assert any(w.startswith("page 2: OCR failed (TimeoutExpired") for w in warnings), warnings

    def always_fails(page, data_dir):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pdf, "ocr_page", always_fails)
    with pytest.raises(LoadError, match="OCR failed on every page .*No space left on device"):
        pdf.load_pdf(WIDER / "souldern-pc" / "2019-07-25 SPC minutes.pdf")
