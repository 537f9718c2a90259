"""The citizen's routes: submit a case and follow it."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import CaseList, CaseSummary, Child, Children, CitizenCase, SubmitCase
from chalicelib.api.openapi import operation

bp = Blueprint(__name__)


@operation(
    bp,
    "/citizen/cases",
    "POST",
    summary="Submit a new case",
    tag="citizen",
    access=Access.CITIZEN,
    request=SubmitCase,
    response=CitizenCase,
    status=201,
    idempotency_key=True,
    errors=(403, 409, 413),
)
def submit_case() -> Response:
    request = bp.current_request
    who = http.who()
    body = http.parse_body(SubmitCase, request)
    case = bootstrap.container().cases.submit(
        who,
        unit_id=body.unit_id,
        reason=body.reason,
        free_text=body.free_text,
        idempotency_key=http.idempotency_key(request),
        for_child=body.for_child,
    )
    return http.respond(CitizenCase.of(case), status=201)


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
    return http.respond(CitizenCase.of(bootstrap.container().cases.get(who, case_id)))


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
