"""The benchmark's switch that turns cryptography off cannot be thrown outside the benchmark."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from vault import crypto

ROOT = Path(__file__).resolve().parents[2]
REAL = {name: getattr(crypto, name) for name in ("encrypt", "decrypt", "derive_key_from_receipt")}


def _import_fresh(module: str) -> None:
    sys.modules.pop(module, None)
    try:
        importlib.import_module(module)
    finally:
        sys.modules.pop(module, None)


def test_stand_ins_refuse_to_load_without_the_bench_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPSTANDER_BENCH_CRYPTO_OFF", raising=False)
    with pytest.raises(RuntimeError, match="UPSTANDER_BENCH_CRYPTO_OFF=1"):
        _import_fresh("bench.crypto_off")
    assert {name: getattr(crypto, name) for name in REAL} == REAL


def test_stand_ins_refuse_the_service_settings_even_with_the_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UPSTANDER_BENCH_CRYPTO_OFF", "1")
    with pytest.raises(RuntimeError, match="benchmark's settings"):
        _import_fresh("bench.crypto_off")
    assert {name: getattr(crypto, name) for name in REAL} == REAL


def test_bench_settings_refuse_to_load_without_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPSTANDER_BENCH_CRYPTO_OFF", raising=False)
    with pytest.raises(ImproperlyConfigured, match="intake benchmark only"):
        _import_fresh("bench.settings_crypto_off")


CHECK = """
import django
django.setup()
from bench import crypto_off
crypto_off.install()
from vault import crypto
print(crypto.encrypt is crypto_off.encrypt_stand_in)
"""


def _run_with(variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"UPSTANDER_BENCH_CRYPTO_OFF", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(variables)
    return subprocess.run(  # this interpreter, a fixed script
        [sys.executable, "-c", CHECK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_stand_ins_load_only_with_flag_bench_settings_and_bench_database() -> None:
    bench = {
        "DJANGO_SETTINGS_MODULE": "bench.settings_crypto_off",
        "UPSTANDER_BENCH_CRYPTO_OFF": "1",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/upstander_bench_intake",
    }
    loaded = _run_with(bench)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip().endswith("True")

    no_flag = _run_with({**bench, "UPSTANDER_BENCH_CRYPTO_OFF": "0"})
    assert no_flag.returncode != 0
    assert "intake benchmark only" in no_flag.stderr

    service_settings = _run_with({**bench, "DJANGO_SETTINGS_MODULE": "config.settings.base"})
    assert service_settings.returncode != 0
    assert "CryptoOffRefusedError" in service_settings.stderr

    real_database = _run_with(
        {**bench, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/upstander"}
    )
    assert real_database.returncode != 0
    assert "benchmark database" in real_database.stderr
