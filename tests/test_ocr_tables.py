"""Tables read from where an OCR'd page's words start (ingest.loaders.ocr_tables), on invented
word layouts: a scanned page's table has no text layer for pymupdf's finder."""

from __future__ import annotations

from ingest.loaders.ocr_tables import drop_rules, find_tables

STEP = 14.0  # points from one line's baseline to the next


def _line(y: float, *cells: tuple[float, str]) -> list:
    """A line of words: each cell (x, text) laid out word by word, 5 points a letter, spaces of 3."""
    words = []
    for x, text in cells:
        for word in text.split():
            words.append(((x, y - 10, x + 5 * len(word), y), word))
            x += 5 * len(word) + 3
    return words


def test_a_ruled_table_read_as_lines_becomes_a_table_with_wrapped_cells_joined():
    cols = (72, 140, 368, 482)
    lines = [
        _line(100, (cols[0], "NO"), (cols[1], "ACTION"), (cols[2], "UPDATE"), (cols[3], "OWNER")),
        _line(114, (cols[0], "03.19.04(3)"), (cols[1], "NO to put a request for volunteers"), (cols[2], "Completed - no"), (cols[3], "NO")),
        _line(128, (cols[1], "in the Three Parishes Magazine"), (cols[2], "response")),
        _line(142, (cols[0], "05.19.07"), (cols[1], "NO to speak to Richard Kyte"), (cols[2], "Agreed"), (cols[3], "NO")),
        _line(170, (cols[1], "CF to respond to Scope"), (cols[2], "Completed"), (cols[3], "CF")),  # after a blank
        _line(240, (72, "It was agreed that the clerk would write to the county council about it.")),
    ]
    (found,) = find_tables(lines, STEP)
    assert found.table.header == ["NO", "ACTION", "UPDATE", "OWNER"]
    assert found.table.rows == [
        ["03.19.04(3)", "NO to put a request for volunteers in the Three Parishes Magazine", "Completed - no response", "NO"],
        ["05.19.07", "NO to speak to Richard Kyte", "Agreed", "NO"],
        ["", "CF to respond to Scope", "Completed", "CF"],  # its first cell empty, after a blank line: a row
    ]
    assert found.lines == [0, 1, 2, 3, 4]  # the paragraph under it is text


def test_prose_minute_headings_and_nothing_are_no_tables():
    prose = [_line(100 + STEP * i, (72, "The minutes of the meeting were agreed as a true record and signed.")) for i in range(6)]
    assert find_tables(prose, STEP) == []
    headings = [_line(100 + 3 * STEP * i, (72, f"07.19.0{i}"), (144, "Updates from the advisory groups")) for i in range(6)]
    assert find_tables(headings, STEP) == []  # a number and its heading: two cells, no table
    assert find_tables([], STEP) == [] and find_tables([[]], None) == []


def test_a_rule_read_as_a_character_is_dropped():
    words = _line(100, (72, "03.19.09(1) | JH to purchase signs |"))
    assert [t for _, t in drop_rules(words)] == ["03.19.09(1)", "JH", "to", "purchase", "signs"]
