# Partner Portal: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.DEFAULT_GOAL := help
.PHONY: help install install-runtime upgrade python-version run test lint lint-compose format worker beat migrate seed bench clean fuzz

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# uv installs from uv.lock. The uv on PATH is used when there is one; otherwise make bootstraps
# the pinned release into .uv/ with pip, so that Python 3.11+ is all a machine needs.
UV_VERSION := 0.13.9
UV_HOME := .uv
UV ?= $(shell command -v uv 2>/dev/null)
ifeq ($(strip $(UV)),)
UV := $(UV_HOME)/bin/uv
endif
# The interpreter the user chose (PYTHON=...); uv never downloads one.
UV_PYTHON := $(shell $(PYTHON) -c 'import sys; print(sys.executable)' 2>/dev/null)
ifneq ($(strip $(UV_PYTHON)),)
export UV_PYTHON
endif
export UV_PYTHON_DOWNLOADS := never
# uv syncs the environment make uses (VENV=... picks another folder).
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
RUNTIME_STAMP := $(VENV)/.synced-runtime
DEV_STAMP := $(VENV)/.synced-dev

python-version:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...).")'

$(UV_HOME)/bin/uv:
	@$(MAKE) --no-print-directory python-version
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# `make run` and the image: the runtime dependencies only, exactly as locked. --inexact keeps
# the dev tools of an earlier `make test` instead of removing them.
$(RUNTIME_STAMP): pyproject.toml uv.lock | $(UV)
	@$(MAKE) --no-print-directory python-version
	$(UV) sync --frozen --no-dev --inexact
	@touch $@

# `make test`, `make lint` and the other developer targets: runtime + the dev group.
$(DEV_STAMP): pyproject.toml uv.lock | $(UV)
	@$(MAKE) --no-print-directory python-version
	$(UV) sync --frozen
	@touch $@ $(RUNTIME_STAMP)

install: $(DEV_STAMP)  ## Create .venv and install the portal with its dev tools, from uv.lock

install-runtime: $(RUNTIME_STAMP)  ## Create .venv with the runtime dependencies only, from uv.lock

upgrade: | $(UV)  ## Refresh uv.lock to the newest releases pyproject.toml allows, then install them
	$(UV) lock --upgrade
	$(UV) sync --frozen
	@touch $(DEV_STAMP) $(RUNTIME_STAMP)
	@echo "uv.lock refreshed: review 'git diff uv.lock', run 'make lint test', commit the lock."

migrate: install-runtime  ## Apply database migrations
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

lint: install  ## ruff, import-linter's layer contracts, mypy with django-stubs, uv.lock up to date, compose file valid
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy .
	$(UV) lock --check
	@$(MAKE) --no-print-directory lint-compose

# docker-compose.yml validated by Docker Compose itself: the docker client's compose plugin when
# there is one, else the Compose binary of the dev group (Linux x86_64, Python 3.11), called
# directly: the package's `docker-compose` script always exits 0.
lint-compose: install  ## Validate docker-compose.yml with `docker compose config` (.env.example as the env file)
	@if docker compose version >/dev/null 2>&1; then compose="docker compose"; \
	elif compose="$$($(BIN)/python -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).with_name("docker-compose"))' 2>/dev/null)" \
		&& [ -x "$$compose" ]; then :; \
	elif [ -n "$$CI" ]; then echo "No Docker Compose found: CI needs it to validate docker-compose.yml." >&2; exit 1; \
	else echo "Skipping the compose check: no Docker Compose on this machine."; exit 0; fi; \
	[ -f .env.example ] || { echo ".env.example is missing" >&2; exit 1; }; \
	echo "$$compose config --quiet"; \
	PORTAL_ENV_FILE=.env.example $$compose --env-file .env.example -f docker-compose.yml config --quiet

format: install  ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install-runtime  ## A Celery worker (needs CELERY_BROKER_URL)
	$(BIN)/celery -A partner_portal worker --loglevel INFO

beat: install-runtime  ## Celery beat with the schedule declared in settings (needs CELERY_BROKER_URL)
	$(BIN)/celery -A partner_portal beat --loglevel INFO

bench: install  ## Benchmark on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench make bench
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:  ## Remove the virtualenv, caches and the local SQLite database
	rm -rf $(VENV) $(UV_HOME) .pytest_cache .mypy_cache .ruff_cache .hypothesis staticfiles db.sqlite3*
