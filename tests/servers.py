"""A real `papers serve` on a free loopback port, for tests that speak HTTP over a socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def papers_env(home: Path, **settings: str) -> dict:
    """The environment of a `papers` command on `home`, with PAPERS_* settings."""
    env = {**os.environ, "PAPERS_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("PAPERS_CHROMA_URL", None)
    env.update(settings)
    return env


def run_cli(args: list[str], env: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@contextmanager
def serving(home: Path, env: dict, warm: bool = True, port: int | None = None):
    """`papers serve` over `home` (on `port`, or a free one) until the block ends; yields its url
    and log path."""
    port = port or free_port()
    log_path = home / f"serve-{port}.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"papers serve did not start: {log_path.read_text()[-2000:]}", pytrace=False)
            time.sleep(0.3)
        if warm:  # the first question loads the model: do it here, not inside a test's timeouts
            req = urllib.request.Request(url + "/ask", data=b'{"question": "warm up"}', headers={"content-type": "application/json"})
            urllib.request.urlopen(req, timeout=120).read()
        yield SimpleNamespace(url=url, port=port, log=log_path, process=proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
