"""The case workflow's refusals, each carrying its contract answer (see ``core.errors``).

The API answers them through the one exception handler; the staff pages show
``page_message()``, whose words are for someone looking at the case page.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import (
    ConflictError,
    ConsentRequiredError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ShreddedError,
    TransitionNotAllowedError,
)
from reports.reading import NoReadingKeyError, ReadingKeyLockedError
from reports.vocabulary import ConsentAction, consent_label

# Defined beside the reads they refuse (``reports.reading``); the case workflow raises them too.
__all__ = ["NoReadingKeyError", "ReadingKeyLockedError"]


class CaseNotFoundError(NotFoundError):
    """A case (or an override of one) this user cannot see: answered as if it did not exist."""


class CaseForbiddenError(ForbiddenError):
    page_words = _("Your role does not allow this step.")


class CaseTransitionNotAllowedError(TransitionNotAllowedError):
    page_words = _("This step is not possible from the current state.")


class CaseConsentRequiredError(ConsentRequiredError):
    def consent_labels(self) -> list[str]:
        return [consent_label(action) for action in self.missing]


class ReportUnreadableError(CaseConsentRequiredError):
    """The organisation cannot open the report: the reporter sealed it.

    Raised where the vault's own errors are caught (``cases.services.reading.case_data_key``):
    to the API it is the case review consent that is missing, which only the reporter can give.
    """

    default_message = _("The reporter has withdrawn case review: the report is sealed.")

    def __init__(self) -> None:
        super().__init__([ConsentAction.CASE_REVIEW])

    def page_message(self) -> str:
        return self.message


class CaseShreddedError(ShreddedError):
    """The case's report was crypto-shredded: the case takes no step, message, note or override."""

    page_words = _("This report was shredded and its case is closed: nothing more can be done.")


class CaseConflictError(ConflictError):
    """The case changed concurrently; nothing was written."""

    default_message = _(
        "The case changed while you were working on it; nothing was written. Reload it."
    )
    page_words = _(
        "Someone changed this case at the same time; nothing was written. Check and retry."
    )


class OverrideDecidedError(ConflictError):
    """The override was approved or rejected already, or the reporter made it moot."""

    default_message = _("This override was already decided.")


class OverrideNoticeGivenError(ConflictError):
    """The reporter was told of this override already (or it was never deferred)."""

    default_message = _("The reporter has already been told of this override.")


class ReassignmentDecidedError(ConflictError):
    """The reassignment was approved already, or the case changed hands since it was asked."""

    default_message = _("This reassignment was already decided, or the case changed hands since.")


class CaseInputError(InvalidInputError):
    """A case action's input is wrong; ``fields`` says which and why."""


class RetaliationRiskNotNowError(TransitionNotAllowedError):
    """The retaliation risk is recorded at acknowledgement or later, and not on a closed case."""

    default_message = _(
        "The retaliation risk is recorded once the case is acknowledged, while it is open."
    )
    page_words = default_message
