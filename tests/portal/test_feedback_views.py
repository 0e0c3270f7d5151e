"""The reporter's feedback pages (``portal.feedback_views``, issue 9): the closing survey in the
portal, offered once a case is closed and only with consent to statistics; and "not ready to
report", categorical answers only, a few a day per client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, override_settings

from cases.models import Case
from core.logging_filters import is_reporter_path
from feedback.models import NotReadyResponse, SurveyResponse
from reports.models import Report
from tests.helpers.database import columns_containing
from tests.helpers.feedback import SURVEY_ANSWERS, portal_browser, survey_form_data
from tests.helpers.html import content_policy_violations, parse, quick_exit_links
from tests.helpers.outages import unreachable_cache
from tests.helpers.reporter import receipt_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]

WITH_STATISTICS = {"case_review": True, "statistics": True}
SURVEY_LINK = 'href="/my-report/survey"'


@pytest.fixture
def closed_case(case_in_state: Callable[..., Case]) -> Case:
    return case_in_state("closed", consents=WITH_STATISTICS)


# --- The survey in the portal ----------------------------------------------------------------


def test_the_portal_offers_the_survey_once_the_case_is_closed_with_consent(
    closed_case: Case,
) -> None:
    page = portal_browser(receipt_of(closed_case)).get("/my-report/").content.decode()

    assert SURVEY_LINK in page
    assert "cannot be linked back to it" in page


@pytest.mark.parametrize("state", ["received", "assessment"])
def test_no_survey_while_the_case_is_open(state: str, case_in_state: Callable[..., Case]) -> None:
    case = case_in_state(state, consents=WITH_STATISTICS)
    browser = portal_browser(receipt_of(case))

    assert SURVEY_LINK not in browser.get("/my-report/").content.decode()
    refused = browser.post("/my-report/survey", survey_form_data())
    assert refused.status_code == 409
    assert "opens once your case is closed" in refused.content.decode()
    assert SurveyResponse.objects.count() == 0


def test_without_consent_to_statistics_the_portal_says_why_there_is_no_survey(
    case_in_state: Callable[..., Case],
) -> None:
    case = case_in_state("closed", consents={"case_review": True})
    browser = portal_browser(receipt_of(case))

    portal = browser.get("/my-report/").content.decode()
    survey = browser.get("/my-report/survey").content.decode()

    assert SURVEY_LINK not in portal
    assert "offered only to reporters who agree to the finer statistics" in portal
    assert "agreement to the finer statistics" in survey
    assert parse(survey).inputs(type="radio") == []
    assert browser.post("/my-report/survey", survey_form_data()).status_code == 409
    assert SurveyResponse.objects.count() == 0


def test_the_survey_page_says_plainly_before_the_questions_how_answers_are_kept(
    closed_case: Case, settings: Any
) -> None:
    settings.STATS_K = 7
    page = portal_browser(receipt_of(closed_case)).get("/my-report/survey").content.decode()

    first_question = page.index('type="radio"')
    for words in (
        "kept apart from your report",
        "cannot be linked back to your report, so they cannot be withdrawn later",
        "only ever shown as totals by route, in groups of at least 7 answers",
    ):
        assert 0 <= page.index(words) < first_question, words
    # Five questions, each from 1 (not at all) to 5 (completely) or "prefer not to say".
    radios = parse(page).inputs(type="radio")
    assert len(radios) == 5 * 6
    assert "1: not at all" in page
    assert "5: completely" in page
    assert "I prefer not to say" in page


def test_answering_the_survey_records_it_apart_and_says_thank_you(closed_case: Case) -> None:
    browser = portal_browser(receipt_of(closed_case))

    response = browser.post("/my-report/survey", survey_form_data())

    assert response.status_code == 302
    assert response["Location"] == "/my-report/"
    row = SurveyResponse.objects.get()
    assert {q: getattr(row, q) for q in SURVEY_ANSWERS} == SURVEY_ANSWERS
    portal = browser.get("/my-report/").content.decode()
    assert "Your answers are recorded, apart from your report." in portal
    assert SURVEY_LINK not in portal


def test_a_second_survey_is_refused_on_the_page_and_writes_nothing(closed_case: Case) -> None:
    browser = portal_browser(receipt_of(closed_case))
    browser.post("/my-report/survey", survey_form_data())

    again = browser.post("/my-report/survey", survey_form_data({"felt_heard": 1}))

    assert again.status_code == 409
    assert "You already answered the survey" in again.content.decode()
    assert SurveyResponse.objects.count() == 1
    assert SurveyResponse.objects.get().felt_heard == SURVEY_ANSWERS["felt_heard"]


def test_every_question_needs_a_choice_and_nothing_is_stored_until_then(
    closed_case: Case,
) -> None:
    browser = portal_browser(receipt_of(closed_case))
    incomplete = {k: v for k, v in survey_form_data().items() if k != "timely"}

    response = browser.post("/my-report/survey", incomplete)

    assert response.status_code == 400
    assert "I prefer not to say" in response.content.decode()
    assert SurveyResponse.objects.count() == 0
    assert Report.objects.get().survey_answered is False


def test_an_answer_off_the_scale_is_a_form_error_and_nothing_is_stored(closed_case: Case) -> None:
    browser = portal_browser(receipt_of(closed_case))

    response = browser.post("/my-report/survey", {**survey_form_data(), "felt_heard": "9"})

    assert response.status_code == 400
    assert SurveyResponse.objects.count() == 0


def test_free_text_sent_with_the_survey_is_stored_nowhere(closed_case: Case) -> None:
    browser = portal_browser(receipt_of(closed_case))
    words = "The investigator laughed at me"

    browser.post("/my-report/survey", {**survey_form_data(), "comment": words})

    assert SurveyResponse.objects.count() == 1
    assert columns_containing(words) == []


# --- Not ready to report ---------------------------------------------------------------------

NOT_READY = {"category": "verbal", "holds_back": ["fear_of_retaliation", "unclear_process"]}


def test_the_home_page_offers_not_ready_beside_reporting() -> None:
    page = Client().get("/").content.decode()

    assert 'href="/not-ready/"' in page
    assert "Not ready to report? Tell us anonymously what holds you back" in page


def test_the_not_ready_form_has_choices_only() -> None:
    page = parse(Client().get("/not-ready/").content)

    assert not [tag for tag, _attrs in page.elements if tag in ("textarea", "select")]
    kinds = {attrs.get("type") for attrs in page.inputs()}
    assert kinds == {"hidden", "radio", "checkbox"}
    # Every report category, "prefer not to say", and the five reasons.
    assert len(page.inputs(type="radio", name="category")) == 8
    assert len(page.inputs(type="checkbox", name="holds_back")) == 5


def test_not_ready_answers_are_stored_and_thanked_with_support_and_reporting() -> None:
    browser = Client()

    response = browser.post("/not-ready/", NOT_READY)

    assert response.status_code == 303
    assert response["Location"] == "/not-ready/thanks/"
    row = NotReadyResponse.objects.get()
    assert (row.category, row.fear_of_retaliation, row.unclear_process) == ("verbal", True, True)
    assert [row.not_believed, row.confidentiality, row.other] == [False, False, False]
    thanks = browser.get("/not-ready/thanks/").content.decode()
    assert "Support only" in thanks
    assert 'href="/report/"' in thanks


@pytest.mark.parametrize(
    "data",
    [
        {"category": "something I typed myself"},
        {},
        {"category": "verbal", "holds_back": ["my manager is his friend"]},
    ],
)
def test_not_ready_answers_outside_the_choices_are_form_errors_and_store_nothing(
    data: dict[str, Any],
) -> None:
    response = Client().post("/not-ready/", data)

    assert response.status_code == 400
    assert NotReadyResponse.objects.count() == 0


def test_free_text_sent_with_not_ready_is_stored_nowhere() -> None:
    words = "It was my head of unit"

    Client().post("/not-ready/", {**NOT_READY, "comment": words, "other_text": words})

    assert NotReadyResponse.objects.count() == 1
    assert columns_containing(words) == []


def test_not_ready_is_limited_per_client_and_explains_kindly(settings: Any) -> None:
    settings.SUBMISSIONS_PER_CLIENT_PER_DAY = 2
    browser = Client(REMOTE_ADDR="203.0.113.45")
    for _ in range(2):
        assert browser.post("/not-ready/", NOT_READY).status_code == 303

    refused = browser.post("/not-ready/", NOT_READY)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Several answers were already sent from this connection today" in (
        refused.content.decode()
    )
    assert NotReadyResponse.objects.count() == 2
    # Another client is not held back.
    assert Client(REMOTE_ADDR="198.51.100.9").post("/not-ready/", NOT_READY).status_code == 303
    assert NotReadyResponse.objects.count() == 3


def test_with_redis_down_not_ready_answers_wait_calmly_with_retry_after() -> None:
    with override_settings(CACHES=unreachable_cache()):
        response = Client(raise_request_exception=False).post("/not-ready/", NOT_READY)

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "unavailable for a moment" in response.content.decode()
    assert NotReadyResponse.objects.count() == 0


def test_not_ready_pages_are_reporter_pages_never_logged() -> None:
    assert is_reporter_path("/not-ready/")
    assert is_reporter_path("/not-ready/thanks/")
    assert is_reporter_path("/my-report/survey")


def test_feedback_pages_have_the_quick_exit_and_no_inline_code(closed_case: Case) -> None:
    browser = portal_browser(receipt_of(closed_case))
    pages = {
        "/my-report/": browser.get("/my-report/"),
        "/my-report/survey": browser.get("/my-report/survey"),
        "/not-ready/": browser.get("/not-ready/"),
        "/not-ready/thanks/": browser.get("/not-ready/thanks/"),
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"], name
        assert quick_exit_links(response.content), name
        assert content_policy_violations(response.content) == [], name
