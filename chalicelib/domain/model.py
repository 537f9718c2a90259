"""Entities of a case's life: who acts, the case itself and its chat messages.

Only the standard library is imported here; time and ids are passed in by the services.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import Conflict, ValidationFailed


class PrincipalKind(enum.StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


@dataclass(frozen=True)
class UnitRole:
    """One role a staff member holds at one unit (a person may hold several)."""

    unit_id: str
    role: str  # a profession id (nurse, doctor, ...) or "admin"


@dataclass(frozen=True)
class Ward:
    """A child under 18 in the citizen's custody (vårdnadshavare), as the population register said at login."""

    ref: str  # the child's keyed-hash pseudonym
    name: str
    birth_date: str  # ISO date; only the age band is shown to staff


@dataclass(frozen=True)
class Principal:
    """Who is acting. Built only from a verified session, never from the request body."""

    tenant: str
    kind: PrincipalKind
    subject: str  # citizen: keyed hash of the personnummer; staff: HSA-id
    display_name: str
    auth_method: str  # bankid, freja, siths, local-demo
    auth_level: str  # e.g. "loa3"
    roles: tuple[UnitRole, ...] = ()
    session_id: str = ""  # the server-side session this principal acts in (revocable)
    wards: tuple[Ward, ...] = ()  # children the citizen may act for
    birth_date: str = ""  # citizen: ISO date from the personnummer, so the triage need not ask the age

    def ward(self, ref: str) -> Ward | None:
        return next((w for w in self.wards if w.ref == ref), None)

    @property
    def is_staff(self) -> bool:
        return self.kind is PrincipalKind.STAFF

    @property
    def units(self) -> frozenset[str]:
        return frozenset(r.unit_id for r in self.roles)

    def professions_at(self, unit_id: str) -> frozenset[str]:
        return frozenset(r.role for r in self.roles if r.unit_id == unit_id)


class CaseStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting in the unit's queue for the right profession
    CLAIMED = "claimed"
    CLOSED = "closed"
    REDIRECTED = "redirected"  # sent on to emergency care or 1177 by the triage: no chat, not queued
    SELF_CARE = "self_care"  # self-care advice given and the citizen did not ask for contact: not queued


# Where each triage disposition leaves the case.
REDIRECTING_DISPOSITIONS = frozenset({"emergency_112", "emergency_department", "call_1177"})


# Queue order: P1 first. The digit is what sorts in the queue index.
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
PROFESSIONS = ("nurse", "doctor", "psychologist", "physiotherapist", "midwife", "medical_secretary")

REASON_MAX = 200
EXPECTATIONS_MAX = 1000
FREE_TEXT_MAX = 4000
MESSAGE_MAX = 4000


def _clean(text: str, *, field_name: str, max_len: int, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise ValidationFailed(f"{field_name} must not be empty.", field=field_name)
    if len(text) > max_len:
        raise ValidationFailed(
            f"{field_name} is {len(text)} characters; at most {max_len} are allowed.",
            field=field_name,
        )
    return text


@dataclass(frozen=True)
class Case:
    """One contact from intake to closing (ärende)."""

    case_id: str
    tenant: str
    unit_id: str
    patient_ref: str
    reason: str
    free_text: str
    priority: str | None  # None only for a self-care case, which is not queued
    profession: str
    status: CaseStatus
    submitted_at: datetime
    version: int = 0
    message_seq: int = 0
    claimed_by: str | None = None
    submitted_by: str | None = None  # the guardian, when a parent submitted for their child
    disposition: str | None = None  # the triage's vårdnivå (chat, video, physical, emergency_112, ...)
    triage: dict[str, Any] | None = None  # the whole triage outcome, for the case view
    draft_id: str | None = None  # the triage draft it came from (its photos belong to the case)
    expectations: str = ""  # what the citizen expects from the contact
    notify_sms: str | None = None  # E.164 mobile number for "you have a message" texts
    notify_email: str | None = None
    first_contact_at: datetime | None = None  # when staff first wrote: the wait for contact ended
    events: list[dict[str, Any]] = field(default_factory=list, compare=False, repr=False)

    @staticmethod
    def submit(
        *,
        case_id: str,
        tenant: str,
        unit_id: str,
        patient_ref: str,
        reason: str,
        free_text: str,
        priority: str | None,
        profession: str,
        now: datetime,
        submitted_by: str | None = None,
        disposition: str | None = None,
        triage: dict[str, Any] | None = None,
        draft_id: str | None = None,
        expectations: str = "",
        notify_sms: str | None = None,
        notify_email: str | None = None,
    ) -> Case:
        """A new case. Without a disposition it is queued (the plain intake); with one it follows the triage:
        emergency and 1177 outcomes are recorded as redirected, self-care as self-care, the rest are queued."""
        if disposition in REDIRECTING_DISPOSITIONS:
            status = CaseStatus.REDIRECTED
        elif disposition == "self_care":
            status = CaseStatus.SELF_CARE
        else:
            status = CaseStatus.QUEUED
        if priority is None and status is not CaseStatus.SELF_CARE:
            raise ValidationFailed("A case that is not self-care needs a priority.", field="priority")
        if priority is not None and priority not in PRIORITIES:
            raise ValidationFailed(f"Unknown priority {priority!r}.", field="priority")
        if profession not in PROFESSIONS:
            raise ValidationFailed(f"Unknown profession {profession!r}.", field="profession")
        case = Case(
            case_id=case_id,
            tenant=tenant,
            unit_id=unit_id,
            patient_ref=patient_ref,
            reason=_clean(reason, field_name="reason", max_len=REASON_MAX, required=True),
            free_text=_clean(free_text, field_name="free_text", max_len=FREE_TEXT_MAX, required=False),
            priority=priority,
            profession=profession,
            status=status,
            submitted_at=now,
            submitted_by=submitted_by,
            disposition=disposition,
            triage=triage,
            draft_id=draft_id,
            expectations=_clean(expectations, field_name="expectations", max_len=EXPECTATIONS_MAX, required=False),
            notify_sms=notify_sms,
            notify_email=notify_email,
        )
        case.events.append({"type": "CaseSubmitted", "case_id": case_id})
        return case

    def require_self_care(self) -> None:
        if self.status is not CaseStatus.SELF_CARE or self.triage is None:
            raise Conflict(
                "Only a case that ended in self-care advice can ask for contact this way.",
                message_sv="Bara ett ärende som slutade med egenvårdsråd kan begära kontakt på det här sättet.",
            )

    def contact_anyway(self, *, priority: str, profession: str, disposition: str, triage: dict[str, Any]) -> Case:
        """Jag vill ändå ha kontakt: a self-care case joins the queue (P5 Avvakta, per the triage engine)."""
        self.require_self_care()
        return dataclasses.replace(
            self,
            status=CaseStatus.QUEUED,
            priority=priority,
            profession=profession,
            disposition=disposition,
            triage=triage,
            events=[{"type": "CaseQueued", "case_id": self.case_id}],
        )

    @property
    def is_open(self) -> bool:
        """Open for chat: queued or claimed. Redirected and self-care cases offer no chat."""
        return self.status in (CaseStatus.QUEUED, CaseStatus.CLAIMED)

    def next_message_seq(self) -> int:
        """The sequence number the next chat message of this case gets."""
        if not self.is_open:
            raise Conflict("This case has no chat (it is closed, or was sent on to other care).")
        return self.message_seq + 1


class SenderKind(enum.StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


@dataclass(frozen=True)
class Message:
    """A chat message, stored before it is pushed; ``seq`` orders a case's messages."""

    case_id: str
    seq: int
    client_id: str
    sender_kind: SenderKind
    sender_id: str
    sender_name: str
    text: str
    sent_at: datetime

    @staticmethod
    def validate_text(text: str) -> str:
        return _clean(text, field_name="text", max_len=MESSAGE_MAX, required=True)
