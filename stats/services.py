"""Writing releases: the snapshot of a quarter's facts and its protected counts.

``release_due`` is what ``python manage.py release_stats`` and beat run. It releases every
completed quarter not yet released, and recounts an earlier release when a reporter has since
withdrawn their ``statistics`` consent (the only change a released number ever takes).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from itertools import product

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Entity, User
from cases.models import Case, Override, RightsConcern
from cases.vocabulary import SystemClosureReason
from core.batches import batched
from core.errors import ForbiddenError, InvalidInputError
from core.quarters import (
    current_quarter,
    previous_quarter,
    quarter_bounds,
    quarter_of,
    quarters_between,
    quarters_of_year,
)
from reports.models import Consent, Report
from reports.vocabulary import ConsentAction
from stats.families import (
    FAMILIES,
    OTHER_ENTITIES,
    Family,
    count_groups,
    disclosure_threshold,
    domain,
    family_rows,
)
from stats.models import (
    ClosureFact,
    MeasureFact,
    Release,
    ReleasedCell,
    ReportFact,
    ServiceDays,
    ServiceFact,
    TransparencyApproval,
)
from stats.protection import Line, protect
from stats.selectors import final_quarters_of_year

logger = logging.getLogger(__name__)

CellKey = tuple[tuple[str, ...], tuple[str, ...]]
# Service facts, and their days, written at a time: a large quarter is never all in memory.
FACTS_AT_ONCE = 5000


def release_due(*, include_current_quarter: bool = False) -> list[str]:
    """Write the releases that are due and recount those a withdrawal changed; the quarters
    written or recounted."""
    today = timezone.localdate()
    done: list[str] = []
    last = current_quarter() if include_current_quarter else previous_quarter(current_quarter())
    first = _first_quarter()
    if first is not None:
        for quarter in quarters_between(first, last):
            release = Release.objects.filter(quarter=quarter).first()
            due = release is None or (
                release.partial and (include_current_quarter or quarter != current_quarter())
            )
            if due and _release(quarter, partial=quarter == current_quarter(), today=today):
                done.append(quarter)
    _apply_withdrawals()
    for release in Release.objects.exclude(quarter__in=done):
        if _consenting(release.quarter) != release.consenting:
            with transaction.atomic():
                _count_and_publish(release, today=today)
            done.append(release.quarter)
    return sorted(done)


def _first_quarter() -> str | None:
    earliest = (
        Report.objects.order_by("submitted_on").values_list("submitted_on", flat=True).first()
    )
    return quarter_of(earliest) if earliest else None


@transaction.atomic
def _release(quarter: str, *, partial: bool, today: datetime.date) -> bool:
    """Release a quarter; ``False`` when nothing at all happened in it (nothing to release: its
    empty tables would all be withheld, and would withhold every period around them)."""
    # A partial release (of the quarter in progress) is redone whole once the quarter is over.
    Release.objects.filter(quarter=quarter).delete()
    for model in (ReportFact, ClosureFact, MeasureFact, ServiceFact, ServiceDays):
        model._default_manager.filter(quarter=quarter).delete()
    _snapshot(quarter, until=today if partial else quarter_bounds(quarter)[1])
    if not any(family_rows(family, [quarter]).exists() for family in FAMILIES.values()):
        return False
    k = disclosure_threshold()
    listed = (
        ReportFact.objects.filter(quarter=quarter)
        .values("entity__code")
        .annotate(n=Count("pk"))
        .filter(n__gte=k)
        .order_by("entity__code")
        .values_list("entity__code", flat=True)
    )
    release = Release.objects.create(
        quarter=quarter,
        released_on=today,
        recounted_on=today,
        k=k,
        listed_entities=list(listed),
        partial=partial,
    )
    _count_and_publish(release, today=today)
    return True


# --- the snapshot ---------------------------------------------------------------------------


def _statistics_now() -> str:
    """SQL: the reporter's latest statistics decision (false when never given)."""
    consent = Consent._meta.db_table
    return (
        f"COALESCE((SELECT c.granted FROM {consent} c WHERE c.report_id = r.id "  # noqa: S608  # nosec B608  # table names from the models, a vocabulary code
        f"AND c.action = '{ConsentAction.STATISTICS}' "
        "ORDER BY c.recorded_at DESC, c.position DESC LIMIT 1), FALSE)"
    )


def _snapshot(quarter: str, *, until: datetime.date) -> None:
    # A case closed because its report was shredded is not counted as a closure, neither how
    # it ended nor how long it took: the organisation did not end it, the destruction of the
    # report did, and its days would bend the medians of service. The report itself stays
    # counted among those received (its state: closed).
    first, last = quarter_bounds(quarter)
    start = _midnight(first)
    end = _midnight(min(last, until) + datetime.timedelta(days=1))
    report, case = Report._meta.db_table, Case._meta.db_table
    measure = Case.measures.rel.related_model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ReportFact._meta.db_table} (report_id, quarter, entity_id, category, "  # noqa: S608  # nosec B608  # table names from the models, values bound
            "route, state, outcome, location_type, reporter_role, kind, statistics) "
            f"SELECT r.id, %s, r.entity_id, r.category, r.route, COALESCE(k.state, 'sealed'), "
            "COALESCE(NULLIF(k.outcome, ''), 'none'), r.location_type, r.reporter_role, r.kind, "
            f"{_statistics_now()} FROM {report} r LEFT JOIN {case} k ON k.report_id = r.id "
            "WHERE r.submitted_on >= %s AND r.submitted_on <= %s",
            [quarter, first, min(last, until)],
        )
        cursor.execute(
            f"INSERT INTO {ClosureFact._meta.db_table} (report_id, quarter, entity_id, route, "  # noqa: S608  # nosec B608  # table names from the models, values bound
            "closure_reason, outcome, statistics) "
            "SELECT r.id, %s, k.entity_id, r.route, k.closure_reason, "
            f"COALESCE(NULLIF(k.outcome, ''), 'none'), {_statistics_now()} "
            f"FROM {case} k JOIN {report} r ON r.id = k.report_id "
            "WHERE k.closed_at >= %s AND k.closed_at < %s AND k.closure_reason <> %s",
            [quarter, start, end, SystemClosureReason.SHREDDED],
        )
        cursor.execute(
            f"INSERT INTO {MeasureFact._meta.db_table} (report_id, quarter, entity_id, measure, "  # noqa: S608  # nosec B608  # table names from the models, values bound
            f"statistics) SELECT r.id, %s, k.entity_id, m.measure, {_statistics_now()} "
            f"FROM {measure} m JOIN {case} k ON k.id = m.case_id JOIN {report} r ON r.id = k.report_id "
            "WHERE m.recorded_on >= %s AND m.recorded_on <= %s",
            [quarter, first, min(last, until)],
        )
    _snapshot_service(quarter, start, end)


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _snapshot_service(quarter: str, start: datetime.datetime, end: datetime.datetime) -> None:
    """Timings and inaction: days are worked out per case, the cases themselves are not kept."""
    for batch in batched(_service_facts(quarter, start, end), FACTS_AT_ONCE):
        ServiceFact.objects.bulk_create(batch)
    kind = ServiceFact.Kind
    timed = (
        ServiceFact.objects.filter(quarter=quarter, kind__in=[kind.ACKNOWLEDGED, kind.CLOSED])
        .values("entity_id", "kind", "days")
        .annotate(n=Count("pk"))
        .order_by()
    )
    days = (
        ServiceDays(
            quarter=quarter,
            entity_id=row["entity_id"],
            kind=row["kind"],
            days=row["days"],
            count=row["n"],
        )
        for row in timed.iterator()
    )
    for counted in batched(days, FACTS_AT_ONCE):
        ServiceDays.objects.bulk_create(counted)


def _service_facts(
    quarter: str, start: datetime.datetime, end: datetime.datetime
) -> Iterator[ServiceFact]:
    kind = ServiceFact.Kind
    acknowledged = Case.objects.filter(acknowledged_at__gte=start, acknowledged_at__lt=end)
    for entity_id, at, submitted, due in acknowledged.values_list(
        "entity_id", "acknowledged_at", "report__submitted_on", "acknowledgement_due"
    ).iterator():
        day = timezone.localdate(at)
        yield ServiceFact(
            quarter=quarter,
            entity_id=entity_id,
            kind=kind.ACKNOWLEDGED,
            days=max(0, (day - submitted).days),
            in_time=day <= due,
        )
    # Not a shredded report's closure (``_snapshot`` says why).
    closed = Case.objects.filter(closed_at__gte=start, closed_at__lt=end).exclude(
        closure_reason=SystemClosureReason.SHREDDED
    )
    for entity_id, at, submitted in closed.values_list(
        "entity_id", "closed_at", "report__submitted_on"
    ).iterator():
        days = max(0, (timezone.localdate(at) - submitted).days)
        yield ServiceFact(quarter=quarter, entity_id=entity_id, kind=kind.CLOSED, days=days)
    last_day = timezone.localdate(end - datetime.timedelta(seconds=1))
    open_then = Case.objects.filter(opened_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    )
    unacknowledged = Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=end)
    overdue = open_then.filter(
        (unacknowledged & Q(acknowledgement_due__lt=last_day)) | Q(feedback_due__lt=last_day)
    )
    for entity_id in overdue.values_list("entity_id", flat=True).iterator():
        yield ServiceFact(quarter=quarter, entity_id=entity_id, kind=kind.OVERDUE)
    approved = Override.objects.filter(
        status=Override.Status.APPROVED, decided_at__gte=start, decided_at__lt=end
    )
    for entity_id, ground in approved.values_list("case__entity_id", "ground").iterator():
        yield ServiceFact(quarter=quarter, entity_id=entity_id, kind=kind.OVERRIDE, ground=ground)
    concerns = RightsConcern.objects.filter(raised_at__gte=start, raised_at__lt=end)
    for entity_id in concerns.values_list("case__entity_id", flat=True).iterator():
        yield ServiceFact(quarter=quarter, entity_id=entity_id, kind=kind.RIGHTS_CONCERN)


# --- withdrawals ----------------------------------------------------------------------------


def _apply_withdrawals() -> None:
    """Facts of reporters who have withdrawn their statistics consent leave the finer figures."""
    with connection.cursor() as cursor:
        for model in (ReportFact, ClosureFact, MeasureFact):
            table = model._meta.db_table
            cursor.execute(
                f"UPDATE {table} SET statistics = FALSE WHERE statistics "  # noqa: S608  # nosec B608  # table names from the models, no values
                f"AND report_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                f"{Report._meta.db_table} r WHERE r.id = {table}.report_id "
                f"AND {_statistics_now()})"
            )


def _consenting(quarter: str) -> int:
    return sum(
        model._default_manager.filter(quarter=quarter, statistics=True).count()
        for model in (ReportFact, ClosureFact, MeasureFact)
    )


# --- counting and publishing -----------------------------------------------------------------


def _count_and_publish(release: Release, *, today: datetime.date) -> None:
    listed_ids = list(
        Entity.objects.filter(code__in=release.listed_entities).values_list("pk", flat=True)
    )
    entity_codes = list(release.listed_entities)
    if Entity.objects.exclude(code__in=entity_codes).exists():
        entity_codes.append(OTHER_ENTITIES)
    release.cells.all().delete()
    cells: list[ReleasedCell] = []
    for family in FAMILIES.values():
        counted = count_groups(family, release.quarter, listed_ids)
        keys, counts, lines = tables(family, counted, entity_codes)
        withheld = protect(counts, lines, release.k)
        cells += [
            ReleasedCell(
                release=release,
                family=family.name,
                dimensions=",".join(dims),
                key="|".join(values),
                count=None if index in withheld else counts[index],
                suppressed=index in withheld,
            )
            for index, (dims, values) in enumerate(keys)
        ]
    ReleasedCell.objects.bulk_create(cells, batch_size=5000)
    release.consenting = _consenting(release.quarter)
    release.recounted_on = today
    release.save(update_fields=["consenting", "recounted_on"])


def tables(
    family: Family,
    counted: dict[tuple[str, ...], dict[tuple[str, ...], int]],
    entity_codes: list[str],
) -> tuple[list[CellKey], list[int], list[Line]]:
    """Every cell of the family's published tables (empty ones too), and the lines that tie
    each table to its totals."""
    keys: list[CellKey] = []
    counts: list[int] = []
    index: dict[CellKey, int] = {}
    for dims, found in counted.items():
        for values in product(*(domain(d, entity_codes) for d in dims)):
            index[(dims, values)] = len(keys)
            keys.append((dims, values))
            counts.append(found.get(values, 0))
    lines: list[Line] = []
    for dims in counted:
        if len(dims) == 1:
            children = tuple(index[(dims, (v,))] for v in domain(dims[0], entity_codes))
            lines.append(Line(index[((), ())], children))
        elif len(dims) == 2:
            lines += _pair_lines(dims, entity_codes, index)
    return keys, counts, lines


def _pair_lines(
    dims: tuple[str, ...], entity_codes: list[str], index: dict[CellKey, int]
) -> list[Line]:
    first, second = dims
    lines = []
    for a in domain(first, entity_codes):
        row = tuple(index[(dims, (a, b))] for b in domain(second, entity_codes))
        lines.append(Line(index[((first,), (a,))], row))
    for b in domain(second, entity_codes):
        column = tuple(index[(dims, (a, b))] for a in domain(first, entity_codes))
        lines.append(Line(index[((second,), (b,))], column))
    return lines


@transaction.atomic
def transparency_report_approve(*, year: int, actor: User) -> TransparencyApproval:
    """Leadership approves the year's report once its four quarters are released; from then on
    personnel read it (``stats.transparency.may_read``)."""
    if not policy.approves_transparency_report(actor):
        raise ForbiddenError
    if len(final_quarters_of_year(year)) < len(quarters_of_year(year)):
        raise InvalidInputError({"year": [_("The year's four quarters are not all released yet.")]})
    approval, _created = TransparencyApproval.objects.get_or_create(
        year=year, defaults={"approved_by": actor, "approved_on": timezone.localdate()}
    )
    return approval
