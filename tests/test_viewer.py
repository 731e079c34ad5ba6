"""A cited passage in place: its boxes on the page, recorded at ingest, and the endpoint the viewer
reads them from, for every role.

The boxes are checked against the PDF itself: the words pymupdf finds inside them must be the
passage's words (and the passage's words must be inside them), on real papers with a text layer,
on a scanned page read by OCR, and for a passage running across a page break.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from conftest import CORPUS, KENT, make_service
from fastapi.testclient import TestClient
from test_access import APPENDIX_QUOTE, EXEMPT_QUOTE, PLANTED, PUBLIC_QUOTE

from api.app import create_app
from core.types import Chunk
from ingest.positions import locate, located_text

KENT_REPORT = KENT / "24-00108 - Revenue and Capital Budget Monitoring Report November 2024-25.pdf"
KENT_MINUTES = KENT / "Printed minutes 30th-Jan-2025 10.00 Cabinet.pdf"
SCANNED = CORPUS / "wider" / "souldern-pc" / "2019-07-25 SPC minutes.pdf"
TOKEN = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[str]:
    return [t.lower() for t in TOKEN.findall(text)]


def _parse(path: Path):
    from core.config import get_settings
    from ingest.parse import PaperParser

    return PaperParser(get_settings()).parse(path, path.read_bytes(), "doc", "0" * 64).chunks


@lru_cache(maxsize=64)
def _fresh_words(path: Path, number: int) -> list[tuple[float, float, str]]:
    """A page's words as pymupdf reads them afresh (OCR'd the same way for a scanned page): the
    centre of each, as fractions of the page, and its text, in reading order."""
    import pymupdf

    from ingest.loaders.ocr import needs_ocr, ocr_page, tessdata

    with pymupdf.open(path) as doc:
        page = doc[number - 1]
        textpage = page.get_textpage()
        if needs_ocr(page, page.get_text("dict", textpage=textpage)):
            words = ocr_page(page, tessdata()).words
        else:
            words = page.get_text("words", textpage=textpage)
        w, h = page.rect.width, page.rect.height
        return [((x0 + x1) / 2 / w, (y0 + y1) / 2 / h, text) for x0, y0, x1, y1, text, *_ in words]


def _words_in_boxes(path: Path, boxes) -> list[str]:
    """The words of the PDF whose centres fall inside the boxes, page by page, in reading order."""
    out: list[str] = []
    for number in sorted({b[0] for b in boxes}):
        for cx, cy, text in _fresh_words(path, number):
            if any(b[0] == number and b[1] <= cx <= b[3] and b[2] <= cy <= b[4] for b in boxes):
                out.extend(_tokens(text))
    return out


def _agreement(chunk: Chunk, path: Path) -> tuple[float, float]:
    """(share of the passage's words inside its boxes, share of the boxed words in the passage)."""
    inside = _words_in_boxes(path, chunk.boxes)
    wanted = _tokens(located_text(chunk))
    got = set(inside)
    recall = sum(t in got for t in wanted) / len(wanted)
    precision = sum(t in set(wanted) for t in inside) / max(1, len(inside))
    return recall, precision


@pytest.mark.parametrize("path", [KENT_REPORT, KENT_MINUTES], ids=["report", "minutes"])
def test_boxes_hold_the_passage_and_little_else(path):
    chunks = [c for c in _parse(path) if c.page is not None]
    placed = [c for c in chunks if c.boxes]
    assert len(placed) >= 0.9 * len(chunks)
    for chunk in placed[:12]:
        recall, precision = _agreement(chunk, path)
        assert recall >= 0.85, (chunk.id, recall, chunk.text[:200])
        assert precision >= 0.8, (chunk.id, precision, chunk.text[:200])
        assert all(0 <= b[1] < b[3] <= 1 and 0 <= b[2] < b[4] <= 1 for b in chunk.boxes)
        assert {b[0] for b in chunk.boxes} <= {chunk.page, chunk.page + 1}


def test_a_passage_across_a_page_break_is_boxed_on_both_pages():
    chunks = _parse(KENT_MINUTES)
    spanning = [c for c in chunks if c.boxes and len({b[0] for b in c.boxes}) == 2]
    assert spanning, "the minutes have passages that run onto the next page"
    chunk = spanning[0]
    first, second = chunk.page, chunk.page + 1
    assert [b[0] for b in chunk.boxes] == sorted(b[0] for b in chunk.boxes)  # reading order
    # The part on the second page is how the passage ends, and the part on the first how it starts.
    wanted = _tokens(chunk.text)
    on_first = _words_in_boxes(KENT_MINUTES, [b for b in chunk.boxes if b[0] == first])
    on_second = _words_in_boxes(KENT_MINUTES, [b for b in chunk.boxes if b[0] == second])
    assert on_first[:3] == wanted[:3] and on_second[-3:] == wanted[-3:], (on_first[:5], on_second[-5:], wanted)
    recall, precision = _agreement(chunk, KENT_MINUTES)
    assert recall >= 0.85 and precision >= 0.8


def test_a_scanned_page_read_by_ocr_is_boxed_too():
    chunks = _parse(SCANNED)
    assert all(c.ocr for c in chunks)
    placed = [c for c in chunks if c.boxes]
    assert len(placed) >= 0.8 * len(chunks)
    for chunk in placed[:4]:
        recall, precision = _agreement(chunk, SCANNED)
        assert recall >= 0.8 and precision >= 0.7, (chunk.text[:200], recall, precision)


def test_text_that_is_not_on_the_page_gets_no_boxes():
    words = {1: [(0.1, 0.1, 0.2, 0.12, w, 0, 0) for w in "the committee agreed to defer the item".split()]}
    assert locate("Halvorsen Logistics won the Northgate depot contract", words, 1) is None
    assert locate("", words, 1) is None
    assert locate("the committee agreed", {}, 1) is None
    # Common words scattered through a page do not place a passage made of other words.
    assert locate("the quarterly budget report was noted by the committee", words, 1) is None
    # A huge passage of nonsense against a page costs nothing and places nothing.
    assert locate("zq " * 20000, words, 1) is None
    assert locate("the committee agreed to defer the item", words, 1) == [(1, 0.1, 0.1, 0.2, 0.12)]


# --- the endpoint --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A Kent report, the planted papers (exempt, restricted, a public report with an exempt
    appendix) and a key per role, in their own store."""
    home = tmp_path_factory.mktemp("viewer-home")
    folder = tmp_path_factory.mktemp("viewer-papers")
    for name, text in PLANTED.items():
        (folder / name).write_text(text, encoding="utf-8")
    service = make_service(home)
    report = service.ingest([folder, KENT_REPORT])
    assert report.count("failed") == 0, report.summary()
    ids = {f.path.rsplit("/", 1)[-1]: f.document_id for f in report.files}
    app = create_app(service)
    clients = {"public": TestClient(app)}
    for role in ("member", "officer"):
        clients[role] = TestClient(app, headers={"X-API-Key": service.access.create_key(role, role)[1]})
    return service, ids, clients


def _chunk_with(service, doc_id: str, text: str) -> Chunk:
    return next(c for c in service.catalog.iter_chunks() if c.document_id == doc_id and text in c.text)


def test_the_viewer_gets_a_public_pdf_passage_with_its_boxes(served):
    service, ids, clients = served
    doc_id = ids[KENT_REPORT.name]
    chunk = _chunk_with(service, doc_id, "forecast revenue overspend")
    r = clients["public"].get(f"/documents/{doc_id}/passages/{chunk.id}")
    assert r.status_code == 200, r.text
    place = r.json()
    assert place["pdf"] and place["file"] and place["page"] == chunk.page and place["text"] == chunk.text
    assert place["boxes"] and place["pages"] == sorted({b["page"] for b in place["boxes"]})
    assert all(0 <= b["x0"] < b["x1"] <= 1 for b in place["boxes"])
    assert place["after"] and place["after"][0]["chunk_id"] != chunk.id
    # The citations of an answer name the passage, so a client can open it in place.
    cited = clients["public"].post("/ask", json={"question": "What is the forecast revenue overspend?"}).json()
    assert all(c["chunk_id"] for c in cited["citations"])


def test_a_passage_above_the_callers_clearance_is_as_missing_as_one_that_never_was(served):
    service, ids, clients = served
    exempt = _chunk_with(service, ids["exempt-depot-award.txt"], "Halvorsen")
    wanted = clients["officer"].get(f"/documents/{exempt.document_id}/passages/{exempt.id}")
    assert wanted.status_code == 200 and EXEMPT_QUOTE in wanted.json()["text"]
    for role in ("public", "member"):
        hidden = clients[role].get(f"/documents/{exempt.document_id}/passages/{exempt.id}")
        made_up = clients[role].get(f"/documents/{exempt.document_id}/passages/{exempt.id[:-5]}99999")
        assert hidden.status_code == made_up.status_code == 404
        assert "Halvorsen" not in hidden.text and exempt.id not in hidden.text
        # The same words as for a paper that does not exist: nothing tells it is there.
        assert hidden.json()["detail"].replace(exempt.document_id, "X") == clients[role].get(
            f"/documents/no-such-paper/passages/{exempt.id}"
        ).json()["detail"].replace("no-such-paper", "X")


def test_an_exempt_appendix_stays_out_of_its_public_reports_context(served):
    service, ids, clients = served
    doc_id = ids["public-libraries-review.txt"]
    public = _chunk_with(service, doc_id, PUBLIC_QUOTE)
    seen = clients["public"].get(f"/documents/{doc_id}/passages/{public.id}").json()
    assert "318,000" not in str(seen)  # the exempt appendix is not a neighbour for the public
    assert seen["file"] is False and seen["pdf"] is False  # nor is the original, which holds it
    officer = clients["officer"].get(f"/documents/{doc_id}/passages/{public.id}").json()
    assert officer["file"] is True and APPENDIX_QUOTE in str(officer["after"])


def test_a_passage_asked_for_under_another_paper_or_in_a_malformed_form_is_refused(served):
    service, ids, clients = served
    kent = ids[KENT_REPORT.name]
    other = _chunk_with(service, ids["public-libraries-review.txt"], PUBLIC_QUOTE)
    assert clients["public"].get(f"/documents/{kent}/passages/{other.id}").status_code == 404
    for bad in ("..%2F..%2Fetc%2Fpasswd", "x" * 500, "a b", "%00"):
        r = clients["public"].get(f"/documents/{kent}/passages/{bad}")
        assert r.status_code in (404, 422), (bad, r.status_code)
        assert "Traceback" not in r.text and "/work" not in r.text
    assert "chunk_id" in clients["public"].get(f"/documents/{kent}/passages/{'x' * 500}").text


def test_reading_a_passage_in_place_is_audited(served):
    service, ids, clients = served
    doc_id = ids[KENT_REPORT.name]
    chunk = _chunk_with(service, doc_id, "forecast revenue overspend")
    clients["member"].get(f"/documents/{doc_id}/passages/{chunk.id}")
    entry = next(e for e in service.access.audit(20) if e["endpoint"].endswith(f"/passages/{chunk.id}"))
    assert entry["role"] == "member" and doc_id in entry["documents"]
