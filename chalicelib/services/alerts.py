"""Staff alerts: an urgent new case appears at once on the dashboards of the staff who can take it, and a case that
passes its deadline unclaimed is escalated to the unit's coordinator.

- ``on_event`` (the ``alerts`` consumer of domain events): a case that enters a unit's queue as P1 or P2 is pushed as
  ``{"type": "alert", "kind": "new_case", ...}`` to the connected staff of that unit who hold the case's profession
  there. Nobody else: not other units, not other professions, and nothing for P3-P5.
- ``escalate_overdue`` (a schedule, every minute): one Query per unit on the queue index finds queued cases past
  their deadline; each is marked once, conditionally, by recording ``CaseEscalated`` on its timeline, and only the
  first mark pushes ``{"type": "alert", "kind": "escalated", ...}`` to the unit's coordinators (the named role
  ``coordinator`` in the directory), not to everybody.

An alert carries no health data: the case id, priority, unit and profession (staff open the case to see more, which
is logged then). Pushes are best effort: a staff member not connected sees the case in their queue anyway — a
coordinator too: their queue covers every profession of the unit (``policy.queue_scope``), and its entries past their
deadline are flagged ``escalated`` (``Case.is_overdue``, the same test as here), listed first on their queue page.
"""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import DynamoCases, DynamoConnections, DynamoDirectory
from chalicelib.adapters.websocket import ConnectionGone
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.model import PROFESSIONS, Case, CaseStatus
from chalicelib.domain.policy import COORDINATOR  # the directory role that receives a unit's overdue cases
from chalicelib.services.ports import Clock, Pusher

logger = Logger(child=True)

URGENT = ("P1", "P2")
# Domain events that put a case in a unit's queue: submitted, queued after self-care ("Jag vill ändå ha kontakt"),
# or offered to a partner unit as overflow.
ENTERS_QUEUE = ("CaseSubmitted", "CaseQueued", "OverflowOffered")  # an overflow offer enters a partner's queue


def alert_payload(case: Case, kind: str) -> dict[str, object]:
    return {
        "type": "alert",
        "kind": kind,
        "case_id": case.case_id,
        "priority": case.priority,
        "unit_id": case.unit_id,
        "profession": case.profession,
    }


class AlertService:
    def __init__(
        self,
        cases: DynamoCases,
        directory: DynamoDirectory,
        connections: DynamoConnections,
        pusher: Pusher,
        *,
        clock: Clock,
    ) -> None:
        self._cases = cases
        self._directory = directory
        self._connections = connections
        self._pusher = pusher
        self._clock = clock

    def on_event(self, event: DomainEvent) -> int:
        """Consumer: alert the staff who can take a new urgent case. Returns how many connections were told."""
        if event.type not in ENTERS_QUEUE:
            return 0
        if event.type != "OverflowOffered" and event.data.get("priority") not in URGENT:
            return 0  # (an overflow offer carries no priority: the case says)
        if event.type == "CaseQueued" and event.data.get("reason") == "released":
            return 0  # it was in the queue before; staff were alerted then
        case = self._cases.get(event.tenant, event.case_id)
        if case is None or case.status is not CaseStatus.QUEUED or case.priority not in URGENT:
            return 0  # already taken (or changed) by the time the event arrived: nothing to alert about
        staff = self._directory.staff_of_unit(case.tenant, case.unit_id, case.profession)
        told = self._tell(case.tenant, staff, alert_payload(case, "new_case"))
        logger.info("urgent case alerted", extra={"case_id": case.case_id, "connections": told})
        return told

    def escalate_overdue(self, tenant: str) -> list[str]:
        """Escalate every queued case past its deadline to its unit's coordinators, once. Returns the escalated ids."""
        now = self._clock()
        escalated: list[str] = []
        for unit in self._directory.units(tenant):
            professions = unit.get("professions") or PROFESSIONS
            overdue = [c for c in self._cases.queue(tenant, str(unit["unit_id"]), professions) if c.is_overdue(now)]
            if not overdue:
                continue
            coordinators = self._directory.staff_of_unit(tenant, str(unit["unit_id"]), COORDINATOR)
            for case in overdue:
                if self._mark(case, now):
                    escalated.append(case.case_id)
                    self._tell(tenant, coordinators, alert_payload(case, "escalated"))
        if escalated:
            logger.info("overdue cases escalated", extra={"case_ids": escalated})
        return escalated

    def _mark(self, case: Case, now: datetime) -> bool:
        """Record the escalation on the case's timeline; False when this deadline was escalated before (the
        timeline entry is created conditionally, keyed by the case and its deadline)."""
        deadline = case.deadline
        assert deadline is not None
        stamp = deadline.isoformat()
        return self._cases.add_timeline(
            case.tenant,
            case.case_id,
            f"{case.case_id}.escalated.{stamp}",
            "CaseEscalated",
            stamp,
            {"unit_id": case.unit_id, "priority": case.priority, "deadline": stamp, "escalated_at": now.isoformat()},
        )

    def _tell(self, tenant: str, subjects: list[str], payload: dict[str, object]) -> int:
        told = 0
        for subject in sorted(set(subjects)):
            for connection_id in self._connections.of_subject(tenant, subject):
                try:
                    self._pusher.push(connection_id, payload)
                    told += 1
                except ConnectionGone:
                    self._connections.remove(tenant, connection_id)
                except Exception:  # best effort: the case is in their queue anyway
                    logger.exception("alert push failed", extra={"connection_id": connection_id})
        return told
