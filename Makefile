# The two commands a newcomer needs (see README.md): `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test lint typecheck pytest clean

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

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
