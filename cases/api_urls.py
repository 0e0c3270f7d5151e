from django.urls import path

from cases import api

urlpatterns = [
    path("cases", api.CaseListApi.as_view(), name="api-cases"),
    path("cases/<uuid:case_id>", api.CaseDetailApi.as_view(), name="api-case"),
    path(
        "cases/<uuid:case_id>/transitions/<str:name>",
        api.CaseTransitionApi.as_view(),
        name="api-case-transition",
    ),
    path("cases/<uuid:case_id>/messages", api.CaseMessageApi.as_view(), name="api-case-messages"),
    path("cases/<uuid:case_id>/notes", api.CaseNoteApi.as_view(), name="api-case-notes"),
    path(
        "cases/<uuid:case_id>/referrals", api.CaseReferralApi.as_view(), name="api-case-referrals"
    ),
    path(
        "cases/<uuid:case_id>/rights-concerns",
        api.CaseRightsConcernApi.as_view(),
        name="api-case-rights-concerns",
    ),
    path("cases/<uuid:case_id>/audit", api.CaseAuditApi.as_view(), name="api-case-audit"),
    path(
        "cases/<uuid:case_id>/overrides", api.CaseOverrideApi.as_view(), name="api-case-overrides"
    ),
    path(
        "cases/<uuid:case_id>/assignment", api.CaseAssignApi.as_view(), name="api-case-assignment"
    ),
    path(
        "cases/<uuid:case_id>/retaliation-risk",
        api.CaseRetaliationRiskApi.as_view(),
        name="api-case-retaliation-risk",
    ),
    path("cases/<uuid:case_id>/labels", api.CaseLabelsApi.as_view(), name="api-case-labels"),
    path(
        "reassignments/<uuid:reassignment_id>/approve",
        api.ReassignmentApproveApi.as_view(),
        name="api-reassignment-approve",
    ),
    path(
        "overrides/<uuid:override_id>/approve",
        api.OverrideApproveApi.as_view(),
        name="api-override-approve",
    ),
    path(
        "overrides/<uuid:override_id>/notice",
        api.OverrideNoticeApi.as_view(),
        name="api-override-notice",
    ),
    path(
        "cases/<uuid:case_id>/attachments/<uuid:attachment_id>",
        api.CaseAttachmentApi.as_view(),
        name="api-case-attachment",
    ),
    path(
        "cases/<uuid:case_id>/manager-proposals",
        api.CaseManagerProposalApi.as_view(),
        name="api-case-manager-proposals",
    ),
    path("conflicts", api.ConflictListApi.as_view(), name="api-conflicts"),
    path("staff/handover", api.StaffHandoverApi.as_view(), name="api-staff-handover"),
]
