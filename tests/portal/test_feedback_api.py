"""The closing survey through the reporter's API (``GET``/``POST /api/v1/reporter/survey``,
issue 9): 201 once, 409 after; only a closed case with consent to statistics; five answers
from 1 to 5 or null, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from cases.models import Case
from feedback.models import SurveyResponse
from reports.models import Report
from tests.helpers.feedback import SURVEY_ANSWERS
from tests.helpers.reporter import receipt_of, sign_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/reporter/survey"
WITH_STATISTICS = {"case_review": True, "statistics": True}


@pytest.fixture
def closed_case(case_in_state: Callable[..., Case]) -> Case:
    return case_in_state("closed", consents=WITH_STATISTICS)


def test_the_survey_is_offered_then_answered_once(closed_case: Case) -> None:
    reporter = sign_in(receipt_of(closed_case))
    assert reporter.get(URL).json() == {"status": "offered"}

    created = reporter.post(URL, SURVEY_ANSWERS, format="json")
    again = reporter.post(URL, SURVEY_ANSWERS, format="json")

    assert created.status_code == 201
    assert created.json() == {"status": "answered"}
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"
    assert reporter.get(URL).json() == {"status": "answered"}
    assert SurveyResponse.objects.count() == 1
    assert Report.objects.get().survey_answered is True


def test_without_consent_to_statistics_the_api_answers_409_consent_required(
    case_in_state: Callable[..., Case],
) -> None:
    reporter = sign_in(receipt_of(case_in_state("closed", consents={"case_review": True})))

    refused = reporter.post(URL, SURVEY_ANSWERS, format="json")

    assert reporter.get(URL).json() == {"status": "needs_statistics_consent"}
    assert refused.status_code == 409
    assert refused.json()["error"] == "consent_required"
    assert refused.json()["missing"] == ["statistics"]
    assert SurveyResponse.objects.count() == 0


def test_an_open_case_answers_409_and_writes_nothing(open_case: Callable[..., Case]) -> None:
    reporter = sign_in(receipt_of(open_case(consents=WITH_STATISTICS)))

    refused = reporter.post(URL, SURVEY_ANSWERS, format="json")

    assert reporter.get(URL).json() == {"status": "not_closed"}
    assert refused.status_code == 409
    assert SurveyResponse.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"felt_heard": 6},
        {"felt_heard": "4"},
        {"felt_heard": True},
        {"comment": "He is still in my team."},
    ],
)
def test_answers_other_than_one_to_five_or_null_are_refused(
    change: dict[str, Any], closed_case: Case
) -> None:
    reporter = sign_in(receipt_of(closed_case))

    refused = reporter.post(URL, {**SURVEY_ANSWERS, **change}, format="json")

    assert refused.status_code == 400
    assert refused.json()["error"] == "validation_error"
    assert set(refused.json()["fields"]) == set(change)
    assert SurveyResponse.objects.count() == 0


def test_every_question_is_answered_null_included(closed_case: Case) -> None:
    reporter = sign_in(receipt_of(closed_case))
    missing_one = {k: v for k, v in SURVEY_ANSWERS.items() if k != "timely"}

    refused = reporter.post(URL, missing_one, format="json")
    nulls = reporter.post(URL, dict.fromkeys(SURVEY_ANSWERS), format="json")

    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"timely"}
    assert nulls.status_code == 201
    row = SurveyResponse.objects.values(*SURVEY_ANSWERS).get()
    assert row == dict.fromkeys(SURVEY_ANSWERS)


def test_the_survey_needs_the_reporters_token() -> None:
    response = APIClient().post(URL, SURVEY_ANSWERS, format="json")

    assert response.status_code in (401, 403)
    assert SurveyResponse.objects.count() == 0
