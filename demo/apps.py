from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo installations only: the demo entities, their service directories, one staff user
    per role, and ``seed_demo`` that creates them. No domain rule lives here; it calls the
    domain services like any other client."""

    name = "demo"
