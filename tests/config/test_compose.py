"""The production stack as ``docker-compose.yml`` describes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_gunicorn_is_published_on_the_loopback_interface_only() -> None:
    # Regression (issue 10): "8000:8000" published gunicorn on every interface, so a client
    # could skip the TLS proxy and send whatever X-Forwarded-For it liked.
    for service in _compose()["services"].values():
        for published in service.get("ports", []):
            text = str(published)
            assert text.startswith(("127.0.0.1:", "[::1]:")), text


def test_the_example_environment_trusts_the_gateway_the_proxy_comes_from() -> None:
    gateway = _compose()["networks"]["default"]["ipam"]["config"][0]["gateway"]
    example = (COMPOSE.parent / ".env.example").read_text().splitlines()

    assert f"UPSTANDER_TRUSTED_PROXIES={gateway}" in example
