"""The citizen's triage, one step per request: a draft stored per citizen holds the engine's state between steps.

Each answer names the step it answers. The expected step is applied; a retry of an answer already recorded with the
same value changes nothing; anything else is a Conflict. Every write is conditional on the draft's version, so of
two parallel answers exactly one applies. Turning a finished draft into a queued case is the next step of the
citizen journey; until then the finished outcome is only shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from chalicelib.adapters.dynamo import DraftRecord, DynamoCases, DynamoDirectory, DynamoDrafts, DynamoIdempotency
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.model import Case, Principal, PrincipalKind
from chalicelib.domain.opening_hours import is_open, next_opening
from chalicelib.services.cases import request_hash
from chalicelib.services.ports import Clock, IdGenerator
from chalicelib.triage import (
    AfterHoursTarget,
    Disposition,
    InvalidAnswer,
    Library,
    Step,
    TriageContext,
    TriageOutcome,
    TriageState,
    WrongStep,
    next_step,
    outcome,
    route_for_hours,
    start,
)
from chalicelib.triage import answer as engine_answer
from chalicelib.triage import back as engine_back
from chalicelib.triage import choose_contact as engine_choose_contact

DRAFT_LIFETIME = timedelta(hours=24)


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
        after_hours: AfterHoursTarget = "call_1177",
    ) -> None:
        self._cases = cases
        self._after_hours = after_hours
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
        unit_id: str,
        reason: str,
        free_text: str,
        idempotency_key: str,
        for_child: str | None = None,
    ) -> TriageView:
        """A new draft for the citizen or a child in their custody, with its first step. A retry with the same
        Idempotency-Key returns the same draft as it is now."""
        _require_citizen(principal)
        patient = principal.subject
        if for_child is not None:
            if principal.ward(for_child) is None:
                raise ValidationFailed("You can act only for your own children under 18.", field="for_child")
            patient = for_child
        payload = {
            "kind": "triage_draft",
            "unit_id": unit_id,
            "reason": reason,
            "free_text": free_text,
            "for_child": for_child,
        }
        digest = request_hash(payload)
        if self._directory.unit(principal.tenant, unit_id) is None:
            raise ValidationFailed(f"There is no unit {unit_id!r} in this region.", field="unit_id")
        now = self._clock()
        # The reason is the citizen's own words too: both are scanned for red-flag terms.
        words = "\n".join(part for part in (reason, free_text) if part.strip())
        state = start(self._library, now=now, lang="sv", context=TriageContext(free_text=words or None))
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
        )
        try:
            stored = self._drafts.create(draft, idempotency=(idempotency_key, digest, {"draft_id": draft.draft_id}))
        except Conflict:
            return self._replay(principal, idempotency_key, digest)
        return self._view(stored)

    def current(self, principal: Principal, draft_id: str) -> TriageView:
        return self._view(self._load(principal, draft_id))

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
            raise Conflict(_wrong_step_message(state, step_id, error), field="step_id") from error
        except InvalidAnswer as error:
            raise ValidationFailed(error.message.en, field="value") from error
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
            raise Conflict("There is no answer to go back to.")
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
            raise Conflict("Answer the remaining questions first.")
        now = self._clock()
        if choose_contact:
            if result.disposition is not Disposition.SELF_CARE:
                raise ValidationFailed("Contact anyway is chosen only after self-care advice.", field="choose_contact")
            result = engine_choose_contact(result, now)
        result = self._for_opening_hours(principal, draft.unit_id, result)
        key = f"triage-submit-{draft.draft_id}"
        digest = request_hash({"draft_id": draft.draft_id, "choose_contact": choose_contact})
        case = Case.submit(
            case_id=self._ids(),
            tenant=principal.tenant,
            unit_id=draft.unit_id,
            patient_ref=draft.patient_ref,
            reason=draft.reason,
            free_text=draft.free_text,
            priority=result.priority.value if result.priority else None,
            profession=result.profession.value,
            now=now,
            submitted_by=principal.subject if draft.for_child else None,
            disposition=result.disposition.value,
            triage=result.model_dump(mode="json"),
        )
        try:
            return self._cases.create(
                case, now=now, idempotency=(principal.subject, key, digest, {"case_id": case.case_id})
            )
        except Conflict:
            found = self._idempotency.find(principal.tenant, principal.subject, key)
            if found is None:
                raise
            if found[0] != digest:
                raise Conflict("This triage was already sent; open the case from My cases.") from None
            existing = self._cases.get(principal.tenant, str(found[1]["case_id"]))
            if existing is None:
                raise
            return existing

    def _for_opening_hours(self, principal: Principal, unit_id: str, result: TriageOutcome) -> TriageOutcome:
        """Chat, video and physical go where the unit can answer in time: a closed unit sends urgent cases on
        (P1 → 112, else 1177 or the jourcentral, per region); what can wait for the next opening stays."""
        channel = result.disposition.value
        unit = self._directory.unit(principal.tenant, unit_id) or {}
        hours = unit.get("opening_hours")
        if channel not in ("chat", "video", "physical") or not hours:
            return result  # not a unit channel, or the unit's hours are not configured
        now = self._clock()
        return route_for_hours(
            result, is_open(hours, channel, now), self._after_hours, next_opening=next_opening(hours, channel, now)
        )

    # -- helpers ------------------------------------------------------------------------------------------------

    def _load(self, principal: Principal, draft_id: str) -> DraftRecord:
        """The citizen's own draft; another's, an expired one or one for a child no longer in their custody is
        NotFound (TTL deletes lazily, so expiry is checked here too)."""
        _require_citizen(principal)
        draft = self._drafts.get(principal.tenant, principal.subject, draft_id)
        if draft is None or draft.expires_at <= self._clock():
            raise NotFound("The triage could not be found; it may have expired. Start again.")
        if draft.for_child is not None and principal.ward(draft.for_child) is None:
            raise NotFound("The triage could not be found; it may have expired. Start again.")
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
