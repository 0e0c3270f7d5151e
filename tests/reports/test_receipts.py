"""Receipts: their format and entropy, that they are stored nowhere, and how they are typed."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from reports.models import Report
from reports.receipts import ALPHABET
from tests.helpers.database import columns_containing
from tests.helpers.reporter import record_only_payload, submit
from vault.envelope import blind_index

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


def _receipt_pattern() -> re.Pattern[str]:
    symbol = f"[{re.escape(ALPHABET)}]"
    return re.compile(rf"{symbol}{{4}}(?:-{symbol}{{4}}){{4}}")


def test_receipt_is_five_groups_of_four_symbols_from_the_alphabet() -> None:
    for _ in range(5):
        receipt = submit(**record_only_payload())["receipt"]
        assert _receipt_pattern().fullmatch(receipt), receipt


def test_receipt_alphabet_has_no_look_alike_symbols() -> None:
    assert len(set(ALPHABET)) == len(ALPHABET)
    assert not set(ALPHABET) & set("01OIL")


def test_receipt_carries_at_least_90_bits_of_entropy() -> None:
    receipt = submit(**record_only_payload())["receipt"]
    symbols = receipt.replace("-", "")
    bits = len(symbols) * math.log2(len(set(ALPHABET)))
    assert bits >= 90, bits


def test_receipts_differ_between_reports() -> None:
    receipts = {submit(**record_only_payload())["receipt"] for _ in range(5)}
    assert len(receipts) == 5


def test_receipt_is_not_stored_in_plaintext_anywhere() -> None:
    receipt = submit()["receipt"]
    report = Report.objects.get()
    compact = receipt.replace("-", "")

    # Every text column of the report row...
    for field in Report._meta.concrete_fields:
        value = getattr(report, field.attname)
        raw = value.blob if hasattr(value, "blob") else value
        text = raw.hex() if isinstance(raw, bytes) else str(raw)
        assert receipt not in text, field.name
        assert compact not in text, field.name
        if isinstance(raw, bytes):
            assert receipt.encode() not in raw, field.name
            assert compact.encode() not in raw, field.name
    # ... and every text, JSON and binary column of every table.
    assert columns_containing(receipt) == []
    assert columns_containing(compact) == []
    assert columns_containing(receipt.lower()) == []


def test_receipt_index_is_a_keyed_hash_of_the_receipt() -> None:
    receipt = submit()["receipt"]
    index = Report.objects.get().receipt_index

    assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert index != receipt
    assert index == blind_index("receipt", receipt)
    # Keyed: not a plain hash that anyone could recompute from a guessed receipt.
    for algorithm in ("sha256", "sha3_256", "blake2s"):
        assert index != hashlib.new(algorithm, receipt.encode()).hexdigest()


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(lambda r: r.lower(), id="lowercase"),
        pytest.param(lambda r: r.replace("-", ""), id="no-dashes"),
        pytest.param(lambda r: r.lower().replace("-", ""), id="lowercase-no-dashes"),
        pytest.param(lambda r: f"  {r.replace('-', ' ')} ", id="spaces"),
    ],
)
def test_session_accepts_the_receipt_as_a_person_types_it(typed: Callable[[str], str]) -> None:
    receipt = submit()["receipt"]
    response = APIClient().post(
        "/api/v1/reporter/session", {"receipt": typed(receipt)}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert isinstance(body["token"], str)
    assert len(body["token"]) >= 32
    assert isinstance(body["expires_in"], int)
    assert body["expires_in"] > 0


def test_session_refuses_an_unknown_receipt_with_invalid_receipt() -> None:
    submit()
    response = APIClient().post(
        "/api/v1/reporter/session", {"receipt": "2345-6789-ABCD-EFGH-JKMN"}, format="json"
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_receipt"


def test_the_public_reference_does_not_open_the_report() -> None:
    reference = submit()["report"]["reference"]
    response = APIClient().post("/api/v1/reporter/session", {"receipt": reference}, format="json")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_receipt"
