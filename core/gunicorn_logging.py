"""gunicorn's logger, minus access lines for reporters' requests (see core.logging_filters)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from core.logging_filters import is_reporter_path


class PrivacyLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if is_reporter_path(environ.get("PATH_INFO", "")):
            return
        super().access(resp, req, environ, request_time)
