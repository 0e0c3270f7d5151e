"""The administrator's forms: they check the shape of what was typed; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Entity, Role, Seniority

# The same shape the API accepts for a username (accounts.api.StaffUserSerializer).
USERNAME_PATTERN = r"^[A-Za-z0-9_.@+-]{3,150}$"


class InvitationForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        regex=USERNAME_PATTERN,
        max_length=150,
        error_messages={"invalid": _("Use 3 to 150 letters, digits or . _ @ + -")},
    )
    email = forms.EmailField(label=_("Email address"), max_length=254)
    full_name = forms.CharField(
        label=_("Full name (optional)"),
        max_length=200,
        required=False,
        help_text=_(
            "Kept only as a keyed fingerprint: a report naming this person is kept away from them."
        ),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    entity = forms.ModelChoiceField(
        label=_("Entity"),
        queryset=Entity.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("None (system-wide administrator)"),
    )

    def __init__(self, *args: Any, entities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["entity"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above  # nosec B101
        field.queryset = entities


class EntityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    publishes_transparency_report = forms.BooleanField(
        label=_("Publish its approved transparency report openly"), required=False
    )
    feedback_due_months = forms.IntegerField(
        label=_("Feedback to the reporter is due (months after acknowledgement)"),
        min_value=1,
        max_value=12,
        initial=3,
    )
    focal_point_contact = forms.CharField(
        label=_("How to reach the focal point (optional)"),
        help_text=_(
            "Shown on the public support and upstander pages: an office, a phone line or a "
            "shared mailbox, never a person's name."
        ),
        max_length=300,
        required=False,
    )


class NewEntityForm(EntityForm):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[A-Z0-9-]{2,20}$",
        max_length=20,
        error_messages={"invalid": _("Use 2 to 20 capital letters, digits or hyphens.")},
    )
    field_order = [
        "code",
        "name",
        "publishes_transparency_report",
        "feedback_due_months",
        "focal_point_contact",
    ]


class EntityRoutingForm(forms.Form):
    senior_band = forms.ChoiceField(
        label=_("A case about someone this senior or more goes to an independent handler"),
        choices=[("", _("No band: every case stays with this entity")), *Seniority.choices],
        required=False,
    )
    independent_handler = forms.ModelChoiceField(
        label=_("Independent handler (another entity's office, or a central one)"),
        queryset=Entity.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("None"),
    )

    def __init__(self, *args: Any, entity: Entity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["independent_handler"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above  # nosec B101
        field.queryset = Entity.objects.exclude(pk=entity.pk).order_by("code")
