"""Checking and cleaning files that reporters attach.

The type is detected from the bytes, never from the name or the browser's claim, and only the
types below are accepted. The stored name takes its extension from the detected type, so what
staff download opens in the program for that type: ``evidence.hta`` that is really text is
stored as ``evidence.txt`` (text is always kept as inert plain text, whatever markup or script
it holds). Images are re-encoded from their pixels alone, which drops EXIF (GPS position, camera
serial, time), XMP, comments and colour-profile fingerprints; PDFs carrying scripts, actions
that reach outside the document, embedded files or data after their end are refused. Images and
PDFs are opened in a confined child process (``reports.file_cleaner``), so a hostile file cannot
take the worker's memory.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _

from core.errors import InvalidInputError, ServiceUnavailableError
from reports import file_cleaner

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_MEGABYTES = 10
MAX_ATTACHMENT_BYTES = MAX_ATTACHMENT_MEGABYTES * 1024 * 1024
# Evidence needs legible photos and screenshots, not posters: 40 megapixels holds a 48 MP phone
# photo scaled by half, a 24 MP camera photo whole, and a scrolling chat screenshot of 1179 x
# 30000 pixels. Decoding one costs at most about 320 MB. Larger JPEGs are decoded scaled down
# (1/2, 1/4 or 1/8), which costs no more; other formats above it are refused.
MAX_IMAGE_MEGAPIXELS = 40
# WebP's decoder holds about four copies of the pixels, so it gets less to cost the same.
MAX_WEBP_MEGAPIXELS = 24

# The allow-list: the detected type and the extension the stored name gets.
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "text/plain": "txt",
}
_NAME_LENGTH = 100


class AttachmentRejectedError(InvalidInputError):
    """The file cannot be accepted; the message says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__({"file": [reason]}, message=reason)

    def page_message(self) -> str:
        return self.message


def file_too_large_words() -> str:
    """What the reporter is told about a file over the size limit."""
    return _("Each file can be at most %(megabytes)s MB.") % {"megabytes": MAX_ATTACHMENT_MEGABYTES}


def too_many_files_words() -> str:
    """What the reporter is told about a file beyond the number a report may hold."""
    return _("You can attach at most %(count)s files.") % {"count": MAX_ATTACHMENTS}


def _refusal_words(reason: str) -> str:
    if reason == file_cleaner.TOO_MANY_PIXELS:
        return _(
            "This image has too many pixels to be checked safely. Images can have at most "
            "%(megapixels)s megapixels (for example 8000 x 5000 pixels), WebP images "
            "%(webp_megapixels)s; larger JPEG photos are scaled down to fit. Please attach a "
            "smaller copy or a screenshot."
        ) % {"megapixels": MAX_IMAGE_MEGAPIXELS, "webp_megapixels": MAX_WEBP_MEGAPIXELS}
    if reason == file_cleaner.PDF_ENCRYPTED:
        return _(
            "This PDF is protected by a password, so it cannot be checked. Please attach a copy "
            "without the password."
        )
    if reason in (
        file_cleaner.PDF_SCRIPT,
        file_cleaner.PDF_OUTSIDE_ACTION,
        file_cleaner.PDF_EMBEDDED_FILE,
    ):
        return _(
            "This PDF contains scripts, actions that open other files or programs, or files "
            'inside it, which cannot be accepted. Please print it to a new PDF ("Save as PDF") '
            "or attach screenshots of its pages."
        )
    if reason == file_cleaner.PDF_DATA_AFTER_END:
        return _(
            "This PDF has other data hidden after its end, which cannot be accepted. Please "
            'print it to a new PDF ("Save as PDF") and attach that.'
        )
    return _("This file is damaged or too large to open.")


@dataclass(frozen=True)
class CleanAttachment:
    filename: str
    content_type: str
    data: bytes


def detect_type(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if _is_plain_text(data):
        return "text/plain"
    return None


def _is_plain_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def stored_name(submitted: str, content_type: str) -> str:
    """The reporter's base name, kept to safe characters, with the detected type's extension.

    Control and format characters go (a right-to-left override, U+202E, makes
    ``evil<U+202E>txt.hta`` read as ``evilath.txt``), and so do inner dots, so no earlier
    extension is left to mislead: ``evidence.pdf.hta`` holding text becomes ``evidence_pdf.txt``.
    """
    base = unicodedata.normalize("NFC", submitted or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, _extension = base.rpartition(".")
    if not dot:
        stem = base
    kept = "".join(
        char if char.isalnum() or char in " -_()" else "_"
        for char in stem
        if not unicodedata.category(char).startswith("C")
    )
    kept = re.sub(r"[_ ]{2,}", "_", kept).strip(" _-")[:_NAME_LENGTH].strip(" _-")
    return f"{kept or 'attachment'}.{EXTENSIONS.get(content_type, 'bin')}"


def _open_confined(data: bytes, content_type: str) -> bytes:
    max_megapixels = MAX_WEBP_MEGAPIXELS if content_type == "image/webp" else MAX_IMAGE_MEGAPIXELS
    try:
        return file_cleaner.open_confined(
            data,
            content_type,
            memory_bytes=int(settings.ATTACHMENT_CLEANER_MEMORY_MB) * 1024 * 1024,
            max_pixels=max_megapixels * 1_000_000,
        )
    except file_cleaner.FileRefusedError as refused:
        raise AttachmentRejectedError(_refusal_words(refused.reason)) from None
    except file_cleaner.CleanerUnavailableError:
        # The server is short of processes or memory, not the file at fault: try again later.
        raise ServiceUnavailableError from None


def clean_attachment(filename: str, data: bytes) -> CleanAttachment:
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRejectedError(file_too_large_words())
    if not data:
        raise AttachmentRejectedError(_("This file is empty."))
    content_type = detect_type(data)
    if content_type is None:
        raise AttachmentRejectedError(
            _(
                "This type of file is not accepted. You can attach PDF, JPEG, PNG, WebP, GIF or plain text."
            )
        )
    if content_type != "text/plain":
        data = _open_confined(data, content_type)
    return CleanAttachment(
        filename=stored_name(filename, content_type), content_type=content_type, data=data
    )


def attachment_response(filename: str, content_type: str, data: bytes) -> FileResponse:
    """A download that no browser renders or sniffs, named for its detected type."""
    # Files stored before issue 10 kept the name they came with (``evidence.hta``), and the name
    # is encrypted under the report's key, so no migration can rename it: it is named again here.
    response = FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=stored_name(filename, content_type),
        content_type=content_type,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
