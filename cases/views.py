"""The staff case pages at /staff/: case list and case page. No JavaScript needed.

Sign-in, enrolment and the ``staff_required`` door are accounts' (``accounts.views``). A refusal
raised by a service is shown by ``_refused``, the one place these pages turn one into words."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts import policy
from accounts.models import User
from accounts.selectors import case_handlers_of, investigators_of, staff_member
from accounts.views import staff_landing, staff_required
from audit.models import AuditEntry
from audit.services import stream_is_valid
from audit.vocabulary import audit_action_label
from cases.errors import CaseConsentRequiredError, CaseInputError
from cases.models import Case
from cases.retaliation_views import retaliation_panel
from cases.selectors import (
    QueueSection,
    QueueSort,
    affected_person_disclosure_blocked,
    allowed_and_blocked_transitions,
    case_for,
    case_queue,
    case_summary,
    formal_consent_withdrawn_midway,
    handler_declined_still_holding,
    queue_rows,
    reassignments_pending,
)
from cases.services.advocacy import rights_concern_raise
from cases.services.assignment import (
    case_assign,
    case_investigator_assign,
    case_share,
    reassignment_approve,
)
from cases.services.correspondence import note_add, staff_message_send
from cases.services.labels import labels_set
from cases.services.managers import manager_proposals_of, manager_propose
from cases.services.overrides import (
    override_approve,
    override_notice_give,
    override_notices_pending,
    override_request,
    overrides_pending,
)
from cases.services.reading import case_attachment_read, case_audit_page, case_read
from cases.services.referring import case_refer
from cases.services.retaliation import retaliation_risk_record
from cases.services.transitions import case_transition
from cases.transitions import (
    ARGUMENTS,
    DECLARED,
    OVERRIDABLE,
    TRANSITIONS,
    Transition,
    consent_needed_words,
)
from cases.vocabulary import CaseState, RightsConcernKind
from core.errors import DomainError, InvalidInputError, NotFoundError
from core.pages import not_found
from core.paging import CURSOR_MAX_LENGTH, next_page_query
from referrals.services import referral_choices
from reports.attachments import attachment_response
from reports.limits import MESSAGE_MAX, characters
from reports.vocabulary import (
    AFFECTED_PERSON_CONSENT,
    NAMED_OVERRIDE_GROUNDS,
    REPORTER_ROLE_STAFF_LABELS,
    ConsentAction,
    InformalChannel,
    OverrideGround,
    Route,
    affected_person_words,
    consent_purposes,
)


def _refused(request: HttpRequest, error: DomainError, case_id: uuid.UUID) -> HttpResponse:
    """A refused action on a case page: the 404 page for a case not seen, otherwise back to the
    case with the refusal's words."""
    if isinstance(error, NotFoundError):
        return not_found(request)
    messages.error(request, error.page_message())
    return _redirect_to(case_id)


# The list page's heading, by what the member's role reaches (``accounts.policy.case_reach``).
LIST_TITLES = {
    policy.CaseReach.ENTITY: gettext_lazy("Case queue"),
    policy.CaseReach.REFERRED: gettext_lazy("Cases referred to you"),
    policy.CaseReach.ASSIGNED_FORMAL: gettext_lazy("Cases assigned to you"),
    policy.CaseReach.ADVOCATED: gettext_lazy("Cases you follow as advocate"),
}


# The case page's lists that grow with the case, each paged by its own query parameter.
PAGED_LISTS = ("messages", "notes", "audit")


def _needs_consent_words(actions: list[str]) -> str:
    """ "This step needs the reporter's consent to …": the one sentence for a missing consent."""
    return consent_needed_words(consent_purposes(actions))


def _step_label(name: str) -> str:
    step = DECLARED.get(name) or OVERRIDABLE.get(name)
    return str(step.label) if step is not None else name


def _override_words(consents: list[str]) -> str:
    """What an override lets a step go ahead without, as its approver reads it."""
    if consents == [AFFECTED_PERSON_CONSENT]:
        return _("It lets this step go ahead without the agreement of the person it happened to.")
    return _("It lets this step go ahead without the reporter's consent to %(what)s.") % {
        "what": get_text_list(consent_purposes(consents), _("and"))
    }


def _against_route_words(step: Transition, case: Case) -> str:
    if not step.goes_against(case.report.route):
        return ""
    return _(
        "The reporter chose “%(route)s”. This step goes against that choice: make sure they "
        "were told and agree."
    ) % {"route": Route(case.report.route).label}


def _audit_rows(entries: list[AuditEntry]) -> list[dict[str, object]]:
    rows = []
    for entry in entries:
        words = audit_action_label(entry.action)
        transition = entry.detail.get("transition") if isinstance(entry.detail, dict) else None
        if isinstance(transition, str):
            words = _("%(action)s: %(step)s") % {"action": words, "step": _step_label(transition)}
        rows.append(
            {"at": entry.at, "who": entry.actor_username or entry.actor_kind, "what": words}
        )
    return rows


def _case_worker(request: HttpRequest, case_id: uuid.UUID) -> tuple[User, Case | None]:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    return user, case_for(user, case_id)


def _unconfirmed(
    request: HttpRequest, case: Case | None, case_id: uuid.UUID, words: str
) -> HttpResponse | None:
    """The answer when the case is not found or the page's confirmation box was not ticked."""
    if case is None:
        return not_found(request)
    if request.POST.get("confirm") != "yes":
        messages.error(request, words)
        return _redirect_to(case_id)
    return None


@require_http_methods(["GET"])
@staff_required
def case_list_page(request: HttpRequest) -> HttpResponse:
    """/staff/: the cases the member's role reaches, as a queue; those who reach no case
    (leadership, administrators) start elsewhere (``staff_landing``)."""
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    reach = policy.case_reach(user)
    if reach not in LIST_TITLES:
        return redirect(staff_landing(user))
    chosen = {
        name: request.GET.get(name, "")[:40]
        for name in ("show", "sort", "state", "q", "assigned", "label")
    }
    context: dict[str, object] = {
        "title": LIST_TITLES[reach],
        "sections": QueueSection.choices,
        "sorts": QueueSort.choices,
        "states": CaseState.choices,
        "chosen": chosen,
        "staff": user,
        "errors": {},
    }
    try:
        page = case_queue(
            user,
            section=chosen["show"],
            sort=chosen["sort"],
            state=chosen["state"],
            reference=chosen["q"],
            assigned_to_me=chosen["assigned"] == "me",
            label=chosen["label"],
            cursor=request.GET.get("cursor", ""),
        )
        context["rows"] = queue_rows(page.rows)
        context["next_query"] = next_page_query(request, page.next_cursor)
    except InvalidInputError as error:
        context["errors"] = error.fields
        return render(request, "cases/list.html", context, status=error.status)
    return render(request, "cases/list.html", context)


@require_http_methods(["GET"])
@staff_required
def case_page(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    case = case_for(user, case_id)
    if case is None:
        return not_found(request)
    # Messages, notes and the audit trail each show their latest page; each "earlier" link
    # carries that list's cursor alone (issue 15).
    cursors = {name: request.GET.get(name, "")[:CURSOR_MAX_LENGTH] for name in PAGED_LISTS}
    try:
        decrypted = case_read(
            case=case,
            actor=user,
            messages_cursor=cursors["messages"],
            notes_cursor=cursors["notes"],
        )
        audit = (
            case_audit_page(case, cursor=cursors["audit"], latest_first=True)
            if policy.may_read_audit_trail(user, case)
            else None
        )
    except InvalidInputError as error:
        return _refused(request, error, case_id)
    allowed, blocked = allowed_and_blocked_transitions(case, user)
    blocked += affected_person_disclosure_blocked(case, user)
    consents = case.report.current_consents()
    report = case.report
    return render(
        request,
        "cases/detail.html",
        {
            "case": case_summary(case),
            "case_obj": case,
            "state_label": CaseState(case.state).label,
            "route_label": report.get_route_display(),
            "channel_label": report.get_informal_channel_display(),
            "category_label": report.get_category_display(),
            "location_label": report.get_location_type_display(),
            "reporter_role_label": REPORTER_ROLE_STAFF_LABELS.get(report.reporter_role, ""),
            "affected_person_words": affected_person_words(report),
            "decrypted": decrypted,
            # Each allowed step with the arguments it takes now (the form draws their fields),
            # and whether the page asks for a confirmation first, with the warning it shows.
            "allowed": [
                {
                    "step": TRANSITIONS[name],
                    "arguments": TRANSITIONS[name].arguments_for(case),
                    "confirms": TRANSITIONS[name].page_needs_confirmation(report.route),
                    "warning": _against_route_words(TRANSITIONS[name], case),
                }
                for name in allowed
            ],
            "blocked": [
                {
                    "name": item.name,
                    "label": _step_label(item.name),
                    "words": item.words(consent_purposes(item.missing)),
                }
                for item in blocked
            ],
            "consents": [(str(ConsentAction(a).label), consents[a]) for a in ConsentAction.values],
            "may_refer": policy.may_refer(user, case),
            "referral_choices": [
                {
                    "choice": choice,
                    "words": _needs_consent_words(choice.missing) if choice.missing else "",
                }
                for choice in referral_choices(case, consents)
            ]
            if policy.may_refer(user, case)
            else [],
            "may_assign": policy.may_assign(user, case),
            "colleagues": case_handlers_of(case.handler_entity_id)
            if policy.may_assign(user, case)
            else [],
            "investigators": investigators_of(case.handler_entity_id)
            if policy.may_assign(user, case) and case.formal_started_at is not None
            else [],
            "may_label": policy.may_label(user, case),
            "may_write_note": policy.may_write_note(user, case),
            "may_raise_rights_concern": policy.may_raise_rights_concern(user, case),
            "rights_concern_kinds": RightsConcernKind.choices,
            "rights_concerns": list(case.rights_concerns.select_related("raised_by")),
            "may_request_override": policy.may_request_override(user, case),
            "overridable": [
                {"name": item.name, "label": _step_label(item.name)}
                for item in blocked
                if item.check.reason == "consent_required"
            ],
            "override_grounds": [(g.value, g.label) for g in NAMED_OVERRIDE_GROUNDS],
            "overrides": [
                {
                    "override": pending,
                    "ground_label": OverrideGround(pending.ground).label,
                    "label": _step_label(pending.transition),
                    "words": _override_words(pending.consents),
                }
                for pending in overrides_pending(case=case, actor=user)
            ],
            "deferred_notices": [
                {
                    "notice": notice,
                    "ground_label": OverrideGround(notice.ground).label,
                    "label": _step_label(notice.transition),
                }
                for notice in override_notices_pending(case=case, actor=user)
            ],
            "reassignments": reassignments_pending(case, user),
            "audit": _audit_rows(list(reversed(audit.rows))) if audit is not None else [],
            "audit_earlier": audit.next_cursor if audit is not None else None,
            "cursors": cursors,
            "chain_valid": stream_is_valid(case.report_id) if audit is not None else False,
            "formal_withdrawn_midway": formal_consent_withdrawn_midway(case),
            "handling_words": _handling_words(case),
            "declined_handler": handler_declined_still_holding(case),
            "may_declare_conflict": policy.may_declare_conflict(user),
            "manager_proposals": _manager_rows(case, user),
            "staff": user,
            "retaliation": retaliation_panel(case, user),
        },
    )


def _manager_rows(case: Case, user: User) -> list[dict[str, object]] | None:
    """The managers proposed to intervene, for whoever may propose one; ``None`` where the
    reporter did not choose a manager's intervention (the page shows no section)."""
    if (
        case.report.informal_channel != InformalChannel.MANAGER_INTERVENTION
        or not policy.may_propose_manager(user, case)
        or case.report.is_shredded
    ):
        return None
    return [
        {"name": name, "status": proposal.get_status_display(), "at": proposal.proposed_at}
        for proposal, name in manager_proposals_of(case, user)
    ]


@require_POST
@staff_required
def case_manager_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user, case = _case_worker(request, case_id)
    if case is None:
        return not_found(request)
    try:
        manager_propose(case=case, actor=user, name=request.POST.get("name", "")[:300])
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(
        request, _("The manager is proposed; the reporter is asked to approve them first.")
    )
    return _redirect_to(case_id)


def _handling_words(case: Case) -> str:
    """Who handles a case about a senior person, and why (issue 12); nothing for any other."""
    if not case.report.subject_senior:
        return ""
    own = case.entity.name
    if case.handling_entity is not None:
        return _(
            "The reporter said the person responsible is senior: the case is handled by "
            "%(handler)s, outside the line of %(own)s, whose focal points do not see it."
        ) % {"handler": case.handling_entity.name, "own": own}
    return _(
        "The reporter said the person responsible is senior, but %(own)s names no independent "
        "handler: ask its administrator to name one before anyone in that person's line acts."
    ) % {"own": own}


@require_POST
@staff_required
def case_transition_action(request: HttpRequest, case_id: uuid.UUID, name: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    note = request.POST.get("note", "").strip()
    confirmed = request.POST.get("confirm") == "yes"

    def confirmation(case: Case, step: Transition) -> None:
        """The page's "are you sure?": closing needs a written note, and every step that asks
        (closing, a step against the reporter's route) a ticked box. The API has its own
        contract and does not ask."""
        if not step.page_needs_confirmation(case.report.route):
            return
        if step.page_confirms and not note:
            raise CaseInputError({"note": [_("Write a note saying why the case is closed.")]})
        if not confirmed:
            raise CaseInputError({"confirm": [_("Tick the box to confirm this step.")]})

    try:
        case_transition(
            case_id=case_id,
            name=name,
            actor=user,
            note=note[:MESSAGE_MAX],
            confirmation=confirmation,
            # Each declared argument from its form field(s); the declaration checks the codes.
            arguments={
                name: request.POST.getlist(name) if argument.many else request.POST.get(name, "")
                for name, argument in ARGUMENTS.items()
            },
        )
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(request, _("Done."))
    return _redirect_to(case_id)


@require_POST
@staff_required
def case_message_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    case = case_for(user, case_id)
    if case is None:
        return not_found(request)
    body = request.POST.get("body", "").strip()
    kind = request.POST.get("kind", "message")
    if not body or len(body) > MESSAGE_MAX:
        messages.error(
            request,
            _("Write up to %(characters)s characters.") % {"characters": characters(MESSAGE_MAX)},
        )
        return _redirect_to(case_id)
    try:
        if kind == "note":
            note_add(case=case, actor=user, body=body)
            messages.success(request, _("Internal note saved; the reporter does not see it."))
        else:
            staff_message_send(case=case, actor=user, body=body)
            messages.success(request, _("Message sent to the reporter."))
    except DomainError as error:
        return _refused(request, error, case_id)
    return _redirect_to(case_id)


@require_http_methods(["GET"])
@staff_required
def case_attachment_download(
    request: HttpRequest, case_id: uuid.UUID, attachment_id: uuid.UUID
) -> HttpResponseBase:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - guaranteed by staff_required  # nosec B101
    case = case_for(user, case_id)
    if case is None:
        return not_found(request)
    try:
        found = case_attachment_read(case=case, actor=user, attachment_id=attachment_id)
    except DomainError as error:
        return _refused(request, error, case_id)
    if found is None:
        return not_found(request)
    return attachment_response(*found)


def _redirect_to(case_id: uuid.UUID) -> HttpResponse:
    return redirect("staff:case", case_id=case_id)


@require_POST
@staff_required
def case_referral_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user, case = _case_worker(request, case_id)
    if case is None:
        return not_found(request)
    try:
        referral = case_refer(
            case=case,
            actor=user,
            service={"service_id": request.POST.get("service_id", "")},
            note=request.POST.get("note", "")[:MESSAGE_MAX],
        )
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(
        request, _("Case referred to %(service)s.") % {"service": referral.service.name}
    )
    return _redirect_to(case_id)


@require_POST
@staff_required
def case_assignment_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user, case = _case_worker(request, case_id)
    if case is None:
        return not_found(request)
    mode = request.POST.get("mode", "")
    colleague = staff_member(request.POST.get("username", ""))
    if mode not in {"assign", "share", "investigator"} or colleague is None:
        messages.error(request, _("Choose a colleague from the list."))
        return _redirect_to(case_id)
    try:
        if mode == "share":
            case_share(case=case, actor=user, colleague=colleague)
            done = _("Case shared with %(name)s.")
        elif mode == "investigator":
            case_investigator_assign(case=case, actor=user, investigator=colleague)
            done = _("%(name)s is now the case's investigator.")
        elif case_assign(case=case, actor=user, assignee=colleague) is not None:
            # The reporter withholds their name: the API's 202, in words.
            done = _(
                "Waiting for a second person's approval: the reporter has not agreed to share "
                "their name, so another focal point must approve giving the case to %(name)s."
            )
        else:
            done = _("Case assigned to %(name)s.")
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(request, done % {"name": colleague.username})
    return _redirect_to(case_id)


@require_POST
@staff_required
def reassignment_approve_action(
    request: HttpRequest, case_id: uuid.UUID, reassignment_id: uuid.UUID
) -> HttpResponse:
    user, case = _case_worker(request, case_id)
    if case is None:
        return not_found(request)
    try:
        reassignment_approve(reassignment_id=reassignment_id, actor=user)
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(request, _("Reassignment approved."))
    return _redirect_to(case_id)


@require_POST
@staff_required
def override_request_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user, case = _case_worker(request, case_id)
    if case is None:
        return not_found(request)
    ground = request.POST.get("ground", "")
    try:
        override_request(
            case=case,
            actor=user,
            transition_name=request.POST.get("transition", ""),
            justification=request.POST.get("justification", "")[:5000],
            # The page always asks for a ground: anything but a listed one is refused, so
            # nothing from this page is ever recorded as "not named".
            ground=ground if ground in NAMED_OVERRIDE_GROUNDS else "",
        )
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(
        request, _("Override requested. A second focal point must read and approve it.")
    )
    return _redirect_to(case_id)


@require_POST
@staff_required
def override_approve_action(
    request: HttpRequest, case_id: uuid.UUID, override_id: uuid.UUID
) -> HttpResponse:
    user, case = _case_worker(request, case_id)
    refused = _unconfirmed(
        request, case, case_id, _("Tick the box to confirm you read the justification.")
    )
    if refused is not None:
        return refused
    deferral = request.POST.get("notice_deferral_reason", "")[:5000]
    if request.POST.get("defer_notice") == "yes" and not deferral.strip():
        messages.error(request, _("Say why telling the reporter now would endanger someone."))
        return _redirect_to(case_id)
    try:
        override = override_approve(
            override_id=override_id,
            actor=user,
            notice_deferral_reason=deferral if request.POST.get("defer_notice") == "yes" else "",
        )
    except DomainError as error:
        return _refused(request, error, case_id)
    if override.notice_pending:
        done = _(
            "Override approved: “%(step)s” can now go ahead. Telling the reporter is deferred "
            "and shown on this page as pending until someone records that it is safe."
        )
    else:
        done = _(
            "Override approved: “%(step)s” can now go ahead. The reporter is told why, with the "
            "ground."
        )
    messages.success(request, done % {"step": _step_label(override.transition)})
    return _redirect_to(case_id)


@require_POST
@staff_required
def override_notice_action(
    request: HttpRequest, case_id: uuid.UUID, override_id: uuid.UUID
) -> HttpResponse:
    user, case = _case_worker(request, case_id)
    refused = _unconfirmed(
        request, case, case_id, _("Tick the box to confirm it is now safe to tell the reporter.")
    )
    if refused is not None:
        return refused
    try:
        override_notice_give(override_id=override_id, actor=user)
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(request, _("The reporter is now told of the override, with its ground."))
    return _redirect_to(case_id)


@require_POST
@staff_required
def case_labels_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user, case = _case_worker(request, case_id)
    if case is None:
        return not_found(request)
    labels = request.POST.get("labels", "")[:1000].split(",")
    try:
        labels_set(case=case, actor=user, labels=labels)
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(request, _("Labels saved."))
    return _redirect_to(case_id)


@require_POST
@staff_required
def retaliation_risk_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    """The retaliation risk and the interim measures (issue 12)."""
    user, case = _case_worker(request, case_id)
    if case is None:
        return not_found(request)
    try:
        retaliation_risk_record(
            case=case,
            actor=user,
            risk=request.POST.get("retaliation_risk", ""),
            interim_measures=request.POST.getlist("interim_measures"),
        )
    except CaseConsentRequiredError as refused:
        messages.error(
            request,
            _(
                "Nothing was recorded: interim measures need the reporter's consent to %(what)s. "
                "Record the risk without new measures, or ask the reporter."
            )
            % {"what": get_text_list(consent_purposes(refused.missing), _("and"))},
        )
        return _redirect_to(case_id)
    except DomainError as error:
        return _refused(request, error, case_id)
    messages.success(request, _("The retaliation risk and interim measures are recorded."))
    return _redirect_to(case_id)


@require_POST
@staff_required
def case_rights_concern_action(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    user, case = _case_worker(request, case_id)
    if case is None:
        return not_found(request)
    try:
        _concern, new = rights_concern_raise(
            case=case, kind=request.POST.get("kind", ""), actor=user
        )
    except DomainError as error:
        return _refused(request, error, case_id)
    if new:
        messages.success(request, _("The concern is raised: the senior focal point is told."))
    else:
        messages.info(request, _("This concern was raised already; nobody is told twice."))
    return _redirect_to(case_id)
