from django.urls import path

from portal import api

urlpatterns = [
    path("reports", api.ReportCreateApi.as_view(), name="api-report-create"),
    path("reporter/session", api.ReporterSessionApi.as_view(), name="api-reporter-session"),
    path("reporter/report", api.ReporterReportApi.as_view(), name="api-reporter-report"),
    path("reporter/consents", api.ReporterConsentApi.as_view(), name="api-reporter-consents"),
    path("reporter/messages", api.ReporterMessageApi.as_view(), name="api-reporter-messages"),
    path("reporter/route", api.ReporterRouteApi.as_view(), name="api-reporter-route"),
    path(
        "reporter/affected-person-code",
        api.ReporterAffectedPersonCodeApi.as_view(),
        name="api-reporter-affected-person-code",
    ),
    path(
        "reporter/affected-person-link",
        api.ReporterAffectedPersonLinkApi.as_view(),
        name="api-reporter-affected-person-link",
    ),
    path(
        "reporter/handler-change",
        api.ReporterHandlerChangeApi.as_view(),
        name="api-reporter-handler-change",
    ),
    path("reporter/manager", api.ReporterManagerApi.as_view(), name="api-reporter-manager"),
    path("reporter/survey", api.ReporterSurveyApi.as_view(), name="api-reporter-survey"),
    path(
        "reporter/retaliation",
        api.ReporterRetaliationApi.as_view(),
        name="api-reporter-retaliation",
    ),
    path(
        "reporter/check-ins/<uuid:check_in_id>",
        api.ReporterCheckInApi.as_view(),
        name="api-reporter-check-in",
    ),
    path(
        "reporter/attachments", api.ReporterAttachmentApi.as_view(), name="api-reporter-attachments"
    ),
    path(
        "reporter/attachments/<uuid:attachment_id>",
        api.ReporterAttachmentDownloadApi.as_view(),
        name="api-reporter-attachment",
    ),
]
