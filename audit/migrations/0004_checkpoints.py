"""Issue 10: authenticated stream heads, exported checkpoints, and a database that refuses to
truncate the audit tables, delete a head or set one back."""

from typing import Any

from django.db import migrations, models

from vault.envelope import audit_head_digest

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_tables_refuse_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be truncated (%)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_tables_refuse_truncate();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_auditstreamhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_tables_refuse_truncate();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_tables_refuse_truncate();

-- The application updates a head once per entry it appends, so it keeps UPDATE on heads: the
-- trigger lets a head move only to the next entry, which must already be stored.
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
CREATE TRIGGER audit_head_only_advances BEFORE UPDATE OR DELETE ON audit_auditstreamhead
    FOR EACH ROW EXECUTE FUNCTION audit_heads_only_advance();

-- Checkpoints are append-only, except that a superseded one's per-stream detail is dropped.
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
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_only_shed_detail();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_head_only_advances ON audit_auditstreamhead;
DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_auditcheckpoint;
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_auditstreamhead;
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_checkpoints_only_shed_detail();
DROP FUNCTION IF EXISTS audit_heads_only_advance();
DROP FUNCTION IF EXISTS audit_tables_refuse_truncate();
"""
# SQLite (the demo) has no trigger, as in migration 0002.


def heads_authenticate(apps: Any, schema_editor: Any) -> None:
    # Trust on first use: the heads as they stand now are the ones authenticated.
    head_model = apps.get_model("audit", "AuditStreamHead")
    for head in head_model.objects.all():
        head.head_mac = audit_head_digest(head.stream, head.length, head.last_hash)
        head.save(update_fields=["head_mac"])


def triggers_create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)  # the SQL holds a literal %


def triggers_drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_stream_head_keyed_by_stream")]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("sequence", models.PositiveIntegerField(primary_key=True, serialize=False)),
                ("at", models.DateTimeField()),
                ("previous_digest", models.CharField(max_length=64)),
                ("streams_digest", models.CharField(max_length=64)),
                ("digest", models.CharField(max_length=64, unique=True)),
                ("streams", models.JSONField(blank=True, null=True)),
            ],
            options={"ordering": ["sequence"]},
        ),
        migrations.AddField(
            model_name="auditstreamhead",
            name="head_mac",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.RunPython(heads_authenticate, migrations.RunPython.noop),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
