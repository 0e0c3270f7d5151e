"""The staff-account pages at /staff/: sign-in with password and TOTP, sign-out, enrolment
from the emailed invitation, and ``staff_required``, the door every staff page goes through."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts import policy
from accounts.models import User
from accounts.policy import is_staff_member
from accounts.reading_session import reading_key_forget, reading_key_keep
from accounts.services import (
    InvalidEnrolmentError,
    OtpRefusedError,
    PasswordChangeError,
    PasswordRefusedError,
    StaffUserInputError,
    WrongRecoveryKeyError,
    staff_enrol,
    staff_login_audit,
    staff_password_change,
    staff_reading_key_unlock,
    staff_reading_keys_pass_on,
    staff_settings_set,
    staff_verify_credentials,
    time_zone_choices,
)
from core.errors import ServiceUnavailableError
from core.language_choice import (
    language_from_browser,
    offered_languages,
    staff_language_activate,
)
from core.throttling import attempt_start, attempt_succeeded


def staff_permissions(request: HttpRequest) -> dict[str, bool]:
    """Template context: what the signed-in staff member may open, asked of the policy."""
    # A page refused before authentication ran (a NUL byte in the request) has no user.
    user = getattr(request, "user", None)
    if user is None or not is_staff_member(user):
        return {"reads_statistics": False, "reaches_cases": False, "manages_users": False}
    return {
        "manages_users": policy.manages_users(user),
        "reads_statistics": policy.reads_statistics(user),
        "reaches_cases": policy.case_reach(user) is not policy.CaseReach.NONE,
    }


def _zone(name: str) -> zoneinfo.ZoneInfo:
    """The member's chosen zone; UTC if the name is no longer one this system knows."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def staff_landing(user: User) -> str:
    """Where a staff member starts: the cases their role reaches (the focal point's queue, the
    ombudsperson's referred cases, the investigator's assigned ones), or, for those who reach
    no case, the administrators' workspace or the statistics dashboard (leadership)."""
    # Administrators start on their workspace; leadership reaches no case: the statistics.
    if policy.manages_users(user):
        return "accounts:admin_home"
    if policy.case_reach(user) is not policy.CaseReach.NONE:
        return "staff:cases"
    return "dashboard" if policy.reads_statistics(user) else "staff:settings"


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (is_staff_member(user) and getattr(user, "is_verified", lambda: False)()):
            return redirect("staff:login")
        staff_language_activate(request, user.language)
        # Every date a staff page shows, and its "today" (what is overdue), is the member's own.
        with timezone.override(_zone(user.time_zone)):
            response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return never_cache(wrapped)


@never_cache
@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST":
        try:
            # Counted as failed until it succeeds, per address and per account.
            attempt = attempt_start(
                request, scope="staff-login", account=request.POST.get("username", "")[:150]
            )
        except ServiceUnavailableError as unavailable:
            context["error"] = unavailable.page_message()
            response = render(request, "accounts/login.html", context, status=unavailable.status)
            response["Retry-After"] = str(unavailable.retry_after)
            return response
        if attempt.retry_after is not None:
            context["error"] = _("Too many attempts. Wait a few minutes and try again.")
            response = render(request, "accounts/login.html", context, status=429)
            response["Retry-After"] = str(attempt.retry_after)
            return response
        try:
            user, device = staff_verify_credentials(
                username=request.POST.get("username", "")[:150],
                password=request.POST.get("password", "")[:200],
                otp=request.POST.get("otp", "")[:12],
            )
        except (PasswordRefusedError, OtpRefusedError) as error:
            context["error"] = error.page_message()
            return render(request, "accounts/login.html", context, status=error.status)
        attempt_succeeded(attempt)
        unlocked = staff_reading_key_unlock(user, request.POST.get("password", "")[:200])
        login(request, user)
        otp_login(request, device)
        staff_login_audit(user=user, via="web")
        staff_reading_keys_pass_on(user)
        enrolled = getattr(user, "reading_key_enrolled", None)
        if enrolled is not None:
            # A member from before reading keys got theirs now: its recovery key, shown once.
            response = render(
                request,
                "accounts/recovery_key.html",
                {"recovery_key": enrolled.recovery_key, "next": reverse(staff_landing(user))},
            )
        else:
            response = redirect(staff_landing(user))
        reading_key_keep(request, response, unlocked)
        return response
    return render(request, "accounts/login.html", context)


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponse:
    logout(request)
    response = redirect("staff:login")
    reading_key_forget(response)
    return response


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
            return render(request, "accounts/enrol.html", context, status=400)
        try:
            user, totp_secret = staff_enrol(
                token=token[:100],
                password=password,
                recovery_key=request.POST.get("recovery_key", "")[:200],
            )
        except (InvalidEnrolmentError, StaffUserInputError, WrongRecoveryKeyError) as error:
            context["error"] = error.page_message()
            return render(request, "accounts/enrol.html", context, status=error.status)
        enrolled = getattr(user, "reading_key_enrolled", None)
        response = render(
            request,
            "accounts/enrolled.html",
            {
                "username": user.username,
                "totp_secret": totp_secret,
                "recovery_key": enrolled.recovery_key if enrolled else "",
            },
        )
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "accounts/enrol.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def staff_settings_page(request: HttpRequest) -> HttpResponse:
    """The staff member's own settings: the time zone their pages show dates in, and the
    language of their pages and of the emails sent to them."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    context: dict[str, Any] = {
        "staff": user,
        "zones": time_zone_choices(),
        "languages": [
            # Each language in its own words, as the language switch names them.
            (code, translation.get_language_info(code)["name_local"])
            for code, _name in offered_languages()
        ],
        "errors": {},
    }
    if request.method == "POST":
        try:
            staff_settings_set(
                actor=user,
                time_zone=request.POST.get("time_zone", "")[:64],
                language=request.POST.get("language", user.language)[:16],
            )
        except StaffUserInputError as error:
            context["errors"] = error.fields
            return render(request, "accounts/settings.html", context, status=error.status)
        # This confirmation and the next page are in the language just chosen: the next page
        # at its unprefixed address, where the member's choice applies (core.language_choice).
        with translation.override(user.language or language_from_browser(request)):
            messages.success(
                request, _("Saved. Dates are now shown in %(zone)s.") % {"zone": user.time_zone}
            )
        with translation.override(settings.LANGUAGE_CODE):
            return redirect(reverse("staff:settings", urlconf=settings.ROOT_URLCONF))
    return render(request, "accounts/settings.html", context)


@require_http_methods(["GET", "POST"])
@staff_required
def staff_password_page(request: HttpRequest) -> HttpResponse:
    """The staff member changes their own password; their reading key is re-encrypted under
    the new one. The session stays signed in, and its unlocked key (sealed under the cookie's
    secret, not under the password) keeps working."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    context: dict[str, Any] = {"staff": user, "errors": {}}
    if request.method == "POST":
        # Someone at an unattended session must not be able to guess the password here.
        try:
            attempt = attempt_start(request, scope="staff-password", account=user.username)
        except ServiceUnavailableError as unavailable:
            context["errors"] = {"current_password": [unavailable.page_message()]}
            response = render(request, "accounts/password.html", context, status=unavailable.status)
            response["Retry-After"] = str(unavailable.retry_after)
            return response
        if attempt.retry_after is not None:
            context["errors"] = {
                "current_password": [_("Too many attempts. Wait a few minutes and try again.")]
            }
            response = render(request, "accounts/password.html", context, status=429)
            response["Retry-After"] = str(attempt.retry_after)
            return response
        new = request.POST.get("new_password", "")[:200]
        if new != request.POST.get("new_password_again", "")[:200]:
            context["errors"] = {"new_password_again": [_("The two new passwords differ.")]}
            return render(request, "accounts/password.html", context, status=400)
        try:
            staff_password_change(
                actor=user, current=request.POST.get("current_password", "")[:200], new=new
            )
        except PasswordChangeError as error:
            context["errors"] = error.fields
            return render(request, "accounts/password.html", context, status=error.status)
        attempt_succeeded(attempt)
        # Without this the session, tied to the old password's hash, would end here.
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed. Use it the next time you sign in."))
        return redirect("staff:settings")
    return render(request, "accounts/password.html", context)
