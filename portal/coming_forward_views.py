"""The pages of the affected person's way to come forward (issue 12; ``portal.coming_forward``):
the witness takes a code in their portal, the affected person reads what it means on a public
page, files their own report and, only if they agree, links it in their own portal."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError
from portal import services
from portal.coming_forward import affected_person_code_issue, affected_person_link
from portal.views import reporter_required


@require_GET
def come_forward(request: HttpRequest) -> HttpResponse:
    """What a code from a witness means, for the person it happened to; no session, nothing
    recorded about the visit."""
    return render(request, "portal/come_forward.html")


@never_cache
@require_POST
@reporter_required
def affected_person_code(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    try:
        code = affected_person_code_issue(access=access_)
    except DomainError as refused:
        messages.error(request, refused.page_message())
        return redirect("portal:portal")
    # Shown once, on this answer only: it is stored nowhere.
    response = render(
        request,
        "portal/affected_person_code.html",
        {
            "code": code,
            "come_forward_url": request.build_absolute_uri(reverse("portal:come-forward")),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@reporter_required
def affected_person_link_action(
    request: HttpRequest, access_: services.ReporterAccess
) -> HttpResponse:
    if request.POST.get("agree") != "yes":
        messages.error(
            request, _("Your report is linked only if you tick the box to agree; nothing changed.")
        )
        return redirect(reverse("portal:portal") + "#come-forward")
    try:
        affected_person_link(access=access_, code=request.POST.get("code", "")[:64])
    except DomainError as refused:
        messages.error(request, refused.page_message())
        return redirect(reverse("portal:portal") + "#come-forward")
    messages.success(
        request,
        _(
            "Your report is linked to the witness's. Formal steps about you on their report now "
            "follow your consents here."
        ),
    )
    return redirect("portal:portal")
