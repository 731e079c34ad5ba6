"""The layout holds: each layer imports only the layers below it, nothing heavy loads at import
time, and the code passes the linter. Read from the source files themselves."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Each package and what it may import of ours. The ground floor (core) imports nothing of ours.
ALLOWED = {
    "core": set(),
    "prompts": {"core"},
    "sources": {"core"},
    "vectorstore": {"core"},
    "ingest": {"core", "sources", "vectorstore"},
    "assistant": {"core", "sources", "ingest", "vectorstore", "prompts"},
    "api": {"core", "sources", "ingest", "vectorstore", "prompts", "assistant"},
}
OURS = set(ALLOWED) | {"bench", "tests"}
# Loaded on first use, never when a module is imported (the CLI's --help and the API's start stay fast).
HEAVY = {"torch", "chromadb", "sentence_transformers", "transformers", "pymupdf", "fitz", "bm25s", "onnxruntime", "docx", "psycopg"}
# Modules that are a heavy library's implementation: they may import it, and are imported lazily.
LAZY_ONLY = {"vectorstore.bert"}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path, top_level_only: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) of every import in the file (top-level statements only, if asked)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = []
    for node in nodes:
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
    return out


def test_every_package_is_in_the_layering():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - {"tests", "bench"} == set(ALLOWED), "a new package needs its place in ALLOWED"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_import_runs_up_the_stack(package):
    wrong = []
    for path in _modules(package):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in OURS and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_nothing_heavy_at_import_time(package):
    wrong = []
    for path in _modules(package):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for line, module in _imports(path, top_level_only=True):
            if (module.split(".")[0] in HEAVY and name not in LAZY_ONLY) or module in LAZY_ONLY:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module} at module level")
    assert not wrong, "\n".join(wrong)


def test_importing_the_api_loads_no_model_or_store():
    code = (
        "import sys, api.app, api.cli, assistant.service, ingest.pipeline;"
        f"print(sorted(m for m in {sorted(HEAVY)!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_layering_checker_catches_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom assistant.service import PapersService\n\ndef f():\n    import torch\n")
    assert (2, "assistant.service") in _imports(bad)
    assert (5, "torch") in _imports(bad) and (5, "torch") not in _imports(bad, top_level_only=True)


def test_ruff_passes():
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", "--quiet", str(ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
