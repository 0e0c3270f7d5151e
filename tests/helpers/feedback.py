"""The closing survey and the "not ready" form, as the tests answer them."""

from __future__ import annotations

from django.test import Client

from feedback.vocabulary import PREFER_NOT_TO_SAY

# One answer per question; "safe from retaliation" is left unsaid.
SURVEY_ANSWERS: dict[str, int | None] = {
    "felt_heard": 4,
    "informed_at_every_stage": 2,
    "safe_from_retaliation": None,
    "timely": 3,
    "would_recommend": 5,
}

# Every column a survey answer has: nothing that leads to a report, a person or a moment.
SURVEY_COLUMNS = {"id", "quarter", "route", *SURVEY_ANSWERS}
NOT_READY_COLUMNS = {
    "id",
    "quarter",
    "category",
    "fear_of_retaliation",
    "not_believed",
    "unclear_process",
    "confidentiality",
    "other",
}


def survey_form_data(answers: dict[str, int | None] | None = None) -> dict[str, str]:
    """The survey page's post: each answer's number, or "prefer not to say"."""
    return {
        question: PREFER_NOT_TO_SAY if answer is None else str(answer)
        for question, answer in (answers or SURVEY_ANSWERS).items()
    }


def portal_browser(receipt: str) -> Client:
    """A browser signed in to the portal with ``receipt``."""
    browser = Client()
    response = browser.post("/access/", {"receipt": receipt})
    assert response.status_code == 302, response.content
    return browser
