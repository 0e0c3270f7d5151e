"""Services made unreachable for a test: settings that point at a local port where nothing
listens (never a mock: the real client library meets a real refused connection)."""

from __future__ import annotations

import socket
from typing import Any


def closed_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def unreachable_cache() -> dict[str, Any]:
    """A ``CACHES`` setting whose Redis is down."""
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_local_port()}/0",
            "KEY_PREFIX": "upstander",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
