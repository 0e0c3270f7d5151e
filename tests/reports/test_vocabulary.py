"""What the reporter is told about statistics (issue 9, item 1): every report counts in the
totals, never with what identifies them, only in groups of at least ``STATS_K``; the finer
figures and the survey only with their agreement, which they can withdraw."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from reports.vocabulary import CONSENT_EXPLANATIONS, ConsentAction
from tests.helpers.feedback import portal_browser
from tests.helpers.reporter import submit


def test_the_statistics_explanation_says_what_is_always_counted_and_what_only_with_consent(
    settings: Any,
) -> None:
    settings.STATS_K = 9

    words = str(CONSENT_EXPLANATIONS[ConsentAction.STATISTICS])

    for said in (
        "Every report, sealed and record-only reports too, is counted",
        "by entity, quarter, route, category and how far its case has gone",
        "never with anything that identifies you",
        "in groups of at least 9 reports",
        "the type of place, whether you were affected or a witness, how the case ended and the "
        "measures taken, and your answers to the survey",
        "withdraw this agreement at any time",
        "leave those finer figures at the next quarterly release",
        "survey answers are kept apart from your report, so once given they cannot be taken back",
    ):
        assert said in words, said


@pytest.mark.django_db
@pytest.mark.usefixtures("entity")
def test_the_intake_and_the_portal_both_explain_statistics_in_these_words() -> None:
    explanation = escape(str(CONSENT_EXPLANATIONS[ConsentAction.STATISTICS]))
    browser = portal_browser(submit()["receipt"])

    assert explanation in browser.get("/my-report/").content.decode()
    # The intake's consent step shows each consent's explanation beside its question.
    intake = Client().post(
        "/report/",
        {
            "step": "consent",  # the statistics question is on the screen after it
            "route": "undecided",
            "reporter_role": "witness",
            "entity": "UNW",
            "category": "verbal",
            "narrative": "n",
            "identity_disclosure": "anonymous",
        },
    )
    assert explanation in intake.content.decode()
