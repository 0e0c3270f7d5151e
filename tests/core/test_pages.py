"""The site's own error pages (``core.pages``): a refused form names its cause (no security
cookie, another site, an older form) on a calm page with the quick exit; the API answers JSON.
And the referrer policy that lets a browser's own form posts carry their real Origin:
same-origin, in the header and in the page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client, RequestFactory

from tests.helpers.html import parse, quick_exit_links
from tests.helpers.reporter import submit

pytestmark = pytest.mark.django_db

NO_COOKIE = "did not send this site's security cookie"
OTHER_SITE = "did not come from a page of this site"
EXPIRED = "older than your current visit"
NO_ORIGIN = "did not say which page sent the form"
CAUSES = (NO_COOKIE, OTHER_SITE, EXPIRED, NO_ORIGIN)


def _browser_on_access_page() -> tuple[Client, str]:
    """A browser that opened /access/: it holds the CSRF cookie and the form's token."""
    client = Client(enforce_csrf_checks=True)
    page = client.get("/access/")
    assert page.status_code == 200
    assert "csrftoken" in client.cookies
    tokens = [a.get("value") or "" for a in parse(page.content).inputs(name="csrfmiddlewaretoken")]
    assert len(tokens) == 1
    return client, tokens[0]


def _assert_refused_page(response: Any, cause: str) -> None:
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "This form was not sent" in html
    assert cause in html
    assert [other for other in CAUSES if other != cause and other in html] == []
    links = quick_exit_links(response.content)
    assert len(links) == 1
    assert links[0]["href"] == "/exit/"


def test_a_form_posted_without_the_security_cookie_names_the_cookie() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.post("/access/", {"receipt": "2345-6789-ABCD-EFGH-JKMN"})

    _assert_refused_page(response, NO_COOKIE)
    assert "Allow cookies for this site" in response.content.decode()


@pytest.mark.parametrize(
    "token", [pytest.param("x" * 64, id="wrong"), pytest.param(None, id="missing")]
)
def test_a_form_with_the_cookie_but_a_stale_token_says_it_is_older_than_this_visit(
    token: str | None,
) -> None:
    client, _real_token = _browser_on_access_page()
    data = {"receipt": "2345-6789-ABCD-EFGH-JKMN"}
    if token is not None:
        data["csrfmiddlewaretoken"] = token

    response = client.post("/access/", data)

    _assert_refused_page(response, EXPIRED)


def test_a_form_from_another_origin_says_it_did_not_come_from_this_site() -> None:
    client, token = _browser_on_access_page()

    response = client.post(
        "/access/",
        {"receipt": "2345-6789-ABCD-EFGH-JKMN", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://evil.example",
    )

    _assert_refused_page(response, OTHER_SITE)


def test_a_form_over_https_referred_by_another_site_says_it_did_not_come_from_this_site() -> None:
    client, token = _browser_on_access_page()

    response = client.post(
        "/access/",
        {"receipt": "2345-6789-ABCD-EFGH-JKMN", "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_REFERER="https://evil.example/page",
    )

    _assert_refused_page(response, OTHER_SITE)


def test_a_form_over_https_whose_browser_hid_its_origin_says_so_without_blaming_another_site() -> (
    None
):
    """Regression (issue 7 review, fixed in b08c699): a browser that sends no Origin or Referer over
    HTTPS is told so, not that the form came from another site."""
    client, token = _browser_on_access_page()

    response = client.post("/access/", {"csrfmiddlewaretoken": token, "receipt": "x"}, secure=True)

    _assert_refused_page(response, NO_ORIGIN)


def test_a_form_from_this_origin_with_a_valid_token_goes_through(entity: Any) -> None:
    receipt = submit()["receipt"]
    client, token = _browser_on_access_page()

    response = client.post(
        "/access/",
        {"receipt": receipt, "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code == 302
    assert response["Location"] == "/my-report/"
    assert "upstander_reporter" in response.cookies
    assert client.get("/my-report/").status_code == 200


def test_an_intake_step_from_this_origin_with_a_valid_token_goes_through(entity: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/report/")
    token = [a.get("value") or "" for a in parse(page.content).inputs(name="csrfmiddlewaretoken")]

    response = client.post(
        "/report/",
        {
            "step": "about",
            "reporter_role": "witness",
            "entity": "UNW",
            "next": "1",
            "csrfmiddlewaretoken": token[0],
        },
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code == 200
    assert [a.get("value") for a in parse(response.content).inputs(name="step")] == ["what"]


def _refused_api_call(**extra: Any) -> HttpResponse:
    """A cookie-less POST under /api/ through Django's CSRF check, to a view that is not exempt
    (the contract's own endpoints are, so a refusal there can only come from a future view)."""
    request = RequestFactory().post(
        "/api/v1/reports", data="{}", content_type="application/json", **extra
    )

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse("reached")

    middleware = CsrfViewMiddleware(lambda request: HttpResponse())
    middleware.process_request(request)
    response = middleware.process_view(request, view, (), {})
    assert isinstance(response, HttpResponse)
    return response


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="no-cookie"),
        pytest.param({"HTTP_ORIGIN": "http://evil.example"}, id="other-site"),
    ],
)
def test_a_refused_api_call_answers_json_forbidden(extra: dict[str, str]) -> None:
    response = _refused_api_call(**extra)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["error"] == "forbidden"
    assert body["detail"]
    assert b"<html" not in response.content


# --- Referrer policy --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/report/", "/access/", "/report/receipt/", "/staff/login/"])
def test_pages_ask_for_a_same_origin_referrer_policy(path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    metas = [attrs for tag, attrs in parse(response.content).elements if tag == "meta"]
    referrer = [attrs.get("content") for attrs in metas if attrs.get("name") == "referrer"]
    assert referrer == ["same-origin"]


def test_the_refused_form_page_keeps_the_same_origin_referrer_policy() -> None:
    response = Client(enforce_csrf_checks=True).post("/access/", {"receipt": "x"})

    assert response.status_code == 403
    assert response["Referrer-Policy"] == "same-origin"
    metas = [attrs for tag, attrs in parse(response.content).elements if tag == "meta"]
    assert [a.get("content") for a in metas if a.get("name") == "referrer"] == ["same-origin"]
