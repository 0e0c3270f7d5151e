"""Steps a person takes in the browser, shared by the journeys."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.helpers.staff import authenticator_code

RECEIPT_PATTERN = re.compile(r"^[A-Z0-9]{4}(-[A-Z0-9]{4}){4}$")
PASSWORD = "correct horse battery staple"


def file_report(
    page: Page,
    *,
    narrative: str,
    route: str = "Formal complaint and investigation",
    consents: tuple[str, ...] = ("A focal point reviews my report",),
    channel: str = "",
) -> str:
    """From the home page to the receipt; returns the receipt the page shows."""
    page.goto("/")
    page.get_by_role("link", name="Make a report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    page.get_by_label("It happened to me").check()
    page.get_by_label("Which organisation should receive it?").select_option("UNW")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("What happened")
    page.get_by_label("Physical (unwanted touching)").check()
    page.get_by_label("What happened?").fill(narrative)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your identity")
    page.get_by_label("No, stay anonymous").check()
    page.get_by_role("button", name="Continue").click()

    answer_route_step(page, route=route, consents=consents, channel=channel)
    send_checked_report(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your report is safely stored")
    receipt = page.get_by_label("Receipt").inner_text().strip()
    assert RECEIPT_PATTERN.match(receipt), receipt
    return receipt


def answer_route_step(
    page: Page,
    *,
    route: str = "Formal complaint and investigation",
    consents: tuple[str, ...] = ("A focal point reviews my report",),
    channel: str = "",
) -> None:
    """The route, its channel if informal, its consents, then on to the check page."""
    expect(page.get_by_role("heading", level=1)).to_have_text("What happens next")
    page.get_by_role("group", name="What would you like to happen?").get_by_label(route).check()
    page.get_by_role("button", name="Continue").click()
    if channel:
        expect(page.get_by_role("heading", level=1)).to_have_text("How to resolve it informally")
        page.get_by_label(channel).check()
        page.get_by_role("button", name="Continue").click()
    # What the route needs, then what it may use: each consent screen asks at most three.
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile("^(Your consent|What else you may allow)$"))
    for title in ("Your consent", "What else you may allow"):
        if heading.inner_text().strip() != title:
            continue
        for consent in consents:
            group = page.get_by_role("group", name=consent)
            if group.count():
                group.get_by_label("Yes").check()
        page.get_by_role("button", name="Continue").click()
    if page.get_by_role("heading", level=1).inner_text().strip() == "The person responsible":
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")


def send_checked_report(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    page.get_by_role("button", name="Send my report").click()


def open_portal(page: Page, receipt: str) -> None:
    page.goto("/access/")
    page.get_by_label("Your receipt").fill(receipt)
    page.get_by_role("button", name="Open my report").click()
    expect(page).to_have_url(re.compile(r"/my-report/$"))
    # Deferred scripts (the idle timer) have run once the page has loaded.
    page.wait_for_load_state("load")


def staff_sign_in(page: Page, user: object) -> None:
    page.goto("/staff/login/")
    page.get_by_label("Username").fill(user.username)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(
        authenticator_code(user.totp_secret)  # type: ignore[attr-defined]
    )
    page.get_by_role("button", name="Sign in").click()
