# Woodshed — `make run` serves the app on SQLite, `make test` runs the whole suite.
# Everything is installed into .venv from pinned versions (constraints.txt, package-lock.json).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
PG_URL ?= postgresql+psycopg://127.0.0.1:5432/test
PYTEST_WORKERS ?= 2

# Keep compiled modules (and pytest's rewritten test modules) in __pycache__: without them
# every pytest process compiles the app, the tests and schemathesis again (~10 s each).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run install install-test assets test lint typecheck test-sqlite test-postgres test-e2e test-e2e-setup bench bench-studio demo clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Woodshed needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,redis]'
	@touch $@

install: $(VENV)/.installed assets
install-test: $(VENV)/.installed-test assets

# Chart.js and other browser libraries come from the npm registry, pinned in
# package-lock.json, and are copied into woodshed/static/vendor. Without npm the app
# still works: every chart is also a table.
# Built again only when the lock file or the copy script changes (`make clean` forgets it).
VENDOR_STAMP := woodshed/static/vendor/.built

assets: $(VENDOR_STAMP)

$(VENDOR_STAMP): package.json package-lock.json scripts/copy-vendor.mjs
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && node scripts/copy-vendor.mjs && touch $@; \
	else \
		echo "npm not found: charts will show as tables only."; \
	fi

run: install
	$(BIN)/woodshed db upgrade
	@echo "Woodshed is starting at http://$(HOST):$(PORT)/ — want sample data? run: $(BIN)/woodshed demo"
	$(BIN)/woodshed dev --host $(HOST) --port $(PORT)   # web server + reminder worker

demo: install
	$(BIN)/woodshed db upgrade
	$(BIN)/woodshed demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy on woodshed/ (settings in pyproject.toml; its cache in .mypy_cache makes reruns fast).
typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

# The browser tests run Debian's chromium-headless-shell (Chromium without the desktop
# browser's machinery: less than half the CPU of the full `chromium` for the same tests).
# Outside CI a `chromium` already on PATH serves too.
test-e2e-setup:
	@if ! command -v chromium-headless-shell >/dev/null 2>&1; then \
		if [ "$$CI" = "true" ]; then \
			echo "Installing Debian's chromium-headless-shell for the browser tests"; \
			SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
			$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null; \
		elif ! command -v chromium >/dev/null 2>&1; then \
			echo "Chromium not found: browser tests will be skipped (CI=true installs chromium-headless-shell)."; \
		fi; \
	fi

# The SQLite pass runs every test but the browser tests, which have a pass of their own.
# `--dist worksteal`: an idle worker takes tests queued for the other, so the long tests at
# the end (schemathesis, the oracles) do not leave one core waiting.
test-sqlite: install-test
	WOODSHED_TEST_DATABASE=sqlite $(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal -q -m "not e2e"

# The browser tests: the app served on its own SQLite file, driven by Chromium.
test-e2e: install-test test-e2e-setup
	WOODSHED_TEST_DATABASE=sqlite $(BIN)/pytest -q -m e2e tests/e2e

# PostgreSQL runs when the server answers; with CI=true it must.
test-postgres: install-test
	@if $(BIN)/python -c "import sqlalchemy as sa; sa.create_engine('$(PG_URL)').connect().close()" 2>/dev/null; then \
		WOODSHED_TEST_DATABASE=postgresql WOODSHED_TEST_POSTGRES_URL='$(PG_URL)' \
			$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal -q -m "not e2e"; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(PG_URL) is not reachable, and CI requires it." >&2; exit 1; \
	else \
		echo "PostgreSQL not reachable at $(PG_URL): skipping the PostgreSQL run."; \
	fi

# The three passes run side by side, and ruff and mypy beside them (a cold mypy takes most
# of a minute). Alone, each pass leaves the cores idle part of the time (waiting on
# Chromium, on the PostgreSQL server, on racing threads); together they keep both busy.
# `--output-sync=line` keeps each output line whole; any failing part fails `make test`.
test:
	@$(MAKE) --no-print-directory --output-sync=line -j5 lint typecheck test-sqlite test-postgres test-e2e

bench: install-test
	$(BIN)/python -m bench
	$(BIN)/python -m bench.studio

bench-studio: install-test
	$(BIN)/python -m bench.studio

clean:
	rm -rf $(VENV) node_modules woodshed/static/vendor .pytest_cache .ruff_cache .mypy_cache .hypothesis
