# The two commands of the README: `make demo` and `make test`.
# Both create .venv with Python 3.11 and install govkit, its plugins and the demo.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml $(wildcard examples/county_demo/pyproject.toml plugins/*/pyproject.toml)
	$(BIN)/python -m pip install --quiet -e ".[test,postgres]"
	for p in plugins/*/ examples/county_demo/; do \
	  if [ -f $$p/pyproject.toml ]; then $(BIN)/python -m pip install --quiet -e $$p || exit 1; fi; \
	done
	touch $(STAMP)

install: $(STAMP)

## Start the demo county on SQLite at http://127.0.0.1:5000 (logins are printed).
demo: $(STAMP)
	$(BIN)/govkit demo

## Run the whole test suite on SQLite and PostgreSQL.
test: $(STAMP)
	$(BIN)/python -m pytest --govkit-db=both $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) govkit-demo test-artifacts
