# The production image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system upstander && useradd --system --gid upstander --home /app upstander
WORKDIR /app

COPY requirements/lock.txt requirements/lock.txt
RUN pip install --require-hashes -r requirements/lock.txt

# gettext's msgfmt compiles the translation catalogues; the compiled files are never committed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

COPY --chown=upstander:upstander . .
# collectstatic and compilemessages need settings to import: give them throwaway values that are never used at run time.
RUN DEBUG=1 UPSTANDER_STATIC_MANIFEST=1 UPSTANDER_DEV_SECRETS_FILE=/tmp/build-secrets.json python manage.py collectstatic --no-input \
    && DEBUG=1 UPSTANDER_DEV_SECRETS_FILE=/tmp/build-secrets.json python manage.py compilemessages --ignore .venv \
    && rm -f /tmp/build-secrets.json

USER upstander
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.py"]
