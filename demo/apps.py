from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo installations only: the demo entities, their service directories, one staff user
    per role, and ``seed_demo`` that creates them. No domain rule lives here: staff accounts
    come from ``accounts.services.staff_user_provision``; entities and directory entries, which
    no service writes yet, are written with the ORM."""

    name = "demo"
