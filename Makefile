# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make demo` installs the product only; the test tools (and Spark) come with `make test`.
APP_STAMP := $(VENV)/.installed-app
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
# Tests keep their generated secret and scratch files out of ./data (the demo's folder), one
# folder per database so the two passes can run side by side.
TEST_ENV = GREENROOM_DATA_DIR=$(CURDIR)/var/test-data-$(1)

.PHONY: demo test gbstats-oracle test-sqlite test-postgres lint format check-migrations api-schema architecture-map bench clean

$(APP_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Greenroom needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(APP_STAMP)

$(STAMP): $(APP_STAMP)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(APP_STAMP)
	$(BIN)/greenroom demo

# The SQLite and PostgreSQL passes run side by side (each mostly waits on one core, a browser
# or a server); each pass's output is printed whole when it ends.
test: lint check-migrations gbstats-oracle
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# GrowthBook's gbstats 0.8.0, the oracle the experiments' statistics are tested against, in an
# environment of its own: it pins numpy < 2 and pandas < 2, which the product excludes.
# Built once (stamped); greenroom/experiments/tests fail, saying to run this, when it is missing.
GBSTATS_VENV := var/gbstats-venv
GBSTATS_STAMP := $(GBSTATS_VENV)/.installed
gbstats-oracle: $(GBSTATS_STAMP)

$(GBSTATS_STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "The gbstats oracle needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -d $(GBSTATS_VENV) || $(PYTHON) -m venv $(GBSTATS_VENV)
	$(GBSTATS_VENV)/bin/pip install --quiet --disable-pip-version-check \
	  "gbstats==0.8.0" "numpy==1.26.4" "pandas==1.5.3" "scipy==1.17.1"
	$(GBSTATS_VENV)/bin/python -c "import gbstats.frequentist.tests, gbstats.bayesian.tests"
	touch $(GBSTATS_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	GREENROOM_DATA_DIR=$$(mktemp -d) $(BIN)/mypy

check-migrations: $(STAMP)
	GREENROOM_DATA_DIR=$$(mktemp -d) $(BIN)/greenroom manage makemigrations --check --dry-run

test-sqlite: $(STAMP)
	$(call TEST_ENV,sqlite) $(BIN)/pytest -q

# The dashboards' screenshots at medium scale build a medium sandbox (minutes): on one pass
# only, the one that leaves out the tests without a database (the sandbox is SQLite either way).
test-postgres: $(STAMP)
	$(call TEST_ENV,postgres) GREENROOM_DATABASE_URL=$(PG_URL) GREENROOM_BROWSER_MEDIUM=1 $(BIN)/pytest -q

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

api-schema: $(STAMP)
	GREENROOM_DATA_DIR=$$(mktemp -d) DJANGO_SETTINGS_MODULE=greenroom.settings $(BIN)/python -c \
	  "import django, json; django.setup(); from greenroom.tests.test_api_contract import SNAPSHOT, current_schema; SNAPSHOT.write_text(json.dumps(current_schema(), indent=1, sort_keys=True) + '\\n')"

# ARCHITECTURE.md's dependency map, drawn again from [tool.importlinter] in pyproject.toml.
architecture-map: $(STAMP)
	$(BIN)/python -m greenroom.tests.test_architecture

BENCH_STAMP := $(VENV)/.installed-bench

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/demo_build.py --scale medium
	$(BIN)/python benchmarks/load.py --scale medium

clean:
	rm -rf $(VENV) data var test-results
