# medlens — the two quick-start commands are `make run` and `make test`.
# Each does its own set-up: a virtual environment, the installs, the database migration.
SHELL := /bin/bash
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# Virtual environments are keyed by the hash of pyproject.toml, so a changed dependency list
# rebuilds them; CI may point these at a cache folder (MEDLENS_VENV_TEST / MEDLENS_VENV_SERVE).
DEPS_HASH := $(shell sha256sum pyproject.toml | cut -c1-16)
VENV_SERVE ?= $(or $(MEDLENS_VENV_SERVE),.venv-serve)
VENV_TEST ?= $(or $(MEDLENS_VENV_TEST),.venv)

.PHONY: run test test-postgres lint venv-serve venv-test bench clean

## run: the screening service on SQLite with the bundled models (light install, no torch)
run: venv-serve
	$(VENV_SERVE)/bin/medlens db upgrade
	$(VENV_SERVE)/bin/medlens serve --host $(HOST) --port $(PORT)

## test: full install (torch, timm, …), lint, then the whole test suite
test: venv-test
	$(VENV_TEST)/bin/ruff check src tests benchmarks
	$(VENV_TEST)/bin/mypy
	HF_HUB_OFFLINE=1 MPLBACKEND=Agg $(VENV_TEST)/bin/pytest -q

## test-postgres: the database-facing tests again on PostgreSQL (needs MEDLENS_TEST_DATABASE_URL)
test-postgres: venv-test
	@test -n "$$MEDLENS_TEST_DATABASE_URL" || { echo "set MEDLENS_TEST_DATABASE_URL=postgresql+psycopg://…"; exit 2; }
	HF_HUB_OFFLINE=1 MPLBACKEND=Agg $(VENV_TEST)/bin/pytest -q tests/web -m "not browser"

venv-serve:
	@scripts/ensure_venv.sh "$(PYTHON)" "$(VENV_SERVE)" serve "$(DEPS_HASH)"

venv-test:
	@scripts/ensure_venv.sh "$(PYTHON)" "$(VENV_TEST)" test "$(DEPS_HASH)"

lint: venv-test
	$(VENV_TEST)/bin/ruff check src tests benchmarks
	$(VENV_TEST)/bin/ruff format --check src tests benchmarks
	$(VENV_TEST)/bin/mypy

clean:
	rm -rf .venv .venv-serve .pytest_cache .mypy_cache .ruff_cache
