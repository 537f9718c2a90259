"""Controlled overflow (överflöde): a unit names partner units, each with a daily capacity, in the region's
configuration (``overflow_partners`` of a unit). A queued case that nobody at its unit has taken when little of its
time to first contact is left is offered to ONE partner — the first in the unit's order that offers the case's
profession, is open for chat now, has capacity left today and has not been asked about this case before. It waits
there marked as overflow; taking it accepts it (the case moves there), declining sends it back to its own queue, and
the next run may offer it to the next partner. Never a broadcast (docs/administration.md).

``offer_near_deadline`` runs on a schedule (app.py, every 5 minutes): one Query per unit that has partners.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import DynamoCases, DynamoDirectory, DynamoOverflowCapacity
from chalicelib.domain.errors import Conflict
from chalicelib.domain.model import Case
from chalicelib.domain.opening_hours import SWEDEN, is_open
from chalicelib.services.ports import Clock, IdGenerator

logger = Logger(child=True)

SHARE_LEFT = 0.25  # offered when less than a quarter of the time from submit to deadline is left (or it is overdue)


def near_deadline(case: Case, now: datetime) -> bool:
    deadline = case.deadline
    if deadline is None:
        return False
    window = deadline - case.submitted_at
    return deadline - now <= max(window * SHARE_LEFT, timedelta(0))


class OverflowService:
    def __init__(
        self,
        cases: DynamoCases,
        directory: DynamoDirectory,
        capacity: DynamoOverflowCapacity,
        *,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._cases = cases
        self._directory = directory
        self._capacity = capacity
        self._clock = clock
        self._ids = ids

    def offer_near_deadline(self, tenant: str) -> list[tuple[str, str]]:
        """Offer each queued case near its deadline to one partner; returns (case id, partner unit id) offered."""
        now = self._clock()
        day = now.astimezone(SWEDEN).date().isoformat()
        units = {str(u["unit_id"]): u for u in self._directory.units(tenant)}
        offered: list[tuple[str, str]] = []
        for unit_id, unit in units.items():
            partners = [p for p in unit.get("overflow_partners") or [] if str(p.get("unit_id")) in units]
            if not partners:
                continue
            for case in self._cases.queue(tenant, unit_id, unit.get("professions") or []):
                if case.pending_referral is not None or not near_deadline(case, now):
                    continue
                partner = self._partner_for(tenant, case, partners, units, now, day)
                if partner is None:
                    continue
                try:
                    self._cases.save(case.offer_overflow(offer_id=self._ids(), to_unit_id=partner, now=now), now=now)
                except Conflict:
                    self._capacity.give_back(
                        tenant, partner, day, case.case_id
                    )  # taken (or changed) meanwhile: not offered
                    continue
                offered.append((case.case_id, partner))
                logger.info("overflow offered", extra={"case_id": case.case_id, "to_unit_id": partner})
        return offered

    def _partner_for(
        self,
        tenant: str,
        case: Case,
        partners: list[dict[str, Any]],
        units: dict[str, dict[str, Any]],
        now: datetime,
        day: str,
    ) -> str | None:
        for partner in partners:
            partner_id = str(partner["unit_id"])
            details = units[partner_id]
            if partner_id in case.overflow_asked or case.profession not in (details.get("professions") or []):
                continue
            if not is_open(details.get("opening_hours") or {}, "chat", now):
                continue
            if self._capacity.take(
                tenant, partner_id, day, limit=int(partner.get("cases_per_day") or 0), case_id=case.case_id
            ):
                return partner_id
        return None
