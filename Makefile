# The front door of the workbench. Every target sets up what it needs by itself:
# a project virtual environment (.venv) installed from the pinned lock file.
#
#   make report [YEAR=2013] [FORCE=1] [FINAL=1] [PROFILE_PDF=1]   build outputs/<year>/ (only what changed); FINAL: a
#                             release's checks; PROFILE_PDF: also stadtteilprofile_<year>.pdf (make release always)
#   make release [YEAR=2020]  publish an edition: committed inputs, a release's checks, outputs/<year>/ausgaben/<n>/
#   ... CITY=berlin           every target for another city (config/<name>/, data/<name>/, notebooks/<name>/; outputs/<name>/<year>/)
#   make test                 run the whole test suite
#   make test-fast            the unit tests only (no notebooks, builds, browser, PDF), under a minute
#   make bench [ONLY=ingest|erkunden]  the runner against a papermill baseline and one kernel; the intake's
#                             checks; the explorable report's budgets (build time, opening in Chromium)
#   make verify [YEAR=2019]   rebuild from scratch in a temporary folder, compare every number with the manifest
#   make lab                  JupyterLab on the project's environment
#   make data SRC=../shared/data/muenster   re-derive the committed real data
#   make templates [YEAR=2018]  one empty delivery template per data owner in outputs/templates/
#   make ingest FILE=lieferung.xlsx [REVISE=1] [CONFIRM=1] [CHECK=1]   check and store data deliveries
#   make check-city           check the city's setup (areas, boundaries, data, catalogue, config)
#   make texts-draft FROM=2019 YEAR=2020   last year's commentary/recommendations as drafts; texts-release YEAR=2020
#   make lock                 re-generate requirements.lock + environment.yml from pyproject.toml
# Without make (Windows, conda): the same commands as `integrationsmonitoring report|test|verify|…`
# (or `python -m helpers …`) in the project's environment; `integrationsmonitoring --help` lists them.

# The interpreter: PYTHON if given, else the first of python3, python3.11, python3.12, python3.13 that is
# 3.11-3.13 (the lock installs on all three; CI tests 3.11 and smoke-tests the others).
SUPPORTED_PYTHON := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
PYTHON ?= $(or $(firstword $(foreach p,python3 python3.11 python3.12 python3.13,\
	$(if $(shell $(p) -c '$(SUPPORTED_PYTHON)' >/dev/null 2>&1 && echo yes),$(p)))),python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Every target runs the project's one command (helpers.cli; installed as `integrationsmonitoring`).
CLI    := $(BIN)/python -m helpers
YEAR   ?=
MANIFEST ?=
FILE   ?=
FROM   ?=
REVISE ?=
CONFIRM ?=
CHECK  ?=
PYTEST_ARGS ?=
FORCE  ?=
FINAL  ?=
PROFILE_PDF ?=
ONLY   ?=
# The city: empty for the default city (`city:` in config/monitoring.yml, Münster), else a folder config/<name>/.
CITY   ?=
export IM_CITY = $(CITY)
ifneq ($(strip $(CITY)),)
ifeq ($(wildcard config/$(CITY)/city.yml),)
$(error Die Stadt '$(CITY)' ist nicht eingerichtet: config/$(CITY)/city.yml fehlt. Eingerichtet: $(notdir $(patsubst %/city.yml,%,$(wildcard config/*/city.yml))); ohne CITY gilt city: in config/monitoring.yml)
endif
endif
DEFAULT_CITY := $(shell sed -n 's/^city:[[:space:]]*\([A-Za-z0-9_-]*\).*/\1/p' config/monitoring.yml)
SRC    ?= ../shared/data/$(or $(CITY),$(DEFAULT_CITY))

.PHONY: setup report release test test-fast verify bench lab data templates ingest check-city texts-draft texts-release lock clean help

help:
	@sed -n '1,21p' Makefile | sed 's/^# \{0,1\}//'

setup: $(STAMP)

# Re-installs only when the lock or the project metadata changed.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c '$(SUPPORTED_PYTHON)' 2>/dev/null || { \
		echo "Fehler: Python 3.11, 3.12 oder 3.13 wird benötigt, '$(PYTHON)' ist $$($(PYTHON) --version 2>&1)." >&2; \
		echo "Bitte eine dieser Versionen installieren und z. B. 'make PYTHON=python3.12 report' aufrufen." >&2; exit 1; }
	@echo "Projektumgebung $(VENV) wird aus requirements.lock eingerichtet (einmalig, etwa eine Minute) …"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	@$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@# JupyterLab: the kernel named after the project, no news pop-up and no update check (offline), tracked
	@# notebooks saved without outputs; the git filter that keeps outputs out of commits (helpers.runner.lab).
	@$(BIN)/python -m helpers setup-jupyter >/dev/null
	@touch $(STAMP)
	@echo "Projektumgebung fertig: $(VENV)/ (Befehl ohne make: $(BIN)/integrationsmonitoring,"\
		"oder nach 'source $(BIN)/activate' einfach integrationsmonitoring)."

report: $(STAMP)
	@$(CLI) report $(if $(YEAR),--jahr $(YEAR)) $(if $(FORCE),--neu) $(if $(FINAL),--endgueltig) $(if $(PROFILE_PDF),--profil-pdf)

release: $(STAMP)
	@$(CLI) release $(if $(YEAR),--jahr $(YEAR))

test: export IM_CITY =
test: $(STAMP)
	@$(CLI) test $(PYTEST_ARGS)

# The tests a change to the code needs first: everything but the markers below (pyproject.toml says what
# each means; tests/test_docs.py checks that the selection is not empty and leaves them out).
FAST_TESTS := not notebooks and not slow
test-fast: export IM_CITY =
test-fast: $(STAMP)
	@$(CLI) test -m "$(FAST_TESTS)" $(PYTEST_ARGS)

# Needs a report built before (its outputs/<year>/manifest.json); MANIFEST=path checks another one.
verify: $(STAMP)
	@$(CLI) verify $(if $(YEAR),--jahr $(YEAR)) $(if $(MANIFEST),--manifest $(MANIFEST))

bench: $(STAMP)
	@$(CLI) bench $(YEAR) $(if $(filter ingest,$(ONLY)),--nur-einlesen) $(if $(filter erkunden,$(ONLY)),--nur-erkunden)

lab: $(STAMP)
	@$(CLI) lab $(LAB_ARGS)

data: $(STAMP)
	@$(CLI) data --src $(SRC)

check-city: $(STAMP)
	@$(CLI) check-city

templates: $(STAMP)
	@$(CLI) templates $(if $(YEAR),--jahr $(YEAR))

# FILE: one file (any name: spaces, quotes, umlauts, ; & $), a folder, a pattern, or several names
# (those with spaces in quotes); they are stored together or not at all. FILE reaches the program
# through the environment, never through the shell. CHECK=1 only checks.
ingest: export IM_INGEST_FILE = $(value FILE)
ingest: $(STAMP)
	@$(CLI) ingest --files-from-env IM_INGEST_FILE $(if $(REVISE),--revise) $(if $(CONFIRM),--confirm-jumps) $(if $(CHECK),--check)

# The staff's texts of a year (data/texte/<jahr>/): last year's as drafts for a new year, release them.
texts-draft: $(STAMP)
	@$(CLI) texts entwurf --von $(FROM) --nach $(YEAR)

texts-release: $(STAMP)
	@$(CLI) texts freigeben --jahr $(YEAR) $(FILE)

# Maintainers only: needs network access to PyPI.
lock:
	$(PYTHON) -m pip install --quiet --user uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra test --extra editable --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --generate-hashes --no-header \
		--index-url https://pypi.org/simple -o requirements.lock
	$(BIN)/python -m helpers.runner.envfile requirements.lock environment.yml

clean:
	rm -rf outputs/*/ .pytest_cache
