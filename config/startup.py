"""Checks that stop a server process at start-up rather than at its first request."""

from __future__ import annotations

from vault.checks import check_key_encryption_keys


def refuse_to_start_with_wrong_keys() -> None:
    """Exit, naming UPSTANDER_KEKS, if the configured keys are not those of the stored data."""
    errors = check_key_encryption_keys()
    if errors:
        raise SystemExit("\n".join(str(error.msg) for error in errors))
