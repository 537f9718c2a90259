"""The citizen's routes: submit a case and follow it."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import (
    CaseList,
    CaseSummary,
    Child,
    Children,
    CitizenCase,
    EmergencyDepartment,
    EmergencyDepartments,
    Listing,
    Localized,
    WaitingRoom,
)
from chalicelib.api.openapi import operation
from chalicelib.domain.errors import NotFound

bp = Blueprint(__name__)


@operation(
    bp,
    "/citizen/cases",
    "GET",
    summary="My cases",
    tag="citizen",
    access=Access.CITIZEN,
    response=CaseList,
    errors=(403,),
)
def my_cases() -> Response:
    who = http.who()
    cases = bootstrap.container().cases.mine(who)
    return http.respond(CaseList(cases=[CaseSummary.of(c) for c in cases]))


@operation(
    bp,
    "/citizen/cases/{case_id}",
    "GET",
    summary="One of my cases",
    tag="citizen",
    access=Access.CITIZEN,
    response=CitizenCase,
    errors=(403, 404),
)
def my_case(case_id: str) -> Response:
    who = http.who()
    cases = bootstrap.container().cases
    case = cases.get(who, case_id)
    return http.respond(CitizenCase.of(case, who, cases.citizen_timeline(who, case)))


@operation(
    bp,
    "/citizen/cases/{case_id}/contact",
    "POST",
    summary="Jag vill ändå ha kontakt: after self-care advice, join the queue (P5 Avvakta, a nurse's chat)",
    tag="citizen",
    access=Access.CITIZEN,
    response=CitizenCase,
    idempotency_key=True,
    errors=(403, 404, 409),
)
def contact_anyway(case_id: str) -> Response:
    request = bp.current_request
    who = http.who()
    cases = bootstrap.container().cases
    case = cases.contact_anyway(who, case_id, idempotency_key=http.idempotency_key(request))
    return http.respond(CitizenCase.of(case, who, cases.citizen_timeline(who, case)))


@operation(
    bp,
    "/citizen/cases/{case_id}/waiting",
    "GET",
    summary="The waiting room: place in the queue and the estimated time to first contact",
    tag="citizen",
    access=Access.CITIZEN,
    response=WaitingRoom,
    errors=(403, 404),
)
def waiting_room(case_id: str) -> Response:
    waiting = bootstrap.container().cases.waiting(http.who(), case_id)
    return http.respond(
        WaitingRoom(
            status=waiting.status,
            position=waiting.position,
            ahead=waiting.ahead,
            estimated_minutes=waiting.estimated_minutes,
            basis=waiting.basis,
        )
    )


@operation(
    bp,
    "/emergency-departments",
    "GET",
    summary="The region's akutmottagningar (emergency departments)",
    tag="public",
    access=Access.PUBLIC,
    response=EmergencyDepartments,
)
def emergency_departments() -> Response:
    region = bootstrap.container().directory.region(bootstrap.settings().tenant)
    return http.respond(
        EmergencyDepartments(
            departments=[
                EmergencyDepartment(
                    name=str(d["name"]),
                    address=str(d.get("address", "")),
                    phone=str(d.get("phone", "")),
                    hours=Localized(**(d.get("hours") or {"sv": "", "en": ""})),
                )
                for d in region.get("emergency_departments", [])
            ]
        )
    )


@operation(
    bp,
    "/citizen/children",
    "GET",
    summary="Children I may act for (vårdnadshavare)",
    tag="citizen",
    access=Access.CITIZEN,
    response=Children,
)
def my_children() -> Response:
    wards = http.who().wards
    return http.respond(Children(children=[Child(child_id=w.ref, name=w.name, birth_date=w.birth_date) for w in wards]))


@operation(
    bp,
    "/citizen/listing",
    "GET",
    summary="The health centre I (or a child I act for) am listed at, as the listing register said when I logged in",
    tag="citizen",
    access=Access.CITIZEN,
    response=Listing,
    errors=(404,),
    query=(("for_child", "a child's id from GET /citizen/children", False),),
)
def my_listing() -> Response:
    who = http.who()
    params: dict[str, str] = dict(bp.current_request.query_params or {})
    child = params.get("for_child")
    if child is not None and who.ward(child) is None:
        raise NotFound("There is no such child among those you may act for.")
    unit_id = who.listed_unit_of(child or who.subject)
    unit = bootstrap.container().directory.unit(who.tenant, unit_id) if unit_id else None
    if unit is None:  # not listed, or listed at a unit that is not in Nära
        return http.respond(Listing(unit_id=None, unit_name=None))
    return http.respond(Listing(unit_id=str(unit["unit_id"]), unit_name=str(unit.get("name") or unit["unit_id"])))
