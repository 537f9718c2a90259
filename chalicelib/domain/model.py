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
CLOSE_SUMMARY_MAX = 4000
# How a case ended, for the medical record and the statistics (a closed case keeps one of these).
CLOSE_OUTCOMES = ("advice_given", "booked", "referred", "prescription", "no_action")


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
    claimed_at: datetime | None = None  # when the current claimer took it (or was handed it)
    handed_by: str | None = None  # the colleague who handed it to the current claimer (cleared on claim/release)
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_outcome: str | None = None  # one of CLOSE_OUTCOMES
    close_summary: str | None = None  # the note for the medical record
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

    # --- Staff handling the case: claim, release, hand over, close. Each returns the new case (or the same one
    # when the change has already been made: a retried request) and raises Conflict when the case is not in a
    # state that allows the change.

    def _require_claimed_by(self, by: str, *, action_en: str, action_sv: str) -> None:
        if self.status is CaseStatus.CLAIMED and self.claimed_by == by:
            return
        if self.status is CaseStatus.CLAIMED:
            raise Conflict(
                f"A colleague is handling this case; only they can {action_en} it.",
                message_sv=f"En kollega hanterar ärendet; bara hen kan {action_sv} det.",
            )
        if self.status is CaseStatus.QUEUED:
            raise Conflict(
                f"Take the case first; then you can {action_en} it.",
                message_sv=f"Ta ärendet först; sedan kan du {action_sv} det.",
            )
        raise self._not_handled()

    def _not_handled(self) -> Conflict:
        if self.status is CaseStatus.CLOSED:
            return Conflict("The case is already closed.", message_sv="Ärendet är redan avslutat.")
        return Conflict(
            "The case is not in a queue (it was sent on to other care or ended in self-care advice).",
            message_sv="Ärendet står inte i någon kö (det är hänvisat till annan vård eller gav egenvårdsråd).",
        )

    def claim(self, by: str, now: datetime) -> Case:
        """Ta ärende: a queued case becomes the claimer's. Claiming one's own case again changes nothing."""
        if self.status is CaseStatus.CLAIMED and self.claimed_by == by:
            return self
        if self.status is CaseStatus.CLAIMED:
            raise Conflict(
                "A colleague has already taken this case.",
                message_sv="Ärendet har redan tagits av en kollega.",
            )
        if self.status is not CaseStatus.QUEUED:
            raise self._not_handled()
        return dataclasses.replace(
            self,
            status=CaseStatus.CLAIMED,
            claimed_by=by,
            claimed_at=now,
            handed_by=None,
            events=[{"type": "CaseClaimed", "case_id": self.case_id, "claimed_by": by}],
        )

    def release(self, by: str) -> Case:
        """Lägg tillbaka: the claimer puts the case back in the queue, where it keeps its priority and submit time
        (so its old place). A queued case is returned as it is: releasing is "make sure I do not hold it", so a
        retried release (or one racing a colleague's) changes nothing. If a colleague has claimed it since, the
        retry is a Conflict and their claim stands."""
        if self.status is CaseStatus.QUEUED:
            return self
        self._require_claimed_by(by, action_en="put back", action_sv="lägga tillbaka")
        return dataclasses.replace(
            self,
            status=CaseStatus.QUEUED,
            claimed_by=None,
            claimed_at=None,
            handed_by=None,
            events=[{"type": "CaseQueued", "case_id": self.case_id, "reason": "released"}],
        )

    def hand_to(self, by: str, colleague: str, colleague_roles: tuple[UnitRole, ...] | None, now: datetime) -> Case:
        """Lämna över: the claimer gives the case to a named colleague who works at the case's unit in the case's
        profession (``colleague_roles`` from the directory; None when the HSA-id is unknown). A retry after the
        hand-over (the colleague holds it, handed by ``by``) returns the case as it is."""
        colleague = colleague.strip()
        if self.status is CaseStatus.CLAIMED and self.claimed_by == colleague and self.handed_by == by:
            return self
        self._require_claimed_by(by, action_en="hand over", action_sv="lämna över")
        if colleague == by:
            raise ValidationFailed(
                "You already hold this case; name the colleague to hand it to.",
                field="to_hsa_id",
                message_sv="Du har redan ärendet; ange vilken kollega som ska ta över det.",
            )
        if not any(r.unit_id == self.unit_id and r.role == self.profession for r in colleague_roles or ()):
            raise ValidationFailed(
                f"{colleague or 'That HSA-id'} is not a {self.profession} at this unit; "
                "a case can only be handed to a colleague with the case's profession at the case's unit.",
                field="to_hsa_id",
                message_sv="Ärendet kan bara lämnas över till en kollega med samma yrkesroll på samma enhet.",
            )
        return dataclasses.replace(
            self,
            claimed_by=colleague,
            claimed_at=now,
            handed_by=by,
            events=[{"type": "CaseClaimed", "case_id": self.case_id, "claimed_by": colleague, "handed_by": by}],
        )

    def close(self, by: str, outcome: str, summary: str, now: datetime) -> Case:
        """Avsluta: only the claimer closes, with an outcome code and a summary for the medical record. Closing
        again with the same outcome and summary (a retry) returns the case as it is."""
        if outcome not in CLOSE_OUTCOMES:
            raise ValidationFailed(
                f"Unknown outcome {outcome!r}; use one of {', '.join(CLOSE_OUTCOMES)}.",
                field="outcome",
                message_sv="Välj hur ärendet avslutas (råd givet, bokad tid, remiss, recept eller ingen åtgärd).",
            )
        summary = summary.strip()
        if not summary:
            raise ValidationFailed(
                "summary must not be empty: write what was done, for the medical record.",
                field="summary",
                message_sv="Skriv en sammanfattning för journalen.",
            )
        if len(summary) > CLOSE_SUMMARY_MAX:
            raise ValidationFailed(
                f"summary is {len(summary)} characters; at most {CLOSE_SUMMARY_MAX} are allowed.",
                field="summary",
                message_sv=f"Sammanfattningen får vara högst {CLOSE_SUMMARY_MAX} tecken.",
            )
        if self.status is CaseStatus.CLOSED and self.closed_by == by:
            if self.close_outcome == outcome and self.close_summary == summary:
                return self
            raise Conflict(
                "You have already closed this case with another outcome or summary.",
                message_sv="Du har redan avslutat ärendet med ett annat utfall eller en annan sammanfattning.",
            )
        self._require_claimed_by(by, action_en="close", action_sv="avsluta")
        return dataclasses.replace(
            self,
            status=CaseStatus.CLOSED,
            closed_at=now,
            closed_by=by,
            close_outcome=outcome,
            close_summary=summary,
            events=[{"type": "CaseClosed", "case_id": self.case_id, "outcome": outcome}],
        )

    @property
    def deadline(self) -> datetime | None:
        """When first contact is due: the triage's deadline for the case's priority (None for self-care)."""
        raw = (self.triage or {}).get("deadline")
        return datetime.fromisoformat(str(raw)) if raw else None

    @property
    def is_open(self) -> bool:
        """Open for chat: queued or claimed. Redirected and self-care cases offer no chat."""
        return self.status in (CaseStatus.QUEUED, CaseStatus.CLAIMED)

    def next_message_seq(self) -> int:
        """The sequence number the next chat message of this case gets."""
        if not self.is_open:
            raise Conflict(
                "This case has no chat (it is closed, or was sent on to other care).",
                message_sv="Ärendet har ingen chatt (det är avslutat eller hänvisat till annan vård).",
            )
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
