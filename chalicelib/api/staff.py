"""Staff routes: the prioritised queue, the case view, and handling a case (claim, release, hand over, close).
Every read or change is written to the access log first (by the services)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import (
    CaseDetail,
    CaseSummary,
    CloseCase,
    HandOver,
    Queue,
    QueueEntry,
    StaffCase,
    TimelineEntry,
)
from chalicelib.api.openapi import operation
from chalicelib.domain.model import Case, Principal

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
    entries = [_entry(c, now) for c in cases]
    return http.respond(Queue(unit_id=unit_id, cases=entries, counts=dict(Counter(c.priority or "-" for c in cases))))


def _entry(case: Case, now: datetime) -> QueueEntry:
    deadline = case.deadline
    return QueueEntry(
        **CaseSummary.of(case).model_dump(),
        waiting_seconds=max(0, int((now - case.submitted_at).total_seconds())),
        deadline=deadline,
        seconds_left=None if deadline is None else int((deadline - now).total_seconds()),
    )


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
    return http.respond(_staff_case(who, case))


def _staff_case(who: Principal, case: Case) -> StaffCase:
    timeline = [TimelineEntry.model_validate(t) for t in bootstrap.container().cases.timeline(who, case)]
    return StaffCase(
        **CaseDetail.of(case).model_dump(),
        claimed_by=case.claimed_by,
        claimed_at=case.claimed_at,
        handed_by=case.handed_by,
        closed_at=case.closed_at,
        closed_by=case.closed_by,
        close_outcome=case.close_outcome,
        close_summary=case.close_summary,
        message_count=case.message_seq,
        timeline=timeline,
    )


# Handling a case. Each is idempotent: a retry finds the change made and gets the case as it is (claiming one's own
# case, releasing a case that is already queued, a hand-over the colleague already holds, closing again with the
# same outcome and summary); a change that conflicts with the case's state is 409 with a message to act on.


@operation(
    bp,
    "/staff/cases/{case_id}/claim",
    "POST",
    summary="Take the case (Ta ärende); of simultaneous claims exactly one wins, the others get 409",
    tag="staff",
    access=Access.STAFF,
    response=StaffCase,
    errors=(403, 404, 409),
)
def claim_case(case_id: str) -> Response:
    who = http.who()
    return http.respond(_staff_case(who, bootstrap.container().handling.claim(who, case_id)))


@operation(
    bp,
    "/staff/cases/{case_id}/release",
    "POST",
    summary="Put the case back in the queue at its place (Lägg tillbaka); only the claimer",
    tag="staff",
    access=Access.STAFF,
    response=StaffCase,
    errors=(403, 404, 409),
)
def release_case(case_id: str) -> Response:
    who = http.who()
    return http.respond(_staff_case(who, bootstrap.container().handling.release(who, case_id)))


@operation(
    bp,
    "/staff/cases/{case_id}/hand-over",
    "POST",
    summary="Hand the case to a colleague with its profession at its unit (Lämna över); only the claimer",
    tag="staff",
    access=Access.STAFF,
    request=HandOver,
    response=StaffCase,
    errors=(403, 404, 409),
)
def hand_over_case(case_id: str) -> Response:
    who = http.who()
    body = http.parse_body(HandOver, bp.current_request)
    return http.respond(_staff_case(who, bootstrap.container().handling.hand_over(who, case_id, body.to_hsa_id)))


@operation(
    bp,
    "/staff/cases/{case_id}/close",
    "POST",
    summary="Close the case with an outcome and a summary for the medical record (Avsluta); only the claimer",
    tag="staff",
    access=Access.STAFF,
    request=CloseCase,
    response=StaffCase,
    errors=(403, 404, 409),
)
def close_case(case_id: str) -> Response:
    who = http.who()
    body = http.parse_body(CloseCase, bp.current_request)
    case = bootstrap.container().handling.close(who, case_id, outcome=body.outcome, summary=body.summary)
    return http.respond(_staff_case(who, case))
