# Nestegg: `make run` starts everything, `make test` tests everything. Needs only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PACKAGES := libs/common services/accounts services/ledger services/projections gateway
SERVICE ?=
STEPS  ?=
PYTEST_ARGS ?=
# setuptools reports every editable install with an "Editable installation." notice, which pip
# shows as a BuildBackendWarning block (five packages, five blocks). It is information, not a
# problem; ignore that one message (a regex on its start) and let every other warning through.
EDITABLE_QUIET := PYTHONWARNINGS="ignore:Editable installation"

include infra/make/*.mk

.PHONY: install run test lint migrate rollback migrate-status psql break-lock bench-engine bench-tax tax-law clean

$(STAMP): requirements-dev.txt constraints.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	@echo "Installing Nestegg and its tools into $(VENV)/ ..."
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(EDITABLE_QUIET) $(PY) -m pip install --quiet -c constraints.txt -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	@touch $(STAMP)

install: $(STAMP)

run: install
	@$(PY) infra/devcluster.py run

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

# Historical cases use the series shipped in the engine, or $NESTEGG_HISTORICAL_DATA when set.
bench-engine: install
	$(VENV)/bin/nestegg-engine bench --repeat 11
	# Compare, solve and optimize, each against issue 17's goal (met / NOT met), in one run.
	$(VENV)/bin/nestegg-engine bench-decisions --repeat 7
	# The us kernel: numpy (engine 2.2's, from git) beside the compiled one and flat, in one run.
	$(PY) bench/us_kernel_numba.py --repeat 11

# One year of the US tax rules (federal, payroll, IRMAA, state, gross-up) on 10,000 paths.
bench-tax: install
	$(PY) bench/tax_year.py

# Regenerate the engine's US tax-law data from the installed Tax-Calculator (a dev dependency);
# a test fails whenever the shipped file differs from what this writes.
tax-law: install
	$(PY) services/projections/scripts/generate_tax_law.py

clean:
	rm -rf $(VENV) .nestegg .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
