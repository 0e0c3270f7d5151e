"""Leadership's API: released, protected aggregates only; never a case, a narrative or a name."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import policy
from accounts.api import StaffApi
from accounts.models import User
from core.errors import ForbiddenError, InvalidInputError
from stats.queries import dimensions_asked, entity_asked, entity_named, period_asked, year_asked
from stats.rendering import transparency_csv, transparency_pdf
from stats.selectors import PublishedTable, published_table
from stats.services import transparency_report_approve
from stats.transparency import TransparencyReport, transparency_report


def statistics_reader(user: User) -> User:
    if not policy.reads_statistics(user):
        raise ForbiddenError
    return user


def table_answer(table: PublishedTable, **extra: Any) -> dict[str, Any]:
    return {
        "k": table.k,
        "dimensions": table.dimensions,
        "cells": [
            {**cell.values, "count": cell.count, "suppressed": cell.suppressed}
            for cell in table.cells
        ],
        "total": table.total,
        "quarters": table.quarters,
        **extra,
    }


class AggregateApi(StaffApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("dimensions", str, description="Up to three, comma-separated."),
            OpenApiParameter("from", str, description="A date; snaps to its quarter's start."),
            OpenApiParameter("to", str, description="A date; snaps to its quarter's end."),
            OpenApiParameter("entity", str, description="Only this entity's cells."),
        ],
        responses={200: OpenApiResponse(description="released counts, small ones withheld")},
    )
    def get(self, request: Request) -> Response:
        statistics_reader(self.staff(request))
        params = request.query_params
        dimensions = dimensions_asked(params)
        period = period_asked(params)
        entity = entity_asked(params)
        table = published_table("reports", dimensions, period.quarters, entity=entity)
        return Response(
            table_answer(
                table, **{"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
            )
        )


def transparency_answer(report: TransparencyReport) -> dict[str, Any]:
    return {
        "year": report.year,
        "entity": report.entity.code if report.entity else None,
        "k": report.k,
        "quarters": report.quarters,
        "complete": report.complete,
        "approved": report.approved_on is not None,
        "approved_on": report.approved_on.isoformat() if report.approved_on else None,
        "sections": {
            section.key: {"title": str(section.title), **table_answer(section.table)}
            for section in report.sections
        },
        "figures": {
            figure.key: {
                "label": str(figure.label),
                "value": figure.value,
                "unit": figure.unit,
                "suppressed": figure.value is None,
            }
            for figure in report.figures
        },
    }


class TransparencyReportApi(StaffApi):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ``format`` is this endpoint's own parameter (csv or pdf), not DRF's renderer switch.
        return (self.get_renderers()[0], self.get_renderers()[0].media_type)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("entity", str, description="One entity's report."),
            OpenApiParameter("format", str, description="csv or pdf; JSON without it."),
        ],
        responses={200: OpenApiResponse(description="the annual report, small counts withheld")},
    )
    def get(self, request: Request) -> HttpResponseBase:
        statistics_reader(self.staff(request))
        params = request.query_params
        year = year_asked(params)
        code = entity_asked(params)
        wanted = params.get("format", "").strip()
        if wanted not in ("", "json", "csv", "pdf"):
            raise InvalidInputError({"format": [_("Choose csv or pdf, or leave it out for JSON.")]})
        report = transparency_report(year, entity_named(code))
        if wanted == "csv":
            return download(transparency_csv(report).encode(), "text/csv", report, "csv")
        if wanted == "pdf":
            return download(transparency_pdf(report), "application/pdf", report, "pdf")
        return Response(transparency_answer(report))


def download(
    content: bytes, media_type: str, report: TransparencyReport, suffix: str
) -> HttpResponse:
    # An entity code is chosen by administrators: only safe characters reach the header.
    code = report.entity.code if report.entity else "all"
    scope = "".join(c for c in code if c.isascii() and (c.isalnum() or c in "-_")) or "entity"
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = (
        f'attachment; filename="transparency-report-{report.year}-{scope}.{suffix}"'
    )
    return response


class TransparencyApprovalSerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=1901, max_value=2199)


class TransparencyApproveApi(StaffApi):
    @extend_schema(
        request=TransparencyApprovalSerializer,
        responses={200: OpenApiResponse(description="the year's report is approved")},
    )
    def post(self, request: Request) -> Response:
        user = self.staff(request)
        data = self.validated(TransparencyApprovalSerializer, request)
        approval = transparency_report_approve(year=data["year"], actor=user)
        return Response({"year": approval.year, "approved_on": approval.approved_on.isoformat()})
