"""Uploaded papers: each stored in a folder of its own under PAPERS_HOME/uploads, so two files
with the same name ("Appendix 1.txt") are two papers, keeping the name it was uploaded under
(any script, no directories). A sidecar (`NAME.meta.json`) applies only to the paper of that name
in the same upload; one without its paper is refused, never kept for a later file."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from core.types import FileResult, IngestReport
from sources.folder import SIDECAR

NAME_BYTES = 200  # longest stored file name, in UTF-8 bytes (filesystems allow 255; the sidecar adds 10)


def upload_name(name: str) -> str:
    """An uploaded file's name as its paper will be listed: no directory part ("../../x.pdf" ->
    "x.pdf"), no control characters, at most NAME_BYTES bytes with its extension kept; any
    script ("報告.txt" stays "報告.txt")."""
    base = name.replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(". ")
    if not base:
        return "upload"
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or len(ext.encode()) > 20:
        stem, ext = base, ""
    tail = ("." + ext) if ext else ""
    if base.lower().endswith(SIDECAR):
        stem, tail = base[: -len(SIDECAR)], base[-len(SIDECAR):]
    while len((stem + tail).encode()) > NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip() or "upload") + tail


def store_uploads(
    files: list[tuple[str, bytes]], uploads: Path, oversize: Callable[[int], str | None]
) -> tuple[list[Path], list[FileResult]]:
    """Write each uploaded paper (and its sidecar) into a new folder under `uploads`: (the papers'
    paths, to ingest; what was refused and why). `oversize(n)` says why n bytes are too many."""
    papers = [(upload_name(name), data) for name, data in files]
    sidecars: dict[str, list[bytes]] = {}
    for name, data in papers:
        if name.lower().endswith(SIDECAR):
            sidecars.setdefault(name[: -len(SIDECAR)], []).append(data)
    papers = [(name, data) for name, data in papers if not name.lower().endswith(SIDECAR)]
    names = [name for name, _ in papers]
    refused: list[FileResult] = []
    for target, found in sidecars.items():
        if target not in names:
            refused.append(FileResult(target + SIDECAR, "failed", reason=f"a sidecar is applied only to its paper in the same upload, and '{target}' is not in it"))
        elif len(found) > 1 or names.count(target) > 1:
            refused.append(FileResult(target + SIDECAR, "failed", reason=f"more than one paper or sidecar named '{target}' in this upload: it is not clear which the sidecar is for"))
    paths = []
    for name, data in papers:
        too_big = oversize(len(data))
        if too_big:  # refused before it is written, as ingest would refuse it after
            refused.append(FileResult(name, "failed", reason=too_big))
            continue
        folder = uploads / f"u_{secrets.token_hex(8)}"
        folder.mkdir(parents=True)
        target = folder / name
        tmp = folder / ".part"
        tmp.write_bytes(data)
        tmp.replace(target)  # a half-written upload is never ingested
        side = sidecars.get(name)
        if side is not None and len(side) == 1 and names.count(name) == 1:
            (folder / (name + SIDECAR)).write_bytes(side[0])
        paths.append(target.resolve())
    return paths, refused


def discard_unused(report: IngestReport, paths: list[Path]) -> None:
    """Remove the stored uploads that were not ingested: what was not ingested is not kept."""
    stored = {str(p) for p in paths}
    for result in report.files:
        if result.status not in ("added", "replaced") and result.path in stored:
            shutil.rmtree(Path(result.path).parent, ignore_errors=True)
