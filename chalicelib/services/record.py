"""The case for the medical record: a ready-to-paste journal note, and a FHIR export of the case.

Two pure functions do the work (``journal_note`` and ``fhir_bundle``: a case and its messages in, text or a FHIR
Bundle out); ``RecordService`` reads the case in the staff member's scope, writes the access record first, and
hands them the data.

The FHIR export is built with the ``fhir.resources`` models, which validate structure, data types and cardinality
(and raise on anything invalid). That library has no FHIR R4 (4.0.1) module in its pydantic v2 releases, so the
models used are its R4B (4.3.0) ones, which for these resources are element for element the same as R4 (see
docs/dependencies.md). The library does not check code bindings; the required bindings of the codes we set are
checked here (``REQUIRED_CODES``).

The Bundle (type collection, one stable ``urn:uuid`` per resource, so a re-export names the same resources):

- QuestionnaireResponse: the intake (reason, own words, expectations) and a group "triage" with one item per
  triage answer (linkId = step id, text = the question as asked, answer = Coding of the option id with its text,
  an integer/decimal, or the free text).
- Task: the case's handling at the unit. status from the case (TASK_STATUS), priority from ours (TASK_PRIORITY) with
  our code in businessStatus, owner = the claimer/closer by HSA-id (the unit while queued), restriction = the triage
  deadline, output = the close outcome (or the self-care advice), focus = the QuestionnaireResponse.
- Communication: one per chat message, sent time, sender (Practitioner by HSA-id, or the Patient/guardian by
  pseudonym), payload contentString = the text as written (plain text; no narrative is generated).
- ClinicalImpression (when the case was triaged): status completed, summary = the triage's explanation, a finding
  per red-flag rule and per (not negated) red-flag term in the own words, protocol = the ruleset version, notes =
  staff's overrides and the close summary.

Identifiers: staff and units by HSA-id (``urn:oid:1.2.752.29.4.19``); the patient only by Nära's pseudonymous
reference (a keyed hash, meaningful within the region; a guardian as RelatedPerson the same way) — the personnummer
is never in the export.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.adapters.dynamo import DynamoCases, DynamoDirectory
from chalicelib.domain import policy
from chalicelib.domain.errors import NotFound
from chalicelib.domain.model import Case, CaseStatus, Message, Principal, SenderKind
from chalicelib.domain.opening_hours import SWEDEN
from chalicelib.services.audit import AuditService
from chalicelib.services.ports import Clock

HSA_ID = "urn:oid:1.2.752.29.4.19"
NARA = "urn:nara"
FHIR_JSON = "application/fhir+json"

# --- Mappings from Nära's codes (each documented in docs/fhir.md) ---------------------------------------------

# Case status → Task.status. Redirected: the triage sent the citizen to emergency care or 1177, so this unit never
# performed the task (cancelled, with the reason). Self-care: the triage's advice was the whole contact (completed).
TASK_STATUS: Mapping[CaseStatus, str] = {
    CaseStatus.QUEUED: "requested",
    CaseStatus.CLAIMED: "in-progress",
    CaseStatus.CLOSED: "completed",
    CaseStatus.REDIRECTED: "cancelled",
    CaseStatus.SELF_CARE: "completed",
}
# Our priority → Task.priority (request-priority: routine < urgent < asap < stat).
TASK_PRIORITY: Mapping[str, str] = {"P1": "stat", "P2": "asap", "P3": "urgent", "P4": "routine", "P5": "routine"}

# The required code bindings of the elements we set (FHIR R4), checked on every export: the library does not.
REQUIRED_CODES: Mapping[tuple[str, str], frozenset[str]] = {
    ("Bundle", "type"): frozenset(
        [
            "document",
            "message",
            "transaction",
            "transaction-response",
            "batch",
            "batch-response",
            "history",
            "searchset",
            "collection",
        ]
    ),
    ("Task", "status"): frozenset(
        [
            "draft",
            "requested",
            "received",
            "accepted",
            "rejected",
            "ready",
            "cancelled",
            "in-progress",
            "on-hold",
            "failed",
            "completed",
            "entered-in-error",
        ]
    ),
    ("Task", "intent"): frozenset(
        [
            "unknown",
            "proposal",
            "plan",
            "order",
            "original-order",
            "reflex-order",
            "filler-order",
            "instance-order",
            "option",
        ]
    ),
    ("Task", "priority"): frozenset(["routine", "urgent", "asap", "stat"]),
    ("Communication", "status"): frozenset(
        ["preparation", "in-progress", "not-done", "on-hold", "stopped", "completed", "entered-in-error", "unknown"]
    ),
    ("QuestionnaireResponse", "status"): frozenset(
        ["in-progress", "completed", "amended", "entered-in-error", "stopped"]
    ),
    ("ClinicalImpression", "status"): frozenset(["in-progress", "completed", "entered-in-error"]),
}

# A personnummer or samordningsnummer (10 or 12 digits, optional - or +): never an identifier in the export.
_PERSONAL_NUMBER = re.compile(r"(\d{6}|\d{8})[-+]?\d{4}")
_IDS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:nara:fhir")

# --- Labels (Swedish first; English for the English note) ------------------------------------------------------

_LABELS: Mapping[str, Mapping[str, str]] = {
    "sv": {
        "title": "Digital kontakt via Nära",
        "patient": "Patient",
        "age": "{age} år",
        "submitted": "Inkommet",
        "case": "Ärende",
        "reason": "Kontaktorsak",
        "history": "Anamnes",
        "own_words": "Egen beskrivning",
        "no_own_words": "Ingen egen beskrivning.",
        "complaint": "Besvär enligt triagen",
        "answers": "Svar i triagen",
        "denied": "Nekande svar",
        "health": "Egenvärdering av hälsa",
        "health_value": "{value} av 100",
        "not_given": "Ej angivet.",
        "expectations": "Förväntningar",
        "triage": "Triage",
        "no_triage": "Ingen automatisk triage gjordes (ärendet kom in utan triagering).",
        "priority": "Prioritet",
        "deadline": "första kontakt senast {at}",
        "self_care_priority": "Ingen (egenvård)",
        "disposition": "Vårdnivå",
        "profession": "Yrkesgrupp",
        "red_flags": "Röda flaggor",
        "none": "Inga",
        "text_flags": "Flaggat i egen text",
        "negated": "nekat, påverkar inte prioriteten",
        "explanation": "Motivering",
        "ruleset": "Regelverk",
        "advice": "Egenvårdsråd",
        "crisis": "Krisinformation visades (112, 1177, Självmordslinjen 90101).",
        "override": "Ändrat av personal",
        "referrals": "Remisser",
        "to": "till",
        "because": "skäl",
        "referral_pending": "väntar på svar",
        "referral_accepted": "tagen emot av",
        "referral_rejected": "avvisad av",
        "action": "Åtgärd/Bedömning",
        "outcome": "Utfall",
        "closed_by": "Avslutat av",
        "open": "Ärendet är inte avslutat (status: {status}).",
        "redirected": "Ingen åtgärd på enheten: triagen hänvisade vidare ({where}).",
        "self_care_done": "Egenvårdsråd gavs av triagen; ingen kontakt med vårdpersonal begärdes.",
        "held_by": "Handläggs av",
        "chat": "Chatt",
        "chat_count": "{count} meddelanden, {first}–{last}",
        "no_chat": "Inga meddelanden.",
        "time_note": "svensk tid",
        "screen": "Akuta varningstecken (screening): nej på {denied} av {asked} frågor",
    },
    "en": {
        "title": "Digital contact via Nära",
        "patient": "Patient",
        "age": "{age} years",
        "submitted": "Submitted",
        "case": "Case",
        "reason": "Reason for contact",
        "history": "History",
        "own_words": "In their own words",
        "no_own_words": "No description of their own.",
        "complaint": "Complaint per the triage",
        "answers": "Triage answers",
        "denied": "Answered no",
        "health": "Self-rated health",
        "health_value": "{value} of 100",
        "not_given": "Not given.",
        "expectations": "Expectations",
        "triage": "Triage",
        "no_triage": "No automatic triage was made (the case came in without one).",
        "priority": "Priority",
        "deadline": "first contact by {at}",
        "self_care_priority": "None (self-care)",
        "disposition": "Care level",
        "profession": "Profession",
        "red_flags": "Red flags",
        "none": "None",
        "text_flags": "Flagged in own words",
        "negated": "negated, does not raise the priority",
        "explanation": "Rationale",
        "ruleset": "Ruleset",
        "advice": "Self-care advice",
        "crisis": "Crisis information was shown (112, 1177, Självmordslinjen 90101).",
        "override": "Changed by staff",
        "referrals": "Referrals",
        "to": "to",
        "because": "reason",
        "referral_pending": "waiting for an answer",
        "referral_accepted": "accepted by",
        "referral_rejected": "rejected by",
        "action": "Action/Assessment",
        "outcome": "Outcome",
        "closed_by": "Closed by",
        "open": "The case is not closed (status: {status}).",
        "redirected": "No action at the unit: the triage sent the citizen on ({where}).",
        "self_care_done": "The triage gave self-care advice; no contact with staff was asked for.",
        "held_by": "Handled by",
        "chat": "Chat",
        "chat_count": "{count} messages, {first}–{last}",
        "no_chat": "No messages.",
        "time_note": "Swedish time",
        "screen": "Emergency warning signs (screening): no to {denied} of {asked} questions",
    },
}
PRIORITY_TEXT: Mapping[str, Mapping[str, str]] = {
    "sv": {
        "P1": "Omgående",
        "P2": "Skyndsamt",
        "P3": "Närmaste dygnet",
        "P4": "Vardag närmaste tiden",
        "P5": "Avvakta",
    },
    "en": {"P1": "Immediately", "P2": "Urgent", "P3": "Within 24 hours", "P4": "Routine", "P5": "Wait"},
}
DISPOSITION_TEXT: Mapping[str, Mapping[str, str]] = {
    "sv": {
        "emergency_112": "Akut – hänvisad att ringa 112",
        "emergency_department": "Hänvisad till akutmottagning",
        "call_1177": "Hänvisad till 1177 på telefon",
        "self_care": "Egenvård",
        "chat": "Chatt",
        "video": "Videomöte",
        "physical": "Fysiskt besök",
    },
    "en": {
        "emergency_112": "Emergency – told to call 112",
        "emergency_department": "Sent to an emergency department",
        "call_1177": "Sent to 1177 by phone",
        "self_care": "Self-care",
        "chat": "Chat",
        "video": "Video meeting",
        "physical": "Physical visit",
    },
}
PROFESSION_TEXT: Mapping[str, Mapping[str, str]] = {
    "sv": {
        "nurse": "Sjuksköterska",
        "doctor": "Läkare",
        "psychologist": "Psykolog/kurator",
        "physiotherapist": "Fysioterapeut",
        "midwife": "Barnmorska",
        "medical_secretary": "Medicinsk sekreterare",
    },
    "en": {
        "nurse": "Nurse",
        "doctor": "Doctor",
        "psychologist": "Psychologist/counsellor",
        "physiotherapist": "Physiotherapist",
        "midwife": "Midwife",
        "medical_secretary": "Medical secretary",
    },
}
OUTCOME_TEXT: Mapping[str, Mapping[str, str]] = {
    "sv": {
        "advice_given": "Råd givet",
        "booked": "Tidsbokning",
        "referred": "Hänvisad",
        "prescription": "Recept",
        "no_action": "Ingen åtgärd",
    },
    "en": {
        "advice_given": "Advice given",
        "booked": "Appointment booked",
        "referred": "Referred",
        "prescription": "Prescription",
        "no_action": "No action",
    },
}
# An open case's status (closed, redirected and self-care cases say what happened instead).
STATUS_TEXT: Mapping[str, Mapping[str, str]] = {
    "sv": {"queued": "i kö", "claimed": "tagen"},
    "en": {"queued": "queued", "claimed": "claimed"},
}
MESSAGE_PLACEHOLDER: Mapping[str, str] = {
    "photo_request": "[Personalen bad om ett foto]",
    "photo": "[Foto skickat i chatten]",
    "text": "[Tomt meddelande]",
}
# Steps shown in their own place of the note, not in the list of answers.
SCREEN_PREFIX = "rf_"  # the global red-flag screen's questions (chalicelib.triage.core)
_OWN_PLACE = frozenset({"age", "age_months", "self_rated_health", "complaint", "duration_days"})


# --- Triage answers, as the case keeps them ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    step_id: str
    question: str
    value: Any  # as recorded: an option id, "yes"/"no"/"unknown", a number, free text, a list of option ids
    text: str  # the answer as the citizen saw it
    from_context: bool  # known before the triage (the age from the personnummer), not asked
    coded: bool  # the transcript gave the answer's text apart from its value (an option id has a display text)


def _localized(value: Any, lang: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(lang) or value.get("sv") or "")
    return "" if value is None else _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _answers(case: Case, lang: str) -> list[_Answer]:
    """The case's triage transcript (``Case.triage_answers``): dicts with step_id, question ({sv,en} or text),
    answer (the value), answer_text ({sv,en}; optional) and from_context (optional)."""
    out = []
    for raw in getattr(case, "triage_answers", None) or []:
        if not isinstance(raw, Mapping) or not raw.get("step_id"):
            continue
        value = raw.get("answer")
        text = _localized(raw.get("answer_text"), lang) if raw.get("answer_text") else _localized(value, lang)
        out.append(
            _Answer(
                step_id=str(raw["step_id"]),
                question=_localized(raw.get("question"), lang) or str(raw["step_id"]),
                value=value,
                text=text,
                from_context=bool(raw.get("from_context", False)),
                coded=bool(raw.get("answer_text")) and text != _plain(value),
            )
        )
    return out


def _swedish_time(at: datetime | str | None) -> str:
    if at is None or at == "":
        return ""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.astimezone(SWEDEN).strftime("%Y-%m-%d %H:%M")


def _triage(case: Case) -> Mapping[str, Any]:
    return case.triage or {}


def _override_line(override: Mapping[str, Any], staff_names: Mapping[str, str], lang: str) -> str:
    """One staff change to the triage (``Case.overrides``): priority and/or profession, the reason, who and when."""
    label = _LABELS[lang]
    parts = []
    before, after = override.get("from_priority"), override.get("to_priority")
    if after and before != after:
        parts.append(f"{before or '–'} → {after}")
    before, after = override.get("from_profession"), override.get("to_profession")
    if after and before != after:
        names = PROFESSION_TEXT[lang]
        parts.append(f"{names.get(str(before), before or '–')} → {names.get(str(after), after)}")
    if override.get("reason"):
        parts.append(f"{label['because']}: {override['reason']}")
    parts.append(_who_when(override, "by", "by_name", "at", staff_names))
    return "; ".join(p for p in parts if p)


def _referral_line(referral: Mapping[str, Any], staff_names: Mapping[str, str], lang: str) -> str:
    """One referral (``Case.referrals``): to which unit and profession, by whom and when, and how it was answered."""
    label = _LABELS[lang]
    profession = str(referral.get("to_profession") or "")
    parts = [
        f"{label['to']} {referral.get('to_unit_id', '')} ({PROFESSION_TEXT[lang].get(profession, profession)})",
        _who_when(referral, "by", "by_name", "at", staff_names),
    ]
    state = str(referral.get("state") or "")
    if state:
        answer = _LABELS[lang].get(f"referral_{state}", state)
        answered = _who_when(referral, "answered_by", "answered_by_name", "answered_at", staff_names)
        parts.append(f"{answer} {answered}".strip())
    if referral.get("reject_reason"):
        parts.append(f"{label['because']}: {referral['reject_reason']}")
    return "; ".join(p for p in parts if p)


def _who_when(entry: Mapping[str, Any], by: str, by_name: str, at: str, staff_names: Mapping[str, str]) -> str:
    names = dict(staff_names)
    if entry.get(by) and entry.get(by_name):
        names.setdefault(str(entry[by]), str(entry[by_name]))
    who = _person(str(entry[by]), names) if entry.get(by) else ""
    return ", ".join(p for p in (who, _swedish_time(entry.get(at))) if p)


def _person(hsa_id: str, staff_names: Mapping[str, str]) -> str:
    name = staff_names.get(hsa_id)
    return f"{name} (HSA-id {hsa_id})" if name else f"HSA-id {hsa_id}"


# --- The journal note --------------------------------------------------------------------------------------------


def journal_note(
    case: Case,
    messages: Sequence[Message],
    *,
    unit_name: str,
    staff_names: Mapping[str, str],
    lang: str = "sv",
) -> str:
    """A ready-to-paste journal note (plain text): Kontaktorsak, Anamnes (the citizen's own words and the triage
    answers), Egenvärdering av hälsa, Förväntningar, Triage, Åtgärd/Bedömning and who closed the case when, in
    Swedish time. The chat is summarised (how many messages, when), not pasted. ``lang``: "sv" or "en"."""
    lang = lang if lang in _LABELS else "sv"
    label = _LABELS[lang]
    triage = _triage(case)
    answers = _answers(case, lang)
    by_step = {a.step_id: a for a in answers}
    lines: list[str] = [f"{label['title']} – {unit_name}"]

    age = getattr(case, "patient_age", None)
    if age is None and "age" in by_step and isinstance(by_step["age"].value, int | float):
        age = int(by_step["age"].value)
    who = [p for p in (getattr(case, "patient_name", "") or "",) if p]
    if age is not None:
        who.append(label["age"].format(age=age))
    if "sex" in by_step:
        who.append(by_step["sex"].text)
    if who:
        lines.append(f"{label['patient']}: {', '.join(who)}")
    lines.append(f"{label['submitted']}: {_swedish_time(case.submitted_at)} ({label['time_note']})")
    lines.append(f"{label['case']}: {case.case_id}")

    lines += ["", label["reason"], case.reason]

    lines += ["", label["history"]]
    lines.append(f"{label['own_words']}: {case.free_text}" if case.free_text else label["no_own_words"])
    if "complaint" in by_step:
        complaint = by_step["complaint"].text
        if "duration_days" in by_step:
            complaint = f"{complaint}, {by_step['duration_days'].text}"
        lines.append(f"{label['complaint']}: {complaint}")
    asked = [a for a in answers if not a.from_context and a.step_id not in _OWN_PLACE and a.step_id != "sex"]
    relevant = [a for a in asked if a.value != "no"]
    denied = [a for a in asked if a.value == "no"]
    if relevant:
        lines.append(f"{label['answers']}:")
        lines += [f"- {a.question} {a.text}" for a in relevant]
    screen = [a for a in asked if a.step_id.startswith(SCREEN_PREFIX)]
    if screen:  # the red-flag screen is asked of everyone: its "no"s in one line (a "yes" is listed above)
        screen_no = sum(1 for a in screen if a.value == "no")
        lines.append(label["screen"].format(denied=screen_no, asked=len(screen)))
    denied = [a for a in denied if not a.step_id.startswith(SCREEN_PREFIX)]
    if denied:
        lines.append(f"{label['denied']}:")
        lines += [f"- {a.question} {a.text}" for a in denied]

    lines += ["", label["health"]]
    health = by_step.get("self_rated_health")
    lines.append(label["health_value"].format(value=health.value) if health else label["not_given"])

    lines += ["", label["expectations"], case.expectations or label["not_given"]]

    lines += ["", label["triage"], *_triage_lines(case, triage, by_step, staff_names, lang)]

    lines += ["", label["action"], *_action_lines(case, messages, staff_names, lang)]
    return "\n".join(lines) + "\n"


def _triage_lines(
    case: Case,
    triage: Mapping[str, Any],
    by_step: Mapping[str, _Answer],
    staff_names: Mapping[str, str],
    lang: str,
) -> list[str]:
    label = _LABELS[lang]
    if not triage:
        lines = [label["no_triage"]]
        if case.priority:
            lines.append(f"{label['priority']}: {case.priority} {PRIORITY_TEXT[lang].get(case.priority, '')}".rstrip())
        return lines
    bot_priority = triage.get("priority")
    if bot_priority:
        shown = f"{bot_priority} {PRIORITY_TEXT[lang].get(str(bot_priority), '')}".rstrip()
        if triage.get("deadline"):
            shown += f" ({label['deadline'].format(at=_swedish_time(triage['deadline']))})"
    else:
        shown = label["self_care_priority"]
    lines = [f"{label['priority']}: {shown}"]
    disposition = str(triage.get("disposition") or case.disposition or "")
    if disposition:
        lines.append(f"{label['disposition']}: {DISPOSITION_TEXT[lang].get(disposition, disposition)}")
    profession = str(triage.get("profession") or case.profession)
    lines.append(f"{label['profession']}: {PROFESSION_TEXT[lang].get(profession, profession)}")
    flags = [_red_flag_text(f, by_step) for f in triage.get("red_flags") or []]
    lines.append(f"{label['red_flags']}: {'; '.join(flags) if flags else label['none']}")
    text_flags = triage.get("free_text_flags") or []
    if text_flags:
        shown_flags = [
            f"”{f.get('matched')}” ({f.get('category')}" + (f", {label['negated']})" if f.get("negated") else ")")
            for f in text_flags
        ]
        lines.append(f"{label['text_flags']}: {'; '.join(shown_flags)}")
    explanation = _localized(triage.get("explanation"), lang)
    if explanation:
        lines.append(f"{label['explanation']}: {explanation}")
    if triage.get("advice_id"):
        lines.append(f"{label['advice']}: {triage['advice_id']}")
    if triage.get("crisis_info"):
        lines.append(label["crisis"])
    lines.append(f"{label['ruleset']}: {triage.get('ruleset_version', '')}")
    for override in getattr(case, "overrides", None) or []:
        if isinstance(override, Mapping):
            lines.append(f"{label['override']}: {_override_line(override, staff_names, lang)}")
    return lines


def _red_flag_text(flag: Mapping[str, Any], by_step: Mapping[str, _Answer]) -> str:
    rule = str(flag.get("rule_id", ""))
    triggers = _triggers(flag, by_step)
    return f"{rule} ({triggers})" if triggers else rule


def _triggers(flag: Mapping[str, Any], by_step: Mapping[str, _Answer]) -> str:
    """The answers that made a red-flag rule fire, as the citizen saw them."""
    shown = []
    for step_id, value in (flag.get("answers") or {}).items():
        answer = by_step.get(step_id)
        shown.append(f"{answer.question} {answer.text}" if answer else f"{step_id} = {_plain(value)}")
    return "; ".join(shown)


def _action_lines(case: Case, messages: Sequence[Message], staff_names: Mapping[str, str], lang: str) -> list[str]:
    label = _LABELS[lang]
    lines: list[str] = []
    if case.status is CaseStatus.CLOSED:
        outcome = str(case.close_outcome or "")
        lines.append(f"{label['outcome']}: {OUTCOME_TEXT[lang].get(outcome, outcome)}")
        lines.append(case.close_summary or "")
    elif case.status is CaseStatus.REDIRECTED:
        where = str(case.disposition or _triage(case).get("disposition") or "")
        lines.append(label["redirected"].format(where=DISPOSITION_TEXT[lang].get(where, where)))
    elif case.status is CaseStatus.SELF_CARE:
        lines.append(label["self_care_done"])
    else:
        lines.append(label["open"].format(status=STATUS_TEXT[lang].get(case.status.value, case.status.value)))
        if case.claimed_by:
            lines.append(f"{label['held_by']}: {_person(case.claimed_by, staff_names)}")
    referrals = [r for r in getattr(case, "referrals", None) or [] if isinstance(r, Mapping)]
    if referrals:
        lines.append(f"{label['referrals']}:")
        lines += [f"- {_referral_line(r, staff_names, lang)}" for r in referrals]
    if messages:
        first, last = _swedish_time(messages[0].sent_at), _swedish_time(messages[-1].sent_at)
        if first[:10] == last[:10]:
            last = last[11:]  # the same day: the time is enough
        summary = label["chat_count"].format(count=len(messages), first=first, last=last)
        lines.append(f"{label['chat']}: {summary}")
    elif case.status in (CaseStatus.QUEUED, CaseStatus.CLAIMED, CaseStatus.CLOSED):
        lines.append(f"{label['chat']}: {label['no_chat']}")
    if case.status is CaseStatus.CLOSED and case.closed_by:
        lines.append(f"{label['closed_by']}: {_person(case.closed_by, staff_names)}, {_swedish_time(case.closed_at)}")
    return lines


# --- The FHIR export ---------------------------------------------------------------------------------------------


def _uuid(case: Case, kind: str, n: int = 0) -> str:
    """A stable id per resource: the same case exports to the same ids (a re-export replaces, not duplicates)."""
    return str(uuid.uuid5(_IDS, f"{case.tenant}/{case.case_id}/{kind}/{n}"))


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _practitioner(hsa_id: str, name: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"type": "Practitioner", "identifier": {"system": HSA_ID, "value": hsa_id}}
    if name:
        ref["display"] = name
    return ref


def fhir_bundle(
    case: Case,
    messages: Sequence[Message],
    *,
    unit_name: str,
    patient_identifier: str | None = None,
    staff_names: Mapping[str, str] | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The case as a FHIR Bundle (type collection), validated by the FHIR library, as a JSON-ready dict:
    QuestionnaireResponse (the intake and each triage answer), Task (status and priority of the case, owner),
    one Communication per chat message, and ClinicalImpression (the triage) when the case was triaged.

    The patient is named by Nära's pseudonymous reference (``patient_identifier``, default the case's); a
    personnummer is refused. Raises ``ValueError`` (pydantic's ValidationError is one) if a resource is invalid."""
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.clinicalimpression import ClinicalImpression
    from fhir.resources.R4B.communication import Communication
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
    from fhir.resources.R4B.task import Task

    names = dict(staff_names or {})
    for message in messages:
        if message.sender_kind is SenderKind.STAFF and message.sender_name:
            names.setdefault(message.sender_id, message.sender_name)
    pseudonym = patient_identifier or case.patient_ref
    if _PERSONAL_NUMBER.fullmatch(pseudonym.strip()):
        raise ValueError("The FHIR export names the patient by the pseudonymous reference, never a personnummer.")
    context = _Export(case=case, unit_name=unit_name, pseudonym=pseudonym, names=names)

    entries: list[tuple[str, Any]] = []
    questionnaire = QuestionnaireResponse.model_validate(context.questionnaire_response())
    entries.append((context.url("QuestionnaireResponse"), questionnaire))
    entries.append((context.url("Task"), Task.model_validate(context.task())))
    for message in messages:
        resource = Communication.model_validate(context.communication(message))
        entries.append((context.url("Communication", message.seq), resource))
    if case.triage:
        entries.append((context.url("ClinicalImpression"), ClinicalImpression.model_validate(context.impression())))

    bundle_data: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": _uuid(case, "Bundle"),
        "identifier": context.case_identifier(),
        "type": "collection",
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
    }
    if generated_at is not None:
        bundle_data["timestamp"] = generated_at.isoformat()
    bundle = Bundle.model_validate(bundle_data)
    exported: dict[str, Any] = bundle.model_dump(mode="json")
    check_required_codes(exported)
    return exported


def check_required_codes(bundle: Mapping[str, Any]) -> None:
    """Raise ValueError if a code we set is outside its required FHIR value set (the library checks no bindings)."""
    resources = [bundle, *(e.get("resource") or {} for e in bundle.get("entry") or [])]
    for resource in resources:
        kind = str(resource.get("resourceType"))
        for (resource_type, element), allowed in REQUIRED_CODES.items():
            if resource_type == kind and element in resource and resource[element] not in allowed:
                raise ValueError(f"{kind}.{element} {resource[element]!r} is not in its required value set")


@dataclass(frozen=True)
class _Export:
    """Builds the resources' JSON for one case (the FHIR models then validate it)."""

    case: Case
    unit_name: str
    pseudonym: str
    names: Mapping[str, str]

    def url(self, kind: str, n: int = 0) -> str:
        return f"urn:uuid:{_uuid(self.case, kind, n)}"

    def ref(self, kind: str, n: int = 0) -> dict[str, Any]:
        return {"reference": self.url(kind, n), "type": kind}

    def case_identifier(self) -> dict[str, Any]:
        return {"system": f"{NARA}:{self.case.tenant}:case", "value": self.case.case_id}

    def patient(self) -> dict[str, Any]:
        """The patient by pseudonymous reference: a keyed hash of the personnummer, meaningful within the region."""
        system = f"{NARA}:{self.case.tenant}:patient-ref"
        return {"type": "Patient", "identifier": {"system": system, "value": self.pseudonym}}

    def citizen(self, subject: str | None) -> dict[str, Any]:
        """The patient, or the guardian (RelatedPerson) when a parent acted for their child."""
        if subject is None or subject == self.case.patient_ref:
            return self.patient()
        system = f"{NARA}:{self.case.tenant}:patient-ref"
        return {"type": "RelatedPerson", "identifier": {"system": system, "value": subject}}

    def unit(self) -> dict[str, Any]:
        return {
            "type": "Organization",
            "identifier": {"system": HSA_ID, "value": self.case.unit_id},
            "display": self.unit_name,
        }

    def practitioner(self, hsa_id: str) -> dict[str, Any]:
        return _practitioner(hsa_id, self.names.get(hsa_id))

    # QuestionnaireResponse: the intake (reason, own words, expectations) and the triage, one item per answer.
    def questionnaire_response(self) -> dict[str, Any]:
        case = self.case
        items: list[dict[str, Any]] = [_text_item("reason", "Kontaktorsak", case.reason)]
        if case.free_text:
            items.append(_text_item("free_text", "Egen beskrivning", case.free_text))
        if case.expectations:
            items.append(_text_item("expectations", "Förväntningar", case.expectations))
        triage_items = [item for a in _answers(case, "sv") if (item := _answer_item(a)) is not None]
        if triage_items:
            items.append({"linkId": "triage", "text": "Triagefrågor", "item": triage_items})
        author = self.citizen(case.submitted_by)
        return {
            "resourceType": "QuestionnaireResponse",
            "id": _uuid(case, "QuestionnaireResponse"),
            "language": "sv",
            "identifier": self.case_identifier(),
            "status": "completed",
            "subject": self.patient(),
            "authored": case.submitted_at.isoformat(),
            "author": author,
            "source": author,
            "item": items,
        }

    # Task: the case's handling at the unit.
    def task(self) -> dict[str, Any]:
        case = self.case
        triage = _triage(case)
        profession = PROFESSION_TEXT["sv"].get(case.profession)
        task: dict[str, Any] = {
            "resourceType": "Task",
            "id": _uuid(case, "Task"),
            "identifier": [self.case_identifier()],
            "status": TASK_STATUS[case.status],
            "intent": "order",
            "code": {"text": "Digital vårdkontakt"},
            "description": case.reason,
            "focus": self.ref("QuestionnaireResponse"),
            "for": self.patient(),
            "authoredOn": case.submitted_at.isoformat(),
            "lastModified": _latest(case).isoformat(),
            "requester": self.citizen(case.submitted_by),
            "performerType": [
                {
                    "coding": [_coding(f"{NARA}:profession", case.profession, profession)],
                    "text": profession or case.profession,
                }
            ],
            "owner": self.practitioner(owner) if (owner := case.closed_by or case.claimed_by) else self.unit(),
        }
        if case.priority:
            task["priority"] = TASK_PRIORITY[case.priority]
            label = PRIORITY_TEXT["sv"].get(case.priority, "")
            task["businessStatus"] = {
                "coding": [_coding(f"{NARA}:priority", case.priority, label)],
                "text": f"{case.priority} {label}".strip(),
            }
        if case.status is CaseStatus.REDIRECTED:
            disposition = str(case.disposition or triage.get("disposition") or "")
            task["statusReason"] = {"text": DISPOSITION_TEXT["sv"].get(disposition, disposition) or "Hänvisad"}
        if case.deadline is not None:
            task["restriction"] = {"period": {"end": case.deadline.isoformat()}}
        period: dict[str, str] = {}
        if case.first_contact_at is not None:
            period["start"] = case.first_contact_at.isoformat()
        if case.closed_at is not None:
            period["end"] = case.closed_at.isoformat()
        if period:
            task["executionPeriod"] = period
        outputs = []
        if case.close_outcome:
            outcome_label = OUTCOME_TEXT["sv"].get(case.close_outcome)
            outputs.append(
                {
                    "type": {"text": "Utfall"},
                    "valueCodeableConcept": {
                        "coding": [_coding(f"{NARA}:close-outcome", case.close_outcome, outcome_label)]
                    },
                }
            )
        if case.status is CaseStatus.SELF_CARE and triage.get("advice_id"):
            outputs.append({"type": {"text": "Egenvårdsråd"}, "valueString": str(triage["advice_id"])})
        if outputs:
            task["output"] = outputs
        return task

    # Communication: one per chat message, the text as written (plain text, never interpreted as markup).
    def communication(self, message: Message) -> dict[str, Any]:
        case = self.case
        if message.sender_kind is SenderKind.STAFF:
            sender = _practitioner(message.sender_id, message.sender_name or self.names.get(message.sender_id))
        else:
            sender = self.citizen(message.sender_id)
        kind = str(getattr(getattr(message, "kind", None), "value", "text"))
        text = message.text if message.text.strip() else MESSAGE_PLACEHOLDER.get(kind, MESSAGE_PLACEHOLDER["text"])
        return {
            "resourceType": "Communication",
            "id": _uuid(case, "Communication", message.seq),
            "identifier": [{"system": f"{NARA}:{case.tenant}:message", "value": f"{case.case_id}-{message.seq}"}],
            "partOf": [self.ref("Task")],
            "status": "completed",
            "subject": self.patient(),
            "sent": message.sent_at.isoformat(),
            "sender": sender,
            "payload": [{"contentString": text}],
        }

    # ClinicalImpression: the triage's assessment.
    def impression(self) -> dict[str, Any]:
        case = self.case
        triage = _triage(case)
        by_step = {a.step_id: a for a in _answers(case, "sv")}
        findings = [
            {
                "itemCodeableConcept": {
                    "coding": [_coding(f"{NARA}:triage-rule", str(flag.get("rule_id")))],
                    "text": str(flag.get("rule_id")),
                },
                "basis": _triggers(flag, by_step) or "Röd flagga i triagen",
            }
            for flag in triage.get("red_flags") or []
        ]
        findings += [
            {
                "itemCodeableConcept": {
                    "coding": [_coding(f"{NARA}:free-text-term", str(flag.get("term_id")), str(flag.get("matched")))],
                    "text": f"{flag.get('category')}: {flag.get('matched')}",
                },
                "basis": "Flaggat i egen text",
            }
            for flag in triage.get("free_text_flags") or []
            if not flag.get("negated")
        ]
        priority = str(triage.get("priority") or "")
        disposition = str(triage.get("disposition") or "")
        profession = str(triage.get("profession") or "")
        description = ", ".join(
            part
            for part in (
                f"{priority} {PRIORITY_TEXT['sv'].get(priority, '')}".strip() if priority else "Egenvård",
                DISPOSITION_TEXT["sv"].get(disposition, disposition),
                PROFESSION_TEXT["sv"].get(profession, profession),
            )
            if part
        )
        impression: dict[str, Any] = {
            "resourceType": "ClinicalImpression",
            "id": _uuid(case, "ClinicalImpression"),
            "language": "sv",
            "identifier": [self.case_identifier()],
            "status": "completed",
            "code": {"text": "Triagering (automatisk symtombedömning)"},
            "description": f"Triage: {description}",
            "subject": self.patient(),
            "effectiveDateTime": case.submitted_at.isoformat(),
            "date": case.submitted_at.isoformat(),
            "investigation": [{"code": {"text": "Triagefrågor"}, "item": [self.ref("QuestionnaireResponse")]}],
            "protocol": [f"{NARA}:triage-ruleset:{triage.get('ruleset_version', 'unknown')}"],
        }
        summary = _localized(triage.get("explanation"), "sv")
        if summary:
            impression["summary"] = summary
        if findings:
            impression["finding"] = findings
        notes = [self._override_note(o) for o in getattr(case, "overrides", None) or [] if isinstance(o, Mapping)]
        if case.close_summary:
            close_note: dict[str, Any] = {"text": case.close_summary}
            if case.closed_by:
                close_note["authorReference"] = self.practitioner(case.closed_by)
            if case.closed_at:
                close_note["time"] = case.closed_at.isoformat()
            notes.append(close_note)
        if notes:
            impression["note"] = notes
        return impression

    def _override_note(self, override: Mapping[str, Any]) -> dict[str, Any]:
        note: dict[str, Any] = {"text": f"Ändrat av personal: {_override_line(override, self.names, 'sv')}"}
        if override.get("by"):
            note["authorReference"] = self.practitioner(str(override["by"]))
        return note


def _latest(case: Case) -> datetime:
    times = [t for t in (case.submitted_at, case.claimed_at, case.first_contact_at, case.closed_at) if t is not None]
    return max(times)


def _text_item(link_id: str, text: str, value: str) -> dict[str, Any]:
    return {"linkId": link_id, "text": text, "answer": [{"valueString": value}]}


def _answer_item(answer: _Answer) -> dict[str, Any] | None:
    """One triage answer as a QuestionnaireResponse item (linkId = the step id); None when there is no value."""
    values: list[dict[str, Any]] = []
    value = answer.value
    if isinstance(value, bool):
        values.append({"valueBoolean": value})
    elif isinstance(value, int):
        values.append({"valueInteger": value})
    elif isinstance(value, float):
        values.append({"valueDecimal": value})
    elif isinstance(value, list):
        shown = answer.text if len(value) == 1 else None
        values += [{"valueCoding": _coding(f"{NARA}:triage-answer", str(v), shown)} for v in value if str(v)]
    elif isinstance(value, str) and value.strip():
        if answer.coded:
            values.append({"valueCoding": _coding(f"{NARA}:triage-answer", value, answer.text)})
        else:
            values.append({"valueString": value})  # free text, or a transcript that kept only the answer's text
    if not values:
        return None
    return {"linkId": answer.step_id, "text": answer.question, "answer": values}


# --- The use case: read in scope, audit first, then the record ----------------------------------------------------


class RecordService:
    """Staff export the case for the medical record. Each export is one access record, written before any data
    is read beyond the scope check; a case outside the staff member's units is NotFound (nothing leaks)."""

    def __init__(self, cases: DynamoCases, directory: DynamoDirectory, audit: AuditService, *, clock: Clock) -> None:
        self._cases = cases
        self._directory = directory
        self._audit = audit
        self._clock = clock

    def journal(self, principal: Principal, case_id: str, *, lang: str = "sv") -> str:
        case, messages = self._read(principal, case_id, "journal_note")
        names = self._staff_names(case, messages)
        return journal_note(case, messages, unit_name=self._unit_name(case), staff_names=names, lang=lang)

    def fhir(self, principal: Principal, case_id: str) -> dict[str, Any]:
        case, messages = self._read(principal, case_id, "export_fhir")
        return fhir_bundle(
            case,
            messages,
            unit_name=self._unit_name(case),
            staff_names=self._staff_names(case, messages),
            generated_at=self._clock(),
        )

    def _read(self, principal: Principal, case_id: str, action: str) -> tuple[Case, list[Message]]:
        case = self._cases.get(principal.tenant, case_id)
        if case is None or not principal.is_staff or not policy.can_view_case(principal, case):
            raise NotFound("The case could not be found.", message_sv="Ärendet finns inte.")
        self._audit.record_case_access(principal, case, action)
        return case, list(_all_messages(self._cases, case))

    def _unit_name(self, case: Case) -> str:
        unit = self._directory.unit(case.tenant, case.unit_id) or {}
        return str(unit.get("name") or case.unit_id)

    def _staff_names(self, case: Case, messages: Iterable[Message]) -> dict[str, str]:
        names = {m.sender_id: m.sender_name for m in messages if m.sender_kind is SenderKind.STAFF and m.sender_name}
        entries = [
            e for e in [*getattr(case, "overrides", []), *getattr(case, "referrals", [])] if isinstance(e, Mapping)
        ]
        people = {case.claimed_by, case.closed_by, case.handed_by, *(e.get("by") for e in entries)}
        for hsa_id in sorted(str(p) for p in people if p and p not in names):
            found = self._directory.staff(case.tenant, hsa_id)
            if found and found.get("name"):
                names[hsa_id] = str(found["name"])
        return names


def _all_messages(cases: DynamoCases, case: Case, page: int = 500) -> Iterable[Message]:
    """Every message of the case in order (one Query per page of ``page``)."""
    after = 0
    while True:
        batch = cases.messages(case.tenant, case.case_id, after=after, limit=page)
        yield from batch
        if len(batch) < page:
            return
        after = batch[-1].seq
