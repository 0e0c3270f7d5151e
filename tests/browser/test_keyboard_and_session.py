"""Keyboard and phone behaviour, and the portal's idle limit (issue 7, item 4)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from reports.models import Message
from tests.browser.conftest import NeutralSite
from tests.browser.journeys import file_report, open_portal
from tests.helpers.reporter import expire_reporter_sessions

NARRATIVE = "He kept touching my shoulder in meetings."
DRAFT = "I remembered something else: he also sent messages at night."


def _heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text().strip()


def test_enter_in_any_field_moves_forward_never_back(phone: Page, browser_entity: Any) -> None:
    phone.goto("/report/")
    phone.get_by_label("It happened to me").check()
    phone.get_by_label("Which organisation should receive it?").select_option("UNW")
    # A phone keyboard's Go is Enter in the field that has the focus.
    phone.get_by_label("It happened to me").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("What happened")

    phone.get_by_label("Physical (unwanted touching)").check()
    phone.get_by_label("What happened?").fill("He would not let me leave the room.")
    phone.get_by_label("Physical (unwanted touching)").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your identity")

    phone.get_by_label("Yes, confidentially").check()
    phone.get_by_role("textbox", name="Your name").fill("Amina")
    phone.get_by_label("A safe phone number (optional)").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("What happens next")

    # Enter in a field of a step that is not complete stays on that step with the errors
    # shown: it still never goes back.
    routes = phone.get_by_role("group", name="What would you like to happen?")
    routes.get_by_label("Support only").press("Enter")
    assert _heading(phone) == "What happens next"

    routes = phone.get_by_role("group", name="What would you like to happen?")
    routes.get_by_label("Formal complaint and investigation").check()
    routes.get_by_label("Formal complaint and investigation").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your consent")
    phone.get_by_role("group", name="A focal point reviews my report").get_by_label("Yes").press(
        "Enter"
    )
    expect(phone.get_by_role("heading", level=1)).to_have_text("What else you may allow")
    phone.get_by_role("group", name="My name is shared").get_by_label("No").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("The person responsible")
    phone.get_by_label("Name of the person responsible (optional)").fill("A. Person")
    phone.get_by_label("Name of the person responsible (optional)").press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your answers")


@pytest.mark.parametrize("javascript", ["js"], indirect=True)
def test_escape_in_a_text_field_a_select_or_during_composition_does_not_quick_exit(
    phone: Page, browser_entity: Any, neutral_site: NeutralSite
) -> None:
    neutral_site.requests.clear()
    phone.goto("/report/")
    select = phone.get_by_label("Which organisation should receive it?")
    select.focus()
    select.press("Escape")
    phone.get_by_role("button", name="Continue").click()  # errors, but a text field follows
    phone.goto("/access/")
    receipt_field = phone.get_by_label("Your receipt")
    receipt_field.fill("ABCD")
    receipt_field.press("Escape")
    # An input method composing a character: its Escape cancels the composition only.
    phone.locator("h1").evaluate(
        "h => h.dispatchEvent(new KeyboardEvent('keydown',"
        " {key: 'Escape', isComposing: true, bubbles: true}))"
    )
    phone.locator("h1").evaluate(
        "h => h.dispatchEvent(new KeyboardEvent('keydown',"
        " {key: 'Escape', keyCode: 229, bubbles: true}))"
    )
    phone.wait_for_timeout(300)
    assert re.search(r"/access/$", phone.url)
    assert not [r for r in neutral_site.requests if r["path"] == "/weather"]

    # The deliberate gesture, which the page names: Escape outside any field.
    expect(phone.get_by_text("press Esc when you are not typing in a field")).to_be_visible()
    phone.locator("h1").click()
    phone.keyboard.press("Escape")
    expect(phone).to_have_url(neutral_site.url)


@pytest.mark.parametrize("javascript", ["no-js"], indirect=True)
def test_without_javascript_the_page_promises_no_keyboard_gesture(
    phone: Page, browser_entity: Any
) -> None:
    phone.goto("/access/")
    expect(phone.get_by_role("link", name="Quick exit")).to_be_visible()
    expect(phone.get_by_text("press Esc when you are not typing in a field")).to_be_hidden()
    phone.keyboard.press("Escape")
    assert re.search(r"/access/$", phone.url)


def portal_on_a_fake_clock(phone: Page) -> tuple[str, list[str]]:
    """A report filed, then its portal opened on the page's fake clock (``phone.clock``);
    returns the receipt and the list the page's navigations are recorded in from then on."""
    receipt = file_report(phone, narrative=NARRATIVE)
    phone.clock.install()
    open_portal(phone, receipt)
    navigations: list[str] = []
    phone.on("framenavigated", lambda frame: navigations.append(frame.url))
    return receipt, navigations


@pytest.mark.parametrize("javascript", ["js"], indirect=True)
def test_the_portal_warns_before_the_idle_limit_and_lets_the_reporter_stay(
    phone: Page, browser_entity: Any
) -> None:
    _receipt, navigations = portal_on_a_fake_clock(phone)
    warning = phone.get_by_role("alertdialog")
    expect(warning).to_be_hidden()

    phone.clock.run_for(int(timedelta(minutes=12, seconds=50).total_seconds() * 1000))
    expect(warning).to_be_hidden()
    phone.clock.run_for(20_000)
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("will close in 2 minutes unless you stay")

    phone.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    # The session was extended on the server: a whole new idle period passes without a warning.
    phone.clock.run_for(int(timedelta(minutes=12, seconds=50).total_seconds() * 1000))
    expect(warning).to_be_hidden()
    assert navigations == []
    expect(phone.get_by_text(NARRATIVE)).to_be_visible()


@pytest.mark.parametrize("javascript", ["js"], indirect=True)
def test_typing_counts_as_activity_and_a_message_being_written_survives_the_idle_limit(
    phone: Page, browser_entity: Any
) -> None:
    receipt, navigations = portal_on_a_fake_clock(phone)
    box = phone.get_by_label("Write to the focal point")

    # Typing, on and off, for twenty minutes: the page never closes or reloads.
    for _minute in range(20):
        phone.clock.run_for(60_000)
        box.press_sequentially("a")
    expect(phone.get_by_role("alertdialog")).to_be_hidden()
    assert navigations == []

    box.fill(DRAFT)
    # Then the phone is put down: the report is hidden, the page is not reloaded, and the
    # message is kept.
    phone.clock.run_for(int(timedelta(minutes=16).total_seconds() * 1000))
    expect(phone.get_by_role("heading", name="Your session closed")).to_be_visible()
    expect(phone.get_by_text(NARRATIVE)).to_be_hidden()
    assert navigations == []

    phone.get_by_role("textbox", name="Your receipt").fill(receipt)
    phone.get_by_role("button", name="Open my report").click()
    expect(phone.get_by_label("Write to the focal point")).to_have_value(DRAFT)
    phone.get_by_role("button", name="Send message").click()
    expect(phone.get_by_text("Your message was sent.")).to_be_visible()
    assert Message.objects.count() == 1


@pytest.mark.parametrize("javascript", ["no-js"], indirect=True)
def test_without_javascript_a_message_sent_after_the_session_ended_is_kept_for_sign_in(
    phone: Page, browser_entity: Any
) -> None:
    receipt = file_report(phone, narrative=NARRATIVE)
    open_portal(phone, receipt)
    phone.get_by_label("Write to the focal point").fill(DRAFT)
    # Fifteen minutes pass on the server without a request.
    expire_reporter_sessions()

    phone.get_by_role("button", name="Send message").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Follow your report")
    expect(phone.get_by_text("Your message was not sent yet")).to_be_visible()
    assert Message.objects.count() == 0
    phone.get_by_label("Your receipt").fill(receipt)
    phone.get_by_role("button", name="Open my report").click()
    expect(phone.get_by_label("Write to the focal point")).to_have_value(DRAFT)
    phone.get_by_role("button", name="Send message").click()
    expect(phone.get_by_text("Your message was sent.")).to_be_visible()
    assert Message.objects.count() == 1
