# Kommunalnetz: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
PORT   ?= 5000
HOST   ?= 127.0.0.1
# the suite runs in parallel, one worker per core (pytest-xdist)
TEST_WORKERS ?= auto

.PHONY: run test lint bench translations clean

MO := translations/en/LC_MESSAGES/messages.mo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# the English catalogue, compiled from its source (German is the source language)
$(MO): translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

run: export DEMO = 1
run: $(VENV)/.installed $(MO)
	$(FLASK) init-db
	$(FLASK) seed --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test $(MO)
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check collab graphs tests benchmarks

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_analysis.py

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations --statistics

clean:
	rm -rf $(VENV) instance .pytest_cache
