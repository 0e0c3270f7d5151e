"""The staff case API (contract: "Staff"). Thin: selectors decide visibility, services write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api import StaffApi as AccountStaffApi
from accounts.models import Role, User
from accounts.permissions import manages_users, same_entity
from accounts.services import StaffUserInputError
from audit.services import stream_entries, stream_is_valid
from cases import services
from cases.models import Case
from cases.selectors import case_for, case_list, case_summary, transition_report
from core.api_errors import ApiError, validation_error
from referrals.services import ReferralConsentError, ReferralInputError, referral_make
from reports.attachments import attachment_response


def _not_found() -> ApiError:
    return ApiError(status_code=404, code="not_found", detail=_("Not found."))


def _forbidden() -> ApiError:
    return ApiError(status_code=403, code="forbidden", detail=_("Your role does not allow this."))


def case_detail(case: Case, user: User, *, decrypted: dict[str, Any]) -> dict[str, Any]:
    allowed, blocked = transition_report(case, user)
    return {
        **case_summary(case),
        "consents": case.report.current_consents(),
        "allowed_transitions": allowed,
        "blocked_transitions": blocked,
        "outcome": case.outcome or None,
        "closure_reason": case.closure_reason or None,
        "location_type": case.report.location_type or None,
        "reporter_role": case.report.reporter_role,
        "identity_disclosure": case.report.identity_disclosure,
        **decrypted,
    }


class StaffApi(AccountStaffApi):
    """The staff API's case door: visibility through selectors, 404 for a case not seen."""

    def focal_point_case(self, request: Request, case_id: Any) -> tuple[User, Case]:
        """The case, for a focal point who can see it (404 if unseen, 403 for other roles)."""
        user = self.staff(request)
        case = self.visible_case(request, case_id)
        if user.role != Role.FOCAL_POINT:
            raise _forbidden()
        return user, case

    def visible_case(self, request: Request, case_id: Any) -> Case:
        case = case_for(self.staff(request), case_id)
        if case is None:
            # Leadership and admins never reach a case: the same answer as a case that does not exist.
            raise _not_found()
        return case


class TokenSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, trim_whitespace=False)
    otp = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")


class CaseListApi(StaffApi):
    @extend_schema(
        operation_id="cases_list", responses={200: OpenApiResponse(description="[CASE_SUMMARY]")}
    )
    def get(self, request: Request) -> Response:
        cases = case_list(
            self.staff(request),
            state=request.query_params.get("state", ""),
            due=request.query_params.get("due", ""),
        )
        return Response([case_summary(case) for case in cases])


class CaseDetailApi(StaffApi):
    @extend_schema(responses={200: OpenApiResponse(description="CASE")})
    def get(self, request: Request, case_id: Any) -> Response:
        user = self.staff(request)
        case = self.visible_case(request, case_id)
        return Response(
            case_detail(case, user, decrypted=services.case_read(case=case, actor=user))
        )


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    outcome = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    closure_reason = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )


class CaseTransitionApi(StaffApi):
    @extend_schema(
        request=TransitionSerializer, responses={200: OpenApiResponse(description="CASE")}
    )
    def post(self, request: Request, case_id: Any, name: str) -> Response:
        user = self.staff(request)
        # An empty body is fine: most transitions take no argument.
        serializer = TransitionSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with refusals_in_contract_codes():
            services.case_transition(case_id=case_id, name=name, actor=user, **data)
        case = self.visible_case(request, case_id)
        return Response(
            case_detail(case, user, decrypted=services.case_read(case=case, actor=user))
        )


class BodySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10000)


def _sealed() -> ApiError:
    return ApiError(
        status_code=409,
        code="consent_required",
        detail=_("The reporter has withdrawn case review: the report is sealed."),
        missing=["case_review"],
    )


@contextmanager
def refusals_in_contract_codes() -> Iterator[None]:
    """Translate the services' refusals into the contract's error answers, in one place."""
    try:
        yield
    except Case.DoesNotExist:
        raise _not_found() from None
    except services.CaseForbiddenError as error:
        raise ApiError(
            status_code=403,
            code="forbidden",
            detail=str(error) or _("Your role does not allow this."),
        ) from None
    except services.TransitionNotAllowedError as error:
        raise ApiError(
            status_code=409,
            code="transition_not_allowed",
            detail=_("This step is not possible from the case's current state."),
            allowed=error.allowed,
        ) from None
    except (services.ConsentRequiredError, ReferralConsentError) as error:
        raise ApiError(
            status_code=409,
            code="consent_required",
            detail=_("The reporter has not given the consent this step needs."),
            missing=error.missing,
        ) from None
    except services.REPORT_UNREADABLE:
        raise _sealed() from None
    except (services.CaseInputError, StaffUserInputError) as error:
        raise validation_error(error.fields) from None
    except ReferralInputError as error:
        raise validation_error({"service": [str(error)]}) from None
    except services.CaseConflictError:
        raise ApiError(
            status_code=409,
            code="conflict",
            detail=_(
                "The case changed while you were working on it; nothing was written. Reload it."
            ),
        ) from None
    except services.OverrideDecidedError:
        raise ApiError(
            status_code=409, code="conflict", detail=_("This override was already decided.")
        ) from None


class CaseMessageApi(StaffApi):
    @extend_schema(request=BodySerializer, responses={201: OpenApiResponse(description="message")})
    def post(self, request: Request, case_id: Any) -> Response:
        user = self.staff(request)
        case = self.visible_case(request, case_id)
        data = self.validated(BodySerializer, request)
        with refusals_in_contract_codes():
            message = services.staff_message_send(case=case, actor=user, body=data["body"])
        return Response(
            {
                "id": str(message.id),
                "from": "staff",
                "body": data["body"],
                "sent_at": message.sent_at.isoformat(),
            },
            status=status.HTTP_201_CREATED,
        )


class CaseNoteApi(StaffApi):
    @extend_schema(request=BodySerializer, responses={201: OpenApiResponse(description="note")})
    def post(self, request: Request, case_id: Any) -> Response:
        user, case = self.focal_point_case(request, case_id)
        data = self.validated(BodySerializer, request)
        with refusals_in_contract_codes():
            note = services.note_add(case=case, actor=user, body=data["body"])
        return Response({"id": str(note.id)}, status=status.HTTP_201_CREATED)


class ReferralSerializer(serializers.Serializer):
    service = serializers.JSONField()
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class CaseReferralApi(StaffApi):
    @extend_schema(
        request=ReferralSerializer, responses={201: OpenApiResponse(description="referral")}
    )
    def post(self, request: Request, case_id: Any) -> Response:
        user, case = self.focal_point_case(request, case_id)
        data = self.validated(ReferralSerializer, request)
        with refusals_in_contract_codes():
            referral = referral_make(
                case=case,
                actor=user,
                service=data["service"],
                note=data["note"],
            )
        return Response(
            {
                "id": str(referral.id),
                "service": referral.kind,
                "service_id": referral.service_id,
                "service_name": referral.service.name,
            },
            status=status.HTTP_201_CREATED,
        )


class CaseAuditApi(StaffApi):
    @extend_schema(responses={200: OpenApiResponse(description="audit entries and chain validity")})
    def get(self, request: Request, case_id: Any) -> Response:
        user, case = self.focal_point_case(request, case_id)
        entries = stream_entries(case.report_id)
        chain_valid = stream_is_valid(case.report_id)
        services.audit_record(stream=case.report_id, action="audit.exported", actor=user)
        return Response(
            {
                "entries": [
                    {
                        "at": e.at.isoformat(),
                        "actor": e.actor_username or e.actor_kind,
                        "action": e.action,
                        "detail": e.detail,
                    }
                    for e in entries
                ],
                "chain_valid": chain_valid,
            }
        )


class OverrideRequestSerializer(serializers.Serializer):
    transition = serializers.CharField(max_length=32)
    justification = serializers.CharField(max_length=5000)


class CaseOverrideApi(StaffApi):
    @extend_schema(
        request=OverrideRequestSerializer,
        responses={202: OpenApiResponse(description="pending override")},
    )
    def post(self, request: Request, case_id: Any) -> Response:
        user = self.staff(request)
        case = self.visible_case(request, case_id)
        data = self.validated(OverrideRequestSerializer, request)
        with refusals_in_contract_codes():
            override = services.override_request(
                case=case,
                actor=user,
                transition_name=data["transition"],
                justification=data["justification"],
            )
        return Response(
            {"id": str(override.id), "status": override.status}, status=status.HTTP_202_ACCEPTED
        )


class OverrideApproveApi(StaffApi):
    @extend_schema(request=None, responses={200: OpenApiResponse(description="approved override")})
    def post(self, request: Request, override_id: Any) -> Response:
        user = self.staff(request)
        with refusals_in_contract_codes():
            override = services.override_approve(override_id=override_id, actor=user)
        return Response(
            {"id": str(override.id), "status": override.status, "transition": override.transition}
        )


class AssignSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    mode = serializers.ChoiceField(choices=["assign", "share", "investigator"], default="assign")


class CaseAssignApi(StaffApi):
    @extend_schema(
        request=AssignSerializer, responses={200: OpenApiResponse(description="CASE_SUMMARY")}
    )
    def post(self, request: Request, case_id: Any) -> Response:
        user, case = self.focal_point_case(request, case_id)
        data = self.validated(AssignSerializer, request)
        colleague = User.objects.filter(username=data["username"]).first()
        if colleague is None:
            raise validation_error({"username": [_("No such staff member.")]})
        with refusals_in_contract_codes():
            if data["mode"] == "share":
                services.case_share(case=case, actor=user, colleague=colleague)
            elif data["mode"] == "investigator":
                services.case_investigator_assign(case=case, actor=user, investigator=colleague)
            else:
                services.case_assign(case=case, actor=user, assignee=colleague)
        return Response(case_summary(self.visible_case(request, case_id)))


class LabelsSerializer(serializers.Serializer):
    labels = serializers.ListField(child=serializers.CharField(max_length=40), max_length=20)


class CaseLabelsApi(StaffApi):
    @extend_schema(
        request=LabelsSerializer, responses={200: OpenApiResponse(description="CASE_SUMMARY")}
    )
    def put(self, request: Request, case_id: Any) -> Response:
        user, case = self.focal_point_case(request, case_id)
        data = self.validated(LabelsSerializer, request)
        services.labels_set(case=case, actor=user, labels=data["labels"])
        return Response(case_summary(self.visible_case(request, case_id)))


class CaseAttachmentApi(StaffApi):
    @extend_schema(responses={200: OpenApiResponse(description="the file")})
    def get(self, request: Request, case_id: Any, attachment_id: Any) -> HttpResponseBase:
        user = self.staff(request)
        case = self.visible_case(request, case_id)
        with refusals_in_contract_codes():
            found = services.case_attachment_read(
                case=case, actor=user, attachment_id=attachment_id
            )
        if found is None:
            raise _not_found()
        return attachment_response(*found)


class HandoverSerializer(serializers.Serializer):
    departing = serializers.CharField(max_length=150)
    successor = serializers.CharField(max_length=150)


class StaffHandoverApi(StaffApi):
    """A departing focal point's open cases move to a colleague in one step."""

    @extend_schema(
        request=HandoverSerializer, responses={200: OpenApiResponse(description="cases moved")}
    )
    def post(self, request: Request) -> Response:
        user = self.staff(request)
        data = self.validated(HandoverSerializer, request)
        departing = User.objects.filter(username=data["departing"]).first()
        successor = User.objects.filter(username=data["successor"]).first()
        if departing is None or successor is None:
            raise validation_error({"departing": [_("Both staff members must exist.")]})
        if not (manages_users(user) or user.role == Role.FOCAL_POINT) or not same_entity(
            user, departing.entity_id
        ):
            raise _forbidden()
        with refusals_in_contract_codes():
            moved = services.cases_hand_over(departing=departing, successor=successor, actor=user)
        return Response({"moved": moved})
