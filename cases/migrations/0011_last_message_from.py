"""Who wrote each case's last message, copied from the messages already there (issue 15)."""

from django.conf import settings
from django.db import migrations, models


def settle_constraints(schema_editor):
    # The update above leaves deferred constraint checks pending on the table; PostgreSQL
    # refuses to alter or index a table with pending ones, so they are run now.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def copy_last_sender(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Message = apps.get_model("reports", "Message")
    last = Message.objects.filter(report=models.OuterRef("report_id")).order_by("-position")
    Case.objects.filter(
        models.Exists(Message.objects.filter(report=models.OuterRef("report_id")))
    ).update(last_message_from=models.Subquery(last.values("sender")[:1]))
    settle_constraints(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_reading_keys'),
        ('cases', '0010_queue_columns_and_indexes'),
        ('reports', '0010_reference_prefix_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='last_message_from',
            field=models.CharField(blank=True, default='', max_length=10),
        ),
        migrations.RunPython(copy_last_sender, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('last_message_from', 'staff'), models.Q(('state', 'closed'), _negated=True)), fields=['queue_entity', 'queue_deadline', 'submitted_on', 'id'], name='case_queue_waiting'),
        ),
    ]
