"""Security headers on every answer, static files included: one middleware, one place.

- A strict Content-Security-Policy: everything from this site, nothing inline, nothing else.
  Pages carry no inline script, style or event handler, so the policy needs no exceptions. A
  third-party request would tell that site who is reporting; the policy makes one impossible.
- ``Permissions-Policy`` denies the camera, the microphone and geolocation: no page needs
  them, and a reporter's location is exactly what must never leak.
- ``Cross-Origin-Resource-Policy: same-origin``: no other site can embed or load anything of
  ours (a script probing whether a visitor has a reporter session, for one).
- ``Cache-Control: no-store`` on every API answer and on every page that does not say
  otherwise: receipts, narratives and decrypted case content must not stay in a shared
  computer's cache or a proxy. Only the public static files are cacheable, and no other site
  may read them either (``WHITENOISE_ALLOW_ALL_ORIGINS`` is off).

It sits right after Django's ``SecurityMiddleware``, outside WhiteNoise, so that the static
files (which WhiteNoise answers without going further in) carry the same headers.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
NOT_STORED = "no-store"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Attachment downloads set their own, stricter policy (sandboxed, nothing allowed).
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = NOT_STORED
        else:
            # Static files arrive with WhiteNoise's own caching; nothing else is stored.
            response.headers.setdefault("Cache-Control", NOT_STORED)
        return response
