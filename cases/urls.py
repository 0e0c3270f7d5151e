from django.urls import path

from cases import views

app_name = "staff"

urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("logout/", views.staff_logout, name="logout"),
    path("enrol/", views.staff_enrol_page, name="enrol"),
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
]
