"""The ingest pipeline: load -> clean -> detect metadata -> extract actions -> split -> embed -> store.

Idempotent: a file whose bytes, sidecar and chunker version are unchanged is skipped; a changed file
replaces its old chunks. The order of writes keeps the stores consistent if the process dies at
any point: new vectors are written first, then the catalog commits the document in one
transaction, then the replaced vectors are deleted. Vectors the catalog does not know (left by an
interrupted run) are swept at the start of the next run and ignored by searches meanwhile.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from core.config import Settings
from core.errors import LoadError, MetadataError
from core.text import Span, window_spans
from core.types import Action, Chunk, Document, FileResult, IngestReport
from ingest.loaders import detect_format
from ingest.parse import PaperParser, ParsePool
from sources.folder import collect_files, sidecar_path
from vectorstore.embedder import Embedder
from vectorstore.interfaces import Catalog, DenseIndex, LexicalIndex

# Texts stored together (one Chroma write). Bounds the work a crash
# can lose to re-embedding, and the memory held by waiting documents.
GROUP_WINDOWS = 2048
# Files each parse process may be given ahead of the one ingest is waiting for.
PARSE_AHEAD = 2


def document_id_for(path: Path, source_id: str | None = None) -> str:
    """Stable id for a paper: the same source id (a council's document, "moderngov:<host>:<attachment
    id>", named by its sidecar) or, without one, the same path is the same document, whatever its
    content."""
    key = f"source:{source_id}" if source_id else str(path.resolve())
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _source_id(sidecar: bytes) -> str | None:
    """The `source_id` a sidecar gives (a bad sidecar is reported when it is applied, not here)."""
    if b"source_id" not in sidecar:
        return None
    try:
        value = json.loads(sidecar.decode("utf-8")).get("source_id")
    except (ValueError, AttributeError):
        return None
    return value.strip()[:300] if isinstance(value, str) and value.strip() else None


def release_freed_memory() -> None:
    """Hand the memory an ingest freed back to the system. glibc keeps freed heap pages for reuse:
    after one 121-page report the serving process held 1.2 GB where it had held 0.3 GB, and
    malloc_trim gave 0.5 GB of it back (what stays is the PyTorch runtime, loaded once)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc
        trim = None
    if trim is not None:
        trim(0)


@dataclass
class _ToParse:
    """A file that needs parsing: its bytes and what was checked before."""

    result: FileResult
    path: Path
    data: bytes
    sha256: str
    fingerprint: str
    replacing: bool
    parsing: tuple | None = None  # a ParsePool handle, when parsed in a worker process
    allow_declassify: bool = False


@dataclass
class _Prepared:
    """A parsed file waiting to be embedded and stored."""

    result: FileResult
    document: Document
    chunks: list[Chunk]
    actions: list[Action]
    fingerprint: str
    replacing: bool
    warnings: list[str]
    decisions: list = field(default_factory=list)
    token_states: list[bytes] | None = None  # per chunk, set when it is embedded
    encoding: Future | None = None  # (window vectors, token states) from the encoder

    @cached_property
    def windows(self) -> list[list[list[Span]]]:
        """Each chunk's dense windows, as ranges of its index_text (see core.text.window_spans)."""
        return [window_spans(c) for c in self.chunks]


class Ingestor:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        store: DenseIndex,
        lexical: LexicalIndex,
        embedder: Embedder,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.store = store
        self.lexical = lexical
        self.embedder = embedder
        self.parser = PaperParser(settings, embedder.count_tokens)

    def ingest(
        self, paths: Iterable[Path], progress: bool = False, allow_declassify: bool = False, isolate: bool = False
    ) -> IngestReport:
        """Ingest files and folders, carrying on past bad files. Each parsed file's passages go to
        the encoder's worker threads at once, and the next files are parsed (in worker processes,
        see `_prepared`) while they are encoded. Files are stored in groups of about GROUP_WINDOWS texts: one Chroma write per group
        instead of per file (a Chroma write costs about 60 ms whatever its size, which at
        thousands of small papers was a tenth of ingest), then each document is committed to the
        catalog in turn. At most two groups wait for their vectors, which bounds memory.
        `allow_declassify`: a sidecar may lower a paper's own marking (see ingest.metadata);
        `isolate`: parse in a worker process even a single file."""
        started = time.perf_counter()
        files, report_files = collect_files(paths)
        report = IngestReport(files=report_files)
        self.sweep_orphans()
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(files), unit="file", desc="Ingesting")
        results: list[FileResult | None] = []
        waiting: list[list[tuple[int, _Prepared]]] = [[]]  # groups in file order; the last one fills
        group_windows = 0
        for path, prepared in self._prepared(files, allow_declassify, isolate):
            if bar is not None:
                bar.set_postfix_str(path.name[:40])
                bar.update()
            if not isinstance(prepared, _Prepared):
                results.append(prepared)
                continue
            results.append(None)  # filled in when its group is committed, keeping file order
            prepared.encoding = self.embedder.submit_passages(
                [c.index_text for c in prepared.chunks], prepared.windows
            )
            waiting[-1].append((len(results) - 1, prepared))
            group_windows += sum(len(w) for w in prepared.windows)
            if group_windows >= GROUP_WINDOWS:
                waiting.append([])
                group_windows = 0
            # Store the finished groups; wait for the oldest only when two are full.
            while len(waiting) > 1 and (len(waiting) > 2 or all(p.encoding.done() for _, p in waiting[0])):
                self._commit_into(results, waiting.pop(0))
        for group in waiting:
            self._commit_into(results, group)
        if bar is not None:
            bar.close()
        report.files.extend(results)
        self.refresh_lexical()
        release_freed_memory()
        report.seconds = time.perf_counter() - started
        return report

    def _commit_into(self, results: list, group: list[tuple[int, "_Prepared"]]) -> None:
        for (index, _), result in zip(group, self.commit_group([p for _, p in group])):
            results[index] = result

    def _prepared(
        self, files: list[Path], allow_declassify: bool = False, isolate: bool = False
    ) -> Iterator[tuple[Path, "_Prepared | FileResult"]]:
        """Each file parsed (or the reason it needs no parse, or cannot have one), in file order.
        With more than one file and `settings.ingest.parse_processes` above 0, parsing runs in
        worker processes up to PARSE_AHEAD files each ahead of the caller (ingest.parse says
        why); otherwise here. `isolate`: in a worker process whatever the count, so the memory a
        parse takes goes with the process (the server's uploads)."""
        workers = max(1, self.settings.ingest.processes()) if isolate else self.settings.ingest.processes()
        pool: ParsePool | None = None
        ahead: deque[tuple[Path, _ToParse | FileResult]] = deque()
        try:
            for path in files:
                item = self.check(path)
                if isinstance(item, _ToParse):
                    self.embedder.preload()  # it will be encoded: load the model while it parses
                    if pool is None and workers and (len(files) > 1 or isolate):
                        pool = ParsePool(self.settings, workers)
                    item.allow_declassify = allow_declassify
                    if pool is not None:
                        item.parsing = pool.submit(item.path, item.result.document_id, item.sha256, allow_declassify)
                        item.data = b""  # the worker reads the file itself
                ahead.append((path, item))
                while ahead and (not isinstance(ahead[0][1], _ToParse) or len(ahead) > PARSE_AHEAD * max(1, workers)):
                    done, item = ahead.popleft()
                    yield done, self._finish(item, pool)
            while ahead:
                done, item = ahead.popleft()
                yield done, self._finish(item, pool)
        finally:
            if pool is not None:
                pool.close()

    def check(self, path: Path) -> _ToParse | FileResult:
        """What needs doing for one file: a FileResult when nothing (unchanged) or nothing can be
        done (unsupported, too big, unreadable), else its bytes to parse. Every failure becomes a
        FileResult naming the reason, never an exception."""
        result = FileResult(str(path), "failed")
        try:
            if detect_format(path) is None:
                result.status, result.reason = "skipped", f"unsupported file type '{path.suffix or '(none)'}'"
                return result
            too_big = self.settings.ingest.oversize(path.stat().st_size)
            if too_big:
                result.reason = too_big
                return result
            data = path.read_bytes()
            side = sidecar_path(path)
            side_bytes = side.read_bytes() if side.exists() else b""
            doc_id = document_id_for(path, _source_id(side_bytes))
            result.document_id = doc_id
        except OSError as exc:
            result.reason = f"cannot read file: {exc.strerror or exc}"
            return result
        fingerprint = hashlib.sha256(
            data + b"\0" + side_bytes + b"\0" + self.settings.collection_name.encode()
        ).hexdigest()
        stored_fingerprint = self.catalog.fingerprint(doc_id)
        if stored_fingerprint == fingerprint:
            stored = self.catalog.get_document(doc_id)
            result.status, result.pages, result.chunks = "unchanged", stored.pages, stored.chunks
            return result
        sha = hashlib.sha256(data).hexdigest()
        return _ToParse(result, path, data, sha, fingerprint, stored_fingerprint is not None)

    def _finish(self, item: _ToParse | FileResult, pool: ParsePool | None) -> _Prepared | FileResult:
        """The parse of a checked file (waiting for its worker process if it has one)."""
        if not isinstance(item, _ToParse):
            return item
        result = item.result
        try:
            if item.parsing is not None and pool is not None:
                paper = pool.result(item.parsing)
            else:
                paper = self.parser.parse(item.path, item.data, result.document_id, item.sha256, item.allow_declassify)
        except (LoadError, MetadataError) as exc:
            result.reason = str(exc)
            return result
        except OSError as exc:
            result.reason = f"cannot read file: {exc.strerror or exc}"
            return result
        return _Prepared(
            result, paper.document, paper.chunks, paper.actions, item.fingerprint, item.replacing, paper.warnings,
            decisions=paper.decisions,
        )

    def commit_group(self, group: list[_Prepared]) -> list[FileResult]:
        """Store prepared documents once their encodings (submitted by `ingest`) are done: all their
        new vectors first (one Chroma write), then each document's catalog transaction, then its
        replaced vectors out. A crash between the steps leaves only orphan vectors, which the next
        run sweeps."""
        accepted: list[_Prepared] = []
        results: list[FileResult] = []
        in_group: dict[str, Document] = {}
        for prepared in group:
            result, doc = prepared.result, prepared.document
            # Checked at commit: an identical file earlier in this batch is a duplicate too.
            twin = self.catalog.find_by_sha(doc.sha256) or in_group.get(doc.sha256)
            if twin is not None and twin.id != doc.id:
                result.status, result.reason = "skipped", f"duplicate of already ingested '{twin.source}'"
            else:
                in_group.setdefault(doc.sha256, doc)
                accepted.append(prepared)
            results.append(result)
        if accepted:
            chunks = [c for p in accepted for c in p.chunks]
            vectors = []
            for p in accepted:
                windows, p.token_states = p.encoding.result()
                vectors.append(windows)
            self.store.upsert(chunks, [len(w) for p in accepted for w in p.windows], np.concatenate(vectors))
        for prepared in accepted:
            result, doc = prepared.result, prepared.document
            replaced = self.catalog.replace_document(
                doc, prepared.chunks, prepared.fingerprint, prepared.actions, prepared.token_states, prepared.decisions
            )
            if replaced:
                self.store.delete(replaced)
            result.status = "replaced" if prepared.replacing else "added"
            result.pages, result.chunks, result.actions = doc.pages, len(prepared.chunks), len(prepared.actions)
            result.decisions = len(prepared.decisions)
            result.warnings.extend(prepared.warnings)
        return results

    def delete(self, document_id: str) -> bool:
        removed = self.catalog.delete_document(document_id)
        if removed:
            self.store.delete(removed)
        self.refresh_lexical()
        return bool(removed)

    def sweep_orphans(self) -> int:
        """Delete vectors whose chunk the catalog does not know (from an interrupted ingest)."""
        orphans = list(self.store.chunk_ids() - self.catalog.chunk_ids())
        if orphans:
            self.store.delete(orphans)
        return len(orphans)

    def refresh_lexical(self) -> None:
        self.lexical.sync(self.catalog)
