# Two commands matter: `make run` and `make test`. Everything else is for developers and CI.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The settings start with DEBUG off unless DJANGO_DEBUG says otherwise. Every target here is a developer's
# or CI's tool on this machine, so they run in debug mode, unless the environment says DJANGO_DEBUG=false
# (then DJANGO_SECRET_KEY is needed). Production never runs through make: docker-compose sets it false.
export DJANGO_DEBUG ?= true

.PHONY: run test test-sqlite lint security format messages install migrate reset bench load nightly clean backup restore scale-test

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Compiled only when the catalogue changed, so that two test runs started at once do not both write it.
MO := locale/zh_Hans/LC_MESSAGES/django.mo
$(MO): locale/zh_Hans/LC_MESSAGES/django.po $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv -v0

messages: $(MO)

migrate: install
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py setup_schedule

## make reset: throw the development database away and build it again, with the demo data (CHANGELOG.md:
## needed once after the migrations were regenerated). Debug mode only.
reset: messages install
	$(PY) manage.py reset_database --yes
	$(PY) manage.py setup_schedule
	$(PY) manage.py seed_demo --if-empty

## make run: install, migrate, compile messages, load the demo once, serve on :8000 with a worker and beat,
## in debug mode (it says so when it starts).
run: messages migrate
	$(PY) manage.py seed_demo --if-empty
	$(PY) bin/run_embedded.py

## make test: the whole suite on DATABASE_URL / CELERY_BROKER_URL when set, SQLite otherwise.
test: messages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install security
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

## make security: static analysis, no high-severity bandit finding in our code.
security: install
	$(VENV)/bin/bandit -q -r crm territories accounts visits campaigns performance -lll

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## make bench: SQL queries and server time of pages and jobs on PostgreSQL (cases in bench/cases.py).
## BENCH_DATABASE_URL overrides the database (default crm_bench on 127.0.0.1). Not part of make test.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

## make scale-test: two gunicorn instances behind nginx (round-robin), media on an S3-compatible server
## (moto), PgBouncer in transaction mode, two Celery workers, all started and stopped by the test; real HTTP
## shows a photo uploaded through one instance served by the other, one session on both, a job done once.
## SCALE_DATABASE_URL (default crm_scale) and SCALE_REDIS_URL (default Redis database 7, emptied first).
scale-test: messages
	$(PY) bench/scale_test.py

## make load: locust, 200 people following the four roles' day for 5 minutes against two gunicorn instances
## behind nginx and PgBouncer (bench/stack.py; PostgreSQL crm_bench, production settings); writes
## bench/load.json and bench/load.md. Stops by itself. LOAD_ARGS="--users 20 --run-time 30s" for a short run.
load: install
	$(PY) bench/load.py $(LOAD_ARGS)

## make nightly: the long checks that do not belong in CI: the benchmark and the load run.
nightly: bench load

## make backup: the database (PostgreSQL: pg_dump custom format; SQLite: online backup API) and the
## uploaded files into a new folder, var/backups/crm-<date>-<time>/ or BACKUP=<folder>. Safe while running.
backup: install
	$(PY) manage.py backup $(if $(BACKUP),--output "$(BACKUP)")

## make restore BACKUP=<folder>: replace the database and the uploaded files by that backup (asks first).
## Stop the server and the workers before; `make migrate` after, if the code is newer than the backup.
restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/crm-YYYYmmdd-HHMMSS"; exit 2; }
	$(PY) manage.py restore "$(BACKUP)"

makemessages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=static/vendor --no-obsolete

clean:
	rm -rf var/broker var/staticfiles .pytest_cache
