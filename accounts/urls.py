from django.urls import path

from accounts import views

# The staff-account pages of the "staff" URL namespace (config/urls.py adds the case pages).
urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("logout/", views.staff_logout, name="logout"),
    path("enrol/", views.staff_enrol_page, name="enrol"),
    path("settings/", views.staff_settings_page, name="settings"),
    path("settings/password/", views.staff_password_page, name="password"),
]
