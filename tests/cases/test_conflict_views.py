"""The staff's declarations of conflict of interest on their pages (``cases.conflict_views``,
issue 12): the case leaves their pages at once, a person is kept only as a keyed index."""

from __future__ import annotations

import html
from typing import Any

import pytest

from reports.models import ConflictDeclaration
from tests.helpers.conflicts import case_naming
from tests.helpers.staff import signed_in
from vault.names import person_name_index

pytestmark = pytest.mark.django_db


def test_i_have_a_conflict_with_this_case_takes_it_off_my_pages(
    open_case: Any, second_focal_point: Any
) -> None:
    case = open_case()
    client = signed_in(second_focal_point)
    assert (
        "I have a conflict with this case"
        in client.get(f"/staff/cases/{case.id}/").content.decode()
    )
    response = client.post(f"/staff/cases/{case.id}/conflict", follow=True)
    page = html.unescape(response.content.decode())
    assert f"Your conflict of interest with {case.report.reference} is recorded" in page
    assert f"the case {case.report.reference}" in page  # listed on the conflicts page
    assert client.get(f"/staff/cases/{case.id}/").status_code == 404
    assert case.report.reference not in client.get("/staff/").content.decode()


def test_declaring_a_person_on_the_page_hides_every_case_naming_them(
    entity: Any, second_focal_point: Any
) -> None:
    case = case_naming(entity, "Li Wei Zhang")
    client = signed_in(second_focal_point)
    response = client.post(
        "/staff/conflicts/", {"reference": "", "person_name": "ZHANG Li-Wei"}, follow=True
    )
    page = html.unescape(response.content.decode())
    assert "Your conflict of interest is recorded." in page
    assert "a named person (kept only as a fingerprint)" in page
    assert "Zhang" not in page.split("<h2>")[-1]  # the list never shows the name back
    assert ConflictDeclaration.objects.get().person_index == person_name_index("li wei zhang")
    assert client.get(f"/staff/cases/{case.id}/").status_code == 404


def test_an_unknown_reference_or_an_empty_form_is_refused_in_words_and_keeps_nothing(
    second_focal_point: Any,
) -> None:
    client = signed_in(second_focal_point)
    unknown = client.post("/staff/conflicts/", {"reference": "NOPE-1234", "person_name": ""})
    assert unknown.status_code == 400
    assert "No case you can see has this reference." in html.unescape(unknown.content.decode())
    empty = client.post("/staff/conflicts/", {"reference": "", "person_name": ""})
    assert empty.status_code == 400
    assert "Name the case, the person, or both" in html.unescape(empty.content.decode())
    assert not ConflictDeclaration.objects.exists()


def test_leadership_has_no_conflicts_page(leadership: Any) -> None:
    assert signed_in(leadership).get("/staff/conflicts/").status_code == 404
