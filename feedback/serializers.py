"""The closing survey as the reporter's API receives it: five answers, nothing else."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from feedback.vocabulary import Agreement, SurveyQuestion


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 5, "nullable": True})
class ScaleAnswerField(serializers.Field[int | None, Any, int | None, Any]):
    """A JSON whole number from 1 (not at all) to 5 (completely); ``null`` is "prefer not to
    say". Never a string or a boolean."""

    default_error_messages = {
        "invalid": _("Answer with a whole number from 1 to 5, or null to prefer not to say.")
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int) or data not in Agreement.values:
            self.fail("invalid")
        return int(data)

    def to_representation(self, value: Any) -> int | None:
        return None if value is None else int(value)


class SurveySerializer(serializers.Serializer[Any]):
    """Every question is answered, ``null`` included; an unknown key is refused, so no text
    can travel with the answers."""

    felt_heard = ScaleAnswerField(help_text=SurveyQuestion.FELT_HEARD.label)
    informed_at_every_stage = ScaleAnswerField(
        help_text=SurveyQuestion.INFORMED_AT_EVERY_STAGE.label
    )
    safe_from_retaliation = ScaleAnswerField(help_text=SurveyQuestion.SAFE_FROM_RETALIATION.label)
    timely = ScaleAnswerField(help_text=SurveyQuestion.TIMELY.label)
    would_recommend = ScaleAnswerField(help_text=SurveyQuestion.WOULD_RECOMMEND.label)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        received = self.initial_data if isinstance(self.initial_data, dict) else {}
        unknown = sorted(set(received) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: [_("There is no such question.")] for name in unknown}
            )
        return attrs

    def answers(self) -> dict[str, int | None]:
        return {question: self.validated_data[question] for question in SurveyQuestion.values}
