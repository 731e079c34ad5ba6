"""Tables on an OCR'd page, from where its words start.

A scanned or vector-drawn page has no text layer, so pymupdf's table finder (which reads the
characters inside ruled cells) finds nothing on it, and Tesseract reads a table as lines of words
in which each row runs its cells together ("NO to put a request for volunteers in the Three
Completed - no NO"). The cells are still there in the words' positions: a table's columns start at
the same x on row after row, after a gap far wider than a space.

- A column start is an x where, on at least MIN_ROWS lines, a word starts a line or follows a gap
  of CELL_GAP or more (the words starting within SAME_X of each other).
- A line's cells are split at the column starts it has words at (after such a gap).
- A table is a run of lines with two or more cells that holds at least MIN_WIDE lines with three
  or more (a minute number and its heading, "07.19.06 Updates", is two cells and no table). A
  line of one cell starting in the table's first column, or a blank line's step below a line of
  one cell, ends it.
- Each line that has a cell in the table's first column, follows a blank line, or starts text
  again in a column the row already has text in after a line without (the next row, whose first
  cell is empty), starts a row; the lines under it continue its cells, column by column (a
  cell's text wraps inside its rules).
  The first row is the header, as for pymupdf's ruled tables.

A lone "|" is a rule Tesseract read as a character: it is dropped before any of this.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.parsed import Table

CELL_GAP = 9.0  # points of blank before a word: wider than a space (2-5 at body sizes), so a new cell
SAME_X = 6.0  # points: words starting this close start in the same column
MIN_ROWS = 3  # lines a column start must be found on
GAP_ENDS = 4.0  # times the page's usual step from line to line: a gap that ends a table
GAP_AFTER_CELL = 2.5  # ... a gap that ends it before a line of one cell
ROW_GAP = 1.5  # ... a blank line inside it, which starts a row
SMALLER = 0.8  # a line whose words are under this share of the table's first line's height ends it
MIN_WIDE = 2  # lines of three or more cells a table must have (a header and a row)
RULES = frozenset({"|", "||", "|-", "-|", "[", "]"})

Word = tuple[tuple, str]  # (x0, y0, x1, y1), text


@dataclass
class OcrTable:
    table: Table
    bbox: tuple[float, float, float, float]
    lines: list[int]  # the page's line numbers it was made from


def drop_rules(words: list[Word]) -> list[Word]:
    return [w for w in words if w[1] not in RULES]


def _starts(words: list[Word]) -> list[float]:
    out = [words[0][0][0]]
    for prev, word in zip(words, words[1:]):
        if word[0][0] - prev[0][2] >= CELL_GAP:
            out.append(word[0][0])
    return out


def _columns(lines: list[list[Word]]) -> list[float]:
    """The x positions where at least MIN_ROWS lines start a cell."""
    found = sorted((x, n) for n, words in enumerate(lines) if words for x in _starts(words))
    columns: list[float] = []
    group: list[tuple[float, int]] = []
    for x, n in [*found, (float("inf"), -1)]:
        if group and x - group[0][0] > SAME_X:
            if len({m for _, m in group}) >= MIN_ROWS:
                columns.append(sorted(v for v, _ in group)[len(group) // 2])
            group = []
        group.append((x, n))
    return columns


def _cells(words: list[Word], columns: list[float]) -> list[tuple[int, list[Word]]]:
    """The line's cells: (column index, its words), split at the column starts it has words at."""
    cells: list[tuple[int, list[Word]]] = []
    for i, word in enumerate(words):
        x = word[0][0]
        at = next((c for c, start in enumerate(columns) if abs(x - start) <= SAME_X), None)
        gap = x - words[i - 1][0][2] if i else None
        if at is not None and (gap is None or gap >= CELL_GAP):
            cells.append((at, [word]))
        elif not cells:
            left = [c for c, start in enumerate(columns) if start <= x]
            cells.append((left[-1] if left else 0, [word]))
        else:
            cells[-1][1].append(word)
    return cells


def _step(lines: list[list[Word]], n: int) -> float:
    """From line n-1 to line n, first word's foot to first word's foot."""
    return lines[n][0][0][3] - lines[n - 1][0][0][3]


def _height(words: list[Word]) -> float:
    heights = sorted(box[3] - box[1] for box, _ in words)
    return heights[len(heights) // 2]


def find_tables(lines: list[list[Word]], usual_step: float | None) -> list[OcrTable]:
    """The tables among a page's lines (each a list of words in reading order)."""
    columns = _columns(lines)
    if len(columns) < 3:
        return []
    cells = [_cells(words, columns) if words else [] for words in lines]
    tables: list[OcrTable] = []
    n = 0
    while n < len(lines):
        if len(cells[n]) < 3:
            n += 1
            continue
        first = cells[n][0][0]
        size = _height(lines[n])
        end = n + 1
        while end < len(lines):
            line = cells[end]
            if not line or (len(lines[end]) >= 3 and _height(lines[end]) < SMALLER * size):
                break  # a line in smaller print: the page's footer (not a stray mark: "*")
            step = _step(lines, end)
            if usual_step is not None and step > GAP_ENDS * usual_step:
                break  # a wide gap: the page's footer, the next minute
            blank = usual_step is not None and step > GAP_AFTER_CELL * usual_step
            if len(line) == 1 and (line[0][0] <= first or blank):
                break
            end += 1
        region = list(range(n, end))
        if sum(len(cells[i]) >= 3 for i in region) >= MIN_WIDE:
            tables.append(_table(region, lines, cells, first, usual_step))
        n = end
    return tables


def _table(region: list[int], lines, cells, first: int, usual_step: float | None) -> OcrTable:
    used = sorted({c for i in region for c, _ in cells[i]})
    width = len(used)
    rows: list[list[list[str]]] = []
    above: set[int] = set()  # the columns the line above had text in
    for i in region:
        step = _step(lines, i) if i != region[0] else 0.0
        blank = usual_step is not None and step > ROW_GAP * usual_step
        here = {c for c, _ in cells[i]}
        # A column's text starting again in a row that already has some, after a line without
        # it, is the next row's ("Memorial plaque ... In-hand" under "... Completed").
        restarts = bool(rows) and any(c not in above and rows[-1][used.index(c)] for c in here)
        starts_row = not rows or first in here or blank or restarts
        above = here
        if starts_row:
            rows.append([[] for _ in range(width)])
        for c, words in cells[i]:
            rows[-1][used.index(c)].extend(text for _, text in words)
    text_rows = [[" ".join(cell) for cell in row] for row in rows]
    keep = [c for c in range(width) if any(row[c] for row in text_rows)]
    text_rows = [[row[c] for c in keep] for row in text_rows]
    boxes = [box for i in region for box, _ in lines[i]]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return OcrTable(Table(header=text_rows[0], rows=text_rows[1:]), bbox, region)
