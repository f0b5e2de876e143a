# codedash: two commands on a fresh machine with Python >= 3.11 and make.
#   make run    build the demo database if missing, serve the dashboard on 127.0.0.1:8050
#   make test   install what is needed, run the whole suite (real-browser test included)
#   make bench  print speed and memory figures

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.codedash-installed
DB     ?= var/demo.duckdb
SIZE   ?= default

.PHONY: run test bench demo install browser java lint lock clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "codedash needs Python >= 3.11 (set PYTHON=python3.11)")'
	@echo "==> [1/3] creating the virtual environment $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] installing $$(grep -c '==' requirements.lock) pinned packages from requirements.lock into $(VENV)" \
	      "(one to a few minutes the first time; pip prints nothing until it is done)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@echo "==> [3/3] installing codedash from this checkout (editable: $(BIN)/codedash runs the code you edit)"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)
	@echo "==> installed: $(BIN)/codedash"

# Rebuilt when the schema or a mart changes, so `make run` never serves a database an older codedash built.
$(DB): data/schema.sql $(wildcard data/marts/*.sql) | $(STAMP)
	@echo "==> building the demo database $(DB) (size $(SIZE)): every stage reports its progress below"
	$(BIN)/codedash demo --size $(SIZE) --db $(DB)

demo: $(STAMP)
	$(BIN)/codedash demo --size $(SIZE) --db $(DB)

run: $(STAMP) $(DB)
	@echo "==> serving $(DB) (make run always uses this file, never the per-user default database)"
	$(BIN)/codedash serve --db $(DB)

browser:
	@bash .ci/install-browser

java:
	@bash .ci/install-java

lint: $(STAMP)
	$(BIN)/ruff check dashboard queries data tests

test: $(STAMP) browser java lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m tests.benchmarks.run

# Re-pin every dependency from a clean environment (maintainers only; needs the registry).
lock:
	rm -rf /tmp/codedash-lock && $(PYTHON) -m venv /tmp/codedash-lock
	/tmp/codedash-lock/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	/tmp/codedash-lock/bin/python -m pip install --quiet -e '.[test]'
	/tmp/codedash-lock/bin/python -m pip freeze --all --exclude-editable | grep -v '^pip==' > requirements.lock

clean:
	rm -rf $(VENV) var build *.egg-info .pytest_cache
