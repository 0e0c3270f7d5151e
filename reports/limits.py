"""The numbers a reporter is told: how much a report and a message may hold, and how soon a
focal point acknowledges a report.

Every sentence that states one interpolates it (a translator sees the sentence with a
placeholder), so changing a number here changes everything that says it. The attachments'
limits live with the attachments (``reports.attachments``).
"""

from __future__ import annotations

from django.utils.formats import number_format

# Characters of the narrative written at intake.
NARRATIVE_MAX = 20000
# Characters of a message between reporter and staff (and of a staff member's internal note).
MESSAGE_MAX = 10000
# Days after submission within which a focal point acknowledges a report under review.
ACKNOWLEDGEMENT_DAYS = 7


def characters(count: int) -> str:
    """A number of characters as the reader's language writes it ("10,000" in English)."""
    return number_format(count, force_grouping=True)


# Working days (Monday to Friday) after submission within which a focal point acknowledges a
# report of retaliation (issue 12): it may be going on now, so it cannot wait a week.
RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS = 2
