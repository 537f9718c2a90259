"""Staff handling a case: claim (Ta ärende), release (Lägg tillbaka), hand over (Lämna över), close (Avsluta).

Every action: the case is read and its scope checked (not the staff member's unit → NotFound, which leaks nothing;
their unit but not the case's profession → Forbidden), the access is written to the audit log *before* anything
else, the domain decides, and the change is stored conditional on the version read. A lost race is read again
and decided again: a colleague's claim then gives the clear Conflict, a parallel click of one's own the case as it
is. After the write, the change is pushed best effort to the unit's staff with the case's profession (their queues
update live) and to the patient (the waiting room and the case page refresh); a failed push never fails the request.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from aws_lambda_powertools import Logger

from chalicelib.adapters.dynamo import DynamoCases, DynamoConnections, DynamoDirectory
from chalicelib.adapters.websocket import ConnectionGone
from chalicelib.domain import policy
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.model import PRIORITIES, Case, Principal, UnitRole
from chalicelib.services.audit import AuditService
from chalicelib.services.ports import Clock, Pusher
from chalicelib.triage import Priority
from chalicelib.triage.outcome import deadline_for

logger = Logger(child=True)

ATTEMPTS = 6


def case_payload(case: Case, *, for_staff: bool) -> dict[str, object]:
    """What a live "case" push says. The citizen is not told who (which HSA-id) holds the case. ``version`` grows
    with every stored change: a page showing an older version fetches the case again (a referral's progress changes
    none of the other fields)."""
    payload: dict[str, object] = {
        "case_id": case.case_id,
        "status": case.status.value,
        "priority": case.priority,
        "profession": case.profession,
        "unit_id": case.unit_id,
        "version": case.version,
    }
    if for_staff:
        payload["claimed_by"] = case.claimed_by
    return payload


class HandlingService:
    def __init__(
        self,
        cases: DynamoCases,
        directory: DynamoDirectory,
        connections: DynamoConnections,
        pusher: Pusher,
        audit: AuditService,
        *,
        clock: Clock,
    ) -> None:
        self._cases = cases
        self._directory = directory
        self._connections = connections
        self._pusher = pusher
        self._audit = audit
        self._clock = clock

    def claim(self, principal: Principal, case_id: str) -> Case:
        """Ta ärende; on a case waiting as a referral to this unit, taking it accepts the referral."""
        return self._change(
            principal,
            case_id,
            "claim_case",
            lambda c: c.claim(principal.subject, self._clock(), principal.display_name),
        )

    def override(
        self, principal: Principal, case_id: str, *, priority: str | None, profession: str | None, reason: str
    ) -> Case:
        """Ändra prioritet/yrkesroll with a reason; the case moves in the queue (a new priority gets its deadline
        counted from when the case came in, as the triage's was)."""

        def change(case: Case) -> Case:
            due = None
            if priority and priority != case.priority and priority in PRIORITIES:
                due = deadline_for(Priority(priority), case.submitted_at)
            return case.override(
                principal.subject,
                principal.display_name,
                priority=priority,
                profession=profession,
                reason=reason,
                deadline=due,
                now=self._clock(),
            )

        return self._change(principal, case_id, "override_triage", change)

    def refer(
        self,
        principal: Principal,
        case_id: str,
        *,
        referral_id: str,
        to_unit_id: str,
        to_profession: str,
        sbar: dict[str, str],
    ) -> Case:
        """Remittera within the region: to a unit of this region that offers the profession. The referrer's retry
        finds the referral made (the case may be at a unit they cannot see any more) and gets the case as it is."""
        case = self._cases.get(principal.tenant, case_id)  # read once: for the retry and for the change
        if (
            case is not None
            and principal.is_staff
            and case.tenant == principal.tenant
            and case.has_referral(referral_id, by=principal.subject)
        ):
            self._audit.record_case_access(principal, case, "refer_case")
            return case
        unit = self._directory.unit(principal.tenant, to_unit_id) if to_unit_id else None
        if unit is None:
            raise ValidationFailed(
                f"There is no unit {to_unit_id!r} in this region; choose one from the list of units.",
                field="to_unit_id",
                message_sv="Välj en enhet i regionen.",
            )
        offered = unit.get("professions") or []
        if offered and to_profession not in offered:
            raise ValidationFailed(
                f"{unit.get('name', to_unit_id)} does not offer {to_profession}; choose a unit that does.",
                field="to_profession",
                message_sv=f"{unit.get('name', to_unit_id)} har inte den yrkesrollen. Välj en annan enhet eller roll.",
            )
        return self._change_read(
            principal,
            case_id,
            case,
            "refer_case",
            lambda c: c.refer(
                principal.subject,
                principal.display_name,
                referral_id=referral_id,
                to_unit_id=to_unit_id,
                to_profession=to_profession,
                sbar=sbar,
                now=self._clock(),
            ),
        )

    def reject_referral(self, principal: Principal, case_id: str, *, reason: str) -> Case:
        """Avvisa remiss: back to the referring clinician with a reason."""
        return self._change(
            principal,
            case_id,
            "reject_referral",
            lambda c: c.reject_referral(principal.subject, principal.display_name, reason=reason, now=self._clock()),
        )

    def release(self, principal: Principal, case_id: str) -> Case:
        return self._change(principal, case_id, "release_case", lambda c: c.release(principal.subject))

    def hand_over(self, principal: Principal, case_id: str, to_hsa_id: str) -> Case:
        colleague = to_hsa_id.strip()

        def hand(case: Case) -> Case:
            roles = self._roles_of(principal.tenant, colleague)  # the directory says where the colleague works
            return case.hand_to(principal.subject, colleague, roles, self._clock())

        return self._change(principal, case_id, "hand_over_case", hand)

    def close(self, principal: Principal, case_id: str, *, outcome: str, summary: str) -> Case:
        return self._change(
            principal, case_id, "close_case", lambda c: c.close(principal.subject, outcome, summary, self._clock())
        )

    def _roles_of(self, tenant: str, hsa_id: str) -> tuple[UnitRole, ...] | None:
        found = self._directory.staff(tenant, hsa_id) if hsa_id else None
        if found is None:
            return None
        return tuple(UnitRole(str(r["unit_id"]), str(r["role"])) for r in found["roles"])

    def scoped(self, principal: Principal, case: Case | None) -> Case:
        """The case if the principal may handle it: NotFound outside their scope, Forbidden for another profession."""
        return self._scoped(principal, case)

    def decide(
        self, principal: Principal, case_id: str, read: Case, action: str, change: Callable[[Case], Case]
    ) -> Case:
        """A handling decision made elsewhere (a referral to another region), whose caller has written this request's
        access record already (before anything else it stores): stored conditionally, decided again on a lost race,
        and pushed, as every handling action is."""
        return self._change_read(principal, case_id, read, action, change, logged=True)

    def _in_scope(self, principal: Principal, case_id: str) -> Case:
        return self._scoped(principal, self._cases.get(principal.tenant, case_id))

    @staticmethod
    def _scoped(principal: Principal, case: Case | None) -> Case:
        if case is None or not principal.is_staff or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.", message_sv="Ärendet finns inte.")
        if not policy.can_handle_case(principal, case):
            raise Forbidden(
                f"This case is for a {case.profession}; only staff with that role at the unit can handle it.",
                message_sv="Ärendet gäller en annan yrkesroll än din på enheten.",
            )
        return case

    def _change(self, principal: Principal, case_id: str, action: str, change: Callable[[Case], Case]) -> Case:
        return self._change_read(principal, case_id, self._cases.get(principal.tenant, case_id), action, change)

    def _change_read(
        self,
        principal: Principal,
        case_id: str,
        read: Case | None,
        action: str,
        change: Callable[[Case], Case],
        *,
        logged: bool = False,
    ) -> Case:
        """The change, starting from the case as the caller has just read it (``None``: there is none); ``logged``:
        the caller has written the access record."""
        case = self._scoped(principal, read)
        if not logged:
            self._audit.record_case_access(principal, case, action)  # first: fails closed if it cannot be written
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 - jitter, not security
                case = self._in_scope(principal, case_id)
            changed = change(case)
            if changed is case:
                return case  # already so (a retry): nothing to write
            try:
                stored = self._cases.save(changed, now=self._clock())
            except Conflict:
                continue  # a colleague's claim or a chat message changed the case: read it again and decide again
            self._push(principal, before=case, after=stored)
            return stored
        raise Conflict(
            "The case is changing very often right now; please try again.",
            message_sv="Ärendet ändras just nu; försök igen.",
        )

    def _push(self, principal: Principal, *, before: Case, after: Case) -> None:
        self.push_change(before=before, after=after, by=principal.subject)

    def push_change(self, *, before: Case, after: Case, by: str | None = None) -> None:
        """Tells the case's staff (its unit and profession, before and after, and whoever holds it) and its citizens
        that it changed — also a change made by no one here: a referral from or an answer by another region."""
        try:
            staff = set(self._directory.staff_of_unit(after.tenant, after.unit_id, after.profession))
            if (before.unit_id, before.profession) != (after.unit_id, after.profession):
                # referred, sent back or given another profession: it leaves the queues it was in
                staff |= set(self._directory.staff_of_unit(before.tenant, before.unit_id, before.profession))
            staff |= {s for s in (by, before.claimed_by, after.claimed_by) if s}
            citizens = {s for s in (after.patient_ref, after.submitted_by) if s} - staff
            for subjects, for_staff in ((staff, True), (citizens, False)):
                payload: dict[str, object] = {"type": "case", "case": case_payload(after, for_staff=for_staff)}
                for subject in sorted(subjects):
                    self._push_to(after.tenant, subject, payload)
        except Exception:  # best effort: the change is stored; clients refetch on reconnect
            logger.exception("case push failed", extra={"case_id": after.case_id})

    def _push_to(self, tenant: str, subject: str, payload: dict[str, object]) -> None:
        for connection_id in self._connections.of_subject(tenant, subject):
            try:
                self._pusher.push(connection_id, payload)
            except ConnectionGone:
                self._connections.remove(tenant, connection_id)
            except Exception:
                logger.exception("push failed", extra={"connection_id": connection_id})
