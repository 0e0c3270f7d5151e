"""The staff pages at /staff/: sign-in with TOTP, case list, case page. No JavaScript needed."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts.models import User
from accounts.permissions import is_staff_member
from accounts.services import (
    InvalidCredentialsError,
    InvalidEnrolmentError,
    OtpRequiredError,
    StaffUserInputError,
    staff_enrol,
    staff_login_audit,
    staff_verify_credentials,
)
from audit.services import stream_entries, stream_is_valid
from cases import services
from cases.models import CaseState, ClosureReason, Outcome
from cases.selectors import case_for, case_list, case_summary, transition_report
from core.throttling import attempt_failed, attempts_retry_after
from reports.api import attachment_response
from reports.vocabulary import ConsentAction


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (is_staff_member(user) and getattr(user, "is_verified", lambda: False)()):
            return redirect("staff:login")
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return never_cache(wrapped)


@never_cache
@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST":
        retry_after = attempts_retry_after(request, scope="staff-login")
        if retry_after is not None:
            context["error"] = _("Too many attempts. Wait a few minutes and try again.")
            return render(request, "cases/login.html", context, status=429)
        try:
            user, device = staff_verify_credentials(
                username=request.POST.get("username", "")[:150],
                password=request.POST.get("password", "")[:200],
                otp=request.POST.get("otp", "")[:12],
            )
        except (InvalidCredentialsError, OtpRequiredError) as error:
            attempt_failed(request, scope="staff-login")
            context["error"] = (
                _("Give the current code from your authenticator app.")
                if isinstance(error, OtpRequiredError)
                else _("Wrong username or password.")
            )
            return render(request, "cases/login.html", context, status=401)
        login(request, user)
        otp_login(request, device)
        staff_login_audit(user=user, via="web")
        return redirect("staff:cases")
    return render(request, "cases/login.html", context)


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("staff:login")


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


@never_cache
@require_http_methods(["GET", "POST"])
def staff_enrol_page(request: HttpRequest) -> HttpResponse:
    """The emailed invitation: choose a password, then add the TOTP secret to an app."""
    token = request.POST.get("token") or request.GET.get("token", "")
    context: dict[str, Any] = {"token": token[:100]}
    if request.method == "POST":
        password = request.POST.get("password", "")[:200]
        if password != request.POST.get("password_again", "")[:200]:
            context["error"] = _("The two passwords differ.")
            return render(request, "cases/enrol.html", context, status=400)
        try:
            user, totp_secret = staff_enrol(token=token[:100], password=password)
        except InvalidEnrolmentError:
            context["error"] = _(
                "This invitation is unknown, used or expired. Ask an administrator for a new one."
            )
            return render(request, "cases/enrol.html", context, status=401)
        except StaffUserInputError as error:
            context["error"] = " ".join(m for ms in error.fields.values() for m in ms)
            return render(request, "cases/enrol.html", context, status=400)
        response = render(
            request, "cases/enrolled.html", {"username": user.username, "totp_secret": totp_secret}
        )
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "cases/enrol.html", context)
