"""The confined child that opens images and PDFs (``reports.file_cleaner``, issue 10): images are
measured before they are decoded and the child's memory stays bounded; PDFs with scripts,
outside actions, embedded files or data after their end are refused, as the parser reads them.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from reports import file_cleaner
from reports.file_cleaner import FileRefusedError, open_confined
from tests.helpers.files import PAGE, PAGES, action, pdf, png, raw_pdf, zip_archive

ROOT = Path(__file__).resolve().parents[2]
MEGABYTE = 1024 * 1024
MEMORY = 640 * MEGABYTE
CAP = 40_000_000
ORIENTATION = 0x0112


def child_peak(data: bytes, content_type: str, tmp_path: Path) -> tuple[str, float]:
    """Open ``data`` from a fresh, small Python process and return the outcome and the peak
    resident memory, in MB, of the child it started.

    A child's recorded peak includes what its parent held when it was spawned, so it is measured
    from a parent that holds almost nothing: the figure is an upper bound of the child's own.
    """
    source = tmp_path / "file"
    source.write_bytes(data)
    script = (
        "import json, resource, sys\n"
        "from reports.file_cleaner import FileRefusedError, open_confined\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "try:\n"
        f"    open_confined(data, sys.argv[2], memory_bytes={MEMORY}, max_pixels={CAP})\n"
        "    outcome = 'cleaned'\n"
        "except FileRefusedError as refused:\n"
        "    outcome = refused.reason\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps([outcome, peak / 1024]))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script, str(source), content_type],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    outcome, peak = json.loads(finished.stdout)
    return outcome, peak


def test_issue_10_a_7000_by_7000_png_is_refused_from_its_header_in_under_64_mb(
    tmp_path: Path,
) -> None:
    """Regression (issue 10): a 208 KB PNG of 7000 x 7000 pixels took about 700 MB to clean."""
    bomb = png(7000, 7000)
    assert len(bomb) < 256 * 1024

    outcome, peak_mb = child_peak(bomb, "image/png", tmp_path)

    assert outcome == file_cleaner.TOO_MANY_PIXELS
    assert peak_mb < 64, f"the child peaked at {peak_mb:.0f} MB"


def test_a_12_megapixel_phone_photo_turned_upright_is_cleaned_in_under_200_mb(
    tmp_path: Path,
) -> None:
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (90, 120, 150)).save(out, format="JPEG", exif=exif)

    outcome, peak_mb = child_peak(out.getvalue(), "image/jpeg", tmp_path)

    assert outcome == "cleaned"
    assert peak_mb < 200, f"the child peaked at {peak_mb:.0f} MB"


@pytest.mark.parametrize(
    ("image_format", "content_type", "metadata"),
    [
        ("PNG", "image/png", {"icc_profile": b"CanaryProfile", "pnginfo": "text"}),
        ("JPEG", "image/jpeg", {"icc_profile": b"CanaryProfile", "comment": b"CanaryComment"}),
        ("WEBP", "image/webp", {"icc_profile": b"CanaryProfile", "xmp": b"<x>CanaryXmp</x>"}),
        ("GIF", "image/gif", {"comment": b"CanaryComment"}),
    ],
)
def test_no_profile_comment_or_text_of_the_original_survives_cleaning(
    image_format: str, content_type: str, metadata: dict[str, Any]
) -> None:
    if metadata.get("pnginfo"):
        text = PngInfo()
        text.add_text("Author", "CanaryAuthor")
        metadata = {**metadata, "pnginfo": text}
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(out, format=image_format, **metadata)
    assert b"Canary" in out.getvalue()

    cleaned = open_confined(out.getvalue(), content_type, memory_bytes=MEMORY, max_pixels=CAP)

    assert b"Canary" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == image_format
        assert "icc_profile" not in image.info


def test_a_jpeg_over_the_pixel_cap_is_decoded_scaled_down_to_fit() -> None:
    out = io.BytesIO()
    Image.new("L", (9000, 5000), 128).save(out, format="JPEG")

    cleaned = open_confined(out.getvalue(), "image/jpeg", memory_bytes=MEMORY, max_pixels=CAP)

    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"
        assert image.size == (4500, 2500)


def test_a_png_over_the_pixel_cap_is_refused_however_small_the_file() -> None:
    with pytest.raises(FileRefusedError) as refused:
        open_confined(png(8000, 5001, "1"), "image/png", memory_bytes=MEMORY, max_pixels=CAP)
    assert refused.value.reason == file_cleaner.TOO_MANY_PIXELS


def test_a_child_that_runs_out_of_memory_refuses_the_file_instead_of_failing() -> None:
    # 30 megapixels take 120 MB once decoded, more than this child may hold.
    with pytest.raises(FileRefusedError) as refused:
        open_confined(png(6000, 5000), "image/png", memory_bytes=100 * MEGABYTE, max_pixels=CAP)
    assert refused.value.reason == file_cleaner.TOO_COSTLY


def test_an_image_whose_bytes_are_another_format_than_detected_is_refused() -> None:
    with pytest.raises(FileRefusedError) as refused:
        open_confined(png(10, 10), "image/jpeg", memory_bytes=MEMORY, max_pixels=CAP)
    assert refused.value.reason == file_cleaner.DAMAGED


def test_the_child_starts_with_no_environment_of_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A decoder exploit in the child must not find the database address or the secret key.
    monkeypatch.setenv("DATABASE_URL", "postgres://canary-secret@db/x")
    environments: list[object] = []
    real_run = subprocess.run

    def run_and_record(*args: Any, **kwargs: Any) -> Any:
        environments.append(kwargs.get("env"))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", run_and_record)

    open_confined(png(10, 10), "image/png", memory_bytes=MEMORY, max_pixels=CAP)

    assert environments == [{}]


# --- PDFs -------------------------------------------------------------------------------------


def refusal(data: bytes) -> str:
    with pytest.raises(FileRefusedError) as refused:
        open_confined(data, "application/pdf", memory_bytes=MEMORY, max_pixels=CAP)
    return refused.value.reason


def test_a_plain_pdf_is_accepted_unchanged() -> None:
    document = pdf()
    assert open_confined(document, "application/pdf", memory_bytes=MEMORY, max_pixels=CAP) == (
        document
    )


def test_issue_10_a_pdf_with_open_action_javascript_is_refused() -> None:
    def open_with_script(writer: PdfWriter) -> None:
        writer.root_object[NameObject("/OpenAction")] = action(
            "/JavaScript", JS=TextStringObject("app.alert('opened')")
        )

    assert refusal(pdf(open_with_script)) == file_cleaner.PDF_SCRIPT


def test_a_pdf_with_document_level_javascript_in_its_names_is_refused() -> None:
    document = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
        PAGES,
        PAGE,
        b"<< /Names [(opening) 5 0 R] >>",
        b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
    )

    assert refusal(document) == file_cleaner.PDF_SCRIPT


def test_a_pdf_whose_javascript_name_is_escaped_is_still_refused() -> None:
    # /J#61vaScript is /JavaScript once read: a search of the bytes would miss it.
    document = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        PAGES,
        PAGE,
        b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
    )
    assert b"/JavaScript" not in document

    assert refusal(document) == file_cleaner.PDF_SCRIPT


def test_a_pdf_with_a_script_that_only_a_repairing_viewer_would_reach_is_refused() -> None:
    # Object 4 is listed but nothing points to it: a viewer repairing the file may still run it.
    document = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        PAGES,
        PAGE,
        b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>",
    )

    assert refusal(document) == file_cleaner.PDF_SCRIPT


def test_a_pdf_with_page_additional_actions_is_refused() -> None:
    def page_action(writer: PdfWriter) -> None:
        writer.pages[0][NameObject("/AA")] = DictionaryObject(
            {NameObject("/O"): action("/URI", URI=TextStringObject("https://example.org"))}
        )

    assert refusal(pdf(page_action)) == file_cleaner.PDF_SCRIPT


def test_a_pdf_with_a_launch_action_is_refused() -> None:
    def launch(writer: PdfWriter) -> None:
        writer.root_object[NameObject("/OpenAction")] = action(
            "/Launch", F=TextStringObject("cmd.exe")
        )

    assert refusal(pdf(launch)) == file_cleaner.PDF_OUTSIDE_ACTION


def test_a_pdf_with_an_embedded_file_is_refused() -> None:
    def attach(writer: PdfWriter) -> None:
        writer.add_attachment("invoice.exe", b"MZ\x90\x00")

    assert refusal(pdf(attach)) == file_cleaner.PDF_EMBEDDED_FILE


def test_a_pdf_with_a_file_attachment_annotation_is_refused() -> None:
    def annotate(writer: PdfWriter) -> None:
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/FileAttachment"),
                NameObject("/Rect"): ArrayObject([]),
            }
        )
        writer.pages[0][NameObject("/Annots")] = ArrayObject([annotation])

    assert refusal(pdf(annotate)) == file_cleaner.PDF_EMBEDDED_FILE


def test_issue_10_a_pdf_zip_polyglot_is_refused() -> None:
    polyglot = pdf() + zip_archive()
    # Both readers accept it: that is the attack.
    assert zipfile.ZipFile(io.BytesIO(polyglot)).namelist() == ["payload.hta"]

    assert refusal(polyglot) == file_cleaner.PDF_DATA_AFTER_END


def test_a_zip_hidden_in_the_last_stream_of_a_pdf_is_refused() -> None:
    archive = zip_archive()
    document = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        PAGES,
        PAGE,
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(archive), archive),
    )

    assert refusal(document) == file_cleaner.PDF_DATA_AFTER_END


def test_a_pdf_without_an_end_or_that_cannot_be_parsed_is_refused() -> None:
    assert refusal(b"%PDF-1.7\nnothing else") == file_cleaner.DAMAGED
    assert refusal(b"%PDF-1.7\n1 0 obj << /Type /Cat\n%%EOF\n") == file_cleaner.DAMAGED


def test_a_pdf_locked_with_a_password_is_refused_and_one_with_an_empty_password_is_read() -> None:
    def lock(password: str) -> Callable[[PdfWriter], None]:
        return lambda writer: writer.encrypt(
            user_password=password, owner_password="owner", algorithm="AES-128"
        )

    assert refusal(pdf(lock("secret"))) == file_cleaner.PDF_ENCRYPTED
    unlocked = pdf(lock(""))
    assert (
        open_confined(unlocked, "application/pdf", memory_bytes=MEMORY, max_pixels=CAP) == unlocked
    )


# --- Damaged files ----------------------------------------------------------------------------


def _seed(image_format: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, format=image_format)
    return out.getvalue()


SEEDS = {
    "image/png": _seed("PNG"),
    "image/jpeg": _seed("JPEG"),
    "image/gif": _seed("GIF"),
    "image/webp": _seed("WEBP"),
    "application/pdf": pdf(),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    content_type=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(
        st.tuples(st.floats(min_value=0, max_value=1, exclude_max=True), st.binary(max_size=64)),
        min_size=1,
        max_size=8,
    ),
    keep=st.floats(min_value=0.05, max_value=1),
)
def test_a_damaged_file_is_cleaned_or_refused_never_anything_else(
    content_type: str, edits: list[tuple[float, bytes]], keep: float
) -> None:
    # The magic bytes stay, so the file goes to the decoder it claims; the rest is overwritten
    # in places and cut short.
    data = bytearray(SEEDS[content_type])
    for where, replacement in edits:
        start = 8 + int(where * (len(data) - 8))
        data[start : start + len(replacement)] = replacement
    damaged = bytes(data[: max(8, int(len(data) * keep))])

    reason = ""
    try:
        cleaned = open_confined(damaged, content_type, memory_bytes=MEMORY, max_pixels=CAP)
    except FileRefusedError as refused:
        reason = refused.reason
    if reason:
        assert reason in file_cleaner.REASONS
    elif content_type == "application/pdf":
        assert cleaned == damaged
    else:
        with Image.open(io.BytesIO(cleaned)) as image:
            assert image.get_format_mimetype() == content_type
