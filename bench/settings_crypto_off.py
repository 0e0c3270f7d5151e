"""Settings for the intake benchmark's run without cryptography (``bench.intake_floor``).

The service's own settings, unchanged, plus the mark ``bench.crypto_off`` looks for before it
replaces the cryptography. They refuse to load without ``UPSTANDER_BENCH_CRYPTO_OFF=1`` or off a
benchmark database, so that they cannot be chosen for a real deployment by mistake.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import DATABASES

if os.environ.get("UPSTANDER_BENCH_CRYPTO_OFF") != "1":
    raise ImproperlyConfigured(
        "bench.settings_crypto_off is for the intake benchmark only (UPSTANDER_BENCH_CRYPTO_OFF=1)."
    )
if "bench" not in str(DATABASES["default"].get("NAME", "")):
    raise ImproperlyConfigured(
        "bench.settings_crypto_off runs only on a benchmark database (its name contains 'bench')."
    )

BENCH_CRYPTO_OFF = True
