"""The reporter's doors: the intake and its receipt, signing in with a receipt, the portal
(consents, messages, route, attachments), quick exit, and the reporter's API.

No models: what a reporter writes is stored in ``reports`` (the record), and a case is opened
through ``cases``. This app sits above both, so the record never needs to know about cases.
"""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
