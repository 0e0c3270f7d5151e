"""Audit checkpoints (``audit.checkpoints``, issue 10): every stream pinned under the chain key,
exported outside the database, so that a trail cut, emptied or restored from an older copy no
longer reaches the last exported checkpoint and ``verify_audit_chain`` says so."""

from __future__ import annotations

import json
import re
import socket
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.checkpoints import MARKER, exported_checkpoints_read
from audit.checks import check_audit_checkpoint_target
from audit.models import (
    AuditAction,
    AuditCheckpoint,
    AuditCheckpointStream,
    AuditEntry,
    AuditStreamHead,
)
from audit.services import SYSTEM_STREAM, audit_record
from audit.tasks import audit_checkpoint
from tests.helpers.audit import past_the_audit_triggers
from vault.envelope import audit_checkpoint_digest, audit_stream_tag

pytestmark = pytest.mark.django_db
LINE = re.compile(
    rf"^{MARKER} v1 sequence=[0-9]+ at=\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ "
    r"previous=[0-9a-f]{64} digest=[0-9a-f]{64}$"
)


@pytest.fixture
def export_file(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "audit-checkpoints.log"
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = str(path)
    return path


def _checkpoint() -> None:
    call_command("audit_checkpoint", stdout=StringIO())


def _verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_chain", stdout=out, stderr=err)
    except SystemExit as exited:
        return int(str(exited.code)), err.getvalue()
    return 0, out.getvalue()


def _verify_refuses() -> str:
    code, message = _verify()
    assert code == 1
    return message


def _staff_sign_ins(user: Any, count: int) -> None:
    for _ in range(count):
        audit_record(stream=SYSTEM_STREAM, action=AuditAction.STAFF_LOGIN, actor=user)


def test_the_checkpoint_command_appends_a_line_chained_to_the_one_before(
    export_file: Path, open_case: Any
) -> None:
    open_case()
    _checkpoint()
    open_case()
    _checkpoint()

    lines = export_file.read_text().splitlines()
    assert len(lines) == 2
    assert all(LINE.match(line) for line in lines)
    first, second = exported_checkpoints_read(export_file)
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.previous_digest == first.digest
    # Only the latest checkpoint keeps its per-stream detail: a row for each stream.
    detail = AuditCheckpointStream.objects.values_list("checkpoint_id", flat=True)
    assert set(detail) == {2}
    assert detail.count() == AuditStreamHead.objects.count()
    assert _verify()[0] == 0


def test_an_exported_checkpoint_names_no_stream_and_counts_nothing(
    export_file: Path, open_case: Any
) -> None:
    """A report id, or a count of streams every few minutes, would date submissions."""
    cases = [open_case(), open_case()]
    _checkpoint()
    line = export_file.read_text()
    for case in cases:
        assert str(case.report_id) not in line
    # The detail kept in the database lists keyed names only, no report id.
    detail = list(AuditCheckpointStream.objects.values_list("tag", "length", "last_hash"))
    assert len(detail) == AuditStreamHead.objects.count() == 2
    for case in cases:
        assert str(case.report_id) not in str(detail)
        assert audit_stream_tag(str(case.report_id)) in {tag for tag, _, _ in detail}
    # The sequence, the time and two digests: nothing else, no count of streams.
    assert LINE.match(line.strip())


def test_an_emptied_system_stream_is_detected_against_the_checkpoint(
    export_file: Path, focal_point: Any, open_case: Any
) -> None:
    """Regression (issue 10): the system stream, which no row requires, could be emptied
    (entries and head) and verify_audit_chain still said intact."""
    open_case()
    _staff_sign_ins(focal_point, 3)
    _checkpoint()
    with past_the_audit_triggers():
        AuditEntry.objects.filter(stream=SYSTEM_STREAM).delete()
        AuditStreamHead.objects.filter(stream=SYSTEM_STREAM).delete()

    assert "1 stream(s) counted in checkpoint 1 are gone" in _verify_refuses()


def test_a_stream_cut_and_given_back_an_earlier_authentic_head_is_caught_by_the_checkpoint(
    export_file: Path, focal_point: Any, staff_api: Any, open_case: Any
) -> None:
    """Regression (issue 10): a head row seen earlier is authentic; only the checkpoint can
    tell that the stream once went further."""
    case = open_case()
    stream = str(case.report_id)
    earlier = AuditStreamHead.objects.get(stream=stream)
    client = staff_api(focal_point)
    client.post(f"/api/v1/cases/{case.id}/transitions/acknowledge", {}, format="json")
    _checkpoint()
    with past_the_audit_triggers():
        AuditEntry.objects.filter(stream=stream, position__gt=earlier.length).delete()
        AuditStreamHead.objects.filter(stream=stream).update(
            last_hash=earlier.last_hash, length=earlier.length, head_mac=earlier.head_mac
        )

    assert client.get(f"/api/v1/cases/{case.id}/audit").json()["chain_valid"] is True
    assert f"stream {stream} no longer reaches checkpoint 1" in _verify_refuses()


def test_a_restored_older_copy_of_the_audit_tables_is_detected(
    export_file: Path, focal_point: Any, open_case: Any
) -> None:
    """Regression (issue 10): an administrator restores every audit table as it was at an
    earlier checkpoint; the copy is consistent in itself, but the exported line is not in it."""
    open_case()
    _staff_sign_ins(focal_point, 1)
    _checkpoint()
    entries, heads = list(AuditEntry.objects.all()), list(AuditStreamHead.objects.all())
    checkpoints = list(AuditCheckpoint.objects.all())
    detail = list(AuditCheckpointStream.objects.all())
    open_case()
    _staff_sign_ins(focal_point, 2)
    _checkpoint()

    with past_the_audit_triggers():
        AuditEntry.objects.all().delete()
        AuditStreamHead.objects.all().delete()
        AuditCheckpoint.objects.all().delete()  # and their detail
        AuditEntry.objects.bulk_create(entries)
        AuditStreamHead.objects.bulk_create(heads)
        AuditCheckpoint.objects.bulk_create(checkpoints)
        AuditCheckpointStream.objects.bulk_create(detail)

    assert "checkpoint 2, the last exported, is not the one in the database" in _verify_refuses()
    # Nor can a new checkpoint make the restored copy the new normal.
    with pytest.raises(CommandError, match="No checkpoint written"):
        _checkpoint()
    assert len(export_file.read_text().splitlines()) == 2


def test_no_checkpoint_is_written_over_a_trail_cut_since_the_last(
    export_file: Path, focal_point: Any, open_case: Any
) -> None:
    open_case()
    _staff_sign_ins(focal_point, 3)
    _checkpoint()
    last = AuditEntry.objects.filter(stream=SYSTEM_STREAM).order_by("-position")[0].position
    with past_the_audit_triggers():
        AuditEntry.objects.filter(stream=SYSTEM_STREAM, position=last).delete()
        AuditStreamHead.objects.filter(stream=SYSTEM_STREAM).delete()

    with pytest.raises(CommandError, match="No checkpoint written"):
        _checkpoint()
    assert AuditCheckpoint.objects.count() == 1
    assert len(export_file.read_text().splitlines()) == 1


def test_a_broken_checkpoint_chain_is_detected(export_file: Path, open_case: Any) -> None:
    open_case()
    _checkpoint()
    _checkpoint()
    with past_the_audit_triggers():
        AuditCheckpoint.objects.filter(sequence=1).update(previous_digest="f" * 64)
    assert "stored checkpoint chain is broken at checkpoint 1" in _verify_refuses()


def test_an_exported_copy_whose_lines_do_not_follow_each_other_is_detected(
    export_file: Path, open_case: Any
) -> None:
    open_case()
    _checkpoint()
    _checkpoint()
    first, second = export_file.read_text().splitlines()
    export_file.write_text(f"{second}\n{first}\n")
    assert "exported checkpoint chain is broken" in _verify_refuses()


def test_a_deleted_exported_copy_is_detected(export_file: Path, open_case: Any) -> None:
    open_case()
    _checkpoint()
    export_file.unlink()
    assert "the exported copy holds none of the 1 checkpoints" in _verify_refuses()


def test_a_copy_collected_elsewhere_can_be_checked_against(
    export_file: Path, open_case: Any, tmp_path: Path, settings: Any
) -> None:
    """With syslog only, verify_audit_chain is given the collected lines."""
    open_case()
    _checkpoint()
    collected = tmp_path / "collected.log"
    collected.write_text(f"Nov 26 10:00:00 host upstander: {export_file.read_text()}")
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = ""
    out = StringIO()
    call_command("verify_audit_chain", "--checkpoint-file", str(collected), stdout=out)
    assert "intact" in out.getvalue()
    assert "Not checked" not in out.getvalue()


def test_a_failed_export_stores_no_checkpoint(settings: Any, tmp_path: Path) -> None:
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = str(tmp_path / "missing-directory" / "log")
    with pytest.raises(CommandError):
        _checkpoint()
    assert not AuditCheckpoint.objects.exists()


def test_without_an_export_target_no_checkpoint_is_written(settings: Any) -> None:
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = ""
    settings.UPSTANDER_AUDIT_CHECKPOINT_SYSLOG = ""
    with pytest.raises(CommandError, match="UPSTANDER_AUDIT_CHECKPOINT_FILE"):
        _checkpoint()
    assert not AuditCheckpoint.objects.exists()


def test_checkpoints_can_go_to_syslog(settings: Any, open_case: Any) -> None:
    open_case()
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(5)
        settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = ""
        settings.UPSTANDER_AUDIT_CHECKPOINT_SYSLOG = f"127.0.0.1:{receiver.getsockname()[1]}"
        _checkpoint()
        received = receiver.recv(4096).decode()
    finally:
        receiver.close()
    assert received.startswith("<")  # a syslog priority
    assert f"{MARKER} v1 sequence=1 " in received
    assert AuditCheckpoint.objects.get().digest in received


def test_beat_writes_a_checkpoint_every_few_minutes(export_file: Path, open_case: Any) -> None:
    open_case()
    schedule = {
        entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["audit.tasks.audit_checkpoint"] == 300.0
    assert audit_checkpoint() == 1
    assert len(export_file.read_text().splitlines()) == 1


def test_a_deployment_without_an_export_target_is_warned(settings: Any) -> None:
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = ""
    settings.UPSTANDER_AUDIT_CHECKPOINT_SYSLOG = ""
    assert [message.id for message in check_audit_checkpoint_target()] == ["audit.W001"]
    settings.UPSTANDER_AUDIT_CHECKPOINT_SYSLOG = "/dev/log"
    assert check_audit_checkpoint_target() == []


def test_a_new_export_file_begun_with_the_last_line_carries_on(
    export_file: Path, open_case: Any
) -> None:
    """The README's way to start a new file: only the last line and what follows matter."""
    open_case()
    _checkpoint()
    _checkpoint()
    export_file.write_text(export_file.read_text().splitlines()[-1] + "\n")
    _checkpoint()
    assert [each.sequence for each in exported_checkpoints_read(export_file)] == [2, 3]
    assert _verify()[0] == 0


def test_a_forged_line_in_the_exported_copy_fails_the_check(
    export_file: Path, open_case: Any
) -> None:
    open_case()
    _checkpoint()
    with export_file.open("a") as exported:
        exported.write(f"{MARKER} v1 sequence=2 at=yesterday previous=0 digest=0\n")
    assert "not a checkpoint this service wrote" in _verify_refuses()
    with pytest.raises(CommandError, match="not a checkpoint this service wrote"):
        _checkpoint()


@pytest.mark.parametrize("target", ["no-port", "host:", "host:port", "/nonexistent/socket"])
def test_a_bad_syslog_target_stores_no_checkpoint(settings: Any, target: str) -> None:
    settings.UPSTANDER_AUDIT_CHECKPOINT_FILE = ""
    settings.UPSTANDER_AUDIT_CHECKPOINT_SYSLOG = target
    with pytest.raises(CommandError):
        _checkpoint()
    assert not AuditCheckpoint.objects.exists()


def test_no_checkpoint_pins_a_head_set_back_without_the_key(
    export_file: Path, focal_point: Any, open_case: Any
) -> None:
    """A first checkpoint has nothing to compare with: it still refuses a forged head."""
    open_case()
    _staff_sign_ins(focal_point, 3)
    kept = AuditEntry.objects.get(stream=SYSTEM_STREAM, position=2)
    with past_the_audit_triggers():
        AuditEntry.objects.filter(stream=SYSTEM_STREAM, position=3).delete()
        AuditStreamHead.objects.filter(stream=SYSTEM_STREAM).update(
            last_hash=kept.entry_hash, length=2
        )
    with pytest.raises(CommandError, match="No checkpoint written"):
        _checkpoint()
    assert not export_file.exists()


@pytest.mark.parametrize("tampering", ["length", "last_hash", "deleted", "added"])
def test_a_checkpoint_detail_changed_in_the_database_is_detected(
    export_file: Path, focal_point: Any, open_case: Any, tampering: str
) -> None:
    """The detail's rows are covered by the checkpoint's keyed digest: a row changed, removed
    or added (to vouch for a stream cut since) no longer matches it."""
    open_case()
    _staff_sign_ins(focal_point, 2)
    _checkpoint()
    row = AuditCheckpointStream.objects.filter(tag=audit_stream_tag(SYSTEM_STREAM))
    with past_the_audit_triggers():
        if tampering == "length":
            row.update(length=1)
        elif tampering == "last_hash":
            row.update(last_hash="a" * 64)
        elif tampering == "deleted":
            row.delete()
        else:
            AuditCheckpointStream.objects.create(
                checkpoint_id=1, tag=audit_stream_tag("another"), length=1, last_hash="b" * 64
            )

    assert "the detail of checkpoint 1 is missing or altered" in _verify_refuses()
    with pytest.raises(CommandError, match="No checkpoint written"):
        _checkpoint()


def test_a_head_given_another_streams_tag_is_refused_and_detected(
    export_file: Path, focal_point: Any, open_case: Any
) -> None:
    """A head's tag is not covered by its keyed digest: the checkpoint checks it against the
    stream, and the streams a checkpoint pinned are looked up by it."""
    case = open_case()
    _staff_sign_ins(focal_point, 1)
    _checkpoint()
    heads = AuditStreamHead.objects
    with past_the_audit_triggers():
        # Two heads' tags swapped (the tags are unique, so by way of a third).
        heads.filter(stream=SYSTEM_STREAM).update(tag="swapped")
        heads.filter(stream=str(case.report_id)).update(tag=audit_stream_tag(SYSTEM_STREAM))
        heads.filter(stream=SYSTEM_STREAM).update(tag=audit_stream_tag(str(case.report_id)))
    message = _verify_refuses()
    assert f"stream {case.report_id} no longer reaches checkpoint 1" in message
    assert f"stream {SYSTEM_STREAM} no longer reaches checkpoint 1" in message
    with pytest.raises(CommandError, match="No checkpoint written"):
        _checkpoint()
    # One given a name no stream has: its pin is answered by no head.
    with past_the_audit_triggers():
        heads.filter(stream=str(case.report_id)).update(tag=audit_stream_tag("another"))
        heads.filter(stream=SYSTEM_STREAM).update(tag=audit_stream_tag(SYSTEM_STREAM))
    assert "1 stream(s) counted in checkpoint 1 are gone" in _verify_refuses()


def test_streams_cut_beyond_those_named_are_counted(
    export_file: Path, open_case: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("audit.checkpoints._NAMED", 1)
    cases = [open_case(), open_case()]
    _checkpoint()
    with past_the_audit_triggers():
        for case in cases:
            stream = str(case.report_id)
            last = AuditEntry.objects.filter(stream=stream).order_by("-position")[0]
            AuditEntry.objects.filter(pk=last.pk).delete()
            AuditStreamHead.objects.filter(stream=stream).update(
                length=last.position - 1, last_hash=last.previous_hash
            )
    message = _verify_refuses()
    assert message.count("no longer reaches checkpoint 1 (cut short") == 1
    assert "1 more stream(s) no longer reach checkpoint 1" in message


def test_the_detail_digest_is_the_one_checkpoints_always_had(
    export_file: Path, focal_point: Any, open_case: Any
) -> None:
    """Read back row by row, the detail gives the digest of the JSON document it once was, so
    the checkpoints stored before it had rows of its own still verify."""
    open_case()
    open_case()
    _staff_sign_ins(focal_point, 1)
    _checkpoint()
    streams = {
        tag: [length, last_hash]
        for tag, length, last_hash in AuditCheckpointStream.objects.values_list(
            "tag", "length", "last_hash"
        )
    }
    canonical = json.dumps(
        {"kind": "streams", "streams": streams}, sort_keys=True, separators=(",", ":")
    )
    assert AuditCheckpoint.objects.get().streams_digest == audit_checkpoint_digest(canonical)
