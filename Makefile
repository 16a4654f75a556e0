# The two commands of the README: `make demo` and `make test`.
# Both create .venv with Python 3.11 and install govkit, its plugins and the demo.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OIDC_PROVIDER := tests/online/oidc_provider
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core, at most 4 — each worker starts its own
# PostgreSQL cluster, slapd and Chromium. `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)

.PHONY: demo test lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml $(wildcard examples/county_demo/pyproject.toml plugins/*/pyproject.toml)
	$(BIN)/python -m pip install --quiet -e ".[test,postgres]"
	for p in plugins/*/ examples/county_demo/; do \
	  if [ -f $$p/pyproject.toml ]; then $(BIN)/python -m pip install --quiet -e $$p || exit 1; fi; \
	done
	touch $(STAMP)

install: $(STAMP) $(OIDC_PROVIDER)/node_modules/.package-lock.json

# The real OpenID provider the online-hall tests start (panva/oidc-provider from npm, pinned by its lock file).
$(OIDC_PROVIDER)/node_modules/.package-lock.json: $(OIDC_PROVIDER)/package-lock.json
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --silent

## Start the demo county on SQLite at http://127.0.0.1:5000 (logins are printed).
demo: $(STAMP)
	$(BIN)/govkit demo

## Run the whole test suite: database tests on SQLite and PostgreSQL, the rest on SQLite
## (docs/testing.md), in parallel, listing the 25 slowest tests at the end.
test: $(STAMP) $(OIDC_PROVIDER)/node_modules/.package-lock.json
	$(BIN)/python -m pytest --govkit-db=both -n $(TEST_WORKERS) --dist loadgroup --durations=25 $(PYTEST_ARGS)

## Lint: ruff with the settings of pyproject.toml (120 columns; E, F, W).
lint: $(STAMP)
	$(BIN)/python -m ruff check .

clean:
	rm -rf $(VENV) govkit-demo test-artifacts
