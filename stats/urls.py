from django.urls import path

from stats import views

# Leadership's pages and the transparency report (config/urls.py includes them at the root).
urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("transparency/", views.transparency_page, name="transparency"),
    path("transparency/download", views.transparency_download, name="transparency-download"),
    path("transparency/approve", views.transparency_approve_action, name="transparency-approve"),
]
