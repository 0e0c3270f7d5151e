"""The survey's questions and scale, and what holds someone back from reporting.

Codes are stored (each question and each reason is a column of ``feedback.models``): never
change one, add one with its migration. Labels go through translation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.vocabulary import Category

if TYPE_CHECKING:
    # Type-checking only: django-stubs-ext is a development dependency.
    from django_stubs_ext import StrOrPromise

# The answer to any question that the person would rather not give: stored as NULL, or as
# this code where a column needs a value (the category of a "not ready" answer).
PREFER_NOT_TO_SAY = "prefer_not_to_say"


class SurveyQuestion(models.TextChoices):
    """The closing survey; each code is a column of ``SurveyResponse``."""

    FELT_HEARD = "felt_heard", _("Did you feel heard?")
    INFORMED_AT_EVERY_STAGE = "informed_at_every_stage", _("Were you informed at every stage?")
    SAFE_FROM_RETALIATION = "safe_from_retaliation", _("Did you feel safe from retaliation?")
    TIMELY = "timely", _("Was the process timely?")
    WOULD_RECOMMEND = (
        "would_recommend",
        _("Would you recommend this route to someone in the same situation?"),
    )


class Agreement(models.IntegerChoices):
    """The survey's scale: each step in words, not only a number."""

    NOT_AT_ALL = 1, _("1: not at all")
    A_LITTLE = 2, _("2: a little")
    PARTLY = 3, _("3: partly")
    MOSTLY = 4, _("4: mostly")
    COMPLETELY = 5, _("5: completely")


class HoldsBack(models.TextChoices):
    """What keeps someone from reporting; each code is a column of ``NotReadyResponse``."""

    FEAR_OF_RETALIATION = "fear_of_retaliation", _("Fear of retaliation")
    NOT_BELIEVED = "not_believed", _("Fear of not being believed")
    UNCLEAR_PROCESS = "unclear_process", _("It is unclear to me what would happen")
    CONFIDENTIALITY = "confidentiality", _("Worry about confidentiality")
    OTHER = "other", _("Something else")


# What happened, in the broad categories of a report, or nothing at all.
NOT_READY_CATEGORIES: list[tuple[str, StrOrPromise]] = [
    *Category.choices,
    (PREFER_NOT_TO_SAY, _("I prefer not to say")),
]
