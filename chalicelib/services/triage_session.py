"""The citizen's triage, one step per request: a draft stored per citizen holds the engine's state between steps.

Each answer names the step it answers. The expected step is applied; a retry of an answer already recorded with the
same value changes nothing; anything else is a Conflict. Every write is conditional on the draft's version, so of
two parallel answers exactly one applies. A finished draft is sent as a case (``submit``); the draft then
remembers its case, so sending again returns the same case and the draft leaves the list of unfinished ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.adapters.dynamo import DraftRecord, DynamoCases, DynamoDirectory, DynamoDrafts, DynamoIdempotency
from chalicelib.domain.contact import email_address, mobile_number
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.model import EXPECTATIONS_MAX, Case, Principal, PrincipalKind
from chalicelib.domain.opening_hours import SWEDEN
from chalicelib.services.cases import request_hash
from chalicelib.services.invites import PhoneInviteService
from chalicelib.services.ports import Clock, IdGenerator
from chalicelib.services.routing import RoutingService, entry_of
from chalicelib.triage import (
    Disposition,
    InvalidAnswer,
    Library,
    Section,
    Step,
    TriageContext,
    TriageOutcome,
    TriageState,
    WrongStep,
    complaint_options,
    next_step,
    outcome,
    start,
    transcript,
)
from chalicelib.triage import answer as engine_answer
from chalicelib.triage import back as engine_back
from chalicelib.triage import choose_contact as engine_choose_contact

DRAFT_LIFETIME = timedelta(hours=24)
SECTIONS = tuple(Section)  # the order the engine asks in: progress is shown per section
NOT_FOUND_SV = "Vi hittar inte den här bedömningen. Den kan ha gått ut – börja om."
NOT_FOUND_EN = "The triage could not be found; it may have expired. Start again."
SENT_SV = "Bedömningen är redan skickad. Öppna ärendet under Mina ärenden."


@dataclass(frozen=True)
class TriageView:
    """A draft as the citizen sees it: the step to answer now, or the outcome once finished."""

    draft: DraftRecord
    state: TriageState
    step: Step | None
    outcome: TriageOutcome | None

    @property
    def answered(self) -> int:
        return len(self.state.answers)

    @property
    def section_index(self) -> int:
        """1-based position of the current step's section (all sections done when finished)."""
        if self.step is None:
            return len(SECTIONS)
        return SECTIONS.index(self.step.section) + 1


class TriageSessionService:
    def __init__(
        self,
        drafts: DynamoDrafts,
        directory: DynamoDirectory,
        idempotency: DynamoIdempotency,
        library: Library,
        *,
        cases: DynamoCases,
        clock: Clock,
        ids: IdGenerator,
        routing: RoutingService,
        invites: PhoneInviteService | None = None,
    ) -> None:
        self._cases = cases
        self._invites = invites
        self._routing = routing
        self._drafts = drafts
        self._directory = directory
        self._idempotency = idempotency
        self._library = library
        self._clock = clock
        self._ids = ids

    def begin(
        self,
        principal: Principal,
        *,
        unit_id: str | None,
        reason: str,
        free_text: str,
        idempotency_key: str,
        for_child: str | None = None,
        expectations: str = "",
        notify_sms: str | None = None,
        notify_email: str | None = None,
        invite: str | None = None,
        via: str | None = None,
        profession: str | None = None,
    ) -> TriageView:
        """A new draft for the citizen or a child in their custody, with its first step. A retry with the same
        Idempotency-Key returns the same draft as it is now. The patient's age comes from the personnummer, so
        the triage does not ask it. How the citizen came in (``via``: a unit's link or QR code, an app's deep link,
        the list, or region-wide without a unit; a phone call's ``invite``) is kept for routing when it is sent."""
        _require_citizen(principal)
        patient = principal.subject
        birth_date = principal.birth_date
        if for_child is not None:
            ward = principal.ward(for_child)
            if ward is None:
                raise ValidationFailed(
                    "You can act only for your own children under 18.",
                    field="for_child",
                    message_sv="Du kan bara söka vård för dina egna barn under 18 år.",
                )
            patient, birth_date = for_child, ward.birth_date
        payload = {
            "kind": "triage_draft",
            "unit_id": unit_id,
            "reason": reason,
            "free_text": free_text,
            "for_child": for_child,
            "expectations": expectations,
            "notify_sms": notify_sms,
            "notify_email": notify_email,
            "invite": invite,
            "via": via,
            "profession": profession,
        }
        digest = request_hash(payload)
        unit = self._directory.unit(principal.tenant, unit_id) if unit_id is not None else None
        if unit_id is not None and unit is None:
            raise ValidationFailed(
                f"There is no unit {unit_id!r} in this region.",
                field="unit_id",
                message_sv="Välj en vårdcentral i listan.",
            )
        contact = _contact(expectations=expectations, notify_sms=notify_sms, notify_email=notify_email)
        entry = self._entry(principal, invite) if invite else _link_entry(unit, via, profession)
        if invite and unit_id is None:
            unit_id = entry["unit_id"]  # the phone call's unit
        if entry is not None and entry.get("unit_id") != unit_id:  # the link is the unit's: its case goes there
            raise ValidationFailed(
                "The login link you came by is for another unit; start there, or start without the link.",
                field="unit_id",
                message_sv="Länken du fick gäller en annan vårdcentral. Börja där, eller börja utan länken.",
            )
        now = self._clock()
        state = start(self._library, now=now, lang="sv", context=_context(reason, free_text, birth_date, now))
        draft = DraftRecord(
            tenant=principal.tenant,
            draft_id=self._ids(),
            owner=principal.subject,
            patient_ref=patient,
            for_child=for_child,
            unit_id=unit_id,
            reason=reason,
            free_text=free_text,
            state=state.model_dump_json(),
            created_at=now,
            updated_at=now,
            expires_at=now + DRAFT_LIFETIME,
            entry=entry,
            **contact,
        )
        try:
            stored = self._drafts.create(draft, idempotency=(idempotency_key, digest, {"draft_id": draft.draft_id}))
        except Conflict:
            return self._replay(principal, idempotency_key, digest)
        return self._view(stored)

    def _entry(self, principal: Principal, invite: str) -> dict[str, str]:
        """The record of a phone call's SMS link the citizen came by: it must be theirs and still valid."""
        if self._invites is None:
            raise ValidationFailed("This region sends no login links.", field="invite")
        try:
            return self._invites.open(principal, invite).entry()
        except NotFound as gone:
            raise ValidationFailed(
                "The login link has been used by someone else or has expired; start without it.",
                field="invite",
                message_sv="Länken du fick gäller inte längre. Börja utan den: välj vårdcentral själv.",
            ) from gone

    def current(self, principal: Principal, draft_id: str) -> TriageView:
        return self._view(self._load(principal, draft_id))

    def unfinished(self, principal: Principal) -> list[TriageView]:
        """The citizen's drafts not yet sent and not expired, newest first ("continue where you left off")."""
        _require_citizen(principal)
        now = self._clock()
        return [
            self._view(d)
            for d in self._drafts.of_owner(principal.tenant, principal.subject)
            if d.case_id is None
            and d.expires_at > now
            and (d.for_child is None or principal.ward(d.for_child) is not None)
        ]

    def update_intake(self, principal: Principal, draft_id: str, changes: dict[str, Any]) -> TriageView:
        """Change what the citizen wrote in the intake. New own words are scanned again: the recorded answers are
        replayed on a fresh start, so a red-flag term now found takes effect (and answers it makes moot drop)."""
        draft = self._load(principal, draft_id)
        if draft.case_id is not None:
            raise Conflict("This triage was already sent; it can no longer be changed.", message_sv=SENT_SV)
        merged = {
            "reason": draft.reason,
            "free_text": draft.free_text,
            "expectations": draft.expectations,
            "notify_sms": draft.notify_sms,
            "notify_email": draft.notify_email,
            **changes,
        }
        fields = {
            "reason": merged["reason"],
            "free_text": merged["free_text"],
            **_contact(
                expectations=merged["expectations"],
                notify_sms=merged["notify_sms"],
                notify_email=merged["notify_email"],
            ),
        }
        state = TriageState.model_validate_json(draft.state)
        if (fields["reason"], fields["free_text"]) != (draft.reason, draft.free_text):
            state = self._restart(state, _words(fields["reason"], fields["free_text"]))
        now = self._clock()
        try:
            stored = self._drafts.replace(draft, now=now, state=state.model_dump_json(), **fields)
        except Conflict:
            raise Conflict(
                "The triage changed at the same time; reload it.",
                message_sv="Bedömningen ändrades samtidigt i ett annat fönster. Ladda om sidan.",
            ) from None
        return self._view(stored, state)

    def complaints(self, principal: Principal, draft_id: str, query: str | None) -> Step:
        """The complaint question's options, best matches for the citizen's words first."""
        draft = self._load(principal, draft_id)
        state = TriageState.model_validate_json(draft.state)
        try:
            return complaint_options(state, query, library=self._library)
        except WrongStep as error:
            raise Conflict(
                "The current question is not the choice of complaint; reload the triage.",
                field="step_id",
                message_sv="Den aktuella frågan gäller inte vilka besvär du har. Ladda om sidan.",
            ) from error

    def _restart(self, state: TriageState, words: str | None) -> TriageState:
        context = state.context.model_copy(update={"free_text": words})
        fresh = start(self._library, now=state.started_at, lang=state.lang, context=context)
        for recorded in state.answers:
            try:
                fresh = engine_answer(
                    fresh, recorded.step_id, recorded.value, now=state.updated_at, library=self._library
                )
            except (WrongStep, InvalidAnswer):
                break  # the new words changed the path: ask from here
        return fresh

    def answer(self, principal: Principal, draft_id: str, *, step_id: str, value: object) -> TriageView:
        """Apply the answer to the expected step; a retry of a recorded answer returns the draft unchanged."""
        draft = self._load(principal, draft_id)
        state = TriageState.model_validate_json(draft.state)
        if self._already_answered(state, step_id, value):
            return self._view(draft, state)
        now = self._clock()
        try:
            new_state = engine_answer(state, step_id, value, now=now, library=self._library)
        except WrongStep as error:
            raise Conflict(
                _wrong_step_message(state, step_id, error),
                field="step_id",
                message_sv="Frågan är redan besvarad eller inte aktuell längre. Ladda om sidan för att se var du är.",
            ) from error
        except InvalidAnswer as error:
            raise ValidationFailed(error.message.en, field="value", message_sv=error.message.sv) from error
        if draft.case_id is not None:
            raise Conflict("This triage was already sent; it can no longer be changed.", message_sv=SENT_SV)
        try:
            stored = self._drafts.replace(draft, state=new_state.model_dump_json(), now=now)
        except Conflict:
            # Another request wrote first. If it recorded this same answer (a double click), that is our answer too.
            again = self._load(principal, draft_id)
            again_state = TriageState.model_validate_json(again.state)
            if self._already_answered(again_state, step_id, value):
                return self._view(again, again_state)
            raise Conflict(
                f"The question {step_id!r} was answered differently at the same time; reload the triage.",
                field="step_id",
            ) from None
        return self._view(stored, new_state)

    def back(self, principal: Principal, draft_id: str, *, step_id: str | None = None) -> TriageView:
        """Undo the last answer, to change it. With ``step_id`` (the question to return to) a retry changes nothing:
        if that question is already the current one, the draft is returned as it is."""
        draft = self._load(principal, draft_id)
        state = TriageState.model_validate_json(draft.state)
        if step_id is not None:
            step = next_step(state, library=self._library)
            if step is not None and step.id == step_id:
                return self._view(draft, state)
            if not state.answers or state.answers[-1].step_id != step_id:
                raise Conflict(
                    f"Cannot go back to {step_id!r}: it is not the last answered question; reload the triage.",
                    field="step_id",
                )
        if not state.answers:
            raise Conflict("There is no answer to go back to.", message_sv="Det finns ingen tidigare fråga.")
        if draft.case_id is not None:
            raise Conflict("This triage was already sent; it can no longer be changed.", message_sv=SENT_SV)
        new_state = engine_back(state)
        try:
            stored = self._drafts.replace(draft, state=new_state.model_dump_json(), now=self._clock())
        except Conflict:
            again = self._view(self._load(principal, draft_id))
            if step_id is not None and again.step is not None and again.step.id == step_id:
                return again  # a parallel retry of this same "back" got there first
            raise
        return self._view(stored, new_state)

    def submit(self, principal: Principal, draft_id: str, *, choose_contact: bool) -> Case:
        """Turn a finished triage into a case. Emergency and 1177 outcomes are recorded as redirected (no chat),
        self-care as self-care — unless the citizen asks for contact anyway (``choose_contact``: P5 Avvakta, a
        nurse's chat) —, the rest join the unit's queue for the right profession with the triage's priority.
        Submitting the same draft again returns the same case."""
        draft = self._load(principal, draft_id)
        state = TriageState.model_validate_json(draft.state)
        result = outcome(state, library=self._library)
        if result is None:
            raise Conflict(
                "Answer the remaining questions first.", message_sv="Svara på de återstående frågorna först."
            )
        now = self._clock()
        if choose_contact:
            if result.disposition is not Disposition.SELF_CARE:
                raise ValidationFailed("Contact anyway is chosen only after self-care advice.", field="choose_contact")
            result = engine_choose_contact(result, now)
        decision = self._routing.decide(
            principal.tenant,
            result,
            entry=entry_of(draft.entry, draft.unit_id),
            listed_unit_id=principal.listed_unit_of(draft.patient_ref),
            now=now,
        )
        unit_id, result = decision.unit_id, decision.outcome
        key = f"triage-submit-{draft.draft_id}"
        digest = request_hash({"draft_id": draft.draft_id, "choose_contact": choose_contact})
        case = Case.submit(
            case_id=self._ids(),
            tenant=principal.tenant,
            unit_id=unit_id,
            patient_ref=draft.patient_ref,
            reason=draft.reason,
            free_text=draft.free_text,
            priority=result.priority.value if result.priority else None,
            profession=result.profession.value,
            now=now,
            submitted_by=principal.subject if draft.for_child else None,
            disposition=result.disposition.value,
            triage=result.model_dump(mode="json"),
            draft_id=draft.draft_id,
            expectations=draft.expectations,
            notify_sms=draft.notify_sms,
            notify_email=draft.notify_email,
            patient_name=self._patient_name(principal, draft.for_child),
            patient_age=_age(state),
            triage_answers=[e.model_dump(mode="json") for e in transcript(state, library=self._library)],
            entry=draft.entry,
            routing=decision.as_record(),
        )
        try:
            created = self._cases.create(
                case, now=now, idempotency=(principal.subject, key, digest, {"case_id": case.case_id})
            )
        except Conflict:
            found = self._idempotency.find(principal.tenant, principal.subject, key)
            if found is None:
                raise
            if found[0] != digest:
                raise Conflict(
                    "This triage was already sent; open the case from My cases.", message_sv=SENT_SV
                ) from None
            existing = self._cases.get(principal.tenant, str(found[1]["case_id"]))
            if existing is None:
                raise
            created = existing
        self._mark_sent(principal, draft, created.case_id)
        return created

    @staticmethod
    def _patient_name(principal: Principal, for_child: str | None) -> str:
        ward = principal.ward(for_child) if for_child else None
        return ward.name if ward is not None else principal.display_name

    def _mark_sent(self, principal: Principal, draft: DraftRecord, case_id: str) -> None:
        """The draft remembers its case (it then leaves "unfinished"); a lost race re-reads and tries once more."""
        for _ in range(3):
            if draft.case_id == case_id:
                return
            try:
                self._drafts.replace(draft, now=self._clock(), case_id=case_id)
                return
            except Conflict:
                draft = self._load(principal, draft.draft_id)

    # -- helpers ------------------------------------------------------------------------------------------------

    def _load(self, principal: Principal, draft_id: str) -> DraftRecord:
        """The citizen's own draft; another's, an expired one or one for a child no longer in their custody is
        NotFound (TTL deletes lazily, so expiry is checked here too)."""
        _require_citizen(principal)
        draft = self._drafts.get(principal.tenant, principal.subject, draft_id)
        if draft is None or draft.expires_at <= self._clock():
            raise NotFound(NOT_FOUND_EN, message_sv=NOT_FOUND_SV)
        if draft.for_child is not None and principal.ward(draft.for_child) is None:
            raise NotFound(NOT_FOUND_EN, message_sv=NOT_FOUND_SV)
        return draft

    def _already_answered(self, state: TriageState, step_id: str, value: object) -> bool:
        """True when ``step_id`` is recorded with the value ``value`` normalises to (the engine decides: "vet ej" is
        "unknown", a list is a set of ids ...) — found by answering it again on the state just before it."""
        index = next((i for i, a in enumerate(state.answers) if a.step_id == step_id), None)
        if index is None:
            return False
        before = state
        for _ in range(len(state.answers) - index):
            before = engine_back(before)  # back() also forgets the protocol when it undoes the complaint
        try:
            again = engine_answer(before, step_id, value, library=self._library)
        except InvalidAnswer:
            return False
        return again.answers[-1].value == state.answers[index].value

    def _replay(self, principal: Principal, key: str, digest: str) -> TriageView:
        found = self._idempotency.find(principal.tenant, principal.subject, key)
        if found is None:
            raise Conflict("The triage was started at the same time; retry with the same Idempotency-Key.")
        stored_digest, result = found
        if stored_digest != digest:
            raise Conflict("This Idempotency-Key was already used for a different request; use a new key.")
        return self.current(principal, str(result.get("draft_id", "")))

    def _view(self, draft: DraftRecord, state: TriageState | None = None) -> TriageView:
        state = state or TriageState.model_validate_json(draft.state)
        step = next_step(state, library=self._library)
        result = outcome(state, library=self._library) if step is None else None
        return TriageView(draft=draft, state=state, step=step, outcome=result)


def _words(reason: str, free_text: str) -> str | None:
    """The reason is the citizen's own words too: both are scanned for red-flag terms."""
    return "\n".join(part for part in (reason, free_text) if part.strip()) or None


def _age_facts(birth_date: str, now: datetime) -> dict[str, int]:
    """Age in whole years (and months under 2) on today's date in Sweden, from an ISO birth date."""
    if not birth_date:
        return {}
    born = date.fromisoformat(birth_date)
    today = now.astimezone(SWEDEN).date()
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    if months < 0:
        return {}
    facts = {"age": months // 12}
    if months < 24:
        facts["age_months"] = months
    return facts


def _age(state: TriageState) -> int | None:
    """The patient's age in whole years: from the personnummer, or as answered when the triage asked it."""
    given = state.context.facts.get("age")
    if given is None:
        given = next((a.value for a in state.answers if a.step_id == "age"), None)
    return int(given) if isinstance(given, int | float) and not isinstance(given, bool) else None


def _context(reason: str, free_text: str, birth_date: str, now: datetime) -> TriageContext:
    return TriageContext(free_text=_words(reason, free_text), facts=dict(_age_facts(birth_date, now)))


def _contact(*, expectations: str, notify_sms: str | None, notify_email: str | None) -> dict[str, Any]:
    text = (expectations or "").strip()
    if len(text) > EXPECTATIONS_MAX:
        raise ValidationFailed(
            f"expectations is {len(text)} characters; at most {EXPECTATIONS_MAX} are allowed.",
            field="expectations",
            message_sv=f"Texten om vad du förväntar dig får vara högst {EXPECTATIONS_MAX} tecken.",
        )
    return {"expectations": text, "notify_sms": mobile_number(notify_sms), "notify_email": email_address(notify_email)}


def _link_entry(unit: dict[str, Any] | None, via: str | None, profession: str | None) -> dict[str, Any]:
    """How a citizen who did not come by a phone call's link entered: region-wide (no unit), by a unit's link or QR
    code or an app's deep link (perhaps for one of its professions), or by choosing the unit in the list."""
    if unit is None:
        if via not in (None, "region") or profession is not None:
            raise ValidationFailed(
                "A unit's link names its unit: give unit_id with via and profession.",
                field="unit_id",
                message_sv="Länken saknar mottagning. Välj en vårdcentral i listan.",
            )
        return {"channel": "region"}
    channel = via or "chosen"
    if channel not in ("unit_link", "app", "chosen"):
        raise ValidationFailed("via is one of unit_link, app and chosen when a unit is given.", field="via")
    if profession is not None:
        if channel == "chosen":
            raise ValidationFailed(
                "A profession comes only with a unit's link (via unit_link or app).", field="profession"
            )
        if profession not in (unit.get("professions") or ()):
            raise ValidationFailed(
                f"{unit.get('name') or unit['unit_id']} does not offer {profession}; start without the profession.",
                field="profession",
                message_sv="Mottagningen i länken har inte den yrkesgruppen. Börja utan den, eller välj en annan "
                "mottagning.",
            )
        return {"channel": channel, "unit_id": unit["unit_id"], "profession": profession}
    return {"channel": channel, "unit_id": unit["unit_id"]}


def _require_citizen(principal: Principal) -> None:
    if principal.kind is not PrincipalKind.CITIZEN:
        raise Forbidden("The triage is for citizens.")


def _wrong_step_message(state: TriageState, step_id: str, error: WrongStep) -> str:
    if any(a.step_id == step_id for a in state.answers):
        return (
            f"The question {step_id!r} was already answered with another value; "
            "go back to change it, or reload the triage."
        )
    return error.message.en
