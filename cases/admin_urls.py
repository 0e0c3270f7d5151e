from django.urls import path

from cases import admin_views

# The departure page of the administrator's workspace ("accounts" namespace, config/urls.py).
urlpatterns = [
    path(
        "staff/<str:username>/departure/",
        admin_views.staff_departure_page,
        name="staff_departure",
    ),
]
