"""The citizen's triage over REST: begin a draft, answer one step at a time, go back, see the outcome."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import (
    BeginTriage,
    CitizenCase,
    Localized,
    TriageAnswer,
    TriageBack,
    TriageDraft,
    TriageFreeTextFlag,
    TriageOption,
    TriageProgress,
    TriageRedFlag,
    TriageResult,
    TriageStep,
    TriageSubmit,
)
from chalicelib.api.openapi import operation
from chalicelib.services.triage_session import TriageView
from chalicelib.triage import LocalizedText, Step, TriageOutcome

bp = Blueprint(__name__)


@operation(
    bp,
    "/citizen/triage",
    "POST",
    summary="Begin a triage (a draft that lives 24 hours) and get its first question",
    tag="triage",
    access=Access.CITIZEN,
    request=BeginTriage,
    response=TriageDraft,
    status=201,
    idempotency_key=True,
    errors=(409, 413),
)
def begin_triage() -> Response:
    request = bp.current_request
    body = http.parse_body(BeginTriage, request)
    view = bootstrap.container().triage.begin(
        http.who(),
        unit_id=body.unit_id,
        reason=body.reason,
        free_text=body.free_text,
        for_child=body.for_child,
        idempotency_key=http.idempotency_key(request),
    )
    return http.respond(draft_view(view), status=201)


@operation(
    bp,
    "/citizen/triage/{draft_id}",
    "GET",
    summary="My triage as it stands: the current question, or the outcome",
    tag="triage",
    access=Access.CITIZEN,
    response=TriageDraft,
    errors=(404,),
)
def current_triage(draft_id: str) -> Response:
    return http.respond(draft_view(bootstrap.container().triage.current(http.who(), draft_id)))


@operation(
    bp,
    "/citizen/triage/{draft_id}/answers",
    "POST",
    summary="Answer the current question (a retry of a recorded answer changes nothing)",
    tag="triage",
    access=Access.CITIZEN,
    request=TriageAnswer,
    response=TriageDraft,
    errors=(404, 409, 413),
)
def answer_triage(draft_id: str) -> Response:
    body = http.parse_body(TriageAnswer, bp.current_request)
    view = bootstrap.container().triage.answer(http.who(), draft_id, step_id=body.step_id, value=body.value)
    return http.respond(draft_view(view))


@operation(
    bp,
    "/citizen/triage/{draft_id}/back",
    "POST",
    summary="Go back one question to change its answer",
    tag="triage",
    access=Access.CITIZEN,
    request=TriageBack,
    response=TriageDraft,
    errors=(404, 409, 413),
)
def back_triage(draft_id: str) -> Response:
    request = bp.current_request
    body = http.parse_body(TriageBack, request) if request.raw_body else TriageBack()
    view = bootstrap.container().triage.back(http.who(), draft_id, step_id=body.step_id)
    return http.respond(draft_view(view))


def draft_view(view: TriageView) -> TriageDraft:
    draft = view.draft
    return TriageDraft(
        draft_id=draft.draft_id,
        unit_id=draft.unit_id,
        reason=draft.reason,
        free_text=draft.free_text,
        for_child=draft.for_child,
        status="finished" if view.step is None else "in_progress",
        version=draft.version,
        expires_at=draft.expires_at,
        step=None if view.step is None else _step(view.step),
        progress=TriageProgress(answered=view.answered),
        outcome=None if view.outcome is None else _result(view.outcome),
    )


def _text(text: LocalizedText) -> Localized:
    return Localized(sv=text.sv, en=text.en)


def _step(step: Step) -> TriageStep:
    return TriageStep(
        id=step.id,
        section=step.section.value,
        kind=step.kind.value,
        text=_text(step.text),
        help=None if step.help is None else _text(step.help),
        options=[TriageOption(id=o.id, text=_text(o.text)) for o in step.options],
        allow_unknown=step.allow_unknown,
        min=step.min,
        max=step.max,
        integer=step.integer,
        unit=None if step.unit is None else _text(step.unit),
    )


def _result(result: TriageOutcome) -> TriageResult:
    return TriageResult(
        priority=None if result.priority is None else result.priority.value,
        deadline=result.deadline,
        disposition=result.disposition.value,
        profession=result.profession.value,
        red_flags=[TriageRedFlag(rule_id=f.rule_id, answers=dict(f.answers)) for f in result.red_flags],
        explanation=_text(result.explanation),
        advice_id=result.advice_id,
        crisis_info=result.crisis_info,
        free_text_flags=[TriageFreeTextFlag(**f.model_dump()) for f in result.free_text_flags],
    )


@operation(
    bp,
    "/citizen/triage/{draft_id}/submit",
    "POST",
    summary="Send a finished triage: queued, redirected to emergency care/1177, or self-care (same case on retry)",
    tag="triage",
    access=Access.CITIZEN,
    request=TriageSubmit,
    response=CitizenCase,
    status=201,
    errors=(404, 409, 413),
)
def submit_triage(draft_id: str) -> Response:
    body = http.parse_body(TriageSubmit, bp.current_request)
    case = bootstrap.container().triage.submit(http.who(), draft_id, choose_contact=body.choose_contact)
    return http.respond(CitizenCase.of(case), status=201)
