"""The patient-data access log: every staff read of patient data is recorded *before* data is returned."""

from __future__ import annotations

from chalicelib.adapters.dynamo import DynamoAuditLog
from chalicelib.domain.model import Case, Principal
from chalicelib.services.ports import Clock, IdGenerator


class AuditService:
    def __init__(self, log: DynamoAuditLog, *, clock: Clock, ids: IdGenerator) -> None:
        self._log = log
        self._clock = clock
        self._ids = ids

    def record_case_access(self, principal: Principal, case: Case, action: str) -> None:
        """Write the access record; raises (fails closed) if it cannot be written."""
        self._log.record(
            tenant=principal.tenant,
            record_id=self._ids(),
            actor=principal.subject,
            actor_name=principal.display_name,
            actor_roles=sorted(principal.professions_at(case.unit_id)),
            unit_id=case.unit_id,
            patient_ref=case.patient_ref,
            case_id=case.case_id,
            action=action,
            at=self._clock(),
        )
