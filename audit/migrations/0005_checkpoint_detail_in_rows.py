"""Issue 15: a checkpoint's per-stream detail in rows of its own, and each head's keyed tag, so
that a checkpoint is written and checked in the database in bounded memory at a million streams.

The latest checkpoint's detail moves from its JSON document to rows in the database itself, no
row through Python; its digest, over the same canonical text, stays valid. Existing heads are
given their tags a batch at a time. Checkpoint rows, which only shed their detail until now,
no longer change at all; the detail rows refuse to be changed or truncated, and the latest
checkpoint's to be deleted.
"""

from typing import Any

from django.db import migrations, models

from vault.envelope import audit_stream_tagger

TAG_BATCH = 2000
HEAD_TRIGGER = "audit_head_only_advances"

POSTGRES_UP = """
-- A head's tag is written with it and never changes.
CREATE OR REPLACE FUNCTION audit_heads_only_advance() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit stream heads cannot be deleted';
    END IF;
    IF NEW.stream <> OLD.stream OR NEW.tag <> OLD.tag OR NEW.length <> OLD.length + 1
        OR NOT EXISTS (
            SELECT 1 FROM audit_auditentry
            WHERE stream = NEW.stream AND position = NEW.length AND entry_hash = NEW.last_hash
        )
    THEN
        RAISE EXCEPTION 'an audit stream head only moves to the entry appended after it';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_checkpoints_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are append-only';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER audit_checkpoint_append_only ON audit_auditcheckpoint;
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only();
DROP FUNCTION audit_checkpoints_only_shed_detail();

CREATE OR REPLACE FUNCTION audit_checkpoint_streams_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoint detail is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_checkpoint_stream_append_only BEFORE UPDATE ON audit_auditcheckpointstream
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_streams_append_only();
CREATE TRIGGER audit_checkpoint_stream_no_truncate BEFORE TRUNCATE ON audit_auditcheckpointstream
    FOR EACH STATEMENT EXECUTE FUNCTION audit_tables_refuse_truncate();
-- A superseded checkpoint's detail is deleted; the latest's, which verifying needs, is not.
-- Once per statement, over the rows it deleted: a checkpoint sheds a million at a time.
CREATE OR REPLACE FUNCTION audit_checkpoint_streams_keep_latest() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM shed
        WHERE checkpoint_id = (SELECT max(sequence) FROM audit_auditcheckpoint)
    ) THEN
        RAISE EXCEPTION 'the latest audit checkpoint keeps its detail';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_checkpoint_stream_keeps_latest AFTER DELETE ON audit_auditcheckpointstream
    REFERENCING OLD TABLE AS shed
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_streams_keep_latest();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_checkpoint_stream_keeps_latest ON audit_auditcheckpointstream;
DROP TRIGGER IF EXISTS audit_checkpoint_stream_no_truncate ON audit_auditcheckpointstream;
DROP TRIGGER IF EXISTS audit_checkpoint_stream_append_only ON audit_auditcheckpointstream;
DROP FUNCTION IF EXISTS audit_checkpoint_streams_keep_latest();
DROP FUNCTION IF EXISTS audit_checkpoint_streams_append_only();

CREATE OR REPLACE FUNCTION audit_checkpoints_only_shed_detail() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit checkpoints cannot be deleted';
    END IF;
    IF NEW.streams IS NOT NULL
        OR (NEW.sequence, NEW.at, NEW.previous_digest, NEW.streams_digest, NEW.digest)
            IS DISTINCT FROM
           (OLD.sequence, OLD.at, OLD.previous_digest, OLD.streams_digest, OLD.digest)
    THEN
        RAISE EXCEPTION 'audit checkpoints are append-only';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER audit_checkpoint_append_only ON audit_auditcheckpoint;
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_only_shed_detail();
DROP FUNCTION audit_checkpoints_append_only();

CREATE OR REPLACE FUNCTION audit_heads_only_advance() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit stream heads cannot be deleted';
    END IF;
    IF NEW.stream <> OLD.stream OR NEW.length <> OLD.length + 1 OR NOT EXISTS (
        SELECT 1 FROM audit_auditentry
        WHERE stream = NEW.stream AND position = NEW.length AND entry_hash = NEW.last_hash
    ) THEN
        RAISE EXCEPTION 'an audit stream head only moves to the entry appended after it';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
# The detail, moved in the database: the JSON object's keys are the tags, its values
# [length, last hash].
DETAIL_FROM_JSON = {
    "postgresql": (
        "INSERT INTO audit_auditcheckpointstream (checkpoint_id, tag, length, last_hash) "
        "SELECT c.sequence, j.key, (j.value ->> 0)::integer, j.value ->> 1 "
        "FROM audit_auditcheckpoint c CROSS JOIN LATERAL jsonb_each(c.streams) j "
        "WHERE c.streams IS NOT NULL"
    ),
    "sqlite": (
        "INSERT INTO audit_auditcheckpointstream (checkpoint_id, tag, length, last_hash) "
        "SELECT c.sequence, j.key, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]') "
        "FROM audit_auditcheckpoint c, json_each(c.streams) j WHERE c.streams IS NOT NULL"
    ),
}
DETAIL_TO_JSON = {
    "postgresql": (
        "UPDATE audit_auditcheckpoint c SET streams = (SELECT "
        "jsonb_object_agg(d.tag, jsonb_build_array(d.length, d.last_hash)) "
        "FROM audit_auditcheckpointstream d WHERE d.checkpoint_id = c.sequence) "
        "WHERE EXISTS (SELECT 1 FROM audit_auditcheckpointstream d "
        "WHERE d.checkpoint_id = c.sequence)"
    ),
    "sqlite": (
        "UPDATE audit_auditcheckpoint SET streams = (SELECT "
        "json_group_object(d.tag, json_array(d.length, d.last_hash)) "
        "FROM audit_auditcheckpointstream d "
        "WHERE d.checkpoint_id = audit_auditcheckpoint.sequence) "
        "WHERE EXISTS (SELECT 1 FROM audit_auditcheckpointstream d "
        "WHERE d.checkpoint_id = audit_auditcheckpoint.sequence)"
    ),
}


def heads_tag(apps: Any, schema_editor: Any) -> None:
    """Every head's tag, a batch of heads at a time, in the order of their key: the memory
    it takes does not grow with the number of streams."""
    head_model = apps.get_model("audit", "AuditStreamHead")
    heads = head_model.objects.filter(tag="").order_by("stream").values_list("stream", flat=True)
    if not heads.exists():
        return
    tag = audit_stream_tagger()
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        # The trigger lets a head only advance; this migration runs as the tables' owner.
        schema_editor.execute(f"ALTER TABLE audit_auditstreamhead DISABLE TRIGGER {HEAD_TRIGGER}")
    after = ""
    while batch := list(heads.filter(stream__gt=after)[:TAG_BATCH]):
        # One statement a batch, joined on the key: bulk_update's CASE costs a comparison per
        # head and per row, some ten minutes at a million heads.
        values = ", ".join(["(%s, %s)"] * len(batch))
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                # VALUES names its columns column1, column2 in PostgreSQL and SQLite alike.
                f"UPDATE audit_auditstreamhead SET tag = v.column2 FROM (VALUES {values}) AS v "  # noqa: S608  # nosec B608  # placeholders only
                "WHERE audit_auditstreamhead.stream = v.column1",
                [value for stream in batch for value in (stream, tag(stream))],
            )
        after = batch[-1]
    if postgres:
        schema_editor.execute(f"ALTER TABLE audit_auditstreamhead ENABLE TRIGGER {HEAD_TRIGGER}")


def detail_to_rows(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute(DETAIL_FROM_JSON[schema_editor.connection.vendor])


def detail_to_json(apps: Any, schema_editor: Any) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        # The checkpoints' trigger, restored by now, lets no detail back in.
        schema_editor.execute(
            "ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER audit_checkpoint_append_only"
        )
    schema_editor.execute(DETAIL_TO_JSON[schema_editor.connection.vendor])
    if postgres:
        schema_editor.execute(
            "ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER audit_checkpoint_append_only"
        )


def triggers_create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)


def triggers_restore(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_checkpoints")]

    operations = [
        migrations.AddField(
            model_name="auditstreamhead",
            name="tag",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.RunPython(heads_tag, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditstreamhead",
            name="tag",
            field=models.CharField(max_length=64, unique=True),
        ),
        migrations.CreateModel(
            name="AuditCheckpointStream",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "checkpoint", "tag", blank=True, editable=False, primary_key=True,
                        serialize=False,
                    ),
                ),
                ("tag", models.CharField(max_length=64)),
                ("length", models.PositiveIntegerField()),
                ("last_hash", models.CharField(max_length=64)),
                (
                    "checkpoint",
                    models.ForeignKey(
                        on_delete=models.deletion.CASCADE,
                        related_name="stream_detail",
                        to="audit.auditcheckpoint",
                    ),
                ),
            ],
        ),
        migrations.RunPython(detail_to_rows, detail_to_json),
        migrations.RunPython(triggers_create, triggers_restore),
        migrations.RemoveField(model_name="auditcheckpoint", name="streams"),
    ]
