"""Which consents each route needs to go ahead, read from the rules that enforce them.

The intake asks only these (issue 11): the gates of the case steps a route leads to
(``cases.transitions``) and the consent a support referral needs (``referrals.services``), so
the questions and the checks cannot drift apart.
"""

from __future__ import annotations

from cases.transitions import CHANNEL_CONSENTS, TRANSITIONS
from referrals.models import ServiceKind
from referrals.services import REFERRAL_CONSENTS
from reports.vocabulary import ConsentAction, InformalChannel, Route

# The case step each route leads to; its consent gate says what the route needs.
_ROUTE_STEP = {Route.FORMAL: "open_investigation", Route.INFORMAL: "start_informal"}
# Consents a route may use once under way, asked after the ones it needs.
_ROUTE_MAY_USE: dict[str, tuple[ConsentAction, ...]] = {
    Route.FORMAL: (ConsentAction.IDENTITY_DISCLOSURE, ConsentAction.INTERIM_MEASURES),
    Route.INFORMAL: (ConsentAction.IDENTITY_DISCLOSURE, ConsentAction.INTERIM_MEASURES),
    Route.SUPPORT_ONLY: (),
    Route.UNDECIDED: (),
    Route.RECORD_ONLY: (),
}


def route_needs(route: str, channel: str = "") -> list[ConsentAction]:
    """The consents without which the route cannot go ahead; none for a sealed record."""
    if route == Route.RECORD_ONLY:
        return []
    needed = [ConsentAction.CASE_REVIEW]
    if route == Route.INFORMAL and channel in InformalChannel.values:
        needed += [ConsentAction(a) for a in CHANNEL_CONSENTS[channel]]
    elif route in _ROUTE_STEP:
        gate = TRANSITIONS[_ROUTE_STEP[Route(route)]].consent_gate
        needed += [ConsentAction(a) for a in (gate.consents if gate else ())]
    elif route == Route.SUPPORT_ONLY:
        needed += [ConsentAction(a) for a in REFERRAL_CONSENTS[ServiceKind.STAFF_COUNSELLOR]]
    return list(dict.fromkeys(needed))


def route_consents(route: str, channel: str = "") -> list[ConsentAction]:
    """Every consent question of the route: what it needs, what it may use, then statistics."""
    asked = [*route_needs(route, channel), *_ROUTE_MAY_USE.get(route, ()), ConsentAction.STATISTICS]
    return list(dict.fromkeys(asked))


def route_may_use(route: str, channel: str = "") -> list[ConsentAction]:
    """The route's questions beyond what it needs: asked on a screen of their own, so that no
    phone screen carries more than three consent questions (issue 11)."""
    needed = route_needs(route, channel)
    return [action for action in route_consents(route, channel) if action not in needed]


def consents_ever_needed() -> list[ConsentAction]:
    """Every consent some route or channel needs; the others are only ever "may use"."""
    routes = [(route, "") for route in Route.values if route != Route.INFORMAL]
    routes += [(Route.INFORMAL, channel) for channel in InformalChannel.values]
    needed = [action for route, channel in routes for action in route_needs(route, channel)]
    return [action for action in ConsentAction if action in needed]


def consents_missing(route: str, channel: str, consents: dict[str, bool]) -> list[ConsentAction]:
    """What the route needs and was not given, in the order the route needs it."""
    return [action for action in route_needs(route, channel) if not consents.get(action, False)]
