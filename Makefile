# Two commands on a fresh machine:
#   make maps   install into .venv and build the maps of the embedded sample region into out/
#   make test   install into .venv (with the test extra) and run every test, notebooks included
#   make lint   ruff and mypy on the code (zero findings expected)
#   make sko    build the real SKO outputs into out/sko (needs ../shared/data/raw)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: maps sko test lint install install-test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	$(PY) -m workflow.warmup
	touch $@

$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[test]"
	$(PY) -m workflow.warmup
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

maps: $(VENV)/.installed
	$(PY) build_maps.py --out out

sko: $(VENV)/.installed
	$(PY) build_maps.py --config regions/sko.toml --out out/sko

# every test: unit, real data (../shared/data/raw), browser (Debian chromium), notebooks (tests/test_notebooks.py)
test: $(VENV)/.installed-test
	$(PY) -m pytest -q tests

# ruff (pyflakes, pycodestyle, bugbear, import order) and mypy: zero findings (run by .ci/run before the tests)
LINT_PATHS := geo layers maps workflow build_maps.py notebooks
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/mypy $(LINT_PATHS)

bench: $(VENV)/.installed
	$(PY) benchmarks/bench_engine.py

clean:
	rm -rf out .venv
