"""Request and response bodies of the REST API (pydantic). The OpenAPI document is built from these."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from chalicelib.domain.model import FREE_TEXT_MAX, MESSAGE_MAX, REASON_MAX, Case, Message


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: str
    tenant: str


class Unit(BaseModel):
    unit_id: str
    name: str
    address: str = ""
    phone: str = ""
    opening_hours: dict[str, Any] = Field(default_factory=dict)
    professions: list[str] = Field(default_factory=list)


class UnitList(BaseModel):
    units: list[Unit]


class RoleView(BaseModel):
    unit_id: str
    role: str


class Me(BaseModel):
    kind: str
    display_name: str
    auth_method: str
    roles: list[RoleView]


class SubmitCase(Strict):
    unit_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=REASON_MAX, description="Sökorsak: the reason for contact")
    free_text: str = Field(default="", max_length=FREE_TEXT_MAX, description="The citizen's own words")
    for_child: str | None = Field(
        default=None, max_length=64, description="Submit for this child (an id from GET /citizen/children)"
    )


class CaseSummary(BaseModel):
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
        return cls(
            case_id=case.case_id,
            unit_id=case.unit_id,
            reason=case.reason,
            priority=case.priority,
            profession=case.profession,
            status=case.status.value,
            disposition=case.disposition,
            submitted_at=case.submitted_at,
        )


class CitizenCase(CaseSummary):
    free_text: str
    triage: dict[str, Any] | None = Field(default=None, description="the triage outcome, when the case was triaged")

    @classmethod
    def of(cls, case: Case) -> CitizenCase:
        return cls(**CaseSummary.of(case).model_dump(), free_text=case.free_text, triage=case.triage)


class CaseList(BaseModel):
    cases: list[CaseSummary]


class TimelineEntry(BaseModel):
    event_id: str
    type: str
    occurred_at: str
    data: dict[str, Any]


class StaffCase(CitizenCase):
    claimed_by: str | None = None
    message_count: int
    timeline: list[TimelineEntry]


class QueueEntry(CaseSummary):
    waiting_seconds: int


class Queue(BaseModel):
    unit_id: str
    cases: list[QueueEntry]
    counts: dict[str, int]


class PostMessage(Strict):
    text: str = Field(min_length=1, max_length=MESSAGE_MAX)
    client_id: str = Field(min_length=1, max_length=64, description="Client-made id; a retry never duplicates")


class MessageView(BaseModel):
    case_id: str
    seq: int
    client_id: str
    sender_kind: str
    sender_name: str
    text: str
    sent_at: datetime

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
        )


class MessageList(BaseModel):
    messages: list[MessageView]


class LoggedOut(BaseModel):
    logged_out: bool


class WsTicket(BaseModel):
    ticket: str = Field(description="Give it as ?ticket= when opening the WebSocket; works once")
    expires_in: int


class LoginMethods(BaseModel):
    citizen: list[str] = Field(description="bankid, freja …")
    staff: list[str] = Field(description="siths …")


class BankIdStart(Strict):
    same_device: bool = Field(description="true: open BankID on this device; false: scan the QR code with another")


class BankIdLogin(Strict):
    login_id: str = Field(min_length=1, max_length=100)


class UserMessage(BaseModel):
    id: str
    sv: str
    en: str


class BankIdState(BaseModel):
    status: str = Field(description="pending, failed or complete")
    login_id: str | None = None
    hint_code: str | None = None
    message: UserMessage | None = None
    auto_start_token: str | None = None
    qr_svg: str | None = None
    token: str | None = None
    kind: str | None = None
    name: str | None = None


class BankIdQr(BaseModel):
    qr_svg: str


class Cancelled(BaseModel):
    cancelled: bool


class LoginCode(Strict):
    code: str = Field(min_length=1, max_length=100)


class LoggedIn(BaseModel):
    token: str
    kind: str
    name: str


class Child(BaseModel):
    child_id: str
    name: str
    birth_date: str


class Children(BaseModel):
    children: list[Child] = Field(description="Children under 18 in your custody, per the population register")


# --- The citizen's triage (a draft answered step by step) ---

# The reason and the free text are scanned together by the triage engine, which reads at most 2000 characters.
DRAFT_FREE_TEXT_MAX = 1500

AnswerInput = Annotated[StrictStr, Field(max_length=2000)] | StrictInt | StrictFloat | list[StrictStr]


class BeginTriage(Strict):
    unit_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=REASON_MAX, description="Sökorsak: the reason for contact")
    free_text: str = Field(default="", max_length=DRAFT_FREE_TEXT_MAX, description="The citizen's own words")
    for_child: str | None = Field(
        default=None, max_length=64, description="Triage for this child (an id from GET /citizen/children)"
    )


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


class Localized(BaseModel):
    sv: str
    en: str


class TriageOption(BaseModel):
    id: str
    text: Localized


class TriageStep(BaseModel):
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


class TriageProgress(BaseModel):
    answered: int = Field(description="Questions answered so far (the engine gives no reliable count of those left)")


class TriageRedFlag(BaseModel):
    rule_id: str
    answers: dict[str, Any]


class TriageFreeTextFlag(BaseModel):
    term_id: str
    category: str
    matched: str
    negated: bool
    source: str


class TriageResult(BaseModel):
    priority: str | None = Field(description="P1–P4; null for self-care")
    deadline: datetime | None
    disposition: str
    profession: str
    red_flags: list[TriageRedFlag]
    explanation: Localized
    advice_id: str | None
    crisis_info: bool
    free_text_flags: list[TriageFreeTextFlag]


class TriageDraft(BaseModel):
    draft_id: str
    unit_id: str
    reason: str
    free_text: str
    for_child: str | None = None
    status: str = Field(description="in_progress or finished")
    version: int
    expires_at: datetime
    step: TriageStep | None = Field(description="The question to answer now; null when finished")
    progress: TriageProgress
    outcome: TriageResult | None = Field(description="Set when finished (not yet a queued case)")


class TriageSubmit(Strict):
    choose_contact: bool = Field(
        default=False, description="After self-care advice: 'Jag vill ändå ha kontakt' (P5 Avvakta, a nurse's chat)"
    )
