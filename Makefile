# Two commands matter: `make test` and `make demo`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test lint demo clean container-test reliability bench

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest

demo: $(STAMP)
	$(PY) tests/demo.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# The image built and run as GitHub's runner would (needs root: apt, buildah).
container-test: $(STAMP)
	bash scripts/container-test.sh

# Regenerate docs/reliability.md from a run of the fault matrix.
reliability: $(STAMP)
	UPDATE_RELIABILITY=1 $(PY) -m pytest -q tests/test_faults.py

# Speed and size against their goals; rewrites docs/benchmarks.md. Exits 0
# when goals are missed (a measurement), non-zero only if the bench breaks.
bench: $(STAMP)
	$(PY) -m pip install --quiet --quiet --disable-pip-version-check -r requirements-bench.txt
	$(PY) -m bench.run
