# The two commands the README starts with: `make bench` and `make test`.
BIN := .venv/bin

.PHONY: setup bench test test-slow overhead

setup:
	bash scripts/setup.sh

bench: setup
	$(BIN)/kernelhub bench

test: setup
	$(BIN)/python -m pytest

test-slow: setup
	$(BIN)/python -m pytest -m slow

overhead: setup
	$(BIN)/python benchmarks/harness_overhead.py
