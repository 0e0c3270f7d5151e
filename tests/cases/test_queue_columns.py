"""The columns the case lists seek (issue 15): the handling entity and the next deadline, which
the database derives; the day of submission and the last message's sender, which are copied,
by the services from now on and by the migrations for the cases already there."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import connection

from accounts.models import Entity, User
from cases.models import NO_DEADLINE, Case
from cases.services.correspondence import staff_message_send
from reports.models import Message
from tests.helpers.reporter import receipt_of, sign_in

pytestmark = pytest.mark.django_db

SUBMITTED_ON = importlib.import_module("cases.migrations.0010_queue_columns_and_indexes")
LAST_SENDER = importlib.import_module("cases.migrations.0011_last_message_from")


def test_the_queue_entity_is_the_independent_one_for_a_senior_subject(
    open_case: Callable[..., Case], entity: Entity, other_entity: Entity
) -> None:
    case = open_case()
    assert Case.objects.get(pk=case.pk).queue_entity == entity.pk

    Case.objects.filter(pk=case.pk).update(handling_entity=other_entity)

    assert Case.objects.get(pk=case.pk).queue_entity == other_entity.pk


def test_the_queue_deadline_follows_the_case_until_it_closes(
    open_case: Callable[..., Case], walk_case: Callable[..., Case]
) -> None:
    case = open_case()
    assert Case.objects.get(pk=case.pk).queue_deadline == case.acknowledgement_due

    walk_case(case, "acknowledged")
    acknowledged = Case.objects.get(pk=case.pk)
    assert acknowledged.feedback_due is not None
    assert acknowledged.queue_deadline == acknowledged.feedback_due

    walk_case(acknowledged, "closed")
    assert Case.objects.get(pk=case.pk).queue_deadline == NO_DEADLINE


def test_the_last_sender_follows_the_conversation(
    open_case: Callable[..., Case], walk_case: Callable[..., Case], focal_point: User
) -> None:
    case = walk_case(open_case(), "acknowledged")
    assert Case.objects.get(pk=case.pk).last_message_from == ""

    staff_message_send(case=case, actor=focal_point, body="Could you tell us when it began?")
    assert Case.objects.get(pk=case.pk).last_message_from == Message.Sender.STAFF

    reporter = sign_in(receipt_of(case))
    sent = reporter.post("/api/v1/reporter/messages", {"body": "In March."}, format="json")
    assert sent.status_code == 201, sent.content
    assert Case.objects.get(pk=case.pk).last_message_from == Message.Sender.REPORTER


def test_the_migrations_copy_the_day_and_the_last_sender_of_the_cases_already_there(
    open_case: Callable[..., Case], walk_case: Callable[..., Case], focal_point: User
) -> None:
    case = walk_case(open_case(), "acknowledged")
    staff_message_send(case=case, actor=focal_point, body="Could you tell us when it began?")
    quiet = open_case()
    # As the cases were before the columns: a day that is not the report's, nobody's last word.
    Case.objects.update(submitted_on=date(2000, 1, 1), last_message_from="")

    with connection.schema_editor() as editor:
        SUBMITTED_ON.copy_submitted_on(apps, editor)
        LAST_SENDER.copy_last_sender(apps, editor)

    for copied in Case.objects.select_related("report"):
        assert copied.submitted_on == copied.report.submitted_on
        assert copied.submitted_on > date(2000, 1, 1) + timedelta(days=1)
    assert Case.objects.get(pk=case.pk).last_message_from == Message.Sender.STAFF
    assert Case.objects.get(pk=quiet.pk).last_message_from == ""
