"""Recording feedback (``feedback.services``): the closing survey once per closed report with
the reporter's consent to statistics, stored apart from it; "not ready" answers with their
quarter, category and reasons only, and no more than a few a day from one client (issue 9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cases.models import Case
from core.errors import InvalidInputError
from core.quarters import current_quarter
from feedback.models import NotReadyResponse, SurveyResponse
from feedback.services import (
    NotReadyLimitError,
    SurveyAlreadyAnsweredError,
    SurveyNeedsStatisticsConsentError,
    SurveyNotOpenError,
    not_ready_record,
    survey_answer,
)
from reports.models import Report
from tests.helpers.feedback import SURVEY_ANSWERS
from tests.helpers.reporter import record_withdrawal

pytestmark = pytest.mark.django_db

WITH_STATISTICS = {"case_review": True, "statistics": True}


@pytest.fixture
def closed_case(case_in_state: Callable[..., Case]) -> Case:
    """A closed case whose reporter agrees to statistics."""
    return case_in_state("closed", consents=WITH_STATISTICS)


def _report(case: Case) -> Report:
    return Report.objects.get(pk=case.report_id)


# --- The closing survey ----------------------------------------------------------------------


def test_the_survey_of_a_closed_case_is_stored_with_its_quarter_and_route_only(
    closed_case: Case,
) -> None:
    report = _report(closed_case)

    stored = survey_answer(report=report, answers=SURVEY_ANSWERS)

    expected = {"id": stored.id, "quarter": current_quarter(), "route": report.route}
    assert SurveyResponse.objects.values().get() == expected | SURVEY_ANSWERS
    assert Report.objects.get(pk=report.pk).survey_answered is True


def test_prefer_not_to_say_and_unanswered_questions_are_stored_as_null(closed_case: Case) -> None:
    survey_answer(report=_report(closed_case), answers={"felt_heard": None, "timely": 1})

    row = SurveyResponse.objects.get()
    assert row.felt_heard is None
    assert row.timely == 1
    assert row.would_recommend is None


def test_the_survey_is_answered_once_and_a_second_answer_writes_nothing(closed_case: Case) -> None:
    survey_answer(report=_report(closed_case), answers=SURVEY_ANSWERS)

    with pytest.raises(SurveyAlreadyAnsweredError):
        survey_answer(report=_report(closed_case), answers={"felt_heard": 1})

    assert SurveyResponse.objects.count() == 1
    assert SurveyResponse.objects.get().felt_heard == SURVEY_ANSWERS["felt_heard"]


def test_the_report_row_is_locked_while_the_survey_is_recorded(closed_case: Case) -> None:
    with CaptureQueriesContext(connection) as queries:
        survey_answer(report=_report(closed_case), answers=SURVEY_ANSWERS)

    locking = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert len(locking) == 1
    assert '"reports_report"' in locking[0]


@pytest.mark.parametrize("state", ["received", "assessment", "informal_resolution", "on_hold"])
def test_the_survey_is_refused_while_the_case_is_open(
    state: str, case_in_state: Callable[..., Case]
) -> None:
    case = case_in_state(state, consents={**WITH_STATISTICS, "ombudsperson_referral": True})

    with pytest.raises(SurveyNotOpenError):
        survey_answer(report=_report(case), answers=SURVEY_ANSWERS)

    assert SurveyResponse.objects.count() == 0
    assert _report(case).survey_answered is False


def test_a_sealed_report_without_a_case_has_no_survey(submit_report: Callable[..., Report]) -> None:
    report = submit_report(route="record_only", consents={"statistics": True})

    with pytest.raises(SurveyNotOpenError):
        survey_answer(report=report, answers=SURVEY_ANSWERS)

    assert SurveyResponse.objects.count() == 0


def test_without_consent_to_statistics_the_survey_is_refused(
    case_in_state: Callable[..., Case],
) -> None:
    case = case_in_state("closed", consents={"case_review": True})

    with pytest.raises(SurveyNeedsStatisticsConsentError) as refused:
        survey_answer(report=_report(case), answers=SURVEY_ANSWERS)

    assert refused.value.answer()["missing"] == ["statistics"]
    assert SurveyResponse.objects.count() == 0
    assert _report(case).survey_answered is False


def test_a_withdrawn_consent_to_statistics_closes_the_survey(closed_case: Case) -> None:
    record_withdrawal(_report(closed_case), "statistics")

    with pytest.raises(SurveyNeedsStatisticsConsentError):
        survey_answer(report=_report(closed_case), answers=SURVEY_ANSWERS)

    assert SurveyResponse.objects.count() == 0


@pytest.mark.parametrize(
    "answers",
    [
        {"felt_heard": 6},
        {"felt_heard": 0},
        {"felt_heard": True},
        {"felt_heard": "4"},
        {"comment": "He is still in my team."},
    ],
)
def test_answers_off_the_scale_or_to_no_question_are_refused_and_nothing_written(
    answers: dict[str, Any], closed_case: Case
) -> None:
    with pytest.raises(InvalidInputError):
        survey_answer(report=_report(closed_case), answers=answers)

    assert SurveyResponse.objects.count() == 0
    assert _report(closed_case).survey_answered is False


# --- Not ready to report ---------------------------------------------------------------------


def _request(address: str = "203.0.113.7") -> Any:
    return RequestFactory().post("/not-ready/", REMOTE_ADDR=address)


def test_a_not_ready_answer_keeps_its_quarter_category_and_reasons_only() -> None:
    stored = not_ready_record(
        request=_request(),
        category="verbal",
        holds_back=["fear_of_retaliation", "confidentiality"],
    )

    assert NotReadyResponse.objects.values().get() == {
        "id": stored.id,
        "quarter": current_quarter(),
        "category": "verbal",
        "fear_of_retaliation": True,
        "not_believed": False,
        "unclear_process": False,
        "confidentiality": True,
        "other": False,
    }


def test_not_ready_without_a_category_or_reason_is_prefer_not_to_say_and_no_reason() -> None:
    not_ready_record(request=_request(), category="prefer_not_to_say", holds_back=[])

    row = NotReadyResponse.objects.get()
    assert row.category == "prefer_not_to_say"
    assert not any(
        [row.fear_of_retaliation, row.not_believed, row.unclear_process, row.confidentiality]
    )


@pytest.mark.parametrize(
    ("category", "holds_back"),
    [
        ("something I typed", []),
        ("", []),
        ("verbal", ["my manager is his friend"]),
    ],
)
def test_not_ready_takes_codes_only_and_stores_nothing_else(
    category: str, holds_back: list[str]
) -> None:
    with pytest.raises(InvalidInputError):
        not_ready_record(request=_request(), category=category, holds_back=holds_back)

    assert NotReadyResponse.objects.count() == 0


def test_not_ready_answers_are_limited_per_client_and_day(settings: Any) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 2
    for _ in range(2):
        not_ready_record(request=_request(), category="verbal", holds_back=[])

    with pytest.raises(NotReadyLimitError) as limited:
        not_ready_record(request=_request(), category="verbal", holds_back=[])

    assert 0 < limited.value.retry_after <= 24 * 60 * 60
    assert limited.value.answer()["error"] == "rate_limited"
    assert NotReadyResponse.objects.count() == 2
    # Another client is not held back by the first one's answers.
    not_ready_record(request=_request("198.51.100.9"), category="verbal", holds_back=[])
    assert NotReadyResponse.objects.count() == 3


def test_refused_not_ready_answers_do_not_count_towards_the_limit(
    settings: Any,
) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 1
    for _ in range(3):
        with pytest.raises(InvalidInputError):
            not_ready_record(request=_request(), category="nonsense", holds_back=[])

    not_ready_record(request=_request(), category="verbal", holds_back=[])

    assert NotReadyResponse.objects.count() == 1
