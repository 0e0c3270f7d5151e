"""Leadership's pages: the statistics dashboard (``/dashboard/``) and the transparency report
(``/transparency/``), with its downloads and its approval. No JavaScript needed.

Every number is a released, protected count read through ``stats.selectors.published_table``,
the API's reader too, so a page shows exactly the numbers and the withholding of the API and of
the downloaded files. A bad parameter is shown as the contract's validation message (400); a
reader who may not see something gets a page saying so (403), never an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from accounts.models import Entity, User
from accounts.views import staff_required
from core.errors import DomainError, ForbiddenError, InvalidInputError
from core.quarters import quarter_bounds
from feedback.vocabulary import HoldsBack, SurveyQuestion
from stats.api import download
from stats.families import OTHER_ENTITIES, disclosure_threshold, label_of
from stats.queries import Period, entity_asked, entity_named, period_asked, year_asked
from stats.rendering import (
    Bar,
    Chart,
    CrossTable,
    chart_of,
    cross_table_of,
    k_rule,
    quarters_text,
    report_title,
    status_text,
    transparency_csv,
    transparency_pdf,
)
from stats.selectors import PublishedTable, published_tables, released_quarters
from stats.services import transparency_report_approve
from stats.transparency import (
    Figure,
    TransparencyReport,
    approved_years,
    may_read,
    service_figures,
    transparency_report,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# --- who is asking ---------------------------------------------------------------------------


def _staff(request: HttpRequest) -> User | None:
    """The staff member signed in with password and code, or ``None`` (a visitor, or a session
    that never passed the second factor: it reads only what a visitor reads)."""
    user = request.user
    if policy.is_staff_member(user) and getattr(user, "is_verified", lambda: False)():
        return user
    return None


def _problem(
    request: HttpRequest, user: User | None, *, title: str, message: str, status: int
) -> HttpResponse:
    return render(
        request,
        "stats/problem.html",
        {"title": title, "message": message, "staff": user},
        status=status,
    )


# --- the dashboard ---------------------------------------------------------------------------

# (key, family, dimension, title) of the one-dimension charts, section by section.
ChartSpec = tuple[str, str, str, "StrOrPromise"]
REPORT_CHARTS: list[ChartSpec] = [
    ("reports-by-quarter", "reports", "quarter", gettext_lazy("Reports received, by quarter")),
    ("reports-by-category", "reports", "category", gettext_lazy("Reports received, by category")),
    (
        "reports-by-route",
        "reports",
        "route",
        gettext_lazy("Reports received, by the route the reporter chose"),
    ),
    (
        "reports-by-location",
        "reports",
        "location_type",
        gettext_lazy("Reports received, by where it happened"),
    ),
    (
        "reports-by-role",
        "reports",
        "reporter_role",
        gettext_lazy("Reports received, by who reported"),
    ),
    (
        "reports-by-kind",
        "reports",
        "kind",
        gettext_lazy("Reports received: harassment, and retaliation after a report"),
    ),
]
OUTCOME_CHARTS: list[ChartSpec] = [
    (
        "closures-by-reason",
        "closures",
        "closure_reason",
        gettext_lazy("Cases closed, by how they ended"),
    ),
    ("closures-by-findings", "closures", "outcome", gettext_lazy("Cases closed, by findings")),
    (
        "measures",
        "measures",
        "measure",
        gettext_lazy("Disciplinary and administrative measures, by type"),
    ),
]
# The service figures the dashboard shows (the reports received are the charts' total).
SERVICE_FIGURES = (
    "acknowledged_within_days",
    "median_days_to_acknowledgement",
    "median_days_to_closure",
    "overdue",
    "consent_overrides",
    "rights_concerns",
)


def _charts(specs: Sequence[ChartSpec], quarters: Sequence[str], code: str | None) -> list[Chart]:
    tables = published_tables(
        [(family, [dimension]) for _k, family, dimension, _t in specs], quarters, entity=code
    )
    return [
        chart_of(table, dimension, key=key, title=title)
        for table, (key, _family, dimension, title) in zip(tables, specs, strict=True)
    ]


def _period_figures(quarters: Sequence[str], code: str | None) -> list[Figure]:
    """The service figures for the period. "Other entities" have none of their own: those
    are kept per entity."""
    if code == OTHER_ENTITIES:
        return []
    figures = service_figures(quarters, entity_named(code))
    return [figure for figure in figures if figure.key in SERVICE_FIGURES]


def _feedback_tables(quarters: Sequence[str]) -> dict[tuple[str, str], PublishedTable]:
    """Every survey and not-ready table the dashboard shows, read together (kept by route
    only, never by entity), by family and dimensions."""
    asked: list[tuple[str, list[str]]] = [
        ("survey", ["route"]),
        ("not_ready", ["not_ready_category"]),
    ]
    for question, _label in SurveyQuestion.choices:
        asked += [("survey", [question]), ("survey", ["route", question])]
    asked += [("not_ready", [reason]) for reason, _label in HoldsBack.choices]
    tables = published_tables(asked, quarters)
    return {
        (family, ",".join(dims)): table for (family, dims), table in zip(asked, tables, strict=True)
    }


def _survey(tables: dict[tuple[str, str], PublishedTable]) -> list[tuple[Chart, CrossTable]]:
    """Each question: its answers over every route (the chart), and by route (the table)."""
    by_route = tables["survey", "route"]
    shown = []
    for question, label in SurveyQuestion.choices:
        answers = tables["survey", question]
        shown.append(
            (
                chart_of(answers, question, key=f"survey-{question}", title=label),
                cross_table_of(
                    tables["survey", f"route,{question}"],
                    "route",
                    question,
                    key=f"survey-{question}-by-route",
                    title=_("%(question)s: answers by route") % {"question": label},
                    row_totals=by_route,
                    column_totals=answers,
                ),
            )
        )
    return shown


def _holds_back(tables: dict[tuple[str, str], PublishedTable]) -> Chart:
    """One bar per reason: how many said it holds them back (each reason is its own table)."""
    bars = [
        Bar(reason, str(label), tables["not_ready", reason].count(**{reason: "yes"}))
        for reason, label in HoldsBack.choices
    ]
    return Chart(
        key="not-ready-holds-back",
        title=_("What holds people back from reporting (each person may name several)"),
        heading=_("Reason"),
        bars=bars,
        total=None,
        shows_total=False,
    )


def _dashboard(period: Period, code: str | None, released: Sequence[str]) -> dict[str, Any]:
    quarters = period.quarters
    charts = _charts([*REPORT_CHARTS, *OUTCOME_CHARTS], quarters, code)
    feedback = _feedback_tables(quarters)
    return {
        "period": period,
        "entity_shown": _entity_shown(code),
        "report_charts": charts[: len(REPORT_CHARTS)],
        "outcome_charts": charts[len(REPORT_CHARTS) :],
        "figures": _period_figures(quarters, code),
        "survey": _survey(feedback),
        "not_ready": chart_of(
            feedback["not_ready", "not_ready_category"],
            "not_ready_category",
            key="not-ready-category",
            title=_("What happened, as told by people not ready to report"),
        ),
        "holds_back": _holds_back(feedback),
        "downloads": _downloads(released, code),
    }


def _entity_shown(code: str | None) -> str:
    if not code:
        return _("All entities")
    entity = entity_named(code)
    return entity.name if entity else str(label_of("entity", code))


def report_address(name: str, year: int, code: str | None, **extra: str) -> str:
    """The address of a year's report page or download, for one entity or for all."""
    query = {"year": str(year), **({"entity": code} if code else {}), **extra}
    return f"{reverse(name)}?{urlencode(query)}"


def _downloads(released: Sequence[str], code: str | None) -> list[dict[str, Any]]:
    """The transparency report of each year with a released quarter, for the entity shown
    (the report has no "other entities" scope: all entities, then)."""
    entity = code if code != OTHER_ENTITIES else None
    years = sorted({int(quarter[:4]) for quarter in released}, reverse=True)
    return [
        {
            "year": year,
            "page": report_address("transparency", year, entity),
            "csv": report_address("transparency-download", year, entity, format="csv"),
            "pdf": report_address("transparency-download", year, entity, format="pdf"),
        }
        for year in years
    ]


def _filters(released: Sequence[str]) -> dict[str, Any]:
    """The filter form's choices: each released quarter (as the dates the API takes) and each
    entity, with the entities counted together."""
    return {
        "quarter_choices": [
            {
                "quarter": quarter,
                "first": quarter_bounds(quarter)[0].isoformat(),
                "last": quarter_bounds(quarter)[1].isoformat(),
            }
            for quarter in released
        ],
        "entity_choices": [
            *Entity.objects.order_by("code").values_list("code", "name"),
            (OTHER_ENTITIES, str(label_of("entity", OTHER_ENTITIES))),
        ],
        "released": released,
        "k": disclosure_threshold(),
        "k_rule": k_rule(disclosure_threshold()),
    }


@require_http_methods(["GET"])
@staff_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    if not policy.reads_statistics(user):
        return _problem(
            request,
            user,
            title=_("Statistics are for leadership and administrators"),
            message=ForbiddenError().page_message(),
            status=403,
        )
    released = released_quarters()
    context: dict[str, Any] = {"staff": user, **_filters(released)}
    try:
        period = period_asked(request.GET)
        code = entity_asked(request.GET)
    except InvalidInputError as error:
        context["error"] = error.page_message()
        return render(request, "stats/dashboard.html", context, status=400)
    context.update(_dashboard(period, code, released), entity=code or "")
    return render(request, "stats/dashboard.html", context)


# --- the transparency report -----------------------------------------------------------------


def _report_entity(params: Any) -> str | None:
    """The entity whose report is asked for: one entity, or none for all of them."""
    code = entity_asked(params)
    if code == OTHER_ENTITIES:
        raise InvalidInputError(
            {"entity": [_("Choose one entity, or leave it out for all entities.")]}
        )
    return code


def _years(user: User | None) -> list[int]:
    """The years to offer: the approved ones; for leadership and administrators also the
    drafts (each year with a released quarter), newest first."""
    years = set(approved_years())
    if user is not None and policy.reads_statistics(user):
        years |= {int(quarter[:4]) for quarter in released_quarters()}
    return sorted(years, reverse=True)


def _year(params: Any, user: User | None) -> int | None:
    """The year asked for; without one, the latest approved year (a draft's for its readers)."""
    if params.get("year", "").strip():
        return year_asked(params)
    approved = approved_years()
    if approved:
        return approved[0]
    years = _years(user)
    return years[0] if years else None


def _not_published(request: HttpRequest, user: User | None) -> HttpResponse:
    return _problem(
        request,
        user,
        title=_("This transparency report is not published"),
        message=_(
            "It has not been approved yet, or it is for staff only: sign in as staff to read it."
        ),
        status=403,
    )


def _invalid(request: HttpRequest, user: User | None, error: DomainError) -> HttpResponse:
    return _problem(
        request,
        user,
        title=_("This could not be read"),
        message=error.page_message(),
        status=error.status,
    )


def _margin(report: TransparencyReport, family: str, dimension: str) -> PublishedTable | None:
    """The report's one-dimension table of ``family`` over ``dimension``, if it has one."""
    for section in report.sections:
        if section.table.family == family and section.table.dimensions == [dimension]:
            return section.table
    return None


def _shown_sections(report: TransparencyReport) -> list[Chart | CrossTable]:
    shown: list[Chart | CrossTable] = []
    for section in report.sections:
        dimensions = section.table.dimensions
        if len(dimensions) == 1:
            shown.append(
                chart_of(section.table, dimensions[0], key=section.key, title=section.title)
            )
            continue
        rows, columns = dimensions
        shown.append(
            cross_table_of(
                section.table,
                rows,
                columns,
                key=section.key,
                title=section.title,
                row_totals=_margin(report, section.table.family, rows),
                column_totals=_margin(report, section.table.family, columns),
            )
        )
    return shown


@require_http_methods(["GET"])
def transparency_page(request: HttpRequest) -> HttpResponse:
    # Personnel read it without an account where it is published openly: nothing on this page
    # may set a cookie for them (no form with a CSRF token, no message, no session).
    user = _staff(request)
    try:
        code = _report_entity(request.GET)
        year = _year(request.GET, user)
    except InvalidInputError as error:
        return _invalid(request, user, error)
    entity = entity_named(code)
    if year is None or not may_read(user, entity, year):
        return _not_published(request, user)
    report = transparency_report(year, entity)
    return render(
        request,
        "stats/transparency.html",
        {
            "staff": user,
            "report": report,
            "title": report_title(report),
            "status_text": status_text(report),
            "quarters_text": quarters_text(report),
            "k_rule": k_rule(report.k),
            "sections": _shown_sections(report),
            "years": _years(user),
            "entities": Entity.objects.order_by("code").values_list("code", "name"),
            "entity": code or "",
            "may_approve": user is not None
            and report.approved_on is None
            and policy.approves_transparency_report(user),
            "csv_url": report_address("transparency-download", year, code, format="csv"),
            "pdf_url": report_address("transparency-download", year, code, format="pdf"),
        },
    )


@require_http_methods(["GET"])
def transparency_download(request: HttpRequest) -> HttpResponseBase:
    """The report as CSV or PDF, for whoever may read the page."""
    user = _staff(request)
    try:
        code = _report_entity(request.GET)
        year = year_asked(request.GET)
        wanted = request.GET.get("format", "").strip()
        if wanted not in ("csv", "pdf"):
            raise InvalidInputError({"format": [_("Choose csv or pdf.")]})
    except InvalidInputError as error:
        return _invalid(request, user, error)
    entity = entity_named(code)
    if not may_read(user, entity, year):
        return _not_published(request, user)
    report = transparency_report(year, entity)
    if wanted == "csv":
        return download(transparency_csv(report).encode(), "text/csv; charset=utf-8", report, "csv")
    return download(transparency_pdf(report), "application/pdf", report, "pdf")


@require_POST
@staff_required
def transparency_approve_action(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    back = reverse("transparency")
    try:
        year = year_asked(request.POST)
        back = report_address("transparency", year, None)
        transparency_report_approve(year=year, actor=user)
    except DomainError as error:
        messages.error(request, error.page_message())
        return redirect(back)
    messages.success(
        request,
        _(
            "The transparency report %(year)s is approved: every staff member can read it now, "
            "and anyone where it is published openly."
        )
        % {"year": year},
    )
    return redirect(back)
