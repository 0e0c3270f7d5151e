"""Checking and cleaning files that reporters attach.

The type is detected from the bytes, never from the name or the browser's claim. Images are
re-encoded from their pixels alone, which drops EXIF (GPS position, camera serial, time),
XMP, comments and colour-profile fingerprints.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import InvalidInputError

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_MEGABYTES = 10
MAX_ATTACHMENT_BYTES = MAX_ATTACHMENT_MEGABYTES * 1024 * 1024
# Refuse images that would expand to an absurd size in memory (decompression bombs).
Image.MAX_IMAGE_PIXELS = 50_000_000

_IMAGE_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}


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


def _strip_image_metadata(data: bytes, content_type: str) -> bytes:
    try:
        with warnings.catch_warnings():
            # Pillow only warns between the limit and twice the limit: treat that as refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            opened.load()
        with opened as image:
            image_format = image.format or ""
            if _IMAGE_FORMATS.get(image_format) != content_type:
                raise AttachmentRejectedError(
                    _("This image is damaged or not what it claims to be.")
                )
            # Keep the photo the right way up once the orientation tag is gone.
            upright = ImageOps.exif_transpose(image)
            if upright.mode not in ("RGB", "RGBA", "L", "LA"):
                upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
            # A new image from the pixels alone: no metadata can survive this.
            pixels_only = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            if image_format == "JPEG" and pixels_only.mode not in ("RGB", "L"):
                pixels_only = pixels_only.convert("RGB")
            out = io.BytesIO()
            pixels_only.save(out, format=image_format)
            return out.getvalue()
    except (
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        SyntaxError,
    ):
        raise AttachmentRejectedError(_("This image is damaged or too large to open.")) from None


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
    if content_type.startswith("image/"):
        data = _strip_image_metadata(data, content_type)
    safe_name = (filename or "attachment").replace("\\", "/").rsplit("/", 1)[-1][:200]
    return CleanAttachment(filename=safe_name, content_type=content_type, data=data)


def attachment_response(filename: str, content_type: str, data: bytes) -> FileResponse:
    response = FileResponse(
        io.BytesIO(data), as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
