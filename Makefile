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
# broker under var/. `make run` serves the product as its users see it: DEBUG off (the
# product's own 404 and 500 pages), static files from whitenoise, a secret key generated
# once into var/, cookies over plain HTTP, emails written as files under var/mail/ (not into
# the terminal), links in emails to http://HOST:PORT/. `make run DEBUG=1` shows Django's
# debug pages instead.
DEBUG ?= 0
RUN_ENV = DEBUG=$(DEBUG) \
	SECRET_KEY="$${SECRET_KEY:-$$(cat var/.secret_key)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-$(HOST),localhost,127.0.0.1,[::1]}" \
	SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 STATIC_COMPRESS=0 \
	EMAIL_URL="$${EMAIL_URL:-filemail://}" \
	ITSM_BASE_URL="$${ITSM_BASE_URL:-http://$(HOST):$(PORT)}"

var/.secret_key:
	@mkdir -p var
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

prepare: install var/.secret_key
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(BIN)/python scripts/compile_messages.py
	$(RUN_ENV) $(MANAGE) collectstatic --noinput -v 0
	$(RUN_ENV) $(MANAGE) seed_demo

# The banner (URL and demo accounts) is printed by Procfile.dev's `banner` process once the
# server answers /healthz and a worker answers a ping: it is the last thing in the terminal.
run: prepare
	@# The PDF of the monthly report needs Pango and a CJK font; the rest runs without them.
	-@bash scripts/ensure_pdf_packages.sh
	PATH="$(CURDIR)/$(BIN):$$PATH" $(RUN_ENV) HOST=$(HOST) PORT=$(PORT) RUN_PORT=$(PORT) \
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
