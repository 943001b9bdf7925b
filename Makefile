# Frontier: `make run` serves the dashboard, `make test` runs every check, `make dev` serves it for editing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
export LITELLM_LOCAL_MODEL_COST_MAP := True
export HF_HUB_OFFLINE := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run dev test bench lint seed clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

SERVE := $(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# Without a file watcher (.streamlit/config.toml): a new session costs the server about its script run.
run: $(VENV)/.installed
	$(PY) -m pricing seed --if-empty
	@$(PY) scripts/open_when_ready.py $(PORT) &
	$(SERVE)

# For editing: polls the project's own modules and pages (never .venv or data/) and reruns the open page on a change.
dev: $(VENV)/.installed
	$(PY) -m pricing seed --if-empty
	@$(PY) scripts/open_when_ready.py $(PORT) &
	$(SERVE) --server.fileWatcherType poll --server.runOnSave true

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports --no-logo --no-cache

# Tests marked serial measure time or load (20 browser sessions at once, injected delays): they run alone after the
# rest, which run on every core, so that a neighbouring worker's CPU does not decide their outcome.
test: lint
	$(PY) -m pytest -n auto -m "not serial"
	$(PY) -m pytest -m serial

bench: $(VENV)/.installed
	$(PY) -m benchmarks

seed: $(VENV)/.installed
	$(PY) -m pricing seed

clean:
	rm -rf $(VENV) data/frontier.duckdb data/frontier.duckdb.wal
