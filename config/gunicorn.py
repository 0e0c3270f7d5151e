"""gunicorn settings. The access log never carries an IP address, a user agent or a query string."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 60
# The request line (method, path and query string), at gunicorn's default. Bodies are bounded
# by Django: DATA_UPLOAD_MAX_MEMORY_SIZE and the upload handler (reports.uploads).
limit_request_line = 4094
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# %(m)s method, %(U)s path without query, %(s)s status, %(B)s bytes, %(M)s duration in ms.
# Deliberately absent: %(h)s (remote address), %(a)s (user agent), %(q)s (query), %(f)s (referer).
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Timestamps in the access log are to the second; the reporter's submission is stored by day only.
proc_name = "upstander"
# Several instances may run as one user (web, a benchmark): no shared control socket.
control_socket_disable = True
# Reporters' requests are not access-logged at all: a timed line would date a submission.
logger_class = "core.gunicorn_logging.PrivacyLogger"


def on_starting(server: object) -> None:
    """A wrong or missing key-encryption key stops gunicorn before it serves anything."""
    # gunicorn reads this file before Django is set up: Django and our apps are imported here,
    # in the master, once it starts, and our code only after ``django.setup()``.
    import django  # noqa: PLC0415

    django.setup()
    from django.db import connections  # noqa: PLC0415

    from config.startup import refuse_to_start_with_wrong_keys  # noqa: PLC0415

    try:
        refuse_to_start_with_wrong_keys()
    finally:
        # The master must not hand its open connection to the workers it forks. (Celery's
        # Django fix-up closes connections in its forked workers by itself.)
        connections.close_all()
