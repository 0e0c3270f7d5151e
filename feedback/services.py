"""Recording feedback: the closing survey and the "not ready to report" answers.

Neither write is audited, and neither writes to the report's timeline: an entry naming the
report at the moment of answering is exactly the link that the answers must not have (as
reporters' sign-ins are not audited, for the time would date the report). What the report
keeps is one flag, ``survey_answered``, so that it answers once.

What "cannot be linked back" covers: nobody using the application (staff, leadership,
administrators, API clients) can tell which answer was whose; an answer carries no report, no
time finer than its quarter, and a random id. Someone holding the database itself sees which
rows one transaction wrote (PostgreSQL's ``xmin``), so the answer and the report's flag are
matched there until the report's row is written again; the statistics never publish a group
smaller than ``STATS_K`` either way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import (
    ConflictError,
    ConsentRequiredError,
    DomainError,
    InvalidInputError,
    RateLimitedError,
    wait_words,
)
from core.quarters import current_quarter
from core.throttling import submission_made, submissions_retry_after
from feedback.models import NotReadyResponse, SurveyResponse
from feedback.selectors import SurveyStatus, survey_status
from feedback.vocabulary import NOT_READY_CATEGORIES, Agreement, HoldsBack, SurveyQuestion
from reports.locking import report_lock
from reports.models import Report
from reports.vocabulary import ConsentAction

# The per-client daily limit's scope for "not ready" answers (core.throttling).
NOT_READY_SCOPE = "not_ready"


class SurveyRefusedError(DomainError):
    """The survey cannot be answered now; the subclass says why, and its contract code."""

    code = "conflict"
    status = 409


class SurveyAlreadyAnsweredError(ConflictError, SurveyRefusedError):
    default_message = gettext_lazy(
        "You already answered the survey for this report. Thank you: nothing more was recorded."
    )


class SurveyNotOpenError(ConflictError, SurveyRefusedError):
    default_message = gettext_lazy(
        "The survey opens once your case is closed. Nothing was recorded."
    )


class SurveyNeedsStatisticsConsentError(ConsentRequiredError, SurveyRefusedError):
    default_message = gettext_lazy(
        "Survey answers are counted only with your agreement to the finer statistics, which "
        "is not given now. Nothing was recorded."
    )

    def __init__(self) -> None:
        super().__init__([ConsentAction.STATISTICS.value])

    def page_message(self) -> str:
        return self.message


SURVEY_REFUSALS: dict[SurveyStatus, type[SurveyRefusedError]] = {
    SurveyStatus.ANSWERED: SurveyAlreadyAnsweredError,
    SurveyStatus.NOT_CLOSED: SurveyNotOpenError,
    SurveyStatus.NEEDS_STATISTICS_CONSENT: SurveyNeedsStatisticsConsentError,
}


class NotReadyLimitError(RateLimitedError):
    """Too many "not ready" answers from one client today: the counts must stay honest."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            retry_after,
            _(
                "Thank you. Several answers were already sent from this connection today, so "
                "this one was not recorded: to keep these figures honest, each connection can "
                "send only a few a day. You can send another in %(wait)s."
            )
            % {"wait": wait_words(retry_after)},
        )


def _survey_answers_clean(answers: Mapping[str, int | None]) -> dict[str, int | None]:
    """Every question's answer, 1 to 5 or ``None`` (prefer not to say, or not answered)."""
    unknown = sorted(set(answers) - set(SurveyQuestion.values))
    errors = {name: [_("There is no such question.")] for name in unknown}
    cleaned: dict[str, int | None] = {}
    for question in SurveyQuestion.values:
        answer = answers.get(question)
        if answer is not None and (
            isinstance(answer, bool)
            or not isinstance(answer, int)
            or answer not in Agreement.values
        ):
            errors[question] = [_("Answer from 1 to 5, or prefer not to say.")]
        cleaned[question] = answer
    if errors:
        raise InvalidInputError(errors)
    return cleaned


@transaction.atomic
def survey_answer(*, report: Report, answers: Mapping[str, int | None]) -> SurveyResponse:
    """Record the reporter's closing survey, once per report, apart from the report.

    Refused (nothing written) when already answered, when the report's case is not closed, or
    without the reporter's current consent to statistics.
    """
    cleaned = _survey_answers_clean(answers)
    # Locked: two answers sent at once give one answer and one refusal.
    locked = report_lock(report.pk)
    status = survey_status(locked)
    if status in SURVEY_REFUSALS:
        raise SURVEY_REFUSALS[status]()
    response = SurveyResponse(quarter=current_quarter(), route=locked.route, **cleaned)
    response.full_clean()
    response.save()
    locked.survey_answered = True
    locked.save(update_fields=["survey_answered"])
    report.survey_answered = True
    return response


def not_ready_record(
    *, request: HttpRequest, category: str, holds_back: Collection[str]
) -> NotReadyResponse:
    """Record what holds someone back from reporting: a category and reasons, nothing else.

    The client is counted (``core.throttling``, no address kept) so that nobody can stuff the
    figures; over the day's limit this raises ``NotReadyLimitError``, and with the counters
    unreachable ``ServiceUnavailableError``.
    """
    errors: dict[str, list[str]] = {}
    if category not in dict(NOT_READY_CATEGORIES):
        errors["category"] = [_("Choose one of the categories.")]
    if set(holds_back) - set(HoldsBack.values):
        errors["holds_back"] = [_("Choose among the reasons listed.")]
    if errors:
        raise InvalidInputError(errors)
    retry_after = submissions_retry_after(request, scope=NOT_READY_SCOPE)
    if retry_after is not None:
        raise NotReadyLimitError(retry_after)
    with transaction.atomic():
        response = NotReadyResponse(
            quarter=current_quarter(),
            category=category,
            **{reason: reason in holds_back for reason in HoldsBack.values},
        )
        response.full_clean()
        response.save()
    submission_made(request, scope=NOT_READY_SCOPE)
    return response
