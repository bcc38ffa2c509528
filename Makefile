# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench cluster debian install migrate demo lint check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput -v0

demo: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py load_demo

# Serves the ASGI app (daphne) on http://127.0.0.1:8000 with the demo data and the timer runner beside it (its
# reminders, 督办 and ends of pauses); prints the demo logins. Ctrl-C (or the server ending) stops both.
run: debian demo
	@echo "Serving on http://$(HOST):$(PORT)/ with the timer runner  (Ctrl-C to stop)"
	@export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; \
	$(BIN)/python manage.py run_timers --every 30 & runner=$$!; \
	trap 'kill $$runner 2>/dev/null; wait $$runner 2>/dev/null' EXIT INT TERM; \
	$(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

# The production topology on this machine: nginx (Debian's, installed when missing) on http://127.0.0.1:8080 in
# front of three ASGI workers and two timer runners, on PostgreSQL (DATABASE_URL, or the machine's, database
# tongxin_cluster) and Redis (REDIS_URL, or one of its own); migrates, loads the demo, prints the logins.
# Ctrl-C stops everything it started and nothing else.
cluster: install debian
	$(BIN)/python -m bench.cluster

# What the project needs from Debian, installed when missing: nginx (the cluster and its tests) and the Noto CJK
# fonts (PDFs with Chinese text: receipts, agreements, reports).
debian:
	@{ command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; } && fc-list 2>/dev/null | grep -q "Noto Sans CJK" || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light fonts-noto-cjk >/dev/null; }

# The whole suite on whatever DATABASE_URL / REDIS_URL say (embedded default without them).
test: install debian
	DJANGO_DEBUG=1 $(BIN)/pytest -q

# Benchmarks on PostgreSQL + Redis (loopback, databases of their own): prints the table, writes bench/results/.
bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Lint, the layer contracts (pyproject.toml [tool.importlinter]), types (mypy with django-stubs and drf-stubs),
# migrations and translations.
check: install lint
	$(BIN)/lint-imports
	DJANGO_DEBUG=1 $(BIN)/mypy
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python scripts/check_translations.py locale/zh_Hans/LC_MESSAGES/django.po locale_vendor/zh_Hans/LC_MESSAGES/django.po

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
