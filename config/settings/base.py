"""Upstander settings, read from the environment.

Every variable is listed in the README's configuration table. With nothing set, the service
runs as the embedded default (SQLite, tasks in-process, development keys); with ``DEBUG`` off
it refuses to start unless every secret comes from the environment.
"""

from __future__ import annotations

import logging
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.settings.environment import (
    env_bool,
    env_int,
    env_list,
    env_str,
    resolve_secrets,
)
from core.client_address import trusted_proxy_networks
from core.languages import UN_LANGUAGE_CODES, languages_offered
from vault.keyring import decode_blind_index_key, parse_keyring

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", default=True)

_dev_secrets_path = Path(env_str("UPSTANDER_DEV_SECRETS_FILE") or BASE_DIR / ".dev-secrets.json")
_secrets, _development_fallbacks = resolve_secrets(debug=DEBUG, dev_secrets_path=_dev_secrets_path)
SECRET_KEY = _secrets["SECRET_KEY"]
UPSTANDER_KEKS = _secrets["UPSTANDER_KEKS"]
UPSTANDER_BLIND_INDEX_KEY = _secrets["UPSTANDER_BLIND_INDEX_KEY"]
# Parse now so that a malformed key stops the process at start-up, naming the variable.
parse_keyring(UPSTANDER_KEKS)
decode_blind_index_key(UPSTANDER_BLIND_INDEX_KEY)
if _development_fallbacks:
    logging.getLogger("upstander.config").warning(
        "Development keys in use for %s (from %s). Never use them for real reports.",
        ", ".join(_development_fallbacks),
        _dev_secrets_path.name,
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off, list the host names served."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_fsm",
    "core",
    "accounts",
    "vault",
    "reports",
    "cases",
    "referrals",
    "notifications",
    "portal",
    "feedback",
    "stats",
    "audit",
    "demo",
    "bench",
]

MIDDLEWARE = [
    # Outermost: it logs, without time or address, the failures every layer below answered.
    "core.reporter_errors.ReporterErrorLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.input_hygiene.RefuseNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the address, else Accept-Language; never a cookie (core.language_choice).
    "core.language_choice.LanguageFromAddressMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.reading_session.ReadingKeyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.api_errors.ApiServerErrorMiddleware",
    # After it, so that it sees first a request that waited too long for an Argon2id slot: 503.
    "core.busy.DerivationsBusyMiddleware",
    # Last, so it sees an exception first: a lost race is a 409, not a 500 (issue 10).
    "core.concurrency.LostRaceMiddleware",
]

ROOT_URLCONF = "config.urls"
# For addresses that name the default language, so that choosing English sticks from a browser
# that asks for another language (core.language_choice).
UPSTANDER_PREFIXED_URLCONF = "config.urls_prefixed"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.language_choice.language_switch",
                "portal.views.quick_exit_context",
                "accounts.views.staff_permissions",
            ],
        },
    },
]

# Every free-text field runs in the direction of what is typed into it (core.text_direction).
FORM_RENDERER = "core.text_direction.FormRenderer"

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if not DEBUG and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL is not set. Production runs on PostgreSQL.")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Redis: cache, Celery broker ------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if not DEBUG and not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. Production needs Redis for Celery and the cache."
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "upstander",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without Redis the embedded default runs every task in-process, at the moment it is sent.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
CELERY_TIMEZONE = "UTC"
# The relay delivers whatever the outbox holds, including what waited out a broker outage.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "relay-outbox": {"task": "notifications.tasks.relay_outbox", "schedule": 60.0},
    "purge-reporter-sessions": {"task": "portal.tasks.purge_reporter_sessions", "schedule": 300.0},
    "purge-spent-intake-forms": {
        "task": "portal.tasks.purge_spent_intake_forms",
        "schedule": 86400.0,
    },
    "purge-staff-sessions": {"task": "accounts.tasks.purge_staff_sessions", "schedule": 300.0},
    "purge-sent-outbox": {"task": "notifications.tasks.purge_sent_outbox", "schedule": 3600.0},
    # Daily: releases a quarter the day after it closes, and applies withdrawn statistics consents.
    "release-stats": {"task": "stats.tasks.release_stats", "schedule": 86400.0},
    # Pins the whole audit trail outside the database: a cut or a restored copy shows (issue 10).
    "audit-checkpoint": {"task": "audit.tasks.audit_checkpoint", "schedule": 300.0},
    # Daily: the check-ins due 1, 3, 6 and 12 months after a case closed, each once (issue 12).
    "schedule-check-ins": {"task": "portal.tasks.schedule_check_ins", "schedule": 86400.0},
}
# Where each audit checkpoint is appended: a file (best on storage the database's
# administrators cannot rewrite) and/or syslog, a socket path or HOST:PORT over UDP.
UPSTANDER_AUDIT_CHECKPOINT_FILE = env_str("UPSTANDER_AUDIT_CHECKPOINT_FILE")
UPSTANDER_AUDIT_CHECKPOINT_SYSLOG = env_str("UPSTANDER_AUDIT_CHECKPOINT_SYSLOG")

# --- Email ----------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if not DEBUG and not EMAIL_HOST:
    raise ImproperlyConfigured("EMAIL_HOST is not set. Staff notifications are sent by email.")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # Development: notification emails (which never carry report content) print to the console.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
if not DEBUG and EMAIL_HOST_USER and not EMAIL_HOST_PASSWORD:
    raise ImproperlyConfigured("EMAIL_HOST_PASSWORD is not set although EMAIL_HOST_USER is.")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Upstander <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# No error emails: Django's would carry request headers (addresses, user agents) and content.
ADMINS: list[tuple[str, str]] = []

# --- Passwords, sessions, security headers --------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Named, so a member reading Arabic is sent to the sign-in page in Arabic.
LOGIN_URL = "staff:login"
CSRF_FAILURE_VIEW = "core.pages.csrf_failure"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SAMESITE = "Strict"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Leaving for a neutral site (quick exit) or following any link must not tell it where from.
# Same-origin: other sites (the quick-exit destination included) learn nothing about where a
# visitor came from, while this site's own form posts carry their real Origin, which the CSRF
# check needs ("no-referrer" makes browsers send "Origin: null" and every form is refused).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy: trust its X-Forwarded-Proto.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
# The proxies (addresses or CIDR blocks) whose X-Forwarded-For the guessing and submission
# limits believe (core.client_address); anyone else's is ignored, so no client can pick the
# address it is counted under.
UPSTANDER_TRUSTED_PROXIES = env_list("UPSTANDER_TRUSTED_PROXIES", [])
trusted_proxy_networks(UPSTANDER_TRUSTED_PROXIES)  # a malformed entry stops start-up, named
if not DEBUG and BEHIND_TLS_PROXY and not UPSTANDER_TRUSTED_PROXIES:
    # Every client would be counted as the proxy: one guesser would lock everyone out.
    raise ImproperlyConfigured(
        "UPSTANDER_TRUSTED_PROXIES is not set although BEHIND_TLS_PROXY is. List the proxy's "
        "address as this server sees it (e.g. the Docker network's gateway)."
    )
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    if BEHIND_TLS_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Dates in words the way the UN system writes them (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The UN languages the service may offer (any subset, in this order); each is offered once its
# catalogue is in locale/ (core.languages), so no page claims a language it does not have.
UPSTANDER_LANGUAGES = env_list("UPSTANDER_LANGUAGES", list(UN_LANGUAGE_CODES))
if unknown_languages := set(UPSTANDER_LANGUAGES) - set(UN_LANGUAGE_CODES):
    raise ImproperlyConfigured(
        f"UPSTANDER_LANGUAGES names {', '.join(sorted(unknown_languages))}; the languages are "
        f"{', '.join(UN_LANGUAGE_CODES)}."
    )
if LANGUAGE_CODE not in UPSTANDER_LANGUAGES:
    # Every page is written in English first: it is the language of last resort.
    raise ImproperlyConfigured(
        "UPSTANDER_LANGUAGES must include en, the language pages are written in."
    )
LANGUAGES = languages_offered(
    UPSTANDER_LANGUAGES,
    source_language=LANGUAGE_CODE,
    locale_dirs=LOCALE_PATHS,
    names={
        "ar": _("Arabic"),
        "zh-hans": _("Chinese"),
        "en": _("English"),
        "fr": _("French"),
        "ru": _("Russian"),
        "es": _("Spanish"),
    },
)
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files (all self-hosted) ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG or env_bool("UPSTANDER_STATIC_MANIFEST", default=False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API ------------------------------------------------------------------------------------
# WhiteNoise would let any site read our static files (Access-Control-Allow-Origin: *).
WHITENOISE_ALLOW_ALL_ORIGINS = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "core.api_errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Upstander API",
    "DESCRIPTION": "Confidential reporting and case workflow (contract version 1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The enum hook is drf-spectacular's default; ours documents every operation's error answers.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.document_error_answers",
    ],
}

# --- Upstander ------------------------------------------------------------------------------
# Argon2id parameters for deriving a report's key from its receipt (RFC 9106, second
# recommended option, with more passes): memory in KiB.
UPSTANDER_RECEIPT_KDF = {
    "time_cost": env_int("UPSTANDER_RECEIPT_KDF_TIME_COST", 3),
    "memory_cost": env_int("UPSTANDER_RECEIPT_KDF_MEMORY_KIB", 64 * 1024),
    "parallelism": env_int("UPSTANDER_RECEIPT_KDF_PARALLELISM", 2),
}
# Argon2id derivations (receipts and passwords) running at once in one process, each holding
# its memory_cost (vault.crypto), and how long a request waits for one before a 503: a flood
# of submissions or sign-ins cannot grow a worker's memory, nor pile requests up behind it.
UPSTANDER_KDF_CONCURRENCY = max(1, env_int("UPSTANDER_KDF_CONCURRENCY", 1))
UPSTANDER_KDF_WAIT_SECONDS = max(0, env_int("UPSTANDER_KDF_WAIT_SECONDS", 10))
HEALTHCHECK_TIMEOUT_SECONDS = 2
# The address staff use, for links in enrolment emails.
UPSTANDER_BASE_URL = env_str("UPSTANDER_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "")
if not DEBUG and not UPSTANDER_BASE_URL:
    raise ImproperlyConfigured(
        "UPSTANDER_BASE_URL is not set. It is the https:// address staff use, for enrolment emails."
    )
if not DEBUG and not UPSTANDER_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        "UPSTANDER_BASE_URL must start with https:// (it goes into enrolment emails)."
    )
UPSTANDER_QUICK_EXIT_URL = env_str("UPSTANDER_QUICK_EXIT_URL", "https://www.wikipedia.org/")
# JSON bodies are small (a narrative is at most 20,000 characters); files have their own limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Uploads stay in memory until encrypted: a temporary file would put plaintext on disk.
FILE_UPLOAD_HANDLERS = ["reports.uploads.EncryptBeforeDiskUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Reports and "not ready" answers accepted per client address and day, each counted apart
# (core.throttling): enough for an office whose people share one address, too few to stuff
# the statistics.
SUBMISSIONS_PER_CLIENT_PER_DAY = max(1, env_int("UPSTANDER_SUBMISSIONS_PER_CLIENT_PER_DAY", 10))
# Of those, reports accepted per client address within ten minutes (portal.intake_limit).
SUBMISSIONS_PER_CLIENT_BURST = max(1, env_int("UPSTANDER_SUBMISSIONS_PER_CLIENT_BURST", 3))
# Files one client may have opened per day, refused ones included (portal.upload_limit): five per
# report and some retries, while each image or PDF costs a confined decoder process.
UPLOADS_PER_CLIENT_PER_DAY = max(1, env_int("UPSTANDER_UPLOADS_PER_CLIENT_PER_DAY", 60))
# Address space of the child process that opens each image or PDF (reports.file_cleaner): the
# largest accepted image needs about 550 MB (a 24-megapixel WebP turned upright).
ATTACHMENT_CLEANER_MEMORY_MB = max(128, env_int("UPSTANDER_ATTACHMENT_CLEANER_MEMORY_MB", 640))

# --- Logging: never an IP address, user agent or report content -----------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # No time: these lines are about reporters' requests, and carry their day only.
        "undated": {"format": "%(levelname)s %(name)s %(message)s"},
    },
    "filters": {
        "drop_reporter_activity": {"()": "core.logging_filters.DropReporterActivity"},
        "scrub_addresses": {"()": "core.logging_filters.ScrubAddresses"},
    },
    "handlers": {
        # Every timed handler drops reporters' activity: a timed line would date a submission.
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["drop_reporter_activity", "scrub_addresses"],
        },
        # Reporter-side failures (core.reporter_errors): path class, status and day, no time.
        "reporter_errors": {
            "class": "logging.StreamHandler",
            "formatter": "undated",
            "filters": ["scrub_addresses"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger is kept (status and path only) but never mails anything.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Task success lines would time-stamp the notification sent at each submission.
        "celery.app.trace": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "kombu.connection": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # "Task received" lines would likewise time-stamp work that follows a submission.
        "celery.worker.strategy": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "upstander.reporter_errors": {
            "handlers": ["reporter_errors"],
            "level": "WARNING",
            "propagate": False,
        },
    },
}

# --- Statistics -------------------------------------------------------------------------------
# The smallest count ever published; smaller ones are withheld (stats.protection). Never below 3.
STATS_K = max(3, env_int("STATS_K", default=5))
# The approved system-wide transparency report is readable without signing in (each entity
# decides for its own report).
TRANSPARENCY_REPORT_PUBLIC = env_bool("TRANSPARENCY_REPORT_PUBLIC", default=False)

# Argon2id over a staff member's password, which wraps their private reading key (issue 14).
# Paid once per sign-in, on top of the password check.
UPSTANDER_READING_KEY_KDF = {
    "time_cost": env_int("UPSTANDER_READING_KEY_KDF_TIME_COST", 3),
    "memory_cost": env_int("UPSTANDER_READING_KEY_KDF_MEMORY_KIB", 64 * 1024),
    "parallelism": env_int("UPSTANDER_READING_KEY_KDF_PARALLELISM", 2),
}
