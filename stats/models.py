"""Released statistics: the facts each quarter's release took, and the counts it published.

A release is written once a quarter has closed (``release_stats``). It takes a snapshot of the
facts it counts (*facts*: plain categorical columns, the quarter and nothing finer), then counts
them per family and publishes the counts with disclosure control (``stats.protection``). The
snapshot is what keeps a released number fixed: a case that moves on after its quarter's
release does not change it. Only a withdrawn ``statistics`` consent does, at the next release:
the fact's ``statistics`` flag turns off and the report leaves the finer figures.

No fact holds a date finer than the quarter, an identity or any text. Facts of a report keep a
link to it only to follow its consent; the link is cleared if the report is shredded, and the
fact (categorical and anonymous) stays counted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportFact(models.Model):
    """A report, as counted in the release of the quarter it arrived in."""

    report = models.OneToOneField(
        "reports.Report", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    quarter = models.CharField(max_length=7, db_index=True)
    entity = models.ForeignKey("accounts.Entity", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=32, db_index=True)
    route = models.CharField(max_length=20, db_index=True)
    # As at the release: the case's state and findings ("sealed" when there is no case).
    state = models.CharField(max_length=24, db_index=True)
    outcome = models.CharField(max_length=20, db_index=True)
    location_type = models.CharField(max_length=20, db_index=True)
    reporter_role = models.CharField(max_length=20, db_index=True)
    # Harassment, or retaliation after a report (issue 12).
    kind = models.CharField(max_length=20, default="harassment", db_index=True)
    # The reporter's statistics consent as last applied; only ever turns off.
    statistics = models.BooleanField(db_index=True)

    def __str__(self) -> str:
        return f"report fact {self.quarter}"


class ClosureFact(models.Model):
    """A case closed in ``quarter``: how it ended."""

    report = models.OneToOneField(
        "reports.Report", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    quarter = models.CharField(max_length=7, db_index=True)
    entity = models.ForeignKey("accounts.Entity", on_delete=models.PROTECT, related_name="+")
    route = models.CharField(max_length=20, db_index=True)
    closure_reason = models.CharField(max_length=40, db_index=True)
    outcome = models.CharField(max_length=20, db_index=True)
    statistics = models.BooleanField(db_index=True)

    def __str__(self) -> str:
        return f"closure fact {self.quarter}"


class MeasureFact(models.Model):
    """A measure taken in ``quarter`` after substantiated findings."""

    report = models.ForeignKey(
        "reports.Report", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    quarter = models.CharField(max_length=7, db_index=True)
    entity = models.ForeignKey("accounts.Entity", on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(max_length=24, db_index=True)
    statistics = models.BooleanField(db_index=True)

    def __str__(self) -> str:
        return f"measure fact {self.quarter}"


class ServiceFact(models.Model):
    """How the organisation served, not what a reporter said: counted for every case, with or
    without the statistics consent, and linked to none."""

    class Kind(models.TextChoices):
        ACKNOWLEDGED = "acknowledged"
        CLOSED = "closed"
        OVERDUE = "overdue"
        OVERRIDE = "override"
        # A victims' rights advocate's rights concern raised in the quarter (issue 12).
        RIGHTS_CONCERN = "rights_concern"

    quarter = models.CharField(max_length=7, db_index=True)
    entity = models.ForeignKey("accounts.Entity", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, db_index=True)
    # Days from submission (acknowledged, closed); 0 for the other kinds.
    days = models.PositiveIntegerField(default=0)
    # Acknowledged within the promised days (acknowledged kind only).
    in_time = models.BooleanField(default=False, db_index=True)
    # The ground an override named (override kind only; ``reports.vocabulary.OverrideGround``).
    ground = models.CharField(max_length=24, blank=True, default="", db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "quarter", "entity"])]

    def __str__(self) -> str:
        return f"{self.kind} fact {self.quarter}"


class ServiceDays(models.Model):
    """How many cases of an entity took so many days (to acknowledgement, to closure) in a
    quarter: the histogram medians are read from, so a median over years reads hundreds of rows,
    not hundreds of thousands."""

    quarter = models.CharField(max_length=7)
    entity = models.ForeignKey("accounts.Entity", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ServiceFact.Kind.choices)
    days = models.PositiveIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["kind", "quarter", "entity"])]

    def __str__(self) -> str:
        return f"{self.kind} days {self.quarter}"


class Release(models.Model):
    """One quarter's published numbers."""

    quarter = models.CharField(max_length=7, unique=True)
    released_on = models.DateField()
    recounted_on = models.DateField()
    k = models.PositiveSmallIntegerField()
    # Entities with at least k reports in the quarter; the others are counted together as "other".
    listed_entities = models.JSONField(default=list)
    # Reports still counted in the finer figures: a withdrawal lowers it and triggers a recount.
    consenting = models.PositiveIntegerField(default=0)
    # A release of a quarter still in progress (demonstrations and tests only).
    partial = models.BooleanField(default=False)

    class Meta:
        ordering = ["quarter"]

    def __str__(self) -> str:
        return f"release {self.quarter}"


class ReleasedCell(models.Model):
    """A published count: ``count`` is NULL when it is withheld. A withheld count is not kept
    here at all, so nothing that reads this table can leak it."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="cells")
    family = models.CharField(max_length=24)
    # The dimensions in their canonical order, comma-separated ("" for the grand total).
    dimensions = models.CharField(max_length=120)
    # The values, in the same order, "|"-separated.
    key = models.CharField(max_length=200)
    count = models.PositiveIntegerField(null=True)
    suppressed = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["family", "dimensions", "release"])]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "family", "dimensions", "key"], name="released_cell_once"
            ),
            models.CheckConstraint(
                condition=models.Q(suppressed=True, count__isnull=True)
                | models.Q(suppressed=False, count__isnull=False),
                name="released_cell_withheld_has_no_count",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.dimensions} {self.key}"


class TransparencyApproval(models.Model):
    """Leadership's approval of a year's transparency report: until then it is a draft that
    only leadership and administrators read."""

    year = models.PositiveSmallIntegerField(unique=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_on = models.DateField()

    def __str__(self) -> str:
        return f"transparency report {self.year} approved"
