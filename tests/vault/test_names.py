"""Names as keyed blind indexes (issue 12): the ordinary variants of one name meet, other names
do not, and the index depends on the server's key."""

from __future__ import annotations

import pytest
from django.test import override_settings

from vault.names import normalised_name, person_name_index


@pytest.mark.parametrize(
    "variant",
    [
        "María-José García López",
        "maria jose garcia lopez",
        "GARCÍA LÓPEZ, María José",
        "  López   García   María  José ",
        "Maria\u0301 Jose\u0301 Garcia Lopez",  # accents as combining marks
    ],
)
def test_variants_of_one_name_give_one_index(variant: str) -> None:
    assert person_name_index(variant) == person_name_index("María-José García López")


@pytest.mark.parametrize(
    "other", ["María García", "Maria Jose Garcia Lopes", "José María", "Maria Lopez Garcia Ana"]
)
def test_different_names_give_different_indexes(other: str) -> None:
    assert person_name_index(other) != person_name_index("María José García López")


def test_letters_without_a_mark_to_strip_are_written_plainly() -> None:
    assert normalised_name("Søren Łukasz Straße") == normalised_name("soren lukasz strasse")


def test_a_name_without_letters_has_no_index() -> None:
    assert person_name_index(" - , ") is None


def test_the_index_is_keyed_and_never_the_name(new_key: object) -> None:
    index = person_name_index("Kofi Mensah")
    assert index is not None
    assert "kofi" not in index.lower()
    with override_settings(UPSTANDER_BLIND_INDEX_KEY=new_key()):  # type: ignore[operator]
        assert person_name_index("Kofi Mensah") != index
