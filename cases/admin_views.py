"""The administrator's departure page: a colleague leaves, their open cases go to a successor
(``cases.services.departure``), and their account closes. A page of the workspace in
``accounts.admin_views``; here because the hand-over is a write on cases."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.admin_views import admin_required, not_found
from accounts.models import User
from accounts.selectors import staff_member_managed_by, successors_for
from cases.services.departure import open_cases_held_by, staff_departure
from core.errors import DomainError


@require_http_methods(["GET", "POST"])
@admin_required
def staff_departure_page(request: HttpRequest, admin: User, username: str) -> HttpResponse:
    departing = staff_member_managed_by(admin, username)
    if departing is None or not departing.is_active:
        return not_found(request)
    successors = successors_for(admin, departing)
    status = 200
    if request.method == "POST":
        chosen = request.POST.get("successor", "")[:150]
        successor = next((user for user in successors if user.username == chosen), None)
        try:
            departure = staff_departure(actor=admin, departing=departing, successor=successor)
        except DomainError as error:
            messages.error(request, error.page_message())
            status = 400
        else:
            messages.success(
                request,
                _("%(username)s can no longer sign in.") % {"username": departing.username},
            )
            if departure.moved:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d case moved to %(successor)s.",
                        "%(count)d cases moved to %(successor)s.",
                        departure.moved,
                    )
                    % {"count": departure.moved, "successor": chosen},
                )
            if departure.awaiting_approval:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)d case waits for a second focal point's approval: its reporter "
                        "has not agreed to share their name with someone new.",
                        "%(count)d cases wait for a second focal point's approval: their "
                        "reporters have not agreed to share their name with someone new.",
                        departure.awaiting_approval,
                    )
                    % {"count": departure.awaiting_approval},
                )
            return redirect("accounts:admin_home")
    return render(
        request,
        "cases/admin/departure.html",
        {
            "staff": admin,
            "departing": departing,
            "open_cases": open_cases_held_by(departing),
            "successors": successors,
        },
        status=status,
    )
