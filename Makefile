# PetTube: two commands set everything up.
#   make dev    build what is missing, start the local cloud, print where everything is
#   make test   the same set-up, then every test
# Python 3.11+ and Node.js 20+ are the only prerequisites; no root, no Docker, no AWS account.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help dev test install site browser bench lint clean

help:
	@echo "make dev      start PetTube locally (sets everything up on first run)"
	@echo "make test     set up, then run every test (unit, local cloud, integration, browser)"
	@echo "make bench    run the benchmarks in bench/ (figures go to docs/benchmarks.md)"
	@echo "make lint     cfn-lint the template"
	@echo "make deploy   deploy to AWS (see docs/deploy.md)"
	@echo "make clean    remove everything built (venv, node_modules, site/vendor, state)"

# ---------------------------------------------------------------- set-up
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: PetTube needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.x")'
	@echo "==> creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the dependency pins change.
$(STAMPS)/python: pyproject.toml $(wildcard lambda/requirements.txt) | $(PY)
	@echo "==> installing Python dependencies (pinned in pyproject.toml)"
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@

install: $(STAMPS)/python

# The browser runtime (Pyodide, PyScript, wheels, and the memory snapshot, which is
# taken in headless Chromium) is built, never committed; the build itself skips work
# when its inputs did not change. Without a Chromium the page still works: it starts
# Python the ordinary way, seconds slower (the build says so).
site: install
	@command -v node >/dev/null || { echo "error: Node.js 20+ is needed to build the site's runtime (https://nodejs.org)"; exit 2; }
	@$(PY) -m tools.browser_setup || echo "warning: no Chromium to take the page's memory snapshot with"
	@echo "==> building the site's self-hosted runtime"
	$(PY) -m tools.site_build

browser: install
	@$(PY) -m tools.browser_setup

# ------------------------------------------------------------- commands
dev: site
	@echo "==> starting PetTube's local cloud"
	$(PY) -m localcloud up

test: site browser
	$(PY) -m pytest $(PYTEST_ARGS)

bench: site browser
	$(PY) -m bench

lint: install
	$(VENV)/bin/cfn-lint infra/template.yaml

clean:
	rm -rf $(VENV) $(STAMPS) node_modules site/vendor .pettube build test-artifacts

SITE_BUILD := $(PY) -m tools.site_build
-include infra/deploy/deploy.mk
