"""Feedback answers are rows of their own: no link to a report or a person, no time finer than
the quarter, no free text (issue 9)."""

from __future__ import annotations

from django.db import models

from feedback.models import NotReadyResponse, SurveyResponse
from tests.helpers.feedback import NOT_READY_COLUMNS, SURVEY_COLUMNS


def _columns(model: type[models.Model]) -> dict[str, models.Field[object, object]]:
    return {field.name: field for field in model._meta.get_fields()}  # type: ignore[misc]


def test_a_survey_answer_has_only_its_quarter_route_and_five_answers() -> None:
    columns = _columns(SurveyResponse)

    assert set(columns) == SURVEY_COLUMNS
    assert not any(field.is_relation for field in columns.values())


def test_a_not_ready_answer_has_only_its_quarter_category_and_reasons() -> None:
    columns = _columns(NotReadyResponse)

    assert set(columns) == NOT_READY_COLUMNS
    assert not any(field.is_relation for field in columns.values())


def test_no_feedback_column_holds_a_time_or_free_text() -> None:
    for model in (SurveyResponse, NotReadyResponse):
        for field in model._meta.get_fields():
            assert not isinstance(field, models.DateField | models.DateTimeField | models.TextField)
            if isinstance(field, models.CharField) and field.name != "quarter":
                # Codes only: every value is one of the field's choices.
                assert field.choices, field.name


def test_no_other_model_points_at_feedback() -> None:
    for model in (SurveyResponse, NotReadyResponse):
        assert [field for field in model._meta.get_fields() if field.auto_created] == []
