from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared HTTP plumbing: error answers, throttling, logging filters, security headers,
    the site-wide pages and the health check. No models, no domain rules."""

    name = "core"

    def ready(self) -> None:
        # Importing the module registers the schema's token descriptions: a start-up side
        # effect, so it happens in ready(), Django's hook for registrations, and only once.
        from core import openapi  # noqa: F401, PLC0415
