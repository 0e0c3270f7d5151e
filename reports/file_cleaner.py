"""Opening reporters' images and PDFs in a confined child process (issue 10).

Decoders and parsers are where a hostile file attacks. A 208 KB PNG can declare 7000 x 7000
pixels and take hundreds of megabytes to decode; a WebP decoder allocates its canvas before a
single pixel is read; a PDF parser meets deliberately broken cross-references and compressed
object streams. So every image and PDF is opened by a fresh Python process that first caps its
own address space (``RLIMIT_AS``), CPU time and file writes, then reads the file on stdin. A file
that goes past a cap ends only that child: the web or Celery worker sees an exit status and
refuses the file in plain words, and its own memory never grows with the file.

Why a fresh interpreter that confines itself, rather than ``preexec_fn`` or ``fork``: Python
documents ``preexec_fn`` as unsafe in threaded programs (gunicorn's threaded workers, Celery's
pools), and a fork copies the worker's memory and state. A plain ``subprocess.run`` without
``preexec_fn`` is spawned cheaply (``vfork``/``posix_spawn``) whatever the worker runs. The
child runs isolated (``-I``: no environment variables, no current directory on its path) with
an empty environment, so it never sees the database address or the secret key.

This module is the child's script as well as the parent's door, so it imports neither Django nor
anything else of the project: only the standard library, Pillow and pypdf.
"""

from __future__ import annotations

import io
import os
import resource
import subprocess  # nosec B404 - runs only our own interpreter on our own script
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

# What the child prints on stdout with ``REFUSED_EXIT``: the parent words each for the reporter.
DAMAGED = "damaged"
TOO_MANY_PIXELS = "too_many_pixels"
TOO_COSTLY = "too_costly"
PDF_ENCRYPTED = "pdf_encrypted"
PDF_SCRIPT = "pdf_script"
PDF_OUTSIDE_ACTION = "pdf_outside_action"
PDF_EMBEDDED_FILE = "pdf_embedded_file"
PDF_DATA_AFTER_END = "pdf_data_after_end"
REASONS = frozenset(
    {
        DAMAGED,
        TOO_MANY_PIXELS,
        TOO_COSTLY,
        PDF_ENCRYPTED,
        PDF_SCRIPT,
        PDF_OUTSIDE_ACTION,
        PDF_EMBEDDED_FILE,
        PDF_DATA_AFTER_END,
    }
)

REFUSED_EXIT = 3
# The largest accepted image takes about 3 s here; the CPU limit bounds a child stuck computing,
# the wall clock one stuck otherwise. Five files of a form, each at the limit, still answer
# within gunicorn's 60-second worker timeout.
CPU_SECONDS = 8
TIMEOUT_SECONDS = 10

_IMAGE_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}
PDF = "application/pdf"
# JPEG decoders scale by 1/2, 1/4 or 1/8 while decoding, never holding the full-size pixels.
_JPEG_SCALES = (2, 4, 8)

# Action types that reach outside the document: start a program, open or fetch another file
# (a UNC path there leaks the reader's Windows credentials), or send form data away.
_OUTSIDE_ACTIONS = frozenset(
    {"/Launch", "/GoToR", "/GoToE", "/ImportData", "/SubmitForm", "/RichMediaExecute"}
)
# Action types that run script: JavaScript itself, and renditions, which may carry it.
_SCRIPT_ACTIONS = frozenset({"/JavaScript", "/Rendition"})
# Whitespace as the PDF syntax defines it, NUL included: all that may follow the last %%EOF.
_PDF_WHITESPACE = b" \t\r\n\f\x00"
# Zip tools look for their central directory in the last 64 KiB plus its own 22 bytes.
_ZIP_DIRECTORY = b"PK\x05\x06"
_ZIP_SEARCH_WINDOW = 65_557


class FileRefusedError(Exception):
    """The file cannot be accepted; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CleanerUnavailableError(Exception):
    """The child could not be started (no process or memory to start it): not the file's fault."""


def open_confined(data: bytes, content_type: str, *, memory_bytes: int, max_pixels: int) -> bytes:
    """Clean an image or check a PDF in a confined child; return what may be stored.

    An image comes back re-encoded from its pixels alone; a PDF comes back as it was, once
    checked. Raises ``FileRefusedError`` when the file is refused or breaks a limit, and
    ``CleanerUnavailableError`` when no child could be started.
    """
    command = [
        sys.executable,
        "-I",
        os.path.abspath(__file__),
        content_type,
        str(memory_bytes),
        str(max_pixels),
    ]
    try:
        # No shell, and every argument is ours: the file itself only ever travels on stdin.
        finished = subprocess.run(  # noqa: S603  # nosec B603
            command, input=data, capture_output=True, timeout=TIMEOUT_SECONDS, env={}, check=False
        )
    except subprocess.TimeoutExpired:
        # ``run`` has killed and reaped the child already.
        raise FileRefusedError(TOO_COSTLY) from None
    except OSError as error:
        raise CleanerUnavailableError from error
    if finished.returncode == 0:
        return data if content_type == PDF else finished.stdout
    if finished.returncode == REFUSED_EXIT:
        reason = finished.stdout.decode("ascii", "replace").strip()
        raise FileRefusedError(reason if reason in REASONS else DAMAGED)
    # Killed by a limit (a signal), or out of memory, or a decoder crash: the file is refused,
    # and stderr is not logged, since a traceback could quote the file.
    raise FileRefusedError(TOO_COSTLY)


# The child's side. Everything below runs in the confined process.


def _confine(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    # Nothing a decoder does should write a file; stdout is a pipe, not a file.
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def _clean_image(data: bytes, content_type: str, max_pixels: int) -> bytes:
    # Pillow's own bomb check stays as a second line, above anything a JPEG may be scaled from.
    Image.MAX_IMAGE_PIXELS = max_pixels * _JPEG_SCALES[-1] ** 2
    try:
        with warnings.catch_warnings():
            # Our own limit below decides; Pillow's warning between 1x and 2x its limit is noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            # Only the header has been read: the size is known before any pixel is decoded.
            if _IMAGE_FORMATS.get(content_type) != image.format:
                raise FileRefusedError(DAMAGED)
            width, height = image.size
            if width * height > max_pixels:
                scale = next(
                    (s for s in _JPEG_SCALES if -(-width // s) * -(-height // s) <= max_pixels),
                    None,
                )
                if image.format != "JPEG" or scale is None:
                    raise FileRefusedError(TOO_MANY_PIXELS)
                image.draft(None, (width // scale, height // scale))
                if image.size[0] * image.size[1] > max_pixels:
                    raise FileRefusedError(TOO_MANY_PIXELS)
            image.load()
            # Keep the photo the right way up once the orientation tag is gone.
            ImageOps.exif_transpose(image, in_place=True)
            pixels: Image.Image = image
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                pixels = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            if image.format == "JPEG" and pixels.mode not in ("RGB", "L"):
                pixels = pixels.convert("RGB")
            # What a format's writer could copy into the new file (EXIF, XMP, ICC profile,
            # comments, text chunks) lives in ``info``; the pixels are all that is kept.
            pixels.info = {}
            out = io.BytesIO()
            pixels.save(out, format=image.format)
            return out.getvalue()
    except Image.DecompressionBombError:
        raise FileRefusedError(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, LookupError):
        # What a damaged or disguised file makes Pillow raise.
        raise FileRefusedError(DAMAGED) from None


def _pdf_check(data: bytes) -> None:
    # Imported here, in the child that opens a PDF: pypdf takes half a second and 24 MB to
    # import, which every image's child would otherwise pay.
    from pypdf import PdfReader  # noqa: PLC0415
    from pypdf.errors import PyPdfError  # noqa: PLC0415

    end = data.rfind(b"%%EOF")
    if end < 0:
        raise FileRefusedError(DAMAGED)
    if data[end + len(b"%%EOF") :].strip(_PDF_WHITESPACE):
        # A second file after the end (the PDF-ZIP polyglot): readers of the other format see it.
        raise FileRefusedError(PDF_DATA_AFTER_END)
    if _ZIP_DIRECTORY in data[-_ZIP_SEARCH_WINDOW:]:
        # A zip's directory hidden in the last stream still opens as a zip.
        raise FileRefusedError(PDF_DATA_AFTER_END)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            # Nobody can look inside without the password, so nothing could be checked.
            raise FileRefusedError(PDF_ENCRYPTED)
        for dictionary in _pdf_dictionaries(reader):
            _pdf_dictionary_check(dictionary)
    except FileRefusedError:
        raise
    except (PyPdfError, OSError, ValueError, LookupError, TypeError, RecursionError):
        # What pypdf raises on a file it cannot read, strict or not.
        raise FileRefusedError(DAMAGED) from None


def _pdf_dictionaries(reader: Any) -> Iterator[dict[Any, Any]]:
    """Every dictionary of the document, each indirect object once, streams' own dictionaries
    included (their data is never decoded here).

    Not only what the trailer reaches: every object the cross-reference tables list is read
    too, since a viewer that repairs a damaged file may reach an object this reading does not.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject  # noqa: PLC0415

    seen: set[tuple[int, int]] = set()
    pending: list[Any] = [reader.trailer]
    pending += [
        IndirectObject(number, generation, reader)
        for generation, numbers in reader.xref.items()
        for number in numbers
    ]
    pending += [IndirectObject(number, 0, reader) for number in reader.xref_objStm]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            yield item
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)


def _pdf_dictionary_check(dictionary: dict[Any, Any]) -> None:
    """Refuse active content. pypdf has already undone name escapes (``/J#61vaScript``), which
    is why a parser, and not a search of the bytes, decides."""
    keys = set(dictionary)
    action = dictionary.get("/S")
    if "/JS" in keys or "/XFA" in keys or action in _SCRIPT_ACTIONS:
        raise FileRefusedError(PDF_SCRIPT)
    if "/AA" in keys:
        # Additional actions run on opening a page, focusing a field, closing the document.
        raise FileRefusedError(PDF_SCRIPT)
    if action in _OUTSIDE_ACTIONS:
        raise FileRefusedError(PDF_OUTSIDE_ACTION)
    if (
        "/EmbeddedFiles" in keys
        or "/EF" in keys
        or dictionary.get("/Type") == "/EmbeddedFile"
        or dictionary.get("/Subtype") in ("/FileAttachment", "/RichMedia")
    ):
        raise FileRefusedError(PDF_EMBEDDED_FILE)


def _child_main(argv: list[str]) -> int:
    content_type, memory_bytes, max_pixels = argv[1], int(argv[2]), int(argv[3])
    _confine(memory_bytes)
    data = sys.stdin.buffer.read()
    try:
        if content_type == PDF:
            _pdf_check(data)
            cleaned = b""
        elif content_type in _IMAGE_FORMATS:
            cleaned = _clean_image(data, content_type, max_pixels)
        else:
            raise FileRefusedError(DAMAGED)
    except FileRefusedError as refused:
        sys.stdout.buffer.write(refused.reason.encode("ascii"))
        return REFUSED_EXIT
    except MemoryError:
        sys.stdout.buffer.write(TOO_COSTLY.encode("ascii"))
        return REFUSED_EXIT
    sys.stdout.buffer.write(cleaned)
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv))
