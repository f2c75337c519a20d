# Two commands do everything: `make run` starts the bot, `make test` runs the tests.
# Both create .venv and install the project into it first (only Python 3.11+ and pip needed).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,fulltext]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot run

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check bot handlers tests benchmarks scripts
	$(BIN)/ruff format --check bot handlers tests benchmarks scripts

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
