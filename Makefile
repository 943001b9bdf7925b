# Frontier: `make run` serves the dashboard, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
export LITELLM_LOCAL_MODEL_COST_MAP := True
export HF_HUB_OFFLINE := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test bench lint seed clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m pricing seed --if-empty
	@$(PY) scripts/open_when_ready.py $(PORT) &
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-logo --no-cache

test: lint
	$(PY) -m pytest -n auto

bench: $(VENV)/.installed
	$(PY) -m benchmarks

seed: $(VENV)/.installed
	$(PY) -m pricing seed

clean:
	rm -rf $(VENV) data/frontier.duckdb data/frontier.duckdb.wal
