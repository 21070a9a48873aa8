# Two commands for a new user: `make run` and `make test`. Both install what they need, once.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT

# What WeasyPrint needs (Pango; HarfBuzz subsetting, without which PDFs render about 4x slower;
# a Korean font) and what the tests use (pdftotext, Chromium for the browser tests).
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-nanum
TEST_DEBS := $(RUN_DEBS) poppler-utils chromium
# The benchmarks load the web pages with wrk.
BENCH_DEBS := $(RUN_DEBS) wrk

.PHONY: run test bench system-deps-run system-deps-test system-deps-bench system-deps-venv lint sbom audit translations translations-update clean

run: system-deps-run $(VENV)/.installed translations
	$(BIN)/assess db upgrade
	$(BIN)/python scripts/run.py

test: system-deps-test $(VENV)/.installed-dev translations
	$(BIN)/pytest $(PYTEST_ARGS)

# Every script in bench/ with short runs, then one summary table (figures, not pass/fail).
# BENCH_DATABASE_URL=postgresql://... also runs the database benchmarks there (tables emptied).
bench: system-deps-bench $(VENV)/.installed-dev translations
	$(BIN)/python bench/run_all.py $(if $(BENCH_DATABASE_URL),--database-url "$(BENCH_DATABASE_URL)") $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

# Release steps (docs/deploy.md#dependencies), not part of `make test`: the check needs pypi.org.
# `make sbom`: every component installed in SBOM_PYTHON's environment (the server's, say
# /srv/assess/app/.venv/bin/python), exact versions and package URLs, as a CycloneDX SBOM.
SBOM ?= sbom.cdx.json
SBOM_PYTHON ?= $(BIN)/python
SBOM_ARGS ?= --validate
sbom: $(VENV)/.installed-dev
	$(BIN)/cyclonedx-py environment --pyproject pyproject.toml --output-reproducible --of JSON \
	  $(SBOM_ARGS) -o $(SBOM) $(SBOM_PYTHON)

# `make audit`: every installed component against PyPI's advisories (the PyPA advisory database);
# fails on a known vulnerability, and on a component it could not look up (--strict), so that
# an unreachable or partial index is never taken for a clean result. AUDIT_ARGS="--path
# /srv/assess/app/.venv/lib/python3.11/site-packages" audits the server's environment.
audit: $(VENV)/.installed-dev
	$(BIN)/pip-audit --strict --skip-editable --desc on $(AUDIT_ARGS)

# Install system packages only when one is missing; as root or through sudo, otherwise say how.
define ensure_debs
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	  else echo "Missing system packages:" $$missing; \
	       echo "Install them with:  sudo apt-get update && sudo apt-get install -y" $$missing; exit 1; fi; \
	  echo "Installing system packages:" $$missing; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi
endef

system-deps-run:
	$(call ensure_debs,$(RUN_DEBS))

system-deps-test:
	$(call ensure_debs,$(TEST_DEBS))

system-deps-bench:
	$(call ensure_debs,$(BENCH_DEBS))

system-deps-venv:
	$(call ensure_debs,python3-venv)

# Debian's own Python needs python3-venv for `-m venv`; install it like the other packages.
$(VENV)/bin/python:
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || $(MAKE) --no-print-directory system-deps-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

# Compiled catalogues are build output: made from the .po files whenever those change.
PO_FILES := $(wildcard assess/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
translations: $(MO_FILES)

assess/translations/%/LC_MESSAGES/messages.mo: assess/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d assess/translations -l $* -i $< -o $@

clean:
	rm -rf $(VENV) .pytest_cache

# After adding strings: refresh the Korean catalogue from the code and templates, then translate.
translations-update: $(VENV)/.installed-dev
	$(BIN)/pybabel extract --no-location -F babel.cfg -k _l -k N_ -o /tmp/assess-messages.pot assess
	$(BIN)/pybabel update -i /tmp/assess-messages.pot -d assess/translations -l ko --no-fuzzy-matching --ignore-obsolete
