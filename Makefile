# Partner Portal: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
HOST ?= 127.0.0.1

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint format worker beat migrate seed bench clean fuzz

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...).")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)  ## Create .venv and install the portal with its dev tools

migrate: install  ## Apply database migrations
	$(BIN)/python manage.py migrate --noinput

seed: migrate  ## Seed the demo data when the database is empty
	$(BIN)/python manage.py seed_demo --if-empty

run: seed  ## Install, migrate, seed and serve the portal on http://$(HOST):$(PORT)
	@echo "Serving the portal on http://$(HOST):$(PORT)  (Ctrl+C stops it)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install  ## Run the whole suite (browser tests skip without Chromium, except in CI)
	$(BIN)/python -m pytest

fuzz: install  ## Hypothesis and schemathesis tests with random seeds and more examples
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz_inputs.py tests/test_fuzz_api.py \
		tests/api/test_schema.py tests/core/test_exports.py tests/program/test_engine_properties.py \
		tests/tierpage/test_calculator_properties.py tests/tierpage/test_calculator_api.py \
		tests/points/test_ledger_state_machine.py tests/recompute/test_recompute.py

lint: install  ## ruff (lint and format check), import-linter's layer contracts and mypy with django-stubs
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy .

format: install  ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install  ## A Celery worker (needs CELERY_BROKER_URL)
	$(BIN)/celery -A partner_portal worker --loglevel INFO

beat: install  ## Celery beat with the schedule declared in settings (needs CELERY_BROKER_URL)
	$(BIN)/celery -A partner_portal beat --loglevel INFO

bench: install  ## Benchmark on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench make bench
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:  ## Remove the virtualenv, caches and the local SQLite database
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis staticfiles db.sqlite3*
