"""Request and response bodies of the REST API (pydantic). The OpenAPI document is built from these."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AwareDatetime, BeforeValidator, Field, StrictFloat, StrictInt, StrictStr

from chalicelib.api.core_models import ApiModel, Strict
from chalicelib.domain.model import (
    CLOSE_SUMMARY_MAX,
    EXPECTATIONS_MAX,
    MESSAGE_MAX,
    OVERRIDE_REASON_MAX,
    REASON_MAX,
    REJECT_REASON_MAX,
    SBAR_MAX,
    Case,
    Message,
    OfferedTime,
    Principal,
    QueuedCase,
)

if TYPE_CHECKING:
    from chalicelib.services.photos import ViewablePhoto


class CaseSummary(ApiModel):
    case_id: str
    unit_id: str
    reason: str
    priority: str | None = Field(description="P1–P5; null for a self-care case")
    profession: str
    status: str = Field(description="queued, claimed, closed, redirected (emergency/1177) or self_care")
    disposition: str | None = Field(default=None, description="the triage's vårdnivå, when the case was triaged")
    submitted_at: datetime

    @classmethod
    def of(cls, case: Case) -> CaseSummary:
        return cls(**cls.fields_of(case))

    @staticmethod
    def fields_of(case: Case | QueuedCase) -> dict[str, Any]:
        """The summary's fields, of a whole case or of a case as a list shows it (the queue view, ``QueueEntry``)."""
        return {
            "case_id": case.case_id,
            "unit_id": case.unit_id,
            "reason": case.reason,
            "priority": case.priority,
            "profession": case.profession,
            "status": case.status.value,
            "disposition": case.disposition,
            "submitted_at": case.submitted_at,
        }


class CitizenTimelineEntry(ApiModel):
    type: str = Field(
        description="submitted, queued (contact chosen after self-care), claimed, referred, booked, rescheduled, "
        "booking_cancelled, video_started, video_ended, closed"
    )
    occurred_at: str


class CaseDetail(CaseSummary):
    """What both the citizen and the staff see of one case: the intake and the triage outcome."""

    free_text: str
    expectations: str = Field(default="", description="What the citizen expects from the contact")
    triage: dict[str, Any] | None = Field(default=None, description="the triage outcome, when the case was triaged")
    notify_sms: str | None = Field(default=None, description="Mobile number for SMS notices (E.164)")
    notify_email: str | None = None

    @classmethod
    def of(cls, case: Case) -> CaseDetail:
        return cls(
            **CaseSummary.of(case).model_dump(),
            free_text=case.free_text,
            expectations=case.expectations,
            triage=case.triage,
            notify_sms=case.notify_sms,
            notify_email=case.notify_email,
        )


class CitizenCase(CaseDetail):
    for_child: str | None = Field(default=None, description="The child's id, when a guardian sought care for them")
    patient_name: str | None = Field(default=None, description="The child's name, for a guardian's case")
    timeline: list[CitizenTimelineEntry] = Field(default_factory=list, description="What has happened, oldest first")

    @classmethod
    def of(
        cls, case: Case, principal: Principal | None = None, timeline: list[dict[str, Any]] | None = None
    ) -> CitizenCase:
        ward = principal.ward(case.patient_ref) if principal is not None else None
        return cls(
            **CaseDetail.of(case).model_dump(),
            for_child=ward.ref if ward else None,
            patient_name=ward.name if ward else None,
            timeline=[CitizenTimelineEntry(**e) for e in timeline or []],
        )


class CaseList(ApiModel):
    cases: list[CaseSummary]


class TimelineEntry(ApiModel):
    event_id: str
    type: str
    occurred_at: str
    data: dict[str, Any]


class EarlierCase(ApiModel):
    case_id: str
    reason: str
    submitted_at: datetime
    status: str
    priority: str | None
    close_outcome: str | None = None
    closed_at: datetime | None = None


class CaseEntry(ApiModel):
    """How the contact began, when not on the citizen's own initiative on the web."""

    channel: Literal["phone_invite", "region_referral", "unit_link", "app", "chosen", "region"] = Field(
        description="phone_invite: an SMS login link sent during a phone call; region_referral: referred here from "
        "another region (its referral is in referrals); unit_link: a unit's link or QR code; app: a regional app's "
        "deep link; chosen: the citizen picked the unit in the list; region: the region-wide entry (no unit)"
    )
    unit_id: str = ""
    profession: str | None = Field(default=None, description="unit_link/app: the link's profession")
    invited_by: str = Field(default="", description="HSA-id of the staff member who sent the link")
    invited_by_name: str = ""
    from_region: str | None = Field(default=None, description="region_referral: the referring region")


class RoutingAlternative(ApiModel):
    unit_id: str
    rule: str = Field(description="Which rule named it: phone_invite, p5_pool, entry_unit, listed_unit, fallback, "
                      "region_unit")  # fmt: skip
    reason: Literal["taken", "unknown_unit", "no_profession", "closed", "full", "not_reached"]
    text: dict[str, str] = Field(description="Why, in Swedish (sv) and English (en)")


class RoutingRecord(ApiModel):
    """Where routing sent the case, by which rule, and every alternative it considered (docs/operations.md)."""

    unit_id: str
    rule: str = Field(
        description="phone_invite, p5_pool, entry_unit, listed_unit, fallback, region_unit, all_full, after_hours, "
        "no_unit or record_only"
    )
    profession: str
    disposition: str
    explanation: dict[str, str] = Field(description="Why, in Swedish (sv) and English (en)")
    considered: list[RoutingAlternative] = Field(default_factory=list)
    entry: dict[str, str] = Field(default_factory=dict, description="How the citizen came in: via, unit_id, profession")
    listed_unit_id: str | None = Field(default=None, description="The unit the citizen is listed at, when known")


PROFESSION_CODES = Literal["nurse", "doctor", "psychologist", "physiotherapist", "midwife", "medical_secretary"]
DISPOSITION_CODES = Literal[
    "emergency_112", "emergency_department", "call_1177", "self_care", "chat", "video", "physical"
]


class SimulatedEntry(Strict):
    """How the simulated citizen came in."""

    via: Literal["region", "unit_link", "app", "chosen", "phone"] = Field(
        description="region: 1177.se or the region's site (no unit); unit_link: a unit's link or QR code; app: a "
        "regional app's deep link; chosen: picked in the list; phone: the SMS login link staff sent during a call"
    )
    unit_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="The unit of the link, app, choice or call (not region)"
    )
    profession: PROFESSION_CODES | None = Field(
        default=None, description="unit_link/app only: the link's profession (the unit must offer it)"
    )


class SimulatedOutcome(Strict):
    """The triage outcome to route, as the triage would give it."""

    disposition: DISPOSITION_CODES
    priority: Literal["P1", "P2", "P3", "P4", "P5"] | None = Field(
        default=None, description="Required unless the disposition is self_care (112 is always P1)"
    )
    profession: PROFESSION_CODES


def _iso_text(value: object) -> object:
    """A time comes as ISO 8601 text (not a number of seconds, which pydantic would also read)."""
    if not isinstance(value, str):
        raise ValueError("give the time as ISO 8601 text with its offset")
    return value


class RoutingSimulation(Strict):
    """Where a case would land: the same routing function as live cases, with the facts given here instead of a
    citizen's. It reads no patient data and writes nothing, so it needs no Idempotency-Key and leaves no access
    record; the other units' queues are read as they are now (only how many wait)."""

    entry: SimulatedEntry
    listed_unit_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="The unit the citizen is listed at; null: not listed"
    )
    at: Annotated[AwareDatetime, BeforeValidator(_iso_text)] = Field(
        description="When the case is sent: ISO 8601 with its offset, e.g. 2025-03-15T22:00:00+01:00"
    )
    outcome: SimulatedOutcome
    full_units: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=500, description="Units to treat as full (over capacity) for every profession"
    )


class RoutingFallbackView(ApiModel):
    unit_id: str
    professions: list[str] = Field(description="The professions it takes; empty: all")
    priorities: list[str] = Field(description="The priorities it takes; empty: all")


class RoutingRulesView(ApiModel):
    """The region's routing rules as they are now (the region's configuration file: ``routing``, ``after_hours``)."""

    fallbacks: list[RoutingFallbackView] = Field(description="In the order they are tried")
    p5_pool: str | None = Field(description="Where P5 (Avvakta) cases go first; null: none")
    after_hours: Literal["call_1177", "jourcentral"] = Field(
        description="What cannot wait for a closed unit: call 1177, or the jourcentral's queue"
    )
    jourcentral: str | None = Field(description="The jourcentral's unit, when after_hours is jourcentral")


class RoutingSimulated(RoutingRecord):
    """The decision as a case would keep it (``routing``), with the simulated outcome's priority and deadline and
    the region's rules that decided it."""

    priority: str | None = Field(description="P1–P5; null for self-care")
    deadline: datetime | None = Field(description="First contact at the latest (at + the priority's time)")
    rules: RoutingRulesView


class RoutingUnitView(ApiModel):
    unit_id: str
    name: str
    professions: list[str]
    capacity: dict[str, int] = Field(
        description="The most cases that may wait unclaimed, per profession (none: no cap)"
    )
    waiting: dict[str, int] = Field(description="How many cases wait unclaimed now, per profession")
    opening_hours: dict[str, Any] = Field(
        default_factory=dict, description="Per channel (chat, video, physical), Swedish time; empty: always open"
    )


class RoutingOverview(ApiModel):
    """The region's routing at a glance for its administrators: the rules, and every unit's professions, capacity
    and queue now (counts only)."""

    rules: RoutingRulesView
    units: list[RoutingUnitView]


class StaffCase(CaseDetail):
    version: int = Field(default=0, description="Grows with every change; a live push with a higher one: fetch again")
    entry: CaseEntry | None = Field(default=None, description="How the contact began (a phone call's SMS link)")
    routing: RoutingRecord | None = Field(default=None, description="Why the case is at this unit")
    claimed_by: str | None = Field(default=None, description="HSA-id of the staff member handling the case")
    claimed_at: datetime | None = Field(default=None, description="When the current claimer took (or was handed) it")
    handed_by: str | None = Field(default=None, description="HSA-id of the colleague who handed it to the claimer")
    closed_at: datetime | None = None
    closed_by: str | None = None
    close_outcome: str | None = Field(default=None, description="advice_given, booked, referred, prescription, …")
    close_summary: str | None = Field(default=None, description="The summary for the medical record")
    message_count: int
    timeline: list[TimelineEntry]
    patient_name: str = ""
    sent_by_guardian: bool = Field(
        default=False, description="A guardian sent the case for their child (a referral to another region asks both)"
    )
    age_band: str | None = None
    deadline: datetime | None = None
    seconds_left: int | None = Field(default=None, description="Until the deadline; negative when overdue")
    triage_answers: list[dict[str, Any]] = Field(
        default_factory=list, description="The triage transcript: step_id, question {sv,en}, answer, answer_text"
    )
    overrides: list[dict[str, Any]] = Field(default_factory=list, description="Staff's changes to the triage")
    referrals: list[dict[str, Any]] = Field(default_factory=list, description="Referrals with their SBAR notes")
    earlier_cases: list[EarlierCase] = Field(
        default_factory=list,
        description="This patient's other cases here (only in GET /staff/cases/{id}; handling answers leave it empty)",
    )


class HandOver(Strict):
    to_hsa_id: str = Field(
        min_length=1, max_length=64, description="The colleague (HSA-id) with the case's profession at its unit"
    )


CloseOutcome = Literal["advice_given", "booked", "referred", "prescription", "no_action"]


class CloseCase(Strict):
    outcome: CloseOutcome = Field(description="How the case ended")
    summary: str = Field(min_length=1, max_length=CLOSE_SUMMARY_MAX, description="For the medical record")


class PendingReferral(ApiModel):
    kind: str = Field(
        default="referral",
        description="referral (a clinician's remiss), overflow (near its deadline) or region (from another region)",
    )
    from_unit_id: str
    from_unit_name: str
    by_name: str
    at: datetime


class QueueEntry(CaseSummary):
    waiting_seconds: int
    deadline: datetime | None = Field(default=None, description="When first contact is due, per the priority")
    seconds_left: int | None = Field(default=None, description="Until the deadline; negative when overdue")
    escalated: bool = Field(
        default=False,
        description="Waiting unclaimed past its deadline: escalated to the unit's coordinator (whose queue covers "
        "every profession of the unit, so they find it here whether or not they were online when it was escalated)",
    )
    age_band: str | None = Field(default=None, description="The patient's age band (0–1, 2–5 … 80+)")
    patient_first_name: str = Field(default="", description="For the greeting; the full name is in the case view")
    referral: PendingReferral | None = Field(default=None, description="Set while the case waits as a referral here")
    overridden: bool = Field(default=False, description="Staff changed the triage's priority or profession")
    message_count: int = 0


class MyCases(ApiModel):
    cases: list[QueueEntry]


class Override(Strict):
    priority: Literal["P1", "P2", "P3", "P4", "P5"] | None = Field(default=None, description="The new priority")
    profession: str | None = Field(default=None, max_length=40, description="The new profession")
    reason: str = Field(min_length=1, max_length=OVERRIDE_REASON_MAX, description="Why the triage is changed")


class Refer(Strict):
    referral_id: str | None = Field(
        default=None, max_length=64, description="Optional client id; the Idempotency-Key is used when absent"
    )
    to_unit_id: str = Field(min_length=1, max_length=64)
    to_profession: str = Field(min_length=1, max_length=40)
    situation: str = Field(min_length=1, max_length=SBAR_MAX, description="S: what the case is about now")
    background: str = Field(min_length=1, max_length=SBAR_MAX, description="B: what led here")
    assessment: str = Field(min_length=1, max_length=SBAR_MAX, description="A: the referring clinician's assessment")
    recommendation: str = Field(min_length=1, max_length=SBAR_MAX, description="R: what the receiver should do")


class ReferToRegion(Strict):
    referral_id: str | None = Field(
        default=None, max_length=64, description="Optional client id; the Idempotency-Key is used when absent"
    )
    to_region: str = Field(min_length=1, max_length=40, description="A partner region (GET /staff/regions)")
    to_unit_id: str = Field(min_length=1, max_length=64, description="A unit of that region")
    to_profession: str = Field(min_length=1, max_length=40)
    consent: str = Field(
        min_length=1, max_length=10, description="How the patient consented: chat, phone, video or visit"
    )
    personal_number: str = Field(
        min_length=10, max_length=13, description="The patient's personnummer, confirmed with the patient"
    )
    guardian_personal_number: str | None = Field(
        default=None,
        min_length=10,
        max_length=13,
        description="The guardian's personnummer, when a guardian sent the case for their child (sent_by_guardian)",
    )
    situation: str = Field(min_length=1, max_length=SBAR_MAX, description="S: what the case is about now")
    background: str = Field(min_length=1, max_length=SBAR_MAX, description="B: what led here")
    assessment: str = Field(min_length=1, max_length=SBAR_MAX, description="A: the referring clinician's assessment")
    recommendation: str = Field(min_length=1, max_length=SBAR_MAX, description="R: what the receiver should do")


class PartnerUnit(ApiModel):
    unit_id: str
    name: str
    professions: list[str] | None = None


class PartnerRegion(ApiModel):
    tenant: str
    name: str
    available: bool = Field(description="False when the region's stack did not answer just now")
    units: list[PartnerUnit]


class PartnerRegions(ApiModel):
    regions: list[PartnerRegion]


class ReferralReceived(ApiModel):
    case_id: str = Field(description="The case in the receiving region")
    new: bool = Field(description="False when the same referral had already been received")


class ReferralAnswerReceived(ApiModel):
    state: str = Field(description="The referral's state at the referring region now")


class RejectReferral(Strict):
    reason: str = Field(min_length=1, max_length=REJECT_REASON_MAX, description="Why the referral is sent back")


class Queue(ApiModel):
    unit_id: str
    cases: list[QueueEntry] = Field(description="One page of the queue, the most urgent first")
    counts: dict[str, int] = Field(description="The whole queue's cases by priority (not only this page's)")
    total: int = Field(default=0, description="Cases in the whole queue (for the professions shown)")
    next_cursor: str | None = Field(default=None, description="Pass as ?cursor= for the next page; none: the last")
    escalated: list[QueueEntry] = Field(
        default_factory=list,
        description="On the first page: the cases past their deadline that the page does not show (escalated)",
    )


class PostMessage(Strict):
    text: str = Field(min_length=1, max_length=MESSAGE_MAX)
    client_id: str = Field(min_length=1, max_length=64, description="Client-made id; a retry never duplicates")


class OfferedTimeView(ApiModel):
    slot_id: str
    start: datetime
    end: datetime
    form: str = Field(description="physical, video or phone")
    location: str
    staff_name: str

    @classmethod
    def of(cls, t: OfferedTime) -> OfferedTimeView:
        return cls(
            slot_id=t.slot_id, start=t.start, end=t.end, form=t.form, location=t.location, staff_name=t.staff_name
        )


class MessageView(ApiModel):
    case_id: str
    seq: int
    client_id: str
    sender_kind: str
    sender_name: str
    text: str
    sent_at: datetime
    kind: str = Field(default="text", description="text, photo_request (staff ask for a photo), photo or booking_offer")
    photo_id: str | None = Field(default=None, description="kind photo: the case's photo the message shows")
    slot_ids: list[str] = Field(default_factory=list, description="kind booking_offer: the offered times")
    slots: list[OfferedTimeView] = Field(
        default_factory=list, description="kind booking_offer: what the offered times are (when, how, where, with whom)"
    )

    @classmethod
    def of(cls, m: Message) -> MessageView:
        return cls(
            case_id=m.case_id,
            seq=m.seq,
            client_id=m.client_id,
            sender_kind=m.sender_kind.value,
            sender_name=m.sender_name,
            text=m.text,
            sent_at=m.sent_at,
            kind=m.kind.value,
            photo_id=m.photo_id,
            slot_ids=list(m.slot_ids),
            slots=[OfferedTimeView.of(s) for s in m.slots],
        )


class MessageList(ApiModel):
    messages: list[MessageView]
    read: dict[Literal["citizen", "staff"], int] = Field(
        description="Read receipts: the highest seq each side has read (0: none); staff read for their unit"
    )
    read_at: dict[Literal["citizen", "staff"], datetime | None] = Field(description="When each side's mark last moved")


class LoggedOut(ApiModel):
    logged_out: bool


class WsTicket(ApiModel):
    ticket: str = Field(description="Give it as ?ticket= when opening the WebSocket; works once")
    expires_in: int


class LoginMethods(ApiModel):
    citizen: list[str] = Field(description="bankid, freja …")
    staff: list[str] = Field(description="siths …")


class BankIdStart(Strict):
    same_device: bool = Field(description="true: open BankID on this device; false: scan the QR code with another")


class BankIdLogin(Strict):
    login_id: str = Field(min_length=1, max_length=100)


class UserMessage(ApiModel):
    id: str
    sv: str
    en: str


class BankIdState(ApiModel):
    status: str = Field(description="pending, failed or complete")
    login_id: str | None = None
    hint_code: str | None = None
    message: UserMessage | None = None
    auto_start_token: str | None = None
    qr_svg: str | None = None
    token: str | None = None
    kind: str | None = None
    name: str | None = None


class BankIdQr(ApiModel):
    qr_svg: str


class Cancelled(ApiModel):
    cancelled: bool


class LoginCode(Strict):
    code: str = Field(min_length=1, max_length=100)


class LoggedIn(ApiModel):
    token: str
    kind: str
    name: str


class Child(ApiModel):
    child_id: str
    name: str
    birth_date: str


class Children(ApiModel):
    children: list[Child] = Field(description="Children under 18 in your custody, per the population register")


# --- The citizen's triage (a draft answered step by step) ---

# The reason and the free text are scanned together by the triage engine, which reads at most 2000 characters.
DRAFT_FREE_TEXT_MAX = 1500

AnswerInput = Annotated[StrictStr, Field(max_length=2000)] | StrictInt | StrictFloat | list[StrictStr]


NOTIFY_SMS = Field(default=None, max_length=40, description="Mobile number for SMS notices (070-123 45 67, +46…)")
NOTIFY_EMAIL = Field(default=None, max_length=254, description="E-mail address for notices")
EXPECTATIONS = Field(default="", max_length=EXPECTATIONS_MAX, description="What the citizen expects from the contact")


class BeginTriage(Strict):
    unit_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="The unit the citizen came by or chose; none for the region-wide entry (as from 1177.se): "
        "routing then finds the unit, normally the citizen's listed health centre",
    )
    via: Literal["unit_link", "app", "chosen"] | None = Field(
        default=None,
        description="How the unit was given: unit_link (its link or QR code), app (a regional app's deep link), "
        "chosen (picked in the list; the default with a unit_id)",
    )
    profession: str | None = Field(
        default=None,
        max_length=40,
        description="A unit link's profession (e.g. physiotherapist), only with via unit_link or app",
    )
    reason: str = Field(min_length=1, max_length=REASON_MAX, description="Sökorsak: the reason for contact")
    free_text: str = Field(default="", max_length=DRAFT_FREE_TEXT_MAX, description="The citizen's own words")
    for_child: str | None = Field(
        default=None, max_length=64, description="Triage for this child (an id from GET /citizen/children)"
    )
    expectations: str = EXPECTATIONS
    notify_sms: str | None = NOTIFY_SMS
    notify_email: str | None = NOTIFY_EMAIL
    invite: str | None = Field(
        default=None,
        max_length=100,
        description="The token of a login link staff sent by SMS during a phone call (#/ny-kontakt?inbjudan=…): "
        "the case records that it began on the phone and who sent the link",
    )


class UpdateIntake(Strict):
    """Change what was written in the intake (only the fields given)."""

    # Not nullable: the reason cannot be removed and "" clears the own words (a null was a 500, found by fuzzing).
    # The defaults are never used: only the fields given are applied (``exclude_unset``).
    reason: str = Field(default="", min_length=1, max_length=REASON_MAX)
    free_text: str = Field(default="", max_length=DRAFT_FREE_TEXT_MAX)
    expectations: str | None = Field(default=None, max_length=EXPECTATIONS_MAX)
    notify_sms: str | None = NOTIFY_SMS
    notify_email: str | None = NOTIFY_EMAIL


class TriageAnswer(Strict):
    step_id: str = Field(min_length=1, max_length=64, description="The id of the step being answered")
    value: AnswerInput = Field(
        description='An option id, a list of option ids, a number, text, or "unknown" (vet ej) — per the step\'s kind'
    )


class TriageBack(Strict):
    step_id: str | None = Field(
        default=None,
        max_length=64,
        description="The question to return to (the last one answered); a retry then changes nothing",
    )


class Localized(ApiModel):
    sv: str
    en: str


class TriageOption(ApiModel):
    id: str
    text: Localized


class TriageStep(ApiModel):
    id: str
    section: str = Field(description="basic_facts, red_flag_screen, complaint, duration, protocol or modifiers")
    kind: str = Field(description="single_choice, multiple_choice, yes_no, number or free_text")
    text: Localized
    help: Localized | None = None
    options: list[TriageOption] = Field(default_factory=list)
    allow_unknown: bool = Field(description='"unknown" (vet ej) is always accepted')
    min: float | None = None
    max: float | None = None
    integer: bool = True
    unit: Localized | None = None


class TriageProgress(ApiModel):
    answered: int = Field(description="Questions answered so far (the engine gives no reliable count of those left)")
    section_index: int = Field(description="1-based: the part of the triage the current question belongs to")
    section_count: int = Field(description="How many parts the triage has (basic facts … modifiers)")


class TriageRedFlag(ApiModel):
    rule_id: str
    answers: dict[str, Any]


class TriageFreeTextFlag(ApiModel):
    term_id: str
    category: str
    matched: str
    negated: bool
    source: str


class TriageResult(ApiModel):
    priority: str | None = Field(description="P1–P4; null for self-care")
    deadline: datetime | None
    disposition: str
    profession: str
    red_flags: list[TriageRedFlag]
    explanation: Localized
    advice_id: str | None
    crisis_info: bool
    free_text_flags: list[TriageFreeTextFlag]


class Photo(ApiModel):
    photo_id: str
    width: int
    height: int
    thumbnail_url: str = Field(description="JPEG of at most 320 px; the URL works for a few minutes")
    url: str = Field(description="The photo, re-encoded without metadata; the URL works for a few minutes")
    uploaded_at: datetime

    @staticmethod
    def of(viewable: ViewablePhoto) -> Photo:
        photo = viewable.photo
        return Photo(
            photo_id=photo.photo_id,
            width=photo.width,
            height=photo.height,
            thumbnail_url=viewable.thumbnail_url,
            url=viewable.url,
            uploaded_at=photo.uploaded_at,
        )


class Listing(ApiModel):
    """The health centre the citizen is listed at (listning), from the region's listing register."""

    unit_id: str | None = Field(description="Its HSA-id; null when not listed, or not at a unit in Nära")
    unit_name: str | None = None


class TriageDraft(ApiModel):
    draft_id: str
    unit_id: str | None = Field(description="The unit the citizen came by or chose; null: routed when sent")
    reason: str
    free_text: str
    for_child: str | None = None
    expectations: str = ""
    notify_sms: str | None = None
    notify_email: str | None = None
    status: str = Field(description="in_progress, finished, or submitted (then case_id is set)")
    case_id: str | None = Field(default=None, description="The case the draft was sent as")
    version: int
    expires_at: datetime
    step: TriageStep | None = Field(description="The question to answer now; null when finished")
    progress: TriageProgress
    outcome: TriageResult | None = Field(description="Set when finished (not yet a queued case)")
    photos: list[Photo] = Field(default_factory=list, description="Photos attached so far (at most 5)")


class DraftSummary(ApiModel):
    draft_id: str
    reason: str
    for_child: str | None = None
    status: str
    answered: int
    updated_at: datetime
    expires_at: datetime


class DraftList(ApiModel):
    drafts: list[DraftSummary] = Field(description="Unsent, unexpired triages, newest first")


class ComplaintOptions(ApiModel):
    options: list[TriageOption] = Field(description="Best matches first; always ends with 'other'")


class AdviceSection(ApiModel):
    id: str = Field(description="what_to_do, what_to_expect or seek_care_again")
    title: Localized
    text: Localized = Field(description='Plain text; lines starting with "- " are list items')


class AdviceSource(ApiModel):
    title: str
    publisher: str | None = None
    url: str | None = None


class Advice(ApiModel):
    advice_id: str
    version: str
    title: Localized
    sections: list[AdviceSection]
    sources: list[AdviceSource]


class EmergencyDepartment(ApiModel):
    name: str
    address: str
    phone: str
    hours: Localized


class EmergencyDepartments(ApiModel):
    departments: list[EmergencyDepartment]


class WaitingRoom(ApiModel):
    status: str
    position: int | None = Field(default=None, description="1 = next in line; null when not queued")
    ahead: int | None = Field(default=None, description="Cases before this one in the same queue")
    estimated_minutes: int | None = Field(default=None, description="Estimated time to first contact")
    basis: str | None = Field(default=None, description="recent (this unit's recent pace) or default (configured)")


class TriageSubmit(Strict):
    choose_contact: bool = Field(
        default=False, description="After self-care advice: 'Jag vill ändå ha kontakt' (P5 Avvakta, a nurse's chat)"
    )
