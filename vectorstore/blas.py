"""numpy's BLAS (OpenBLAS) on one thread in this process.

Our numpy products are small (a question against a few thousand windows; a batch's word pieces
through the late-interaction projection), yet large enough for OpenBLAS to use its threads, which
then spin after every call. On two cores those spinning threads took the CPU from the model and
Chroma: an exactly searched /search went from p50 25 ms to 15 ms without them, and an ingest's
encoding from 27.6 to 19.3 CPU seconds (one worker thread, the corpus's passages). The products
themselves take the same time on one thread. PyTorch's own kernels (oneDNN, its bundled MKL) are
not affected.
"""

from __future__ import annotations

import threading

_done = False
_lock = threading.Lock()


def single_threaded() -> None:
    """Limit numpy's BLAS to one thread, once per process."""
    global _done
    if _done:
        return
    with _lock:
        if not _done:
            from threadpoolctl import threadpool_limits

            threadpool_limits(limits=1, user_api="blas")
            _done = True
