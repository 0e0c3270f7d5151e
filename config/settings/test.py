"""Settings for the test suite: the base settings with faster hashing.

The database and Redis come from ``DATABASE_URL`` and ``REDIS_URL`` as in production. ``make
test`` and ``.ci/run`` always set both (this machine's PostgreSQL and Redis by default) and
run ``tests/preflight.py`` first, which fails the run when either is unreachable. A bare
``pytest`` without them would fall back to SQLite; use ``make test``.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import UPSTANDER_RECEIPT_KDF

# Tests derive thousands of keys; the production parameters are exercised by the benchmark.
UPSTANDER_RECEIPT_KDF = {
    **UPSTANDER_RECEIPT_KDF,
    "time_cost": 1,
    "memory_cost": 1024,
    "parallelism": 1,
}
UPSTANDER_READING_KEY_KDF = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
# Tests file many reports from one test client; the ten-minute limit's own tests set theirs.
SUBMISSIONS_PER_CLIENT_BURST = 10
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
