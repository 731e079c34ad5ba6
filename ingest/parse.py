"""Parsing one paper: load -> clean -> metadata -> actions -> split, from its bytes and the settings
alone (no store, no model), so ingest can run it in other processes.

Why processes: parsing is Python (pymupdf's table finder, cleaning, splitting), and the encoder's
worker threads need the GIL between their steps. On one interpreter, ingest's parsing and encoding
took turns more than they overlapped; measured on the committee corpus, the model's threads sat
idle for most of the parse. A `ParsePool` parses ahead in worker processes while the encoder
works, and a parser that dies on a file (a malformed PDF crashing MuPDF) fails that file, not
the ingest.
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from core.config import Settings
from core.errors import LoadError, MetadataError
from core.intent import answer_kinds
from core.types import Action, Chunk, Decision, Document
from ingest.action_tables import extract_actions
from ingest.classify import section_classifications
from ingest.clean import clean
from ingest.decisions import extract_decisions, place_decisions
from ingest.loaders import load
from ingest.metadata import apply_sidecar, detect_metadata, unsettled
from ingest.positions import locate_chunks
from ingest.split import Splitter


@dataclass
class Paper:
    """A parsed paper, ready to embed and store."""

    document: Document
    chunks: list[Chunk]
    actions: list[Action]
    warnings: list[str]
    decisions: list[Decision] = field(default_factory=list)


class PaperParser:
    def __init__(self, settings: Settings, count_tokens=None) -> None:
        """`count_tokens(text)`: word pieces the model sees; default, the model's own tokenizer."""
        if count_tokens is None:
            from vectorstore.embedder import Embedder  # its tokenizer only: no model is loaded

            count_tokens = Embedder(settings.embedding.model_path, max_tokens=settings.embedding.max_tokens).count_tokens

        self.settings = settings
        self.splitter = Splitter(
            count_tokens,
            target_tokens=settings.chunking.target_tokens,
            max_tokens=min(settings.chunking.max_tokens, settings.embedding.max_tokens - 2),
        )

    def parse(self, path: Path, data: bytes, doc_id: str, sha256: str, allow_declassify: bool = False) -> Paper:
        """The paper in `data` (the bytes of `path`). Raises LoadError or MetadataError, whose
        messages say what is wrong with the file. `allow_declassify`: its sidecar may lower the
        paper's own marking (see ingest.metadata.apply_sidecar)."""
        loaded = load(path, data)
        self._check_size(loaded, len(data))  # before cleaning, which is itself work on all of it
        parsed = clean(loaded)
        meta = detect_metadata(parsed)
        parsed.warnings.extend(apply_sidecar(meta, path, allow_declassify))
        if meta.classification is None:  # no marking: the setting decides (public by default)
            meta.classification = self.settings.access.unmarked
            meta.provenance["classification"] = {"source": "default", "evidence": "the paper carries no marking"}
        sections, notes = section_classifications(parsed, meta.doc_type)
        parsed.warnings.extend(notes)
        if any(level.level > meta.classification.level for level in sections.values()):
            parsed.warnings.append(
                f"{len(sections)} blocks in a section marked {max(sections.values(), key=lambda c: c.level).value}: "
                "only callers cleared for it see them"
            )
        missing = unsettled(meta)
        if missing:
            parsed.warnings.append(f"the paper does not say its {', '.join(missing)}: left empty (a sidecar can set them)")
        doc = Document(
            id=doc_id,
            source=path.name,
            path=str(path.resolve()),
            sha256=sha256,
            title=meta.title,
            committee=meta.committee,
            committee_acronym=meta.committee_acronym,
            meeting_date=meta.meeting_date,
            doc_type=meta.doc_type,
            classification=meta.classification,
            pages=parsed.pages,
            provenance=meta.provenance,
            body=meta.body,
        )
        actions = extract_actions(parsed, doc)
        decisions = extract_decisions(parsed, doc)
        chunks = self.splitter.split(parsed, doc, actions, sections)
        if not chunks:
            raise LoadError("no text found to index")
        limit = self.settings.ingest.max_chunks_per_file
        if len(chunks) > limit:
            raise LoadError(
                f"too much text for one paper: {len(chunks):,} passages, over the limit of {limit:,} "
                "(PAPERS_INGEST__MAX_CHUNKS_PER_FILE); split the file or raise the limit"
            )
        for chunk in chunks:
            chunk.answers = answer_kinds(chunk.text, chunk.kind)
        place_decisions(decisions, chunks)
        if parsed.words:
            locate_chunks(chunks, parsed.words)
            parsed.words = {}  # the boxes are on the chunks: the words need not travel further
        return Paper(doc, chunks, actions.actions, parsed.warnings, decisions)


    def _check_size(self, parsed, size: int) -> None:
        """Refuse a paper whose text is too long to index, or a PDF whose text is out of all
        proportion to its bytes (a few kilobytes of compressed streams that expand to megabytes:
        one 124 KB file made 3,333 passages and took two minutes)."""
        limits = self.settings.ingest
        chars = sum(len(line) for b in parsed.blocks for line in b.lines)
        chars += sum(len(cell) for b in parsed.blocks if b.table is not None for row in b.table.rows for cell in row)
        if chars > limits.max_text_chars:
            raise LoadError(
                f"too much text for one paper: {chars:,} characters, over the limit of {limits.max_text_chars:,} "
                "(PAPERS_INGEST__MAX_TEXT_CHARS)"
            )
        if parsed.fmt == "pdf" and chars > 100_000 and chars > limits.max_pdf_text_per_byte * size:
            raise LoadError(
                f"the PDF's {size:,} bytes expand to {chars:,} characters of text ({chars / size:.0f} per byte; "
                f"published papers hold under 1, the limit is {limits.max_pdf_text_per_byte:g}, "
                "PAPERS_INGEST__MAX_PDF_TEXT_PER_BYTE): not indexed"
            )


class ParsePool:
    """Papers parsed in `workers` processes (`python -m ingest.parse`: a fresh interpreter that
    imports nothing of the caller's, so it needs no `if __name__ == "__main__"` guard there and
    copies none of its threads or model). Files go to the workers in turn; each worker answers in
    the order it was asked, so `result` must be asked in submission order. A worker reads the file
    itself (requests stay small, so the pipes cannot deadlock) and checks it is the file that was
    fingerprinted. When a worker dies, a fresh one is asked its unanswered files again, in order;
    the file it died on fails if it also kills the fresh one."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.workers: list[_Worker | None] = [None] * max(1, workers)
        self._turn = 0
        self._ids = 0
        self._strikes: dict[int, int] = {}  # request id -> workers that died on it
        self._failed: set[int] = set()

    def submit(self, path: Path, doc_id: str, sha256: str, allow_declassify: bool = False) -> tuple[int, int]:
        """Queue a file; the handle goes to `result`."""
        slot = self._turn
        self._turn = (self._turn + 1) % len(self.workers)
        self._ids += 1
        self._worker(slot).send((self._ids, str(path), doc_id, sha256, allow_declassify))
        return slot, self._ids

    def result(self, handle: tuple[int, int]) -> "Paper":
        slot, request_id = handle
        while request_id not in self._failed:
            worker = self._worker(slot)
            try:
                answered, status, value = worker.receive()
            except _WorkerDied:
                self._replace(slot)
                continue
            if answered != request_id:
                raise RuntimeError(f"parse results asked out of order: {request_id} before {answered}")
            if status == "ok":
                return value
            raise (LoadError if status == "load" else MetadataError)(value)
        self._failed.discard(request_id)
        raise LoadError("the parser process died reading this file, twice (is it a damaged PDF?)")

    def _replace(self, slot: int) -> None:
        """A fresh worker for a dead one, asked the dead one's unanswered files again."""
        dead = self.workers[slot]
        dead.close()
        self.workers[slot] = None
        pending = list(dead.pending)
        first = pending[0][0]  # the file it was parsing when it died
        self._strikes[first] = self._strikes.get(first, 0) + 1
        if self._strikes[first] >= 2:
            self._failed.add(first)
            pending = pending[1:]
        fresh = self._worker(slot)
        for request in pending:
            fresh.send(request)

    def _worker(self, slot: int) -> "_Worker":
        if self.workers[slot] is None:
            self.workers[slot] = _Worker(self.settings)
        return self.workers[slot]

    def close(self) -> None:
        for worker in self.workers:
            if worker is not None:
                worker.close()
        self.workers = [None] * len(self.workers)


class _WorkerDied(Exception):
    pass


class _Worker:
    """One parse process: pickled requests on its stdin, pickled replies on its stdout, and the
    requests not yet answered."""

    def __init__(self, settings: Settings) -> None:
        import subprocess
        import sys
        from collections import deque

        self.pending: deque[tuple] = deque()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ingest.parse"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[1],
        )
        self._write(settings)

    def send(self, request: tuple) -> None:
        self.pending.append(request)
        self._write(request)

    def _write(self, message) -> None:
        try:
            pickle.dump(message, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.process.stdin.flush()
        except OSError:
            pass  # it died: receive() says so

    def receive(self) -> tuple:
        """The next answer, (request id, status, paper or message); replies a worker wrote before
        it died are still read."""
        try:
            reply = pickle.load(self.process.stdout)
        except (EOFError, pickle.UnpicklingError, OSError):
            raise _WorkerDied() from None
        self.pending.popleft()
        return reply

    def close(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except Exception:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


def _serve() -> None:
    """A parse worker's loop (`python -m ingest.parse`): settings first, then (request id, path,
    document id, sha256, allow_declassify) requests, each answered with (request id, "ok", Paper) or (request id,
    kind of error, message)."""
    import sys

    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing printed by a library can corrupt the replies
    parser = PaperParser(pickle.load(requests))
    while True:
        try:
            request_id, path, doc_id, sha256, allow_declassify = pickle.load(requests)
        except EOFError:
            return
        try:
            data = Path(path).read_bytes()
            if hashlib.sha256(data).hexdigest() != sha256:
                raise LoadError("the file changed while it was being ingested; ingest it again")
            reply = (request_id, "ok", parser.parse(Path(path), data, doc_id, sha256, allow_declassify))
        except LoadError as exc:
            reply = (request_id, "load", str(exc))
        except MetadataError as exc:
            reply = (request_id, "metadata", str(exc))
        except OSError as exc:
            reply = (request_id, "load", f"cannot read file: {exc.strerror or exc}")
        pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


if __name__ == "__main__":
    from ingest.parse import _serve as serve  # the module's own classes, not __main__'s, get pickled

    serve()
