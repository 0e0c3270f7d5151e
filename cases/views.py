"""The staff case pages at /staff/: case list and case page. No JavaScript needed.

Sign-in, enrolment and the ``staff_required`` door are accounts' (``accounts.views``). A refusal
raised by a service is shown by ``_refused``, the one place these pages turn one into words."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from accounts.models import User
from accounts.views import staff_required
from audit.services import stream_entries, stream_is_valid
from cases.selectors import (
    allowed_and_blocked_transitions,
    case_for,
    case_list,
    case_summary,
    formal_consent_withdrawn_midway,
)
from cases.services.correspondence import note_add, staff_message_send
from cases.services.reading import case_attachment_read, case_read
from cases.services.transitions import case_transition
from cases.transitions import ARGUMENTS, TRANSITIONS
from cases.vocabulary import CaseState
from core.errors import DomainError, NotFoundError
from reports.attachments import attachment_response
from reports.limits import MESSAGE_MAX, characters
from reports.vocabulary import ConsentAction


def _refused(request: HttpRequest, error: DomainError, case_id: uuid.UUID) -> HttpResponse:
    """A refused action on a case page: the 404 page for a case not seen, otherwise back to the
    case with the refusal's words."""
    if isinstance(error, NotFoundError):
        return render(request, "errors/404.html", status=404)
    messages.error(request, error.page_message())
    return redirect("staff:case", case_id=case_id)


def _consent_labels(actions: list[str]) -> list[str]:
    return [str(ConsentAction(action).label) for action in actions]


@require_http_methods(["GET"])
@staff_required
def case_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    state = request.GET.get("state", "")
    due = request.GET.get("due", "")
    cases = [case_summary(case) for case in case_list(user, state=state, due=due)]
    return render(
        request,
        "cases/list.html",
        {"cases": cases, "states": CaseState.choices, "state": state, "due": due, "staff": user},
    )


@require_http_methods(["GET"])
@staff_required
def case_page(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    case = case_for(user, case_id)
    if case is None:
        return render(request, "errors/404.html", status=404)
    decrypted = case_read(case=case, actor=user)
    allowed, blocked = allowed_and_blocked_transitions(case, user)
    consents = case.report.current_consents()
    return render(
        request,
        "cases/detail.html",
        {
            "case": case_summary(case),
            "decrypted": decrypted,
            # Each allowed step with the arguments it takes now: the form draws their fields.
            "allowed": [
                (TRANSITIONS[name], TRANSITIONS[name].arguments_for(case)) for name in allowed
            ],
            "blocked": [
                {"name": item.name, "words": item.words(_consent_labels(item.missing))}
                for item in blocked
            ],
            "consents": [(str(ConsentAction(a).label), consents[a]) for a in ConsentAction.values],
            "audit": stream_entries(case.report_id)
            if policy.may_read_audit_trail(user, case)
            else [],
            "chain_valid": stream_is_valid(case.report_id),
            "formal_withdrawn_midway": formal_consent_withdrawn_midway(case),
            "staff": user,
        },
    )


@require_POST
@staff_required
def case_transition_action(request: HttpRequest, case_id: uuid.UUID, name: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    try:
        case_transition(
            case_id=case_id,
            name=name,
            actor=user,
            note=request.POST.get("note", "")[:MESSAGE_MAX],
            # Each declared argument from its form field(s); the declaration checks the codes.
            arguments={
                name: request.POST.getlist(name) if argument.many else request.POST.get(name, "")
                for name, argument in ARGUMENTS.items()
            },
        )
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(request, _("Done."))
    return redirect("staff:case", case_id=case_id)


@require_POST
@staff_required
def case_message_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    case = case_for(user, case_id)
    if case is None:
        return render(request, "errors/404.html", status=404)
    body = request.POST.get("body", "").strip()
    kind = request.POST.get("kind", "message")
    if not body or len(body) > MESSAGE_MAX:
        messages.error(
            request,
            _("Write up to %(characters)s characters.") % {"characters": characters(MESSAGE_MAX)},
        )
        return redirect("staff:case", case_id=case_id)
    try:
        if kind == "note":
            note_add(case=case, actor=user, body=body)
            messages.success(request, _("Internal note saved; the reporter does not see it."))
        else:
            staff_message_send(case=case, actor=user, body=body)
            messages.success(request, _("Message sent to the reporter."))
    except DomainError as error:
        return _refused(request, error, case_id)
    return redirect("staff:case", case_id=case_id)


@require_http_methods(["GET"])
@staff_required
def case_attachment_download(
    request: HttpRequest, case_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponseBase:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    case = case_for(user, case_id)
    if case is None:
        return render(request, "errors/404.html", status=404)
    try:
        found = case_attachment_read(case=case, actor=user, attachment_id=attachment_id)
    except DomainError as error:
        return _refused(request, error, case_id)
    if found is None:
        return render(request, "errors/404.html", status=404)
    return attachment_response(*found)
