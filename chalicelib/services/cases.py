"""Use cases around a case: submit (intake), read it as the citizen or as staff, and the staff queue."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from chalicelib.adapters.dynamo import DynamoCases, DynamoDirectory, DynamoIdempotency
from chalicelib.domain import policy
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.model import Case, Principal, PrincipalKind
from chalicelib.services.audit import AuditService
from chalicelib.services.ports import Clock, IdGenerator

# Until the triage issue wires the engine in, a submitted case waits for a nurse at "within a day".
SLICE_PRIORITY = "P3"
SLICE_PROFESSION = "nurse"


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
    ) -> None:
        self._cases = cases
        self._directory = directory
        self._idempotency = idempotency
        self._audit = audit
        self._clock = clock
        self._ids = ids

    def submit(
        self,
        principal: Principal,
        *,
        unit_id: str,
        reason: str,
        free_text: str,
        idempotency_key: str,
        for_child: str | None = None,
    ) -> Case:
        """A new case for the citizen, or for a child in their custody (``for_child``: the child's id)."""
        if principal.kind is not PrincipalKind.CITIZEN:
            raise ValidationFailed("Only a citizen can submit a case for themselves.")
        patient = principal.subject
        if for_child is not None:
            if principal.ward(for_child) is None:
                raise ValidationFailed("You can act only for your own children under 18.", field="for_child")
            patient = for_child
        payload = {"unit_id": unit_id, "reason": reason, "free_text": free_text, "for_child": for_child}
        digest = request_hash(payload)
        if self._directory.unit(principal.tenant, unit_id) is None:
            raise ValidationFailed(f"There is no unit {unit_id!r} in this region.", field="unit_id")
        case = Case.submit(
            case_id=self._ids(),
            tenant=principal.tenant,
            unit_id=unit_id,
            patient_ref=patient,
            submitted_by=principal.subject if for_child else None,
            reason=reason,
            free_text=free_text,
            priority=SLICE_PRIORITY,
            profession=SLICE_PROFESSION,
            now=self._clock(),
        )
        try:
            return self._cases.create(
                case,
                now=self._clock(),
                idempotency=(principal.subject, idempotency_key, digest, {"case_id": case.case_id}),
            )
        except Conflict:
            # The key was used before (a retry, or a parallel request): answer as it was answered.
            again = self._replay(principal, idempotency_key, digest)
            if again is None:
                raise
            return again

    def _replay(self, principal: Principal, key: str, digest: str) -> Case | None:
        found = self._idempotency.find(principal.tenant, principal.subject, key)
        if found is None:
            return None
        stored_digest, result = found
        if stored_digest != digest:
            raise Conflict("This Idempotency-Key was already used for a different request; use a new key.")
        case = self._cases.get(principal.tenant, str(result["case_id"]))
        if case is None:
            raise NotFound("The case could not be found.")
        return case

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

    def queue(self, principal: Principal, unit_id: str, profession: str | None) -> list[Case]:
        """One Query per profession the principal holds at the unit; out of scope -> NotFound."""
        allowed = policy.queue_scope(principal, unit_id)
        if not allowed or (profession is not None and profession not in allowed):
            raise NotFound("There is no such queue.")
        wanted = [profession] if profession else sorted(allowed)
        cases = [c for p in wanted for c in self._cases.queue(principal.tenant, unit_id, p)]
        return sorted(cases, key=lambda c: (c.priority, c.submitted_at))

    def timeline(self, principal: Principal, case: Case) -> list[dict[str, Any]]:
        if not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.")
        return self._cases.timeline(principal.tenant, case.case_id)
