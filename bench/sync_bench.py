"""A sync of a replayed ModernGov site (tests/moderngov_replay.py: Manchester's recorded responses,
more meetings made from them, real committee papers from ../shared/corpus as attachments) into a
fresh store: documents per second for the first sync (downloads and ingest), and the time of a
re-sync with nothing changed (conditional downloads, nothing re-embedded), which should be a
small fraction of the first.

    python -m bench.sync_bench [--meetings N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.corpus import DEFAULT_CORPUS, REPO, log, offline


def measure(corpus: Path, work: Path, meetings: int = 10) -> dict:
    sys.path.insert(0, str(REPO / "tests"))
    from moderngov_replay import ReplaySite

    from assistant.service import PapersService
    from core.config import Settings

    pdfs = sorted((corpus / "kent").glob("*.pdf"))[: 2 * meetings]
    with ReplaySite({60860: pdfs[0].read_bytes(), 60909: pdfs[1].read_bytes()}) as site:
        for n in range(1, meetings):
            a, b = 80000 + 2 * n, 80001 + 2 * n
            site.add_meeting(5000 + n, f"{1 + n % 27:02d}/03/2026", {60860: a, 60909: b})
            site.attachments[a] = pdfs[(2 * n) % len(pdfs)].read_bytes() + f"\n% {a}".encode()
            site.attachments[b] = pdfs[(2 * n + 1) % len(pdfs)].read_bytes() + f"\n% {b}".encode()
        service = PapersService(Settings(home=work / "sync-home", sync={"rate": 100}))
        window = {"date_from": date(2025, 12, 1), "date_to": date(2026, 4, 30)}
        started = time.perf_counter()
        first = service.sync_moderngov(site.url, **window)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        again = service.sync_moderngov(site.url, **window)
        again_s = time.perf_counter() - started
    documents = first.documents["new"]
    return {
        "meetings": first.meetings,
        "documents": documents,
        "first_seconds": first_s,
        "documents_per_second": documents / first_s if first_s else None,
        "resync_seconds": again_s,
        "resync_share": again_s / first_s if first_s else None,
        "resync_unchanged": again.documents["unchanged"],
        "failures": first.failures + again.failures,
    }


def markdown(r: dict) -> list[str]:
    return [
        "",
        "## ModernGov sync (bench/sync_bench.py: a replayed site, real papers as attachments)",
        "",
        f"First sync: {r['documents']} documents from {r['meetings']} meetings in {r['first_seconds']:.1f} s "
        f"({r['documents_per_second']:.2f} documents/s, downloads and ingest). Re-sync with nothing changed: "
        f"{r['resync_seconds']:.2f} s ({100 * r['resync_share']:.1f}% of the first; {r['resync_unchanged']} unchanged). "
        f"Failures: {r['failures'] or 'none'}.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--meetings", type=int, default=10)
    args = parser.parse_args(argv)
    offline()
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as tmp:
        r = measure(args.corpus, Path(tmp), args.meetings)
    print("\n".join(markdown(r)))
    log("sync_bench: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
