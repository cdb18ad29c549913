# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# One stamp per install and per version of the package's metadata: `make run` installs the app
# with its `local` extra only, `make test` adds the `dev` extra on top; either order installs
# each once. No bytecode compiled at install: the processes compile what they import, a fraction.
HASH := $(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)
APP_STAMP := $(VENV)/.installed-app-$(HASH)
DEV_STAMP := $(VENV)/.installed-dev-$(HASH)

.PHONY: run test lint bench bench-smoke lighthouse install install-app clean admin

$(APP_STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -e '.[local]'
	rm -f $(VENV)/.installed-app-*
	touch $@

$(DEV_STAMP): $(APP_STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -e '.[dev,local]'
	rm -f $(VENV)/.installed-dev-*
	touch $@

install-app: $(APP_STAMP)

install: $(DEV_STAMP)

run: install-app
	$(BIN)/python -m shortener.dev.devserver

# The first admin of the site `make run` serves: `make admin NAME=alice`.
admin: install-app
	@$(BIN)/python -m shortener.dev.admin "$(NAME)"

# One pytest worker per core; a test file stays on one worker (its module fixtures: a browser, a
# live server). `make test PYTEST_ARGS=...` replaces these, e.g. `-p no:xdist tests/links`.
PYTEST_ARGS ?= -n auto --dist loadfile

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# Lighthouse 12 (mobile) on three pages of a live local app: tests/support/lighthouse.py.
lighthouse: install
	$(BIN)/python -m tests.support.lighthouse

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
