"""Entities (the organisations that accept reports) and the staff who handle them.

Reporters have no account: they hold a receipt instead (see ``reports``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.language_choice import offered_languages


class Seniority(models.TextChoices):
    """How senior a person is, in bands every UN entity shares (lowest first).

    The reporter answers it about the alleged perpetrator; each entity sets the band from which
    a case goes to an independent handler outside its line (``Entity.senior_band``).
    """

    GENERAL_SERVICE = "general_service", _("General Service or national staff")
    PROFESSIONAL = "professional", _("Professional (P-1 to P-5)")
    DIRECTOR = "director", _("Director (D-1, D-2)")
    SENIOR_LEADERSHIP = (
        "senior_leadership",
        _("Senior leadership (Assistant Secretary-General and above, head of the entity)"),
    )

    @classmethod
    def reaches(cls, seniority: str, band: str) -> bool:
        """Whether ``seniority`` is ``band`` or above it; an unknown answer reaches no band."""
        order = list(cls.values)
        return seniority in order and band in order and order.index(seniority) >= order.index(band)


class Entity(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    accepts_reports = models.BooleanField(_("accepts reports"), default=True)
    # Feedback to the reporter is due this many months after acknowledgement (policy per entity).
    feedback_due_months = models.PositiveIntegerField(_("feedback due (months)"), default=3)
    # Its approved annual transparency report is readable without signing in.
    publishes_transparency_report = models.BooleanField(
        _("publishes its transparency report"), default=False
    )
    # How a bystander or a reporter reaches the entity's focal point outside this service (an
    # office address, a phone line, a shared mailbox): shown on public pages, so never a name.
    focal_point_contact = models.CharField(_("focal point contact"), max_length=300, blank=True)
    # A case about someone this senior or more goes to ``independent_handler``, outside the
    # entity's line of command (issue 12); blank: the entity sets no band.
    senior_band = models.CharField(
        _("senior from"),
        max_length=24,
        choices=Seniority.choices,
        blank=True,
        default=Seniority.DIRECTOR,
    )
    # Another entity's office, or a central one, whose focal points take those cases.
    independent_handler = models.ForeignKey(
        "self",
        verbose_name=_("independent handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class Role(models.TextChoices):
    FOCAL_POINT = "focal_point", _("Focal point")
    OMBUDSPERSON = "ombudsperson", _("Ombudsperson")
    INVESTIGATOR = "investigator", _("Investigator")
    LEADERSHIP = "leadership", _("Leadership")
    ADMIN = "admin", _("Administrator")
    # Issue 12: follows a case only while its reporter consents to it (``accounts.policy``).
    VICTIMS_RIGHTS_ADVOCATE = "victims_rights_advocate", _("Victims' rights advocate")


class StaffManager(UserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> User:
        # A superuser is a system-wide administrator: it manages users, it does not read cases.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A staff member with exactly one role, bound to one entity (an admin may be system-wide)."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, db_index=True)
    entity = models.ForeignKey(
        Entity,
        verbose_name=_("entity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    # Dates and times on staff pages are shown in this zone (an IANA name, "Africa/Nairobi");
    # the staff member chooses it on their settings page.
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # The language of their staff pages, their API answers and the emails sent to them (issue
    # 13); blank follows the browser's Accept-Language (core.language_choice).
    language = models.CharField(
        _("language"), max_length=16, blank=True, default="", choices=offered_languages
    )
    # The entity's senior focal point: every report of retaliation reaches them (issue 12).
    # Named by the entity's administrator; only a focal point can hold it.
    senior_focal_point = models.BooleanField(_("senior focal point"), default=False)
    # The keyed blind index of the member's full name (``vault.names``), never the name: it
    # finds the reports that name them, which they then neither see nor handle (issue 12).
    name_index = models.CharField(max_length=64, blank=True, db_index=True)

    objects: ClassVar[StaffManager] = StaffManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role=Role.ADMIN) | models.Q(entity__isnull=False),
                name="staff_bound_to_entity_unless_admin",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="staff_role_known",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.role != Role.ADMIN and self.entity_id is None:
            raise ValidationError(
                {"entity": _("Every staff role except administrator belongs to an entity.")}
            )


class StaffToken(models.Model):
    """An API bearer token for a staff member who signed in with password and TOTP.

    Only a keyed hash of the token is stored; it expires and cannot be refreshed.
    """

    token_index = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    # The staff member's private reading key, encrypted under the token (which is not stored):
    # only a request bearing the token opens it (issue 14). Empty if it was locked at sign-in.
    reading_key_sealed = models.BinaryField(default=b"", blank=True)

    def __str__(self) -> str:
        return f"API token of {self.user_id}"


class StaffEnrolment(models.Model):
    """A one-time invitation for a new staff member to choose a password and set up TOTP.

    The token goes only to the new member's email address: the administrator who created the
    account never holds credentials for it, so cannot sign in as it.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="enrolment")
    token_index = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"enrolment of {self.user_id}"
