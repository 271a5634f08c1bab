# Two commands set everything up on a fresh machine:
#   make demo   create .venv, install Marsad, run the whole pipeline on the embedded broker
#   make test   create .venv, install Marsad with its test tools (and Debian's chromium for the
#               browser tests, when missing and this user may install packages), run the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install install-test demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

demo: install
	$(BIN)/marsad demo

test: install-test
	sh tests/browser/ensure_chromium.sh
	$(BIN)/python -m pytest

bench: install
	$(BIN)/marsad bench

clean:
	rm -rf $(VENV) marsad-data schemas .pytest_cache
