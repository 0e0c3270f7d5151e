"""The client a request is counted against (``core.client_address``): ``X-Forwarded-For`` is
believed only as far as proxies listed in ``UPSTANDER_TRUSTED_PROXIES`` wrote it (issue 10,
item 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from core.client_address import client_address, trusted_proxy_networks

PROXY = "10.0.0.2"


def _request(peer: str, forwarded: str | None = None) -> Any:
    request = RequestFactory().post("/access/", REMOTE_ADDR=peer)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


@pytest.fixture(autouse=True)
def _trusted_proxy(settings: Any) -> None:
    settings.UPSTANDER_TRUSTED_PROXIES = [PROXY, "192.168.0.0/16"]


def test_a_client_that_is_not_a_listed_proxy_is_judged_by_its_own_address() -> None:
    # A guesser sending a fresh X-Forwarded-For with each attempt is still one client.
    for spoofed in ["198.51.100.1", "198.51.100.2", "198.51.100.3, 10.0.0.2"]:
        assert client_address(_request("203.0.113.45", spoofed)) == "203.0.113.45"


def test_with_no_trusted_proxy_the_header_is_ignored_even_behind_the_tls_proxy(
    settings: Any,
) -> None:
    # Regression (issue 10): BEHIND_TLS_PROXY made every X-Forwarded-For believed.
    settings.UPSTANDER_TRUSTED_PROXIES = []
    settings.BEHIND_TLS_PROXY = True
    assert client_address(_request(PROXY, "198.51.100.1")) == PROXY


def test_a_listed_proxy_names_the_client_it_saw() -> None:
    assert client_address(_request(PROXY, "203.0.113.45")) == "203.0.113.45"


def test_what_the_client_wrote_in_front_of_the_proxys_entry_is_ignored() -> None:
    # The client sent "X-Forwarded-For: 198.51.100.1"; our proxy appended the address it saw.
    assert client_address(_request(PROXY, "198.51.100.1, 203.0.113.45")) == "203.0.113.45"


def test_the_header_is_read_from_the_right_past_every_listed_proxy() -> None:
    forwarded = "198.51.100.1, 203.0.113.45, 192.168.4.4"
    assert client_address(_request(PROXY, forwarded)) == "203.0.113.45"


def test_several_forwarded_headers_joined_by_the_server_read_as_one_list() -> None:
    assert client_address(_request(PROXY, "198.51.100.1,203.0.113.45")) == "203.0.113.45"


def test_when_every_hop_is_a_listed_proxy_the_leftmost_is_the_client() -> None:
    assert client_address(_request(PROXY, "192.168.1.7, 192.168.4.4")) == "192.168.1.7"


@pytest.mark.parametrize(
    "forwarded",
    ["", "   ", "not-an-address", "unknown, ", "\x00", "999.1.1.1", "1.2.3"],
)
def test_a_listed_proxys_unreadable_header_names_the_last_address_it_vouched_for(
    forwarded: str,
) -> None:
    assert client_address(_request(PROXY, forwarded)) == PROXY


def test_text_in_front_of_a_trusted_hop_cannot_name_the_client() -> None:
    assert client_address(_request(PROXY, "garbage, 192.168.1.7")) == "192.168.1.7"


@pytest.mark.parametrize(
    ("written", "client"),
    [
        ("203.0.113.45:51234", "203.0.113.45"),
        ("[2001:db8:1:2::7]:443", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.45", "203.0.113.45"),
    ],
)
def test_ports_brackets_and_mapped_addresses_are_read_as_the_address(
    written: str, client: str
) -> None:
    assert client_address(_request(PROXY, written)) == client


def test_an_ipv6_client_is_counted_by_its_slash_64() -> None:
    # One subscriber holds a whole /64: 2^64 addresses must not mean 2^64 guessing budgets.
    first = client_address(_request("2001:db8:1:2::1"))
    other_in_same_64 = client_address(_request("2001:db8:1:2:ffff:ffff:ffff:ffff"))
    next_64 = client_address(_request("2001:db8:1:3::1"))

    assert first == other_in_same_64 == "2001:db8:1:2::/64"
    assert next_64 != first


def test_an_ipv4_mapped_peer_is_matched_against_ipv4_proxies() -> None:
    assert client_address(_request(f"::ffff:{PROXY}", "203.0.113.45")) == "203.0.113.45"


@pytest.mark.parametrize("entry", ["10.0.0.300", "proxy.internal", "10.0.0.0/33", ""])
def test_a_malformed_trusted_proxy_is_a_configuration_error_naming_the_variable(
    entry: str,
) -> None:
    with pytest.raises(ImproperlyConfigured, match="UPSTANDER_TRUSTED_PROXIES"):
        trusted_proxy_networks([entry])
