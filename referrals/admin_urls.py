from django.urls import path

from referrals import admin_views

# The service directory of the administrator's workspace ("accounts" namespace, config/urls.py).
urlpatterns = [
    path("entities/<str:code>/services/", admin_views.directory_page, name="directory"),
    path("services/<int:entry_id>/", admin_views.directory_entry_page, name="directory_entry"),
    path(
        "services/<int:entry_id>/remove",
        admin_views.directory_entry_remove_page,
        name="directory_entry_remove",
    ),
]
