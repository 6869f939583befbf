# The two quick-start commands are `make demo` and `make test`; both install what they need first.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

# Never phone home, never wait for the unreachable model hub in tests.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install demo demo-tiny test lint typecheck unit mutation

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch is pinned to the CPU build; an unpinned torch pulls several GB of CUDA libraries.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## Run the pipeline on the example articles with the embedded defaults into ./newsdigest-store.
## Exit code 1 (more than flow.fail_above of the articles not published, each listed with its reason) is
## a finished demo too: without access to the model hub, only the English articles can be published.
demo: install
	$(BIN)/newsdigest run examples/articles || test $$? -eq 1

## Offline: the small models trained in this repo (devtools/models) on generated Spanish, French and German
## articles of their synthetic grammar; the translations and summaries come out as correct English.
demo-tiny: install
	$(BIN)/python -m devtools.synthetic_news .demo-articles --per-language 2
	$(BIN)/newsdigest run .demo-articles --config configs/trained-local.yaml --store ./newsdigest-store-tiny
	$(BIN)/newsdigest digest --store ./newsdigest-store-tiny --date $$(date -u +%F) --format text

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

## The whole suite: lint, strict typing of pipelines/, and every test.
test: lint typecheck unit

## Mutation testing of the modules in tests/mutation/modules.toml (not part of `make test`: minutes per
## module on two cores). `make mutation GROUPS="records digest"` runs some groups; see docs/testing.md.
mutation: install
	$(BIN)/python -m pip install --quiet -e '.[mutation]'
	nice -n 10 $(BIN)/python tests/mutation/run.py $(GROUPS)
