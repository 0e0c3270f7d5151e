from django.urls import path

from cases import conflict_views, views

# The case pages of the "staff" URL namespace, which config/urls.py assembles from
# accounts.urls (sign-in, enrolment) and these.
urlpatterns = [
    path("", views.case_list_page, name="cases"),
    path("cases/<uuid:case_id>/", views.case_page, name="case"),
    path(
        "cases/<uuid:case_id>/transitions/<str:name>",
        views.case_transition_action,
        name="case-transition",
    ),
    path("cases/<uuid:case_id>/messages", views.case_message_action, name="case-message"),
    path(
        "cases/<uuid:case_id>/attachments/<uuid:attachment_id>",
        views.case_attachment_download,
        name="case-attachment",
    ),
    path("cases/<uuid:case_id>/referral", views.case_referral_action, name="case-referral"),
    path("cases/<uuid:case_id>/assignment", views.case_assignment_action, name="case-assignment"),
    path(
        "cases/<uuid:case_id>/reassignments/<uuid:reassignment_id>/approve",
        views.reassignment_approve_action,
        name="case-reassignment-approve",
    ),
    path("cases/<uuid:case_id>/overrides", views.override_request_action, name="case-override"),
    path(
        "cases/<uuid:case_id>/overrides/<uuid:override_id>/approve",
        views.override_approve_action,
        name="case-override-approve",
    ),
    path(
        "cases/<uuid:case_id>/rights-concerns",
        views.case_rights_concern_action,
        name="case-rights-concern",
    ),
    path(
        "cases/<uuid:case_id>/overrides/<uuid:override_id>/notice",
        views.override_notice_action,
        name="case-override-notice",
    ),
    path("cases/<uuid:case_id>/labels", views.case_labels_action, name="case-labels"),
    path(
        "cases/<uuid:case_id>/retaliation-risk",
        views.retaliation_risk_action,
        name="case-retaliation-risk",
    ),
    path(
        "cases/<uuid:case_id>/conflict", conflict_views.case_conflict_action, name="case-conflict"
    ),
    path("cases/<uuid:case_id>/manager", views.case_manager_action, name="case-manager"),
    path("conflicts/", conflict_views.conflicts_page, name="conflicts"),
]
