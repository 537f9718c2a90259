"""The citizen's triage over REST: begin a draft, answer one step at a time, go back, see the outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import (
    Advice,
    AdviceSection,
    AdviceSource,
    BeginTriage,
    CitizenCase,
    ComplaintOptions,
    DraftList,
    DraftSummary,
    Localized,
    Photo,
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
    UpdateIntake,
)
from chalicelib.api.openapi import operation
from chalicelib.domain.errors import NotFound

if TYPE_CHECKING:
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
        expectations=body.expectations,
        notify_sms=body.notify_sms,
        notify_email=body.notify_email,
        invite=body.invite,
        via=body.via,
        profession=body.profession,
    )
    return http.respond(draft_view(view), status=201)


@operation(
    bp,
    "/citizen/triage",
    "GET",
    summary="My unfinished triages (not sent, not expired), to continue where I left off",
    tag="triage",
    access=Access.CITIZEN,
    response=DraftList,
)
def unfinished_triages() -> Response:
    views = bootstrap.container().triage.unfinished(http.who())
    return http.respond(
        DraftList(
            drafts=[
                DraftSummary(
                    draft_id=v.draft.draft_id,
                    reason=v.draft.reason,
                    for_child=v.draft.for_child,
                    status=_status(v),
                    answered=v.answered,
                    updated_at=v.draft.updated_at,
                    expires_at=v.draft.expires_at,
                )
                for v in views
            ]
        )
    )


@operation(
    bp,
    "/citizen/triage/{draft_id}",
    "PATCH",
    summary="Change the intake: reason, own words, expectations, how to be notified (new words are scanned again)",
    tag="triage",
    access=Access.CITIZEN,
    request=UpdateIntake,
    response=TriageDraft,
    errors=(404, 409, 413),
)
def update_intake(draft_id: str) -> Response:
    body = http.parse_body(UpdateIntake, bp.current_request)
    changes = body.model_dump(exclude_unset=True)
    view = bootstrap.container().triage.update_intake(http.who(), draft_id, changes)
    return http.respond(draft_view(view))


@operation(
    bp,
    "/citizen/triage/{draft_id}/complaints",
    "GET",
    summary="Search the complaint question's options with the citizen's own words (best matches first)",
    tag="triage",
    access=Access.CITIZEN,
    response=ComplaintOptions,
    errors=(404, 409),
    query=(("q", "the citizen's words, Swedish or English; without it all options", False),),
)
def search_complaints(draft_id: str) -> Response:
    query = http.query(bp.current_request, "q")
    if query is not None:
        query = query[:200]
    step = bootstrap.container().triage.complaints(http.who(), draft_id, query)
    return http.respond(ComplaintOptions(options=[TriageOption(id=o.id, text=_text(o.text)) for o in step.options]))


ADVICE_SECTIONS = {
    "what_to_do": Localized(sv="Det här kan du göra själv", en="What you can do yourself"),
    "what_to_expect": Localized(sv="Så brukar det gå", en="What to expect"),
    "seek_care_again": Localized(sv="När du ska söka vård", en="When to seek care"),
}


@operation(
    bp,
    "/citizen/advice/{advice_id}",
    "GET",
    summary="A self-care article (egenvårdsråd), with when to seek care again and its sources",
    tag="triage",
    access=Access.CITIZEN,
    response=Advice,
    errors=(404,),
)
def advice(advice_id: str) -> Response:
    article = bootstrap.container().triage_library.advice.get(advice_id)
    if article is None:
        raise NotFound("There is no such advice.", message_sv="Det finns inga sådana råd.")
    body = article.body
    return http.respond(
        Advice(
            advice_id=article.id,
            version=article.version,
            title=_text(article.title),
            sections=[
                AdviceSection(id=key, title=title, text=_text(getattr(body, key)))
                for key, title in ADVICE_SECTIONS.items()
            ],
            sources=[AdviceSource(title=src.title, publisher=src.publisher, url=src.url) for src in article.sources],
        )
    )


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
    from chalicelib.services.triage_session import SECTIONS  # loaded with the service, not on the API's cold start

    draft = view.draft
    return TriageDraft(
        draft_id=draft.draft_id,
        unit_id=draft.unit_id,
        reason=draft.reason,
        free_text=draft.free_text,
        for_child=draft.for_child,
        expectations=draft.expectations,
        notify_sms=draft.notify_sms,
        notify_email=draft.notify_email,
        status=_status(view),
        case_id=draft.case_id,
        version=draft.version,
        expires_at=draft.expires_at,
        step=None if view.step is None else _step(view.step),
        progress=TriageProgress(answered=view.answered, section_index=view.section_index, section_count=len(SECTIONS)),
        outcome=None if view.outcome is None else _result(view.outcome),
        photos=[Photo.of(p) for p in bootstrap.container().photos.of_loaded_draft(draft)],
    )


def _status(view: TriageView) -> str:
    if view.draft.case_id is not None:
        return "submitted"
    return "finished" if view.step is None else "in_progress"


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
    who = http.who()
    case = bootstrap.container().triage.submit(who, draft_id, choose_contact=body.choose_contact)
    return http.respond(CitizenCase.of(case, who), status=201)
