"""How the generated OpenAPI schema (/api/schema/) describes Upstander's two bearer tokens and
the error answers of each operation."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from core.errors import ConflictReason


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


# --- Error answers ------------------------------------------------------------------------------
# Every refusal has the contract's body (``core.api_errors``); the schema says which statuses each
# operation can answer, so a client (and the fuzzing in tests/core/test_api_fuzzing.py) can tell a
# documented refusal from a fault.

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The contract's error body; the extra fields depend on `error`.",
    "properties": {
        "error": {"type": "string", "description": "The contract's error code."},
        "detail": {"type": "string", "description": "A sentence for the reader."},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "With `validation_error`: what is wrong with each field.",
        },
        "missing": {
            "type": "array",
            "items": {"type": "string"},
            "description": "With `consent_required`: the consent actions missing.",
        },
        "allowed": {
            "type": "array",
            "items": {"type": "string"},
            "description": "With `transition_not_allowed`: the transitions allowed now.",
        },
        "reason": {
            "type": "string",
            "enum": [reason.value for reason in ConflictReason],
            "description": "With `conflict_of_interest`: why the staff member named cannot "
            "take part in the case.",
        },
        "retry_after": {
            "type": "integer",
            "description": "With `rate_limited` and `service_unavailable`: seconds to wait.",
        },
    },
    "required": ["error", "detail"],
}
_ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

ERROR_MEANINGS: dict[int, str] = {
    400: "`validation_error`: a field, the query or the path is not acceptable (`fields` says "
    "which); a NUL byte anywhere in the request is refused this way.",
    401: "`not_authenticated`, `invalid_receipt`, `invalid_credentials` or `otp_required`.",
    403: "`forbidden`: this role (or this kind of token) may not do this.",
    404: "`not_found`: nothing here, or nothing this user may see (the two look the same).",
    409: "`consent_required` (`missing`), `transition_not_allowed` (`allowed`), `shredded` (the "
    "report was crypto-shredded; its case takes nothing more), `conflict_of_interest` "
    "(`reason`: the staff member named is in the report, declared a conflict with the case, or "
    "is the handler the reporter asked to replace) or `conflict` (a concurrent change won the "
    "race; nothing was written): the request is well formed but the case or report does not "
    "allow it now.",
    413: "`too_large`: the body (or a file) is over the limit.",
    415: "`unsupported_media_type`: the body is not in the media type documented here (or a "
    "multipart body that cannot be read).",
    429: "`rate_limited`: too many attempts or submissions from this client (`retry_after`).",
    503: "`service_unavailable`: a service the answer needs is down; try again after "
    "`Retry-After` seconds.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """The error answers of a view beyond those its shape implies (``document_error_answers``
    adds those): ``responses={200: ..., **error_responses(409, 429)}``."""
    return {
        status: OpenApiResponse(response=_ERROR_REF, description=ERROR_MEANINGS[status])
        for status in statuses
    }


def _implied_statuses(operation: dict[str, Any], path: str, method: str) -> list[int]:
    """The refusals every operation of this shape can give, whatever the view says."""
    # A NUL byte in the path or the query is refused before any view runs (core.input_hygiene).
    statuses = [400]
    signed_in = any(requirement for requirement in operation.get("security", []))
    if signed_in:
        # A missing, expired or foreign token; a role (or token kind) that may not do this.
        statuses += [401, 403]
        if method != "get" or "{" in path:
            # A write, or a read of one report (audited, so written too), can lose a race to
            # another writer on the same report: 409 `conflict` (core.concurrency).
            statuses.append(409)
    if "{" in path:
        statuses.append(404)
    if "requestBody" in operation:
        # DATA_UPLOAD_MAX_MEMORY_SIZE and the attachment limit; a body in another media type
        # than the operation parses (DRF answers 415 before the view runs).
        statuses += [413, 415]
    return statuses


def document_error_answers(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the error body as a component, and on each API
    operation the error answers its shape implies (the view's own, declared with
    ``error_responses``, are kept)."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in _implied_statuses(operation, path, method):
                responses.setdefault(
                    str(status),
                    {
                        "description": ERROR_MEANINGS[status],
                        "content": {"application/json": {"schema": _ERROR_REF}},
                    },
                )
    return result
