"""The reporter's pages about retaliation (issue 12): "something happened since", at any time,
and the answer to a check-in after the case was closed. Both work without JavaScript and are
never cached; the new report's receipt is shown once, on the receipt page, like any other."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import InvalidInputError
from portal import services
from portal.forms import RetaliationForm
from portal.intake_limit import IntakeLimitError
from portal.receipt_handoff import (
    receipt_handoff_ticket,
)
from portal.retaliation import (
    CheckInNotFoundError,
    RetaliationAccount,
    check_in_answer,
    retaliation_report_submit,
)
from portal.views import receipt_shown_once, redirect_to_receipt, reporter_required
from reports.limits import RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS
from reports.vocabulary import CheckInAnswer, Route


def _render_form(
    request: HttpRequest, form: RetaliationForm, intake_form_key: str, *, status: int = 200
) -> HttpResponse:
    response = render(
        request,
        "portal/something_happened.html",
        {
            "form": form,
            "intake_form_key": intake_form_key,
            "working_days": RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@reporter_required
def something_happened(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    """File a report of retaliation linked to the signed-in reporter's report."""
    if request.method == "GET":
        return _render_form(request, RetaliationForm(), services.intake_form_key_new())
    form = RetaliationForm(request.POST)
    intake_form_key = request.POST.get("intake_form_key", "")
    if not services.intake_form_key_valid(intake_form_key):
        intake_form_key = services.intake_form_key_new()
        form.add_error(None, _("This form is incomplete. Please open it again from the start."))
    if not form.is_valid():
        return _render_form(request, form, intake_form_key, status=400)
    if services.intake_form_already_sent(intake_form_key):
        return redirect_to_receipt(receipt_handoff_ticket(intake_form_key), query="?already=1")
    data = form.cleaned_data
    account = RetaliationAccount(
        narrative=data["narrative"],
        route=data["route"],
        informal_channel=data["informal_channel"] if data["route"] == Route.INFORMAL else "",
        consents=form.consents(),
    )
    try:
        return receipt_shown_once(
            request,
            lambda on_stored: retaliation_report_submit(
                access=access_,
                account=account,
                intake_form_key=intake_form_key,
                on_stored=on_stored,
            ),
            intake_form_key,
        )
    except IntakeLimitError as limited:
        # A double tap: the first copy filed, or is filing, this form.
        if services.intake_form_sent_meanwhile(intake_form_key):
            return redirect_to_receipt(receipt_handoff_ticket(intake_form_key), query="?already=1")
        form.add_error(None, limited.page_message())
        response = _render_form(request, form, intake_form_key, status=limited.status)
        response["Retry-After"] = str(limited.retry_after)
        return response
    except (InvalidInputError, services.ResealingConflictError) as refused:
        form.add_error(None, refused.page_message())
        return _render_form(request, form, intake_form_key, status=refused.status)


@require_POST
@reporter_required
def check_in(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    """The reporter answers the check-in the portal showed."""
    answer = request.POST.get("answer", "")
    try:
        check_in_answer(
            access=access_, check_in_id=request.POST.get("check_in_id", ""), answer=answer
        )
    except (InvalidInputError, CheckInNotFoundError) as refused:
        messages.error(request, refused.page_message())
        return redirect("portal:portal")
    if answer == CheckInAnswer.SOMETHING_HAPPENED:
        messages.info(
            request,
            _(
                "Thank you for telling us. Nobody has been told yet: say what happened below "
                "and choose what may be done, or go back to your report."
            ),
        )
        return redirect(reverse("portal:something-happened"))
    messages.success(request, _("Thank you. We are glad to hear it."))
    return redirect("portal:portal")
