"""An upload handler that never writes a file to disk and refuses oversized files.

Django's default handlers spill files larger than 2.5 MB into temporary files, which would put
an unencrypted attachment on disk. This one keeps each file in memory up to the limit; a file
over it is dropped and the request is marked so the view can answer 413.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

from reports.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS


class EncryptBeforeDiskUploadHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.buffer: io.BytesIO | None = None
        self.files_seen = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.files_seen += 1
        if self.files_seen > MAX_ATTACHMENTS:
            self._reject("too_many")
        self.buffer = io.BytesIO()

    def _reject(self, reason: str) -> None:
        if self.request is not None:
            # Read by the view, which answers with a clear 413 or 400.
            setattr(self.request, "upload_rejected", reason)  # noqa: B010
        raise SkipFile

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self.buffer is None:
            return None
        if self.buffer.tell() + len(raw_data) > MAX_ATTACHMENT_BYTES:
            self.buffer = None
            self._reject("too_large")
        else:
            self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self.buffer is None:
            return None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
