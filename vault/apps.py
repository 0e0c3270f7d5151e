from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "vault"
    verbose_name = "Encryption keys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing the module registers the key-consistency system check; it reads models, so
        # it can only be imported once the apps are loaded.
        from vault import checks  # noqa: F401, PLC0415
