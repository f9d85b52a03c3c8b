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
	@echo "make bench-AREA   - one benchmark area: hashes, migration, hooks, authorizer, scan"
	@echo "make run          - start the local stack in the foreground"
	@echo "make reliability  - fault, burst and hostile-input scenarios; writes docs/reliability.md"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,chart]'
	@touch $@

venv: $(STAMP)

services:
	@bash devstack/ensure-services.sh

$(NODE_STAMP): devstack/package.json devstack/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required (apt-get install -y nodejs npm)"; exit 1; }
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
