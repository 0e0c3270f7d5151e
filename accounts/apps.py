from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Entities and staff"
    default_auto_field = "django.db.models.BigAutoField"
