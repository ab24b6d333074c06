# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test serve bench browsers nginx

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test,postgres]"
	touch $@ $(VENV)/.installed

## run: install, create the SQLite database, load demo content when empty, serve on 127.0.0.1:5000
run: $(VENV)/.installed
	$(BIN)/flask --app app init-db
	$(BIN)/flask --app app seed-demo --if-empty
	@# Unless the site's address is configured (environment or instance/config.py), it is
	@# where this server listens, also as localhost.
	@if [ -z "$${FLASK_SITE_URL:-}" ] && ! grep -qs '^SITE_URL' instance/config.py; then \
	  export FLASK_SITE_URL=http://$(HOST):$(PORT) FLASK_TRUSTED_HOSTS=localhost \
	    FLASK_TRUSTED_ORIGINS=http://localhost:$(PORT); \
	fi; \
	$(BIN)/flask --app app run --host $(HOST) --port $(PORT)

## serve: the same, under gunicorn (production server)
serve: $(VENV)/.installed
	$(BIN)/flask --app app init-db
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config deploy/gunicorn.conf.py app:app

## test: install test extras (Chromium, nginx, PostgreSQL when root), lint, run the suite on SQLite
## and then again on PostgreSQL
test: $(VENV)/.installed-test browsers nginx
	$(BIN)/ruff check .
	$(BIN)/python -m pytest
	bash scripts/with_postgres.sh

## bench: build the benchmark data sets, serve with gunicorn, load with wrk, print the table
bench: $(VENV)/.installed
	$(BIN)/python -m bench.run

browsers:
	bash scripts/ensure_chromium.sh

nginx:
	bash scripts/ensure_nginx.sh
