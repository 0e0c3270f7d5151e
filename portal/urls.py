from django.urls import path

from portal import feedback_views, views

app_name = "portal"

urlpatterns = [
    path("report/", views.intake, name="intake"),
    path("report/receipt/", views.receipt, name="receipt"),
    path("access/", views.access, name="access"),
    path("my-report/", views.portal, name="portal"),
    path("my-report/stay", views.portal_stay, name="portal-stay"),
    path("my-report/consent", views.portal_consent, name="portal-consent"),
    path("my-report/message", views.portal_message, name="portal-message"),
    path("my-report/route", views.portal_route, name="portal-route"),
    path("my-report/survey", feedback_views.portal_survey, name="portal-survey"),
    path("my-report/attachments", views.portal_attachment, name="portal-attachment"),
    path(
        "my-report/attachments/<uuid:attachment_id>",
        views.portal_attachment_download,
        name="portal-attachment-download",
    ),
    path("not-ready/", feedback_views.not_ready, name="not-ready"),
    path("not-ready/thanks/", feedback_views.not_ready_thanks, name="not-ready-thanks"),
    path("exit/", views.quick_exit, name="quick-exit"),
]
