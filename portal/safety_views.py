"""Pages anyone can read without making a report: staying safe, where to find support, and
how a bystander can act (the upstander page, issue 12).

None needs a session or records anything about the visit (issue 11).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.selectors import entities_open_to_reports
from portal.services import INTAKE_FORM_KEPT, SESSION_ABSOLUTE, SESSION_IDLE
from referrals.selectors import support_directory
from reports.vocabulary import ReporterRole, Route


@require_GET
def staying_safe(request: HttpRequest) -> HttpResponse:
    # The figures come from the code that enforces them, so the page cannot drift from it.
    return render(
        request,
        "portal/staying_safe.html",
        {
            "idle_minutes": int(SESSION_IDLE.total_seconds() // 60),
            "absolute_hours": int(SESSION_ABSOLUTE.total_seconds() // 3600),
            "form_days": INTAKE_FORM_KEPT.days,
        },
    )


@require_GET
def support_entities(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/support_entities.html",
        {"entities": entities_open_to_reports().order_by("name")},
    )


@require_GET
def support(request: HttpRequest, entity_code: str) -> HttpResponse:
    entity = entities_open_to_reports().filter(code=entity_code).first()
    if entity is None:
        raise Http404
    return render(
        request,
        "portal/support.html",
        {"entity": entity, "directory": support_directory(entity_id=entity.pk)},
    )


@require_GET
def upstander(request: HttpRequest) -> HttpResponse:
    """The five Ds for a bystander, each with what this service offers for it."""
    record_query = f"reporter_role={ReporterRole.WITNESS}&route={Route.RECORD_ONLY}"
    return render(
        request,
        "portal/upstander.html",
        {
            "entities": entities_open_to_reports().order_by("name"),
            # A witness's dated note: the intake opened with these answers, each shown and
            # changeable on its step, no consent among them.
            "record_url": f"{reverse('portal:intake')}?{record_query}",
            # Written out in full so that it can be copied into a message or onto paper.
            "service_address": request.build_absolute_uri(reverse("home")),
            "support_address": request.build_absolute_uri(reverse("portal:support-entities")),
        },
    )
