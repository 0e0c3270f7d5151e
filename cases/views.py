"""The staff case pages at /staff/: case list and case page. No JavaScript needed.

Sign-in, enrolment and the ``staff_required`` door are accounts' (``accounts.views``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.views import staff_required
from audit.services import stream_entries, stream_is_valid
from cases import services
from cases.models import CaseState, ClosureReason, Outcome
from cases.selectors import case_for, case_list, case_summary, transition_report
from reports.attachments import attachment_response
from reports.vocabulary import ConsentAction


@require_http_methods(["GET"])
@staff_required
def case_list_page(request: HttpRequest) -> HttpResponse:
    user = request.user
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
def case_page(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required
    case = case_for(user, case_id)
    if case is None:
        return render(request, "errors/404.html", status=404)
    decrypted = services.case_read(case=case, actor=user)
    allowed, blocked = transition_report(case, user)
    consents = case.report.current_consents()
    return render(
        request,
        "cases/detail.html",
        {
            "case": case_summary(case),
            "decrypted": decrypted,
            "allowed": allowed,
            "blocked": [
                {**item, "missing_labels": [str(ConsentAction(m).label) for m in item["missing"]]}
                for item in blocked
            ],
            "consents": [(str(ConsentAction(a).label), consents[a]) for a in ConsentAction.values],
            "audit": stream_entries(case.report_id) if user.role == "focal_point" else [],
            "chain_valid": stream_is_valid(case.report_id),
            "outcomes": Outcome.choices,
            "closure_reasons": ClosureReason.choices,
            "staff": user,
        },
    )


@require_POST
@staff_required
def case_transition_action(request: HttpRequest, case_id: Any, name: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required
    try:
        services.case_transition(
            case_id=case_id,
            name=name,
            actor=user,
            note=request.POST.get("note", "")[:10000],
            outcome=request.POST.get("outcome", ""),
            closure_reason=request.POST.get("closure_reason", ""),
        )
        messages.success(request, _("Done."))
    except services.ConsentRequiredError as error:
        labels = ", ".join(str(ConsentAction(m).label) for m in error.missing)
        messages.error(request, _("The reporter has not consented: %(what)s.") % {"what": labels})
    except services.TransitionNotAllowedError:
        messages.error(request, _("This step is not possible from the current state."))
    except services.CaseConflictError:
        messages.error(
            request,
            _("Someone changed this case at the same time; nothing was written. Check and retry."),
        )
    except services.CaseInputError as error:
        messages.error(request, " ".join(m for ms in error.fields.values() for m in ms))
    except services.CaseForbiddenError:
        messages.error(request, _("Your role does not allow this step."))
    except services.REPORT_UNREADABLE:
        messages.error(request, _("The reporter has withdrawn case review: the report is sealed."))
    except Exception as error:
        if error.__class__.__name__ != "DoesNotExist":
            raise
        return render(request, "errors/404.html", status=404)
    return redirect("staff:case", case_id=case_id)


@require_POST
@staff_required
def case_message_action(request: HttpRequest, case_id: Any) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required
    case = case_for(user, case_id)
    if case is None:
        return render(request, "errors/404.html", status=404)
    body = request.POST.get("body", "").strip()
    kind = request.POST.get("kind", "message")
    if not body or len(body) > 10000:
        messages.error(request, _("Write up to 10,000 characters."))
        return redirect("staff:case", case_id=case_id)
    try:
        if kind == "note":
            if user.role != "focal_point":
                messages.error(request, _("Your role does not allow this step."))
                return redirect("staff:case", case_id=case_id)
            services.note_add(case=case, actor=user, body=body)
            messages.success(request, _("Internal note saved; the reporter does not see it."))
        else:
            services.staff_message_send(case=case, actor=user, body=body)
            messages.success(request, _("Message sent to the reporter."))
    except services.REPORT_UNREADABLE:
        messages.error(request, _("The reporter has withdrawn case review: the report is sealed."))
    return redirect("staff:case", case_id=case_id)


@require_http_methods(["GET"])
@staff_required
def case_attachment_download(
    request: HttpRequest, case_id: Any, attachment_id: Any
) -> HttpResponseBase:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required
    case = case_for(user, case_id)
    found = (
        services.case_attachment_read(case=case, actor=user, attachment_id=attachment_id)
        if case
        else None
    )
    if found is None:
        return render(request, "errors/404.html", status=404)
    return attachment_response(*found)
