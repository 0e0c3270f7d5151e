"""A deployment check: audit checkpoints must leave the database (issue 10).

``manage.py check --deploy`` (which ``make serve`` runs) warns when neither export target is
set: the trail's chain and heads still hold, but a restored older copy would go unnoticed.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_audit_checkpoint_target(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if settings.UPSTANDER_AUDIT_CHECKPOINT_FILE or settings.UPSTANDER_AUDIT_CHECKPOINT_SYSLOG:
        return []
    return [
        checks.Warning(
            "Audit checkpoints are not exported: a restored older copy of the audit tables "
            "would go unnoticed.",
            hint="Set UPSTANDER_AUDIT_CHECKPOINT_FILE or UPSTANDER_AUDIT_CHECKPOINT_SYSLOG.",
            id="audit.W001",
        )
    ]
