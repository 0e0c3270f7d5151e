"""The demo's embedded default, SQLite, runs the audit trail's checks too.

Regression (found in issue 15's review): the bulk check of the trail and a case's own chain
check wrote the entries' times with PostgreSQL's ``to_char`` and cast ids with ``::text``, so on
the demo a case's chain check and ``verify_audit_chain`` failed with a syntax error. The rest of
the suite runs on PostgreSQL; this runs the demo's commands in processes of their own, as
``make demo`` does, on an SQLite file of its own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
CHECK_EVERY_STREAM = """
import django
django.setup()
from audit.services import stream_is_valid
from reports.models import Report
ids = list(Report.objects.values_list("id", flat=True))
print("reports", len(ids), "valid", sum(stream_is_valid(report_id) for report_id in ids))
"""


def _run(arguments: list[str], database: Path, secrets: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"sqlite:///{database}",
        "UPSTANDER_DEV_SECRETS_FILE": str(secrets),
    }
    return subprocess.run(  # nosec B603  # our own interpreter and manage.py
        [sys.executable, *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_demo_checks_its_audit_trail_on_sqlite(tmp_path: Path) -> None:
    database, secrets = tmp_path / "demo.sqlite3", tmp_path / "dev-secrets.json"
    for command in (["migrate", "--no-input"], ["seed_demo"]):
        done = _run(["manage.py", *command], database, secrets)
        assert done.returncode == 0, done.stderr[-2000:]

    streams = _run(["-c", CHECK_EVERY_STREAM], database, secrets)
    verified = _run(["manage.py", "verify_audit_chain"], database, secrets)

    assert streams.returncode == 0, streams.stderr[-2000:]
    reports, valid = streams.stdout.split()[1::2]
    assert int(reports) > 0
    assert valid == reports
    assert verified.returncode == 0, verified.stderr[-2000:]
    assert "Audit chain intact" in verified.stdout
