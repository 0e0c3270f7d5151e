"""Files as reporters send them, benign and hostile: images of any size, PDFs built with pypdf
or byte by byte (for syntax pypdf's writer would normalise away), and zip archives."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject

PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"


def png(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), 0).save(out, format="PNG")
    return out.getvalue()


def pdf(build: Callable[[PdfWriter], Any] | None = None) -> bytes:
    """A one-page PDF written by pypdf; ``build`` may add to the writer first."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if build is not None:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def action(kind: str, **entries: Any) -> DictionaryObject:
    found = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        found[NameObject(f"/{key}")] = value
    return found


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written byte by byte (object 1 is the catalog), with a correct cross-reference
    table: for syntax pypdf's writer would normalise away."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.hta", "<script>alert(1)</script>")
    return out.getvalue()
