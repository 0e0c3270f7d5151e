"""How the generated OpenAPI schema (/api/schema/) describes Upstander's two bearer tokens."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.StaffTokenAuthentication"
    name = "staffToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "From POST /api/v1/auth/token (password and TOTP); it expires.",
        }


class ReporterTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.ReporterTokenAuthentication"
    name = "reporterToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "From POST /api/v1/reporter/session (the receipt); ends after 15 idle minutes.",
        }
