"""gunicorn settings for ``bench.intake_floor``: the service's (``config/gunicorn.py``), plus a
count of key derivations, and with ``UPSTANDER_BENCH_CRYPTO_OFF=1`` the stand-ins of
``bench.crypto_off`` instead of the cryptography.

The count is a line per derivation (the monotonic clock, shared by every process of the
machine) in ``bench/out/derivations-<pid>.log``, so the benchmark counts the derivations its
measured window made, per submission. It costs a clock read and a write per derivation, beside
a derivation's quarter of a second.
"""

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from config.gunicorn import *  # noqa: F403
from config.gunicorn import on_starting as _service_on_starting

DERIVATIONS_DIR = Path(__file__).resolve().parent / "out"
DERIVATION_FUNCTIONS = ("derive_key_from_receipt", "derive_key_from_password")


def _counted(derive: Callable[..., bytes]) -> Callable[..., bytes]:
    def derive_counted(*args: Any, **kwargs: Any) -> bytes:
        key = derive(*args, **kwargs)
        line = f"{time.monotonic():.6f}\n".encode()
        path = DERIVATIONS_DIR / f"derivations-{os.getpid()}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        return key

    return derive_counted


def on_starting(server: object) -> None:  # type: ignore[no-redef]  # replaces the service's
    _service_on_starting(server)  # django.setup() and the key check, as in service
    if os.environ.get("UPSTANDER_BENCH_CRYPTO_OFF") == "1":
        from bench import crypto_off  # noqa: PLC0415  # refuses outside the benchmark

        crypto_off.install()
    from vault import crypto  # noqa: PLC0415

    for name in DERIVATION_FUNCTIONS:
        setattr(crypto, name, _counted(getattr(crypto, name)))
