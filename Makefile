# The documented commands: `make demo` runs the product locally, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-fast lint format bench train lock clean

$(BIN)/applytrack: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(BIN)/applytrack

setup: $(BIN)/applytrack

demo: setup
	$(BIN)/applytrack --log-format text --log-level WARNING demo

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not e2e and not browser"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Each bench ends with one line of key=value figures; scale.py needs PostgreSQL on 127.0.0.1:5432.
bench: setup
	$(BIN)/python bench/classifier.py
	$(BIN)/python bench/backfill.py
	$(BIN)/python bench/first_board.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/webhook.py
	$(BIN)/python bench/burst.py
	$(BIN)/python bench/scale.py

# Retrains classifier/model/ with the training kit (training/, a source checkout) and the
# SpamAssassin ham (../shared/data/spamassassin-ham, or HAM_DIR=...); refuses without the ham.
train: setup
	$(BIN)/applytrack train $(if $(HAM_DIR),--ham-dir $(HAM_DIR))

# Newest versions within pyproject.toml's ranges, written to constraints.txt (its header kept).
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --upgrade pip
	.venv-lock/bin/pip install --quiet -e '.[test]'
	{ grep '^#' constraints.txt; .venv-lock/bin/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .applytrack test-output .pytest_cache
