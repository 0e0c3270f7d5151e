"""Refusals of the domain, each carrying the answer the API contract gives for it.

A service says no by raising a ``DomainError``. Its class names the contract's error code and
HTTP status, its message is the sentence the reader is shown, and ``extra()`` holds the fields
the contract lists beside that code (``fields``, ``missing``, ``allowed``). The API turns any of
them into the contract's JSON body in one place (``core.api_errors.api_exception_handler``); the
pages (staff and reporter) show ``page_message()``. Nothing else translates a refusal, and no caller needs to
know which app raised it.

The classes here are the contract's codes; each app subclasses them with its own refusals and
words (``cases.errors``, ``accounts.services``, ``referrals.services``, ``portal.services``,
``reports.attachments``). Messages never quote report content: a refusal may be logged or
shown to someone who may not read the report.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

if TYPE_CHECKING:
    # Type-checking only: django-stubs-ext is a development dependency.
    from django_stubs_ext import StrOrPromise


class DomainError(Exception):
    """A refusal with its contract code, HTTP status and message."""

    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    default_message: ClassVar[StrOrPromise] = gettext_lazy("The request could not be completed.")
    # What a staff page says instead, where its reader needs other words than an API client.
    page_words: ClassVar[StrOrPromise | None] = None

    def __init__(self, message: StrOrPromise | None = None) -> None:
        self.given_message = message is not None
        self.message = str(message if message is not None else self.default_message)
        super().__init__(self.message)

    def extra(self) -> dict[str, Any]:
        """The contract's extra fields for this code."""
        return {}

    def answer(self) -> dict[str, Any]:
        """The contract's error body: ``{"error": CODE, "detail": sentence, ...extra}``."""
        return {"error": self.code, "detail": self.message, **self.extra()}

    def page_message(self) -> str:
        """The sentence a staff page shows for this refusal."""
        if self.page_words is not None and not self.given_message:
            return str(self.page_words)
        return self.message


class InvalidInputError(DomainError):
    code = "validation_error"
    status = 400
    default_message = gettext_lazy("Some fields need attention.")

    def __init__(self, fields: dict[str, list[str]], message: StrOrPromise | None = None) -> None:
        super().__init__(message)
        self.fields = {name: [str(text) for text in texts] for name, texts in fields.items()}

    def extra(self) -> dict[str, Any]:
        return {"fields": self.fields}

    def page_message(self) -> str:
        return " ".join(text for texts in self.fields.values() for text in texts)


class InvalidCredentialsError(DomainError):
    code = "invalid_credentials"
    status = 401
    default_message = gettext_lazy("Wrong username or password.")


class OtpRequiredError(DomainError):
    code = "otp_required"
    status = 401
    default_message = gettext_lazy("Give the current code from your authenticator app.")


class ForbiddenError(DomainError):
    code = "forbidden"
    status = 403
    default_message = gettext_lazy("Your role does not allow this.")


class NotFoundError(DomainError):
    """Also the answer for something that exists but may not be seen: the two look the same."""

    code = "not_found"
    status = 404
    default_message = gettext_lazy("Not found.")


class ConsentRequiredError(DomainError):
    """The reporter has not given (or has withdrawn) a consent the step needs."""

    code = "consent_required"
    status = 409
    default_message = gettext_lazy("The reporter has not given the consent this step needs.")

    def __init__(self, missing: list[str], message: StrOrPromise | None = None) -> None:
        super().__init__(message)
        self.missing = list(missing)

    def extra(self) -> dict[str, Any]:
        return {"missing": self.missing}

    def consent_labels(self) -> list[str]:
        """The missing consents in the reporter's words; the codes unless a subclass knows them."""
        return list(self.missing)

    def page_message(self) -> str:
        if self.given_message:
            return self.message
        return _("The reporter has not consented: %(what)s.") % {
            "what": ", ".join(self.consent_labels())
        }


class TransitionNotAllowedError(DomainError):
    code = "transition_not_allowed"
    status = 409
    default_message = gettext_lazy("This step is not possible from the case's current state.")

    def __init__(self, allowed: list[str], message: StrOrPromise | None = None) -> None:
        super().__init__(message)
        self.allowed = list(allowed)

    def extra(self) -> dict[str, Any]:
        return {"allowed": self.allowed}


class ConflictError(DomainError):
    """The object changed concurrently, or was already decided; nothing was written."""

    code = "conflict"
    status = 409
    default_message = gettext_lazy(
        "This changed while you were working on it; nothing was written."
    )


class ConflictReason(StrEnum):
    """Why a staff member may not take part in a case (``ConflictOfInterestError.reason``)."""

    NAMED_IN_REPORT = "named_in_report"
    DECLARED = "declared"
    DECLINED_BY_REPORTER = "declined_by_reporter"


class ConflictOfInterestError(DomainError):
    """The staff member named is in conflict of interest with the case (issue 12).

    An extension of the contract's codes (409 ``conflict_of_interest``): a staff member named in
    the report, who declared a conflict with it, or whom the reporter asked to be replaced,
    cannot be assigned, shared, referred or made investigator of the case. ``reason`` says which
    ``ConflictReason`` it is.
    """

    code = "conflict_of_interest"
    status = 409
    default_message = gettext_lazy(
        "This staff member has a conflict of interest with this case and cannot take part in it."
    )

    def __init__(self, reason: ConflictReason, message: StrOrPromise | None = None) -> None:
        super().__init__(message)
        self.reason = reason

    def extra(self) -> dict[str, Any]:
        return {"reason": self.reason}


class ShreddedError(DomainError):
    """The report was crypto-shredded: its content is gone for good and its case is closed.

    An extension of the contract's codes (409 ``shredded``): nothing can be written to such a
    case any more (no step, message, note, referral or override), and it says so plainly
    instead of pretending that a consent is missing.
    """

    code = "shredded"
    status = 409
    default_message = gettext_lazy(
        "This report was shredded: its content was destroyed for good and its case is closed. "
        "Nothing more can be added to it."
    )


class ServiceUnavailableError(DomainError):
    """A service this answer needs (the cache that counts guesses) is down for a moment.

    Refusing is safer than answering without the guessing limit; the client is told when to
    try again (``Retry-After``).
    """

    code = "service_unavailable"
    status = 503
    default_message = gettext_lazy(
        "This is unavailable for a moment. Nothing was changed; please try again in a minute."
    )
    retry_after = 60

    def extra(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


class RateLimitedError(DomainError):
    """Too many requests from one client for now; ``retry_after`` says when to come back.

    The counters that decide it are ``core.throttling``'s; each door subclasses this with the
    words its reader needs (a reporter whose answers are kept in the form, an API client).
    """

    code = "rate_limited"
    status = 429
    default_message = gettext_lazy("Too many attempts. Please wait before trying again.")

    def __init__(self, retry_after: int, message: StrOrPromise | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message)

    def extra(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


def wait_words(seconds: int) -> str:
    """How long to wait, in round words: "about 3 hours", "about 20 minutes"."""
    if seconds >= 3600:
        hours = -(-seconds // 3600)
        return ngettext("about %(count)s hour", "about %(count)s hours", hours) % {"count": hours}
    minutes = max(1, -(-seconds // 60))
    return ngettext("about %(count)s minute", "about %(count)s minutes", minutes) % {
        "count": minutes
    }
