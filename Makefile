# onefunnel: `make run` builds the funnel warehouse from the sandbox company; `make test` proves the numbers.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export UV_PYTHON_DOWNLOADS := never
export GX_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export RUNTIME__DLTHUB_TELEMETRY := false
SANDBOX_PORT ?= 8765

.PHONY: help install run test dev lint manifest sandbox clean

help: ## Show this help
	@echo "onefunnel: one trusted B2B funnel from first touch to renewed revenue"
	@echo
	@grep -E '^[a-z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	@$(PYTHON) -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	@$(UV) sync --frozen --compile-bytecode --python $(PYTHON) --quiet
	@touch $@

install: $(VENV)/.installed $(DAGSTER_HOME)/dagster.yaml ## Install locked dependencies into .venv (uv, from uv.lock)

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	@cp orchestration/dagster.yaml $@

manifest: install ## Prepare the dbt manifest once (Dagster reads it instead of parsing on every load)
	@$(PY) -m orchestration.dbt_manifest

run: manifest ## Run the whole pipeline on the sandbox company through Dagster and print a summary
	@$(PY) -m orchestration.run

test: install browser ## Run the test suite (unit, dbt unit tests, end-to-end on the sandbox)
	@$(PY) -m pytest

# --- review pages and docs (reporting/) -------------------------------------------------------
.PHONY: browser reports docs
DOCS_DIR ?= reports/dbt_docs

browser: ## Headless Chromium for the review-page tests: Debian's chromium, installed once if missing
	@if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || [ -n "$$ONEFUNNEL_CHROMIUM" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "chromium is missing and apt-get is unavailable: install Chromium and set ONEFUNNEL_CHROMIUM" \
			"to its path (the review-page tests open the pages in headless Chromium)" >&2; exit 1; fi; \
	echo "installing Debian's chromium (headless browser for the review-page tests)"; \
	SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

reports: install ## Write the review pages of the latest complete periods: reports/index.html
	@$(PY) -m reporting

docs: manifest ## dbt docs (every mart column described) as one page: reports/dbt_docs/static_index.html
	@warehouse="$${ONEFUNNEL_WAREHOUSE:-data/warehouse.duckdb}"; catalog=""; \
	case "$$warehouse" in postgres*) ;; *) [ -f "$$warehouse" ] || { catalog="--empty-catalog"; warehouse=":memory:"; \
		echo "no warehouse yet (make run builds it): docs without column types"; };; esac; \
	ONEFUNNEL_WAREHOUSE="$$warehouse" $(VENV)/bin/dbt docs generate --project-dir dbt_project --profiles-dir dbt_project \
		--target-path "$(abspath $(DOCS_DIR))" --static $$catalog --quiet
	@echo "dbt docs: $(DOCS_DIR)/static_index.html (self-contained; open it in a browser)"

dev: manifest ## Open the Dagster UI on the sandbox (emulator on port $(SANDBOX_PORT))
	@$(PY) -m ingestion.sandbox serve --port $(SANDBOX_PORT) & echo $$! > .sandbox.pid; \
	trap 'kill $$(cat .sandbox.pid) 2>/dev/null; rm -f .sandbox.pid' EXIT; \
	SOURCES__SALESFORCE__BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) \
	SOURCES__SALESFORCE__CREDENTIALS__CLIENT_ID=sandbox-client \
	SOURCES__SALESFORCE__CREDENTIALS__CLIENT_SECRET=sandbox-secret \
	ONEFUNNEL_AS_OF_DATE=$${ONEFUNNEL_AS_OF_DATE:-2026-09-30} \
	$(VENV)/bin/dagster dev -m orchestration.definitions

sandbox: install ## Serve the sandbox company's APIs on port $(SANDBOX_PORT) until stopped
	@$(PY) -m ingestion.sandbox serve --port $(SANDBOX_PORT)

.PHONY: backfill
backfill: manifest ## Load each enabled source's history month by month (one run per source), then rebuild: make backfill START=2024-01 END=2026-09
	@test -n "$(START)" -a -n "$(END)" || { echo "usage: make backfill START=YYYY-MM END=YYYY-MM [SOURCE=real] [SOURCES=salesforce,hubspot,marketo,ad_spend,product_events]"; exit 2; }
	@$(PY) -m orchestration.backfill --start $(START) --end $(END) --source $(or $(SOURCE),sandbox) $(if $(SOURCES),--sources $(SOURCES))

# --- benchmark (bench/, issue #8) ----------------------------------------------------------------
.PHONY: bench
SCALE ?= S
bench: manifest ## Time each stage at a company size (S, M or L; several: SCALE="S M"): bench/results.md
	@$(PY) -m bench $(foreach s,$(SCALE),--scale $(s)) $(if $(STAGES),--stages $(STAGES))
# --- end of benchmark

lint: install ## Lint Python (ruff) and SQL (sqlfluff)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/sqlfluff lint dbt_project/models

clean: ## Remove the warehouse, dlt state, reports and dbt target (not .venv)
	rm -rf data reports dbt_project/target dbt_project/logs $(DAGSTER_HOME)
