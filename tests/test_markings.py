"""Markings, not mentions: small papers that pin the rules of ingest/classify.py (the real and
planted papers are measured in tests/test_wider.py)."""

from __future__ import annotations

from pathlib import Path

from core.types import Classification
from ingest.classify import detect_classification, section_classifications
from ingest.clean import clean
from ingest.loaders import load
from ingest.metadata import detect_metadata


def _read(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = clean(load(path))
    meta = detect_metadata(doc)
    sections, notes = section_classifications(doc, meta.doc_type)
    levels = {line: sections.get(i, meta.classification or Classification.public) for i, b in enumerate(doc.blocks) for line in b.lines}
    return meta, levels, notes


def _level_of(levels: dict, fragment: str) -> Classification:
    return next(level for line, level in levels.items() if fragment in line)


def test_an_exempt_appendix_of_bullet_figures_is_protected(tmp_path):
    """An exempt appendix need not hold sentences: bids listed as bullets are its content."""
    meta, levels, _ = _read(tmp_path, "report.md", """# Report to Cabinet
Date of meeting: 4 June 2025

## 1. Summary
The leisure contract is to be awarded to the highest scoring bidder, as set out in Appendix 2.

## Appendix 2 – Exempt
NOT FOR PUBLICATION by virtue of paragraph 3 of Part 1 of Schedule 12A

- Halberd Leisure: £412,300 a year
- Serpentine Trust: £58,000 subsidy
""")
    assert meta.classification is None  # the paper itself carries no marking
    assert _level_of(levels, "Halberd Leisure") is Classification.exempt
    assert _level_of(levels, "highest scoring bidder") is not Classification.exempt


def test_an_agendas_part_two_titles_mark_nothing(tmp_path):
    _, levels, notes = _read(tmp_path, "agenda.md", """# Planning Committee
Wednesday 21 May 2025 at 7pm

AGENDA

1. Apologies for absence
2. Minutes of the meeting held on 23 April 2025

## Part II – items likely to be considered in the absence of the press and public
3. Disposal of land at Fenwick Road (Exempt – paragraph 3)
""")
    assert _level_of(levels, "Disposal of land") is Classification.public
    assert any("item titles" in n for n in notes)


def test_rules_that_quote_schedule_12a_are_not_exempt(tmp_path):
    _, levels, _ = _read(tmp_path, "rules.md", """# Access to Information Procedure Rules

## Rule 14 – Exempt information
Rule 14.1: The public may be excluded from a meeting only where exempt information would be disclosed.

Rule 14.2: Exempt information means information within the paragraphs of Schedule 12A to the Act.

Rule 14.3: The Proper Officer will mark any exempt report NOT FOR PUBLICATION.
""")
    assert _level_of(levels, "Rule 14.2") is Classification.public


def test_a_marking_quoted_in_the_text_is_not_the_papers_own(tmp_path):
    path = tmp_path / "guide.txt"
    path.write_text(
        "Scrutiny Committee\nDate of meeting: 2 July 2025\n\nThis report explains how private papers are handled.\n"
        "A private report carries the line: NOT FOR PUBLICATION by virtue of paragraph 8 of Part I of Schedule 7A.\n",
        encoding="utf-8",
    )
    assert detect_classification(clean(load(path)))[0] is None


def test_a_welsh_marking_and_a_welsh_no(tmp_path):
    marked = tmp_path / "adroddiad.txt"
    marked.write_text("NID I'W GYHOEDDI / NOT FOR PUBLICATION\nCabinet\n\nThe school site is to be sold for £1.2 million.\n", encoding="utf-8")
    assert detect_classification(clean(load(marked)))[0] is Classification.exempt
    open_paper = tmp_path / "agored.txt"
    open_paper.write_text("Agored / Open\nGwybodaeth eithriedig? Nac oes\nScrutiny Committee\n\nLibrary hours are extended.\n", encoding="utf-8")
    assert detect_classification(clean(load(open_paper)))[0] is Classification.public
