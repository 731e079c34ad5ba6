#!/usr/bin/env python3
"""Check that every manifest sentence occurs, once, in the extracted text of its file.

Extraction: pymupdf page.get_text() per page (PDF; a sentence must sit on one page),
python-docx body paragraphs + table cells + headers/footers (DOCX), visible text of
<body> (HTML), raw text (TXT/MD). Whitespace runs are collapsed before the exact check;
the README's norm() match is also checked.
"""
import json
import os
import re
import sys
from html.parser import HTMLParser

import docx
import pymupdf as fitz

HERE = os.path.dirname(os.path.abspath(__file__))


def ws(s):
    return re.sub(r"\s+", " ", s).strip()


def norm(s):
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


class Visible(HTMLParser):
    BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "li", "tr", "td", "th", "br", "table", "section"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip, self.in_body = [], 0, False

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        if tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if self.in_body and not self.skip:
            self.out.append(data)


def pages(path):
    ext = path.rsplit(".", 1)[1]
    if ext == "pdf":
        with fitz.open(path) as doc:
            return [p.get_text() for p in doc]
    if ext == "docx":
        d = docx.Document(path)
        parts = [p.text for p in d.paragraphs]

        def cells(tables):
            for t in tables:
                for row in t.rows:
                    for c in row.cells:
                        parts.append(c.text)
                        cells(c.tables)
        cells(d.tables)
        for s in d.sections:
            parts += [p.text for p in s.header.paragraphs] + [p.text for p in s.footer.paragraphs]
        return ["\n".join(parts)]
    raw = open(path, encoding="utf-8").read()
    if ext == "html":
        v = Visible()
        v.feed(raw)
        return ["".join(v.out)]
    return [raw]


def main():
    bad = 0
    for split in ("dev", "heldout"):
        entries = json.load(open(os.path.join(HERE, f"manifest_{split}.json"), encoding="utf-8"))
        for e in entries:
            path = os.path.join(HERE, e["file"])
            pg = pages(path)
            whole = ws(" ".join(pg))
            sents = [(p["text"], p["level"]) for p in e["protected"]] + [(s, "public") for s in e["public"]]
            if e["document"] != "public" and e["public"]:
                print("NOTE whole-protected file lists public sentences:", e["file"])
            if e["kind"] == "protected" and not e["protected"]:
                print("FAIL protected file without protected sentences:", e["file"]); bad += 1
            if e["document"] == "public" and not e["public"]:
                print("FAIL public document without public sentences:", e["file"]); bad += 1
            if len(pg) > 4:
                print("FAIL more than 4 pages:", e["file"]); bad += 1
            for s, lvl in sents:
                on_pages = [i for i, t in enumerate(pg) if ws(s) in ws(t)]
                n = whole.count(ws(s))
                if not on_pages:
                    print(f"FAIL [{e['file']}] not found on a single page: {s!r}"); bad += 1
                elif n != 1:
                    print(f"FAIL [{e['file']}] occurs {n} times: {s!r}"); bad += 1
                if norm(s) not in norm(" ".join(pg)):
                    print(f"FAIL [{e['file']}] norm mismatch: {s!r}"); bad += 1
            print(f"ok  {split:7s} {e['file']:70s} pages={len(pg)} doc={e['document']:10s} "
                  f"prot={len(e['protected'])} pub={len(e['public'])}")
    print("FAILURES:", bad)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
