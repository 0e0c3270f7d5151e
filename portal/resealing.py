"""Re-sealing a report under a new data key, inside the reporter's session.

When the reporter withdraws case review before a formal process starts, the organisation's
wrapping of the report's key is no longer enough to remove: a backup taken while the report was
shared still holds it, and with the server's key it opens the old data key. So the report gets
a new data key, wrapped under the same receipt only, every ciphertext sealed under the old key
is re-encrypted under the new one, and the old key with every wrapping of it is deleted. That
backup still holds what it held when it was taken, but its key opens nothing in the database
from then on: neither what is added afterwards nor the re-encrypted copies of what was there.

Only the reporter's session can do this: it holds the old key and the key the receipt derives
(wrapped under the session's token, ``reports.models.ReporterSession``), and the new key is
wrapped for that session only. What it cannot protect against is an operator who changes the
running code: that code sees the key whenever the reporter next signs in.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from cases.models import InternalNote, ManagerProposal, Override
from referrals.models import Referral
from reports.models import Attachment, AttachmentContent, Message, Report, ReporterSession
from vault import envelope
from vault.fields import EncryptedField

# Every model with columns sealed under a report's data key, and the path from it to its
# report. A model that gains an ``EncryptedField`` must be listed here, or re-sealing would
# leave it under the old key (``tests/portal/test_resealing.py`` checks every model is).
SEALED_UNDER_THE_REPORT_KEY: tuple[tuple[type[models.Model], str], ...] = (
    (Report, "pk"),
    (Message, "report"),
    (Attachment, "report"),
    (AttachmentContent, "attachment__report"),
    (InternalNote, "case__report"),
    (Override, "case__report"),
    (ManagerProposal, "case__report"),
    (Referral, "case__report"),
)


def encrypted_columns(model: type[models.Model]) -> list[str]:
    return [field.name for field in model._meta.get_fields() if isinstance(field, EncryptedField)]


def models_with_encrypted_columns() -> set[type[models.Model]]:
    """Every installed model that holds ciphertext."""
    return {model for model in apps.get_models() if encrypted_columns(model)}


def report_rekey(
    *,
    report: Report,
    session: ReporterSession,
    token: str,
    old_key: bytes,
    receipt_key: bytes,
) -> bytes:
    """Give ``report`` (locked by the caller) a new data key; returns it.

    Runs in the caller's transaction: the ciphertexts, the report's key, the old key's deletion
    and the session's new wrapping commit together or not at all. The reporter's other
    sessions hold the old key and end here (their holders sign in again with the receipt).
    """
    old_data_key = report.data_key
    replacement, new_key = envelope.data_key_replace(data_key=old_data_key, receipt_key=receipt_key)
    for model, path in SEALED_UNDER_THE_REPORT_KEY:
        if model is Report:
            continue
        columns = encrypted_columns(model)
        rows = model._default_manager.filter(**{path: report}).only("pk", *columns)
        # A file's bytes one at a time (each can be megabytes): memory holds one file, not five.
        for row in rows.iterator(chunk_size=1 if model is AttachmentContent else 100):
            for column in columns:
                envelope.reseal(row, column, old_key=old_key, new_key=new_key)
            row.save(update_fields=columns)
    columns = encrypted_columns(Report)
    for column in columns:
        envelope.reseal(report, column, old_key=old_key, new_key=new_key)
    report.data_key = replacement
    report.save(update_fields=[*columns, "data_key"])
    envelope.data_key_retire(data_key=old_data_key)
    ReporterSession.objects.filter(report=report).exclude(pk=session.pk).delete()
    session.wrapped_data_key = envelope.session_wrap(
        token=token, key_material=new_key, report_id=report.id
    )
    session.save(update_fields=["wrapped_data_key"])
    return new_key
