"""A staff member's reading key through their account's life (issue 14, items 1 and 5): a
password change re-encrypts it and keeps the session reading; an administrator's reset takes
the password's access away, and the member reads again through their personal recovery key or
once a colleague who holds the keys signs in; a new entity's recovery key is shown once, whole
and in two shares. A wrong password or recovery key is a clear refusal that changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import Entity, StaffEnrolment, User
from audit.models import AuditEntry
from audit.services import SYSTEM_STREAM
from cases.models import Case
from tests.helpers.staff import PASSWORD, authenticator_code, signed_in
from vault import readers
from vault.models import KeyWrap, RecipientKey

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new pass phrase 2026"


def _key_row(user: User) -> dict[str, Any]:
    """The stored reading key, as bytes, to compare before and after."""
    key = RecipientKey.objects.get(user=user)
    return {
        "id": key.id,
        "public_key": bytes(key.public_key),
        "password_salt": bytes(key.password_salt),
        "under_password": bytes(key.private_key_under_password),
        "under_recovery": bytes(key.private_key_under_recovery),
    }


def _wraps_of(user: User) -> set[Any]:
    return set(KeyWrap.objects.filter(recipient__user=user).values_list("data_key_id", flat=True))


def _case_url(case: Case) -> str:
    return f"/api/v1/cases/{case.pk}"


def _narrative(client: APIClient, case: Case) -> str | None:
    """The narrative the API shows this client; ``None`` when it holds no key to the report."""
    response = client.get(_case_url(case))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["key_missing"] is (body["narrative"] is None)
    narrative: str | None = body["narrative"]
    return narrative


def _token_client(username: str, password: str, totp_secret: str) -> APIClient:
    signed = APIClient().post(
        "/api/v1/auth/token",
        {"username": username, "password": password, "otp": authenticator_code(totp_secret)},
        format="json",
    )
    assert signed.status_code == 200, signed.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {signed.json()['token']}")
    return client


def _invitation_token() -> str:
    found = re.search(r"token=([\w-]+)", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    return found.group(1)


# --- Changing one's password ------------------------------------------------------------------


def test_a_password_change_on_the_page_moves_the_reading_key_to_the_new_password(
    focal_point: User, open_case: Callable[..., Case]
) -> None:
    case = open_case()
    client = signed_in(focal_point)
    changed = client.post(
        "/staff/settings/password/",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert changed["Location"] == "/staff/settings/"
    key = RecipientKey.objects.get(user=focal_point)
    with pytest.raises(readers.WrongPasswordForKeyError):
        readers.staff_key_unlock(key, PASSWORD)
    assert readers.staff_key_unlock(key, NEW_PASSWORD).recipient_id == key.id
    focal_point.refresh_from_db()
    assert focal_point.check_password(NEW_PASSWORD)
    # The session stays signed in, and its unlocked key still opens the case
    assert client.get("/staff/settings/").status_code == 200
    page = client.get(f"/staff/cases/{case.pk}/")
    assert page.status_code == 200
    assert "He followed me to my car" in page.content.decode()
    assert AuditEntry.objects.filter(
        stream=SYSTEM_STREAM, action="reading_key.password_changed", actor=focal_point
    ).exists()


def test_a_wrong_current_password_on_the_page_is_refused_and_changes_nothing(
    focal_point: User,
) -> None:
    before = _key_row(focal_point)
    hashed = User.objects.get(pk=focal_point.pk).password
    refused = signed_in(focal_point).post(
        "/staff/settings/password/",
        {
            "current_password": "not my password at all",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert refused.status_code == 400
    assert "This is not your current password." in refused.content.decode()
    assert _key_row(focal_point) == before
    assert User.objects.get(pk=focal_point.pk).password == hashed
    assert not AuditEntry.objects.filter(action="reading_key.password_changed").exists()


def test_two_different_new_passwords_are_refused_and_change_nothing(focal_point: User) -> None:
    before = _key_row(focal_point)
    refused = signed_in(focal_point).post(
        "/staff/settings/password/",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD + "!",
        },
    )
    assert refused.status_code == 400
    assert "The two new passwords differ." in refused.content.decode()
    assert _key_row(focal_point) == before


def test_the_settings_page_leads_to_the_password_change(focal_point: User) -> None:
    assert (
        'href="/staff/settings/password/"'
        in signed_in(focal_point).get("/staff/settings/").content.decode()
    )


def test_a_password_change_through_the_api_keeps_the_token_reading(
    focal_point: User, open_case: Callable[..., Case], staff_api: Any
) -> None:
    case = open_case()
    client = staff_api(focal_point)
    changed = client.post(
        "/api/v1/auth/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    key = RecipientKey.objects.get(user=focal_point)
    with pytest.raises(readers.WrongPasswordForKeyError):
        readers.staff_key_unlock(key, PASSWORD)
    readers.staff_key_unlock(key, NEW_PASSWORD)
    assert _narrative(client, case) == "He followed me to my car after the team dinner."
    # And the new password signs in and reads (in a later code window: codes are used once)
    TOTPDevice.objects.filter(user=focal_point).update(last_t=-1)
    fresh = _token_client(focal_point.username, NEW_PASSWORD, focal_point.totp_secret)  # type: ignore[attr-defined]
    assert _narrative(fresh, case) == "He followed me to my car after the team dinner."


def test_a_wrong_current_password_through_the_api_is_a_400_that_changes_nothing(
    focal_point: User, staff_api: Any
) -> None:
    before = _key_row(focal_point)
    refused = staff_api(focal_point).post(
        "/api/v1/auth/password",
        {"current_password": "not my password at all", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert refused.status_code == 400
    assert "current_password" in refused.json()["fields"]
    assert _key_row(focal_point) == before
    assert User.objects.get(pk=focal_point.pk).check_password(PASSWORD)


def test_the_password_api_needs_a_staff_token(db: Any) -> None:
    refused = APIClient().post(
        "/api/v1/auth/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert refused.status_code == 401


def test_guessing_the_current_password_on_the_page_is_slowed_down(focal_point: User) -> None:
    client = signed_in(focal_point)
    wrong = {
        "current_password": "a guess",
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD,
    }
    statuses = [
        client.post("/staff/settings/password/", wrong).status_code for _attempt in range(7)
    ]
    assert statuses[0] == 400
    assert statuses[-1] == 429
    # Even the right password waits now
    right = {**wrong, "current_password": PASSWORD}
    assert client.post("/staff/settings/password/", right).status_code == 429
    assert User.objects.get(pk=focal_point.pk).check_password(PASSWORD)


# --- An administrator's reset -----------------------------------------------------------------


def _reset_on_the_page(admin: User, member: User, capture: Any) -> str:
    """The administrator presses the reset button; returns the emailed enrolment token."""
    User.objects.filter(pk=member.pk).update(email="member@example.org")
    with capture(execute=True):
        response = signed_in(admin).post(f"/staff/admin/staff/{member.username}/reset")
    assert response.status_code == 302
    return _invitation_token()


def _enrol(token: str, recovery_key: str = "") -> Any:
    body = {"token": token, "password": NEW_PASSWORD}
    if recovery_key:
        body["recovery_key"] = recovery_key
    return APIClient().post("/api/v1/auth/enrol", body, format="json")


def test_the_workspace_offers_to_reset_an_enrolled_colleagues_sign_in(
    admin: User, focal_point: User
) -> None:
    page = signed_in(admin).get("/staff/admin/").content.decode()
    assert f'action="/staff/admin/staff/{focal_point.username}/reset"' in page


def test_only_an_administrator_of_the_members_staff_resets_their_sign_in(
    focal_point: User, second_focal_point: User, focal_point_elsewhere: User, make_staff: Any
) -> None:
    other_admin = make_staff(
        "admin", username="else_admin", entity_obj=focal_point_elsewhere.entity
    )
    before = _key_row(focal_point)
    for who in (second_focal_point, other_admin):
        refused = signed_in(who).post(f"/staff/admin/staff/{focal_point.username}/reset")
        assert refused.status_code == 404
    assert User.objects.get(pk=focal_point.pk).check_password(PASSWORD)
    assert _key_row(focal_point) == before
    assert not AuditEntry.objects.filter(action="staff.sign_in_reset").exists()


def test_after_a_reset_without_the_recovery_key_a_colleague_signing_in_gives_the_cases_back(
    admin: User,
    focal_point: User,
    second_focal_point: User,
    open_case: Callable[..., Case],
    staff_api: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = open_case()
    old_key = _key_row(focal_point)
    assert case.report.data_key_id in _wraps_of(focal_point)
    token = _reset_on_the_page(admin, focal_point, django_capture_on_commit_callbacks)
    # The reset alone already takes the password's access away
    key = RecipientKey.objects.get(user=focal_point)
    assert bytes(key.private_key_under_password) == b""
    assert AuditEntry.objects.filter(
        stream=SYSTEM_STREAM, action="staff.sign_in_reset", actor=admin
    ).exists()
    enrolled = _enrol(token)
    assert enrolled.status_code == 200, enrolled.content
    # A new key pair (with a recovery key of its own, shown once); the old wraps went with the old
    assert enrolled.json()["recovery_key"]
    assert _key_row(focal_point)["id"] != old_key["id"]
    assert _wraps_of(focal_point) == set()
    client = _token_client(focal_point.username, NEW_PASSWORD, enrolled.json()["totp_secret"])
    assert _narrative(client, case) is None
    # A colleague who holds the key signs in: it is passed on
    staff_api(second_focal_point)
    assert case.report.data_key_id in _wraps_of(focal_point)
    assert _narrative(client, case) == "He followed me to my car after the team dinner."
    # The administrator never held a key to the report
    assert _wraps_of(admin) == set()


def test_after_a_reset_the_personal_recovery_key_keeps_the_key_pair_and_every_wrap(
    admin: User,
    focal_point: User,
    open_case: Callable[..., Case],
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = open_case()
    recovery_key = focal_point.reading_key_enrolled.recovery_key  # type: ignore[attr-defined]
    before = _key_row(focal_point)
    wraps = _wraps_of(focal_point)
    token = _reset_on_the_page(admin, focal_point, django_capture_on_commit_callbacks)
    enrolled = _enrol(token, recovery_key)
    assert enrolled.status_code == 200, enrolled.content
    # No new recovery key: the one kept offline still serves
    assert enrolled.json()["recovery_key"] is None
    after = _key_row(focal_point)
    assert after["id"] == before["id"]
    assert after["public_key"] == before["public_key"]
    assert after["under_recovery"] == before["under_recovery"]
    assert _wraps_of(focal_point) == wraps
    client = _token_client(focal_point.username, NEW_PASSWORD, enrolled.json()["totp_secret"])
    assert _narrative(client, case) == "He followed me to my car after the team dinner."
    assert AuditEntry.objects.filter(
        stream=SYSTEM_STREAM, action="reading_key.recovered", actor=focal_point
    ).exists()


def test_a_wrong_recovery_key_at_enrolment_is_a_clear_400_that_changes_nothing(
    admin: User,
    focal_point: User,
    open_case: Callable[..., Case],
    django_capture_on_commit_callbacks: Any,
) -> None:
    open_case()
    token = _reset_on_the_page(admin, focal_point, django_capture_on_commit_callbacks)
    before = _key_row(focal_point)
    wraps = _wraps_of(focal_point)
    for wrong in ("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH", "not a key"):
        refused = _enrol(token, wrong)
        assert refused.status_code == 400, refused.content
        assert "recovery_key" in refused.json()["fields"]
        assert _key_row(focal_point) == before
        assert _wraps_of(focal_point) == wraps
        assert StaffEnrolment.objects.filter(user=focal_point).exists()
        assert not User.objects.get(pk=focal_point.pk).has_usable_password()
    # The same invitation still works
    assert _enrol(token, focal_point.reading_key_enrolled.recovery_key).status_code == 200  # type: ignore[attr-defined]


def test_a_wrong_recovery_key_on_the_enrolment_page_says_so(
    admin: User, focal_point: User, django_capture_on_commit_callbacks: Any
) -> None:
    token = _reset_on_the_page(admin, focal_point, django_capture_on_commit_callbacks)
    before = _key_row(focal_point)
    refused = Client().post(
        "/staff/enrol/",
        {
            "token": token,
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
            "recovery_key": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH",
        },
    )
    assert refused.status_code == 400
    assert "This recovery key does not open your reading key." in refused.content.decode()
    assert _key_row(focal_point) == before


def test_an_administrator_resets_a_sign_in_through_the_api(
    admin: User,
    focal_point: User,
    second_focal_point: User,
    staff_api: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    User.objects.filter(pk=focal_point.pk).update(email="member@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api(admin).post(f"/api/v1/staff/users/{focal_point.username}/reset")
    assert response.status_code == 200, response.content
    assert response.json()["enrolment"] == "sent"
    assert not User.objects.get(pk=focal_point.pk).has_usable_password()
    assert "/staff/enrol/?token=" in mail.outbox[-1].body
    # Not for someone who does not manage staff
    refused = staff_api(second_focal_point).post(f"/api/v1/staff/users/{admin.username}/reset")
    assert refused.status_code in {403, 404}
    assert User.objects.get(pk=admin.pk).has_usable_password()


# --- A new entity's recovery key --------------------------------------------------------------


def _shown(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]+)<', html)
    assert found, element_id
    return found.group(1)


def test_a_new_entity_shows_its_recovery_key_once_whole_and_in_two_shares(admin: User) -> None:
    client = signed_in(admin)
    response = client.post(
        "/staff/admin/entities/", {"code": "UNHCR", "name": "UNHCR", "feedback_due_months": "3"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "shown only once" in html
    assert "two officers" in html
    assert "offline" in html
    whole = _shown(html, "entity-recovery-key")
    first = _shown(html, "entity-recovery-share-1")
    second = _shown(html, "entity-recovery-share-2")
    entity = Entity.objects.get(code="UNHCR")
    key = RecipientKey.objects.get(entity=entity, kind=RecipientKey.Kind.ENTITY_RECOVERY)
    # Nothing of the private key is stored
    assert bytes(key.private_key_under_password) == b""
    assert bytes(key.private_key_under_recovery) == b""
    assert readers.entity_recovery_key_open(key, whole).recipient_id == key.id
    assert readers.entity_recovery_key_open(key, first, second).private_key == (
        readers.entity_recovery_key_open(key, whole).private_key
    )
    for alone in (first, second):
        with pytest.raises(readers.WrongRecoveryKeyError):
            readers.entity_recovery_key_open(key, alone)
    # Shown once: the entities page does not show it again
    listed = client.get("/staff/admin/entities/").content.decode()
    assert whole not in listed
    assert first not in listed
    assert whole not in client.get("/staff/admin/entities/UNHCR/").content.decode()
