from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the pass-on of report keys to staff sign-in (``accounts.signals``).
        from cases import readers  # noqa: F401, PLC0415
