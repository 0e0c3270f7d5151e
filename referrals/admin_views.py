"""The service directory pages of the administrator's workspace (``accounts.admin_views``):
list, add, change and remove an entity's services, through ``referrals.directory``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.admin_views import admin_required, not_found, refusal_on_form
from accounts.models import Entity, User
from accounts.selectors import entity_managed_by
from core.errors import InvalidInputError, NotFoundError
from core.paging import CURSOR_MAX_LENGTH, next_page_query
from referrals.directory import (
    ServiceEntryInputError,
    directory_entry_for,
    directory_of,
    service_entry_add,
    service_entry_change,
    service_entry_remove,
)
from referrals.forms import ServiceEntryForm


def _colleagues(entity: Entity) -> object:
    return User.objects.filter(entity=entity, is_active=True).order_by("username")


@require_http_methods(["GET", "POST"])
@admin_required
def directory_page(request: HttpRequest, admin: User, code: str) -> HttpResponse:
    entity = entity_managed_by(admin, code)
    if entity is None:
        return not_found(request)
    data = request.POST if request.method == "POST" else None
    form = ServiceEntryForm(data, colleagues=_colleagues(entity))
    if form.is_bound and form.is_valid():
        try:
            entry = service_entry_add(actor=admin, entity=entity, **form.cleaned_data)
        except ServiceEntryInputError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("%(name)s is in the directory.") % {"name": entry.name})
            return redirect("accounts:directory", code=entity.code)
    try:
        page = directory_of(admin, entity, cursor=request.GET.get("cursor", "")[:CURSOR_MAX_LENGTH])
    except InvalidInputError as refused:
        # A cursor this page did not give (an old or edited address): the first page, saying so.
        messages.error(request, refused.page_message())
        page = directory_of(admin, entity)
    return render(
        request,
        "referrals/admin/directory.html",
        {
            "staff": admin,
            "entity": entity,
            "entries": page.rows,
            "next_query": next_page_query(request, page.next_cursor),
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@admin_required
def directory_entry_page(request: HttpRequest, admin: User, entry_id: int) -> HttpResponse:
    try:
        entry = directory_entry_for(admin, entry_id)
    except NotFoundError:
        return not_found(request)
    initial = {
        "kind": entry.kind,
        "name": entry.name,
        "contact": entry.contact,
        "staff_user": entry.staff_user.username if entry.staff_user else None,
    }
    data = request.POST if request.method == "POST" else None
    form = ServiceEntryForm(data, initial=initial, colleagues=_colleagues(entry.entity))
    if form.is_bound and form.is_valid():
        try:
            service_entry_change(actor=admin, entry=entry, **form.cleaned_data)
        except ServiceEntryInputError as error:
            refusal_on_form(form, error)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": entry.name})
            return redirect("accounts:directory", code=entry.entity.code)
    return render(
        request,
        "referrals/admin/entry.html",
        {"staff": admin, "entry": entry, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@admin_required
def directory_entry_remove_page(request: HttpRequest, admin: User, entry_id: int) -> HttpResponse:
    """Removal asks first, on its own page: the confirmation works without JavaScript."""
    try:
        entry = directory_entry_for(admin, entry_id)
    except NotFoundError:
        return not_found(request)
    if request.method == "POST":
        service_entry_remove(actor=admin, entry=entry)
        messages.success(
            request,
            _("%(name)s is no longer offered for new referrals.") % {"name": entry.name},
        )
        return redirect("accounts:directory", code=entry.entity.code)
    return render(request, "referrals/admin/entry_remove.html", {"staff": admin, "entry": entry})
