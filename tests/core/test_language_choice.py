"""The language of a page (issue 13, item 2): from its address, else from Accept-Language, never
from a cookie or the session; English addresses as they always were; a switch to each other
language offered, on every page, that works without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from core.languages import UN_LANGUAGE_CODES, languages_offered
from tests.helpers.html import parse
from tests.helpers.reporter import final_step_data, receipt_on_page

pytestmark = pytest.mark.django_db

# Arabic and French as if their catalogues had landed: Django ships both for its own strings.
OFFERING_THREE = override_settings(
    LANGUAGES=[("en", "English"), ("ar", "Arabic"), ("fr", "French")]
)


def language_of(response: Any) -> tuple[str | None, str | None]:
    """``<html lang dir>``."""
    html = next(attrs for tag, attrs in parse(response.content).elements if tag == "html")
    return html.get("lang"), html.get("dir")


def switch_links(response: Any) -> list[dict[str, str]]:
    """The links of the language switch: address, language attributes and text."""
    found = re.search(
        r'<nav class="language-switch"[^>]*>(.*?)</nav>', response.content.decode(), re.S
    )
    if found is None:
        return []
    return [
        {"href": href, "lang": lang, "hreflang": hreflang, "text": text}
        for href, lang, hreflang, text in re.findall(
            r'<a href="([^"]*)" lang="([^"]*)" hreflang="([^"]*)">([^<]*)</a>', found.group(1)
        )
    ]


def test_a_language_is_offered_once_its_catalogue_is_in_the_repository(tmp_path: Path) -> None:
    names = {code: code.upper() for code in UN_LANGUAGE_CODES}
    (tmp_path / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.po").write_text("")
    (tmp_path / "zh_Hans" / "LC_MESSAGES" / "django.mo").write_bytes(b"")
    # A folder without its catalogue (a compiled file alone, say) offers nothing.
    (tmp_path / "ar" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "ar" / "LC_MESSAGES" / "django.mo").write_bytes(b"")
    # Nor a catalogue not compiled here (no gettext): its pages would be in English.
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "fr" / "LC_MESSAGES" / "django.po").write_text("")

    offered = languages_offered(
        UN_LANGUAGE_CODES, source_language="en", locale_dirs=[tmp_path], names=names
    )

    assert offered == [("zh-hans", "ZH-HANS"), ("en", "EN")]
    # Every UN language has its catalogue in the repository: all six are offered.
    assert sorted(code for code, _name in settings.LANGUAGES) == sorted(UN_LANGUAGE_CODES)


def test_english_addresses_stay_as_they_were() -> None:
    with OFFERING_THREE:
        assert reverse("portal:intake") == "/report/"
        assert reverse("staff:login") == "/staff/login/"
        with translation.override("ar"):
            assert reverse("portal:intake") == "/ar/report/"
            # Machines' addresses have no language.
            assert reverse("healthz") == "/healthz"
            assert reverse("api-schema") == "/api/schema/"


@OFFERING_THREE
def test_accept_language_picks_the_language_of_an_unprefixed_page() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="ar,en;q=0.5").get("/report/")

    assert response.status_code == 200
    assert language_of(response) == ("ar", "rtl")
    assert "Accept-Language" in response["Vary"]
    assert response["Content-Language"] == "ar"
    # Every link the page makes keeps the language.
    assert 'href="/ar/exit/"' in response.content.decode()


@OFFERING_THREE
def test_a_language_not_offered_falls_back_to_english() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="ru,de;q=0.8").get("/report/")

    assert language_of(response) == ("en", "ltr")
    assert 'href="/exit/"' in response.content.decode()


@OFFERING_THREE
def test_the_address_decides_over_the_browser() -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/fr/report/")

    assert response.status_code == 200
    assert language_of(response) == ("fr", "ltr")
    assert 'href="/fr/exit/"' in response.content.decode()
    assert "Accept-Language" not in response.get("Vary", "")


@OFFERING_THREE
def test_choosing_english_sticks_in_a_browser_that_asks_for_arabic() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="ar")

    response = client.get("/en/report/")

    assert response.status_code == 200
    assert language_of(response) == ("en", "ltr")
    assert 'href="/en/exit/"' in response.content.decode()
    assert language_of(client.get("/en/staying-safe/")) == ("en", "ltr")


@OFFERING_THREE
def test_no_language_cookie_is_read_or_set_and_the_session_is_not_used() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"

    responses = [client.get(path) for path in ("/", "/report/", "/fr/report/", "/en/report/")]

    # A cookie left by another site or an older version changes nothing.
    assert language_of(responses[1]) == ("en", "ltr")
    for response in responses:
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
        assert settings.SESSION_COOKIE_NAME not in response.cookies


@OFFERING_THREE
def test_the_switch_links_to_this_page_in_each_other_language() -> None:
    response = Client().get("/ar/staying-safe/?from=home")

    links = switch_links(response)

    assert [(link["href"], link["lang"], link["hreflang"]) for link in links] == [
        ("/en/staying-safe/?from=home", "en", "en"),
        ("/fr/staying-safe/?from=home", "fr", "fr"),
    ]
    # Each language in its own words.
    assert [link["text"] for link in links] == ["English", "français"]
    for link in links:
        followed = Client(HTTP_ACCEPT_LANGUAGE="ar").get(link["href"])
        assert followed.status_code == 200
        assert language_of(followed)[0] == link["lang"]


def test_the_switch_is_hidden_while_english_is_the_only_language() -> None:
    with OFFERING_THREE:
        assert switch_links(Client().get("/"))
    with override_settings(LANGUAGES=[("en", "English")]):
        assert switch_links(Client().get("/")) == []


@OFFERING_THREE
def test_the_api_and_the_health_check_have_no_language_prefix() -> None:
    client = Client()

    assert client.get("/ar/healthz").status_code == 404
    assert client.get("/ar/api/v1/entities").status_code == 404
    assert client.get("/en/api/v1/entities").status_code == 404


@pytest.mark.usefixtures("entity")
@OFFERING_THREE
def test_a_report_made_in_arabic_shows_its_receipt_at_the_arabic_address() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="ar")

    posted = client.post("/report/", final_step_data(client))

    assert posted.status_code == 303
    assert posted["Location"] == "/ar/report/receipt/"
    assert posted.cookies["upstander_receipt"]["path"] == "/ar/report/receipt/"
    page = client.get(posted["Location"])
    assert receipt_on_page(page.content)
    assert page.cookies["upstander_receipt"]["path"] == "/ar/report/receipt/"
