from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared HTTP plumbing: error answers, throttling, logging filters, security headers,
    the site-wide pages and the health check. No models, no domain rules."""

    name = "core"

    def ready(self) -> None:
        from core import openapi  # noqa: F401 - registers the schema's token descriptions
