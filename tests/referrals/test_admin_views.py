"""The service directory pages of the administrator's workspace (``referrals.admin_views`` and
``referrals.directory``, issue 11): add, change and remove an entity's services, each audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import Entity, Role, User
from audit.models import AuditEntry
from audit.services import SYSTEM_STREAM
from referrals.models import ServiceEntry, ServiceKind
from tests.helpers.staff import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(Role.ADMIN, username="unw_admin")


def test_adding_a_service_lists_it_and_audits_it(
    entity_admin: User, entity: Entity, ombudsperson: User
) -> None:
    client = signed_in(entity_admin)
    response = client.post(
        f"/staff/admin/entities/{entity.code}/services/",
        {
            "kind": ServiceKind.OMBUDSPERSON,
            "name": "Ombuds office",
            "contact": "ext. 4411",
            "staff_user": ombudsperson.username,
        },
    )
    assert response.status_code == 302
    entry = ServiceEntry.objects.get()
    assert (entry.entity, entry.staff_user, entry.active) == (entity, ombudsperson, True)
    assert "Ombuds office" in client.get(response["Location"]).content.decode()
    audit = AuditEntry.objects.get(stream=SYSTEM_STREAM, action="service_entry.added")
    assert audit.detail == {
        "entity": entity.code,
        "service_id": entry.pk,
        "kind": "ombudsperson",
        "staff_user": ombudsperson.username,
    }


def test_a_colleague_of_another_entity_cannot_receive_the_services_referrals(
    admin: User, entity: Entity, focal_point_elsewhere: User
) -> None:
    response = signed_in(admin).post(
        f"/staff/admin/entities/{entity.code}/services/",
        {
            "kind": ServiceKind.MEDICAL,
            "name": "Clinic",
            "staff_user": focal_point_elsewhere.username,
        },
    )
    assert response.status_code == 400
    assert not ServiceEntry.objects.exists()


def test_changing_a_service_is_audited(entity_admin: User, entity: Entity) -> None:
    entry = ServiceEntry.objects.create(entity=entity, kind=ServiceKind.MEDICAL, name="Clinic")
    response = signed_in(entity_admin).post(
        f"/staff/admin/services/{entry.pk}/",
        {"kind": ServiceKind.LEGAL_AID, "name": "Legal clinic", "contact": "Room 12"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.kind, entry.name, entry.contact) == (
        ServiceKind.LEGAL_AID,
        "Legal clinic",
        "Room 12",
    )
    assert AuditEntry.objects.filter(
        action="service_entry.changed", detail__kind="legal_aid"
    ).exists()


def test_removing_a_service_asks_first_then_takes_it_out_of_use(
    entity_admin: User, entity: Entity
) -> None:
    entry = ServiceEntry.objects.create(entity=entity, kind=ServiceKind.MEDICAL, name="Clinic")
    client = signed_in(entity_admin)
    confirmation = client.get(f"/staff/admin/services/{entry.pk}/remove")
    assert confirmation.status_code == 200
    entry.refresh_from_db()
    assert entry.active
    response = client.post(f"/staff/admin/services/{entry.pk}/remove")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert not entry.active
    assert list(client.get(response["Location"]).context["entries"]) == []
    assert AuditEntry.objects.filter(action="service_entry.removed").exists()
    # A removed entry is gone from the workspace: it can be neither changed nor removed again.
    assert client.get(f"/staff/admin/services/{entry.pk}/").status_code == 404


def test_an_entity_administrator_cannot_keep_another_entitys_directory(
    entity_admin: User, other_entity: Entity
) -> None:
    entry = ServiceEntry.objects.create(
        entity=other_entity, kind=ServiceKind.MEDICAL, name="Clinic"
    )
    client = signed_in(entity_admin)
    assert client.get(f"/staff/admin/entities/{other_entity.code}/services/").status_code == 404
    assert client.post(f"/staff/admin/services/{entry.pk}/remove").status_code == 404
    entry.refresh_from_db()
    assert entry.active
