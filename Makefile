# The two commands a newcomer needs (see README.md): `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test lint typecheck pytest audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

# The main job: the service with the demo playbook and sample data on embedded SQLite.
run: install
	$(BIN)/humantouch serve --demo

lint: install-test
	$(BIN)/ruff check src tests bench tools

typecheck: install-test
	$(BIN)/mypy

pytest: install-test
	scripts/pytest.sh

test: lint typecheck pytest

# Known vulnerabilities in the installed dependencies (PyPI's advisory data, via pip-audit).
# --strict fails when a package cannot be audited, so "nothing found" never means "nothing checked".
# Not part of `make test`: it needs PyPI, and where the pinned versions are unknown to PyPI's
# JSON API (private mirrors, pre-release pins) every package is skipped; see docs/privacy.md.
audit: install-test
	$(BIN)/pip-audit --strict --progress-spinner off --skip-editable

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
