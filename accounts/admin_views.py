"""The administrator's workspace at /staff/admin/: staff of their entity (or of all, when
system-wide), invitations, roles and entities. Each page asks ``accounts.policy`` and writes
through ``accounts.services``; anyone else gets the 404 page, as for something that is not there.

The departure page (hand-over, then deactivation) is ``cases.admin_views``, and the service
directory ``referrals.admin_views``: they sit in the apps whose writes they call.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from accounts.forms import EntityForm, EntityRoutingForm, InvitationForm, NewEntityForm
from accounts.models import Entity, Role, User
from accounts.selectors import (
    entities_managed_by,
    entity_managed_by,
    staff_member_managed_by,
    staff_page_managed_by,
)
from accounts.services import (
    EntityInputError,
    StaffUserInputError,
    entity_change,
    entity_create,
    entity_routing_set,
    staff_invitation_resend,
    staff_role_change,
    staff_senior_focal_point_set,
    staff_sign_in_reset,
    staff_user_create,
)
from accounts.views import staff_required
from core.errors import InvalidInputError
from core.paging import CURSOR_MAX_LENGTH, next_page_query
from vault.readers import EntityRecoveryKey


def admin_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A signed-in administrator, passed to the view as ``admin``; the 404 page for anyone else."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not (isinstance(user, User) and policy.manages_users(user)):
            return render(request, "errors/404.html", status=404)
        return view(request, *args, admin=user, **kwargs)

    return staff_required(wrapped)


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def refusal_on_form(form: forms.Form, error: InvalidInputError) -> None:
    """A service's refusal shown on the form, beside the field it names (or above the form)."""
    for field, words in error.fields.items():
        for word in words:
            form.add_error(field if field in form.fields else None, word)


def _home(
    request: HttpRequest, admin: User, invitation: InvitationForm, status: int = 200
) -> HttpResponse:
    try:
        page = staff_page_managed_by(
            admin, cursor=request.GET.get("cursor", "")[:CURSOR_MAX_LENGTH]
        )
    except InvalidInputError as refused:
        # A cursor this page did not give (an old or edited address): the first page, saying so.
        messages.error(request, refused.page_message())
        page = staff_page_managed_by(admin)
    members = page.rows
    return render(
        request,
        "accounts/admin/home.html",
        {
            "staff": admin,
            "members": members,
            "next_query": next_page_query(request, page.next_cursor),
            # Who may be named senior focal point (issue 12): the policy's, not the template's.
            "senior_candidates": {
                member.pk for member in members if policy.may_be_senior_focal_point(member)
            },
            "invitation": invitation,
            "roles": Role.choices,
            "entities": entities_managed_by(admin),
        },
        status=status,
    )


@require_http_methods(["GET"])
@admin_required
def admin_home(request: HttpRequest, admin: User) -> HttpResponse:
    return _home(request, admin, InvitationForm(entities=entities_managed_by(admin)))


@require_POST
@admin_required
def staff_invite_action(request: HttpRequest, admin: User) -> HttpResponse:
    form = InvitationForm(request.POST, entities=entities_managed_by(admin))
    if form.is_valid():
        try:
            user = staff_user_create(
                actor=admin,
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                entity=form.cleaned_data["entity"],
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
            )
        except StaffUserInputError as error:
            refusal_on_form(form, error)
        else:
            messages.success(
                request,
                _("%(username)s is invited: the email with their enrolment link is on its way.")
                % {"username": user.username},
            )
            return redirect("accounts:admin_home")
    return _home(request, admin, form, status=400)


@require_POST
@admin_required
def staff_invitation_resend_action(
    request: HttpRequest, admin: User, username: str
) -> HttpResponse:
    member = staff_member_managed_by(admin, username)
    if member is None:
        return not_found(request)
    try:
        staff_invitation_resend(actor=admin, user=member)
    except StaffUserInputError as error:
        messages.error(request, error.page_message())
    else:
        messages.success(
            request,
            _("A new invitation is on its way to %(username)s; the earlier one no longer works.")
            % {"username": member.username},
        )
    return redirect("accounts:admin_home")


@require_POST
@admin_required
def staff_sign_in_reset_action(request: HttpRequest, admin: User, username: str) -> HttpResponse:
    """A colleague lost their password or authenticator: they enrol again from a new email.
    The administrator neither learns nor sets their password, and gains no reading right."""
    member = staff_member_managed_by(admin, username)
    if member is None:
        return not_found(request)
    try:
        staff_sign_in_reset(actor=admin, user=member)
    except StaffUserInputError as error:
        messages.error(request, error.page_message())
    else:
        messages.success(
            request,
            _(
                "%(username)s can no longer sign in with their old password or authenticator. "
                "An invitation to enrol again is on its way to them. With the recovery key they "
                "were shown at their first enrolment, they keep reading their cases; without "
                "it, they read them again once a colleague who can signs in."
            )
            % {"username": member.username},
        )
    return redirect("accounts:admin_home")


@require_POST
@admin_required
def staff_role_action(request: HttpRequest, admin: User, username: str) -> HttpResponse:
    member = staff_member_managed_by(admin, username)
    if member is None:
        return not_found(request)
    # An unknown role reaches the service as it is: it refuses it with its own words.
    role = request.POST.get("role", "")[:20]
    try:
        staff_role_change(actor=admin, user=member, role=role)
    except StaffUserInputError as error:
        messages.error(request, error.page_message())
    else:
        messages.success(
            request,
            _("%(username)s is now: %(role)s.")
            % {"username": member.username, "role": member.get_role_display()},
        )
    return redirect("accounts:admin_home")


@require_POST
@admin_required
def staff_senior_action(request: HttpRequest, admin: User, username: str) -> HttpResponse:
    member = staff_member_managed_by(admin, username)
    if member is None:
        return not_found(request)
    senior = request.POST.get("senior") == "yes"
    try:
        staff_senior_focal_point_set(actor=admin, user=member, senior=senior)
    except StaffUserInputError as error:
        messages.error(request, error.page_message())
    else:
        messages.success(
            request,
            (
                _("%(username)s is now a senior focal point: reports of retaliation reach them.")
                if senior
                else _("%(username)s is no longer a senior focal point.")
            )
            % {"username": member.username},
        )
    return redirect("accounts:admin_home")


@require_http_methods(["GET", "POST"])
@admin_required
def entity_list_page(request: HttpRequest, admin: User) -> HttpResponse:
    may_create = policy.creates_entities(admin)
    form = NewEntityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_create:
            return not_found(request)
        if form.is_valid():
            try:
                entity = entity_create(actor=admin, **form.cleaned_data)
            except EntityInputError as error:
                refusal_on_form(form, error)
            else:
                # The private recovery key exists nowhere else: this answer is its only showing
                # (staff pages are never cached), so no redirect that would lose it.
                recovery: EntityRecoveryKey = entity.recovery_key_shown_once  # type: ignore[attr-defined]
                return render(
                    request,
                    "accounts/admin/entity_recovery_key.html",
                    {
                        "staff": admin,
                        "entity": entity,
                        "recovery_key": recovery.private_key,
                        "first_share": recovery.shares[0],
                        "second_share": recovery.shares[1],
                    },
                )
    return render(
        request,
        "accounts/admin/entities.html",
        {
            "staff": admin,
            "entities": entities_managed_by(admin),
            "form": form if may_create else None,
        },
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@admin_required
def entity_page(request: HttpRequest, admin: User, code: str) -> HttpResponse:
    entity = entity_managed_by(admin, code)
    if entity is None:
        return not_found(request)
    form = EntityForm(
        request.POST if request.method == "POST" else None, initial=_entity_settings(entity)
    )
    if request.method == "POST" and form.is_valid():
        try:
            entity_change(actor=admin, entity=entity, **form.cleaned_data)
        except EntityInputError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": entity.name})
            return redirect("accounts:entity", code=entity.code)
    return _entity_page(request, admin, entity, form=form)


def _entity_settings(entity: Entity) -> dict[str, object]:
    return {
        "name": entity.name,
        "publishes_transparency_report": entity.publishes_transparency_report,
        "feedback_due_months": entity.feedback_due_months,
        "focal_point_contact": entity.focal_point_contact,
    }


def _entity_page(
    request: HttpRequest,
    admin: User,
    entity: Entity,
    *,
    form: EntityForm | None = None,
    routing: EntityRoutingForm | None = None,
) -> HttpResponse:
    bound = (form is not None and form.is_bound) or (routing is not None and routing.is_bound)
    if form is None:
        form = EntityForm(initial=_entity_settings(entity))
    if routing is None:
        routing = EntityRoutingForm(
            entity=entity,
            initial={
                "senior_band": entity.senior_band,
                "independent_handler": (
                    entity.independent_handler.code if entity.independent_handler else None
                ),
            },
        )
    return render(
        request,
        "accounts/admin/entity.html",
        {"staff": admin, "entity": entity, "form": form, "routing": routing},
        status=400 if bound else 200,
    )


@require_POST
@admin_required
def entity_routing_action(request: HttpRequest, admin: User, code: str) -> HttpResponse:
    """Where cases about senior staff go (issue 12)."""
    entity = entity_managed_by(admin, code)
    if entity is None:
        return not_found(request)
    routing = EntityRoutingForm(request.POST, entity=entity)
    if routing.is_valid():
        try:
            entity_routing_set(actor=admin, entity=entity, **routing.cleaned_data)
        except EntityInputError as error:
            refusal_on_form(routing, error)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": entity.name})
            return redirect("accounts:entity", code=entity.code)
    return _entity_page(request, admin, entity, routing=routing)
