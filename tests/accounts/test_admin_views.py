"""The administrator's workspace at /staff/admin/ (``accounts.admin_views``, issue 11): who may
open it, and what each staff and entity action changes and audits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Entity, Role, StaffEnrolment, User
from audit.models import AuditEntry
from audit.services import SYSTEM_STREAM
from referrals.models import ServiceEntry, ServiceKind
from tests.helpers.staff import PASSWORD, current_otp, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity_admin(make_staff: Callable[..., User]) -> User:
    """An administrator of ``entity`` only."""
    return make_staff(Role.ADMIN, username="unw_admin")


def _workspace_pages(entity: Entity, focal_point: User) -> list[tuple[str, str]]:
    entry = ServiceEntry.objects.create(entity=entity, kind=ServiceKind.MEDICAL, name="Clinic")
    name = focal_point.username
    return [
        ("get", "/staff/admin/"),
        ("post", "/staff/admin/staff/invitations"),
        ("post", f"/staff/admin/staff/{name}/invitation"),
        ("post", f"/staff/admin/staff/{name}/role"),
        ("get", f"/staff/admin/staff/{name}/departure/"),
        ("post", f"/staff/admin/staff/{name}/departure/"),
        ("get", "/staff/admin/entities/"),
        ("post", "/staff/admin/entities/"),
        ("get", f"/staff/admin/entities/{entity.code}/"),
        ("post", f"/staff/admin/entities/{entity.code}/"),
        ("get", f"/staff/admin/entities/{entity.code}/services/"),
        ("post", f"/staff/admin/entities/{entity.code}/services/"),
        ("get", f"/staff/admin/services/{entry.pk}/"),
        ("post", f"/staff/admin/services/{entry.pk}/"),
        ("get", f"/staff/admin/services/{entry.pk}/remove"),
        ("post", f"/staff/admin/services/{entry.pk}/remove"),
    ]


@pytest.mark.parametrize(
    "role", [Role.FOCAL_POINT, Role.OMBUDSPERSON, Role.INVESTIGATOR, Role.LEADERSHIP]
)
def test_only_administrators_open_the_workspace_pages(
    role: str, make_staff: Any, entity: Entity, focal_point: User, admin: User
) -> None:
    pages = _workspace_pages(entity, focal_point)
    # Every page is there for an administrator
    administrator = signed_in(admin)
    for method, url in pages:
        if method == "get":
            assert administrator.get(url).status_code == 200, url
    # Given a signed-in staff member who is not an administrator
    client = signed_in(make_staff(role, username=f"someone_{role}"))
    before = AuditEntry.objects.count()
    # When they open or post to any page of the workspace, each answers as if it did not exist
    for method, url in pages:
        response = getattr(client, method)(url, {"role": Role.ADMIN, "name": "Taken over"})
        assert response.status_code == 404, (method, url)
    # And nothing changed
    assert AuditEntry.objects.count() == before
    focal_point.refresh_from_db()
    assert focal_point.is_active
    assert focal_point.role == Role.FOCAL_POINT
    assert ServiceEntry.objects.get().active


def test_the_workspace_needs_sign_in(db: Any) -> None:
    response = Client().get("/staff/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/login/"


def test_an_administrator_lands_on_the_workspace_after_sign_in(entity_admin: User) -> None:
    client = Client()
    response = client.post(
        "/staff/login/",
        {"username": entity_admin.username, "password": PASSWORD, "otp": current_otp(entity_admin)},
    )
    assert response["Location"] == "/staff/admin/"


def test_the_workspace_lists_the_staff_of_the_administrators_entity_only(
    entity_admin: User, focal_point: User, focal_point_elsewhere: User
) -> None:
    page = signed_in(entity_admin).get("/staff/admin/")
    assert page.status_code == 200
    assert focal_point.username in page.content.decode()
    assert focal_point_elsewhere.username not in page.content.decode()


def test_inviting_a_colleague_sends_the_enrolment_email_and_audits_it(
    entity_admin: User, entity: Entity, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(entity_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/admin/staff/invitations",
            {
                "username": "new.fp",
                "email": "new.fp@example.org",
                "role": Role.FOCAL_POINT,
                "entity": entity.code,
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "/staff/admin/"
    user = User.objects.get(username="new.fp")
    assert (user.role, user.entity, user.has_usable_password()) == (Role.FOCAL_POINT, entity, False)
    assert StaffEnrolment.objects.filter(user=user).exists()
    assert [message.to for message in mail.outbox] == [["new.fp@example.org"]]
    assert "/staff/enrol/?token=" in mail.outbox[0].body
    assert AuditEntry.objects.filter(
        stream=SYSTEM_STREAM,
        action="staff.user_created",
        actor=entity_admin,
        detail__username="new.fp",
    ).exists()


def test_an_administrator_invites_a_victims_rights_advocate_of_the_entity(
    entity_admin: User, entity: Entity, django_capture_on_commit_callbacks: Any
) -> None:
    # Issue 12: the advocate is a role per entity, invited like any colleague.
    client = signed_in(entity_admin)
    form = client.get("/staff/admin/").content.decode()
    assert 'value="victims_rights_advocate"' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/staff/admin/staff/invitations",
            {
                "username": "advocate",
                "email": "advocate@example.org",
                "role": Role.VICTIMS_RIGHTS_ADVOCATE,
                "entity": entity.code,
            },
        )
    assert response.status_code == 302
    user = User.objects.get(username="advocate")
    assert (user.role, user.entity) == (Role.VICTIMS_RIGHTS_ADVOCATE, entity)


def test_an_invitation_with_a_bad_address_is_refused_on_the_form_and_changes_nothing(
    entity_admin: User, entity: Entity
) -> None:
    response = signed_in(entity_admin).post(
        "/staff/admin/staff/invitations",
        {
            "username": "new.fp",
            "email": "not an address",
            "role": Role.FOCAL_POINT,
            "entity": entity.code,
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_email"' in body
    assert 'aria-invalid="true"' in body
    assert not User.objects.filter(username="new.fp").exists()
    assert not mail.outbox


def test_an_entity_administrator_cannot_invite_into_another_entity(
    entity_admin: User, other_entity: Entity
) -> None:
    response = signed_in(entity_admin).post(
        "/staff/admin/staff/invitations",
        {
            "username": "new.fp",
            "email": "new.fp@example.org",
            "role": Role.FOCAL_POINT,
            "entity": other_entity.code,
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="new.fp").exists()


def test_resending_an_invitation_replaces_the_token_and_audits_it(
    entity_admin: User, entity: Entity, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(entity_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/staff/admin/staff/invitations",
            {
                "username": "new.fp",
                "email": "new.fp@example.org",
                "role": Role.FOCAL_POINT,
                "entity": entity.code,
            },
        )
    first = StaffEnrolment.objects.get().token_index
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/admin/staff/new.fp/invitation")
    assert response.status_code == 302
    assert StaffEnrolment.objects.get().token_index != first
    assert len(mail.outbox) == 2
    assert AuditEntry.objects.filter(
        action="staff.invitation_resent", detail__username="new.fp"
    ).exists()


def test_resending_to_someone_enrolled_is_refused_with_words(
    entity_admin: User, focal_point: User
) -> None:
    client = signed_in(entity_admin)
    response = client.post(f"/staff/admin/staff/{focal_point.username}/invitation", follow=True)
    assert "already enrolled" in response.content.decode()
    assert not AuditEntry.objects.filter(action="staff.invitation_resent").exists()


def test_changing_a_role_is_audited_with_before_and_after(
    entity_admin: User, focal_point: User
) -> None:
    response = signed_in(entity_admin).post(
        f"/staff/admin/staff/{focal_point.username}/role", {"role": Role.OMBUDSPERSON}
    )
    assert response.status_code == 302
    focal_point.refresh_from_db()
    assert focal_point.role == Role.OMBUDSPERSON
    entry = AuditEntry.objects.get(stream=SYSTEM_STREAM, action="staff.role_changed")
    assert entry.detail == {
        "username": focal_point.username,
        "from": Role.FOCAL_POINT,
        "to": Role.OMBUDSPERSON,
    }


def test_an_unknown_role_or_ones_own_role_is_refused_and_nothing_changes(
    entity_admin: User, focal_point: User
) -> None:
    client = signed_in(entity_admin)
    client.post(f"/staff/admin/staff/{focal_point.username}/role", {"role": "superuser"})
    client.post(f"/staff/admin/staff/{entity_admin.username}/role", {"role": Role.FOCAL_POINT})
    focal_point.refresh_from_db()
    entity_admin.refresh_from_db()
    assert (focal_point.role, entity_admin.role) == (Role.FOCAL_POINT, Role.ADMIN)
    assert not AuditEntry.objects.filter(action="staff.role_changed").exists()


def test_an_entity_administrator_changes_the_feedback_period_and_publication(
    entity_admin: User, entity: Entity
) -> None:
    response = signed_in(entity_admin).post(
        f"/staff/admin/entities/{entity.code}/",
        {"name": "UN Women HQ", "publishes_transparency_report": "on", "feedback_due_months": "2"},
    )
    assert response.status_code == 302
    entity.refresh_from_db()
    assert (entity.name, entity.publishes_transparency_report, entity.feedback_due_months) == (
        "UN Women HQ",
        True,
        2,
    )
    entry = AuditEntry.objects.get(action="entity.changed")
    assert entry.detail["feedback_due_months"] == 2


def test_a_feedback_period_out_of_range_is_refused(entity_admin: User, entity: Entity) -> None:
    response = signed_in(entity_admin).post(
        f"/staff/admin/entities/{entity.code}/", {"name": "UN Women", "feedback_due_months": "0"}
    )
    assert response.status_code == 400
    entity.refresh_from_db()
    assert entity.feedback_due_months == 3
    assert not AuditEntry.objects.filter(action="entity.changed").exists()


def test_an_entity_administrator_neither_sees_nor_edits_another_entity(
    entity_admin: User, other_entity: Entity
) -> None:
    client = signed_in(entity_admin)
    assert other_entity.code not in client.get("/staff/admin/entities/").content.decode()
    assert client.get(f"/staff/admin/entities/{other_entity.code}/").status_code == 404
    refused = client.post("/staff/admin/entities/", {"code": "NEW", "name": "New"})
    assert refused.status_code == 404
    assert not Entity.objects.filter(code="NEW").exists()


def test_a_system_wide_administrator_adds_an_entity(admin: User) -> None:
    response = signed_in(admin).post(
        "/staff/admin/entities/",
        {"code": "UNHCR", "name": "UNHCR", "feedback_due_months": "3"},
    )
    # Not a redirect: the answer shows the new entity's recovery key, once (issue 14)
    assert response.status_code == 200
    assert 'id="entity-recovery-key"' in response.content.decode()
    created = Entity.objects.get(code="UNHCR")
    assert not created.publishes_transparency_report
    assert AuditEntry.objects.filter(action="entity.created", detail__code="UNHCR").exists()


def test_a_duplicate_entity_code_is_refused(admin: User, entity: Entity) -> None:
    response = signed_in(admin).post(
        "/staff/admin/entities/", {"code": entity.code, "name": "Again", "feedback_due_months": "3"}
    )
    assert response.status_code == 400
    assert Entity.objects.filter(code=entity.code).count() == 1
