"""Which language a page is shown in, chosen without anything that would track the reporter.

The choice lives in the address and nowhere else: ``/ar/report/`` is the intake in Arabic.
Without a prefix, the browser's Accept-Language picks among the languages offered
(``settings.LANGUAGES``), and English is the language of last resort. English addresses are
unprefixed, as they always were, and every link a page makes keeps the language it was shown
in.

No language cookie is read or written and the session is not used: a cookie would outlive a
quick exit and tell whoever picks up the device that this site was read, and in which language.
Choosing English explicitly (``/en/...``) from a browser that asks for another language must
stick as well, so those requests are answered by a second URLconf in which English is prefixed
too (``settings.UPSTANDER_PREFIXED_URLCONF``); its links then keep the ``/en/``.

Staff are the exception, and only behind the staff door: a staff member may choose a language
on their settings page (stored on their account, which a reporter does not have), and their
pages without a prefix, the API answering their token, and the emails sent to them are in it
(:func:`staff_language_activate`, :func:`staff_language`). A prefix still wins for that one
request; a page a reporter reads never looks at who is signed in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, get_script_prefix
from django.urls.resolvers import LocalePrefixPattern
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import trans_real
from rest_framework.request import Request


class LanguagePrefix(LocalePrefixPattern):
    """The ``/<language>/`` prefix of the pages, which also lets an unprefixed address through
    in any language: that is the page in the language Accept-Language picked."""

    def match(self, path: str) -> tuple[str, tuple[Any, ...], dict[str, Any]] | None:
        return super().match(path) or (path, (), {})


def page_patterns(
    *urls: URLPattern | URLResolver, prefix_default_language: bool
) -> list[URLResolver]:
    """``i18n_patterns`` with :class:`LanguagePrefix`."""
    return [URLResolver(LanguagePrefix(prefix_default_language), list(urls))]


def language_from_browser(request: HttpRequest) -> str:
    """The first language of Accept-Language that is offered, else the default one."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        if not trans_real.language_code_re.search(code):
            continue
        try:
            return str(translation.get_supported_language_variant(code))
        except LookupError:
            continue
    return str(settings.LANGUAGE_CODE)


def language_in_address(path: str) -> str | None:
    """The offered language whose prefix starts ``path`` (``/fr/...``), if any."""
    for code, _name in settings.LANGUAGES:
        if path.startswith(f"/{code}/"):
            return str(code)
    return None


class LanguageFromAddressMiddleware:
    """Django's ``LocaleMiddleware`` without its language cookie, and with Accept-Language
    still deciding for an unprefixed address (Django's would always show those in English)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        chosen = language_in_address(request.path_info)
        language = chosen or language_from_browser(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        if chosen == settings.LANGUAGE_CODE:
            request.urlconf = settings.UPSTANDER_PREFIXED_URLCONF
        response = self.get_response(request)
        if chosen is None:
            # The same address answers in different languages: caches must keep them apart.
            patch_vary_headers(response, ("Accept-Language",))
        # A staff page may have switched to its member's language (staff_language_activate).
        response.headers.setdefault("Content-Language", translation.get_language() or language)
        return response


def offered_languages() -> list[tuple[str, str]]:
    """The languages a staff member may choose (``User.language``'s choices)."""
    return list(settings.LANGUAGES)


def language_offered(code: str) -> bool:
    return code in {offered for offered, _name in settings.LANGUAGES}


def staff_language(chosen: str) -> str:
    """The language of what is written to a staff member: their choice while it is offered,
    else the default (a catalogue withdrawn since they chose must not leave them with none)."""
    if language_offered(chosen):
        return chosen
    return str(settings.LANGUAGE_CODE)


def staff_language_activate(request: HttpRequest | Request, chosen: str) -> None:
    """Behind the staff door: the signed-in member's choice beats Accept-Language, and a prefix
    in the address (``/en/staff/``) beats their choice for that request. Blank follows the
    browser, as :class:`LanguageFromAddressMiddleware` already decided, and so does a language
    no longer offered."""
    if not language_offered(chosen) or language_in_address(request.path_info) is not None:
        return
    translation.activate(chosen)
    request.LANGUAGE_CODE = chosen


@dataclass(frozen=True)
class LanguageLink:
    code: str
    name: str
    url: str


def language_switch(request: HttpRequest) -> dict[str, list[LanguageLink]]:
    """Links to this page in each other language offered: none while only one is."""
    if len(settings.LANGUAGES) < 2:
        return {"language_switch": []}
    path = request.path_info
    current_prefix = language_in_address(path)
    page = path[len(current_prefix) + 1 :] if current_prefix else path
    query = request.META.get("QUERY_STRING", "")
    current = translation.get_language()
    return {
        "language_switch": [
            LanguageLink(
                code=code,
                # Each language in its own words: someone who cannot read the page can still
                # find theirs.
                name=translation.get_language_info(code)["name_local"],
                url=f"{get_script_prefix()}{code}{page}" + (f"?{query}" if query else ""),
            )
            for code, _name in settings.LANGUAGES
            if code != current
        ]
    }
