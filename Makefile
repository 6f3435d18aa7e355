# maturity-scanner — run `make help` for the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
APT_STAMP := $(VENV)/.system-packages
# Debian packages the tests and the demo need (real Prometheus, Alertmanager, Chromium, and a
# CJK font so Chromium renders the report's Chinese text rather than empty boxes).
APT_PACKAGES := prometheus prometheus-alertmanager chromium fonts-wqy-microhei
PYTEST_ARGS ?=
# Tests run on every core (pytest-xdist), one module per worker at a time so its module-scoped
# servers start once; tests/conftest.py puts the longest modules first. TEST_WORKERS=0: serially.
TEST_WORKERS ?= auto
XDIST = -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
BENCH_ARGS ?=

.DEFAULT_GOAL := help

help: ## show this help
	@grep -hE '^[a-z][a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP) ## create .venv and install the scanner with pinned dependencies

system-deps: $(APT_STAMP) ## install Debian packages the tests use (prometheus, alertmanager, chromium, a CJK font)

$(APT_STAMP): Makefile | $(STAMP)
	@missing=""; \
	command -v prometheus >/dev/null || missing="$$missing prometheus"; \
	command -v prometheus-alertmanager >/dev/null || command -v alertmanager >/dev/null || missing="$$missing prometheus-alertmanager"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-wqy-microhei"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@touch $@

# Microsoft's SARIF Multitool (MIT, npm): validates SARIF against the 2.1.0 JSON Schema and
# GitHub's ingestion rules (rule kinds Sarif;Gh), as https://sarifweb.azurewebsites.net does.
SARIF_TOOL_VERSION := 5.7.0
SARIF_TOOL := $(VENV)/tools/sarif-multitool/Sarif.Multitool

$(SARIF_TOOL): | $(STAMP)
	@mkdir -p $(VENV)/tools
	cd $(VENV)/tools && npm pack --silent @microsoft/sarif-multitool-linux@$(SARIF_TOOL_VERSION) >/dev/null \
	  && rm -rf sarif-multitool && mkdir sarif-multitool \
	  && tar xzf microsoft-sarif-multitool-linux-$(SARIF_TOOL_VERSION).tgz -C sarif-multitool --strip-components=1 \
	  && rm microsoft-sarif-multitool-linux-$(SARIF_TOOL_VERSION).tgz && chmod +x sarif-multitool/Sarif.Multitool

tools: $(SARIF_TOOL) ## tools the tests run (the SARIF validator, from npm)

lint: install ## ruff (lint + format check) and mypy --strict
	$(VENV)/bin/ruff check scanner probes tests bench sandbox
	$(VENV)/bin/ruff format --check scanner probes sandbox
	$(VENV)/bin/mypy

format: install ## apply ruff formatting and safe fixes
	$(VENV)/bin/ruff format scanner probes sandbox tests bench
	$(VENV)/bin/ruff check --fix scanner probes sandbox tests bench

test: install system-deps tools ## run the whole test suite on every core (TEST_WORKERS=0: serially)
	$(PY) -m pytest -q $(XDIST) $(PYTEST_ARGS)

test-fast: install ## the fast tier: every test that starts no server or browser (under 3 min on 2 workers: 2 min 48 s with other work running)
	$(PY) -m pytest -q -m "not slow" $(XDIST) $(PYTEST_ARGS)

golden: install ## regenerate tests/golden/ (report JSON, SARIF, JUnit, metrics, diff) after an intended change
	UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/test_golden.py

bench: install system-deps ## run the benchmarks, then one side-by-side table (BENCH_ARGS=--quick: a smoke run)
	$(PY) bench/run.py $(BENCH_ARGS)

fidelity: install ## scan the expert-graded estates (tests/estates/) and print the agreement per estate
	$(PY) -m tests.fidelity

demo: install system-deps ## scan the bundled sandbox estate: writes report.json, report.html, evidence/
	$(VENV)/bin/maturity demo --out .

clean: ## remove the virtual environment and generated files
	rm -rf $(VENV) report.json report.html evidence .pytest_cache .mypy_cache .ruff_cache

.PHONY: help install system-deps tools lint format test test-fast bench demo fidelity clean
