from django.urls import path

from accounts import admin_views

# The administrator's workspace under /staff/admin/, the "accounts" namespace; config/urls.py
# adds its departure page (cases) and service directory (referrals).
urlpatterns = [
    path("", admin_views.admin_home, name="admin_home"),
    path("staff/invitations", admin_views.staff_invite_action, name="staff_invite"),
    path(
        "staff/<str:username>/invitation",
        admin_views.staff_invitation_resend_action,
        name="staff_invitation_resend",
    ),
    path(
        "staff/<str:username>/reset",
        admin_views.staff_sign_in_reset_action,
        name="staff_sign_in_reset",
    ),
    path("staff/<str:username>/role", admin_views.staff_role_action, name="staff_role"),
    path("staff/<str:username>/senior", admin_views.staff_senior_action, name="staff_senior"),
    path("entities/", admin_views.entity_list_page, name="entities"),
    path("entities/<str:code>/", admin_views.entity_page, name="entity"),
    path("entities/<str:code>/routing", admin_views.entity_routing_action, name="entity_routing"),
]
