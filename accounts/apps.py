from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Entities and staff"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from config import openapi  # noqa: F401 - registers the schema's token descriptions
