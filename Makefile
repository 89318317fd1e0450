# `make run` serves the demo; `make test` runs the whole suite. Both build .venv on first use.
# `make run PORT=8001` serves on another port; `make run DEBUG=on` shows Django's debug pages.
# `make screenshots` rewrites docs/screenshots/ (SCREENSHOTS_ARGS="--only leads,lead" for a few).
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint install screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

# The demo server runs as production does (DEBUG off, so visitors get the site's error pages;
# static files collected and served by whitenoise), with a random SECRET_KEY made once for this
# checkout: a server refuses the public development key when DEBUG is off.
$(VENV)/secret-key: | $(BIN)/python
	$(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: $(VENV)/.installed $(VENV)/secret-key
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "Atrium is at http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/, API docs: http://127.0.0.1:$(PORT)/api/docs/)"
	@SECRET_KEY="$${SECRET_KEY:-$$(cat $(VENV)/secret-key)}" \
	SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}" \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# PNGs of the main pages at 1366x900 and 390x844 into docs/screenshots/, from a throwaway demo
# database in a temporary folder (needs Debian's Chromium; demo/screenshots.py says the rest).
screenshots: $(VENV)/.installed-dev
	$(BIN)/python -m demo.screenshots $(SCREENSHOTS_ARGS)
