"""The patient-data access log (patientdatalagen 4 kap., HSLF-FS 2016:40).

Every staff read or change of patient data is recorded *before* data is returned, with the ground the access was
allowed on; if the record cannot be written, the caller gets an error and no data. The log is append-only. The
citizen reads the accesses to their own data (their extract); a unit's admins search and sample their unit's records
for the periodic review, and each review is itself logged.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamo import DynamoAuditLog, ListedCase
from chalicelib.domain import policy
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.identity import patient_ref
from chalicelib.domain.model import Case, Principal, QueuedCase
from chalicelib.domain.opening_hours import SWEDEN
from chalicelib.domain.personal_number import PersonalNumber
from chalicelib.services.paging import decode_cursor, encode_cursor
from chalicelib.services.ports import Clock, IdGenerator

# On what ground ("på vilken grund") an access was allowed. The citizen's extract shows these in plain words.
GROUNDS = ("claimed", "referral", "unit_queue", "review")
REVIEW_ACTION = "review_access_log"
ADMIN_ROLE = "admin"
EXTRACT_PAGE = 50
REVIEW_LIMIT = 200  # records shown by one search
SAMPLE_POOL = 5000  # the records of a period a sample is drawn from (the newest, when a period has more)
SAMPLE_MAX = 100
_SORT_KEY = re.compile(r"\d{4}-\d\d-\d\dT[0-9:.+]+#[0-9A-Za-z-]+")  # keys.audit_sk: the ISO time, then the id


def ground_of(principal: Principal, case: Case | QueuedCase) -> str:
    """Why the principal may access the case now: they hold it, it was referred to (or by) them, or it is at their
    unit (its queue, before anyone claims it)."""
    if case.claimed_by == principal.subject:
        return "claimed"
    referred_here = any(r.get("to_unit_id") == case.unit_id for r in case.referrals) and case.unit_id in principal.units
    if referred_here or any(r.get("by") == principal.subject for r in case.referrals):
        return "referral"
    return "unit_queue"


class AuditService:
    def __init__(self, log: DynamoAuditLog, *, clock: Clock, ids: IdGenerator, patient_key: bytes = b"") -> None:
        self._log = log
        self._clock = clock
        self._ids = ids
        self._patient_key = patient_key

    def record_case_access(
        self, principal: Principal, case: Case, action: str, *, review_at: str | None = None
    ) -> None:
        """Write the access record; raises (fails closed) if it cannot be written. ``review_at``: a unit admin's
        review at that unit (ground ``review``; e.g. the clinical review of triage overrides)."""
        unit_id = review_at or case.unit_id
        self._log.record(
            tenant=principal.tenant,
            record_id=self._ids(),
            actor=principal.subject,
            actor_name=principal.display_name,
            actor_roles=sorted(principal.professions_at(unit_id)),
            unit_id=unit_id,
            patient_ref=case.patient_ref,
            case_id=case.case_id,
            action=action,
            ground="review" if review_at else ground_of(principal, case),
            at=self._clock(),
        )

    def record_on_behalf(
        self,
        *,
        actor: str,
        actor_name: str,
        actor_roles: list[str],
        unit_id: str,
        case: Case,
        action: str,
        ground: str,
    ) -> None:
        """A record for an access made on a clinician's decision but not in their request: the case sent to another
        region (here, by the referrer) or received from one (there, by the referrer of the other region)."""
        self._log.record(
            tenant=case.tenant,
            record_id=self._ids(),
            actor=actor,
            actor_name=actor_name,
            actor_roles=sorted(r for r in actor_roles if r),
            unit_id=unit_id,
            patient_ref=case.patient_ref,
            case_id=case.case_id,
            action=action,
            ground=ground,
            at=self._clock(),
        )

    def record_list_access(self, principal: Principal, cases: Sequence[Case | QueuedCase], action: str) -> None:
        """A list (the queue, Pågående) shows each case's reason, the patient's first name and age band: patient
        data. One record per case, the first time the list shows it to this staff member on a Swedish calendar day
        (a list refreshed every few seconds would otherwise bury the citizen's extract); opening the case is logged
        every time. Written before the list is returned; raises (fails closed) if it cannot be written."""
        if not cases:
            return
        now = self._clock()
        self._log.record_listed(
            tenant=principal.tenant,
            actor=principal.subject,
            actor_name=principal.display_name,
            action=action,
            day=now.astimezone(SWEDEN).date().isoformat(),
            at=now,
            shown=[
                ListedCase(
                    case_id=c.case_id,
                    patient_ref=c.patient_ref,
                    unit_id=c.unit_id,
                    actor_roles=sorted(principal.professions_at(c.unit_id)),
                    ground=ground_of(principal, c),
                )
                for c in cases
            ],
            ids=self._ids,
        )

    # --- The citizen's own extract ---------------------------------------------------------------------------------

    def extract(
        self, principal: Principal, *, ward: str | None = None, cursor: str | None = None, limit: int = EXTRACT_PAGE
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page (newest first) of the accesses to the citizen's data, or to a child's in their custody. Only the
        care unit, the roles, the action, the ground and the time: not who by name or HSA-id."""
        ref = principal.subject
        if ward is not None:
            if principal.ward(ward) is None:
                raise NotFound("No such person in your custody.")
            ref = ward
        records, after = self._log.page_of_patient(
            principal.tenant, ref, limit=limit, after=decode_cursor(cursor, _SORT_KEY, of="this list")
        )
        shown = [{k: r[k] for k in ("record_id", "at", "unit_id", "actor_roles", "action", "ground")} for r in records]
        return shown, (encode_cursor(after) if after else None)

    # --- The unit admins' review -----------------------------------------------------------------------------------

    def search(
        self,
        principal: Principal,
        unit_id: str,
        *,
        personal_number: str | None,
        staff: str | None,
        since: datetime,
        until: datetime,
    ) -> list[dict[str, Any]]:
        """The unit's records of one patient or one staff member in the period, newest first (at most
        ``REVIEW_LIMIT``). Each patient shown gets a ``review`` access record first."""
        self._require_admin(principal, unit_id)
        if (personal_number is None) == (staff is None):
            raise ValidationFailed(
                "Search by patient (personal identity number) or by staff member (HSA-id), one of them.",
                field="patient",
                message_sv="Sök på patient (personnummer) eller på medarbetare (HSA-id), ett av dem.",
            )
        if personal_number is not None:
            number = PersonalNumber.parse(personal_number, today=self._clock().date())
            ref = patient_ref(number.canonical, self._patient_key)
            since_iso, until_iso = since.isoformat(), until.isoformat()
            found = [
                r
                for r in self._log.of_patient(principal.tenant, ref)
                if r["unit_id"] == unit_id and since_iso <= r["at"] <= until_iso
            ]
            records = found[::-1][:REVIEW_LIMIT]
            # the patient was looked up: logged even when nothing is found ("no one read her record" is about her)
            self._record_review(principal, unit_id, [ref])
        else:
            records = self._log.of_unit(
                principal.tenant, unit_id, since=since, until=until, staff=staff, limit=REVIEW_LIMIT
            )
            self._record_review(principal, unit_id, [r["patient_ref"] for r in records])
        return records

    def sample(
        self, principal: Principal, unit_id: str, *, size: int, since: datetime, until: datetime
    ) -> list[dict[str, Any]]:
        """A random sample of the unit's records in the period for the periodic review (newest first)."""
        self._require_admin(principal, unit_id)
        pool = self._log.of_unit(principal.tenant, unit_id, since=since, until=until, limit=SAMPLE_POOL)
        drawn = random.SystemRandom().sample(pool, min(size, len(pool)))
        drawn.sort(key=lambda r: r["at"], reverse=True)
        self._record_review(principal, unit_id, [r["patient_ref"] for r in drawn])
        return drawn

    def _require_admin(self, principal: Principal, unit_id: str) -> None:
        policy.require_unit_admin(
            principal,
            unit_id,
            refused_en="Only the unit's administrators review its access log.",
            refused_sv="Loggranskning är för enhetens administratörer.",
        )

    def _record_review(self, principal: Principal, unit_id: str, patients: list[str]) -> None:
        """One ``review`` access record per patient looked up or shown, written before anything is shown."""
        at = self._clock()
        for ref in dict.fromkeys(patients):
            self._log.record(
                tenant=principal.tenant,
                record_id=self._ids(),
                actor=principal.subject,
                actor_name=principal.display_name,
                actor_roles=sorted(principal.professions_at(unit_id)),
                unit_id=unit_id,
                patient_ref=ref,
                case_id=None,
                action=REVIEW_ACTION,
                ground="review",
                at=at,
            )
