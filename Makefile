# Two commands do all the set-up: `make run` and `make test` (each installs into .venv when needed).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install run up test test-unit test-integration test-e2e lint bench clean schemas browser

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install  ## the whole embedded stack with demo data (Ctrl-C stops everything)
	$(VENV)/bin/mentoring up --demo

up: install  ## the whole embedded stack without demo data
	$(VENV)/bin/mentoring up

browser:  ## Debian's chromium for the dashboard's browser test (installed when missing and we are root)
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "chromium is not installed: the browser test will be skipped (and fail under CI=true)"

test: install lint browser  ## every test: unit, integration (real NATS, SQLite, PostgreSQL when configured), e2e
	$(VENV)/bin/pytest -p no:cacheprovider

test-unit: install
	$(VENV)/bin/pytest -p no:cacheprovider tests/unit

lint: install
	$(VENV)/bin/ruff check .

bench: install  ## heavy benchmarks; JSON under var/bench/, tables in docs/benchmarks.md
	$(PY) -m tests.bench.run

schemas: install  ## regenerate the JSON Schemas of the event catalog
	$(VENV)/bin/mentoring schemas --write

clean:
	rm -rf var .pytest_cache
