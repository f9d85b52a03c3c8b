# Every target bootstraps what it needs: a virtualenv in .venv, the local databases and the pinned npm tools.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := devstack/node_modules/.installed
PYTEST_ARGS ?=

.PHONY: help venv services node test lint typecheck unit static bench bench-% demo run reliability sam-build clean

# `make help` lists every target that has a "## " description on its rule line (tests/test_infrastructure.py checks
# that every target has one).
help: ## this list
	@echo "Usage: make TARGET [PYTEST_ARGS=...]"
	@grep -hE '^[a-z%-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z%-]+):.*## (.*)$$/\1\t\2/' | \
		awk -F '\t' '{ printf "  make %-14s %s\n", ($$1 == "bench-%" ? "bench-AREA" : $$1), $$2 }'

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
	@test -x $(PY) || { echo "==> Creating the virtualenv $(VENV) with $$($(PYTHON) -V 2>&1) (a few seconds)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> Upgrading pip in $(VENV) (a few seconds)"
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@echo "==> Installing this project and its dev tools into $(VENV): libpass, bcrypt, argon2, PyMySQL, psycopg,"
	@echo "    cryptography, Powertools, boto3, moto, cfn-lint, ruff, mypy, matplotlib (about 3 minutes the first time)"
	$(PY) -m pip install --disable-pip-version-check --progress-bar off -e '.[dev,chart]'
	@echo "==> $(VENV) is ready"
	@touch $@

venv: $(STAMP) ## create .venv and install the project with its dev tools (once; again when pyproject.toml changes)

services: ## start (or install, as root) MariaDB and PostgreSQL on loopback for the tests
	@echo "==> Checking MariaDB (127.0.0.1:3306) and PostgreSQL (127.0.0.1:5432)"
	@bash devstack/ensure-services.sh

$(NODE_STAMP): devstack/package.json devstack/package-lock.json
	@command -v npm >/dev/null || $(call need_pkg,nodejs npm,npm (Node.js))
	@echo "==> Installing the pinned npm tools (cognito-local) into devstack/node_modules (about 30 seconds)"
	cd devstack && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node: $(NODE_STAMP) ## install the pinned npm tools (cognito-local) into devstack/node_modules

lint: venv ## ruff check .
	$(VENV)/bin/ruff check .

typecheck: venv ## mypy (legacy_auth, triggers, authorizer)
	$(VENV)/bin/mypy

test: venv services node lint typecheck ## lint, type-check and the whole test suite (real MariaDB, PostgreSQL, cognito-local)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Tiers (tests/support/tiers.py marks them by path): `unit` leaves out `slow` (costly hashes, fuzzing) and `static`
# (cfn-lint, SAM translator, package builds); `static` runs those checks alone; `test` runs every test, marked or not.
unit: venv ## the fast loop (under a minute): tests/unit without the slow and static tiers; no database, no emulator
	$(VENV)/bin/pytest tests/unit -m "not slow and not static" $(PYTEST_ARGS)

static: venv ## static checks of the repository's files: cfn-lint, SAM transform, Lambda packages, Makefile, pyproject
	$(VENV)/bin/pytest tests -m static $(PYTEST_ARGS)

bench: venv services node ## all benchmarks (figures as ratios against baselines measured in the same run)
	$(PY) tests/bench/run.py

bench-%: venv services node ## one benchmark area: hashes, migration, timing, boundary, hooks, authorizer, scan, plan, tracing, importing
	$(PY) tests/bench/run.py $*

demo: venv node ## run the whole flow on the local stack (cognito-local + our real handlers)
	$(PY) -m devstack demo

run: venv node ## start the local stack in the foreground and print its URLs
	$(PY) -m devstack run

reliability: venv services node ## fault, burst and hostile-input scenarios; writes docs/reliability.md
	$(PY) -m tests.reliability.report

clean: ## remove .venv, node_modules, .venv-sam, .aws-sam and the caches (the next target bootstraps again)
	rm -rf $(VENV) $(SAM_VENV) .aws-sam devstack/node_modules .pytest_cache .ruff_cache .mypy_cache .hypothesis .bench

# `sam build` with a Python matching the python3.13 runtime (pyenv's 3.13 or python3.13 on PATH), from aws-sam-cli
# in its own venv (.venv-sam: it pins another boto3 than the main venv). Packages: devstack/lambda/Makefile.
SAM_VENV := .venv-sam
SAM_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
sam-build: ## build the six Lambda packages for `sam deploy` (needs python3.13; see README Deploy)
	@test -n "$(SAM_PYTHON)" || { echo "python3.13 is required for the python3.13 runtime (e.g. pyenv install 3.13)"; exit 1; }
	@test -x $(SAM_VENV)/bin/sam || { echo "==> Installing aws-sam-cli 1.170.0 into $(SAM_VENV) (about 1 minute, once)"; \
		$(SAM_PYTHON) -m venv $(SAM_VENV) && $(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==1.170.0; }
	@echo "==> sam build: six function packages, wheels for python3.13 / x86_64 (a few minutes the first time)"
	PATH="$(dir $(SAM_PYTHON)):$$PATH" SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-eu-west-1} \
		$(SAM_VENV)/bin/sam build --build-in-source --template-file template.yaml
	@echo "Importing each package on its own with $(SAM_PYTHON) -S:"
	$(SAM_PYTHON) -S devstack/lambda/smoke.py .aws-sam/build
