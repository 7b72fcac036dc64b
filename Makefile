# Nestegg: `make run` starts everything, `make test` tests everything. Needs only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PACKAGES := libs/common services/accounts services/ledger services/projections gateway
SERVICE ?=
STEPS  ?=
PYTEST_ARGS ?=

include infra/make/*.mk

.PHONY: install run test lint migrate rollback migrate-status psql break-lock bench-engine clean

$(STAMP): requirements-dev.txt constraints.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) infra/devcluster.py run

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

migrate: install
	$(PY) infra/devcluster.py migrate $(SERVICE)

rollback: install
	$(PY) infra/devcluster.py rollback $(SERVICE) $(if $(STEPS),--steps $(STEPS))

migrate-status: install
	$(PY) infra/devcluster.py status $(SERVICE)

break-lock: install
	$(PY) infra/devcluster.py break-lock $(SERVICE)

psql: install
	$(PY) infra/devcluster.py psql $(SERVICE)

HISTORICAL_DATA ?= $(abspath ../shared/data/shiller_monthly.csv)

bench-engine: install
	NESTEGG_HISTORICAL_DATA=$${NESTEGG_HISTORICAL_DATA:-$(HISTORICAL_DATA)} $(VENV)/bin/nestegg-engine bench --repeat 11

clean:
	rm -rf $(VENV) .nestegg .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
