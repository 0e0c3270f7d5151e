"""Every write a reporter makes (``portal.services``).

- Sealed until shared: without case review only the receipt opens a report; granting it lets
  the organisation read, withdrawing it reseals unless a formal process has started.
- What a submission creates: a case and an alert only with consent, every time at midnight UTC.
- One report per intake form: every form carries a one-time key from its first page to its
  last, and a resent copy (Back then Send again, a double tap) files nothing more.
- Reporter sessions: no precise sign-in time, and one key derivation per attempt.
"""

from __future__ import annotations

import contextlib
import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEntry
from cases.models import Case
from notifications.models import OutboxMessage
from portal import services
from portal.services import (
    IntakeFormAlreadySentError,
    InvalidReceiptError,
    ReportSubmission,
    intake_form_key_new,
    intake_forms_purge,
    report_submit,
    reporter_session_start,
)
from reports.models import Consent, Report, ReporterSession, SpentIntakeForm, TimelineEntry
from tests.helpers.database import columns_containing
from tests.helpers.html import parse
from tests.helpers.reporter import (
    NARRATIVE,
    consent_change,
    current_step,
    final_step_data,
    midnight_utc,
    receipt_on_page,
    record_only_payload,
    report_payload,
    sign_in,
    submit,
    walk_intake,
)
from vault import crypto, envelope, readers
from vault.envelope import DataKeySealedError
from vault.fields import Ciphertext
from vault.keyring import server_keyring
from vault.models import DataKey, KeyWrap

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("entity")]


# --- Sealed until shared ----------------------------------------------------------------------


def _report() -> Report:
    return Report.objects.select_related("data_key").get()


def _wrap_kinds(report: Report) -> list[str]:
    return sorted(KeyWrap.objects.filter(data_key=report.data_key).values_list("kind", flat=True))


# The organisation's reader: a focal point of the entity, signed in (issue 14: the report's key
# is wrapped to each reader's own key, never to the server's).
_READER: list[Any] = []


@pytest.fixture(autouse=True)
def _reader(focal_point: Any) -> None:
    _READER[:] = [focal_point]


def open_with_organisation_key(data_key: Any) -> bytes:
    """The data key as the entity's focal point opens it with their unlocked key."""
    unlocked = readers.unlocked_of(_READER[0])
    assert unlocked is not None
    return envelope.open_as_recipient(data_key, unlocked)


def _organisation_reads_narrative(report: Report) -> str | None:
    key = open_with_organisation_key(report.data_key)
    return envelope.open_text(report, "narrative", key)


def test_record_only_report_is_wrapped_under_the_receipt_only() -> None:
    submit(**record_only_payload())
    report = _report()

    assert _wrap_kinds(report) == ["receipt"]
    assert envelope.is_sealed(report.data_key)
    with pytest.raises(DataKeySealedError):
        open_with_organisation_key(report.data_key)


def test_database_and_every_server_key_without_the_receipt_cannot_decrypt_it() -> None:
    submit(**record_only_payload())
    report = _report()
    ciphertexts = [bytes(w.wrapped_key) for w in KeyWrap.objects.filter(data_key=report.data_key)]
    assert isinstance(report.narrative, Ciphertext)
    ciphertexts.append(report.narrative.blob)

    for kek in server_keyring().keys:
        for blob in ciphertexts:
            for kind in ("organisation", "receipt"):
                aad = crypto.associated_data(
                    "vault_keywrap", f"{kind}:{kek.version}", report.data_key_id
                )
                with pytest.raises(crypto.DecryptionError):
                    crypto.decrypt(kek.secret, blob, aad)
            with pytest.raises(crypto.DecryptionError):
                crypto.decrypt(
                    kek.secret,
                    blob,
                    crypto.associated_data("reports_report", "narrative", report.pk),
                )


def test_report_without_case_review_is_sealed_whatever_the_route() -> None:
    submit(route="formal", informal_channel=None, consents={"formal_investigation": True})
    report = _report()
    assert _wrap_kinds(report) == ["receipt"]
    with pytest.raises(DataKeySealedError):
        open_with_organisation_key(report.data_key)


def test_report_with_case_review_at_intake_is_readable_by_the_organisation() -> None:
    submit()
    report = _report()
    assert _wrap_kinds(report) == ["receipt", "recipient"]
    assert _organisation_reads_narrative(report) == NARRATIVE


def test_granting_case_review_wraps_the_key_to_the_focal_point_who_decrypts_it() -> None:
    reporter = sign_in(submit(**record_only_payload())["receipt"])

    consent_change(reporter, "case_review", granted=True)

    report = _report()
    assert _wrap_kinds(report) == ["receipt", "recipient"]
    assert not envelope.is_sealed(report.data_key)
    assert _organisation_reads_narrative(report) == NARRATIVE
    assert Case.objects.filter(report=report).exists()


def test_withdrawing_case_review_before_a_formal_process_reseals_the_report() -> None:
    reporter = sign_in(submit(**record_only_payload())["receipt"])
    consent_change(reporter, "case_review", granted=True)
    assert _organisation_reads_narrative(_report()) == NARRATIVE

    answer = consent_change(reporter, "case_review", granted=False)

    report = _report()
    assert _wrap_kinds(report) == ["receipt"]
    with pytest.raises(DataKeySealedError):
        open_with_organisation_key(report.data_key)
    view = reporter.get("/api/v1/reporter/report").json()
    assert view["sealed"] is True
    assert any("sealed again" in entry["label"] for entry in view["timeline"])
    assert "sealed again" in view["status_label"]
    assert answer["status_label"] == view["status_label"]
    # The receipt still opens everything for the reporter.
    assert view["narrative"] == NARRATIVE


def test_withdrawing_case_review_given_at_intake_reseals_the_report() -> None:
    reporter = sign_in(submit()["receipt"])
    consent_change(reporter, "case_review", granted=False)
    report = _report()
    assert _wrap_kinds(report) == ["receipt"]
    view = reporter.get("/api/v1/reporter/report").json()
    assert any("sealed again" in entry["label"] for entry in view["timeline"])


def test_granting_case_review_again_after_resealing_unseals_it() -> None:
    reporter = sign_in(submit()["receipt"])
    consent_change(reporter, "case_review", granted=False)
    consent_change(reporter, "case_review", granted=True)
    report = _report()
    assert _wrap_kinds(report) == ["receipt", "recipient"]
    assert _organisation_reads_narrative(report) == NARRATIVE
    assert Case.objects.filter(report=report).count() == 1


def test_withdrawing_case_review_after_a_formal_process_started_keeps_the_readers_wraps() -> None:
    reporter = sign_in(submit()["receipt"])
    report = _report()
    Case.objects.filter(report=report).update(formal_started_at=timezone.now())

    consent_change(reporter, "case_review", granted=False)

    report = _report()
    assert _wrap_kinds(report) == ["receipt", "recipient"]
    assert _organisation_reads_narrative(report) == NARRATIVE
    view = reporter.get("/api/v1/reporter/report").json()
    assert view["consents"]["case_review"] is False
    labels = [entry["label"] for entry in view["timeline"]]
    assert any("after a formal process had started" in label for label in labels)
    assert not any("sealed again" in label for label in labels)


def test_sealed_report_can_still_be_read_by_its_reporter() -> None:
    receipt = submit(**record_only_payload())["receipt"]
    view = sign_in(receipt).get("/api/v1/reporter/report").json()
    assert view["sealed"] is True
    assert view["narrative"] == NARRATIVE


# --- Times recorded at submission -------------------------------------------------------------


def test_everything_written_at_submission_carries_midnight_utc() -> None:
    submit(consents={"case_review": True, "statistics": True, "mediation": False})
    report = Report.objects.get()
    midnight = midnight_utc(report.submitted_on)

    intake_consents = Consent.objects.filter(report=report, source="intake")
    assert intake_consents.count() == 3
    assert {consent.recorded_at for consent in intake_consents} == {midnight}
    assert TimelineEntry.objects.get(report=report, event="submitted").at == midnight
    assert TimelineEntry.objects.get(report=report, event="case_opened").at == midnight
    assert AuditEntry.objects.get(stream=str(report.id), action="report.submitted").at == midnight
    assert AuditEntry.objects.get(stream=str(report.id), action="case.opened").at == midnight
    assert Case.objects.get(report=report).opened_at == midnight


# --- Reporter sessions ------------------------------------------------------------------------


def test_a_reporter_session_keeps_no_precise_sign_in_time(entity: Any) -> None:
    """Regression (privacy review, fixed in 20ed5b3): the absolute expiry was the sign-in time plus
    a constant, and the first sign-in often follows the submission closely; it is rounded down to
    the hour."""
    sign_in(submit()["receipt"])
    session = ReporterSession.objects.get()
    assert (
        session.absolute_expiry.minute,
        session.absolute_expiry.second,
        session.absolute_expiry.microsecond,
    ) == (0, 0, 0)


def test_known_and_unknown_receipts_cost_the_same_key_derivation(
    entity: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Equal time by construction: each attempt runs exactly one Argon2id derivation, whether
    # the receipt is right, wrong or unknown (figures: bench/submissions.py).
    body = submit()
    derivations: list[bytes] = []
    real = envelope.receipt_key

    def counting(receipt: str, salt: bytes) -> bytes:
        derivations.append(salt)
        return real(receipt, salt)

    monkeypatch.setattr(envelope, "receipt_key", counting)
    reporter_session_start(receipt=body["receipt"])
    with pytest.raises(InvalidReceiptError):
        reporter_session_start(receipt="2222-3333-4444-5555-6666")
    with pytest.raises(InvalidReceiptError):
        reporter_session_start(receipt="not a receipt")
    assert len(derivations) == 3


# --- What intake creates: case and notification only with consent -----------------------------


def test_record_only_creates_no_case_and_no_outbox_message(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = APIClient().post("/api/v1/reports", record_only_payload(), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["report"]["state"] == "recorded"
    assert Report.objects.count() == 1
    assert Case.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert callbacks == []  # nothing leaves after commit: nobody is told


def test_record_only_with_case_review_ticked_still_creates_no_case(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            "/api/v1/reports",
            record_only_payload(consents={"case_review": True}),
            format="json",
        )
    assert response.status_code == 201
    assert Case.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_case_review_with_informal_route_opens_a_received_case_and_queues_an_alert(
    django_capture_on_commit_callbacks: Any, focal_point: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = APIClient().post("/api/v1/reports", report_payload(), format="json")

    assert response.status_code == 201
    report = Report.objects.get()
    case = Case.objects.get(report=report)
    assert case.state == "received"
    assert case.entity_id == report.entity_id
    message = OutboxMessage.objects.get()
    assert message.topic == "staff_alert"
    assert message.payload["kind"] == "case_opened"
    assert message.payload["reference"] == report.reference
    assert message.payload["user_ids"] == [focal_point.id]
    # Identifiers only: nothing the reporter wrote is in the notification.
    assert NARRATIVE not in str(message.payload)
    # Regression (case-workflow review, fixed in 080b1fb): the relay was kicked at the moment of
    # submission. The alert waits a random 10 to 90 minutes for the periodic relay, so that the
    # email's arrival does not date the submission.

    delay = message.deliver_after - timezone.now()
    assert 9 * 60 <= delay.total_seconds() <= 90 * 60
    assert callbacks == []


@pytest.mark.parametrize("route", ["informal", "formal", "support_only", "undecided"])
def test_case_review_granted_and_route_not_record_only_opens_a_received_case(route: str) -> None:
    channel = "mediation" if route == "informal" else None
    body = submit(route=route, informal_channel=channel, consents={"case_review": True})
    case = Case.objects.get(report__reference=body["report"]["reference"])
    assert case.state == "received"
    assert body["report"]["state"] == "received"


def test_without_case_review_no_case_is_opened_whatever_the_route() -> None:
    body = submit(route="formal", informal_channel=None, consents={"formal_investigation": True})
    assert Case.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert body["report"]["state"] == "recorded"


def test_granting_case_review_later_on_a_record_only_report_opens_the_case_then() -> None:
    body = submit(**record_only_payload())
    assert Case.objects.count() == 0
    reporter = sign_in(body["receipt"])

    response = reporter.post(
        "/api/v1/reporter/consents", {"action": "case_review", "granted": True}, format="json"
    )

    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.route == "undecided"
    assert Case.objects.get(report=report).state == "received"
    assert OutboxMessage.objects.filter(payload__kind="case_opened").count() == 1
    view = reporter.get("/api/v1/reporter/report").json()
    assert view["route"] == "undecided"
    assert view["state"] == "received"


def test_leaving_record_only_with_case_review_already_granted_opens_the_case() -> None:
    body = submit(**record_only_payload(consents={"case_review": True}))
    assert Case.objects.count() == 0
    reporter = sign_in(body["receipt"])

    response = reporter.post("/api/v1/reporter/route", {"route": "formal"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "received"
    assert Case.objects.get().state == "received"


# --- One report per intake form: the form's key -----------------------------------------------


ALREADY = "/report/receipt/?already=1"


def form_key_of(html: bytes) -> str:
    keys = [a.get("value") or "" for a in parse(html).inputs(type="hidden", name="intake_form_key")]
    assert len(keys) == 1, keys
    return keys[0]


def submission(entity: Any) -> ReportSubmission:
    return ReportSubmission(
        entity=entity,
        category="verbal",
        route="record_only",
        informal_channel="",
        narrative="Comments on my clothes in every meeting.",
        reporter_role="affected_person",
        identity_disclosure="anonymous",
    )


def test_every_page_of_one_intake_carries_the_same_form_key_and_a_new_form_a_new_one() -> None:
    client = Client()
    pages = walk_intake(client, last_step="identity")
    keys = [form_key_of(page.content) for page in pages]

    assert len(set(keys)) == 1
    assert services.intake_form_key_valid(keys[0])
    assert form_key_of(client.get("/report/").content) != keys[0]


# --- Sending the same form twice --------------------------------------------------------------


def test_back_then_send_again_files_one_report_and_says_it_was_already_sent() -> None:
    client = Client()
    data = final_step_data(client)
    first = client.post("/report/", data)
    assert first.status_code == 303
    assert first["Location"] == "/report/receipt/"
    receipt = receipt_on_page(client.get(first["Location"]).content)

    again = client.post("/report/", data)

    assert again.status_code == 303
    assert again["Location"] == ALREADY
    page = client.get(again["Location"])
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert "Your report was already sent" in html
    assert not parse(page.content).with_class("p", "receipt")
    assert receipt not in html
    # One report, one data key, one submission in the audit trail, one spent form.
    assert Report.objects.count() == 1
    assert DataKey.objects.count() == 1
    assert AuditEntry.objects.filter(action="report.submitted").count() == 1
    assert SpentIntakeForm.objects.count() == 1


def test_a_double_tap_whose_first_answer_was_dropped_still_shows_the_receipt_once() -> None:
    """Regression (issue 7 review, fixed in b08c699): on a slow connection the browser abandons
    the first answer when Send is tapped again; the second copy must not leave the reporter
    without the receipt of the report the first copy filed."""
    client = Client()
    data = final_step_data(client)
    client.post("/report/", data)  # the answer the browser never showed

    again = client.post("/report/", data)
    page = client.get(again["Location"])

    assert Report.objects.count() == 1
    receipt = receipt_on_page(page.content)
    assert receipt
    reporter = Client()
    assert reporter.post("/access/", {"receipt": receipt}).status_code == 302
    # Shown once: a further reload shows it no more.
    assert not parse(client.get(again["Location"]).content).with_class("p", "receipt")


def test_a_resent_intake_form_files_nothing_however_often_it_comes() -> None:
    client = Client()
    data = final_step_data(client)
    answers = [client.post("/report/", data) for _ in range(4)]

    assert [a.status_code for a in answers] == [303] * 4
    assert [a["Location"] for a in answers] == ["/report/receipt/"] + [ALREADY] * 3
    assert Report.objects.count() == 1


def test_a_new_intake_form_files_a_new_report() -> None:
    client = Client()
    first = client.post("/report/", final_step_data(client))
    second = client.post("/report/", final_step_data(client))

    assert first["Location"] == second["Location"] == "/report/receipt/"
    assert Report.objects.count() == 2


@pytest.mark.parametrize(
    "form_key",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("too-short", id="too-short"),
        pytest.param("!" * 43, id="wrong-symbols"),
        pytest.param("a" * 44, id="too-long"),
    ],
)
def test_a_last_step_without_a_valid_form_key_is_a_400_that_saves_nothing(
    form_key: str | None,
) -> None:
    client = Client()
    data = final_step_data(client)
    if form_key is None:
        del data["intake_form_key"]
    else:
        data["intake_form_key"] = [form_key]
    audited = AuditEntry.objects.count()  # the focal point's enrolment, before

    response = client.post("/report/", data)

    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    assert current_step(response.content) == "check"
    assert "This form is incomplete" in response.content.decode()
    assert "upstander_receipt" not in response.cookies
    assert Report.objects.count() == 0
    assert DataKey.objects.count() == 0
    assert SpentIntakeForm.objects.count() == 0
    assert AuditEntry.objects.count() == audited
    # The page offers a fresh key, so that sending it again works.
    fresh = form_key_of(response.content)
    assert services.intake_form_key_valid(fresh)
    assert fresh != form_key


def test_report_submit_with_a_spent_form_key_raises_and_changes_nothing(entity: Any) -> None:
    key = intake_form_key_new()
    report_submit(submission=submission(entity), intake_form_key=key)

    with pytest.raises(IntakeFormAlreadySentError):
        report_submit(submission=submission(entity), intake_form_key=key)

    assert Report.objects.count() == 1
    assert DataKey.objects.count() == 1
    assert SpentIntakeForm.objects.count() == 1


def test_report_submit_without_a_form_key_spends_nothing(entity: Any) -> None:
    report_submit(submission=submission(entity))
    report_submit(submission=submission(entity))

    assert Report.objects.count() == 2
    assert SpentIntakeForm.objects.count() == 0


# --- At the same moment, on PostgreSQL --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_form_sent_at_the_same_moment_file_one_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = final_step_data(Client())
    # Both requests get past the "already spent?" look-up before either stores anything, so
    # only the database can tell them apart.
    both_checked = threading.Barrier(2, timeout=10)
    real_prepare = envelope.data_key_prepare

    def prepare_together(**kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()
        return real_prepare(**kwargs)

    monkeypatch.setattr(envelope, "data_key_prepare", prepare_together)
    answers: dict[str, Any] = {}

    def send(name: str) -> None:
        try:
            answers[name] = Client().post("/report/", data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not both_checked.broken, "both requests should pass the look-up together"
    assert sorted(answer.status_code for answer in answers.values()) == [303, 303]
    assert sorted(answer["Location"] for answer in answers.values()) == [
        "/report/receipt/",
        ALREADY,
    ]
    assert Report.objects.count() == 1
    assert DataKey.objects.count() == 1
    assert SpentIntakeForm.objects.count() == 1
    assert AuditEntry.objects.filter(action="report.submitted").count() == 1


# --- What is kept, and for how long -----------------------------------------------------------


def test_a_spent_form_is_kept_only_as_a_64_hex_digest_linked_to_nothing() -> None:
    client = Client()
    data = final_step_data(client)
    key = data["intake_form_key"][0]
    assert client.post("/report/", data).status_code == 303

    spent = SpentIntakeForm.objects.get()
    assert re.fullmatch(r"[0-9a-f]{64}", spent.digest)
    assert spent.digest == envelope.blind_index("intake-form", key)
    assert key not in spent.digest
    assert spent.spent_on == timezone.now().date()
    # Nowhere in the database is the key itself.
    assert columns_containing(key) == []
    assert {f.name for f in SpentIntakeForm._meta.get_fields()} == {"digest", "spent_on"}


def test_intake_forms_purge_forgets_forms_older_than_30_days_and_keeps_newer_ones() -> None:
    today = timezone.now().date()
    ages = {"a": 400, "b": 31, "c": 30, "d": 29, "e": 1, "f": 0}
    for name, days in ages.items():
        SpentIntakeForm.objects.create(digest=name * 64, spent_on=today - timedelta(days=days))

    deleted = intake_forms_purge()

    assert deleted == 2
    kept = set(SpentIntakeForm.objects.values_list("digest", flat=True))
    assert kept == {name * 64 for name in ("c", "d", "e", "f")}
    assert intake_forms_purge() == 0


def test_after_a_purge_a_recently_sent_form_is_still_refused(entity: Any) -> None:
    old_key, new_key = intake_form_key_new(), intake_form_key_new()
    report_submit(submission=submission(entity), intake_form_key=old_key)
    report_submit(submission=submission(entity), intake_form_key=new_key)
    SpentIntakeForm.objects.filter(digest=envelope.blind_index("intake-form", old_key)).update(
        spent_on=timezone.now().date() - timedelta(days=31)
    )

    assert intake_forms_purge() == 1

    with pytest.raises(IntakeFormAlreadySentError):
        report_submit(submission=submission(entity), intake_form_key=new_key)
    assert SpentIntakeForm.objects.count() == 1


def test_reporter_sign_ins_and_portal_visits_leave_no_audit_entry() -> None:
    """Regression (privacy review, fixed in dbf4bc9): the first sign-in usually follows the
    submission within minutes, so an audited sign-in time would date the report."""
    receipt = submit()["receipt"]
    before = AuditEntry.objects.count()

    token, _session = services.reporter_session_start(receipt=receipt)
    access = services.reporter_session_resolve(token)
    assert access is not None
    client = sign_in(receipt)
    assert client.get("/api/v1/reporter/report").status_code == 200

    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("ended_by", ["sign_out", "quick_exit", "purge"])
def test_a_session_ended_while_its_request_resolves_it_is_signed_out_not_a_500_issue_10(
    ended_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a signed-in reporter whose session ends (another tab signs out or leaves at once,
    # or the purge runs) just after this request read it and before it slid its expiry
    token, _session = services.reporter_session_start(receipt=submit()["receipt"])
    real_unwrap = envelope.session_unwrap

    def unwrap_then_end(**kwargs: Any) -> Any:
        if ended_by == "purge":
            ReporterSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
            services.reporter_sessions_purge()
        else:
            # Quick exit and sign-out end the session the same way.
            services.reporter_session_end(token)
        return real_unwrap(**kwargs)

    monkeypatch.setattr(envelope, "session_unwrap", unwrap_then_end)

    # When the request resolves it, then it is signed out: no access, nothing recreated
    assert services.reporter_session_resolve(token) is None
    assert not ReporterSession.objects.exists()

    # And through the API the same race is a 401 the contract documents
    token, _session = services.reporter_session_start(receipt=submit()["receipt"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = client.post(
        "/api/v1/reporter/consents", {"action": "mediation", "granted": True}, format="json"
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "not_authenticated"
