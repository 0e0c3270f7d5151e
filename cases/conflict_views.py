"""The staff's declarations of conflict of interest (issue 12): their page at /staff/conflicts/,
and the case page's "I have a conflict with this case". No JavaScript needed."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from accounts.models import User
from accounts.views import staff_required
from cases.selectors import case_by_reference, case_for, conflicts_declared_by
from cases.services.conflicts import conflict_declare
from core.errors import DomainError, InvalidInputError
from core.pages import not_found

PERSON_NAME_MAX = 200


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    return user


@require_http_methods(["GET", "POST"])
@staff_required
def conflicts_page(request: HttpRequest) -> HttpResponse:
    user = _member(request)
    if not policy.may_declare_conflict(user):
        return not_found(request)
    errors: dict[str, list[str]] = {}
    values = {"reference": "", "person_name": ""}
    if request.method == "POST":
        values = {
            "reference": request.POST.get("reference", "").strip()[:32],
            "person_name": request.POST.get("person_name", "")[:PERSON_NAME_MAX],
        }
        case = case_by_reference(user, values["reference"]) if values["reference"] else None
        try:
            if values["reference"] and case is None:
                raise InvalidInputError(
                    {"reference": [_("No case you can see has this reference.")]}
                )
            conflict_declare(actor=user, case=case, person_name=values["person_name"])
        except InvalidInputError as error:
            errors = error.fields
        except DomainError as error:
            errors = {"person_name": [error.page_message()]}
        else:
            messages.success(request, _("Your conflict of interest is recorded."))
            return redirect("staff:conflicts")
    return render(
        request,
        "cases/conflicts.html",
        {
            "staff": user,
            "declarations": conflicts_declared_by(user),
            "errors": errors,
            "values": values,
        },
        status=400 if errors else 200,
    )


@require_POST
@staff_required
def case_conflict_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """ "I have a conflict with this case": the case leaves the member's pages at once."""
    user = _member(request)
    case = case_for(user, case_id)
    if case is None:
        return not_found(request)
    try:
        conflict_declare(actor=user, case=case)
    except DomainError as error:
        messages.error(request, error.page_message())
        return redirect("staff:case", case_id=case_id)
    messages.success(
        request,
        _(
            "Your conflict of interest with %(reference)s is recorded: the case no longer appears "
            "to you, and it cannot be given to you."
        )
        % {"reference": case.report.reference},
    )
    return redirect("staff:conflicts")
