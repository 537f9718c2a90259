"""The routing simulator and overview for the region's administrators (issue 11): where a case would land, by which
rule and why, decided by the same ``route`` function as live cases (``services/routing.py``), so a region can check
its rules before go-live and after every change; and the rules with every unit's professions, capacity and queue now.

Both read no patient data (the units, the rules, and how many cases wait: counts only) and write nothing: no access
record, no Idempotency-Key. Like the rest of the region's administration, everyone else gets 403 (docs/operations.md,
"The routing simulator").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response
from pydantic import ValidationError

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import (
    RoutingFallbackView,
    RoutingOverview,
    RoutingRulesView,
    RoutingSimulated,
    RoutingSimulation,
    RoutingUnitView,
)
from chalicelib.api.openapi import operation
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.routing import PROFESSION_NAMES, Entry

if TYPE_CHECKING:
    from chalicelib.domain.principal import Principal
    from chalicelib.domain.routing import RoutingRules

bp = Blueprint(__name__)

LINK_VIAS = ("unit_link", "app")
# pydantic's kinds of error for a time that is not an ISO datetime with its offset
_NOT_AN_AWARE_TIME = {
    "timezone_aware", "datetime_parsing", "datetime_from_date_parsing", "datetime_type", "value_error", "missing"
}  # fmt: skip


def _rules_view(rules: RoutingRules) -> RoutingRulesView:
    return RoutingRulesView(
        fallbacks=[
            RoutingFallbackView(unit_id=f.unit_id, professions=sorted(f.professions), priorities=sorted(f.priorities))
            for f in rules.fallbacks
        ],
        p5_pool=rules.p5_pool,
        after_hours=rules.after_hours,
        jourcentral=rules.jourcentral,
    )


def _require_region_admin() -> Principal:
    who = http.who()
    bootstrap.container().region_admin.require(who)  # 403 for everyone else, before the body is read
    return who


def _parse() -> RoutingSimulation:
    try:
        return http.parse_body(RoutingSimulation, bp.current_request)
    except ValidationError as error:
        first = error.errors()[0]
        if tuple(first.get("loc", ())) == ("at",) and first["type"] in _NOT_AN_AWARE_TIME:
            raise ValidationFailed(
                "at: give the date and time in ISO 8601 with its offset from UTC, e.g. 2025-03-15T22:00:00+01:00 "
                "(Swedish winter time) or 2025-07-15T22:00:00+02:00 (summer time).",
                field="at",
                message_sv="Ange datum och tid med tidszon, till exempel 2025-03-15T22:00:00+01:00 (vintertid) eller "
                "2025-07-15T22:00:00+02:00 (sommartid).",
            ) from None
        raise


def _check(body: RoutingSimulation, units: Mapping[str, Mapping[str, Any]]) -> None:
    """What the live entry could never be, refused naming the field: the units must be the region's, a region-wide
    entry names no unit, a profession comes only with a unit's link and must be offered there."""
    entry = body.entry
    if entry.via == "region" and entry.unit_id is not None:
        raise ValidationFailed(
            "entry.unit_id: the region-wide entry names no unit; leave it out, or choose how the citizen came by it.",
            field="entry.unit_id",
            message_sv="Ingång via regionen har ingen mottagning. Ta bort mottagningen eller välj en annan ingång.",
        )
    if entry.via != "region" and entry.unit_id is None:
        raise ValidationFailed(
            f"entry.unit_id: an entry via {entry.via} names its unit; give unit_id.",
            field="entry.unit_id",
            message_sv="Välj mottagningen för den ingången.",
        )
    if entry.unit_id is not None and entry.unit_id not in units:
        raise ValidationFailed(
            f"entry.unit_id: there is no unit {entry.unit_id!r} in this region.",
            field="entry.unit_id",
            message_sv="Mottagningen finns inte i regionen.",
        )
    if entry.profession is not None:
        if entry.via not in LINK_VIAS:
            raise ValidationFailed(
                "entry.profession: a profession comes only with a unit's link (via unit_link or app).",
                field="entry.profession",
                message_sv="En yrkesgrupp hör bara till en mottagnings länk (länk eller app).",
            )
        unit = units[str(entry.unit_id)]
        if entry.profession not in (unit.get("professions") or ()):
            name = unit.get("name") or entry.unit_id
            said = PROFESSION_NAMES[entry.profession]
            raise ValidationFailed(
                f"entry.profession: {name} offers no {said.en}, so no link of it names one.",
                field="entry.profession",
                message_sv=f"{name} har ingen {said.sv}, så ingen länk dit kan ha den yrkesgruppen.",
            )
    if body.listed_unit_id is not None and body.listed_unit_id not in units:
        raise ValidationFailed(
            f"listed_unit_id: there is no unit {body.listed_unit_id!r} in this region.",
            field="listed_unit_id",
            message_sv="Listningsenheten finns inte i regionen.",
        )
    unknown = [u for u in body.full_units if u not in units]
    if unknown:
        raise ValidationFailed(
            f"full_units: there is no unit {unknown[0]!r} in this region.",
            field="full_units",
            message_sv="En av mottagningarna som ska räknas som full finns inte i regionen.",
        )
    if body.outcome.priority is None and body.outcome.disposition != "self_care":
        raise ValidationFailed(
            "outcome.priority: give the priority (P1–P5) of an outcome that is not self-care.",
            field="outcome.priority",
            message_sv="Välj prioritet (P1–P5) för ett utfall som inte är egenvård.",
        )


@operation(
    bp,
    "/staff/region/routing",
    "GET",
    summary="The region's routing rules, and each unit's professions, capacity and how many cases wait now per "
    "profession (counts only; the region's administrators)",
    tag="administration",
    access=Access.STAFF,
    response=RoutingOverview,
    errors=(403,),
)
def get_region_routing() -> Response:
    who = _require_region_admin()
    routing = bootstrap.container().routing
    units = [
        RoutingUnitView(
            unit_id=u.unit_id,
            name=u.name,
            professions=sorted(u.professions),
            capacity=dict(u.capacity),
            waiting=dict(u.waiting),
            opening_hours=dict(u.opening_hours or {}),
        )
        for u in routing.units(who.tenant)
    ]
    return http.respond(RoutingOverview(rules=_rules_view(routing.rules(who.tenant)), units=units))


@operation(
    bp,
    "/staff/region/routing/simulate",
    "POST",
    summary="The routing simulator: where a case with this entry, listed unit, time and triage outcome would land, "
    "by which rule and why, with every alternative considered — the same routing as live cases. Reads no patient "
    "data and writes nothing, so no Idempotency-Key (the region's administrators)",
    tag="administration",
    access=Access.STAFF,
    request=RoutingSimulation,
    response=RoutingSimulated,
    errors=(403, 422),
)
def simulate_routing() -> Response:
    who = _require_region_admin()
    body = _parse()
    container = bootstrap.container()
    _check(body, {u["unit_id"]: u for u in container.directory.units(who.tenant)})
    routing = container.routing
    decision = routing.simulate(
        who,
        entry=Entry(body.entry.via, unit_id=body.entry.unit_id, profession=body.entry.profession),
        listed_unit_id=body.listed_unit_id,
        at=body.at,
        disposition=body.outcome.disposition,
        priority=body.outcome.priority,
        profession=body.outcome.profession,
        full_units=body.full_units,
    )
    outcome = decision.outcome
    answer = RoutingSimulated(
        **decision.as_record(),
        priority=outcome.priority.value if outcome.priority is not None else None,
        deadline=outcome.deadline,
        rules=_rules_view(routing.rules(who.tenant)),
    )
    return http.respond(answer)
