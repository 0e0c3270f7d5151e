"""The directory entry form of the administrator's workspace."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from referrals.models import ServiceKind


class ServiceEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of service"), choices=ServiceKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    contact = forms.CharField(
        label=_("How to reach it"),
        max_length=300,
        required=False,
        help_text=_("A phone number, an address or opening hours, as reporters and staff need."),
    )
    staff_user = forms.ModelChoiceField(
        label=_("Colleague in Upstander who receives its referrals"),
        queryset=User.objects.none(),
        required=False,
        to_field_name="username",
        empty_label=_("Nobody (a service outside Upstander)"),
    )

    def __init__(self, *args: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["staff_user"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above  # nosec B101
        field.queryset = colleagues
