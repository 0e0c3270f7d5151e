"""Beat writes an audit checkpoint every few minutes (see ``audit.checkpoints``)."""

from celery import shared_task

from audit.checkpoints import checkpoint_create


@shared_task(ignore_result=True)
def audit_checkpoint() -> int:
    # A refusal raises, so the failure shows in the worker's log (counts only, no report id).
    return checkpoint_create().sequence
