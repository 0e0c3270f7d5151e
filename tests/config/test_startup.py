"""Server processes (gunicorn, Celery) refuse to start with a key-encryption key that does not
open the stored data (``config.startup``)."""

from __future__ import annotations

from typing import Any

import pytest

from config.startup import refuse_to_start_with_wrong_keys
from vault.envelope import data_key_create, organisation_wrap_add

pytestmark = pytest.mark.django_db


def test_server_processes_refuse_to_start_with_a_wrong_key(settings: Any, new_key: Any) -> None:
    settings.UPSTANDER_KEKS = f"v1:{new_key()}"
    data_key, material = data_key_create(receipt="2222-3333-4444-5555-6666")
    organisation_wrap_add(data_key=data_key, key_material=material)
    refuse_to_start_with_wrong_keys()  # the right key: nothing happens
    settings.UPSTANDER_KEKS = f"v1:{new_key()}"
    with pytest.raises(SystemExit) as stopped:
        refuse_to_start_with_wrong_keys()
    assert "UPSTANDER_KEKS" in str(stopped.value)
