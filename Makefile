# Two commands set Pitboard up on a machine with Python 3.11+:
#   make demo   - install into .venv, then crawl the built-in sample sites into the embedded database
#   make test   - install into .venv (with test tools), then run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean-venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The venv's own pip may skip lxml's html_clean extra, which trafilatura needs.
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/pitboard demo

# --durations: the slowest tests, so that CI logs show where its time goes
test: $(STAMP)
	$(BIN)/python -m pytest --durations=25

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python bench/pipeline.py

clean-venv:
	rm -rf $(VENV)
