"""The staff case API (contract: "Staff"). Thin: selectors find what the user may see, the policy
says what they may do with it, services write, and a refusal raised anywhere becomes its contract
answer in ``core.api_errors`` (nothing here translates errors)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import policy
from accounts.api import StaffApi as AccountStaffApi
from accounts.models import User
from accounts.selectors import staff_member
from cases.errors import CaseForbiddenError, CaseNotFoundError
from cases.models import Case, Override, RightsConcern
from cases.selectors import (
    REFERENCE_SEARCH_MAX,
    allowed_and_blocked_transitions,
    case_for,
    case_page,
    case_summary,
    conflicts_declared_by,
    retaliation_links,
)
from cases.services.advocacy import rights_concern_raise
from cases.services.assignment import (
    case_assign,
    case_investigator_assign,
    case_share,
    cases_hand_over,
    reassignment_approve,
)
from cases.services.conflicts import conflict_declare
from cases.services.correspondence import note_add, staff_message_send
from cases.services.labels import labels_set
from cases.services.managers import manager_propose
from cases.services.overrides import override_approve, override_notice_give, override_request
from cases.services.reading import case_attachment_read, case_audit_export, case_read
from cases.services.referring import case_refer
from cases.services.retaliation import interim_measure_codes, retaliation_risk_record
from cases.services.transitions import case_transition
from cases.transitions import AFFECTED_PERSON_DISCLOSURE, ARGUMENTS, Argument, CasePredicate
from cases.vocabulary import RightsConcernKind
from core.errors import InvalidInputError, NotFoundError
from core.openapi import error_responses
from core.paging import (
    Key,
    Page,
    PageQuerySerializer,
    keyset_page,
    next_link,
    paged_response,
)
from reports.attachments import attachment_response
from reports.limits import MESSAGE_MAX
from reports.models import ConflictDeclaration
from reports.vocabulary import NAMED_OVERRIDE_GROUNDS, OverrideGround


def case_detail(case: Case, user: User, *, decrypted: dict[str, Any]) -> dict[str, Any]:
    allowed, blocked = allowed_and_blocked_transitions(case, user)
    return {
        **case_summary(case),
        "consents": case.report.current_consents(),
        "allowed_transitions": allowed,
        "blocked_transitions": [item.entry() for item in blocked],
        "outcome": case.outcome or None,
        "closure_reason": case.closure_reason or None,
        "measures": case.measure_codes(),
        "location_type": case.report.location_type or None,
        "reporter_role": case.report.reporter_role,
        "identity_disclosure": case.report.identity_disclosure,
        "interim_measures": interim_measure_codes(case),
        **retaliation_links(case, user),
        "rights_concerns": [
            rights_concern_entry(concern)
            for concern in case.rights_concerns.select_related("raised_by")
        ],
        # A witness's answer, and whether the affected person linked their own report (issue 12).
        "affected_person_identifiable": case.report.affected_person_identifiable,
        "affected_person_came_forward": case.report.affected_person_came_forward(),
        # Whether an ombudsperson, investigator or advocate may read what the witness wrote.
        "shared_beyond_focal_points": AFFECTED_PERSON_DISCLOSURE.shared(case),
        "handling_entity": case.handling_entity.code if case.handling_entity else None,
        "manager_approved": case.manager_approved(),
        **decrypted,
    }


def rights_concern_entry(concern: RightsConcern) -> dict[str, Any]:
    return {
        "id": str(concern.id),
        "kind": concern.kind,
        "raised_by": concern.raised_by.username,
        "raised_at": concern.raised_at.isoformat(),
    }


class StaffApi(AccountStaffApi):
    """The staff API's case door: visibility through selectors, 404 for a case not seen."""

    def case_worker(self, request: Request) -> User:
        """The staff member, if their role reaches cases at all: leadership and administrators
        are refused (403) whatever case, override or reassignment they name."""
        user = self.staff(request)
        if policy.case_reach(user) is policy.CaseReach.NONE:
            raise CaseForbiddenError
        return user

    def case(
        self, request: Request, case_id: uuid.UUID, *, may: CasePredicate | None = None
    ) -> tuple[User, Case]:
        """The staff member and the case: 403 for the roles that reach no case (leadership and
        administrators), 404 if they cannot see it (the same answer as a case that does not
        exist), 403 if the policy's ``may`` says no.
        Asked before the body is read, so a forbidden request is refused whatever it says."""
        user = self.case_worker(request)
        case = case_for(user, case_id)
        if case is None:
            raise CaseNotFoundError
        if may is not None and not may(user, case):
            raise CaseForbiddenError
        return user, case


class CaseListQuerySerializer(PageQuerySerializer):
    state = serializers.CharField(required=False, default="", allow_blank=True, max_length=40)
    due = serializers.CharField(required=False, default="", allow_blank=True, max_length=10)
    # Extensions of the contract's list (issue 15): only the caller's own cases, one label, the
    # start of a reference.
    assigned = serializers.ChoiceField(choices=["me"], required=False, allow_blank=True)
    # The query parameter shares its name with the serializer's own ``label`` attribute, which
    # DRF takes out of the class for the declared field.
    label = serializers.CharField(  # type: ignore[assignment]
        required=False, default="", allow_blank=True, max_length=40
    )
    reference = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=REFERENCE_SEARCH_MAX
    )


class CaseListApi(StaffApi):
    @extend_schema(
        operation_id="cases_list", responses={200: OpenApiResponse(description="[CASE_SUMMARY]")}
    )
    def get(self, request: Request) -> Response:
        params = self.validated_query(CaseListQuerySerializer, request)
        page = case_page(
            self.staff(request),
            state=params["state"],
            due=params["due"],
            assigned_to_me=params.get("assigned") == "me",
            label=params["label"],
            reference=params["reference"],
            limit=params["limit"],
            cursor=params["cursor"],
        )
        return paged_response([case_summary(case) for case in page.rows], request, page)


class CaseDetailApi(StaffApi):
    # 409: the report is sealed (the reporter withdrew case review) and cannot be read.
    @extend_schema(responses={200: OpenApiResponse(description="CASE"), **error_responses(409)})
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id)
        return Response(case_detail(case, user, decrypted=case_read(case=case, actor=user)))


def _argument_field(argument: Argument) -> serializers.Field[Any, Any, Any, Any]:
    """The body field of a declared transition argument. Only the shape is checked here (a
    bound on length keeps junk out); the codes are checked by the declaration, so the page and
    the API refuse the same things with the same words."""
    longest = 64
    if argument.many:
        return serializers.ListField(
            child=serializers.CharField(max_length=longest),
            required=False,
            default=list,
            max_length=len(argument.choices.values),
        )
    return serializers.CharField(max_length=longest, required=False, allow_blank=True, default="")


class TransitionSerializer(serializers.Serializer[Any]):
    """``note`` and every argument declared in ``cases.transitions`` (optional here: which one
    a transition needs is the declaration's to say)."""

    note = serializers.CharField(
        max_length=MESSAGE_MAX, required=False, allow_blank=True, default=""
    )

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        for argument in ARGUMENTS.values():
            fields[argument.name] = _argument_field(argument)
        return fields


class CaseTransitionApi(StaffApi):
    @extend_schema(
        request=TransitionSerializer,
        responses={200: OpenApiResponse(description="CASE"), **error_responses(409)},
    )
    def post(self, request: Request, case_id: uuid.UUID, name: str) -> Response:
        user = self.case_worker(request)
        # An empty body is fine: most transitions take no argument.
        serializer = TransitionSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        # The service finds the case (with the user's visibility) and runs the transition; the
        # answer is built from the case it moved, not from a second load.
        arguments = dict(serializer.validated_data)
        note = arguments.pop("note")
        case = case_transition(
            case_id=case_id, name=name, actor=user, note=note, arguments=arguments
        )
        return Response(case_detail(case, user, decrypted=case_read(case=case, actor=user)))


class RetaliationRiskSerializer(serializers.Serializer[Any]):
    """Only the shape; the codes are the service's to check (the page and the API refuse alike)."""

    retaliation_risk = serializers.CharField(max_length=16)
    interim_measures = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list, max_length=20
    )


class CaseRetaliationRiskApi(StaffApi):
    """``POST /api/v1/cases/{id}/retaliation-risk``: the risk and the interim measures (issue 12)."""

    @extend_schema(
        request=RetaliationRiskSerializer,
        responses={200: OpenApiResponse(description="CASE"), **error_responses(409)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id, may=policy.may_record_retaliation_risk)
        data = self.validated(RetaliationRiskSerializer, request)
        case = retaliation_risk_record(
            case=case,
            actor=user,
            risk=data["retaliation_risk"],
            interim_measures=data["interim_measures"],
        )
        return Response(case_detail(case, user, decrypted=case_read(case=case, actor=user)))


class BodySerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=MESSAGE_MAX)


def _read_page(request: Request, read: dict[str, Any], rows: str, earlier: str) -> Response:
    """One of a case read's paged lists as an API list: newest first, the earlier ones through
    the ``Link`` header (``case_read`` gives each page oldest first, as the case page shows it)."""
    return paged_response(
        list(reversed(read[rows])), request, Page(rows=[], next_cursor=read[earlier])
    )


class CaseMessageApi(StaffApi):
    @extend_schema(
        parameters=[PageQuerySerializer],
        responses={
            200: OpenApiResponse(description="[message], newest first"),
            **error_responses(409),
        },
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        """The case's messages a page at a time (issue 15); a read audited as the case's is."""
        user, case = self.case(request, case_id)
        params = self.validated_query(PageQuerySerializer, request)
        read = case_read(
            case=case, actor=user, messages_cursor=params["cursor"], limit=params["limit"]
        )
        return _read_page(request, read, "messages", "messages_earlier")

    @extend_schema(
        request=BodySerializer,
        responses={201: OpenApiResponse(description="message"), **error_responses(409)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id)
        data = self.validated(BodySerializer, request)
        message = staff_message_send(case=case, actor=user, body=data["body"])
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
    @extend_schema(
        parameters=[PageQuerySerializer],
        responses={
            200: OpenApiResponse(description="[note], newest first"),
            **error_responses(409),
        },
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        """The case's internal notes a page at a time (issue 15), for those who see them."""
        user, case = self.case(request, case_id, may=policy.sees_internal_notes)
        params = self.validated_query(PageQuerySerializer, request)
        read = case_read(
            case=case, actor=user, notes_cursor=params["cursor"], limit=params["limit"]
        )
        return _read_page(request, read, "notes", "notes_earlier")

    @extend_schema(
        request=BodySerializer,
        responses={201: OpenApiResponse(description="note"), **error_responses(409)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id, may=policy.may_write_note)
        data = self.validated(BodySerializer, request)
        note = note_add(case=case, actor=user, body=data["body"])
        return Response({"id": str(note.id)}, status=status.HTTP_201_CREATED)


class ReferralSerializer(serializers.Serializer[Any]):
    service = serializers.JSONField()
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class CaseReferralApi(StaffApi):
    @extend_schema(
        request=ReferralSerializer,
        responses={201: OpenApiResponse(description="referral"), **error_responses(409)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id, may=policy.may_refer)
        data = self.validated(ReferralSerializer, request)
        referral = case_refer(case=case, actor=user, service=data["service"], note=data["note"])
        return Response(
            {
                "id": str(referral.id),
                "service": referral.kind,
                "service_id": referral.service_id,
                "service_name": referral.service.name,
            },
            status=status.HTTP_201_CREATED,
        )


class RightsConcernSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=RightsConcernKind.choices)


class CaseRightsConcernApi(StaffApi):
    """A victims' rights advocate's rights concern: 201 when raised, 200 with the concern
    already raised of that kind (nothing is sent twice)."""

    @extend_schema(
        request=RightsConcernSerializer,
        responses={
            201: OpenApiResponse(description="rights concern raised"),
            200: OpenApiResponse(description="rights concern of this kind raised before"),
            **error_responses(409),
        },
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id, may=policy.may_raise_rights_concern)
        data = self.validated(RightsConcernSerializer, request)
        concern, new = rights_concern_raise(case=case, kind=data["kind"], actor=user)
        return Response(
            rights_concern_entry(concern),
            status=status.HTTP_201_CREATED if new else status.HTTP_200_OK,
        )


class CaseAuditApi(StaffApi):
    """The trail a page at a time in the chain's order (``?limit=``, ``?cursor=``, the next page
    in a ``Link`` header); ``chain_valid`` is always about the whole chain."""

    @extend_schema(
        parameters=[PageQuerySerializer],
        responses={200: OpenApiResponse(description="audit entries and chain validity")},
    )
    def get(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id)
        params = self.validated_query(PageQuerySerializer, request)
        page, chain_valid = case_audit_export(
            case=case, actor=user, limit=params["limit"], cursor=params["cursor"]
        )
        response = Response(
            {
                "entries": [
                    {
                        "at": e.at.isoformat(),
                        "actor": e.actor_username or e.actor_kind,
                        "action": e.action,
                        "detail": e.detail,
                    }
                    for e in page.rows
                ],
                "chain_valid": chain_valid,
            }
        )
        link = next_link(request, page.next_cursor)
        if link is not None:
            response["Link"] = link
        return response


class OverrideRequestSerializer(serializers.Serializer[Any]):
    transition = serializers.CharField(max_length=32)
    justification = serializers.CharField(max_length=5000)
    # Optional here (the contract's request has no ground); without it the override is recorded,
    # shown and counted as ``not_named``, never as one of the grounds.
    ground = serializers.ChoiceField(
        choices=[(g.value, g.label) for g in NAMED_OVERRIDE_GROUNDS],
        required=False,
        help_text=gettext_lazy(
            "One of the listed grounds. Without it, the override is recorded with the ground "
            "not_named, and shown and counted as such."
        ),
    )


class CaseOverrideApi(StaffApi):
    @extend_schema(
        description=(
            "Ask to go ahead without the missing consents. `ground` names one of the listed "
            "grounds (duty_of_care, risk_to_others, pattern_of_reports); without it the "
            "override is recorded with the ground `not_named`, and shown and counted as naming "
            "none. Going ahead without an identifiable affected person's own agreement (a "
            "witness's report) needs a named ground; `transition` is then a transition about "
            "them, or `identity_disclosure` to share the witness's report beyond the focal "
            "points (an ombudsperson, an investigator, an advocate)."
        ),
        request=OverrideRequestSerializer,
        responses={202: OpenApiResponse(description="pending override"), **error_responses(409)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id)
        data = self.validated(OverrideRequestSerializer, request)
        override = override_request(
            case=case,
            actor=user,
            transition_name=data["transition"],
            justification=data["justification"],
            ground=data.get("ground", OverrideGround.NOT_NAMED),
        )
        return Response(
            {"id": str(override.id), "status": override.status, "ground": override.ground},
            status=status.HTTP_202_ACCEPTED,
        )


class OverrideApproveSerializer(serializers.Serializer[Any]):
    notice_deferral_reason = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy(
            "Only where telling the reporter now would itself endanger someone: why. The notice "
            "then waits until a staff member records that it is safe (POST .../notice)."
        ),
    )


def _override_answer(override: Override) -> dict[str, Any]:
    return {
        "id": str(override.id),
        "status": override.status,
        "transition": override.transition,
        "ground": override.ground,
        "notice": "given" if override.notice_given_at else "deferred",
    }


class OverrideApproveApi(StaffApi):
    @extend_schema(
        request=OverrideApproveSerializer,
        responses={200: OpenApiResponse(description="approved override"), **error_responses(409)},
    )
    def post(self, request: Request, override_id: uuid.UUID) -> Response:
        user = self.case_worker(request)
        data = self.validated(OverrideApproveSerializer, request)
        override = override_approve(
            override_id=override_id,
            actor=user,
            notice_deferral_reason=data["notice_deferral_reason"],
        )
        return Response(_override_answer(override))


class OverrideNoticeApi(StaffApi):
    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(description="the reporter is now told of the override"),
            **error_responses(409),
        },
    )
    def post(self, request: Request, override_id: uuid.UUID) -> Response:
        override = override_notice_give(override_id=override_id, actor=self.case_worker(request))
        return Response(_override_answer(override))


class AssignSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    mode = serializers.ChoiceField(choices=["assign", "share", "investigator"], default="assign")


class CaseAssignApi(StaffApi):
    @extend_schema(
        request=AssignSerializer,
        responses={
            200: OpenApiResponse(description="CASE_SUMMARY"),
            202: OpenApiResponse(description="pending: a second person approves the reassignment"),
        },
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id, may=policy.may_assign)
        data = self.validated(AssignSerializer, request)
        colleague = staff_member(data["username"])
        if colleague is None:
            raise InvalidInputError({"username": [_("No such staff member.")]})
        if data["mode"] == "share":
            case_share(case=case, actor=user, colleague=colleague)
        elif data["mode"] == "investigator":
            case_investigator_assign(case=case, actor=user, investigator=colleague)
        else:
            pending = case_assign(case=case, actor=user, assignee=colleague)
            if pending is not None:
                # The reporter withholds their identity: a second person approves first.
                return Response({"id": str(pending.id), "status": "pending"}, status=202)
        return Response(case_summary(case))


class ReassignmentApproveApi(StaffApi):
    @extend_schema(
        request=None,
        responses={200: OpenApiResponse(description="CASE_SUMMARY"), **error_responses(409)},
    )
    def post(self, request: Request, reassignment_id: uuid.UUID) -> Response:
        case = reassignment_approve(
            reassignment_id=reassignment_id, actor=self.case_worker(request)
        )
        return Response(case_summary(case))


class LabelsSerializer(serializers.Serializer[Any]):
    labels = serializers.ListField(child=serializers.CharField(max_length=40), max_length=20)


class CaseLabelsApi(StaffApi):
    @extend_schema(
        request=LabelsSerializer, responses={200: OpenApiResponse(description="CASE_SUMMARY")}
    )
    def put(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id, may=policy.may_label)
        data = self.validated(LabelsSerializer, request)
        labels_set(case=case, actor=user, labels=data["labels"])
        return Response(case_summary(case))


class CaseAttachmentApi(StaffApi):
    @extend_schema(responses={200: OpenApiResponse(description="the file"), **error_responses(409)})
    def get(
        self, request: Request, case_id: uuid.UUID, attachment_id: uuid.UUID
    ) -> HttpResponseBase:
        user, case = self.case(request, case_id)
        found = case_attachment_read(case=case, actor=user, attachment_id=attachment_id)
        if found is None:
            raise NotFoundError
        return attachment_response(*found)


class HandoverSerializer(serializers.Serializer[Any]):
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
        departing = staff_member(data["departing"])
        successor = staff_member(data["successor"])
        if departing is None or successor is None:
            raise InvalidInputError({"departing": [_("Both staff members must exist.")]})
        moved = cases_hand_over(departing=departing, successor=successor, actor=user)
        return Response({"moved": moved})


class ConflictSerializer(serializers.Serializer[Any]):
    case = serializers.UUIDField(required=False, allow_null=True, default=None)
    person_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


# Newest first, as ``conflicts_declared_by`` orders them; the id settles a day's ties.
CONFLICT_KEYS = (Key("declared_on", descending=True), Key("id", descending=True))


def _conflict_row(declaration: ConflictDeclaration) -> dict[str, Any]:
    return {
        "id": str(declaration.id),
        "case_reference": declaration.report.reference if declaration.report else None,
        "person": bool(declaration.person_index),
        "declared_on": declaration.declared_on.isoformat(),
    }


class ConflictListApi(StaffApi):
    """A staff member's own declarations of conflict of interest (issue 12)."""

    @extend_schema(
        parameters=[PageQuerySerializer],
        responses={200: OpenApiResponse(description="the member's declarations, newest first")},
    )
    def get(self, request: Request) -> Response:
        user = self.case_worker(request)
        params = self.validated_query(PageQuerySerializer, request)
        page = keyset_page(
            conflicts_declared_by(user),
            CONFLICT_KEYS,
            limit=params["limit"],
            cursor=params["cursor"],
        )
        return paged_response([_conflict_row(row) for row in page.rows], request, page)

    @extend_schema(
        request=ConflictSerializer,
        responses={
            201: OpenApiResponse(description="the declaration"),
            **error_responses(404, 409),
        },
    )
    def post(self, request: Request) -> Response:
        user = self.case_worker(request)
        data = self.validated(ConflictSerializer, request)
        case = None
        if data["case"] is not None:
            _user, case = self.case(request, data["case"])
        declaration = conflict_declare(actor=user, case=case, person_name=data["person_name"])
        return Response(_conflict_row(declaration), status=status.HTTP_201_CREATED)


class ManagerProposalSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)


class CaseManagerProposalApi(StaffApi):
    """The manager proposed to intervene; the reporter approves them first (issue 12)."""

    @extend_schema(
        request=ManagerProposalSerializer,
        responses={201: OpenApiResponse(description="the proposal"), **error_responses(409)},
    )
    def post(self, request: Request, case_id: uuid.UUID) -> Response:
        user, case = self.case(request, case_id, may=policy.may_propose_manager)
        data = self.validated(ManagerProposalSerializer, request)
        proposal = manager_propose(case=case, actor=user, name=data["name"])
        return Response(
            {"id": str(proposal.id), "status": proposal.status}, status=status.HTTP_201_CREATED
        )
