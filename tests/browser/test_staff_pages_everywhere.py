"""Every staff and dashboard page, as each role sees it, in English and in Arabic: axe finds no
WCAG 2.1 A/AA violation with JavaScript on and off, and no page scrolls sideways at 320 CSS px
or at 200% zoom of a 1280 px window (issue 13, item 4). A wide table may scroll inside its own
labelled container, which WCAG allows for data tables; the page itself may not.

Each member signs in once (an authenticator code is accepted once); the other views of their
pages reuse that session's cookie in new browser profiles."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Route

from accounts.models import Role
from accounts.services import staff_user_provision
from cases.models import Case
from cases.services.referring import case_refer
from cases.services.transitions import case_transition
from referrals.models import ServiceEntry
from stats.services import release_due
from tests.browser.accessibility import axe_violations
from tests.browser.conftest import AppServer
from tests.browser.journeys import PASSWORD, staff_sign_in
from tests.helpers.reporter import WORKFLOW_CONSENTS, submit
from tests.helpers.stats import file_mixed_reports
from tests.helpers.stats import file_report as file_stats_report

VIEWS = ((1280, 1), (320, 2), (640, 2))


def _member(role: str, username: str, entity: Any) -> Any:
    user, totp_secret = staff_user_provision(
        username=username,
        role=role,
        entity=None if role == Role.ADMIN else entity,
        password=PASSWORD,
    )
    user.totp_secret = totp_secret  # type: ignore[attr-defined]
    return user


def _refuse(route: Route) -> None:
    route.abort()


def _pages_of(role: str, case: Case, entry: ServiceEntry) -> list[str]:
    case_page = f"/staff/cases/{case.pk}/"
    pages: dict[str, list[str]] = {
        Role.FOCAL_POINT: ["/staff/", case_page, "/staff/settings/", "/staff/conflicts/"],
        Role.OMBUDSPERSON: ["/staff/", case_page, "/staff/settings/"],
        Role.VICTIMS_RIGHTS_ADVOCATE: ["/staff/", case_page, "/staff/settings/"],
        # The transparency page has its own journey (tests/browser/test_leadership.py): with no
        # year released here it would only say so.
        Role.LEADERSHIP: ["/dashboard/", "/staff/settings/"],
        Role.ADMIN: [
            "/staff/admin/",
            "/staff/admin/entities/",
            "/staff/admin/entities/UNW/",
            "/staff/admin/entities/UNW/services/",
            f"/staff/admin/services/{entry.pk}/",
            "/staff/admin/staff/focal.point/departure/",
            "/staff/settings/",
        ],
    }
    return pages[role]


@dataclass
class Seen:
    """What the pages showed: axe's findings at full width, sideways scrolling when narrow."""

    violations: dict[str, list[str]] = field(default_factory=dict)
    sideways: dict[str, int] = field(default_factory=dict)
    report: dict[str, dict[str, int]] = field(default_factory=dict)

    def check(
        self, page: Page, url: str, where: str, code: str, *, width: int, javascript: bool
    ) -> None:
        answer = page.goto(url)
        assert answer is not None, where
        assert answer.status == 200, where
        assert page.locator("html").get_attribute("lang") == code, where
        if width == 1280:
            found = axe_violations(page)
            key = f"{where} {'js' if javascript else 'no-js'}"
            self.report[key] = {"violations": len(found)}
            if found:
                self.violations[key] = found
        elif _sideways(page) > 0:
            self.sideways[f"{where} at {width}px"] = _sideways(page)


def _sideways(page: Page) -> int:
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def test_every_staff_and_dashboard_page_in_english_and_arabic(
    browser: Browser, app_server: AppServer, browser_entity: Any, browser_focal_point: Any
) -> None:
    # A case referred to the ombudsperson, followed by the advocate the reporter brought in.
    ombudsperson = _member(Role.OMBUDSPERSON, "ombuds.person", browser_entity)
    entry = ServiceEntry.objects.create(
        entity=browser_entity, kind="ombudsperson", name="Ombudsperson", staff_user=ombudsperson
    )
    submit(
        consents={**WORKFLOW_CONSENTS, "victims_rights_advocate": True},
        route="informal",
        informal_channel="ombudsperson",
    )
    case = Case.objects.get()
    case_transition(case_id=case.pk, name="acknowledge", actor=browser_focal_point)
    case_refer(case=case, actor=browser_focal_point, service="ombudsperson")
    members = [
        browser_focal_point,
        ombudsperson,
        _member(Role.VICTIMS_RIGHTS_ADVOCATE, "the.advocate", browser_entity),
        _member(Role.LEADERSHIP, "the.leader", browser_entity),
        _member(Role.ADMIN, "the.admin", browser_entity),
    ]
    seen = Seen()
    for member in members:
        signing_in = browser.new_context(base_url=app_server.url)
        staff_sign_in(signing_in.new_page(), member)
        session = signing_in.storage_state()
        signing_in.close()
        for code, prefix in (("en", ""), ("ar", "/ar")):
            for width, scale in VIEWS:
                for javascript in (True, False) if width == 1280 else (True,):
                    context = browser.new_context(
                        base_url=app_server.url,
                        storage_state=session,
                        viewport={"width": width, "height": 900},
                        device_scale_factor=scale,
                    )
                    context.set_default_timeout(15_000)
                    if not javascript:
                        context.route("**/*.js", _refuse)
                    page = context.new_page()
                    for path in _pages_of(member.role, case, entry):
                        seen.check(
                            page,
                            f"{prefix}{path}",
                            f"{member.role} {code} {path}",
                            code,
                            width=width,
                            javascript=javascript,
                        )
                    context.close()
    violations, sideways, report = seen.violations, seen.sideways, seen.report
    target = os.environ.get("UPSTANDER_AXE_STAFF_REPORT")
    if target:
        Path(target).write_text(json.dumps(report, indent=1), encoding="utf-8")
    assert violations == {}
    assert sideways == {}
    assert len(report) == 2 * 2 * sum(len(_pages_of(m.role, case, entry)) for m in members)


def test_the_dashboard_and_the_transparency_report_with_their_figures_in_english_and_arabic(
    browser: Browser, app_server: AppServer, browser_entity: Any
) -> None:
    # Figures to show: 37 reports over two released quarters, some of them withheld.
    for _ in range(5):
        file_stats_report(browser_entity, quarter="2026Q2")
    file_mixed_reports(browser_entity, quarter="2026Q3")
    release_due()
    leader = _member(Role.LEADERSHIP, "the.leader", browser_entity)
    signing_in = browser.new_context(base_url=app_server.url)
    staff_sign_in(signing_in.new_page(), leader)
    session = signing_in.storage_state()
    signing_in.close()
    seen = Seen()
    for code, prefix in (("en", ""), ("ar", "/ar")):
        for width, scale in VIEWS:
            for javascript in (True, False) if width == 1280 else (True,):
                context = browser.new_context(
                    base_url=app_server.url,
                    storage_state=session,
                    viewport={"width": width, "height": 900},
                    device_scale_factor=scale,
                )
                context.set_default_timeout(15_000)
                if not javascript:
                    context.route("**/*.js", _refuse)
                page = context.new_page()
                for path in ("/dashboard/", "/transparency/?year=2026"):
                    seen.check(
                        page,
                        f"{prefix}{path}",
                        f"leadership {code} {path}",
                        code,
                        width=width,
                        javascript=javascript,
                    )
                context.close()
    assert seen.violations == {}
    assert seen.sideways == {}
    assert len(seen.report) == 2 * 2 * 2


def test_the_pages_before_signing_in_in_english_and_arabic(
    browser: Browser, app_server: AppServer, browser_entity: Any
) -> None:
    seen = Seen()
    for code, prefix in (("en", ""), ("ar", "/ar")):
        for width, scale in VIEWS:
            for javascript in (True, False) if width == 1280 else (True,):
                context = browser.new_context(
                    base_url=app_server.url,
                    viewport={"width": width, "height": 900},
                    device_scale_factor=scale,
                )
                context.set_default_timeout(15_000)
                if not javascript:
                    context.route("**/*.js", _refuse)
                page = context.new_page()
                # The sign-in page, and the page an emailed invitation opens.
                for path in ("/staff/login/", "/staff/enrol/?token=from-the-email"):
                    seen.check(
                        page,
                        f"{prefix}{path}",
                        f"anyone {code} {path}",
                        code,
                        width=width,
                        javascript=javascript,
                    )
                context.close()
    assert seen.violations == {}
    assert seen.sideways == {}
    assert len(seen.report) == 2 * 2 * 2
