# accountsync: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: venv test lint fmt demo bench chaos clean

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

# The whole default suite, store tests against SQLite and PostgreSQL (127.0.0.1:5432, database test).
test: $(VENV)/.installed $(CHROMIUM)
	$(VENV)/bin/pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy config connectors scoring sync accountsync sandbox

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# For now: validate the demo config and migrate the store. Later issues make this the whole product tour.
demo: $(VENV)/.installed
	$(VENV)/bin/accountsync config validate config/examples/demo.yaml
	$(VENV)/bin/accountsync db upgrade

bench: $(VENV)/.installed
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

chaos: $(VENV)/.installed
	@echo "make chaos: the reliability suite is not built yet (issue 11)"; exit 1

clean:
	rm -rf .accountsync .sandbox build *.egg-info
