"""Pages anyone can read without making a report: staying safe, and where to find support.

Neither needs a session or records anything about the visit (issue 11).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Entity
from portal.services import INTAKE_FORM_KEPT, SESSION_ABSOLUTE, SESSION_IDLE
from referrals.selectors import support_directory


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
        {"entities": Entity.objects.filter(accepts_reports=True).order_by("name")},
    )


@require_GET
def support(request: HttpRequest, entity_code: str) -> HttpResponse:
    entity = Entity.objects.filter(code=entity_code, accepts_reports=True).first()
    if entity is None:
        raise Http404
    return render(
        request,
        "portal/support.html",
        {"entity": entity, "directory": support_directory(entity_id=entity.pk)},
    )
