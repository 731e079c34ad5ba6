"""Loading and cleaning real committee papers: running headers, split rows, HTML fragments, pages."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import EXAMPLES, KENT, seed

from ingest.clean import clean
from ingest.loaders import load


def _tables(doc):
    return [b.table for b in doc.blocks if b.table]


def _text(doc) -> str:
    return doc.plain_text()


def test_running_header_removed_and_pages_inferred_from_it():
    doc = clean(load(seed("000")))
    assert "Scrutiny Action Log" not in [ln for b in doc.blocks for ln in b.lines]
    assert doc.running_lines == ["Scrutiny Action Log"]
    assert doc.pages == 10
    # The key worker tables are on the 4th page of the published log.
    kw = next(b for b in doc.blocks if b.table and b.table.title and b.table.title.startswith("Keyworker Lets"))
    assert kw.page == 4


def test_action_row_split_across_page_break_is_rejoined():
    doc = clean(load(seed("000")))
    log = _tables(doc)[0]
    assert log.header[:2] == ["Reference", "Action"]
    actions = [r for r in log.rows if len(r) > 1 and r[1]]
    assert len(actions) == 7
    retention = next(r for r in actions if "staff retention" in r[1])
    assert retention[1].endswith("be brought back to the sub-committee for review.")
    assert "Barts Health NHS Trust" in retention[2]
    assert retention[5] == "Awaiting Response"
    council_tax = next(r for r in actions if "Council tax" in r[1])
    assert council_tax[5].endswith("See attached appended advice note Council tax discretionary Discount")


def test_page_number_glued_into_table_cell_is_removed():
    doc = clean(load(seed("003")))
    assert "June 2019 Page 28" not in _text(doc)
    assert "intentionally left blank" not in _text(doc)


def test_markdown_html_fragments_become_text():
    doc = clean(load(seed("004")))
    text = _text(doc)
    assert "<b>" not in text and "<li>" not in text and "&amp;" not in text
    assert "Adult Social Care & Health Peer Challenge" in text
    assert "Arrangements for direct payments and charging" in text


def test_pdf_keeps_page_numbers_and_drops_running_footer():
    doc = clean(load(EXAMPLES / "Cabinet report - Homelessness Prevention Grant 2025.pdf"))
    assert doc.pages == 3
    assert {b.page for b in doc.blocks} == {1, 2, 3}
    lines = [ln for b in doc.blocks for ln in b.lines]
    assert not any(ln.strip().startswith("Page ") and len(ln.split()) <= 4 for ln in lines)
    assert not any("Northmoor Borough Council – Cabinet 15 January 2025" == ln.strip() for ln in lines)


def test_pdf_table_cells_keep_their_spaces():
    doc = clean(load(EXAMPLES / "HOSC action log - 2024-25.pdf"))
    log = _tables(doc)[0]
    assert log.header == ["Reference", "Action", "Assigned to", "Scrutiny Lead", "Due Date", "Response"]
    # Action 6 continues across the page break: one row, complete text.
    reablement = [r for r in log.rows if "eablement" in r[1]]
    assert len(reablement) == 1
    assert reablement[0][1].endswith("how they are being managed.")


def test_real_kent_pdf_table_extracted():
    doc = clean(load(KENT / "Appendix 3 - TMG meeting note 14 November 2024.pdf"))
    table = _tables(doc)[0]
    assert table.header == ["Ref", "Action", "Status"]
    assert table.rows[0][2] == "Complete"
    assert "Mid Year Review" in table.rows[0][1]


def test_hyphenation_and_wrapped_lines_joined():
    from ingest.clean import unwrap_lines

    units = unwrap_lines(["officers confirmed that borrowing maturities avoid having to re-", "finance large amounts", "- next item"])
    assert units == ["officers confirmed that borrowing maturities avoid having to refinance large amounts", "- next item"]
    assert unwrap_lines(["a well-", "being service"]) == ["a well-being service"]


def test_docx_tables_and_headings():
    doc = clean(load(next(EXAMPLES.glob("*.docx"))))
    assert any(b.heading_level for b in doc.blocks)
    headers = [t.header for t in _tables(doc)]
    assert ["Recommendation", "Owner", "Due date", "Status"] in headers


def test_html_scripts_are_stripped_never_run(tmp_path: Path):
    page = tmp_path / "report.html"
    page.write_text(
        "<html><head><title>x</title><script>alert('x')</script><style>p{}</style></head><body>"
        "<h1>Report to Cabinet</h1><p>The budget gap is &pound;4.2m.</p>"
        "<table><tr><th>Year</th><th>Lets</th></tr><tr><td>2022</td><td>11</td></tr></table></body></html>"
    )
    doc = clean(load(page))
    text = _text(doc)
    assert "alert" not in text and "p{}" not in text
    assert "The budget gap is £4.2m." in text
    assert _tables(doc)[0].rows == [["2022", "11"]]


def test_sentence_tail_before_a_table_is_not_its_title():
    doc = clean(load(EXAMPLES / "HOSC action log - 2024-25.pdf"))
    titles = [t.title for t in _tables(doc)]
    assert all(t is None or not t.endswith(".") for t in titles)


def test_rule_rows_are_not_passages(corpus_service):
    """Markdown table rules ("-----; ---") in a text extraction never become passages of their own."""
    rows = [c for c in corpus_service.catalog.iter_chunks() if c.kind == "table_row"]
    assert rows and not [c.text for c in rows if not re.search(r"[A-Za-z0-9]", c.text.split(" — ")[-1])]


def test_contact_and_date_lines_are_text_not_headings(corpus_service):
    """Report authors and summons dates look like titles (short, capitalised, no full stop); taken
    for headings they vanished into heading paths and no passage contained them."""
    texts = {c.source: [] for c in corpus_service.catalog.iter_chunks()}
    for c in corpus_service.catalog.iter_chunks():
        texts[c.source].append(c.text)
    assert any("Matthew Wagner Chief Analyst" in t for t in texts["Cabinet QPR Q3 Cover.pdf"])
    budget = "24-00108 - Revenue and Capital Budget Monitoring Report November 2024-25.pdf"
    assert any("Joe McKay Acting Chief Accountant" in t for t in texts[budget])
    assert any("Wednesday, 5 March 2025" in t for t in texts["Agenda frontsheet 13th-Mar-2025 10.00 County Council.pdf"])


def test_pdf_table_follows_its_heading_not_the_page_footer(corpus_service):
    """QPR appendix page 13: pymupdf lists the page number before the heading; the complaints table
    must not be read before its own heading (it took the previous table's footnote as its title)."""
    rows = [
        c for c in corpus_service.catalog.iter_chunks()
        if c.source == "QPR Q3 Cabinet appendix 1.pdf" and c.kind == "table_row" and "2,902" in c.text
    ]
    assert rows and all("Kent Support and Assistance" not in c.text for c in rows)


def test_paragraph_number_alone_on_its_line_stays_with_its_heading():
    """pymupdf gives "14." and "Contact details" as separate lines; joined to the line before, the
    number ended the previous paragraph and the contact block lost its heading."""
    from ingest.clean import unwrap_lines

    lines = ["B: Kent County Council Priorities for Improving Health", "14.", "Contact details", "Author", "Dr Mike Gogarty"]
    assert unwrap_lines(lines) == [
        "B: Kent County Council Priorities for Improving Health",
        "14. Contact details Author Dr Mike Gogarty",
    ]
    doc = clean(load(KENT / "24-00115 - Adoption of Integrated Care Strategy delivery plan - Report.pdf"))
    lines = [ln for b in doc.blocks for ln in b.lines]
    assert not any(ln.endswith("Wellbeing 14.") for ln in lines)
    # The bold "14." and "Contact details" (one block of the page in pymupdf) are a heading of their own.
    at = next(i for i, b in enumerate(doc.blocks) if b.lines and b.lines[0].startswith("14. Contact details"))
    assert doc.blocks[at].heading_level and doc.blocks[at + 1].lines[0].startswith("Dr Mike Gogarty")


def test_sentences_keep_their_paragraph_numbers():
    from core.text import split_sentences

    text = "12.1 Cabinet is asked to agree the attached PROD. 13. Appendices Proposed Record. (b) Second point."
    assert split_sentences(text) == [
        "12.1 Cabinet is asked to agree the attached PROD.",
        "13. Appendices Proposed Record.",
        "(b) Second point.",
    ]


def test_window_spans_are_the_dense_windows(corpus_service):
    """Every chunk of the real corpus has as many window ranges as window texts (the lexical
    index counts a chunk's dense vectors from its window texts), and each pair's range holds the
    same words as its text."""
    from core.text import dense_windows, window_spans

    for chunk in corpus_service.catalog.iter_chunks():
        texts, spans = dense_windows(chunk), window_spans(chunk)
        assert len(texts) == len(spans), chunk.id
        for text, ranges in zip(texts, spans):
            words = " ".join(chunk.index_text[ranges[-1][0] : ranges[-1][1]].split())
            assert " ".join(text.split()).endswith(words), (chunk.id, text, words)


def test_sentences_keep_their_closing_quotes():
    from core.text import sentence_spans, split_sentences

    text = "He said “we agree.” Then (b) next.  13. Appendices follow."
    assert split_sentences(text) == ["He said “we agree.”", "Then (b) next.", "13. Appendices follow."]
    assert [text[a:b] for a, b in sentence_spans(text)][-1] == "13. Appendices follow."


def test_each_sentence_knows_the_windows_it_lies_in(corpus_service):
    """The answerer scores a sentence by the vectors of the dense windows that hold it: every
    sentence of every real passage is inside each window it names, and names at least one."""
    from core.text import dense_windows, sentence_windows

    for chunk in corpus_service.catalog.iter_chunks():
        texts = [" ".join(t.split()) for t in dense_windows(chunk)]
        for sentence, windows in sentence_windows(chunk):
            assert windows, (chunk.id, sentence)
            assert all(sentence in texts[j] for j in windows), (chunk.id, sentence, windows)
