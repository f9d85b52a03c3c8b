# Every target bootstraps what it needs: a virtualenv in .venv, the local databases and the pinned npm tools.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := devstack/node_modules/.installed
PYTEST_ARGS ?=

.PHONY: help venv services node test lint typecheck unit bench bench-% demo run reliability sam-build clean

help:
	@echo "make demo         - run the whole flow on the local stack (cognito-local + our real handlers)"
	@echo "make test         - lint, type-check and the whole test suite (real MariaDB, PostgreSQL, cognito-local)"
	@echo "make bench        - all benchmarks (figures as ratios against baselines measured in the same run)"
	@echo "make bench-AREA   - one benchmark area: hashes, migration, hooks, authorizer, scan, timing"
	@echo "make run          - start the local stack in the foreground"
	@echo "make reliability  - fault, burst and hostile-input scenarios; writes docs/reliability.md"

# On a fresh Debian/Ubuntu machine: python3-venv and npm come from apt-get when we are root; otherwise we stop
# and print the one command that would install them.
define need_pkg
{ if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
    echo "Installing $(1) with apt-get ..."; \
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null; \
  else echo "ERROR: $(2) is missing. Install it with: sudo apt-get install -y $(1)" >&2; exit 1; fi; }
endef

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "ERROR: Python >= 3.11 is required ($(PYTHON) is $$($(PYTHON) -V 2>&1)); set PYTHON=python3.11" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || $(call need_pkg,python3-venv,Python's venv module)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,chart]'
	@touch $@

venv: $(STAMP)

services:
	@bash devstack/ensure-services.sh

$(NODE_STAMP): devstack/package.json devstack/package-lock.json
	@command -v npm >/dev/null || $(call need_pkg,nodejs npm,npm (Node.js))
	cd devstack && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node: $(NODE_STAMP)

lint: venv
	$(VENV)/bin/ruff check .

typecheck: venv
	$(VENV)/bin/mypy

test: venv services node lint typecheck
	$(VENV)/bin/pytest $(PYTEST_ARGS)

unit: venv
	$(VENV)/bin/pytest tests/unit $(PYTEST_ARGS)

bench: venv services node
	$(PY) tests/bench/run.py

bench-%: venv services node
	$(PY) tests/bench/run.py $*

demo: venv node
	$(PY) -m devstack demo

run: venv node
	$(PY) -m devstack run

reliability: venv services node
	$(PY) -m tests.reliability.report

clean:
	rm -rf $(VENV) devstack/node_modules .pytest_cache .ruff_cache .mypy_cache .hypothesis .bench

# `sam build` with a Python matching the python3.13 runtime (pyenv's 3.13 or python3.13 on PATH), from aws-sam-cli
# in its own venv (.venv-sam: it pins another boto3 than the main venv). Packages: devstack/lambda/Makefile.
SAM_VENV := .venv-sam
SAM_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
sam-build:
	@test -n "$(SAM_PYTHON)" || { echo "python3.13 is required for the python3.13 runtime (e.g. pyenv install 3.13)"; exit 1; }
	@test -x $(SAM_VENV)/bin/sam || { $(SAM_PYTHON) -m venv $(SAM_VENV) && $(SAM_VENV)/bin/pip install --quiet aws-sam-cli==1.170.0; }
	PATH="$(dir $(SAM_PYTHON)):$$PATH" SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-1} \
		$(SAM_VENV)/bin/sam build --build-in-source --template-file template.yaml
	@echo "Importing each package on its own with $(SAM_PYTHON) -S:"
	$(SAM_PYTHON) -S devstack/lambda/smoke.py .aws-sam/build
