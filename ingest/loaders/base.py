"""The loader interface and the registry of formats.

A loader reads one format's bytes into `Loaded` (blocks in reading order, page count, warnings,
front matter). To support a new format: write a class with the five attributes and `load` below
in a module of this folder, and add it to `LOADERS`. The extensions it lists are what the upload
page offers (`/formats` and the page's file picker are built from this registry), what file names
route to it, and the media type its original is served with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from ingest.parsed import Block


@dataclass
class Loaded:
    blocks: list[Block]
    pages: int = 0  # 0: the format has no pages
    warnings: list[str] = field(default_factory=list)
    front_matter: dict[str, str] = field(default_factory=dict)
    # Each page's words with their boxes (ingest.positions.PageWord), for placing passages on
    # the page; empty for formats without a page layout.
    words: dict[int, list] = field(default_factory=dict)


@runtime_checkable
class Loader(Protocol):
    format: str  # the name the catalog records ("pdf")
    label: str  # what a person calls it ("PDF")
    extensions: tuple[str, ...]  # file names it is known by, lower case, with the dot
    also_accepts: tuple[str, ...]  # names whose bytes are sniffed for it (".aspx" pages are HTML)
    media_type: str  # how its original is served

    def load(self, path: Path, data: bytes) -> Loaded:
        """Read the file (its bytes are `data`). Raises core.errors.LoadError with a reason."""


def _loaders() -> list[Loader]:
    from ingest.loaders.docx import DocxLoader
    from ingest.loaders.html import HtmlLoader
    from ingest.loaders.pdf import PdfLoader
    from ingest.loaders.text import MarkdownLoader, TextLoader

    return [PdfLoader(), DocxLoader(), HtmlLoader(), MarkdownLoader(), TextLoader()]


LOADERS: dict[str, Loader] = {loader.format: loader for loader in _loaders()}

# File name -> format, from each loader's extensions.
SUPPORTED: dict[str, str] = {ext: loader.format for loader in LOADERS.values() for ext in loader.extensions}


def accepted_extensions() -> list[str]:
    """Every name a file may be uploaded under (each loader's own, then the sniffed ones)."""
    names = [ext for loader in LOADERS.values() for ext in loader.extensions]
    names += [ext for loader in LOADERS.values() for ext in loader.also_accepts if ext not in names]
    return names


def media_type(fmt: str | None) -> str:
    loader = LOADERS.get(fmt or "")
    return loader.media_type if loader else "application/octet-stream"
