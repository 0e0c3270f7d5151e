"""Start-up configuration: production refuses to start without real secrets, naming what is wrong.

Each case starts a fresh Python process with an environment built from scratch and runs
``django.setup()`` with the base settings, as the server processes do.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.settings.environment import SECRET_VARIABLES
from vault.keyring import DEVELOPMENT_MARK

BASE_DIR = Path(__file__).resolve().parent.parent.parent
STARTUP = (
    "import django; django.setup(); from django.conf import settings; "
    "print('started DEBUG=%s' % settings.DEBUG)"
)
REQUIRED_IN_PRODUCTION = (
    "SECRET_KEY",
    "UPSTANDER_KEKS",
    "UPSTANDER_BLIND_INDEX_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "ALLOWED_HOSTS",
    "EMAIL_HOST",
    # Regression (second case-workflow review, fixed in cf4798b): production fell back to
    # http://127.0.0.1:8000, the address enrolment emails send staff to.
    "UPSTANDER_BASE_URL",
)


def key_b64(length: int = 32) -> str:
    return base64.b64encode(os.urandom(length)).decode()


def production_environment() -> dict[str, str]:
    """A complete, valid production configuration."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "UPSTANDER_KEKS": f"p2:{key_b64()},p1:{key_b64()}",
        "UPSTANDER_BLIND_INDEX_KEY": key_b64(),
        "DATABASE_URL": "postgres://upstander@db.internal:5432/upstander",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "ALLOWED_HOSTS": "upstander.example.org",
        "EMAIL_HOST": "smtp.example.org",
        "UPSTANDER_BASE_URL": "https://upstander.example.org",
    }


@dataclass
class Startup:
    returncode: int
    stdout: str
    stderr: str

    @property
    def error(self) -> str:
        """The final line of the traceback: the configuration error and its message."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert lines, "the process failed without saying why"
        return lines[-1]


@pytest.fixture
def dev_secrets_file(tmp_path: Path) -> Path:
    return tmp_path / "dev-secrets.json"


def start(variables: dict[str, str], dev_secrets_file: Path, script: str = STARTUP) -> Startup:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "UPSTANDER_DEV_SECRETS_FILE": str(dev_secrets_file),
        **variables,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Startup(result.returncode, result.stdout, result.stderr)


def assert_refused_naming(startup: Startup, variable: str) -> None:
    assert startup.returncode != 0, startup.stdout
    assert "started" not in startup.stdout
    assert startup.error.startswith("django.core.exceptions.ImproperlyConfigured: ")
    assert variable in startup.error


# --- Production (DEBUG off) -------------------------------------------------------------------


def test_production_starts_with_a_complete_configuration(dev_secrets_file: Path) -> None:
    startup = start(production_environment(), dev_secrets_file)

    assert startup.returncode == 0, startup.stderr
    assert "started DEBUG=False" in startup.stdout
    assert "Development keys" not in startup.stderr
    assert not dev_secrets_file.exists()


@pytest.mark.parametrize("variable", REQUIRED_IN_PRODUCTION)
def test_production_refuses_to_start_without(variable: str, dev_secrets_file: Path) -> None:
    environment = production_environment()
    del environment[variable]

    startup = start(environment, dev_secrets_file)

    assert_refused_naming(startup, variable)
    assert "not set" in startup.error


@pytest.mark.parametrize("variable", REQUIRED_IN_PRODUCTION)
def test_production_treats_a_blank_value_as_missing(variable: str, dev_secrets_file: Path) -> None:
    environment = production_environment()
    environment[variable] = "   "

    startup = start(environment, dev_secrets_file)

    assert_refused_naming(startup, variable)


def test_production_refuses_an_email_user_without_a_password(dev_secrets_file: Path) -> None:
    environment = {**production_environment(), "EMAIL_HOST_USER": "upstander"}

    startup = start(environment, dev_secrets_file)

    assert_refused_naming(startup, "EMAIL_HOST_PASSWORD")


@pytest.mark.parametrize(
    ("variable", "development_value"),
    [
        ("SECRET_KEY", DEVELOPMENT_MARK + secrets.token_urlsafe(48)),
        ("SECRET_KEY", "django-insecure-" + secrets.token_urlsafe(40)),
        ("UPSTANDER_KEKS", f"{DEVELOPMENT_MARK}1:{key_b64()}"),
        ("UPSTANDER_BLIND_INDEX_KEY", DEVELOPMENT_MARK + key_b64()),
    ],
    ids=["secret-key-dev-mark", "secret-key-django-insecure", "keks-dev-mark", "blind-index-mark"],
)
def test_production_refuses_a_marked_development_key(
    variable: str, development_value: str, dev_secrets_file: Path
) -> None:
    environment = {**production_environment(), variable: development_value}

    startup = start(environment, dev_secrets_file)

    assert_refused_naming(startup, variable)
    assert "development key" in startup.error
    assert development_value not in startup.stderr


@pytest.mark.parametrize("variable", SECRET_VARIABLES)
def test_production_refuses_a_key_found_in_the_development_secrets_file(
    variable: str, dev_secrets_file: Path
) -> None:
    # A hand-written file without the development mark: only the comparison can catch it.
    development = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "UPSTANDER_KEKS": f"d1:{key_b64()}",
        "UPSTANDER_BLIND_INDEX_KEY": key_b64(),
    }
    dev_secrets_file.write_text(json.dumps(development), encoding="utf-8")
    environment = {**production_environment(), variable: development[variable]}

    startup = start(environment, dev_secrets_file)

    assert_refused_naming(startup, variable)
    assert "development key" in startup.error


def test_production_refuses_the_keys_a_development_run_generated(
    dev_secrets_file: Path,
) -> None:
    assert start({}, dev_secrets_file).returncode == 0
    generated = json.loads(dev_secrets_file.read_text(encoding="utf-8"))

    for variable in SECRET_VARIABLES:
        environment = {**production_environment(), variable: generated[variable]}
        assert_refused_naming(start(environment, dev_secrets_file), variable)


# --- Malformed keys are refused in every mode -------------------------------------------------


MALFORMED_KEKS = [
    pytest.param("v1:this is not base64!", "base64", id="not-base64"),
    pytest.param(f"v1:{key_b64(16)}", "32 bytes", id="16-byte-key"),
    pytest.param(f"v1:{key_b64(64)}", "32 bytes", id="64-byte-key"),
    pytest.param(f"v1:{key_b64()},v1:{key_b64()}", "appears twice", id="duplicate-version"),
    pytest.param(key_b64(), "VERSION:BASE64KEY", id="no-version"),
    pytest.param(f"v 1:{key_b64()}", "VERSION:BASE64KEY", id="bad-version-name"),
    pytest.param(f"v2:{key_b64()},", "VERSION:BASE64KEY", id="trailing-comma"),
]


@pytest.mark.parametrize(("value", "hint"), MALFORMED_KEKS)
def test_a_malformed_keyring_is_refused_in_development(
    value: str, hint: str, dev_secrets_file: Path
) -> None:
    startup = start({"UPSTANDER_KEKS": value}, dev_secrets_file)

    assert_refused_naming(startup, "UPSTANDER_KEKS")
    assert hint in startup.error
    # The key material is never echoed into logs.
    for item in value.split(","):
        encoded = item.partition(":")[2]
        if len(encoded) > 8:
            assert encoded not in startup.stderr


@pytest.mark.parametrize(("value", "hint"), MALFORMED_KEKS)
def test_a_malformed_keyring_is_refused_in_production(
    value: str, hint: str, dev_secrets_file: Path
) -> None:
    environment = {**production_environment(), "UPSTANDER_KEKS": value}

    startup = start(environment, dev_secrets_file)

    assert_refused_naming(startup, "UPSTANDER_KEKS")
    assert hint in startup.error


@pytest.mark.parametrize("debug", ["1", "0"], ids=["development", "production"])
def test_a_malformed_blind_index_key_is_refused(debug: str, dev_secrets_file: Path) -> None:
    environment = {**production_environment(), "DEBUG": debug}
    environment["UPSTANDER_BLIND_INDEX_KEY"] = key_b64(20)

    startup = start(environment, dev_secrets_file)

    assert_refused_naming(startup, "UPSTANDER_BLIND_INDEX_KEY")


def test_an_unreadable_debug_flag_is_refused(dev_secrets_file: Path) -> None:
    startup = start({"DEBUG": "maybe"}, dev_secrets_file)

    assert_refused_naming(startup, "DEBUG")


# --- Development (nothing set) ----------------------------------------------------------------


def test_with_nothing_set_it_starts_on_generated_development_keys(
    dev_secrets_file: Path,
) -> None:
    startup = start({}, dev_secrets_file)

    assert startup.returncode == 0, startup.stderr
    assert "started DEBUG=True" in startup.stdout
    assert (
        "Development keys in use for SECRET_KEY, UPSTANDER_KEKS, UPSTANDER_BLIND_INDEX_KEY"
        in startup.stderr
    )
    generated = json.loads(dev_secrets_file.read_text(encoding="utf-8"))
    assert set(generated) == set(SECRET_VARIABLES)
    assert all(DEVELOPMENT_MARK in generated[name] for name in SECRET_VARIABLES)
    # Owner-only: the keys protect the demo database next to them.
    assert stat.S_IMODE(dev_secrets_file.stat().st_mode) == 0o600


def test_development_keys_are_generated_once_and_reused(dev_secrets_file: Path) -> None:
    assert start({}, dev_secrets_file).returncode == 0
    first = dev_secrets_file.read_text(encoding="utf-8")

    startup = start({}, dev_secrets_file)

    assert startup.returncode == 0, startup.stderr
    assert dev_secrets_file.read_text(encoding="utf-8") == first


def test_development_warns_only_about_the_keys_it_generated(dev_secrets_file: Path) -> None:
    startup = start({"SECRET_KEY": secrets.token_urlsafe(50)}, dev_secrets_file)

    assert startup.returncode == 0, startup.stderr
    assert "Development keys in use for UPSTANDER_KEKS, UPSTANDER_BLIND_INDEX_KEY" in (
        startup.stderr
    )


def test_development_with_every_secret_set_needs_no_development_keys(
    dev_secrets_file: Path,
) -> None:
    environment = {**production_environment(), "DEBUG": "1"}

    startup = start(environment, dev_secrets_file)

    assert startup.returncode == 0, startup.stderr
    assert "Development keys" not in startup.stderr
    assert not dev_secrets_file.exists()


EMBEDDED_DEFAULTS = """
import django
django.setup()
from django.conf import settings
from config.celery import app
print("engine", settings.DATABASES["default"]["ENGINE"])
print("name", settings.DATABASES["default"]["NAME"])
print("eager", app.conf.task_always_eager)
print("cache", settings.CACHES["default"]["BACKEND"])
"""


def test_with_nothing_set_it_runs_on_sqlite_with_tasks_in_process(dev_secrets_file: Path) -> None:
    result = start({}, dev_secrets_file, script=EMBEDDED_DEFAULTS)
    assert result.returncode == 0, result.stderr
    assert "engine django.db.backends.sqlite3" in result.stdout
    assert "db.sqlite3" in result.stdout
    assert "eager True" in result.stdout
    assert "locmem" in result.stdout


# --- The proxies whose X-Forwarded-For is believed (issue 10, item 5) -------------------------


def test_production_behind_a_proxy_refuses_to_start_without_trusted_proxies(
    dev_secrets_file: Path,
) -> None:
    # Every client would be counted as the proxy: one guesser would lock everyone out.
    environment = {**production_environment(), "BEHIND_TLS_PROXY": "1"}

    startup = start(environment, dev_secrets_file)

    assert_refused_naming(startup, "UPSTANDER_TRUSTED_PROXIES")


def test_production_behind_a_proxy_starts_with_its_address_listed(dev_secrets_file: Path) -> None:
    environment = {
        **production_environment(),
        "BEHIND_TLS_PROXY": "1",
        "UPSTANDER_TRUSTED_PROXIES": "172.28.0.1, 10.1.0.0/16",
    }

    startup = start(environment, dev_secrets_file)

    assert startup.returncode == 0, startup.stderr


@pytest.mark.parametrize("debug", ["0", "1"])
def test_a_malformed_trusted_proxy_is_refused(debug: str, dev_secrets_file: Path) -> None:
    environment = {
        **production_environment(),
        "DEBUG": debug,
        "UPSTANDER_TRUSTED_PROXIES": "172.28.0.1,proxy.internal",
    }

    startup = start(environment, dev_secrets_file)

    assert_refused_naming(startup, "UPSTANDER_TRUSTED_PROXIES")
    assert "proxy.internal" in startup.error


# --- Languages (issue 13) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "hint"),
    [("ar,en,de", "names de"), ("ar,fr", "must include en")],
    ids=["not a UN language", "without English"],
)
def test_a_language_list_the_service_cannot_offer_is_refused(
    value: str, hint: str, dev_secrets_file: Path
) -> None:
    startup = start({"UPSTANDER_LANGUAGES": value}, dev_secrets_file)

    assert_refused_naming(startup, "UPSTANDER_LANGUAGES")
    assert hint in startup.error


def test_only_languages_with_a_catalogue_are_offered(dev_secrets_file: Path) -> None:
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print([code for code, _name in settings.LANGUAGES])"
    )

    startup = start({"UPSTANDER_LANGUAGES": "ar,en,fr"}, dev_secrets_file, script)

    assert startup.returncode == 0, startup.stderr
    # Allowed and with a catalogue: offered; Chinese, Russian and Spanish have catalogues but
    # are not allowed here.
    assert startup.stdout.strip().splitlines()[-1] == "['ar', 'en', 'fr']"
