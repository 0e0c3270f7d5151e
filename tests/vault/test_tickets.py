"""One-time tickets (``vault.tickets``): the browser holds the key, the server the ciphertext,
and only the pair, for the purpose and ticket id it was sealed for, opens anything."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from vault import crypto
from vault.tickets import SealedTicket, ticket_id_of, ticket_open, ticket_seal

SECRET = b'{"receipt": "2345-6789-ABCD-EFGH-JKMN", "reference": "R-2345"}'
PURPOSE = "receipt-handoff"


def _encoded(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def _key_of(sealed: SealedTicket) -> bytes:
    encoded = sealed.ticket.partition(".")[2]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def test_a_ticket_opens_its_own_ciphertext() -> None:
    sealed = ticket_seal(SECRET, purpose=PURPOSE)

    assert ticket_open(sealed.ticket, sealed.ciphertext, purpose=PURPOSE) == SECRET
    assert ticket_id_of(sealed.ticket) == sealed.ticket_id
    assert sealed.ticket.startswith(sealed.ticket_id + ".")


def test_each_ticket_has_its_own_id_and_key() -> None:
    first, second = ticket_seal(SECRET, purpose=PURPOSE), ticket_seal(SECRET, purpose=PURPOSE)

    assert first.ticket_id != second.ticket_id
    assert _key_of(first) != _key_of(second)
    assert first.ciphertext != second.ciphertext


def test_the_ciphertext_holds_neither_the_secret_nor_the_tickets_key() -> None:
    sealed = ticket_seal(SECRET, purpose=PURPOSE)
    key = _key_of(sealed)

    assert len(key) == crypto.DATA_KEY_BYTES
    assert key not in sealed.ciphertext
    assert _encoded(key).encode() not in sealed.ciphertext
    assert sealed.ticket.encode() not in sealed.ciphertext
    assert SECRET not in sealed.ciphertext
    assert b"2345-6789-ABCD-EFGH-JKMN" not in sealed.ciphertext


def test_a_wrong_key_opens_nothing() -> None:
    sealed = ticket_seal(SECRET, purpose=PURPOSE)
    wrong = f"{sealed.ticket_id}.{_encoded(crypto.new_data_key())}"

    assert ticket_open(wrong, sealed.ciphertext, purpose=PURPOSE) is None


@pytest.mark.parametrize("position", [0, 5, 20, -1], ids=["format", "nonce", "body", "tag"])
def test_a_tampered_ciphertext_opens_nothing(position: int) -> None:
    sealed = ticket_seal(SECRET, purpose=PURPOSE)
    tampered = bytearray(sealed.ciphertext)
    tampered[position] ^= 0x01

    assert ticket_open(sealed.ticket, bytes(tampered), purpose=PURPOSE) is None


def test_a_truncated_ciphertext_opens_nothing() -> None:
    sealed = ticket_seal(SECRET, purpose=PURPOSE)

    assert ticket_open(sealed.ticket, sealed.ciphertext[:-1], purpose=PURPOSE) is None
    assert ticket_open(sealed.ticket, sealed.ciphertext[:10], purpose=PURPOSE) is None
    assert ticket_open(sealed.ticket, b"", purpose=PURPOSE) is None


def test_a_ticket_sealed_for_another_purpose_opens_nothing() -> None:
    sealed = ticket_seal(SECRET, purpose="something-else")

    assert ticket_open(sealed.ticket, sealed.ciphertext, purpose=PURPOSE) is None
    assert ticket_open(sealed.ticket, sealed.ciphertext, purpose="something-else") == SECRET


def test_the_key_under_another_ticket_id_opens_nothing() -> None:
    # The right key, presented as another ticket's: the ciphertext is bound to its own id.
    sealed, other = ticket_seal(SECRET, purpose=PURPOSE), ticket_seal(SECRET, purpose=PURPOSE)
    moved = f"{other.ticket_id}.{_encoded(_key_of(sealed))}"

    assert ticket_open(moved, sealed.ciphertext, purpose=PURPOSE) is None


def test_another_tickets_pair_does_not_open_this_ciphertext() -> None:
    sealed, other = ticket_seal(SECRET, purpose=PURPOSE), ticket_seal(SECRET, purpose=PURPOSE)

    assert ticket_open(other.ticket, sealed.ciphertext, purpose=PURPOSE) is None
    assert ticket_open(sealed.ticket, other.ciphertext, purpose=PURPOSE) is None


@pytest.mark.parametrize(
    "malformed",
    [
        pytest.param(lambda t: t.replace(".", ""), id="no-dot"),
        pytest.param(lambda t: "", id="empty"),
        pytest.param(lambda t: t.partition(".")[0], id="id-only"),
        pytest.param(lambda t: t.partition(".")[0] + ".", id="empty-key"),
        pytest.param(lambda t: t.partition(".")[0] + ".@@@@@@@@", id="not-base64"),
        pytest.param(lambda t: t.partition(".")[0] + ".abcde", id="bad-padding"),
        pytest.param(lambda t: t.partition(".")[0] + ".a", id="single-symbol"),
        pytest.param(lambda t: t[:-1], id="key-cut-short"),
        pytest.param(lambda t: t + "A", id="key-one-symbol-long"),
        pytest.param(lambda t: t.partition(".")[0] + "." + _encoded(bytes(16)), id="16-byte-key"),
        pytest.param(lambda t: t.partition(".")[0] + "." + _encoded(bytes(64)), id="64-byte-key"),
        pytest.param(lambda t: t + "AAAA", id="key-three-bytes-long"),
        pytest.param(lambda t: "x" * 300 + t, id="over-long-id"),
    ],
)
def test_a_malformed_ticket_opens_nothing(malformed: Callable[[str], str]) -> None:
    sealed = ticket_seal(SECRET, purpose=PURPOSE)
    ticket = malformed(sealed.ticket)

    assert ticket != sealed.ticket
    assert ticket_open(ticket, sealed.ciphertext, purpose=PURPOSE) is None


@pytest.mark.parametrize(
    "ticket",
    [
        pytest.param("", id="empty"),
        pytest.param("no-dot-at-all", id="no-dot"),
        pytest.param(".only-a-key", id="no-id"),
        pytest.param("only-an-id.", id="no-key"),
        pytest.param(".", id="dot-only"),
        pytest.param("a" * 150 + "." + "b" * 60, id="over-long"),
    ],
)
def test_ticket_id_of_rejects_a_malformed_ticket(ticket: str) -> None:
    assert ticket_id_of(ticket) is None


def test_ticket_id_of_rejects_a_real_ticket_made_over_long() -> None:
    sealed = ticket_seal(SECRET, purpose=PURPOSE)

    assert ticket_id_of(sealed.ticket) == sealed.ticket_id
    assert ticket_id_of(sealed.ticket + "=" * 200) is None
    assert ticket_id_of(sealed.ticket_id + "." + "A" * 200) is None
