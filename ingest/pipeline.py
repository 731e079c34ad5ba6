"""The ingest pipeline: load -> clean -> detect metadata -> extract actions -> split -> embed -> store.

Idempotent: a file whose bytes, sidecar and chunker version are unchanged is skipped; a changed file
replaces its old chunks. The order of writes keeps the stores consistent if the process dies at
any point: new vectors are written first, then the catalog commits the document in one
transaction, then the replaced vectors are deleted. Vectors the catalog does not know (left by an
interrupted run) are swept at the start of the next run and ignored by searches meanwhile.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.intent import answer_kinds
from assistant.types import Action, Chunk, Document, FileResult, IngestReport
from ingest.actions import extract_actions
from ingest.classify import section_classifications, unmarked_classification
from ingest.clean import clean
from ingest.loaders import LoadError, detect_format, load
from ingest.metadata import MetadataError, apply_sidecar, detect_metadata, sidecar_path
from ingest.split import Span, Splitter, window_spans
from vectorstore.catalog import Catalog
from vectorstore.chroma import ChromaStore
from vectorstore.embedder import Embedder
from vectorstore.lexical import LexicalIndex


# Texts stored together (one Chroma write). Bounds the work a crash
# can lose to re-embedding, and the memory held by waiting documents.
GROUP_WINDOWS = 2048


def document_id_for(path: Path) -> str:
    """Stable id for a paper: the same path is the same document, whatever its content."""
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]


def collect_files(paths: Iterable[Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders; report paths that do not exist. Sidecars and hidden files are not papers."""
    files: list[Path] = []
    missing: list[FileResult] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith(".") and not name.endswith(".meta.json"):
                        files.append(Path(root) / name)
        elif p.is_file():
            files.append(p)
        else:
            missing.append(FileResult(str(p), "failed", reason="no such file or folder"))
    return files, missing


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
    token_states: list[bytes] | None = None  # per chunk, set when it is embedded
    encoding: Future | None = None  # (window vectors, token states) from the encoder

    @cached_property
    def windows(self) -> list[list[list[Span]]]:
        """Each chunk's dense windows, as ranges of its index_text (see ingest.split.window_spans)."""
        return [window_spans(c) for c in self.chunks]


class Ingestor:
    def __init__(
        self,
        settings: Settings,
        catalog: Catalog,
        store: ChromaStore,
        lexical: LexicalIndex,
        embedder: Embedder,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.store = store
        self.lexical = lexical
        self.embedder = embedder
        self.splitter = Splitter(
            embedder.count_tokens,
            target_tokens=settings.chunking.target_tokens,
            max_tokens=min(settings.chunking.max_tokens, settings.embedding.max_tokens - 2),
        )

    def ingest(self, paths: Iterable[Path], progress: bool = False) -> IngestReport:
        """Ingest files and folders, carrying on past bad files. Each parsed file's passages go to
        the encoder's worker threads at once, and the next file is parsed while they are encoded.
        Files are stored in groups of about GROUP_WINDOWS texts: one Chroma write per group
        instead of per file (a Chroma write costs about 60 ms whatever its size, which at
        thousands of small papers was a tenth of ingest), then each document is committed to the
        catalog in turn. At most two groups wait for their vectors, which bounds memory."""
        started = time.perf_counter()
        files, report_files = collect_files(paths)
        report = IngestReport(files=report_files)
        self.sweep_orphans()
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(files, unit="file", desc="Ingesting")
        results: list[FileResult | None] = []
        waiting: list[list[tuple[int, _Prepared]]] = [[]]  # groups in file order; the last one fills
        group_windows = 0
        for path in bar if bar is not None else files:
            if bar is not None:
                bar.set_postfix_str(path.name[:40])
            prepared = self.prepare(path)
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
        report.files.extend(results)
        self.refresh_lexical()
        report.seconds = time.perf_counter() - started
        return report

    def _commit_into(self, results: list, group: list[tuple[int, "_Prepared"]]) -> None:
        for (index, _), result in zip(group, self.commit_group([p for _, p in group])):
            results[index] = result

    def prepare(self, path: Path) -> _Prepared | FileResult:
        """Read and parse one file into chunks, or say why it needs no (or cannot have) ingest:
        every failure becomes a FileResult naming the reason, never an exception."""
        result = FileResult(str(path), "failed")
        try:
            if detect_format(path) is None:
                result.status, result.reason = "skipped", f"unsupported file type '{path.suffix or '(none)'}'"
                return result
            too_big = self.settings.api.oversize(path.stat().st_size)
            if too_big:
                result.reason = too_big
                return result
            data = path.read_bytes()
            doc_id = document_id_for(path)
            result.document_id = doc_id
            side = sidecar_path(path)
            side_bytes = side.read_bytes() if side.exists() else b""
            fingerprint = hashlib.sha256(
                data + b"\0" + side_bytes + b"\0" + self.settings.collection_name.encode()
            ).hexdigest()
            stored_fingerprint = self.catalog.fingerprint(doc_id)
            if stored_fingerprint == fingerprint:
                stored = self.catalog.get_document(doc_id)
                result.status, result.pages, result.chunks = "unchanged", stored.pages, stored.chunks
                return result
            self.embedder.preload()  # this file will be encoded: load the model while it is parsed
            sha = hashlib.sha256(data).hexdigest()
            parsed = clean(load(path, data))
            meta = detect_metadata(parsed)
            apply_sidecar(meta, path)
            if meta.classification is None:
                meta.classification, warning = unmarked_classification(
                    parsed.plain_text(), self.settings.access.unmarked
                )
                if warning:
                    parsed.warnings.append(warning)
            sections = section_classifications(parsed)
            if any(level.level > meta.classification.level for level in sections.values()):
                parsed.warnings.append(
                    f"{len(sections)} blocks in a section marked {max(sections.values(), key=lambda c: c.level).value}: "
                    "only callers cleared for it see them"
                )
            doc = Document(
                id=doc_id,
                source=path.name,
                path=str(path.resolve()),
                sha256=sha,
                title=meta.title,
                committee=meta.committee,
                committee_acronym=meta.committee_acronym,
                meeting_date=meta.meeting_date,
                doc_type=meta.doc_type,
                classification=meta.classification,
                pages=parsed.pages,
            )
            actions = extract_actions(parsed, doc)
            chunks = self.splitter.split(parsed, doc, actions, sections)
            if not chunks:
                raise LoadError("no text found to index")
            for chunk in chunks:
                chunk.answers = answer_kinds(chunk.text, chunk.kind)
            return _Prepared(
                result, doc, chunks, actions.actions, fingerprint, stored_fingerprint is not None, parsed.warnings
            )
        except (LoadError, MetadataError) as exc:
            result.reason = str(exc)
        except OSError as exc:
            result.reason = f"cannot read file: {exc.strerror or exc}"
        return result

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
                doc, prepared.chunks, prepared.fingerprint, prepared.actions, prepared.token_states
            )
            if replaced:
                self.store.delete(replaced)
            result.status = "replaced" if prepared.replacing else "added"
            result.pages, result.chunks, result.actions = doc.pages, len(prepared.chunks), len(prepared.actions)
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
