"""Reading configuration from the environment, and the development keys file.

Production runs with ``DEBUG`` off and every secret supplied by the environment. A developer
who sets nothing gets the embedded default: an SQLite file, Celery tasks run in-process and
development keys generated once into ``.dev-secrets.json`` (git-ignored). Those keys are
marked as development keys, and a server with ``DEBUG`` off refuses to start with one of them,
so a demo key can never end up protecting real reports.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from vault.keyring import DEVELOPMENT_MARK

# The secrets that production must receive from its environment.
SECRET_VARIABLES = ("SECRET_KEY", "UPSTANDER_KEKS", "UPSTANDER_BLIND_INDEX_KEY")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer; got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _new_development_secrets() -> dict[str, str]:
    def key32() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    return {
        "SECRET_KEY": DEVELOPMENT_MARK + secrets.token_urlsafe(48),
        "UPSTANDER_KEKS": f"{DEVELOPMENT_MARK}1:{key32()}",
        "UPSTANDER_BLIND_INDEX_KEY": DEVELOPMENT_MARK + key32(),
    }


def development_secrets(path: Path) -> dict[str, str]:
    """The development keys, generated into ``path`` the first time they are needed."""
    if path.exists():
        loaded = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(loaded, dict) and all(name in loaded for name in SECRET_VARIABLES):
            return {name: str(loaded[name]) for name in SECRET_VARIABLES}
    generated = _new_development_secrets()
    # Owner-only permissions: these keys protect the demo database next to them.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(generated, handle, indent=2)
    return generated


def _key_material(value: str) -> set[str]:
    """The key parts of a secret, whatever label or version prefix surrounds them."""
    parts = set()
    for item in value.split(","):
        for piece in item.split(":"):
            piece = piece.strip().removeprefix(DEVELOPMENT_MARK)
            if len(piece) >= 16:
                parts.add(piece)
    return parts


def is_development_secret(value: str, known_development: dict[str, str]) -> bool:
    if DEVELOPMENT_MARK in value or value.startswith("django-insecure"):
        return True
    development_material = set().union(*(_key_material(str(v)) for v in known_development.values()))
    return bool(_key_material(value) & development_material)


def resolve_secrets(*, debug: bool, dev_secrets_path: Path) -> tuple[dict[str, str], list[str]]:
    """Each secret from the environment, or a development key when DEBUG allows it.

    Returns the secrets and the names that fell back to development keys. With DEBUG off a
    missing secret or a development key is a startup error that names the variable.
    """
    from_environment = {name: env_str(name) for name in SECRET_VARIABLES}
    if not debug:
        known: dict[str, str] = {}
        if dev_secrets_path.exists():
            try:
                loaded = json.loads(dev_secrets_path.read_text(encoding="utf-8"))
            except ValueError:
                loaded = {}
            known = loaded if isinstance(loaded, dict) else {}
        for name, value in from_environment.items():
            if not value:
                raise ImproperlyConfigured(
                    f"{name} is not set. With DEBUG off every secret must come from the "
                    "environment; see the README's configuration table."
                )
            if is_development_secret(value, known):
                raise ImproperlyConfigured(
                    f"{name} holds a development key. Generate a production secret for it; "
                    "development keys are refused when DEBUG is off."
                )
        return from_environment, []

    missing = [name for name, value in from_environment.items() if not value]
    if not missing:
        return from_environment, []
    generated = development_secrets(dev_secrets_path)
    resolved = {name: value or generated[name] for name, value in from_environment.items()}
    return resolved, missing
