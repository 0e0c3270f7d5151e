"""The reporter's HTTP API (contract: "Reporter (no account)"). Thin: serializers validate,
services write, selectors read."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import bearer_token
from accounts.services import staff_token_resolve
from core.api_errors import ApiError, validation_error
from core.errors import InvalidInputError
from core.openapi import error_responses
from core.throttling import attempt_start, attempt_succeeded
from feedback.selectors import survey_status
from feedback.serializers import SurveySerializer
from feedback.services import survey_answer
from portal import retaliation, services
from portal.coming_forward import affected_person_code_issue, affected_person_link
from portal.intake_limit import intake_reserved
from portal.selectors import reporter_attachment, reporter_report_view
from portal.serializers import (
    AffectedPersonLinkSerializer,
    CheckInAnswerSerializer,
    ConsentSerializer,
    MessageSerializer,
    ReceiptSerializer,
    ReportSubmissionSerializer,
    RetaliationReportSerializer,
    RouteSerializer,
)
from portal.upload_limit import upload_clean
from reports.attachments import attachment_response, file_too_large_words
from vault.crypto import DerivationsBusyError


class Reporter:
    """The principal behind a reporter token: no account, no name."""

    is_authenticated = True
    is_active = True
    role = ""


class ReporterTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Reporter, services.ReporterAccess] | None:
        token = bearer_token(request)
        if not token:
            return None
        access = services.reporter_session_resolve(token)
        if access is None and staff_token_resolve(token) is not None:
            # A staff member's token: staff never read a report through the reporter's door.
            raise ApiError(
                status_code=403,
                code="forbidden",
                detail=_("Staff accounts cannot use the reporter's pages."),
            )
        if access is None:
            raise ApiError(
                status_code=401,
                code="not_authenticated",
                detail=_("Your session has ended. Enter your receipt again."),
            )
        return Reporter(), access

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class IsReporter(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return isinstance(request.auth, services.ReporterAccess)


class ReporterApi(APIView):
    authentication_classes = [ReporterTokenAuthentication]
    permission_classes = [IsReporter]

    def access(self, request: Request) -> services.ReporterAccess:
        if not isinstance(request.auth, services.ReporterAccess):  # guarded by IsReporter
            raise ApiError(
                status_code=401, code="not_authenticated", detail=_("Sign in with your receipt.")
            )
        return request.auth


def _filed(submitted: services.SubmittedReport) -> Response:
    """201 with the receipt, shown this once, and the report as its reporter sees it."""
    body = reporter_report_view(report=submitted.report, data_key=submitted.data_key)
    return Response({"receipt": submitted.receipt, "report": body}, status=status.HTTP_201_CREATED)


class ReportCreateApi(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        request=ReportSubmissionSerializer,
        responses={201: OpenApiResponse(description="receipt and report"), **error_responses(429)},
    )
    def post(self, request: Request) -> Response:
        serializer = ReportSubmissionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = serializer.submission()
        with intake_reserved(request):
            submitted = services.report_submit(submission=submission)
        return _filed(submitted)


class ReporterSessionApi(APIView):
    authentication_classes: list[type] = []
    permission_classes: list[type] = []

    @extend_schema(
        request=ReceiptSerializer,
        responses={200: OpenApiResponse(description="token"), **error_responses(401, 429, 503)},
    )
    def post(self, request: Request) -> Response:
        # Counted as failed until it succeeds: a burst of guesses gets exactly the limit.
        attempt = attempt_start(request, scope="receipt")
        if attempt.retry_after is not None:
            raise ApiError(
                status_code=429,
                code="rate_limited",
                detail=_("Too many attempts. Please wait before trying again."),
                retry_after=attempt.retry_after,
            )
        serializer = ReceiptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token, _session = services.reporter_session_start(
                receipt=serializer.validated_data["receipt"]
            )
        except DerivationsBusyError:
            # The receipt was never tried: a busy server costs the reporter no guess (503).
            attempt_succeeded(attempt)
            raise
        attempt_succeeded(attempt)
        return Response({"token": token, "expires_in": int(services.SESSION_IDLE.total_seconds())})

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        services.reporter_session_end(bearer_token(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReporterReportApi(ReporterApi):
    @extend_schema(responses={200: OpenApiResponse(description="REPORT")})
    def get(self, request: Request) -> Response:
        return Response(
            reporter_report_view(
                report=self.access(request).report, data_key=self.access(request).data_key
            )
        )


class ReporterConsentApi(ReporterApi):
    @extend_schema(
        request=ConsentSerializer, responses={201: OpenApiResponse(description="recorded consent")}
    )
    def post(self, request: Request) -> Response:
        serializer = ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = self.access(request)
        consent = services.consent_record(
            access=access,
            action=serializer.validated_data["action"],
            granted=serializer.validated_data["granted"],
        )
        view = reporter_report_view(report=access.report, data_key=access.data_key)
        return Response(
            {
                "action": consent.action,
                "granted": consent.granted,
                "recorded_at": consent.recorded_at.isoformat().replace("+00:00", "Z"),
                "consents": view["consents"],
                "state": view["state"],
                "status_label": view["status_label"],
            },
            status=status.HTTP_201_CREATED,
        )


class ReporterMessageApi(ReporterApi):
    @extend_schema(
        request=MessageSerializer,
        # 409: the reporter sealed the report (withdrew case review).
        responses={201: OpenApiResponse(description="message"), **error_responses(409)},
    )
    def post(self, request: Request) -> Response:
        serializer = MessageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.reporter_message_send(
            access=self.access(request), body=serializer.validated_data["body"]
        )
        return Response(
            {
                "id": str(message.id),
                "from": message.sender,
                "body": serializer.validated_data["body"],
                "sent_at": message.sent_at.isoformat().replace("+00:00", "Z"),
            },
            status=status.HTTP_201_CREATED,
        )


class ReporterRouteApi(ReporterApi):
    @extend_schema(request=RouteSerializer, responses={200: OpenApiResponse(description="REPORT")})
    def post(self, request: Request) -> Response:
        serializer = RouteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = self.access(request)
        services.route_change(
            access=access,
            route=serializer.validated_data["route"],
            informal_channel=serializer.validated_data.get("informal_channel") or "",
        )
        return Response(reporter_report_view(report=access.report, data_key=access.data_key))


class ReporterSurveyApi(ReporterApi):
    """The closing survey: whether it is offered now, and the answers (once per report)."""

    @extend_schema(
        responses={
            200: OpenApiResponse(
                description="status: offered, answered, not_closed or needs_statistics_consent"
            )
        }
    )
    def get(self, request: Request) -> Response:
        return Response({"status": survey_status(self.access(request).report).value})

    @extend_schema(
        request=SurveySerializer,
        responses={
            201: OpenApiResponse(description="recorded, apart from the report"),
            # Already answered, not closed, or no consent to statistics.
            **error_responses(409),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = SurveySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        survey_answer(report=self.access(request).report, answers=serializer.answers())
        return Response({"status": "answered"}, status=status.HTTP_201_CREATED)


class ReporterAttachmentApi(ReporterApi):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        # 400 says why the file is refused; 429: this client sent its files for today; 503: no
        # process to open the file could be started (reports.file_cleaner).
        responses={201: OpenApiResponse(description="attachment"), **error_responses(429, 503)},
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        rejected = getattr(request._request, "upload_rejected", "")
        if rejected == "too_large":
            raise ApiError(status_code=413, code="too_large", detail=file_too_large_words())
        if upload is None:
            raise validation_error({"file": [_("Attach one file in the field 'file'.")]})
        clean = upload_clean(request._request, filename=upload.name or "", data=upload.read())
        record = services.reporter_attachment_add(access=self.access(request), attachment=clean)
        return Response(
            {
                "id": str(record.id),
                "filename": clean.filename,
                "content_type": record.content_type,
                "size": record.size,
            },
            status=status.HTTP_201_CREATED,
        )


class ReporterAttachmentDownloadApi(ReporterApi):
    @extend_schema(responses={200: OpenApiResponse(description="the file")})
    def get(self, request: Request, attachment_id: uuid.UUID) -> HttpResponseBase:
        found = reporter_attachment(self.access(request), attachment_id)
        if found is None:
            raise ApiError(status_code=404, code="not_found", detail=_("Not found."))
        return attachment_response(*found)


class ReporterRetaliationApi(ReporterApi):
    """``POST /api/v1/reporter/retaliation``: "something happened since" (issue 12). A new report
    linked to the signed-in reporter's one, with its own receipt, shown once."""

    @extend_schema(
        request=RetaliationReportSerializer,
        responses={201: OpenApiResponse(description="receipt and report"), **error_responses(429)},
    )
    def post(self, request: Request) -> Response:
        serializer = RetaliationReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = self.access(request)
        account = retaliation.RetaliationAccount(**serializer.validated_data)
        with intake_reserved(request):
            submitted = retaliation.retaliation_report_submit(access=access, account=account)
        return _filed(submitted)


class ReporterCheckInApi(ReporterApi):
    """``POST /api/v1/reporter/check-ins/{id}``: the reporter answers a check-in (issue 12)."""

    @extend_schema(
        request=CheckInAnswerSerializer,
        responses={200: OpenApiResponse(description="answered check-in"), **error_responses(404)},
    )
    def post(self, request: Request, check_in_id: uuid.UUID) -> Response:
        serializer = CheckInAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answered = retaliation.check_in_answer(
            access=self.access(request),
            check_in_id=check_in_id,
            answer=serializer.validated_data["answer"],
        )
        return Response(
            {
                "id": str(answered.id),
                "months": answered.months,
                "answer": answered.answer,
                "answered_on": answered.answered_on.isoformat() if answered.answered_on else None,
            }
        )


class ReporterAffectedPersonCodeApi(ReporterApi):
    """A witness takes a code to pass on to the person it happened to (issue 12)."""

    @extend_schema(
        request=None,
        responses={201: OpenApiResponse(description='{"code": "..."}, shown once')},
    )
    def post(self, request: Request) -> Response:
        code = affected_person_code_issue(access=self.access(request))
        return Response({"code": code}, status=status.HTTP_201_CREATED)


class ReporterAffectedPersonLinkApi(ReporterApi):
    """The person it happened to links their own report to the witness's, if they agree."""

    @extend_schema(
        request=AffectedPersonLinkSerializer,
        responses={201: OpenApiResponse(description='{"linked": true}')},
    )
    def post(self, request: Request) -> Response:
        serializer = AffectedPersonLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data["agree"]:
            raise InvalidInputError(
                {"agree": [_("The reports are linked only if you agree: send true to agree.")]}
            )
        affected_person_link(access=self.access(request), code=serializer.validated_data["code"])
        return Response({"linked": True}, status=status.HTTP_201_CREATED)


class ReporterHandlerChangeApi(ReporterApi):
    """The reporter asks for a different handler, without giving a reason (issue 12)."""

    @extend_schema(request=None, responses={200: OpenApiResponse(description="REPORT")})
    def post(self, request: Request) -> Response:
        access = self.access(request)
        services.handler_change_request(access=access)
        return Response(reporter_report_view(report=access.report, data_key=access.data_key))


class ManagerDecisionSerializer(serializers.Serializer[Any]):
    approved = serializers.BooleanField()


class ReporterManagerApi(ReporterApi):
    """The reporter approves or refuses the manager proposed to intervene (issue 12)."""

    @extend_schema(
        request=ManagerDecisionSerializer, responses={200: OpenApiResponse(description="REPORT")}
    )
    def post(self, request: Request) -> Response:
        serializer = ManagerDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = self.access(request)
        services.manager_decide(access=access, approved=serializer.validated_data["approved"])
        return Response(reporter_report_view(report=access.report, data_key=access.data_key))
