# Insignia — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test test-postgres lint bench install browser migrate seed clean

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Debian's Chromium for the browser tests; Playwright never downloads a browser of its own.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| echo "warning: could not install chromium; browser tests will be skipped"; \
	else echo "note: run 'sudo apt-get install chromium' to enable the browser tests"; fi

migrate: install
	INSIGNIA_DEBUG=1 $(PY) manage.py migrate --noinput

seed: migrate
	INSIGNIA_DEBUG=1 $(PY) manage.py seed_demo

# The embedded default: SQLite under var/, tasks in-process, mail to a local outbox, demo data.
run: seed
	@echo "Starting Insignia on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	INSIGNIA_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Every test: unit, integration and browser tests, on SQLite (and PostgreSQL via DATABASE_URL).
test: install browser
	$(PY) -m pytest -q -n 2 --dist loadfile

test-postgres: install browser
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest -q -n 2 --dist loadfile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	INSIGNIA_DEBUG=1 $(VENV)/bin/mypy .
	INSIGNIA_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) -m pip install --quiet -r bench/requirements.txt
	@command -v wrk >/dev/null || [ "$$(id -u)" != "0" ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || true
	$(PY) bench/baking.py
	$(PY) bench/hosted_assertion.py
	$(PY) bench/ob3_sign.py
	$(PY) bench/ob3_verify.py
	$(PY) bench/statuslist.py
	$(PY) bench/email_delivery.py
	$(PY) bench/sharing.py
	$(PY) bench/api_awards.py
	DATABASE_URL=$${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) bench/backfill.py
	$(PY) bench/insights.py --postgres $${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
