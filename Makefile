# The two commands of the README: `make demo` and `make test`. Both set themselves up.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The test suite runs on real PostgreSQL and Redis (this machine's, unless overridden).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/upstander
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test lint typecheck install worker beat serve bench lock clean

$(STAMP): requirements/dev.lock.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.lock.txt
	touch $(STAMP)

install: $(STAMP)

# Embedded default: SQLite, tasks in-process, development keys, demo data, on 127.0.0.1:8000.
demo: $(STAMP)
# The other five languages need their catalogues compiled, by gettext's msgfmt; without it the
# demo offers English only (core/languages.py), and says how to get the rest.
	if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages --ignore .venv; \
	else echo "gettext's msgfmt is missing: English only. For all six languages: apt-get install gettext"; fi
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	sh tests/ensure_system_tools.sh
# Catalogues are compiled here and never committed (.gitignore); the virtualenv's are not ours.
	$(PY) manage.py compilemessages --ignore .venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(PY) -m tests.preflight
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(VENV)/bin/mypy .
# Static security scan; each finding left is justified on its line ([tool.bandit]).
	$(VENV)/bin/bandit -c pyproject.toml -r . -q
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} $(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

# Production-like processes without Docker (set DATABASE_URL, REDIS_URL, secrets, DEBUG=0).
serve: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input
	$(PY) manage.py check --deploy --database default
	$(VENV)/bin/gunicorn config.wsgi -c config/gunicorn.py

worker: $(STAMP)
	$(VENV)/bin/celery -A config worker --loglevel INFO --concurrency 2

beat: $(STAMP)
	$(VENV)/bin/celery -A config beat --loglevel INFO --schedule /tmp/upstander-celerybeat-schedule

# Benchmarks print figures; they use databases of their own (upstander_bench, upstander_bench_http).
bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m bench.crypto
	$(PY) -m bench.submissions
	$(PY) -m bench.attachments

lock:
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links -o requirements/lock.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links --extra dev -o requirements/dev.lock.txt pyproject.toml

clean:
	rm -rf $(VENV) staticfiles .mypy_cache .ruff_cache
