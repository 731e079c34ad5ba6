"""What this machine can do, as settings need to know it (the embedding backend "auto" stands for)."""

from __future__ import annotations

from functools import lru_cache

BACKENDS = ("auto", "torch", "onnx-int8")


@lru_cache(maxsize=1)
def native_bf16() -> bool:
    """True when the CPU has AMX bfloat16 tiles (read from /proc/cpuinfo; False where that is not
    available). Without them PyTorch emulates or half-accelerates bfloat16, which we have not
    measured, so those CPUs keep float32 or the int8 ONNX backend."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return "amx_bf16" in line.split()
    except OSError:
        pass
    return False


def resolve_backend(backend: str) -> str:
    """The backend "auto" (the default) stands for on this machine: `torch` where the CPU has AMX
    (bfloat16 passages: the fastest ingest there, at float32's quality), `onnx-int8` elsewhere
    (about 2x float32)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if backend != "auto":
        return backend
    return "torch" if native_bf16() else "onnx-int8"
