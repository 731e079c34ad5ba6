"""Local files and folders: the files ingest is given, each once."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from core.types import FileResult

SIDECAR = ".meta.json"  # NAME.meta.json beside a paper holds its metadata (see ingest.metadata)


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR)


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders; report paths that do not exist. Sidecars and hidden files are not papers.
    Paths are made absolute (the parse workers run in another directory) and each file comes
    once, however often it is named ("papers ingest x.pdf ." names x.pdf twice)."""
    files: dict[Path, None] = {}
    missing: list[FileResult] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith(".") and not name.endswith(SIDECAR):
                        files.setdefault((Path(root) / name).resolve())
        elif p.is_file():
            files.setdefault(p.resolve())
        else:
            missing.append(FileResult(str(p), "failed", reason="no such file or folder"))
    return list(files), missing
