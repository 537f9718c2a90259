"""Use cases around a case once the triage made it: read it as the citizen or as staff, contact anyway after
self-care, the waiting room, and the staff queue."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import statistics
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.adapters.dynamo import DynamoCases, DynamoDirectory, DynamoIdempotency, DynamoQueueStats, QueuePage
from chalicelib.domain import policy
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.model import Case, CaseStatus, Principal, PrincipalKind
from chalicelib.services.audit import AuditService
from chalicelib.services.paging import decode_cursor, encode_cursor
from chalicelib.services.ports import Clock, IdGenerator
from chalicelib.triage import TriageOutcome, choose_contact

# The waiting room's estimate: how many minutes a case takes at the unit lately (the median gap between staff's
# successive first contacts within the last hours), or the unit's configured figure when there is too little data.
DEFAULT_MINUTES_PER_CASE = 10
RECENT = timedelta(hours=8)
MIN_GAPS = 3
QUEUE_PAGE = 50  # cases in one page of the staff queue, the most urgent first
_QUEUE_SORT_KEY = re.compile(r"[^#]{1,8}#\d{4}-\d\d-\d\dT[0-9:.+]+#[0-9A-Za-z_-]{1,80}")  # keys.queue_sk
# What the citizen's timeline shows (staff-only events such as triage overrides or messages are left out).
CITIZEN_TIMELINE = {
    "CaseSubmitted": "submitted",
    "CaseQueued": "queued",
    "CaseClaimed": "claimed",
    "CaseReferred": "referred",
    "CaseClosed": "closed",
    "AppointmentBooked": "booked",
    "AppointmentRescheduled": "rescheduled",
    "AppointmentCancelled": "booking_cancelled",
    "VideoStarted": "video_started",
    "VideoEnded": "video_ended",
}


@dataclass(frozen=True)
class Waiting:
    status: str
    position: int | None = None  # 1 = next in line
    ahead: int | None = None
    estimated_minutes: int | None = None
    basis: str | None = None  # "recent" handling times, or the unit's "default"


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class CaseService:
    def __init__(
        self,
        cases: DynamoCases,
        directory: DynamoDirectory,
        idempotency: DynamoIdempotency,
        audit: AuditService,
        *,
        clock: Clock,
        ids: IdGenerator,
        stats: DynamoQueueStats | None = None,
    ) -> None:
        self._stats = stats or DynamoQueueStats()
        self._cases = cases
        self._directory = directory
        self._idempotency = idempotency
        self._audit = audit
        self._clock = clock
        self._ids = ids

    def get(self, principal: Principal, case_id: str) -> Case:
        """The case, if the principal may see it; staff access is logged first. Out of scope -> NotFound."""
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.")
        if principal.is_staff:
            self._audit.record_case_access(principal, case, "read_case")
        return case

    def mine(self, principal: Principal) -> list[Case]:
        """The citizen's own cases and those of the children they act for, newest first."""
        if principal.kind is not PrincipalKind.CITIZEN:
            return []
        refs = [principal.subject, *(w.ref for w in principal.wards)]
        cases = [c for ref in refs for c in self._cases.of_patient(principal.tenant, ref)]
        return sorted(cases, key=lambda c: c.submitted_at, reverse=True)

    def queue(
        self, principal: Principal, unit_id: str, profession: str | None, *, cursor: str | None = None
    ) -> tuple[QueuePage, str | None]:
        """A page of the queue of the professions the principal holds at the unit (or the one asked for), read from
        the queue view index, and the cursor of the next page (None: the last); out of scope -> NotFound. Only the
        cases the page shows are logged as listed."""
        allowed = policy.queue_scope(principal, unit_id)
        if not allowed or (profession is not None and profession not in allowed):
            raise NotFound("There is no such queue.")
        after = decode_cursor(cursor, _QUEUE_SORT_KEY, of="this queue", max_length=200)
        page = self._cases.queue_page(
            principal.tenant,
            unit_id,
            [profession] if profession else allowed,
            after=after,
            size=QUEUE_PAGE,
            overdue_at=self._clock(),
        )
        listed = [*page.cases, *page.overdue_beyond]
        self._audit.record_list_access(principal, listed, "list_queue")  # first: fails closed
        return page, (encode_cursor(page.after) if page.after else None)

    def held(self, principal: Principal) -> list[Case]:
        """Mina pågående ärenden: the cases the staff member holds at units they work at (one Query), most urgent
        first. The list shows what the queue shows, and is logged as the queue is."""
        if not principal.is_staff:
            raise NotFound("There is no such list.")
        cases = [
            c for c in self._cases.held_by(principal.tenant, principal.subject) if policy.can_view_case(principal, c)
        ]
        self._audit.record_list_access(principal, cases, "list_held")  # first: fails closed
        return cases

    def earlier_cases(self, principal: Principal, case: Case, *, limit: int = 10) -> list[Case]:
        """The same patient's other cases at this unit, newest first, shown in the case view. Only called for a
        case whose access this request has already logged (``GET /staff/cases/{id}``): that record names the
        patient, the unit and the case they were read from, so one request stays one record."""
        if not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.")
        others = [
            c
            for c in self._cases.of_patient(principal.tenant, case.patient_ref)
            if c.case_id != case.case_id and c.unit_id == case.unit_id
        ]
        return others[:limit]

    def contact_anyway(self, principal: Principal, case_id: str, *, idempotency_key: str) -> Case:
        """ "Jag vill ändå ha kontakt" after self-care advice: the case joins the unit's queue as P5 Avvakta for a
        nurse's chat (the triage engine's rule). A retry with the same key returns the case as it is."""
        case = self._own_case(principal, case_id)
        digest = request_hash({"kind": "contact_anyway", "case_id": case_id})
        found = self._idempotency.find(principal.tenant, principal.subject, idempotency_key)
        if found is not None:
            if found[0] != digest:
                raise Conflict("This Idempotency-Key was already used for a different request; use a new key.")
            return case
        case.require_self_care()
        chosen = choose_contact(TriageOutcome.model_validate(case.triage), self._clock())
        queued = case.contact_anyway(
            priority=chosen.priority.value if chosen.priority else "P5",
            profession=chosen.profession.value,
            disposition=chosen.disposition.value,
            triage=chosen.model_dump(mode="json"),
        )
        try:
            return self._cases.update(
                queued,
                now=self._clock(),
                idempotency=(principal.subject, idempotency_key, digest, {"case_id": case_id}),
            )
        except Conflict:
            again = self._own_case(principal, case_id)
            if again.status is CaseStatus.QUEUED and again.priority == queued.priority:
                return again  # a parallel click got there first
            raise

    def waiting(self, principal: Principal, case_id: str) -> Waiting:
        """Where the citizen's queued case stands: its place among the unit's cases for the same profession
        (one Query) and an estimate of the time to first contact."""
        case = self._own_case(principal, case_id)
        if case.status is not CaseStatus.QUEUED:
            return Waiting(status=case.status.value)
        queue = self._cases.queue(principal.tenant, case.unit_id, case.profession)
        ids = [c.case_id for c in queue]
        # The queue index is eventually consistent: a case just sent may not be in it yet, then it is last.
        ahead = ids.index(case.case_id) if case.case_id in ids else len(ids)
        minutes, basis = self._minutes_per_case(case)
        return Waiting(
            status=case.status.value,
            position=ahead + 1,
            ahead=ahead,
            estimated_minutes=max(1, round((ahead + 1) * minutes)),
            basis=basis,
        )

    def _minutes_per_case(self, case: Case) -> tuple[float, str]:
        now = self._clock()
        recent = [
            at for at in self._stats.first_contacts(case.tenant, case.unit_id, case.profession) if at > now - RECENT
        ]
        gaps = [(b - a).total_seconds() / 60 for a, b in itertools.pairwise(recent)]
        if len(gaps) >= MIN_GAPS:
            return min(120.0, max(1.0, statistics.median(gaps))), "recent"
        unit = self._directory.unit(case.tenant, case.unit_id) or {}
        return float(unit.get("minutes_per_case") or DEFAULT_MINUTES_PER_CASE), "default"

    def citizen_timeline(self, principal: Principal, case: Case) -> list[dict[str, Any]]:
        """What happened, as the citizen sees it (who handled it is not named here; the chat shows that)."""
        events = self.timeline(principal, case)
        shown = [
            {"type": CITIZEN_TIMELINE[e["type"]], "occurred_at": e["occurred_at"]}
            for e in events
            if e["type"] in CITIZEN_TIMELINE
        ]
        if not any(e["type"] == "submitted" for e in shown):
            # the timeline is written by an event consumer a moment later: the case itself knows when it came in
            shown.insert(0, {"type": "submitted", "occurred_at": case.submitted_at.isoformat()})
        return sorted(shown, key=lambda e: e["occurred_at"])

    def _own_case(self, principal: Principal, case_id: str) -> Case:
        if principal.kind is not PrincipalKind.CITIZEN:
            raise NotFound("The case could not be found.")
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.", message_sv="Ärendet finns inte.")
        return case

    def timeline(self, principal: Principal, case: Case) -> list[dict[str, Any]]:
        if not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.")
        return self._cases.timeline(principal.tenant, case.case_id)
