"""Staff routes: the prioritised queue and the case view (every read is written to the access log first)."""

from __future__ import annotations

from collections import Counter

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import CaseDetail, CaseSummary, Queue, QueueEntry, StaffCase, TimelineEntry
from chalicelib.api.openapi import operation

bp = Blueprint(__name__)


@operation(
    bp,
    "/staff/queue",
    "GET",
    summary="The queue of a unit, most urgent first",
    tag="staff",
    access=Access.STAFF,
    response=Queue,
    errors=(403, 404),
    query=(("unit_id", "the unit whose queue to show", True), ("profession", "only this profession's cases", False)),
)
def queue() -> Response:
    request = bp.current_request
    who = http.who()
    unit_id = http.query(request, "unit_id") or ""
    cases = bootstrap.container().cases.queue(who, unit_id, http.query(request, "profession"))
    now = bootstrap.utc_now()
    entries = [
        QueueEntry(
            **CaseSummary.of(c).model_dump(),
            waiting_seconds=max(0, int((now - c.submitted_at).total_seconds())),
        )
        for c in cases
    ]
    return http.respond(Queue(unit_id=unit_id, cases=entries, counts=dict(Counter(c.priority or "-" for c in cases))))


@operation(
    bp,
    "/staff/cases/{case_id}",
    "GET",
    summary="Open a case (logged in the access log)",
    tag="staff",
    access=Access.STAFF,
    response=StaffCase,
    errors=(403, 404),
)
def open_case(case_id: str) -> Response:
    who = http.who()
    services = bootstrap.container()
    case = services.cases.get(who, case_id)  # writes the access record before returning data
    timeline = [TimelineEntry.model_validate(t) for t in services.cases.timeline(who, case)]
    view = StaffCase(
        **CaseDetail.of(case).model_dump(),
        claimed_by=case.claimed_by,
        message_count=case.message_seq,
        timeline=timeline,
    )
    return http.respond(view)
