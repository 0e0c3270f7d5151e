"""The reporter's feedback pages: the closing survey in the portal, and "not ready to report".

Thin: ``feedback.forms`` checks the answers, ``feedback.services`` records them. Both pages
work without JavaScript and are never cached.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import RateLimitedError, ServiceUnavailableError
from feedback.forms import NotReadyForm, SurveyForm
from feedback.selectors import SurveyStatus, survey_status
from feedback.services import SURVEY_REFUSALS, SurveyRefusedError, not_ready_record, survey_answer
from portal import services
from portal.views import reporter_required
from reports.vocabulary import ROUTE_EXPLANATIONS, Route


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    response = render(request, template, {"stats_k": settings.STATS_K, **context}, status=status)
    response["Cache-Control"] = "no-store"
    return response


# --- The closing survey ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@reporter_required
def portal_survey(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    status = survey_status(access_.report)
    if status is not SurveyStatus.OFFERED:
        refusal = SURVEY_REFUSALS[status]()
        return _render(
            request,
            "portal/survey.html",
            {"refusal": refusal.page_message(), "status": status},
            status=200 if request.method == "GET" else refusal.status,
        )
    form = SurveyForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        return _render(
            request,
            "portal/survey.html",
            {"form": form, "status": status},
            status=200 if request.method == "GET" else 400,
        )
    try:
        survey_answer(report=access_.report, answers=form.answers())
    except SurveyRefusedError as refused:
        # Changed since the page was shown (answered in another tab, consent withdrawn).
        return _render(
            request,
            "portal/survey.html",
            {"refusal": refused.page_message(), "status": status},
            status=refused.status,
        )
    messages.success(request, _("Thank you. Your answers are recorded, apart from your report."))
    return redirect("portal:portal")


# --- Not ready to report ---------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def not_ready(request: HttpRequest) -> HttpResponse:
    form = NotReadyForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        return _render(
            request,
            "portal/not_ready.html",
            {"form": form},
            status=200 if request.method == "GET" else 400,
        )
    try:
        not_ready_record(
            request=request,
            category=form.cleaned_data["category"],
            holds_back=form.cleaned_data["holds_back"],
        )
    except (RateLimitedError, ServiceUnavailableError) as refused:
        response = _render(
            request,
            "portal/not_ready.html",
            {"form": form, "refusal": refused.page_message()},
            status=refused.status,
        )
        response["Retry-After"] = str(refused.retry_after)
        return response
    # 303: the browser fetches the thanks with a GET, so a reload never sends the answer again.
    return HttpResponseRedirect(reverse("portal:not-ready-thanks"), status=303)


@never_cache
@require_GET
def not_ready_thanks(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "portal/not_ready_thanks.html",
        {"support_only": (Route.SUPPORT_ONLY.label, ROUTE_EXPLANATIONS[Route.SUPPORT_ONLY])},
    )
