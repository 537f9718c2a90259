"""Entities of a case's life: who acts (``principal.py``, re-exported here), the case itself and its chat messages.

Only the standard library is imported here; time and ids are passed in by the services.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.principal import Principal as Principal
from chalicelib.domain.principal import PrincipalKind as PrincipalKind
from chalicelib.domain.principal import UnitRole as UnitRole
from chalicelib.domain.principal import Ward as Ward


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
OVERRIDE_REASON_MAX = 1000
SBAR_MAX = 2000
SBAR_FIELDS = ("situation", "background", "assessment", "recommendation")
SBAR_SV = {
    "situation": "situation",
    "background": "bakgrund",
    "assessment": "bedömning",
    "recommendation": "rekommendation",
}
REJECT_REASON_MAX = 1000
# How the patient gave their consent to sending the case to another region (another care provider): staff record it.
CONSENT_WAYS = ("chat", "phone", "video", "visit")
CONSENT_WAYS_SV = {"chat": "i chatten", "phone": "per telefon", "video": "vid videomöte", "visit": "vid besök"}
# The states of a referral to another region on the referring side: sending (waiting for the event consumer),
# delivered (the other region has it in its queue), then accepted or rejected there.
REGION_REFERRAL_OPEN = ("sending", "delivered")


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


def _required(text: str, *, field_name: str, max_len: int, empty_en: str, empty_sv: str, name_sv: str) -> str:
    """A text a person must write (a summary, a reason, an SBAR field): stripped, not empty, not too long; the
    errors say so in English and Swedish."""
    text = text.strip()
    if not text:
        raise ValidationFailed(f"{field_name} must not be empty: {empty_en}", field=field_name, message_sv=empty_sv)
    if len(text) > max_len:
        raise ValidationFailed(
            f"{field_name} is {len(text)} characters; at most {max_len} are allowed.",
            field=field_name,
            message_sv=f"{name_sv} får vara högst {max_len} tecken.",
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
    entry: dict[str, Any] | None = None  # how the contact began: a unit's link, a phone call's SMS link (who sent it)
    routing: dict[str, Any] | None = None  # where routing sent it and why (domain/routing.py ``Decision.as_record``)
    first_contact_at: datetime | None = None  # when staff first wrote: the wait for contact ended
    claimed_at: datetime | None = None  # when the current claimer took it (or was handed it)
    handed_by: str | None = None  # the colleague who handed it to the current claimer (cleared on claim/release)
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_outcome: str | None = None  # one of CLOSE_OUTCOMES
    close_summary: str | None = None  # the note for the medical record
    patient_name: str = ""  # the citizen's (or the child's) name, for staff's greeting and the journal
    patient_age: int | None = None  # whole years at submit (from the personnummer); staff see an age band
    triage_answers: list[dict[str, Any]] = field(default_factory=list, compare=False)  # the triage transcript
    overrides: list[dict[str, Any]] = field(default_factory=list, compare=False)  # staff's changes to the triage
    referrals: list[dict[str, Any]] = field(
        default_factory=list, compare=False
    )  # remisser within the region, oldest first
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
        patient_name: str = "",
        patient_age: int | None = None,
        triage_answers: list[dict[str, Any]] | None = None,
        entry: dict[str, Any] | None = None,
        routing: dict[str, Any] | None = None,
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
            patient_name=patient_name.strip(),
            patient_age=patient_age,
            triage_answers=list(triage_answers or []),
            entry=entry,
            routing=routing,
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

    def claim(self, by: str, now: datetime, by_name: str = "") -> Case:
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
        events: list[dict[str, Any]] = [{"type": "CaseClaimed", "case_id": self.case_id, "claimed_by": by}]
        referrals = self.referrals
        if self.pending_referral is not None:  # taking a referred case accepts the referral
            accepted = self._answer_referral("accepted", by, by_name, now)
            referrals = [*self.referrals[:-1], accepted]
            events.append({"type": "ReferralAccepted", "case_id": self.case_id, "referral_id": accepted["referral_id"]})
        return dataclasses.replace(
            self,
            status=CaseStatus.CLAIMED,
            claimed_by=by,
            claimed_at=now,
            handed_by=None,
            referrals=referrals,
            events=events,
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
        summary = _required(
            summary,
            field_name="summary",
            max_len=CLOSE_SUMMARY_MAX,
            empty_en="write what was done, for the medical record.",
            empty_sv="Skriv en sammanfattning för journalen.",
            name_sv="Sammanfattningen",
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

    # --- Decisions on a case: override the triage, refer within the region (accepted by claiming, or rejected).

    def override(
        self,
        by: str,
        by_name: str,
        *,
        priority: str | None,
        profession: str | None,
        reason: str,
        deadline: datetime | None,
        now: datetime,
    ) -> Case:
        """Ändra prioritet/yrkesroll: staff override the triage's priority and/or profession with a reason. The
        bot's outcome stays as it was (``triage``); the override is kept beside it. A queued case moves in the queue;
        a claimed case (only its claimer may override it) keeps its claimer unless the profession changes — then it
        goes back to the queue for the new profession. ``deadline`` is the due time for the new priority. Making
        the same override again (a retry) returns the case as it is."""
        reason = reason.strip()
        new_priority = priority or self.priority
        new_profession = profession or self.profession
        last = self.overrides[-1] if self.overrides else None
        if (
            last is not None
            and last.get("by") == by
            and last.get("reason") == reason
            and (last.get("to_priority"), last.get("to_profession")) == (new_priority, new_profession)
            and (self.priority, self.profession) == (new_priority, new_profession)
        ):
            return self
        if self.status is CaseStatus.CLAIMED and self.claimed_by != by:
            raise Conflict(
                "A colleague is handling this case; only they can change its priority or profession.",
                message_sv="En kollega hanterar ärendet; bara hen kan ändra prioritet eller yrkesroll.",
            )
        if not self.is_open:
            raise self._not_handled()
        if new_priority not in PRIORITIES:
            raise ValidationFailed(
                f"Unknown priority {new_priority!r}; use one of {', '.join(PRIORITIES)}.",
                field="priority",
                message_sv="Välj en prioritet mellan P1 och P5.",
            )
        if new_profession not in PROFESSIONS:
            raise ValidationFailed(
                f"Unknown profession {new_profession!r}.", field="profession", message_sv="Välj en yrkesroll."
            )
        if (new_priority, new_profession) == (self.priority, self.profession):
            raise ValidationFailed(
                "Choose a priority or profession different from the case's present one.",
                field="priority",
                message_sv="Välj en annan prioritet eller yrkesroll än ärendet har nu.",
            )
        reason = _required(
            reason,
            field_name="reason",
            max_len=OVERRIDE_REASON_MAX,
            empty_en="say why the triage's outcome is changed.",
            empty_sv="Skriv varför du ändrar bedömningen.",
            name_sv="Motiveringen",
        )
        entry = {
            "by": by,
            "by_name": by_name,
            "at": now.isoformat(),
            "reason": reason,
            "from_priority": self.priority,
            "to_priority": new_priority,
            "from_profession": self.profession,
            "to_profession": new_profession,
            "deadline": deadline.isoformat() if deadline else None,
        }
        back_to_queue = self.status is CaseStatus.CLAIMED and new_profession != self.profession
        event = {"type": "TriageOverridden", "case_id": self.case_id, **{k: entry[k] for k in entry if k != "by_name"}}
        return dataclasses.replace(
            self,
            priority=new_priority,
            profession=new_profession,
            overrides=[*self.overrides, entry],
            status=CaseStatus.QUEUED if back_to_queue else self.status,
            claimed_by=None if back_to_queue else self.claimed_by,
            claimed_at=None if back_to_queue else self.claimed_at,
            handed_by=None if back_to_queue else self.handed_by,
            events=[event],
        )

    @property
    def pending_referral(self) -> dict[str, Any] | None:
        """The referral waiting for the receiving unit's answer, if any."""
        last = self.referrals[-1] if self.referrals else None
        return (
            last if last is not None and last.get("state") == "pending" and self.status is CaseStatus.QUEUED else None
        )

    def has_referral(self, referral_id: str, *, by: str) -> bool:
        """Whether ``by`` has already made this referral: a retry of it finds it made (and the case may have left
        the referrer's unit since)."""
        return any(r.get("referral_id") == referral_id and r.get("by") == by for r in self.referrals)

    def refer(
        self,
        by: str,
        by_name: str,
        *,
        referral_id: str,
        to_unit_id: str,
        to_profession: str,
        sbar: dict[str, str],
        now: datetime,
    ) -> Case:
        """Remittera: the claimer sends the case to another unit and/or profession in the region with a structured
        handover note (SBAR). It waits in the receiving queue, marked as a referral, keeping its priority and its
        place (submit time); everything on the case travels with it. A retry (same referral id) returns the case."""
        if self.has_referral(referral_id, by=by):
            return self
        self._require_claimed_by(by, action_en="refer", action_sv="remittera")
        if to_profession not in PROFESSIONS:
            raise ValidationFailed(
                f"Unknown profession {to_profession!r}.", field="to_profession", message_sv="Välj en yrkesroll."
            )
        if (to_unit_id, to_profession) == (self.unit_id, self.profession):
            raise ValidationFailed(
                "The case is already at that unit for that profession; choose another unit or profession.",
                field="to_unit_id",
                message_sv="Ärendet finns redan där. Välj en annan enhet eller yrkesroll.",
            )
        note = self._sbar(sbar)
        referral: dict[str, Any] = {
            "referral_id": referral_id,
            "state": "pending",
            "from_unit_id": self.unit_id,
            "from_profession": self.profession,
            "to_unit_id": to_unit_id,
            "to_profession": to_profession,
            "by": by,
            "by_name": by_name,
            "at": now.isoformat(),
            **note,
        }
        return dataclasses.replace(
            self,
            unit_id=to_unit_id,
            profession=to_profession,
            status=CaseStatus.QUEUED,
            claimed_by=None,
            claimed_at=None,
            handed_by=None,
            referrals=[*self.referrals, referral],
            events=[
                {
                    "type": "CaseReferred",
                    "case_id": self.case_id,
                    "referral_id": referral_id,
                    "from_unit_id": self.unit_id,
                    "to_unit_id": to_unit_id,
                    "to_profession": to_profession,
                }
            ],
        )

    def offer_overflow(self, *, offer_id: str, to_unit_id: str, now: datetime) -> Case:
        """Överflöde: a queued case that nobody at its unit has taken as its deadline nears is offered to ONE partner
        unit the region named for this (never to everyone). It waits in the partner's queue marked as overflow, for
        the same profession, keeping its priority and place; taking it there accepts it (the case moves), declining
        sends it back to its own unit's queue. A unit that declined is not asked again about this case."""
        if any(r.get("referral_id") == offer_id for r in self.referrals):
            return self  # a retry
        if self.status is not CaseStatus.QUEUED or self.pending_referral is not None:
            raise Conflict("Only a case waiting in its queue can be offered to a partner unit.")
        if to_unit_id == self.unit_id or to_unit_id in self.overflow_asked:
            raise Conflict("That unit cannot be offered this case.")
        offer: dict[str, Any] = {
            "referral_id": offer_id,
            "kind": "overflow",
            "state": "pending",
            "from_unit_id": self.unit_id,
            "from_profession": self.profession,
            "to_unit_id": to_unit_id,
            "to_profession": self.profession,
            "by": "nara",
            "by_name": "Nära (överflöde)",
            "at": now.isoformat(),
        }
        return dataclasses.replace(
            self,
            unit_id=to_unit_id,
            referrals=[*self.referrals, offer],
            events=[{"type": "OverflowOffered", "case_id": self.case_id, "to_unit_id": to_unit_id}],
        )

    @property
    def overflow_asked(self) -> frozenset[str]:
        """The partner units this case has been offered to."""
        return frozenset(str(r["to_unit_id"]) for r in self.referrals if r.get("kind") == "overflow")

    def _answer_referral(self, state: str, by: str, by_name: str, now: datetime, reason: str = "") -> dict[str, Any]:
        pending = self.pending_referral
        if pending is None:
            raise Conflict("There is no referral waiting on this case.", message_sv="Det finns ingen väntande remiss.")
        answered = {
            **pending,
            "state": state,
            "answered_by": by,
            "answered_by_name": by_name,
            "answered_at": now.isoformat(),
        }
        if reason:
            answered["reject_reason"] = reason
        return answered

    def reject_referral(self, by: str, by_name: str, *, reason: str, now: datetime) -> Case:
        """Avvisa remiss: the receiving unit sends the referral back with a reason; the case returns to the
        referring clinician (claimed by them again) at their unit and profession. A retry returns the case."""
        reason = reason.strip()
        last = self.referrals[-1] if self.referrals else None
        if (
            last
            and last.get("state") == "rejected"
            and last.get("answered_by") == by
            and last.get("reject_reason") == reason
        ):
            return self
        if self.pending_referral is None:
            raise Conflict(
                "There is no referral waiting for an answer on this case.",
                message_sv="Det finns ingen remiss att besvara på ärendet.",
            )
        reason = _required(
            reason,
            field_name="reason",
            max_len=REJECT_REASON_MAX,
            empty_en="tell the referring clinician why.",
            empty_sv="Skriv varför remissen avvisas.",
            name_sv="Motiveringen",
        )
        answered = self._answer_referral("rejected", by, by_name, now, reason)
        if answered.get("kind") == "region":  # from another region: it ends here; the answer goes back there
            return dataclasses.replace(
                self,
                status=CaseStatus.CLOSED,
                closed_at=now,
                closed_by=by,
                close_outcome="no_action",
                close_summary=f"Remissen från {answered.get('from_region_name')} avvisades: {reason}",
                referrals=[*self.referrals[:-1], answered],
                events=[{"type": "ReferralRejected", "case_id": self.case_id, "referral_id": answered["referral_id"]}],
            )
        overflow = answered.get("kind") == "overflow"  # declined: back to its own unit's queue, unclaimed
        return dataclasses.replace(
            self,
            unit_id=str(answered["from_unit_id"]),
            profession=str(answered["from_profession"]),
            status=CaseStatus.QUEUED if overflow else CaseStatus.CLAIMED,
            claimed_by=None if overflow else str(answered["by"]),
            claimed_at=None if overflow else now,
            handed_by=None,
            referrals=[*self.referrals[:-1], answered],
            events=[
                {
                    "type": "ReferralRejected",
                    "case_id": self.case_id,
                    "referral_id": answered["referral_id"],
                    "rejected_by": by,
                    "back_to": None if overflow else answered["by"],
                }
            ],
        )

    # --- Referral to another region (another care provider): the patient's consent is recorded; the case and its
    # history travel to the other region's stack as an event (chalicelib/services/interregion.py), wait there in
    # the receiving unit's queue as a referral, and its answer comes back. Until then the referrer keeps the case.

    def region_referral(self, referral_id: str) -> dict[str, Any] | None:
        return next(
            (r for r in self.referrals if r.get("kind") == "region" and r.get("referral_id") == referral_id), None
        )

    @property
    def open_region_referral(self) -> dict[str, Any] | None:
        """The referral to another region waiting for delivery or an answer, if any."""
        return next(
            (
                r
                for r in self.referrals
                if r.get("kind") == "region" and r.get("direction") == "out" and r.get("state") in REGION_REFERRAL_OPEN
            ),
            None,
        )

    def refer_to_region(
        self,
        by: str,
        by_name: str,
        *,
        referral_id: str,
        to_region: str,
        to_region_name: str,
        to_unit_id: str,
        to_unit_name: str,
        to_profession: str,
        sbar: dict[str, str],
        consent: str,
        now: datetime,
    ) -> Case:
        """Remiss till annan region: the claimer sends the case, with the patient's consent (how it was given is
        recorded, with who recorded it and when), to a unit of another region. The case stays theirs until the
        other region accepts it (then it closes here as referred) or sends it back with a reason. A retry (same
        referral id) returns the case."""
        if self.has_referral(referral_id, by=by):
            return self
        self._require_claimed_by(by, action_en="refer", action_sv="remittera")
        if self.open_region_referral is not None:
            raise Conflict(
                "This case is already referred to another region and waits for its answer.",
                message_sv="Ärendet är redan remitterat till en annan region och väntar på svar.",
            )
        if consent not in CONSENT_WAYS:
            raise ValidationFailed(
                "Record how the patient consented to sending the case to the other region "
                f"({', '.join(CONSENT_WAYS)}); without the patient's consent the case cannot be sent.",
                field="consent",
                message_sv="Ange hur patienten samtyckte till att ärendet skickas till den andra regionen. "
                "Utan samtycke kan ärendet inte skickas.",
            )
        if to_profession not in PROFESSIONS:
            raise ValidationFailed(
                f"Unknown profession {to_profession!r}.", field="to_profession", message_sv="Välj en yrkesroll."
            )
        note = self._sbar(sbar)
        referral: dict[str, Any] = {
            "referral_id": referral_id,
            "kind": "region",
            "direction": "out",
            "state": "sending",
            "from_unit_id": self.unit_id,
            "from_profession": self.profession,
            "to_region": to_region,
            "to_region_name": to_region_name,
            "to_unit_id": to_unit_id,
            "to_unit_name": to_unit_name,
            "to_profession": to_profession,
            "by": by,
            "by_name": by_name,
            "at": now.isoformat(),
            "consent": {"how": consent, "recorded_by": by, "recorded_by_name": by_name, "at": now.isoformat()},
            **note,
        }
        return dataclasses.replace(
            self,
            referrals=[*self.referrals, referral],
            events=[{"type": "CaseReferred", "case_id": self.case_id, "referral_id": referral_id, "kind": "region"}],
        )

    def region_referral_delivered(self, referral_id: str, *, remote_case_id: str, now: datetime) -> Case:
        """The other region has the case in its queue (its case id there is kept)."""
        return self._update_region_referral(
            referral_id,
            lambda r: (
                None
                if r.get("state") != "sending"
                else {**r, "state": "delivered", "remote_case_id": remote_case_id, "delivered_at": now.isoformat()}
            ),
        )

    def region_referral_answered(
        self, referral_id: str, *, state: str, by_name: str, reason: str, at: datetime, now: datetime
    ) -> Case:
        """The other region's answer. Accepted: the case is theirs now and closes here as referred (if still open).
        Rejected (or not deliverable): the referrer keeps the case and sees why. An answer given before changes
        nothing."""
        referral = self.region_referral(referral_id)
        if referral is None or referral.get("direction") != "out":
            raise NotFound("There is no such referral to another region on this case.")
        if referral.get("state") not in REGION_REFERRAL_OPEN:
            return self
        answered = {**referral, "state": state, "answered_by_name": by_name, "answered_at": at.isoformat()}
        if reason:
            answered["reject_reason"] = reason
        referrals = [answered if r is referral else r for r in self.referrals]
        if state == "accepted" and self.is_open:
            summary = (
                f"Remitterad till {referral.get('to_region_name')}, {referral.get('to_unit_name')} "
                f"(patientens samtycke {CONSENT_WAYS_SV.get(str((referral.get('consent') or {}).get('how')), '')}); "
                f"mottagen av {by_name}."
            )
            return dataclasses.replace(
                self,
                referrals=referrals,
                status=CaseStatus.CLOSED,
                closed_at=now,
                closed_by=str(referral.get("by")),
                close_outcome="referred",
                close_summary=summary,
                events=[{"type": "ReferralAccepted", "case_id": self.case_id, "referral_id": referral_id}],
            )
        return dataclasses.replace(
            self,
            referrals=referrals,
            events=[{"type": f"Referral{state.capitalize()}", "case_id": self.case_id, "referral_id": referral_id}],
        )

    def _update_region_referral(
        self, referral_id: str, change: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> Case:
        referral = self.region_referral(referral_id)
        if referral is None:
            raise NotFound("There is no such referral to another region on this case.")
        changed = change(referral)
        if changed is None:
            return self
        return dataclasses.replace(self, referrals=[changed if r is referral else r for r in self.referrals], events=[])

    @staticmethod
    def from_region(
        *,
        case_id: str,
        tenant: str,
        patient_ref: str,
        patient_name: str,
        patient_age: int | None,
        referral: dict[str, Any],
        story: dict[str, Any],
        now: datetime,
        submitted_by: str | None = None,
    ) -> Case:
        """A case referred here from another region: it waits in the receiving unit's queue as a referral (kind
        ``region``), for the profession asked, with the priority, deadline and place (submit time) it had there, the
        whole story (the triage and its answers, the chat so far) and the SBAR note. Taking it accepts the referral;
        rejecting it closes it here and sends the answer back. A child's case keeps its guardian (``submitted_by``,
        the guardian's keyed reference here)."""
        disposition = story.get("disposition")
        case = Case.submit(
            case_id=case_id,
            tenant=tenant,
            unit_id=str(referral["to_unit_id"]),
            patient_ref=patient_ref,
            reason=str(story.get("reason") or ""),
            free_text=str(story.get("free_text") or ""),
            priority=story.get("priority") or "P4",
            profession=str(referral["to_profession"]),
            now=datetime.fromisoformat(str(story["submitted_at"])),
            disposition=None if disposition in REDIRECTING_DISPOSITIONS or disposition == "self_care" else disposition,
            triage=story.get("triage"),
            expectations=str(story.get("expectations") or ""),
            notify_sms=story.get("notify_sms"),
            notify_email=story.get("notify_email"),
            patient_name=patient_name,
            patient_age=patient_age,
            triage_answers=list(story.get("triage_answers") or []),
            entry={"channel": "region_referral", "from_region": referral.get("from_region")},
            submitted_by=submitted_by,
        )
        incoming = {**referral, "kind": "region", "direction": "in", "state": "pending", "received_at": now.isoformat()}
        return dataclasses.replace(case, referrals=[incoming], events=case.events)

    def _sbar(self, sbar: dict[str, str]) -> dict[str, str]:
        return {
            name: _required(
                sbar.get(name) or "",
                field_name=name,
                max_len=SBAR_MAX,
                empty_en="a referral carries a whole SBAR note.",
                empty_sv=f"Fyll i {SBAR_SV[name]}.",
                name_sv=f"Fältet {SBAR_SV[name]}",
            )
            for name in SBAR_FIELDS
        }

    @property
    def deadline(self) -> datetime | None:
        """When first contact is due: the triage's deadline for the case's priority (None for self-care), or the
        deadline of staff's latest override of the priority."""
        raw = next((o.get("deadline") for o in reversed(self.overrides) if o.get("deadline")), None)
        raw = raw or (self.triage or {}).get("deadline")
        return datetime.fromisoformat(str(raw)) if raw else None

    def is_overdue(self, now: datetime) -> bool:
        """Waiting in the queue, unclaimed, past its deadline: escalated to the unit's coordinator (the schedule
        marks it within a minute, ``AlertService.escalate_overdue``)."""
        deadline = self.deadline
        return self.status is CaseStatus.QUEUED and self.claimed_by is None and deadline is not None and deadline < now

    @property
    def sent_by_guardian(self) -> bool:
        """A guardian sent the case for their child: both see it."""
        return self.submitted_by is not None and self.submitted_by != self.patient_ref

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


class MessageKind(enum.StrEnum):
    TEXT = "text"
    PHOTO_REQUEST = "photo_request"  # staff ask the citizen for a photo; the citizen's chat offers an upload
    PHOTO = "photo"  # the citizen sent a photo into the chat (``photo_id`` names it)
    BOOKING_OFFER = "booking_offer"  # staff offer times (``slot_ids``); the citizen books one from the chat


class SenderKind(enum.StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


@dataclass(frozen=True)
class OfferedTime:
    """A time offered in the chat, as the message shows it (no health data: when, how, where, with whom)."""

    slot_id: str
    start: datetime
    end: datetime
    form: str
    location: str
    staff_name: str

    def to_dict(self) -> dict[str, str]:
        return {
            "slot_id": self.slot_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "form": self.form,
            "location": self.location,
            "staff_name": self.staff_name,
        }

    @staticmethod
    def from_dict(raw: dict[str, Any]) -> OfferedTime:
        return OfferedTime(
            slot_id=str(raw["slot_id"]),
            start=datetime.fromisoformat(str(raw["start"])),
            end=datetime.fromisoformat(str(raw["end"])),
            form=str(raw.get("form", "")),
            location=str(raw.get("location", "")),
            staff_name=str(raw.get("staff_name", "")),
        )


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
    kind: MessageKind = MessageKind.TEXT
    photo_id: str | None = None  # kind PHOTO: the case's photo this message shows
    slot_ids: tuple[str, ...] = ()  # kind BOOKING_OFFER: the offered times
    slots: tuple[OfferedTime, ...] = ()  # kind BOOKING_OFFER: what those times are, in the order offered

    @staticmethod
    def validate_text(text: str) -> str:
        return _clean(text, field_name="text", max_len=MESSAGE_MAX, required=True)


PENDING_REFERRAL_SHOWN = ("kind", "from_unit_id", "from_unit_name", "from_region_name", "by", "by_name", "at")


@dataclass(frozen=True)
class QueuedCase:
    """A case as a list of cases shows it (the queue, Mina pågående): what a queue entry shows and what its access
    record needs, not the whole case (no free text, triage, answers or full name). The queue reads it from the queue
    view index, which projects only ``card()``, the message counter and the profession (for the filter); a whole case
    gives the same through ``of``."""

    case_id: str
    tenant: str
    unit_id: str
    patient_ref: str
    reason: str
    priority: str | None
    profession: str
    status: CaseStatus
    submitted_at: datetime
    disposition: str | None = None
    message_seq: int = 0
    claimed_by: str | None = None
    deadline: datetime | None = None
    patient_first_name: str = ""
    patient_age: int | None = None
    overridden: bool = False
    pending_referral: dict[str, Any] | None = None  # the fields of PENDING_REFERRAL_SHOWN, while one waits
    referrals: tuple[dict[str, Any], ...] = ()  # each referral's to_unit_id and by: the access record's ground

    @staticmethod
    def of(case: Case) -> QueuedCase:
        pending = case.pending_referral
        return QueuedCase(
            case_id=case.case_id,
            tenant=case.tenant,
            unit_id=case.unit_id,
            patient_ref=case.patient_ref,
            reason=case.reason,
            priority=case.priority,
            profession=case.profession,
            status=case.status,
            submitted_at=case.submitted_at,
            disposition=case.disposition,
            message_seq=case.message_seq,
            claimed_by=case.claimed_by,
            deadline=case.deadline,
            patient_first_name=(case.patient_name.split() or [""])[0],
            patient_age=case.patient_age,
            overridden=bool(case.overrides),
            pending_referral=None
            if pending is None
            else {k: pending[k] for k in PENDING_REFERRAL_SHOWN if k in pending},
            referrals=tuple({k: r[k] for k in ("to_unit_id", "by") if k in r} for r in case.referrals),
        )

    def card(self) -> dict[str, Any]:
        """Everything but the message counter (which a chat message changes in place), as one compact value: derived
        from the whole case each time it is written (a change of profession or priority too), projected into the
        queue view index. Empty values are left out."""
        card: dict[str, Any] = {
            "case_id": self.case_id,
            "tenant": self.tenant,
            "unit_id": self.unit_id,
            "patient_ref": self.patient_ref,
            "reason": self.reason,
            "priority": self.priority,
            "profession": self.profession,
            "status": self.status.value,
            "submitted_at": self.submitted_at.isoformat(),
            "disposition": self.disposition,
            "claimed_by": self.claimed_by,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "first_name": self.patient_first_name or None,
            "age": self.patient_age,
            "overridden": self.overridden or None,
            "pending": self.pending_referral,
            "referrals": list(self.referrals) or None,
        }
        return {k: v for k, v in card.items() if v is not None}

    @staticmethod
    def from_card(card: dict[str, Any], *, message_seq: int) -> QueuedCase:
        """The entry a stored ``card()`` describes, with the case's message counter."""
        deadline = card.get("deadline")
        return QueuedCase(
            case_id=str(card["case_id"]),
            tenant=str(card["tenant"]),
            unit_id=str(card["unit_id"]),
            patient_ref=str(card["patient_ref"]),
            reason=str(card["reason"]),
            priority=None if card.get("priority") is None else str(card["priority"]),
            profession=str(card["profession"]),
            status=CaseStatus(card["status"]),
            submitted_at=datetime.fromisoformat(str(card["submitted_at"])),
            disposition=None if card.get("disposition") is None else str(card["disposition"]),
            message_seq=message_seq,
            claimed_by=None if card.get("claimed_by") is None else str(card["claimed_by"]),
            deadline=datetime.fromisoformat(str(deadline)) if deadline else None,
            patient_first_name=str(card.get("first_name") or ""),
            patient_age=None if card.get("age") is None else int(card["age"]),
            overridden=bool(card.get("overridden")),
            pending_referral=dict(card["pending"]) if card.get("pending") else None,
            referrals=tuple(dict(r) for r in card.get("referrals") or ()),
        )

    def is_overdue(self, now: datetime) -> bool:
        """As ``Case.is_overdue``: waiting in the queue, unclaimed, past its deadline."""
        deadline = self.deadline
        return self.status is CaseStatus.QUEUED and self.claimed_by is None and deadline is not None and deadline < now
