"""Staff routes: the prioritised queue, the case view, and handling a case (claim, release, hand over, close).
Every read or change is written to the access log first (by the services)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import (
    CaseDetail,
    CaseEntry,
    CaseSummary,
    CloseCase,
    EarlierCase,
    HandOver,
    MyCases,
    Override,
    PendingReferral,
    Queue,
    QueueEntry,
    Refer,
    RejectReferral,
    RoutingRecord,
    StaffCase,
    TimelineEntry,
)
from chalicelib.api.openapi import operation
from chalicelib.domain import policy
from chalicelib.domain.model import SBAR_FIELDS, Case, Principal, QueuedCase

if TYPE_CHECKING:
    from chalicelib.services.handling import HandlingService

bp = Blueprint(__name__)


@operation(
    bp,
    "/staff/queue",
    "GET",
    summary="The queue of a unit, most urgent first",
    tag="staff",
    access=Access.STAFF,
    response=Queue,
    errors=(403, 404, 422),
    query=(
        ("unit_id", "the unit whose queue to show", True),
        ("profession", "only this profession's cases", False),
        ("cursor", "the next page: next_cursor of the previous page", False),
    ),
)
def queue() -> Response:
    """A page of the queue (QUEUE_PAGE cases, most urgent first), with the counts of the whole queue."""
    request = bp.current_request
    who = http.who()
    unit_id = http.query(request, "unit_id") or ""
    page, cursor = bootstrap.container().cases.queue(
        who, unit_id, http.query(request, "profession"), cursor=http.query(request, "cursor")
    )
    entries = _entries(who, page.cases)
    return http.respond(
        Queue(
            unit_id=unit_id,
            cases=entries,
            counts=page.counts,
            total=page.total,
            next_cursor=cursor,
            escalated=_entries(who, page.overdue_beyond),
        )
    )


@operation(
    bp,
    "/staff/my-cases",
    "GET",
    summary="Mina pågående ärenden: the cases the staff member holds, most urgent first (one Query)",
    tag="staff",
    access=Access.STAFF,
    response=MyCases,
)
def my_cases() -> Response:
    who = http.who()
    held = bootstrap.container().cases.held(who)
    return http.respond(MyCases(cases=_entries(who, [QueuedCase.of(c) for c in held])))


AGE_BANDS = ((2, "0–1"), (6, "2–5"), (13, "6–12"), (18, "13–17"), (40, "18–39"), (65, "40–64"), (80, "65–79"))


def age_band(age: int | None) -> str | None:
    """Staff see an age band in the queue, not the birth date."""
    if age is None:
        return None
    return next((band for below, band in AGE_BANDS if age < below), "80+")


def _seconds_left(case: Case | QueuedCase, now: datetime) -> int | None:
    deadline = case.deadline
    return None if deadline is None else int((deadline - now).total_seconds())


def _entries(who: Principal, cases: Sequence[QueuedCase]) -> list[QueueEntry]:
    now = bootstrap.utc_now()
    names: dict[str, str] = {}
    if any(c.pending_referral for c in cases):
        names = {
            str(u["unit_id"]): str(u.get("name") or u["unit_id"])
            for u in bootstrap.container().directory.units(who.tenant)
        }
    return [_entry(c, now, names) for c in cases]


def _entry(case: QueuedCase, now: datetime, unit_names: dict[str, str]) -> QueueEntry:
    """What a list shows of one case: built from the queue view of a case, for the queue and Mina pågående alike."""
    pending = case.pending_referral
    referral = None
    if pending is not None:
        from_unit = str(pending["from_unit_id"])
        from_name = unit_names.get(from_unit, from_unit)
        if pending.get("kind") == "region":  # a unit of another region: named as that region sent it
            from_name = f"{pending.get('from_unit_name') or from_unit}, {pending.get('from_region_name') or ''}"
        referral = PendingReferral(
            kind=str(pending.get("kind") or "referral"),
            from_unit_id=from_unit,
            from_unit_name=from_name,
            by_name=str(pending.get("by_name") or pending.get("by") or ""),
            at=datetime.fromisoformat(str(pending["at"])),
        )
    return QueueEntry(
        **CaseSummary.fields_of(case),
        waiting_seconds=max(0, int((now - case.submitted_at).total_seconds())),
        deadline=case.deadline,
        seconds_left=_seconds_left(case, now),
        escalated=case.is_overdue(now),
        age_band=age_band(case.patient_age),
        patient_first_name=case.patient_first_name,
        referral=referral,
        overridden=case.overridden,
        message_count=case.message_seq,
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
    cases = bootstrap.container().cases
    case = cases.get(who, case_id)  # writes the access record before returning data
    return http.respond(_staff_case(who, case, earlier=cases.earlier_cases(who, case)))


def _staff_case(who: Principal, case: Case, *, earlier: Sequence[Case] = ()) -> StaffCase:
    """The case as staff see it. Its timeline is read only while the staff member may still see the case: after a
    referral to another unit the referrer gets the case once, as stored. The patient's earlier cases come only with
    the case view (GET); a handling action answers without them and the page keeps those it has."""
    services = bootstrap.container()
    visible = policy.can_view_case(who, case)
    timeline = [TimelineEntry.model_validate(t) for t in services.cases.timeline(who, case)] if visible else []
    return StaffCase(
        **CaseDetail.of(case).model_dump(),
        version=case.version,
        claimed_by=case.claimed_by,
        claimed_at=case.claimed_at,
        handed_by=case.handed_by,
        closed_at=case.closed_at,
        closed_by=case.closed_by,
        close_outcome=case.close_outcome,
        close_summary=case.close_summary,
        message_count=case.message_seq,
        timeline=timeline,
        patient_name=case.patient_name,
        sent_by_guardian=case.sent_by_guardian,
        age_band=age_band(case.patient_age),
        deadline=case.deadline,
        seconds_left=_seconds_left(case, bootstrap.utc_now()),
        triage_answers=case.triage_answers,
        overrides=case.overrides,
        referrals=case.referrals,
        entry=CaseEntry.model_validate(case.entry) if case.entry else None,
        routing=RoutingRecord.model_validate(case.routing) if case.routing else None,
        earlier_cases=[
            EarlierCase(
                case_id=c.case_id,
                reason=c.reason,
                submitted_at=c.submitted_at,
                status=c.status.value,
                priority=c.priority,
                close_outcome=c.close_outcome,
                closed_at=c.closed_at,
            )
            for c in earlier
        ],
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
    return _handled(lambda who, handling: handling.claim(who, case_id))


def _handled(action: Callable[[Principal, HandlingService], Case]) -> Response:
    """Run one handling action as the authenticated staff member and answer with the case as it now is."""
    who = http.who()
    return http.respond(_staff_case(who, action(who, bootstrap.container().handling)))


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
    return _handled(lambda who, handling: handling.release(who, case_id))


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
    body = http.parse_body(HandOver, bp.current_request)
    return _handled(lambda who, handling: handling.hand_over(who, case_id, body.to_hsa_id))


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
    body = http.parse_body(CloseCase, bp.current_request)
    return _handled(lambda who, handling: handling.close(who, case_id, outcome=body.outcome, summary=body.summary))


@operation(
    bp,
    "/staff/cases/{case_id}/override",
    "POST",
    summary="Change the triage's priority and/or profession with a reason (kept beside the triage's outcome)",
    tag="staff",
    access=Access.STAFF,
    request=Override,
    response=StaffCase,
    errors=(403, 404, 409),
)
def override_case(case_id: str) -> Response:
    body = http.parse_body(Override, bp.current_request)
    return _handled(
        lambda who, handling: handling.override(
            who, case_id, priority=body.priority, profession=body.profession, reason=body.reason
        )
    )


@operation(
    bp,
    "/staff/cases/{case_id}/refer",
    "POST",
    summary="Refer the case to another unit or profession of the region with an SBAR note (Remiss); only the claimer",
    tag="staff",
    access=Access.STAFF,
    request=Refer,
    response=StaffCase,
    errors=(403, 404, 409),
    idempotency_key=True,
)
def refer_case(case_id: str) -> Response:
    request = bp.current_request
    body = http.parse_body(Refer, request)
    referral_id = body.referral_id or http.idempotency_key(request)
    sbar = {k: getattr(body, k) for k in SBAR_FIELDS}
    return _handled(
        lambda who, handling: handling.refer(
            who,
            case_id,
            referral_id=referral_id,
            to_unit_id=body.to_unit_id,
            to_profession=body.to_profession,
            sbar=sbar,
        )
    )


@operation(
    bp,
    "/staff/cases/{case_id}/referral/accept",
    "POST",
    summary="Accept a referral waiting at this unit: the case becomes the caller's (as Ta ärende)",
    tag="staff",
    access=Access.STAFF,
    response=StaffCase,
    errors=(403, 404, 409),
)
def accept_referral(case_id: str) -> Response:
    return _handled(lambda who, handling: handling.claim(who, case_id))


@operation(
    bp,
    "/staff/cases/{case_id}/referral/reject",
    "POST",
    summary="Send a referral back to the referring clinician with a reason",
    tag="staff",
    access=Access.STAFF,
    request=RejectReferral,
    response=StaffCase,
    errors=(403, 404, 409),
)
def reject_referral(case_id: str) -> Response:
    body = http.parse_body(RejectReferral, bp.current_request)
    return _handled(lambda who, handling: handling.reject_referral(who, case_id, reason=body.reason))
