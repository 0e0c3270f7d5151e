"""The queue's columns and indexes (issue 15): the handling entity and the next deadline, derived
by the database, and the report's day of submission, copied from the reports already there."""

import datetime
import django.contrib.postgres.indexes
import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


def settle_constraints(schema_editor):
    # The update above leaves deferred constraint checks pending on the table; PostgreSQL
    # refuses to alter or index a table with pending ones, so they are run now.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def copy_submitted_on(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Report = apps.get_model("reports", "Report")
    Case.objects.update(
        submitted_on=models.Subquery(
            Report.objects.filter(pk=models.OuterRef("report_id")).values("submitted_on")[:1]
        )
    )
    settle_constraints(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_reading_keys'),
        ('cases', '0009_reading_keys'),
        ('reports', '0009_conflicts_of_interest'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='queue_deadline',
            field=models.GeneratedField(db_persist=True, expression=models.Case(models.When(state='closed', then=models.Value(datetime.date(9999, 12, 31))), models.When(acknowledged_at__isnull=True, then=models.F('acknowledgement_due')), default=django.db.models.functions.comparison.Coalesce('feedback_due', models.Value(datetime.date(9999, 12, 31))), output_field=models.DateField()), output_field=models.DateField()),
        ),
        migrations.AddField(
            model_name='case',
            name='queue_entity',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.comparison.Coalesce('handling_entity_id', 'entity_id'), output_field=models.BigIntegerField()),
        ),
        migrations.AddField(
            model_name='case',
            name='submitted_on',
            field=models.DateField(null=True),
        ),
        migrations.RunPython(copy_submitted_on, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='case',
            name='submitted_on',
            field=models.DateField(),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['queue_entity', '-opened_at', '-id'], name='case_queue_newest'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['queue_entity', 'queue_deadline', 'submitted_on', 'id'], name='case_queue_deadline'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['queue_entity', 'submitted_on', 'opened_at', 'id'], name='case_queue_received'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=django.contrib.postgres.indexes.GinIndex(fields=['labels'], name='case_labels', opclasses=['jsonb_path_ops']),
        ),
    ]
