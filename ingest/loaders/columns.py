"""A right-hand ACTION column in a PDF's minutes, put back beside the paragraph it belongs to.

Parish and town minutes are often laid out as two columns: the minute on the left, who acts on
it on the right ("JB", "Clerk", "Cllr Hale", "JB/TH"), under an "ACTION" heading or none. The
text layer keeps the column as separate lines, often separate blocks, which reach the cleaned
text as stray lines between paragraphs ("... ask for a date." / "Clerk" / "5. Playground ...").

By position, per page: short owner-like lines (ingest.people.OWNER_CELL) that start at the same
x, right of the middle of the page, where the body text never runs, form a column when there are
two or more of them or a column heading above them. Each is attached to the body line level with
it as a tab-separated cell ("... It was agreed that the\tClerk"); cleaning carries it to the end
of its paragraph and the action reader takes it as the paragraph's owner. The heading is dropped.
Anything else right of centre (amounts, page numbers, a signature) is left alone.
"""

from __future__ import annotations

import re

from ingest.people import OWNER_CELL

HEADING = re.compile(r"^(?:actions?(?:\s+(?:by|owner))?|owner|by\s+whom|who|responsib\w*)\s*:?$", re.I)
MIN_X = 0.55  # of the page's width: where a column may start
SAME_X = 25.0  # points: the lines of one column start this close together
MAX_CELL = 40  # characters in one cell


def attach_action_column(items: list[tuple], width: float) -> list[tuple]:
    """The page's raw line items (page, top, text, size, bold, table, group, box) with the
    column's cells attached to the body lines beside them and removed as lines of their own."""
    lines = [i for i in items if i[5] is None and i[2].strip()]
    cells = [
        i for i in lines
        if i[7][0] >= MIN_X * width and len(i[2].strip()) <= MAX_CELL and (OWNER_CELL.match(i[2].strip()) or HEADING.match(i[2].strip()))
    ]
    if not cells:
        return items
    cells.sort(key=lambda i: i[7][0])
    bands: list[list[tuple]] = []
    for cell in cells:
        if bands and cell[7][0] - bands[-1][0][7][0] <= SAME_X:
            bands[-1].append(cell)
        else:
            bands.append([cell])
    attached: dict[int, list[str]] = {}
    dropped: set[int] = set()
    for band in bands:
        headings = [c for c in band if HEADING.match(c[2].strip())]
        owners = [c for c in band if not HEADING.match(c[2].strip())]
        if headings:
            top = min(h[7][1] for h in headings)
            owners = [o for o in owners if o[7][1] > top]
        if not owners or (not headings and len(owners) < 2):
            continue
        left = min(c[7][0] for c in band)
        in_band = {id(c) for c in band}
        top, bottom = min(o[7][1] for o in owners), max(o[7][3] for o in owners)
        rows = [i for i in lines if id(i) not in in_band and i[7][3] >= top and i[7][1] <= bottom]
        # Body text that runs under the column's left edge: not a column, just short lines.
        if sum(1 for i in rows if i[7][0] < left < i[7][2] - 2) > max(1, len(rows) // 5):
            continue
        placed = False
        for owner in owners:
            mid, height = (owner[7][1] + owner[7][3]) / 2, max(owner[7][3] - owner[7][1], 6.0)
            beside = [i for i in rows if i[7][2] <= left and abs((i[7][1] + i[7][3]) / 2 - mid) <= 0.6 * height]
            if not beside:
                continue
            target = min(beside, key=lambda i: abs((i[7][1] + i[7][3]) / 2 - mid))
            attached.setdefault(id(target), []).append(owner[2].strip())
            dropped.add(id(owner))
            placed = True
        if placed:
            dropped.update(id(h) for h in headings)
    if not dropped:
        return items
    out = []
    for item in items:
        if id(item) in dropped:
            continue
        if id(item) in attached:
            item = (*item[:2], item[2].rstrip() + "\t" + "/".join(attached[id(item)]), *item[3:])
        out.append(item)
    return out
