# Nära — two commands:  `make run`  starts the local stack;  `make test`  runs every test tier.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CFN_VENV := .venv-cfn
CHROMIUM ?= /usr/bin/chromium
# Cache compiled bytecode even where the environment turns it off: every test worker and local stack imports the
# same modules again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test checks setup lint typecheck triage-check test-unit test-integration test-fuzz test-infra test-e2e \
        test-browser chromium cfn-lint-env openapi bench fuzz clean replay-dlq

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

# FAULTS=0.1: a tenth of the stack's AWS calls throttle, fail or time out on purpose (docs/reliability.md, "Faults")
run: setup
	$(BIN)/python -m infrastructure.local --regions jonkoping,kalmar $(if $(FAULTS),--faults $(FAULTS))

$(CFN_VENV)/.installed: requirements-cfn.txt
	test -x $(CFN_VENV)/bin/python || $(PYTHON) -m venv $(CFN_VENV)
	$(CFN_VENV)/bin/pip install --quiet --upgrade pip
	$(CFN_VENV)/bin/pip install --quiet -r requirements-cfn.txt
	touch $@

cfn-lint-env: $(CFN_VENV)/.installed

# Debian's Chromium for the browser tier (never a downloaded browser build).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy chalicelib

triage-check: setup
	$(BIN)/python -m chalicelib.triage check

test-unit: setup
	$(BIN)/pytest -q -n 2 tests/unit tests/property

test-integration: setup
	$(BIN)/pytest -q -n 2 tests/adapters tests/api

# The fuzzing tier's fixed sample (one example per operation, role and mode); in a run of its own: it keeps one moto
# for the whole session in each worker (docs/reliability.md, "Fuzzing").
test-fuzz: setup
	$(BIN)/pytest -q -n 2 tests/fuzz

# The full fuzzing run (issue 10): more than 10,000 generated requests, a few minutes.
fuzz: setup
	NARA_FUZZ_EXAMPLES=18 $(BIN)/pytest -q -n 2 tests/fuzz

test-infra: setup cfn-lint-env
	$(BIN)/pytest -q tests/infra

test-e2e: setup
	$(BIN)/pytest -q -n 2 --dist loadfile tests/e2e

test-browser: setup chromium
	$(BIN)/pytest -q -n 2 --durations=8 tests/browser

# The two virtualenvs and Chromium are installed side by side (mostly waiting on downloads and disks); then the checks
# and the infra tier, side by side: each of them runs in one process, so together they use both cores (-O keeps each
# one's output together); then the tiers that spread over both cores themselves, one by one.
test:
	$(MAKE) --no-print-directory -j3 -O setup cfn-lint-env chromium
	$(MAKE) --no-print-directory -j2 -O checks test-infra
	$(MAKE) --no-print-directory test-unit test-integration test-fuzz test-e2e test-browser
	@echo "make test: every tier passed"

checks: lint typecheck triage-check

openapi: setup  # regenerate docs/openapi.json after changing routes or models
	$(BIN)/python -m chalicelib.api > docs/openapi.json

# After a fix: move a consumer's failed domain events back to its queue (docs/events.md). Against the local stack give
# ENDPOINT=<its embedded AWS endpoint>; against AWS give TENANT=<region> and the usual AWS credentials.
replay-dlq: setup
	$(BIN)/python -m infrastructure.replay $(CONSUMER) $(if $(TENANT),--tenant $(TENANT)) $(if $(ENDPOINT),--endpoint $(ENDPOINT))

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(CFN_VENV) build .pytest_cache .mypy_cache .ruff_cache .hypothesis
