"""Conflicts of interest as the tests set them up (issue 12): a report naming a person, a staff
member whose name the service knows (only as its keyed index)."""

from __future__ import annotations

from typing import Any

from accounts.models import Entity, User
from cases.models import Case
from portal.services import ReportSubmission, report_submit
from tests.helpers.reporter import RECEIPTS, WORKFLOW_CONSENTS
from vault.names import person_name_index


def with_name(user: User, full_name: str) -> User:
    """The staff member, known to the service by (the keyed index of) ``full_name``."""
    user.name_index = person_name_index(full_name) or ""
    user.save(update_fields=["name_index"])
    return user


def case_naming(
    entity: Entity,
    name: str,
    *,
    seniority: str = "",
    channel: str = "ombudsperson",
    consents: dict[str, bool] | None = None,
    identity: dict[str, str] | None = None,
) -> Case:
    """A report through the reporter's service that names ``name`` as the person responsible,
    with the workflow's consents; returns its case (received)."""
    perpetrator: dict[str, Any] = {"name": name, "role": "Head of unit"}
    if seniority:
        perpetrator["seniority"] = seniority
    submitted = report_submit(
        submission=ReportSubmission(
            entity=entity,
            category="verbal",
            route="informal",
            informal_channel=channel,
            narrative="He made remarks about my body in every team meeting.",
            reporter_role="affected_person",
            identity_disclosure="confidential" if identity else "anonymous",
            identity=identity,
            alleged_perpetrator=perpetrator,
            consents=WORKFLOW_CONSENTS if consents is None else consents,
        )
    )
    RECEIPTS[submitted.report.id] = submitted.receipt
    return Case.objects.select_related("report").get(report=submitted.report)


def case_withheld_naming(entity: Entity, name: str) -> Case:
    """``case_naming`` by a reporter who gives their name but withholds it from all but the
    focal point in charge: a change of hands then needs a second person."""
    return case_naming(entity, name, identity={"name": "R", "email": "r@example.org"})
