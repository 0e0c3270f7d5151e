"""The reporter's pages: intake, receipt, access with a receipt, the portal, quick exit.

All of them work without JavaScript. Responses that show a receipt or report content are
never cached.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from functools import wraps
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import Case
from cases.selectors import formal_consent_withdrawn_midway
from cases.vocabulary import FORMAL_STATES
from core.busy import BUSY_RETRY_AFTER
from core.errors import DomainError, ServiceUnavailableError
from core.throttling import attempt_start, attempt_succeeded
from feedback.selectors import survey_status
from portal import services
from portal.coming_forward import coming_forward_state
from portal.forms import STEPS, ConsentForm, consents_given, step_applies
from portal.intake_limit import IntakeLimitError, intake_reserved
from portal.intake_pages import (
    WITNESS_WHAT_TITLE,
    channel_choices,
    check_answers,
    consent_questions,
    consent_shortfall,
    route_choices,
)
from portal.receipt_handoff import COOKIE as RECEIPT_COOKIE
from portal.receipt_handoff import LIFETIME as RECEIPT_LIFETIME
from portal.receipt_handoff import (
    ReceiptToShow,
    receipt_handoff_put,
    receipt_handoff_take,
    receipt_handoff_ticket,
)
from portal.selectors import reporter_attachment, reporter_report_view
from portal.serializers import ReportSubmissionSerializer
from portal.upload_limit import UploadLimitError, upload_clean
from reports.attachments import (
    MAX_ATTACHMENT_MEGABYTES,
    MAX_ATTACHMENTS,
    AttachmentRejectedError,
    CleanAttachment,
    attachment_response,
    file_too_large_words,
    too_many_files_words,
)
from reports.limits import (
    ACKNOWLEDGEMENT_DAYS,
    MESSAGE_MAX,
    RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS,
    characters,
)
from reports.receipts import normalise_receipt
from reports.timeline import withdrawal_effect
from reports.vocabulary import (
    CONSENT_EXPLANATIONS,
    ROUTE_EXPLANATIONS,
    ConsentAction,
    InformalChannel,
    ReporterRole,
    ReportKind,
    Route,
)
from vault.crypto import DerivationsBusyError

SESSION_COOKIE = "upstander_reporter"
# How long before the idle limit the portal warns and offers to stay (with JavaScript).
SESSION_WARNING = timedelta(minutes=2)


def quick_exit_context(request: HttpRequest) -> dict[str, str]:
    return {"quick_exit_url": settings.UPSTANDER_QUICK_EXIT_URL}


# --- Intake ---------------------------------------------------------------------------------


CONSENT_STEPS = ("consent", "consent_more")


def _step_index(name: str) -> int:
    for index, (step_name, _form, _title) in enumerate(STEPS):
        if step_name == name:
            return index
    return 0


def _applicable(answers: Mapping[str, Any]) -> list[int]:
    """The steps the answers so far call for, in order (the route decides some)."""
    return [index for index, (name, _f, _t) in enumerate(STEPS) if step_applies(name, answers)]


def _hidden_carry(data: QueryDict, current: int) -> list[tuple[str, str]]:
    """Answers from the other steps, carried as hidden fields (nothing is kept server-side)."""
    carried: list[tuple[str, str]] = []
    own = set(STEPS[current][1]().fields)
    for index, (_name, form_class, _title) in enumerate(STEPS):
        if index == current:
            continue
        for field_name in form_class().fields:
            if field_name not in own:
                carried.extend((field_name, value) for value in data.getlist(field_name))
    return carried


def _error_links(form: forms.Form) -> list[tuple[str, str]]:
    """Each error with the id of the control it is about: the error summary links to them."""
    links: list[tuple[str, str]] = []
    for name, errors in form.errors.items():
        if name not in form.fields:  # the form's own errors are listed without a link
            continue
        bound = form[name]
        is_radio = getattr(bound.field.widget, "input_type", "") == "radio"
        target = f"{bound.auto_id}_0" if is_radio else bound.id_for_label
        links.extend((str(error), target) for error in errors)
    return links


def _render_step(
    request: HttpRequest,
    index: int,
    form: forms.Form,
    status: int = 200,
    *,
    check: dict[str, Any] | None = None,
    returning: bool = False,
    carried: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    name, _form_class, title = STEPS[index]
    answers = request.POST if request.method == "POST" else QueryDict()
    shown = _applicable(answers)
    if name == "what" and answers.get("reporter_role") == ReporterRole.WITNESS:
        title = WITNESS_WHAT_TITLE
    context = {
        "form": form,
        "step": name,
        "step_number": shown.index(index) + 1 if index in shown else index + 1,
        "step_count": len(shown),
        "is_last": index == len(STEPS) - 1,
        "title": title,
        "error_links": _error_links(form),
        "returning": returning or (answers.get("returning") == "1" and name != "check"),
        "new_route": name != "check" and _new_route(answers),
        "steps": [(STEPS[i][2], i == index) for i in shown],
        "carried": (
            _hidden_carry(request.POST, index) if request.method == "POST" else carried or []
        ),
        "route_choices": route_choices(form) if name == "route" else [],
        "channel_choices": channel_choices(form) if name == "channel" else [],
        "consent_questions": (
            consent_questions(cast("ConsentForm", form), answers) if name in CONSENT_STEPS else []
        ),
        "max_attachments": MAX_ATTACHMENTS,
        "max_attachment_megabytes": MAX_ATTACHMENT_MEGABYTES,
        "intake_form_key": _intake_form_key(request),
        **(check or {}),
    }
    response = render(request, "portal/intake.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _intake_form_key(request: HttpRequest) -> str:
    """The form's one-time key, carried from page to page; a new form gets a new one."""
    carried = request.POST.get("intake_form_key", "") if request.method == "POST" else ""
    return carried if services.intake_form_key_valid(carried) else services.intake_form_key_new()


def _submission_payload(forms_by_step: dict[str, forms.Form]) -> dict[str, Any]:
    about = forms_by_step["about"].cleaned_data
    what = forms_by_step["what"].cleaned_data
    identity = forms_by_step["identity"].cleaned_data
    route = forms_by_step["route"].cleaned_data["route"]
    # Steps the route skipped have no form: their answers are not asked, so none is sent.
    channel = forms_by_step["channel"].cleaned_data if "channel" in forms_by_step else {}
    person = forms_by_step["person"].cleaned_data if "person" in forms_by_step else {}
    return {
        "entity": about["entity"].code,
        "reporter_role": about["reporter_role"],
        "category": what["category"],
        "narrative": what["narrative"],
        "incident_date": what.get("incident_date"),
        "location_type": what.get("location_type") or "",
        "alleged_perpetrator": {
            "name": person.get("perpetrator_name", ""),
            "role": person.get("perpetrator_role", ""),
            "relationship": person.get("perpetrator_relationship", ""),
            "seniority": person.get("perpetrator_seniority", ""),
        },
        "identity_disclosure": identity["identity_disclosure"],
        "identity": {
            "name": identity.get("name", ""),
            "email": identity.get("email", ""),
            "phone": identity.get("phone", ""),
        },
        "route": route,
        "informal_channel": channel.get("informal_channel") or "",
        "consents": consents_given(forms_by_step),
        **(
            {"affected_person_identifiable": what["affected_person_identifiable"] == "yes"}
            if "affected_person_identifiable" in what
            else {}
        ),
    }


def _clean_uploads(request: HttpRequest) -> tuple[list[CleanAttachment], DomainError | None]:
    """The files sent, each counted and cleaned, or the refusal of the first that cannot be."""
    if getattr(request, "upload_rejected", "") == "too_large":
        return [], AttachmentRejectedError(file_too_large_words())
    if getattr(request, "upload_rejected", "") == "too_many":
        return [], AttachmentRejectedError(too_many_files_words())
    cleaned = []
    for upload in request.FILES.getlist("attachments"):
        try:
            cleaned.append(upload_clean(request, filename=upload.name or "", data=upload.read()))
        except (AttachmentRejectedError, UploadLimitError, ServiceUnavailableError) as refused:
            return [], refused
    return cleaned, None


# Answers a link may start the intake with (the upstander page's "document" opens a witness's
# dated record this way, issue 12). Each is an answer the reader sees and can change on its
# step; a consent is never among them, so no link can give one on the reporter's behalf.
LINK_ANSWERS: dict[str, list[str]] = {"reporter_role": ReporterRole.values, "route": Route.values}


def _link_answers(query: QueryDict) -> dict[str, str]:
    answers = {name: query.get(name, "") for name in LINK_ANSWERS}
    return {name: value for name, value in answers.items() if value in LINK_ANSWERS[name]}


@never_cache
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        answers = _link_answers(request.GET)
        first = STEPS[0][1](initial=answers)
        # The later steps' answers travel as hidden fields, like any other carried answer.
        later = [(name, value) for name, value in answers.items() if name not in first.fields]
        return _render_step(request, 0, first, carried=later)

    index = _step_index(request.POST.get("step", ""))
    shown = _applicable(request.POST)
    if "back" in request.POST and index > 0:
        previous = max((i for i in shown if i < index), default=0)
        return _render_step(request, previous, STEPS[previous][1](initial=request.POST.dict()))
    change = request.POST.get("change", "")
    if index == len(STEPS) - 1 and change:
        # "Change" on the check page: that step again, its answers filled in; Continue then
        # comes back to the check page.
        target = _step_index(change)
        return _render_step(
            request, target, STEPS[target][1](initial=request.POST.dict()), returning=True
        )

    forms_by_step = {STEPS[i][0]: STEPS[i][1](request.POST) for i in shown if i <= index}
    for step_index in (i for i in shown if i <= index):
        if not forms_by_step[STEPS[step_index][0]].is_valid():
            return _render_step(request, step_index, forms_by_step[STEPS[step_index][0]], 400)

    if index == len(STEPS) - 1:
        return _intake_send(request, index, forms_by_step)
    following = min(i for i in shown if i > index)
    if request.POST.get("returning") == "1" and STEPS[index][0] not in ("route", "channel"):
        # Back from a change: straight to the check page, unless the change opened a step
        # that still needs an answer. A new route or channel always goes on through its
        # consents, which may not be the ones asked before, up to its last unanswered one.
        following = next(
            (i for i in shown if i > index and _still_to_answer(request.POST, i)),
            len(STEPS) - 1,
        )
    if following == len(STEPS) - 1:
        return _render_check(request, following, forms_by_step)
    return _render_step(request, following, STEPS[following][1](initial=request.POST.dict()))


def _still_to_answer(answers: QueryDict, step: int) -> bool:
    form = STEPS[step][1](answers)
    if not form.is_valid():
        return True
    # The questions a new route brought, left unanswered, are asked before the check page
    # (the route and channel steps themselves never take this shortcut).
    new_questions = answers.get("new_route") == "1" and STEPS[step][0] in CONSENT_STEPS
    return new_questions and cast("ConsentForm", form).unanswered()


def _new_route(answers: QueryDict) -> bool:
    """Whether the reporter, back from the check page, chose a new route or channel: its
    consent questions are then all asked, not only the first screen."""
    returning = answers.get("returning") == "1"
    return returning and (
        answers.get("new_route") == "1" or answers.get("step") in ("route", "channel")
    )


def _render_check(
    request: HttpRequest,
    index: int,
    forms_by_step: dict[str, forms.Form],
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    """Every answer, each with a way to change it, and what the route cannot do as answered."""
    full = {
        STEPS[i][0]: forms_by_step.get(STEPS[i][0]) or STEPS[i][1](request.POST)
        for i in _applicable(request.POST)
    }
    for bound in full.values():
        bound.is_valid()
    consents = consents_given(full)
    check = {
        "answers": check_answers(
            [(STEPS[i][0], STEPS[i][2], full[STEPS[i][0]]) for i in _applicable(request.POST)]
        ),
        "missing_consents": consent_shortfall(
            request.POST.get("route", ""), request.POST.get("informal_channel", ""), consents
        ),
    }
    return _render_step(request, index, form or STEPS[index][1](), status, check=check)


def _intake_send(
    request: HttpRequest, index: int, forms_by_step: dict[str, forms.Form]
) -> HttpResponse:
    """The last step, every step valid: check the files and the report as a whole, then file
    it. A refusal is shown on the last step, with everything the reporter wrote kept."""
    form = forms_by_step["check"]
    attachments, refused = _clean_uploads(request)
    if refused is not None:
        form.add_error(None, refused.page_message())
        too_large = getattr(request, "upload_rejected", "") == "too_large"
        response = _render_check(
            request, index, forms_by_step, form, 413 if too_large else refused.status
        )
        retry_after = getattr(refused, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    serializer = ReportSubmissionSerializer(data=_submission_payload(forms_by_step))
    if not serializer.is_valid():
        for messages_ in serializer.errors.values():
            for message in messages_ if isinstance(messages_, list) else [messages_]:
                form.add_error(None, str(message))
        return _render_check(request, index, forms_by_step, form, 400)

    intake_form_key = request.POST.get("intake_form_key", "")
    if not services.intake_form_key_valid(intake_form_key):
        form.add_error(None, _("This form is incomplete. Please open it again from the start."))
        return _render_check(request, index, forms_by_step, form, 400)
    try:
        return _intake_file(request, serializer.submission(), attachments, intake_form_key)
    except IntakeLimitError as limited:
        # A resent copy of a form that was filed, or is being filed by a copy sent just before
        # (a double tap), goes on to its receipt: it files nothing.
        if services.intake_form_sent_meanwhile(intake_form_key):
            return redirect_to_receipt(receipt_handoff_ticket(intake_form_key), query="?already=1")
        form.add_error(None, limited.page_message())
        response = _render_check(request, index, forms_by_step, form, limited.status)
        response["Retry-After"] = str(limited.retry_after)
        return response
    except DerivationsBusyError:
        # Every Argon2id slot stayed taken (a flood): nothing was filed, and the reporter's
        # answers stay on the page for the next try, instead of the bare 503 page.
        busy = ServiceUnavailableError()
        form.add_error(None, busy.page_message())
        response = _render_check(request, index, forms_by_step, form, busy.status)
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response


def _receipt_to_show(submitted: services.SubmittedReport) -> ReceiptToShow:
    return ReceiptToShow(
        receipt=submitted.receipt,
        reference=submitted.report.reference,
        case_opened=hasattr(submitted.report, "case"),
        retaliation=submitted.report.kind == ReportKind.RETALIATION,
    )


def receipt_shown_once(
    request: HttpRequest,
    file: Callable[[Callable[[services.SubmittedReport], None]], services.SubmittedReport],
    intake_form_key: str,
) -> HttpResponse:
    """File a report once, however often the form is sent, and show its receipt once.

    ``file`` files it, calling the function it is given once the report is stored (the
    receipt's hand-off), within this client's report limit; a refusal it raises, the limit's
    ``IntakeLimitError`` included, is the caller's to show."""
    tickets: list[str | None] = []

    def hand_off_receipt(submitted: services.SubmittedReport) -> None:
        tickets.append(
            receipt_handoff_put(_receipt_to_show(submitted), intake_form_key=intake_form_key)
        )

    try:
        with services.intake_form_in_flight(intake_form_key), intake_reserved(request):
            submitted = file(hand_off_receipt)
    except services.IntakeFormAlreadySentError:
        # Back then Send again, or a double tap whose first answer the browser dropped: the
        # report exists once, and its receipt is still shown if nobody has seen it yet.
        return redirect_to_receipt(receipt_handoff_ticket(intake_form_key), query="?already=1")
    if tickets[0] is None:
        # The cache is down: the receipt must still reach the reporter, so it is shown now.
        return render_receipt(request, _receipt_to_show(submitted))
    return redirect_to_receipt(tickets[0])


def _intake_file(
    request: HttpRequest,
    submission: services.ReportSubmission,
    attachments: list[CleanAttachment],
    intake_form_key: str,
) -> HttpResponse:
    return receipt_shown_once(
        request,
        lambda on_stored: services.report_submit(
            submission=submission,
            attachments=attachments,
            intake_form_key=intake_form_key,
            on_stored=on_stored,
        ),
        intake_form_key,
    )


def redirect_to_receipt(ticket: str, *, query: str = "") -> HttpResponse:
    # 303: the browser fetches the receipt with a GET, so a reload never posts the form again.
    response = HttpResponseRedirect(reverse("portal:receipt") + query, status=303)
    response.set_cookie(
        RECEIPT_COOKIE,
        ticket,
        max_age=int(RECEIPT_LIFETIME.total_seconds()),
        path=reverse("portal:receipt"),
        httponly=True,
        secure=not settings.DEBUG,
        samesite="Strict",
    )
    return response


def render_receipt(request: HttpRequest, shown: ReceiptToShow | None, **extra: Any) -> HttpResponse:
    context = {
        "shown": shown,
        "receipt_groups": shown.receipt.split("-") if shown else [],
        "access_url": request.build_absolute_uri(reverse("portal:access")),
        "acknowledgement_days": ACKNOWLEDGEMENT_DAYS,
        "retaliation_working_days": RETALIATION_ACKNOWLEDGEMENT_WORKING_DAYS,
        **extra,
    }
    response = render(request, "portal/receipt.html", context)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
def receipt(request: HttpRequest) -> HttpResponse:
    """The receipt, shown once; afterwards the page says it was shown and opens nothing."""
    shown = receipt_handoff_take(request.COOKIES.get(RECEIPT_COOKIE, ""))
    response = render_receipt(request, shown, already_filed=request.GET.get("already") == "1")
    response.delete_cookie(RECEIPT_COOKIE, path=request.path, samesite="Strict")
    return response


@never_cache
@require_POST
def receipt_file(request: HttpRequest) -> HttpResponse:
    """The receipt the page just showed, sent back as a small text file to keep.

    The page posts it back because nothing on the server holds it any more; it is checked to
    be a receipt's shape only (no lookup, so this answers no question about any report), and
    the file's name says nothing about this site, for whoever looks through the device.
    """
    receipt = normalise_receipt(request.POST.get("receipt", "")[:100])
    if receipt is None:
        message = _("That is not a receipt; no file was made.")
        return render(request, "errors/400.html", {"message": message}, status=400)
    access_url = request.build_absolute_uri(reverse("portal:access"))
    text = _(
        "Your receipt: %(receipt)s\n\n"
        "Where to use it: open %(url)s and enter this receipt to read messages, answer them "
        "and change your choices. Nobody can recover it for you: keep this file where only you "
        "can find it.\n"
    ) % {"receipt": receipt, "url": access_url}
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="receipt.txt"'
    response["Cache-Control"] = "no-store"
    return response


# --- Access and portal ----------------------------------------------------------------------


def _draft_from(request: HttpRequest, field: str) -> str:
    """A message the reporter was writing when their session ended, kept for them to send."""
    return request.POST.get(field, "")[:MESSAGE_MAX] if request.method == "POST" else ""


def _render_access(
    request: HttpRequest, *, status: int = 200, draft: str = "", **context: Any
) -> HttpResponse:
    context = {"expired": request.GET.get("expired") == "1", "draft": draft, **context}
    response = render(request, "portal/access.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def access(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _render_access(request)
    draft = _draft_from(request, "draft")
    try:
        # Counted as failed until it succeeds: a burst of guesses gets exactly the limit.
        attempt = attempt_start(request, scope="receipt")
    except ServiceUnavailableError as unavailable:
        # The draft stays with the form, so a message being written is not lost either.
        response = _render_access(
            request, status=unavailable.status, draft=draft, error=unavailable.page_message()
        )
        response["Retry-After"] = str(unavailable.retry_after)
        return response
    if attempt.retry_after is not None:
        error = _("Too many attempts. Please wait %(minutes)s minutes and try again.") % {
            "minutes": max(1, attempt.retry_after // 60)
        }
        response = _render_access(request, status=429, draft=draft, error=error)
        response["Retry-After"] = str(attempt.retry_after)
        return response
    try:
        token, _session = services.reporter_session_start(
            receipt=request.POST.get("receipt", "")[:100]
        )
    except services.InvalidReceiptError as refused:
        return _render_access(request, status=401, draft=draft, error=refused.page_message())
    except DerivationsBusyError:
        # The receipt was never tried: a busy server costs the reporter no guess (503).
        attempt_succeeded(attempt)
        raise
    attempt_succeeded(attempt)
    access_ = services.reporter_session_resolve(token) if draft.strip() else None
    if access_ is not None:
        # The unsent message goes straight back into the message box: rendered here rather
        # than redirected, because a redirect could only carry it in the address.
        response = _render_portal(request, access_, draft=draft)
    else:
        response = redirect("portal:portal")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=not settings.DEBUG,
        samesite="Strict",
        path="/",
    )
    return response


def reporter_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        access_ = services.reporter_session_resolve(request.COOKIES.get(SESSION_COOKIE, ""))
        if access_ is None:
            draft = (
                _draft_from(request, "body")
                if request.path == reverse("portal:portal-message")
                else ""
            )
            response: HttpResponseBase
            if draft.strip():
                # The session ended while a message was being written: nothing is lost, the
                # reporter signs in again and finds the message ready to send.
                response = _render_access(request, status=401, draft=draft, expired=True)
            elif request.path == reverse("portal:portal-stay"):
                response = JsonResponse({"error": "unauthenticated"}, status=401)
            else:
                response = HttpResponseRedirect(reverse("portal:access") + "?expired=1")
            response.delete_cookie(SESSION_COOKIE, path="/", samesite="Strict")
            return response
        result = view(request, access_, *args, **kwargs)
        result["Cache-Control"] = "no-store"
        return result

    return never_cache(wrapped)


def _render_portal(
    request: HttpRequest, access_: services.ReporterAccess, *, draft: str = ""
) -> HttpResponse:
    report = reporter_report_view(report=access_.report, data_key=access_.data_key)
    consent_rows = [
        (action, ConsentAction(action).label, report["consents"][action])
        for action in ConsentAction.values
    ]
    consent_history = [
        (item["at"], ConsentAction(item["action"]).label, item["granted"])
        for item in report["consent_history"]
    ]
    response = render(
        request,
        "portal/portal.html",
        {
            "report": report,
            "consent_rows": consent_rows,
            "consent_history": consent_history,
            "formal_withdrawn_midway": _formal_withdrawn_midway(access_),
            "routes": Route.choices,
            "channels": InformalChannel.choices,
            "route_help": [(Route(code).label, text) for code, text in ROUTE_EXPLANATIONS.items()],
            "idle_minutes": int(services.SESSION_IDLE.total_seconds() // 60),
            "seconds_left": _seconds_left(access_),
            "warning_seconds": int(SESSION_WARNING.total_seconds()),
            "warning_minutes": int(SESSION_WARNING.total_seconds() // 60),
            "message_max": MESSAGE_MAX,
            "can_attach": len(report["attachments"]) < MAX_ATTACHMENTS,
            "max_attachment_megabytes": MAX_ATTACHMENT_MEGABYTES,
            "draft": draft,
            "survey": survey_status(access_.report),
            "coming_forward": coming_forward_state(access_.report),
            "consent_help": [
                (ConsentAction(action).label, text) for action, text in CONSENT_EXPLANATIONS.items()
            ],
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _formal_withdrawn_midway(access_: services.ReporterAccess) -> bool:
    case = Case.objects.filter(report=access_.report).first()
    return case is not None and formal_consent_withdrawn_midway(case)


def _seconds_left(access_: services.ReporterAccess) -> int:
    return max(0, int((access_.session.expires_at - timezone.now()).total_seconds()))


@require_GET
@reporter_required
def portal(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    return _render_portal(request, access_)


@require_POST
@reporter_required
def portal_stay(request: HttpRequest, access_: services.ReporterAccess) -> JsonResponse:
    """Stay signed in: resolving the session already slid its idle expiry; say how long now."""
    return JsonResponse({"seconds_left": _seconds_left(access_)})


@require_GET
@reporter_required
def portal_consent_withdraw(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    """Withdrawing asks first, and says what will stop (issue 11); it works without JavaScript."""
    action = request.GET.get("action", "")
    if action not in ConsentAction.values:
        messages.error(request, _("That choice was not understood; nothing was changed."))
        return redirect("portal:portal")
    if not access_.report.current_consents()[action]:
        messages.info(
            request, _("You have not given this consent, so there is nothing to withdraw.")
        )
        return redirect("portal:portal")
    case = Case.objects.filter(report=access_.report).first()
    return render(
        request,
        "portal/consent_withdraw.html",
        {
            "action": action,
            "label": ConsentAction(action).label,
            "effect": withdrawal_effect(action),
            "formal_under_way": action == ConsentAction.FORMAL_INVESTIGATION
            and case is not None
            and case.state in FORMAL_STATES,
        },
    )


@require_POST
@reporter_required
def portal_consent(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    action = request.POST.get("action", "")
    granted = request.POST.get("granted")
    if action not in ConsentAction.values or granted not in ("yes", "no"):
        messages.error(request, _("That choice was not understood; nothing was changed."))
        return redirect("portal:portal")
    if granted == "no" and request.POST.get("confirmed") != "yes":
        # A withdrawal that has not been through the confirmation page goes there first.
        return redirect(reverse("portal:portal-consent-withdraw") + f"?action={action}")
    try:
        services.consent_record(access=access_, action=action, granted=granted == "yes")
    except services.ResealingConflictError as refused:
        messages.error(request, refused.page_message())
        return redirect("portal:portal")
    messages.success(request, _("Your choice is recorded."))
    return redirect("portal:portal")


@require_POST
@reporter_required
def portal_message(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    body = request.POST.get("body", "")
    if not body.strip() or len(body) > MESSAGE_MAX:
        messages.error(
            request,
            _("Write a message of up to %(characters)s characters.")
            % {"characters": characters(MESSAGE_MAX)},
        )
        return redirect("portal:portal")
    try:
        services.reporter_message_send(access=access_, body=body)
    except services.MessageToSealedReportError as refused:
        messages.error(request, refused.page_message())
        return redirect("portal:portal")
    messages.success(request, _("Your message was sent."))
    return redirect("portal:portal")


@require_POST
@reporter_required
def portal_route(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    route = request.POST.get("route", "")
    channel = request.POST.get("informal_channel", "") if route == Route.INFORMAL else ""
    if route not in Route.values or (
        route == Route.INFORMAL and channel not in InformalChannel.values
    ):
        messages.error(
            request, _("Choose a route, and for the informal route how it should happen.")
        )
        return redirect("portal:portal")
    try:
        services.route_change(access=access_, route=route, informal_channel=channel)
    except (services.RouteChangeRefusedError, services.ResealingConflictError) as refused:
        messages.error(request, refused.page_message())
        return redirect("portal:portal")
    messages.success(request, _("Your choice is recorded."))
    return redirect("portal:portal")


@require_POST
@reporter_required
def portal_attachment(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    attachments, refused = _clean_uploads(request)
    error = refused.page_message() if refused is not None else None
    if error is None and len(attachments) != 1:
        error = _("Choose one file to add.")
    if error is None:
        try:
            services.reporter_attachment_add(access=access_, attachment=attachments[0])
        except (services.TooManyAttachmentsError, services.ResealingConflictError) as refused:
            error = refused.page_message()
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Your file was added."))
    return redirect("portal:portal")


@require_GET
@reporter_required
def portal_attachment_download(
    request: HttpRequest, access_: services.ReporterAccess, attachment_id: uuid.UUID
) -> HttpResponseBase:
    found = reporter_attachment(access_, attachment_id)
    if found is None:
        return render(request, "errors/404.html", status=404)
    return attachment_response(*found)


@never_cache
@require_http_methods(["GET", "POST"])
def quick_exit(request: HttpRequest) -> HttpResponse:
    """Leave at once: end the session, clear what the browser keeps, go somewhere neutral."""
    services.reporter_session_end(request.COOKIES.get(SESSION_COOKIE, ""))
    response = HttpResponseRedirect(settings.UPSTANDER_QUICK_EXIT_URL)
    response.delete_cookie(SESSION_COOKIE, path="/", samesite="Strict")
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@require_POST
@reporter_required
def portal_handler_change(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    """The reporter asks for a different handler, without a reason (issue 12)."""
    try:
        services.handler_change_request(access=access_)
    except (services.HandlerChangeRefusedError, services.ResealingConflictError) as refused:
        messages.error(request, refused.page_message())
        return redirect("portal:portal")
    messages.success(
        request,
        _(
            "Your request is recorded. The person who handled your case no longer sees it; you "
            "will be told when someone else takes it on."
        ),
    )
    return redirect("portal:portal")


@require_POST
@reporter_required
def portal_manager(request: HttpRequest, access_: services.ReporterAccess) -> HttpResponse:
    """The reporter approves or refuses the manager proposed to intervene (issue 12)."""
    decision = request.POST.get("decision", "")
    if decision not in {"approve", "refuse"}:
        messages.error(request, _("That choice was not understood; nothing was changed."))
        return redirect("portal:portal")
    try:
        services.manager_decide(access=access_, approved=decision == "approve")
    except (services.ManagerDecisionRefusedError, services.ResealingConflictError) as refused:
        messages.error(request, refused.page_message())
        return redirect("portal:portal")
    messages.success(
        request,
        _("You approved the manager.")
        if decision == "approve"
        else _("You refused the manager. Nobody is contacted through them."),
    )
    return redirect("portal:portal")
