from django.urls import path

from portal import views

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
    path("my-report/attachments", views.portal_attachment, name="portal-attachment"),
    path(
        "my-report/attachments/<uuid:attachment_id>",
        views.portal_attachment_download,
        name="portal-attachment-download",
    ),
    path("exit/", views.quick_exit, name="quick-exit"),
]
