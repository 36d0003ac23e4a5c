# Kommunalnetz: `make run` serves the demo (development server, SQLite, no Redis needed),
# `make serve` the production topology (gunicorn + analysis workers + PostgreSQL + Redis,
# configured from the environment: README, "Operations"), `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
PORT   ?= 5000
HOST   ?= 127.0.0.1
# the suite runs in parallel, one worker per core (pytest-xdist)
TEST_WORKERS ?= auto

.PHONY: run serve test lint bench bench-load lock translations clean

MO := translations/en/LC_MESSAGES/messages.mo

$(BIN)/python:
	@echo "==> Creating the virtual environment in $(VENV) (first run only)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar on --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "==> Installing Kommunalnetz and its dependencies (first run: about a minute)"
	$(BIN)/pip install --progress-bar on -e . | grep -E "^(Collecting|Successfully)" || true
	@$(BIN)/python -c "import collab" && touch $@

# the production set, pinned by constraints.txt (the locked dependency set: `make lock`)
$(VENV)/.installed-prod: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install -q -c constraints.txt -e '.[production]'
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	@echo "==> Installing what the tests need"
	$(BIN)/pip install -e '.[test]' | grep -E "^(Collecting|Successfully)" || true
	@$(BIN)/python -c "import pytest, playwright" && touch $@

# the English catalogue, compiled from its source (German is the source language)
$(MO): translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d translations

run: export DEMO = 1
run: export BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed $(MO)
	@echo "==> Preparing the database (instance/kommunalnetz.sqlite)"
	$(FLASK) init-db
	@echo "==> Loading the demo network when the database is empty"
	$(FLASK) seed --if-empty
	@echo "==> Serving http://$(HOST):$(PORT)  (demo accounts: README; Ctrl-C stops)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# the production topology in the foreground, from DATABASE_URL, REDIS_URL, SECRET_KEY, BASE_URL, PORT,
# WEB_CONCURRENCY and KN_* (refuses to start without them); Ctrl-C stops it
serve: $(VENV)/.installed-prod $(MO)
	PORT=$${PORT:-$(PORT)} $(BIN)/python -m collab.ops.serve

test: $(VENV)/.installed-test $(MO)
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check collab graphs tests benchmarks

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_analysis.py

# the load benchmark: production topology on a throwaway PostgreSQL and Redis (README figures)
bench-load: $(VENV)/.installed-test $(VENV)/.installed-prod $(MO)
	$(BIN)/python benchmarks/bench_load.py $(BENCH_ARGS)

# re-pin the production dependency set from a fresh environment
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install -q --upgrade pip && .lock-venv/bin/pip install -q '.[production]'
	.lock-venv/bin/pip freeze --exclude kommunalnetz > constraints.txt
	rm -rf .lock-venv

translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _lp:1c,2 -k lazy_pgettext:1c,2 \
	  --no-location --sort-output \
	  -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations --statistics

clean:
	rm -rf $(VENV) instance .pytest_cache
