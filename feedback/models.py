"""Feedback answers, each a row of its own with no link to any report or person.

No foreign key, no timestamp (the quarter is the finest time kept), random ids, no free text:
a row says only what the statistics count. Which report answered the survey is one flag on the
report (``Report.survey_answered``), so that each report answers once; the flag does not say
which answer was its.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from feedback.vocabulary import NOT_READY_CATEGORIES, Agreement, SurveyQuestion
from reports.vocabulary import Route

# Each survey answer: 1 (not at all) to 5 (completely); NULL is "prefer not to say".
_ON_THE_SCALE = [MinValueValidator(Agreement.NOT_AT_ALL), MaxValueValidator(Agreement.COMPLETELY)]


class SurveyResponse(models.Model):
    """One closing survey, stored apart from any report."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # "2026Q4": the quarter it was answered in, nothing finer.
    quarter = models.CharField(max_length=7, db_index=True)
    # The report's route when its case was closed.
    route = models.CharField(max_length=20, choices=Route.choices, db_index=True)
    felt_heard = models.PositiveSmallIntegerField(
        null=True, blank=True, db_index=True, choices=Agreement.choices, validators=_ON_THE_SCALE
    )
    informed_at_every_stage = models.PositiveSmallIntegerField(
        null=True, blank=True, db_index=True, choices=Agreement.choices, validators=_ON_THE_SCALE
    )
    safe_from_retaliation = models.PositiveSmallIntegerField(
        null=True, blank=True, db_index=True, choices=Agreement.choices, validators=_ON_THE_SCALE
    )
    timely = models.PositiveSmallIntegerField(
        null=True, blank=True, db_index=True, choices=Agreement.choices, validators=_ON_THE_SCALE
    )
    would_recommend = models.PositiveSmallIntegerField(
        null=True, blank=True, db_index=True, choices=Agreement.choices, validators=_ON_THE_SCALE
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{question}__isnull": True})
                | models.Q(**{f"{question}__range": (1, 5)}),
                name=f"survey_{question}_on_the_scale",
            )
            for question in SurveyQuestion.values
        ]

    def __str__(self) -> str:
        return f"survey {self.quarter} {self.route}"


class NotReadyResponse(models.Model):
    """What holds one person back from reporting, told anonymously."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    quarter = models.CharField(max_length=7, db_index=True)
    # A report category's code, or "prefer_not_to_say".
    category = models.CharField(max_length=32, choices=NOT_READY_CATEGORIES, db_index=True)
    fear_of_retaliation = models.BooleanField(default=False, db_index=True)
    not_believed = models.BooleanField(default=False, db_index=True)
    unclear_process = models.BooleanField(default=False, db_index=True)
    confidentiality = models.BooleanField(default=False, db_index=True)
    other = models.BooleanField(default=False, db_index=True)

    def __str__(self) -> str:
        return f"not ready {self.quarter} {self.category}"
