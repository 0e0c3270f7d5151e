from django.urls import path

from portal import (
    coming_forward_views,
    feedback_views,
    retaliation_views,
    safety_views,
    views,
)

app_name = "portal"

urlpatterns = [
    path("report/", views.intake, name="intake"),
    path("report/receipt/", views.receipt, name="receipt"),
    path("report/receipt/file", views.receipt_file, name="receipt-file"),
    path("access/", views.access, name="access"),
    path("my-report/", views.portal, name="portal"),
    path("my-report/stay", views.portal_stay, name="portal-stay"),
    path("my-report/consent", views.portal_consent, name="portal-consent"),
    path(
        "my-report/consent/withdraw",
        views.portal_consent_withdraw,
        name="portal-consent-withdraw",
    ),
    path("my-report/message", views.portal_message, name="portal-message"),
    path("my-report/route", views.portal_route, name="portal-route"),
    path(
        "my-report/affected-person-code",
        coming_forward_views.affected_person_code,
        name="portal-affected-person-code",
    ),
    path(
        "my-report/affected-person-link",
        coming_forward_views.affected_person_link_action,
        name="portal-affected-person-link",
    ),
    path("come-forward/", coming_forward_views.come_forward, name="come-forward"),
    path("my-report/handler", views.portal_handler_change, name="portal-handler-change"),
    path("my-report/manager", views.portal_manager, name="portal-manager"),
    path("my-report/survey", feedback_views.portal_survey, name="portal-survey"),
    path(
        "my-report/something-happened",
        retaliation_views.something_happened,
        name="something-happened",
    ),
    path("my-report/check-in", retaliation_views.check_in, name="portal-check-in"),
    path("my-report/attachments", views.portal_attachment, name="portal-attachment"),
    path(
        "my-report/attachments/<uuid:attachment_id>",
        views.portal_attachment_download,
        name="portal-attachment-download",
    ),
    path("not-ready/", feedback_views.not_ready, name="not-ready"),
    path("not-ready/thanks/", feedback_views.not_ready_thanks, name="not-ready-thanks"),
    path("exit/", views.quick_exit, name="quick-exit"),
    path("staying-safe/", safety_views.staying_safe, name="staying-safe"),
    path("upstander/", safety_views.upstander, name="upstander"),
    path("support/", safety_views.support_entities, name="support-entities"),
    path("support/<str:entity_code>/", safety_views.support, name="support"),
]
