# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench bench-smoke lighthouse install clean admin

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,local]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python -m shortener.dev.devserver

# The first admin of the site `make run` serves: `make admin NAME=alice`.
admin: install
	@$(BIN)/python -m shortener.dev.admin "$(NAME)"

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# Lighthouse 12 (mobile) on three pages of a live local app: bench/lighthouse.py.
lighthouse: install
	$(BIN)/python -m bench.lighthouse

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
