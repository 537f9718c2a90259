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
    Localized,
    WaitingRoom,
)
from chalicelib.api.openapi import operation

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
