# accountsync: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
# Bytecode is cached, outside the tree: with PYTHONDONTWRITEBYTECODE=1 (this machine's environment sets it) every
# test process and every `accountsync` a test starts compiled the product and rewrote the tests from source, ~4 s
# of each pytest start and ~0.3 s of each command. An empty value turns it off; the prefix keeps __pycache__ out.
export PYTHONDONTWRITEBYTECODE :=
export PYTHONPYCACHEPREFIX := $(CURDIR)/.cache/pycache

.PHONY: venv test test-fast lint fmt demo bench chaos clean

# The venv is rebuilt only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# The dashboard is tested in a real headless Chromium: Debian's package (Playwright's own download cannot
# reach its servers here).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The whole default suite, store tests against SQLite and PostgreSQL (127.0.0.1:5432, database test): on both
# cores (pytest-xdist, a module's tests on one worker in order), then the tests that kill or pace processes alone
# (marked `serial` in tests/conftest.py).
test: $(VENV)/.installed $(CHROMIUM)
	$(VENV)/bin/pytest -n 2 --dist loadfile -m "not serial"
	$(VENV)/bin/pytest -m serial

# The unit lane: every test that starts no server (no sandbox, replica, demo or Chromium), in three processes on
# the two cores (pytest-xdist; each test has its own PostgreSQL schema and tmp folder; a third of a worker's time
# is spent waiting on PostgreSQL, a CLI child or a lease, which a third worker fills), properties and the API fuzzer
# drawing a quarter of their examples (tests/lanes.py; `make test` draws them all).
test-fast: $(VENV)/.installed
	ACCOUNTSYNC_TEST_LANE=fast $(VENV)/bin/pytest -q -m "not e2e" -n 3

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy config connectors scoring sync accountsync sandbox

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The product tour: the CRM sandbox (state kept in .sandbox/), the demo job, one account as each CRM shows it,
# then the dashboard until Ctrl-C, which stops everything the demo started (scripts/demo.py).
demo: $(VENV)/.installed
	$(VENV)/bin/accountsync config validate config/examples/demo.yaml
	$(PY) scripts/demo.py

# Each bench prints ratios measured in one run (ours vs a baseline on the same data), API calls and peak memory.
# -P: bench/sandbox.py must not shadow the sandbox package.
bench: $(VENV)/.installed
	@for b in bench/[!_]*.py; do echo "== $$b"; $(PY) -P $$b || exit 1; done

# The reliability suite (chaos/): seeded faults against the real stack (the sandbox over HTTPS, accountsync
# processes, SQLite and PostgreSQL on 127.0.0.1:5432), one PASS/FAIL table; exits 1 on any FAIL.
# `make chaos SEED=7 ONLY=kill-sync,storms`; CHAOS_BREAK=checkpoint (or writeback) shows it catching a break.
chaos: $(VENV)/.installed
	$(PY) -m chaos --seed "$(or $(SEED),1)" --only "$(ONLY)"

clean:
	rm -rf .accountsync .sandbox .cache build *.egg-info
