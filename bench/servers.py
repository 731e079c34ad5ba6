"""Throwaway servers for the tests and benchmarks: a real PostgreSQL cluster (Debian's `postgresql`
package: initdb and pg_ctl in a temp dir, on a loopback port) and a real Chroma server (`chroma
run`). Each is stopped and its directory removed when the block ends.

    with postgres() as pg, chroma() as chroma_url:
        url = pg.database("papers")          # a fresh database
        url = pg.schema_url("papers", "t1")  # ... or a fresh schema in one (fast: per test)
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER = "papers"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {seconds:.0f} s")


def postgres_bin() -> Path:
    """Debian's PostgreSQL binaries (the newest installed major version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: `make install` installs Debian's postgresql package")
    return Path(found[-1]).parent


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the package's `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Postgres:
    port: int
    directory: Path

    def url(self, database: str = "postgres", **options: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in options.items())
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}" + (f"?{query}" if query else "")

    def sql(self, statement: str, database: str = "postgres") -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            cur = conn.execute(statement)
            return cur.fetchall() if cur.description else []

    def database(self, name: str) -> str:
        """A new, empty database; its URL."""
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def schema_url(self, database: str, schema: str) -> str:
        """A new, empty schema in `database` (made if missing), and a URL whose connections use it
        (every table the stores make lands in it): a fresh database per test, in milliseconds."""
        if not self.sql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
            self.sql(f'CREATE DATABASE "{database}"')
        self.sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"', database)
        return self.url(database, options=f"-csearch_path%3D{schema}")


@contextmanager
def postgres(max_connections: int = 300, durable: bool = False):
    """A PostgreSQL cluster of its own, trusting loopback connections. `durable`: keep fsync on
    (off by default: a throwaway cluster need not survive a power cut, and tests run faster)."""
    bin_dir = postgres_bin()
    directory = Path(tempfile.mkdtemp(prefix="papers-pg-"))
    data = directory / "data"
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    os.chmod(directory, 0o755)
    port = free_port()
    try:
        subprocess.run(
            _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, "--auth=trust", "--locale=C", "-E", "UTF8"]),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        settings = [
            f"port={port}", "listen_addresses='127.0.0.1'", f"unix_socket_directories='{directory}'",
            f"max_connections={max_connections}", "shared_buffers=256MB",
        ]
        if not durable:
            settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\n" + "\n".join(settings) + "\n")
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(directory / "server.log"), "-w", "-t", "60", "start"]),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        yield Postgres(port, directory)
    finally:
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def chroma(directory: Path | None = None, log: Path | None = None):
    """A Chroma server (`chroma run`, from this venv) on a loopback port; yields its URL."""
    own = directory is None
    directory = Path(directory or tempfile.mkdtemp(prefix="papers-chroma-"))
    port = free_port()
    exe = Path(sys.executable).with_name("chroma")
    out = open(log, "w") if log else subprocess.DEVNULL
    proc = subprocess.Popen(
        [str(exe), "run", "--path", str(directory), "--host", "127.0.0.1", "--port", str(port)],
        stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        wait_for_port(port, 30, proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if own:
            shutil.rmtree(directory, ignore_errors=True)
