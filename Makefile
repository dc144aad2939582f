# PetTube: two commands set everything up.
#   make dev    build what is missing, start the local cloud, print where everything is
#   make test   the same set-up, then every test
# Python 3.11+ and Node.js 20+ are the only prerequisites; no root, no Docker, no AWS account.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
LOCK := requirements.lock
# The Lambda package's dependencies: its subset of the same lock (infra/deploy/package.py).
LAMBDA_LOCK := lambda/requirements.txt
# The lock's uv entry: its requirement line and the indented lines under it.
LOCKED_UV = awk '/^uv==/ { entry = 1; print; next } entry && /^ / { print; next } { entry = 0 }' $(LOCK)
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --universal --generate-hashes --quiet \
	--custom-compile-command 'make lock' $(if $(call _truthy,$(UPGRADE)),--upgrade)
PYTEST_ARGS ?=
# Test processes (pytest-xdist), each with its own local cloud. Three by default, on 2 cores too:
# the tests wait on transcodes, browsers and clouds' starts as much as they compute. A fresh clone's
# tests took 914 s in one process, 611 s in two (2026-12-05), and later 452 s in two against 381 and
# 401 s in three (clean clones; two kept the CPUs busy 113 % of 200 %, three 128 %). TEST_WORKERS=0 runs
# them in this process, TEST_WORKERS=auto one process per core.
TEST_WORKERS ?= 3
_truthy = $(filter 1 yes true,$(1))

.DEFAULT_GOAL := help
.PHONY: help dev test install lock site browser bench lint clean

help:
	@echo "make dev      start PetTube locally (sets everything up on first run)"
	@echo "make test     set up, then run every test (unit, local cloud, integration, browser)"
	@echo "make bench    run the benchmarks in bench/ (figures go to docs/benchmarks.md)"
	@echo "make lint     cfn-lint the template"
	@echo "make lock     re-lock the Python dependencies after editing pyproject.toml"
	@echo "make deploy   deploy to AWS (see docs/deploy.md)"
	@echo "make clean    remove everything built (venv, node_modules, site/vendor, state)"

# ---------------------------------------------------------------- set-up
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: PetTube needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.x")'
	@echo "==> creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)

# Every Python dependency, transitive ones included, comes from the lock with PyPI's
# hashes (the installer refuses any file that does not match); pip, setuptools and uv
# themselves are in it. The venv's bundled pip installs the locked uv (its entry alone),
# which installs the rest: it downloads and unpacks in parallel, several times faster
# than pip. pettube goes on last, editable, built with the locked setuptools.
# The dependencies' bytecode is compiled at install (uv, on every core), so that a Python
# process that imports them does not compile them again: with PYTHONDONTWRITEBYTECODE set,
# as on these machines, every process did (importing the local cloud took 1.2 s of CPU, 0.6 s
# with the bytecode; a fresh clone's tests 395 s, 371 s with it; the install takes 6 s longer).
# Reinstall only when the lock or pyproject.toml change.
$(STAMPS)/python: $(LOCK) pyproject.toml | $(PY)
	@echo "==> installing Python dependencies (locked with hashes in $(LOCK))"
	$(PY) -m pip install --disable-pip-version-check --quiet --require-hashes --requirement <($(LOCKED_UV))
	$(VENV)/bin/uv pip install --python $(PY) --require-hashes --compile-bytecode --requirement $(LOCK)
	$(VENV)/bin/uv pip install --python $(PY) --quiet --no-deps --no-build-isolation --editable .
	@mkdir -p $(STAMPS) && touch $@

install: $(STAMPS)/python

# Write the locks from pyproject.toml (run it after editing a pin there; the test
# tests/infra/test_dependency_lock.py fails until you do). uv resolves once for every
# OS, CPU and Python the project supports and records PyPI's hash of every file, so
# the same lock serves x86_64 and aarch64 machines and the arm64 Lambda. Pins already
# in the lock are kept; UPGRADE=1 takes the newest versions pyproject.toml allows.
lock: install
	$(UV_COMPILE) --extra dev --group tooling --output-file $(LOCK)
	$(UV_COMPILE) --constraint $(LOCK) --output-file $(LAMBDA_LOCK)

# The browser runtime (Pyodide, PyScript, wheels, and the memory snapshot, which is
# taken in headless Chromium) is built, never committed; the build itself skips work
# when its inputs did not change. Without a Chromium the page still works: it starts
# Python the ordinary way, seconds slower (the build says so). Built for this machine:
# brotli at quality 6, in seconds; make deploy and the benchmarks compress it as it
# ships (--release: quality 11, minutes of CPU; tools/site_build/compress.py).
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
	$(PY) -m pytest --numprocesses $(TEST_WORKERS) $(PYTEST_ARGS)

bench: site browser
	$(PY) -m bench

lint: install
	$(VENV)/bin/cfn-lint infra/template.yaml

clean:
	rm -rf $(VENV) $(STAMPS) node_modules site/vendor .pettube build test-artifacts

SITE_BUILD := $(PY) -m tools.site_build
-include infra/deploy/deploy.mk
