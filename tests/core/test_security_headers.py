"""Security headers on every answer (``core.security_headers``), static files included: no
camera, microphone or location for any page, nothing of ours loadable by another site, and
nothing but the public static files kept in a cache."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.helpers.reporter import report_payload

pytestmark = pytest.mark.django_db

STATIC_FILE = "/static/css/upstander.css"
EXPECTED_STATUS = {
    "page": 200,
    "reporter page": 200,
    "api list": 200,
    "api receipt": 201,
    "api error": 404,
    "static file": 200,
}


@pytest.fixture(autouse=True)
def _static_files_served(settings: Any) -> None:
    # Production serves the collected files from STATIC_ROOT; here WhiteNoise (still in front
    # of the app, behind the security headers) finds them where they are, without collectstatic.
    settings.WHITENOISE_USE_FINDERS = True


def _permissions(response: Any) -> dict[str, str]:
    header = response["Permissions-Policy"]
    return dict(
        (part.strip().split("=", 1)[0], part.strip().split("=", 1)[1]) for part in header.split(",")
    )


def _assert_denies_devices_and_cross_origin_loads(response: Any) -> None:
    permissions = _permissions(response)
    for feature in ("camera", "microphone", "geolocation"):
        assert permissions.get(feature) == "()", (feature, response["Permissions-Policy"])
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def _answers(entity: Any) -> dict[str, Any]:
    api = APIClient()
    submitted = api.post("/api/v1/reports", report_payload(), format="json")
    assert submitted.status_code == 201, submitted.content
    assert submitted.json()["receipt"]
    return {
        "page": Client().get("/"),
        "reporter page": Client().get("/report/"),
        "api list": api.get("/api/v1/entities"),
        "api receipt": submitted,
        "api error": api.get("/api/v1/no-such-thing"),
        "static file": Client().get(STATIC_FILE),
    }


@pytest.mark.parametrize("name", list(EXPECTED_STATUS))
def test_every_answer_denies_camera_microphone_and_location_and_cross_origin_loading(
    name: str, entity: Any
) -> None:
    response = _answers(entity)[name]

    assert response.status_code == EXPECTED_STATUS[name], response.content[:500]
    _assert_denies_devices_and_cross_origin_loads(response)


def test_the_static_file_is_really_served_with_the_headers() -> None:
    """Regression (issue 7 review, fixed in b08c699): static files too carry the security headers:
    nothing of ours is readable by another site."""
    response = Client().get(STATIC_FILE)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert b"".join(response.streaming_content)  # type: ignore[attr-defined]
    _assert_denies_devices_and_cross_origin_loads(response)
    assert "Content-Security-Policy" in response


@pytest.mark.parametrize("name", ["page", "api list", "api receipt", "api error"])
def test_pages_and_api_answers_are_never_stored(name: str, entity: Any) -> None:
    response = _answers(entity)[name]

    assert "no-store" in response["Cache-Control"]


def test_the_api_answer_that_carries_a_receipt_is_never_stored(entity: Any) -> None:
    response = APIClient().post("/api/v1/reports", report_payload(), format="json")

    assert response.status_code == 201
    assert response.json()["receipt"]
    assert response["Cache-Control"] == "no-store"


def test_api_answers_are_no_store_whatever_the_view_said(entity: Any) -> None:
    # The entity list is public and harmless, yet the API as a whole is never cached.
    response = APIClient().get("/api/v1/entities")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_plain_page_without_its_own_cache_header_is_no_store() -> None:
    response = Client().get("/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_public_static_files_stay_cacheable() -> None:
    response = Client().get(STATIC_FILE)

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
