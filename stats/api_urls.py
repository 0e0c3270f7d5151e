from django.urls import path

from stats import api

urlpatterns = [
    path("stats/aggregate", api.AggregateApi.as_view(), name="api-stats-aggregate"),
    path(
        "stats/transparency-report",
        api.TransparencyReportApi.as_view(),
        name="api-stats-transparency-report",
    ),
    path(
        "stats/transparency-report/approve",
        api.TransparencyApproveApi.as_view(),
        name="api-stats-transparency-approve",
    ),
]
