"""Attachments: metadata stripped from photos, type detected from the bytes, size and count
limits, and only the report's own reporter can download them."""

from __future__ import annotations

import io
import random
import sys
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import NameObject, TextStringObject
from rest_framework.test import APIClient

from cases.models import Case
from portal.services import (
    ReporterAccess,
    reporter_attachment_add,
    reporter_session_resolve,
    reporter_session_start,
)
from reports.attachments import MAX_ATTACHMENT_BYTES, CleanAttachment, stored_name
from reports.models import Attachment, AttachmentContent
from tests.helpers.files import action, pdf, png, zip_archive
from tests.helpers.reporter import receipt_on_page, sign_in, submit, walk_intake
from vault.fields import Ciphertext

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]

GPS_INFO = 0x8825
MAKE = 0x010F


def photo_with_gps(image_format: str) -> bytes:
    exif = Image.Exif()
    exif[MAKE] = "CanaryCam"
    exif[GPS_INFO] = {1: "N", 2: (46.0, 13.0, 30.0), 3: "E", 4: (6.0, 8.0, 40.0)}
    image = Image.new("RGB", (32, 24), (200, 40, 40))
    out = io.BytesIO()
    image.save(out, format=image_format, exif=exif)
    data = out.getvalue()
    # The test image really carries a position.
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_INFO)
    return data


def upload(
    client: APIClient, name: str, data: bytes, content_type: str = "application/octet-stream"
) -> Any:
    return client.post(
        "/api/v1/reporter/attachments",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        format="multipart",
    )


@pytest.fixture
def reporter(focal_point: Any) -> APIClient:
    # The focal point exists before the report: its key is wrapped to them at submission.
    return sign_in(submit()["receipt"])


def _download(client: APIClient, attachment_id: str) -> bytes:
    response = client.get(f"/api/v1/reporter/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    return bytes(response.getvalue())


@pytest.mark.parametrize(
    ("image_format", "name", "content_type"),
    [("PNG", "photo.png", "image/png"), ("JPEG", "photo.jpg", "image/jpeg")],
)
def test_photo_is_accepted_and_its_exif_and_gps_are_stripped(
    reporter: APIClient, image_format: str, name: str, content_type: str
) -> None:
    original = photo_with_gps(image_format)

    response = upload(reporter, name, original, content_type)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == content_type
    assert body["filename"] == name
    downloaded = _download(reporter, body["id"])
    with Image.open(io.BytesIO(downloaded)) as image:
        assert image.format == image_format
        assert image.size == (32, 24)
        assert len(image.getexif()) == 0
        assert "exif" not in image.info
    assert b"CanaryCam" not in downloaded
    assert body["size"] == len(downloaded)
    assert Attachment.objects.get().size == len(downloaded)


def test_attachment_is_listed_on_the_report(reporter: APIClient) -> None:
    upload(reporter, "notes.txt", b"Dates and times I wrote down.\n", "text/plain")
    view = reporter.get("/api/v1/reporter/report").json()
    assert [(a["filename"], a["content_type"]) for a in view["attachments"]] == [
        ("notes.txt", "text/plain")
    ]
    assert any("added a file" in entry["label"] for entry in view["timeline"])


def _random_bytes(size: int) -> bytes:
    generator = random.Random(20240301)
    data = bytearray(generator.getrandbits(8) for _ in range(size))
    data[10] = 0  # never valid text
    return bytes(data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(256), id="pe"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + bytes(256), id="elf"),
        pytest.param(_random_bytes(4096), id="random-bytes"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + _random_bytes(512), id="png-magic-then-garbage"),
        pytest.param(b"\xff\xd8\xff\xe0" + _random_bytes(512), id="jpeg-magic-then-garbage"),
    ],
)
def test_file_claiming_to_be_png_but_containing_something_else_is_rejected(
    reporter: APIClient, data: bytes
) -> None:
    response = upload(reporter, "holiday.png", data, "image/png")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "validation_error"
    assert "file" in body["fields"]
    assert Attachment.objects.count() == 0
    assert AttachmentContent.objects.count() == 0


def test_empty_file_is_rejected(reporter: APIClient) -> None:
    response = upload(reporter, "empty.txt", b"", "text/plain")
    assert response.status_code == 400
    assert Attachment.objects.count() == 0


def test_file_of_exactly_10_mb_is_accepted(reporter: APIClient) -> None:
    response = upload(reporter, "long.txt", b"a" * MAX_ATTACHMENT_BYTES, "text/plain")
    assert response.status_code == 201, response.content
    assert Attachment.objects.get().size == 10 * 1024 * 1024


def test_file_over_10_mb_is_413_too_large(reporter: APIClient) -> None:
    response = upload(reporter, "huge.txt", b"a" * (10 * 1024 * 1024 + 1), "text/plain")

    assert response.status_code == 413, response.content
    assert response.json()["error"] == "too_large"
    assert Attachment.objects.count() == 0


def test_sixth_attachment_is_refused_with_400(reporter: APIClient) -> None:
    for number in range(5):
        response = upload(reporter, f"note{number}.txt", f"note {number}\n".encode(), "text/plain")
        assert response.status_code == 201, response.content

    sixth = upload(reporter, "note5.txt", b"one too many\n", "text/plain")

    assert sixth.status_code == 400
    assert sixth.json()["error"] == "validation_error"
    assert "file" in sixth.json()["fields"]
    assert Attachment.objects.count() == 5


def test_upload_without_a_file_field_is_400(reporter: APIClient) -> None:
    response = reporter.post("/api/v1/reporter/attachments", {"other": "value"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_another_reporter_cannot_download_the_attachment(reporter: APIClient) -> None:
    response = upload(reporter, "evidence.txt", b"Only mine.\n", "text/plain")
    attachment_id = response.json()["id"]
    stranger = sign_in(submit()["receipt"])

    refused = stranger.get(f"/api/v1/reporter/attachments/{attachment_id}")

    assert refused.status_code == 404
    assert refused.json()["error"] == "not_found"
    assert _download(reporter, attachment_id) == b"Only mine.\n"


def test_attachment_download_needs_a_session(reporter: APIClient) -> None:
    response = upload(reporter, "evidence.txt", b"Only mine.\n", "text/plain")
    attachment_id = response.json()["id"]
    anonymous = APIClient().get(f"/api/v1/reporter/attachments/{attachment_id}")
    assert anonymous.status_code in (401, 403)


def test_attachment_filename_and_bytes_are_encrypted(reporter: APIClient) -> None:
    upload(reporter, "secret-name.txt", b"secret content\n", "text/plain")
    attachment = Attachment.objects.get()
    assert isinstance(attachment.filename, Ciphertext)
    assert b"secret-name" not in attachment.filename.blob
    content = AttachmentContent.objects.get().data
    assert isinstance(content, Ciphertext)
    assert b"secret content" not in content.blob


def test_image_over_the_pixel_limit_is_rejected_as_a_decompression_bomb(
    reporter: APIClient,
) -> None:
    """Regression (reporter tests, fixed in dbf4bc9): Pillow only warns about an image just over its
    pixel limit, and such an image was accepted."""
    # 50,010,000 pixels: just over the 50 million that reports.attachments allows, yet a
    # bilevel PNG of one colour is only a few kilobytes on the wire.
    bomb = io.BytesIO()
    Image.new("1", (10_000, 5_001), 0).save(bomb, format="PNG", optimize=True)
    assert len(bomb.getvalue()) < 1024 * 1024

    response = upload(reporter, "bomb.png", bomb.getvalue(), "image/png")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "validation_error"
    assert Attachment.objects.count() == 0


def test_html_intake_attachment_is_stored_without_exif(client: Any) -> None:
    photo = SimpleUploadedFile("at-the-office.jpg", photo_with_gps("JPEG"), "image/jpeg")
    responses = walk_intake(client, uploads={"attachments": [photo]})

    assert responses[-1].status_code == 200, responses[-1].content.decode()[:2000]
    reporter = sign_in(receipt_on_page(responses[-1].content))
    listed = reporter.get("/api/v1/reporter/report").json()["attachments"]
    assert [(a["filename"], a["content_type"]) for a in listed] == [
        ("at-the-office.jpg", "image/jpeg")
    ]
    with Image.open(io.BytesIO(_download(reporter, listed[0]["id"]))) as image:
        assert len(image.getexif()) == 0


def test_html_portal_attachment_is_stored_without_exif(client: Any) -> None:
    receipt = submit()["receipt"]
    assert client.post("/access/", {"receipt": receipt}).status_code == 302
    photo = SimpleUploadedFile("later.png", photo_with_gps("PNG"), "image/png")

    response = client.post("/my-report/attachments", {"attachments": photo})

    assert response.status_code == 302
    attachment = Attachment.objects.get()
    download = client.get(f"/my-report/attachments/{attachment.id}")
    assert download.status_code == 200
    data = download.getvalue()
    with Image.open(io.BytesIO(data)) as image:
        assert len(image.getexif()) == 0


# --- Issue 10: bounded memory, and no dangerous file reaches staff as it came ------------------


def _staff_download(
    staff_api: Any, focal_point: Any, attachment_id: str, *, filename: str, content_type: str
) -> bytes:
    """The focal point's download of the one case's attachment, checked to arrive under
    ``filename`` and ``content_type`` as a download that no browser renders or sniffs."""
    case = Case.objects.get()
    response = staff_api(focal_point).get(f"/api/v1/cases/{case.id}/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content)


def _staff_download_as_evidence_txt(staff_api: Any, focal_point: Any, attachment_id: str) -> bytes:
    """The focal point's download, checked to be the inert ``evidence.txt``."""
    return _staff_download(
        staff_api, focal_point, attachment_id, filename="evidence.txt", content_type="text/plain"
    )


def test_issue_10_the_7000_by_7000_png_is_refused_saying_how_many_pixels_are_allowed(
    reporter: APIClient,
) -> None:
    """Regression (issue 10): this 208 KB image took about 700 MB while being cleaned."""
    response = upload(reporter, "screenshot.png", png(7000, 7000), "image/png")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "validation_error"
    assert "at most 40 megapixels" in body["fields"]["file"][0]
    assert Attachment.objects.count() == 0
    assert AttachmentContent.objects.count() == 0


def test_a_file_that_exhausts_the_decoders_memory_is_refused_clearly_and_nothing_is_kept(
    reporter: APIClient, settings: Any
) -> None:
    # Within the pixel cap, but more than a decoder given 100 MB can hold.
    settings.ATTACHMENT_CLEANER_MEMORY_MB = 100

    response = upload(reporter, "scan.png", png(6000, 5000), "image/png")

    assert response.status_code == 400, response.content
    assert response.json()["fields"]["file"] == ["This file is damaged or too large to open."]
    assert Attachment.objects.count() == 0


def test_when_no_decoder_process_can_be_started_the_answer_is_503_and_nothing_is_kept(
    reporter: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server is out of processes or memory to start one: not the file's fault.
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")

    response = upload(reporter, "photo.png", png(20, 20), "image/png")

    assert response.status_code == 503, response.content
    assert response.json()["error"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("evidence.hta", "evidence.txt"),
        ("evidence.bat", "evidence.txt"),
        ("chat.html", "chat.txt"),
        ("drawing.svg", "drawing.txt"),
        ("evidence.pdf.hta", "evidence_pdf.txt"),
        ("C:\\Users\\me\\notes", "notes.txt"),
        ("evil\u202etxt.hta", "eviltxt.txt"),
        ("....", "attachment.txt"),
        ("", "attachment.txt"),
        ("会议 记录.hta", "会议 记录.txt"),
    ],
)
def test_the_stored_name_keeps_the_base_name_and_takes_the_detected_types_extension(
    sent: str, stored: str
) -> None:
    assert stored_name(sent, "text/plain") == stored
    # Downloads name the file again: a stored name must come through unchanged.
    assert stored_name(stored, "text/plain") == stored


def test_an_image_named_as_a_program_is_stored_with_its_images_extension() -> None:
    assert stored_name("photo.exe", "image/jpeg") == "photo.jpg"
    assert stored_name("report", "application/pdf") == "report.pdf"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evidence.hta", b'<html><script language="VBScript">CreateObject("WScript.Shell")'),
        ("evidence.bat", b"@echo off\r\npowershell -enc SQBFAFgA\r\n"),
    ],
)
def test_issue_10_a_script_sent_through_the_api_reaches_staff_as_inert_text(
    reporter: APIClient, staff_api: Any, focal_point: Any, name: str, content: bytes
) -> None:
    response = upload(reporter, name, content, "application/hta")

    assert response.status_code == 201, response.content
    assert response.json()["filename"] == "evidence.txt"
    assert response.json()["content_type"] == "text/plain"
    downloaded = _staff_download_as_evidence_txt(staff_api, focal_point, response.json()["id"])
    assert downloaded == content


def test_issue_10_a_batch_file_sent_with_the_intake_form_reaches_staff_as_inert_text(
    client: Any, staff_api: Any, focal_point: Any
) -> None:
    script = SimpleUploadedFile("evidence.bat", b"del /q C:\\*\r\n", "application/x-bat")
    responses = walk_intake(client, uploads={"attachments": [script]})

    assert responses[-1].status_code == 200, responses[-1].content.decode()[:2000]
    attachment = Attachment.objects.get()
    downloaded = _staff_download_as_evidence_txt(staff_api, focal_point, str(attachment.id))
    assert downloaded == b"del /q C:\\*\r\n"


def test_issue_10_a_file_stored_before_under_its_own_name_downloads_under_its_types_name(
    staff_api: Any, focal_point: Any
) -> None:
    # Given a text file stored, as before issue 10, under the name it came with.
    receipt = submit()["receipt"]
    token, _session = reporter_session_start(receipt=receipt)
    access = reporter_session_resolve(token)
    assert isinstance(access, ReporterAccess)
    attachment = reporter_attachment_add(
        access=access,
        attachment=CleanAttachment(
            filename="evidence.hta", content_type="text/plain", data=b"<script>x</script>"
        ),
    )

    # When staff and the reporter download it, it is named for what it is.
    downloaded = _staff_download_as_evidence_txt(staff_api, focal_point, str(attachment.id))
    assert downloaded == b"<script>x</script>"
    mine = sign_in(receipt).get(f"/api/v1/reporter/attachments/{attachment.id}")
    assert mine["Content-Disposition"] == 'attachment; filename="evidence.txt"'


def test_a_clean_pdf_reaches_staff_unchanged_as_a_download(
    reporter: APIClient, staff_api: Any, focal_point: Any
) -> None:
    document = pdf()

    response = upload(reporter, "letter.exe", document, "application/pdf")

    assert response.status_code == 201, response.content
    downloaded = _staff_download(
        staff_api,
        focal_point,
        response.json()["id"],
        filename="letter.pdf",
        content_type="application/pdf",
    )
    assert downloaded == document


def test_issue_10_a_pdf_that_runs_javascript_on_opening_is_refused_through_the_api(
    reporter: APIClient,
) -> None:
    def open_with_script(writer: PdfWriter) -> None:
        writer.root_object[NameObject("/OpenAction")] = action(
            "/JavaScript", JS=TextStringObject("app.alert('opened')")
        )

    response = upload(reporter, "letter.pdf", pdf(open_with_script), "application/pdf")

    assert response.status_code == 400, response.content
    assert "contains scripts" in response.json()["fields"]["file"][0]
    assert Attachment.objects.count() == 0
    assert AttachmentContent.objects.count() == 0


def test_issue_10_a_pdf_zip_polyglot_is_refused_on_the_portal_page(client: Any) -> None:
    receipt = submit()["receipt"]
    assert client.post("/access/", {"receipt": receipt}).status_code == 302
    polyglot = SimpleUploadedFile("letter.pdf", pdf() + zip_archive(), "application/pdf")

    response = client.post("/my-report/attachments", {"attachments": polyglot}, follow=True)

    assert "other data hidden after its end" in response.content.decode()
    assert Attachment.objects.count() == 0
    assert AttachmentContent.objects.count() == 0
