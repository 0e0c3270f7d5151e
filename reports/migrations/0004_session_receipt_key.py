from typing import Any

from django.db import migrations, models


def end_every_reporter_session(apps: Any, schema_editor: Any) -> None:
    # A session opened before this change holds no wrapped receipt key, so withdrawing case
    # review in it could not re-seal under a new data key. Sessions last 15 idle minutes:
    # ending them asks each signed-in reporter for their receipt once more, nothing else.
    apps.get_model("reports", "ReporterSession").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_survey_answered"),
    ]

    operations = [
        migrations.RunPython(end_every_reporter_session, migrations.RunPython.noop),
        migrations.AddField(
            model_name="reportersession",
            name="wrapped_receipt_key",
            field=models.BinaryField(default=b""),
            preserve_default=False,
        ),
    ]
