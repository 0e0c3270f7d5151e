"""Schema fuzzing (issue 10): every operation of the generated OpenAPI schema, called in-process
through the WSGI application by anonymous clients, a signed-in reporter and each staff role,
with requests schemathesis generates from the schema (valid ones and invalid ones). No answer
may be a 5xx, and every status must be one the schema documents (``core.openapi``).

The run is bounded and repeatable: a fixed number of examples per operation, derandomised,
without deadlines. Each example runs in a savepoint that is rolled back, with the cache (the
throttling counters) emptied first, so what one fuzzed request writes (a transition, a
withdrawn consent, a sign-out, a counted failure) cannot change what the next one meets.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Role, User
from cases.models import Case, Override, Reassignment
from cases.services.assignment import case_assign
from cases.services.overrides import override_request
from cases.transitions import TRANSITIONS
from portal.services import (
    reporter_attachment_add,
    reporter_session_resolve,
    reporter_session_start,
)
from referrals.models import ServiceKind
from reports.attachments import clean_attachment
from reports.models import Attachment
from tests.conftest import OVERRIDE_JUSTIFICATION
from tests.helpers.reporter import WORKFLOW_CONSENTS, receipt_of
from tests.helpers.staff import staff_token

pytestmark = pytest.mark.django_db

ANONYMOUS, REPORTER = "anonymous", "reporter"
ROLES = (ANONYMOUS, REPORTER, *Role.values)
# Examples per operation: many where the role's own door opens, a few where it should not
# (those are refused before the body is read, so more examples would find nothing new).
OWN_EXAMPLES = 16
FOREIGN_EXAMPLES = 4
# A confidential report whose identity is not to be disclosed and without formal investigation:
# an override of escalate_to_formal can be asked, and a reassignment waits for a second person.
# The advocate follows the case (issue 12), so their own door opens on it too.
FUZZ_CONSENTS = {
    **WORKFLOW_CONSENTS,
    "formal_investigation": False,
    "victims_rights_advocate": True,
}
FUZZ_IDENTITY = {"name": "Amina Example", "email": "amina@example.org", "phone": ""}


@dataclass
class FuzzWorld:
    """What the fuzzed requests can name: a real case of the staff's entity, its pending
    override, its attachment, the staff's usernames; and the token of each role."""

    case: Case
    override: Override
    reassignment: Reassignment | None
    attachment: Attachment
    usernames: list[str]
    tokens: dict[str, str] = field(default_factory=dict)

    def path_values(self) -> dict[str, list[str]]:
        return {
            "case_id": [str(self.case.pk)],
            "override_id": [str(self.override.pk)],
            "reassignment_id": [str(self.reassignment.pk)] if self.reassignment else [],
            "attachment_id": [str(self.attachment.pk)],
            "username": self.usernames,
            "name": list(TRANSITIONS),
        }

    def body_values(self) -> dict[str, list[Any]]:
        """Values of body fields that name something, as they exist here."""
        return {
            "entity": [self.case.report.entity.code],
            "username": self.usernames,
            "departing": self.usernames,
            "successor": self.usernames,
            "transition": list(TRANSITIONS),
            "service": ServiceKind.values,
        }

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role in self.tokens else {}


@pytest.fixture
def fuzz_world(
    make_staff: Any,
    focal_point: User,
    second_focal_point: User,
    admin: User,
    case_in_state: Any,
) -> FuzzWorld:
    case = case_in_state("assessment", consents=FUZZ_CONSENTS, identity=FUZZ_IDENTITY)
    override = override_request(
        case=case,
        actor=focal_point,
        transition_name="escalate_to_formal",
        justification=OVERRIDE_JUSTIFICATION,
    )
    reassignment = case_assign(case=case, actor=focal_point, assignee=second_focal_point)
    token, _session = reporter_session_start(receipt=receipt_of(case))
    access = reporter_session_resolve(token)
    assert access is not None
    attachment = reporter_attachment_add(
        access=access, attachment=clean_attachment("note.txt", b"What I wrote down that night.")
    )
    staff = {Role.FOCAL_POINT: focal_point, Role.ADMIN: admin}
    for role in (
        Role.OMBUDSPERSON,
        Role.INVESTIGATOR,
        Role.LEADERSHIP,
        Role.VICTIMS_RIGHTS_ADVOCATE,
    ):
        staff[role] = make_staff(role)
    world = FuzzWorld(
        case=case,
        override=override,
        reassignment=reassignment,
        attachment=attachment,
        usernames=[focal_point.username, second_focal_point.username, admin.username],
        tokens={REPORTER: token},
    )
    for role, user in staff.items():
        world.tokens[role] = staff_token(user)
    return world


@contextmanager
def requests_in_test_transaction() -> Iterator[WSGIHandler]:
    """The WSGI application, answering inside the test's transaction as Django's test client
    does: a request must not close the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _doors(operation: Any) -> set[str]:
    """Who an operation is meant for: ``anonymous``, ``reporterToken``, ``staffToken``."""
    requirements = operation.definition.raw.get("security", [])
    return {name for requirement in requirements for name in requirement} or {ANONYMOUS}


def _is_own(operation: Any, role: str) -> bool:
    door = {ANONYMOUS: ANONYMOUS, REPORTER: "reporterToken"}.get(role, "staffToken")
    return door in _doors(operation)


def _strategy(operation: Any, world: FuzzWorld) -> st.SearchStrategy[Any]:
    """Requests generated from the schema (valid and invalid), and valid ones naming what
    exists (the case, its override, the entity, a colleague...) so the fuzzing reaches past the
    404 and the first validation."""
    valid = operation.as_strategy(GenerationMode.POSITIVE)
    naming = [valid]
    names = [parameter.name for parameter in operation.path_parameters]
    known = world.path_values()
    if names and all(known.get(name) for name in names):
        naming = [
            operation.as_strategy(
                GenerationMode.POSITIVE, path_parameters=dict(zip(names, values, strict=True))
            )
            for values in itertools.product(*(known[name] for name in names))
        ]
    return st.one_of(
        valid,
        operation.as_strategy(GenerationMode.NEGATIVE),
        *(strategy.flatmap(lambda request: _naming(request, world)) for strategy in naming),
    )


def _naming(request: Any, world: FuzzWorld) -> st.SearchStrategy[Any]:
    """The generated request with its body's naming fields set to what exists."""
    body = request.body
    if not isinstance(body, dict):
        return st.just(request)
    known = {name: values for name, values in world.body_values().items() if name in body}
    if not known:
        return st.just(request)

    def named(values: dict[str, Any]) -> Any:
        request.body = {**body, **values}
        return request

    return st.fixed_dictionaries(
        {name: st.sampled_from(values) for name, values in known.items()}
    ).map(named)


@dataclass
class FuzzRun:
    examples: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _fuzz(operation: Any, *, world: FuzzWorld, role: str, run: FuzzRun) -> None:
    headers = world.headers(role)

    @settings(
        max_examples=OWN_EXAMPLES if _is_own(operation, role) else FOREIGN_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(request=_strategy(operation, world))
    def example(request: Any) -> None:
        run.examples += 1
        cache.clear()
        with transaction.atomic():
            response = request.call(headers=headers)
            transaction.set_rollback(True)
        run.statuses[response.status_code] += 1
        request.validate_response(
            response,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
            headers=headers,
        )

    try:
        example()
    except Exception as failure:  # every operation is fuzzed; all failures are reported
        run.failures.append(f"{operation.label} as {role}: {failure}")


@pytest.mark.parametrize("role", ROLES)
def test_no_fuzzed_request_gets_a_server_error_or_an_undocumented_status_issue_10(
    role: str, fuzz_world: FuzzWorld
) -> None:
    run = FuzzRun()
    with requests_in_test_transaction() as application:
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json",
            application,
            config=schemathesis.Config.from_dict({"generation": {"database": "none"}}),
        )
        results = list(schema.get_all_operations())
        assert all(isinstance(result, Ok) for result in results), results
        operations = [result.ok() for result in results if isinstance(result, Ok)]
        for operation in operations:
            _fuzz(operation, world=fuzz_world, role=role, run=run)
    # The figures of the run, for the record (pytest -s shows them).
    print(
        f"\n{role}: {run.examples} examples over {len(operations)} operations; "
        f"statuses {dict(sorted(run.statuses.items()))}"
    )
    assert len(operations) >= 30, "the schema lost operations"
    assert not run.failures, "\n\n".join(run.failures)
