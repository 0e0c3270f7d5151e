from django.urls import path

from accounts import api

urlpatterns = [
    path("entities", api.EntityListApi.as_view(), name="api-entities"),
    path("auth/token", api.AuthTokenApi.as_view(), name="api-auth-token"),
    path("auth/enrol", api.StaffEnrolApi.as_view(), name="api-auth-enrol"),
    path("auth/password", api.StaffPasswordApi.as_view(), name="api-auth-password"),
    path("staff/users", api.StaffUsersApi.as_view(), name="api-staff-users"),
    path(
        "staff/users/<str:username>/invitation",
        api.StaffUserInviteApi.as_view(),
        name="api-staff-user-invitation",
    ),
    path(
        "staff/users/<str:username>/reset",
        api.StaffUserResetApi.as_view(),
        name="api-staff-user-reset",
    ),
    path(
        "staff/users/<str:username>/deactivate",
        api.StaffUserDeactivateApi.as_view(),
        name="api-staff-user-deactivate",
    ),
]
