# Two entry points, both self-installing on a fresh Debian/Ubuntu machine:
#   make build   system packages + .venv, then build the sample cases into build/
#   make test    the same set-up, then the test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: build test setup lint clean check-upstream
build: setup
	$(BIN)/casepress build

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# the PDF tests against the newest WeasyPrint, in a scratch venv (see scripts/check-upstream)
check-upstream:
	sh scripts/check-upstream

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/install-system-deps scripts/install-test-tools
	sh scripts/install-system-deps
	sh scripts/install-test-tools
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf build
