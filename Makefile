# Two commands do all the set-up: `make run` and `make test` (each installs into .venv when needed).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST := $(VENV)/bin/pytest -p no:cacheprovider

.PHONY: install run up test test-unit test-integration test-e2e lint bench clean schemas browser asyncapi oidc

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: install  ## the whole embedded stack with demo data (Ctrl-C stops everything)
	$(VENV)/bin/mentoring up --demo

up: install  ## the whole embedded stack without demo data
	$(VENV)/bin/mentoring up

AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser here). When it is
# missing and we are root, say so and install the `chromium` package; otherwise those tests skip (CI: fail).
# The pages are checked with axe-core (WCAG 2.1 AA), which npm installs into .venv/npm once.
browser: install
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "browser tests need Chromium: installing Debian's 'chromium' package with apt-get (once)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed and we cannot install it: the browser tests will skip (and fail under CI=true)"; fi; }
	@test -f $(AXE) || { echo "accessibility checks use axe-core from the npm registry: installing it into $(VENV)/npm (once)"; \
	  npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/npm axe-core@4.11.1 >/dev/null || \
	  echo "npm could not install axe-core: the accessibility checks will skip (and fail under CI=true)"; }

ASYNCAPI := $(VENV)/asyncapi/node_modules/.bin/asyncapi

# The AsyncAPI document of the event catalog is validated with the official CLI, which npm installs into
# .venv/asyncapi once (its own prefix: an `npm install --no-save` beside axe-core would prune axe-core).
asyncapi: install
	@test -x $(ASYNCAPI) || { echo "the AsyncAPI document is validated with @asyncapi/cli from the npm registry: installing it into $(VENV)/asyncapi (once)"; \
	  npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/asyncapi @asyncapi/cli@6.2.0 >/dev/null 2>&1 || \
	  echo "npm could not install @asyncapi/cli: the AsyncAPI validation will skip (and fail under CI=true)"; }

OIDC_PROVIDER := $(VENV)/oidc/node_modules/oidc-provider/lib/index.js

# Single sign-on is tested against a real OpenID provider: the certified `oidc-provider` from the npm registry,
# installed into .venv/oidc once and started by the tests (tests/oidc/provider.mjs) with node.
oidc: install
	@test -f $(OIDC_PROVIDER) || { echo "single sign-on is tested with oidc-provider from the npm registry: installing it into $(VENV)/oidc (once)"; \
	  npm install --silent --no-save --no-audit --no-fund --prefix $(VENV)/oidc oidc-provider@9.13.3 >/dev/null 2>&1 || \
	  echo "npm could not install oidc-provider: the single sign-on tests will skip (and fail under CI=true)"; }

test: install lint browser asyncapi oidc  ## every test: unit, integration (real NATS, SQLite, PostgreSQL when configured), e2e
	$(PYTEST) --durations=25 tests/unit tests/integration tests/e2e

test-unit: install  ## pure rules and modules, no I/O
	$(PYTEST) tests/unit

test-integration: install asyncapi oidc  ## real SQLite, PostgreSQL (when configured) and nats-server
	$(PYTEST) tests/integration

test-e2e: install browser  ## the running stack over HTTP and NATS, and the pages in Chromium
	$(PYTEST) tests/e2e

lint: install  ## ruff everywhere, mypy strict on the pure folders
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: install  ## heavy benchmarks; JSON under var/bench/, tables in docs/benchmarks.md
	$(PY) -m tests.bench.run

schemas: install  ## regenerate the event catalog's JSON Schemas, AsyncAPI document and its page in docs/
	$(VENV)/bin/mentoring schemas --write

clean:
	rm -rf var .pytest_cache .mypy_cache test-artifacts
