"""gunicorn's logger, minus access lines for reporters' requests and any client address in its
error log (see core.logging_filters)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from core.logging_filters import ScrubAddresses, is_reporter_path


class PrivacyLogger(Logger):
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if is_reporter_path(environ.get("PATH_INFO", "")):
            return
        super().access(resp, req, environ, request_time)

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # gunicorn writes client addresses into error lines ("Invalid request from ip=...").
        # On the logger, not its handlers: gunicorn replaces handlers when it reopens files.
        if not any(isinstance(f, ScrubAddresses) for f in self.error_log.filters):
            self.error_log.addFilter(ScrubAddresses())
