# Two commands for a newcomer: `make run` (embedded defaults) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install install-dev prepare test test-fast fuzz lint format messages bench clean services \
	pdf-packages

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)
install-dev: $(DEV_STAMP)

# Embedded defaults unless DATABASE_URL / REDIS_URL are set: SQLite and a file-system
# broker under var/. DEBUG is on for the local server only.
prepare: install
	DEBUG=$${DEBUG:-1} $(MANAGE) migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python scripts/compile_messages.py
	DEBUG=$${DEBUG:-1} $(MANAGE) collectstatic --noinput -v 0
	DEBUG=$${DEBUG:-1} $(MANAGE) seed_demo

run: prepare
	@# The PDF of the monthly report needs Pango and a CJK font; the rest runs without them.
	-@bash scripts/ensure_pdf_packages.sh
	@DEBUG=$${DEBUG:-1} $(BIN)/python scripts/banner.py $(HOST) $(PORT)
	PATH="$(CURDIR)/$(BIN):$$PATH" DEBUG=$${DEBUG:-1} HOST=$(HOST) PORT=$(PORT) \
		$(BIN)/honcho -f Procfile.dev start

services:
	@bash scripts/ensure_services.sh

# Pango, fonts-noto-cjk and poppler-utils for the monthly report's PDF (apt-get as root).
pdf-packages:
	@bash scripts/ensure_pdf_packages.sh

test: install-dev services pdf-packages
	$(BIN)/python scripts/compile_messages.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: install-dev
	$(BIN)/python -m pytest -m "not slow and not browser and not celery" $(PYTEST_ARGS)

# The schemathesis run of the API with a larger example budget per operation than `make test`.
FUZZ_EXAMPLES ?= 200
fuzz: install-dev services
	$(BIN)/python scripts/compile_messages.py
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/api/test_schema.py \
		-k schemathesis $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install-dev
	DEBUG=1 $(MANAGE) makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=var
	$(BIN)/python scripts/compile_messages.py

bench: install-dev services
	$(BIN)/python bench/run.py

clean:
	rm -rf var .pytest_cache
