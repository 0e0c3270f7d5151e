"""Validation of what reporters send. Messages are plain words a frightened person can act on."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Entity, Seniority
from portal.services import ReportSubmission
from reports.limits import MESSAGE_MAX, NARRATIVE_MAX, characters
from reports.vocabulary import (
    AffectedPersonIdentifiable,
    Category,
    CheckInAnswer,
    ConsentAction,
    IdentityDisclosure,
    InformalChannel,
    LocationType,
    ReporterRole,
    Route,
)


def _narrative_too_long() -> str:
    return _(
        "Please keep the description under %(characters)s characters; you can add more later in a message."
    ) % {"characters": characters(NARRATIVE_MAX)}


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanField(serializers.Field[bool, Any, bool, Any]):
    """JSON ``true`` or ``false`` only: a consent is never inferred from "yes", 1 or "on"."""

    default_error_messages = {"invalid": _("Answer with true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> bool:
        return bool(value)


class IdentitySerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class AllegedPerpetratorSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role = serializers.CharField(max_length=200, required=False, allow_blank=True)
    relationship = serializers.CharField(max_length=200, required=False, allow_blank=True)
    # How senior they are (issue 12): from the entity's band up, an independent handler outside
    # the entity's line takes the case.
    seniority = serializers.ChoiceField(choices=Seniority.choices, required=False, allow_blank=True)


class EntityCodeField(serializers.SlugRelatedField[Entity]):
    default_error_messages = {
        "does_not_exist": _("There is no entity with the code {value}. Choose one from the list."),
        "invalid": _("Give the entity's code."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            slug_field="code", queryset=Entity.objects.filter(accepts_reports=True), **kwargs
        )


class ReportSubmissionSerializer(serializers.Serializer[Any]):
    entity = EntityCodeField()
    category = serializers.ChoiceField(choices=Category.choices)
    route = serializers.ChoiceField(choices=Route.choices)
    informal_channel = serializers.ChoiceField(
        choices=InformalChannel.choices, required=False, allow_blank=True, allow_null=True
    )
    narrative = serializers.CharField(
        min_length=1,
        max_length=NARRATIVE_MAX,
        trim_whitespace=False,
        error_messages={
            # Rendered when shown, in the reader's language.
            "max_length": lazy(_narrative_too_long, str)(),
            "blank": _("Please describe what happened, in your own words."),
            "required": _("Please describe what happened, in your own words."),
        },
    )
    incident_date = serializers.DateField(required=False, allow_null=True)
    location_type = serializers.ChoiceField(
        choices=LocationType.choices, required=False, allow_blank=True, allow_null=True
    )
    reporter_role = serializers.ChoiceField(choices=ReporterRole.choices)
    identity_disclosure = serializers.ChoiceField(choices=IdentityDisclosure.choices)
    identity = IdentitySerializer(required=False, allow_null=True)
    alleged_perpetrator = AllegedPerpetratorSerializer(required=False, allow_null=True)
    consents = serializers.DictField(child=StrictBooleanField(), required=False, default=dict)
    # A witness's answer: could the person it happened to be identified from the report? When
    # true, formal steps about them need their own consent (issue 12). Not asked of the
    # affected person; a witness's report without it gates nothing on it ("not_asked").
    affected_person_identifiable = StrictBooleanField(required=False, allow_null=True)

    def validate_narrative(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(
                _("Please describe what happened, in your own words.")
            )
        return value

    def validate_incident_date(self, value: date | None) -> date | None:
        if value is not None and value > timezone.now().date():
            raise serializers.ValidationError(_("The date cannot be in the future."))
        return value

    def validate_consents(self, value: dict[str, bool]) -> dict[str, bool]:
        unknown = sorted(set(value) - set(ConsentAction.values))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown consent actions: %(actions)s.") % {"actions": ", ".join(unknown)}
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        channel = attrs.get("informal_channel") or ""
        if attrs["route"] == Route.INFORMAL and not channel:
            errors["informal_channel"] = [
                str(_("Choose how you would like it resolved informally."))
            ]
        if attrs["route"] != Route.INFORMAL and channel:
            errors["informal_channel"] = [str(_("A channel only applies to the informal route."))]
        identity = {k: v for k, v in (attrs.get("identity") or {}).items() if v}
        if identity and attrs["identity_disclosure"] != IdentityDisclosure.CONFIDENTIAL:
            errors["identity"] = [
                str(_("You chose to stay anonymous, so do not send a name or contact details."))
            ]
        identifiable = attrs.get("affected_person_identifiable")
        if identifiable is not None and attrs["reporter_role"] != ReporterRole.WITNESS:
            errors["affected_person_identifiable"] = [
                str(_("Only a witness is asked whether the person affected can be identified."))
            ]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["affected_person_identifiable"] = (
            AffectedPersonIdentifiable.NOT_ASKED
            if identifiable is None
            else AffectedPersonIdentifiable.YES
            if identifiable
            else AffectedPersonIdentifiable.NO
        )
        attrs["identity"] = identity or None
        perpetrator = {k: v for k, v in (attrs.get("alleged_perpetrator") or {}).items() if v}
        attrs["alleged_perpetrator"] = perpetrator or None
        attrs["informal_channel"] = channel
        attrs["location_type"] = attrs.get("location_type") or ""
        return attrs

    def submission(self) -> ReportSubmission:
        data = self.validated_data
        return ReportSubmission(
            entity=data["entity"],
            category=data["category"],
            route=data["route"],
            informal_channel=data["informal_channel"],
            narrative=data["narrative"],
            reporter_role=data["reporter_role"],
            identity_disclosure=data["identity_disclosure"],
            incident_date=data.get("incident_date"),
            location_type=data["location_type"],
            identity=data["identity"],
            alleged_perpetrator=data["alleged_perpetrator"],
            consents=data.get("consents") or {},
            affected_person_identifiable=data["affected_person_identifiable"],
        )


class ReceiptSerializer(serializers.Serializer[Any]):
    receipt = serializers.CharField(max_length=100)


class ConsentSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=ConsentAction.choices)
    granted = StrictBooleanField()


class MessageSerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=MESSAGE_MAX)


class RouteSerializer(serializers.Serializer[Any]):
    route = serializers.ChoiceField(choices=Route.choices)
    informal_channel = serializers.ChoiceField(
        choices=InformalChannel.choices, required=False, allow_blank=True, allow_null=True
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        channel = attrs.get("informal_channel") or ""
        if attrs["route"] == Route.INFORMAL and not channel:
            raise serializers.ValidationError(
                {"informal_channel": [str(_("Choose how you would like it resolved informally."))]}
            )
        if attrs["route"] != Route.INFORMAL and channel:
            raise serializers.ValidationError(
                {"informal_channel": [str(_("A channel only applies to the informal route."))]}
            )
        attrs["informal_channel"] = channel
        return attrs


class RetaliationReportSerializer(serializers.Serializer[Any]):
    """ "Something happened since" (issue 12). Only the shape here: what the words and codes
    must be is ``portal.retaliation.RetaliationAccount``'s to say, for the page and the API."""

    narrative = serializers.CharField(max_length=NARRATIVE_MAX, trim_whitespace=False)
    route = serializers.CharField(max_length=24, required=False, default=Route.UNDECIDED)
    informal_channel = serializers.CharField(
        max_length=32, required=False, allow_blank=True, default=""
    )
    consents = serializers.DictField(child=StrictBooleanField(), required=False, default=dict)


class CheckInAnswerSerializer(serializers.Serializer[Any]):
    answer = serializers.ChoiceField(choices=CheckInAnswer.choices)


class AffectedPersonLinkSerializer(serializers.Serializer[Any]):
    """The code a witness passed on, and the affected person's explicit agreement to link."""

    code = serializers.CharField(max_length=64)
    agree = StrictBooleanField()
