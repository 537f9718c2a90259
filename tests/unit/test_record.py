"""The case for the medical record: the journal note staff paste, and the FHIR export the FHIR library validates."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.clinicalimpression import ClinicalImpression
from fhir.resources.R4B.communication import Communication
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.task import Task
from pydantic import ValidationError

from chalicelib.domain.identity import patient_ref
from chalicelib.domain.model import Case, Message, SenderKind
from chalicelib.services.record import HSA_ID, check_required_codes, fhir_bundle, journal_note
from chalicelib.triage import TriageContext, answer, default_library, next_step, outcome, start, transcript

PERSONNUMMER = "199001012385"
PATIENT = patient_ref(PERSONNUMMER, b"test-patient-key")
NURSE = "SE2321000057-S001"
NURSE_NAME = "Sara Sjöberg"
SUBMITTED = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)  # 10:15 in Sweden (CET)
UNIT = "SE2321000057-VC01"

# A cold with breathing trouble and high fever: the engine makes it P2 for a nurse's chat, with a red flag.
COUGH_AND_FEVER = {
    "sex": "female",
    "self_rated_health": 40,
    "complaint": "cold",
    "duration_days": 5,
    "breathing": "yes",
    "fever": "fever_39_plus",
    "fever_days": 3,
}
# A plain cold: self-care.
PLAIN_COLD = {"sex": "male", "self_rated_health": 70, "complaint": "cold", "duration_days": 2, "fever": "no_fever"}
# Chest pain now: the red-flag screen sends the citizen to 112 (P1).
CHEST_PAIN = {"sex": "male", "self_rated_health": 30, "rf_chest_pain": "yes"}


def triaged_case(
    answers: Mapping[str, Any] = COUGH_AND_FEVER,
    *,
    free_text: str = "Hosta och feber sedan fem dagar, svårt att andas i natt",
    priority: str | None = "from triage",
    case_id: str = "case-0001",
    submitted_by: str | None = None,
) -> Case:
    """A case as the triage makes it: the real engine answers the steps (anything not given is "no")."""
    library = default_library()
    context = TriageContext(free_text=f"Hosta och feber\n{free_text}", facts={"age": 34})
    state = start(library, now=SUBMITTED, lang="sv", context=context)
    while (step := next_step(state, library=library)) is not None:
        state = answer(state, step.id, answers.get(step.id, "no"), now=SUBMITTED, library=library)
    result = outcome(state, library=library)
    assert result is not None
    return Case.submit(
        case_id=case_id,
        tenant="testregion",
        unit_id=UNIT,
        patient_ref=PATIENT,
        reason="Hosta och feber",
        free_text=free_text,
        priority=(result.priority.value if result.priority else None) if priority == "from triage" else priority,
        profession=result.profession.value,
        now=SUBMITTED,
        disposition=result.disposition.value,
        triage=result.model_dump(mode="json"),
        expectations="Vill veta om jag behöver antibiotika",
        patient_name="Eva Ek",
        patient_age=34,
        triage_answers=[entry.model_dump(mode="json") for entry in transcript(state, library=library)],
        submitted_by=submitted_by,
    )


def closed(case: Case, *, at: datetime = SUBMITTED + timedelta(minutes=50)) -> Case:
    claimed = case.claim(NURSE, SUBMITTED + timedelta(minutes=20))
    return claimed.close(
        NURSE, "advice_given", "Bedömd i chatt: luftvägsinfektion utan tecken på lunginflammation.", at
    )


def chat(case: Case) -> list[Message]:
    start_at = SUBMITTED + timedelta(minutes=21)
    lines = [
        (SenderKind.STAFF, NURSE, NURSE_NAME, "Hej Eva! Hur andas du just nu?"),
        (SenderKind.CITIZEN, PATIENT, "Eva Ek", "Bättre nu, men <b>fortfarande</b> <script>alert(1)</script> hosta"),
        (SenderKind.STAFF, NURSE, NURSE_NAME, "Bra. Vila, drick mycket och hör av dig om du blir sämre."),
    ]
    return [
        Message(case.case_id, i, f"client-{i}", kind, sender, name, text, start_at + timedelta(minutes=3 * i))
        for i, (kind, sender, name, text) in enumerate(lines, start=1)
    ]


def note_of(case: Case, messages: list[Message] | None = None, lang: str = "sv") -> str:
    return journal_note(
        case, messages or [], unit_name="Vårdcentralen Väster", staff_names={NURSE: NURSE_NAME}, lang=lang
    )


def bundle_of(case: Case, messages: list[Message] | None = None) -> dict[str, Any]:
    return fhir_bundle(case, messages or [], unit_name="Vårdcentralen Väster", generated_at=SUBMITTED)


def resources(bundle: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def section(note: str, title: str) -> str:
    """The lines under a heading of the note, up to the next blank line."""
    lines = note.splitlines()
    start_at = lines.index(title) + 1
    end = next((i for i in range(start_at, len(lines)) if not lines[i]), len(lines))
    return "\n".join(lines[start_at:end])


# --- The journal note ------------------------------------------------------------------------------------------


def test_journal_note_has_the_sections_staff_paste_in_the_record_order() -> None:
    note = note_of(closed(triaged_case()), chat(triaged_case()))
    headings = ["Kontaktorsak", "Anamnes", "Egenvärdering av hälsa", "Förväntningar", "Triage", "Åtgärd/Bedömning"]
    positions = [note.splitlines().index(h) for h in headings]
    assert positions == sorted(positions)
    assert note.startswith("Digital kontakt via Nära – Vårdcentralen Väster\nPatient: Eva Ek, 34 år, Kvinna/flicka\n")
    assert "Inkommet: 2026-03-02 10:15 (svensk tid)" in note
    assert section(note, "Kontaktorsak") == "Hosta och feber"
    assert section(note, "Egenvärdering av hälsa") == "40 av 100"
    assert section(note, "Förväntningar") == "Vill veta om jag behöver antibiotika"


def test_anamnesis_gives_the_own_words_and_the_answers_that_matter_first() -> None:
    anamnesis = section(note_of(triaged_case()), "Anamnes")
    assert "Egen beskrivning: Hosta och feber sedan fem dagar, svårt att andas i natt" in anamnesis
    assert "Besvär enligt triagen: Förkylning, 5 dygn" in anamnesis
    positive, _, rest = anamnesis.partition("Akuta varningstecken")
    assert "Har du feber? Feber, 39 °C eller mer" in positive
    assert "Hur många dygn har du haft feber? 3 dygn" in positive
    assert "pipande andning, även vid lätt ansträngning? Ja" in positive
    assert "Nej" not in positive
    # the red-flag screen everyone answers is one line; the other "no" answers follow, listed
    assert rest.startswith(" (screening): nej på 8 av 8 frågor")
    assert "Nekande svar:\n- Är du gravid, eller kan du vara gravid? Nej" in rest
    assert "Har du en hjärt- eller lungsjukdom, till exempel astma, KOL eller hjärtsvikt? Nej" in rest


def test_triage_section_names_priority_deadline_care_level_red_flags_and_ruleset() -> None:
    triage = section(note_of(triaged_case()), "Triage")
    assert "Prioritet: P2 Skyndsamt (första kontakt senast 2026-03-02 13:15)" in triage
    assert "Vårdnivå: Chatt" in triage
    assert "Yrkesgrupp: Sjuksköterska" in triage
    assert re.search(r"Röda flaggor: breathing_difficulty \(Har du svårt att andas.*\? Ja\)", triage)
    assert "Flaggat i egen text: ”svårt att andas” (breathing)" in triage
    assert "Motivering: Andningsbesvär vid luftvägsinfektion" in triage
    assert "Regelverk: cold@1.0.0;engine@1" in triage


def test_action_section_gives_outcome_summary_and_who_closed_when_in_swedish_time() -> None:
    case = closed(triaged_case())
    action = section(note_of(case, chat(case)), "Åtgärd/Bedömning")
    assert action.splitlines()[:2] == [
        "Utfall: Råd givet",
        "Bedömd i chatt: luftvägsinfektion utan tecken på lunginflammation.",
    ]
    assert "Chatt: 3 meddelanden, 2026-03-02 10:39–10:45" in action
    assert action.endswith(f"Avslutat av: {NURSE_NAME} (HSA-id {NURSE}), 2026-03-02 11:05")


def test_summer_times_are_swedish_summer_time() -> None:
    case = closed(triaged_case(), at=datetime(2026, 7, 1, 8, 0, tzinfo=UTC))
    assert note_of(case).rstrip().endswith("2026-07-01 10:00")


def test_the_note_summarises_the_chat_and_is_plain_text() -> None:
    case = closed(triaged_case())
    note = note_of(case, chat(case))
    assert "Hur andas du just nu" not in note and "fortfarande" not in note
    assert not re.search(r"</?[a-zA-Z]", note)


def test_an_open_case_says_it_is_not_closed_yet() -> None:
    queued = triaged_case()
    assert (
        section(note_of(queued), "Åtgärd/Bedömning")
        == "Ärendet är inte avslutat (status: i kö).\nChatt: Inga meddelanden."
    )
    claimed = queued.claim(NURSE, SUBMITTED + timedelta(minutes=5))
    action = section(note_of(claimed), "Åtgärd/Bedömning")
    assert f"Handläggs av: {NURSE_NAME} (HSA-id {NURSE})" in action and "Avslutat av" not in action


def test_self_care_and_redirected_notes_say_what_the_triage_did() -> None:
    note = note_of(triaged_case(PLAIN_COLD, free_text="Snuva och lite ont i halsen"))
    assert section(note, "Åtgärd/Bedömning") == "Egenvårdsråd gavs av triagen; ingen kontakt med vårdpersonal begärdes."
    triage = section(note, "Triage")
    assert "Prioritet: Ingen (egenvård)" in triage
    assert "Vårdnivå: Egenvård" in triage
    assert "Röda flaggor: Inga" in triage
    assert "Egenvårdsråd: cold_self_care" in triage

    note = note_of(triaged_case(CHEST_PAIN))
    assert "Prioritet: P1 Omgående (första kontakt senast 2026-03-02 10:30)" in note
    assert "Röda flaggor: screen_chest_pain (Har du just nu kraftig smärta, tryck eller obehag i bröstet? Ja)" in note
    assert section(note, "Åtgärd/Bedömning") == (
        "Ingen åtgärd på enheten: triagen hänvisade vidare (Akut – hänvisad att ringa 112)."
    )


def test_the_note_is_available_in_english() -> None:
    note = note_of(closed(triaged_case()), lang="en")
    assert "Reason for contact\nHosta och feber" in note
    assert "Do you have a fever? Fever, 39 °C or more" in note
    assert "Self-rated health\n40 of 100" in note
    assert "Outcome: Advice given" in note


# --- The FHIR export --------------------------------------------------------------------------------------------


def test_fhir_export_validates_with_the_fhir_library() -> None:
    case = closed(triaged_case())
    bundle = bundle_of(case, chat(case))
    parsed = Bundle.model_validate(json.loads(json.dumps(bundle)))  # what a receiver does with the JSON
    assert parsed.type == "collection"
    classes = Counter(type(entry.resource) for entry in parsed.entry or [])
    assert classes == {QuestionnaireResponse: 1, Task: 1, Communication: 3, ClinicalImpression: 1}
    assert all(e.fullUrl and e.fullUrl.startswith("urn:uuid:") for e in parsed.entry or [])


def test_an_invalid_resource_is_refused_not_exported() -> None:
    case = closed(triaged_case())
    broken = [*chat(case)]
    broken[0] = Message(case.case_id, 1, "c", SenderKind.STAFF, NURSE, NURSE_NAME, "Hej", datetime(2026, 3, 2, 10))
    with pytest.raises(ValidationError, match="sent"):  # a time without a zone is not a FHIR dateTime
        bundle_of(case, broken)
    with pytest.raises(ValueError, match="required value set"):
        check_required_codes(
            {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Task", "status": "x"}}]}
        )


def test_the_intake_and_every_triage_answer_are_in_the_questionnaire_response() -> None:
    case = triaged_case()
    (response,) = resources(bundle_of(case), "QuestionnaireResponse")
    assert response["status"] == "completed" and response["authored"] == "2026-03-02T09:15:00Z"
    intake = {item["linkId"]: item for item in response["item"]}
    assert intake["reason"]["answer"] == [{"valueString": "Hosta och feber"}]
    assert intake["free_text"]["answer"][0]["valueString"].startswith("Hosta och feber sedan fem dagar")
    assert intake["expectations"]["answer"] == [{"valueString": "Vill veta om jag behöver antibiotika"}]
    triage = {item["linkId"]: item for item in intake["triage"]["item"]}
    assert list(triage) == [entry["step_id"] for entry in case.triage_answers]
    assert triage["fever"]["text"] == "Har du feber?"
    assert triage["fever"]["answer"] == [
        {
            "valueCoding": {
                "system": "urn:nara:triage-answer",
                "code": "fever_39_plus",
                "display": "Feber, 39 °C eller mer",
            }
        }
    ]
    assert triage["self_rated_health"]["answer"] == [{"valueInteger": 40}]


@pytest.mark.parametrize(
    ("priority", "expected"),
    [("P1", "stat"), ("P2", "asap"), ("P3", "urgent"), ("P4", "routine"), ("P5", "routine")],
)
def test_task_priority_follows_our_priority_and_keeps_our_code(priority: str, expected: str) -> None:
    (task,) = resources(bundle_of(triaged_case(priority=priority)), "Task")
    assert task["priority"] == expected
    label = {
        "P1": "Omgående",
        "P2": "Skyndsamt",
        "P3": "Närmaste dygnet",
        "P4": "Vardag närmaste tiden",
        "P5": "Avvakta",
    }
    assert task["businessStatus"] == {
        "coding": [{"system": "urn:nara:priority", "code": priority, "display": label[priority]}],
        "text": f"{priority} {label[priority]}",
    }


def test_task_status_and_owner_follow_the_case() -> None:
    queued = triaged_case()
    (task,) = resources(bundle_of(queued), "Task")
    assert task["status"] == "requested" and task["intent"] == "order"
    assert task["owner"]["type"] == "Organization" and task["owner"]["identifier"] == {"system": HSA_ID, "value": UNIT}
    assert task["restriction"]["period"]["end"] == "2026-03-02T12:15:00Z"  # the P2 deadline

    claimed = queued.claim(NURSE, SUBMITTED + timedelta(minutes=5))
    (task,) = resources(bundle_of(claimed, chat(claimed)), "Task")
    assert task["status"] == "in-progress"
    assert task["owner"] == {
        "type": "Practitioner",
        "identifier": {"system": HSA_ID, "value": NURSE},
        "display": NURSE_NAME,
    }

    (task,) = resources(bundle_of(closed(queued)), "Task")
    assert task["status"] == "completed"
    assert task["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "advice_given"
    assert task["executionPeriod"]["end"] == "2026-03-02T10:05:00Z"


def test_triage_that_sent_the_citizen_elsewhere_or_to_self_care_maps_to_cancelled_and_completed() -> None:
    redirected = triaged_case(CHEST_PAIN)
    assert redirected.status.value == "redirected" and redirected.priority == "P1"
    (task,) = resources(bundle_of(redirected), "Task")
    assert (task["status"], task["priority"]) == ("cancelled", "stat")
    assert task["statusReason"]["text"] == "Akut – hänvisad att ringa 112"

    self_care = triaged_case(PLAIN_COLD, free_text="Snuva och lite ont i halsen")
    assert self_care.status.value == "self_care" and self_care.priority is None
    (task,) = resources(bundle_of(self_care), "Task")
    assert task["status"] == "completed" and "priority" not in task
    assert task["output"][0]["type"]["text"] == "Egenvårdsråd"


def test_one_communication_per_message_with_sender_time_and_text() -> None:
    case = closed(triaged_case())
    messages = chat(case)
    communications = resources(bundle_of(case, messages), "Communication")
    assert len(communications) == len(messages)
    assert [c["sent"] for c in communications] == [m.sent_at.isoformat().replace("+00:00", "Z") for m in messages]
    assert [c["payload"][0]["contentString"] for c in communications] == [m.text for m in messages]
    staff, citizen = communications[0]["sender"], communications[1]["sender"]
    assert staff == {"type": "Practitioner", "identifier": {"system": HSA_ID, "value": NURSE}, "display": NURSE_NAME}
    assert citizen["type"] == "Patient" and citizen["identifier"]["value"] == PATIENT
    assert all(c["status"] == "completed" and c["subject"]["identifier"]["value"] == PATIENT for c in communications)


def test_html_in_a_message_stays_text() -> None:
    case = closed(triaged_case())
    communications = resources(bundle_of(case, chat(case)), "Communication")
    text = communications[1]["payload"][0]["contentString"]
    assert text == "Bättre nu, men <b>fortfarande</b> <script>alert(1)</script> hosta"
    # no narrative is generated: nothing in the export is meant to be rendered as XHTML
    assert all("text" not in e["resource"] for e in bundle_of(case, chat(case))["entry"])


def test_clinical_impression_is_the_triage_with_its_findings_protocol_and_the_close_summary() -> None:
    case = closed(triaged_case())
    (impression,) = resources(bundle_of(case), "ClinicalImpression")
    assert impression["status"] == "completed"
    assert impression["summary"].startswith("Andningsbesvär vid luftvägsinfektion")
    assert impression["protocol"] == ["urn:nara:triage-ruleset:cold@1.0.0;engine@1"]
    codes = [f["itemCodeableConcept"]["coding"][0]["code"] for f in impression["finding"]]
    assert codes == ["breathing_difficulty", "svart att andas"]
    assert impression["finding"][0]["basis"].endswith("? Ja")
    (note,) = impression["note"]
    assert note["text"] == case.close_summary
    assert note["authorReference"]["identifier"] == {"system": HSA_ID, "value": NURSE}


def test_the_personnummer_is_nowhere_in_the_export() -> None:
    case = closed(triaged_case(submitted_by=patient_ref("197001019876", b"test-patient-key")))
    text = json.dumps(bundle_of(case, chat(case)), ensure_ascii=False)
    digits = re.sub(r"\D", "", text)
    for number in (PERSONNUMMER, PERSONNUMMER[2:], "197001019876"):
        assert number not in digits
    assert PATIENT in text  # the pseudonymous reference names the patient
    (response,) = resources(json.loads(text), "QuestionnaireResponse")
    assert response["author"]["type"] == "RelatedPerson"  # the guardian who answered for the child
    with pytest.raises(ValueError, match="personnummer"):
        fhir_bundle(case, [], unit_name="Vårdcentralen Väster", patient_identifier="19900101-2385")


def test_the_same_case_exports_to_the_same_bundle() -> None:
    case = closed(triaged_case())
    assert bundle_of(case, chat(case)) == bundle_of(case, chat(case))
    other = closed(triaged_case(case_id="case-0002"))
    assert bundle_of(other)["entry"][0]["fullUrl"] != bundle_of(case)["entry"][0]["fullUrl"]


def test_staff_changes_to_the_triage_and_referrals_are_in_the_note_and_the_export() -> None:
    at = SUBMITTED + timedelta(minutes=10)
    case = triaged_case().override(
        NURSE, NURSE_NAME, priority="P3", profession=None, reason="Andas lugnt i chatten", deadline=None, now=at
    )
    case = case.claim(NURSE, at).refer(
        NURSE,
        NURSE_NAME,
        referral_id="ref-1",
        to_unit_id="SE2321000057-VC02",
        to_profession="doctor",
        sbar={"situation": "S", "background": "B", "assessment": "A", "recommendation": "R"},
        now=at + timedelta(minutes=5),
    )
    note = note_of(case)
    assert (
        f"Ändrat av personal: P2 → P3; skäl: Andas lugnt i chatten; {NURSE_NAME} (HSA-id {NURSE}), 2026-03-02 10:25"
        in note
    )
    assert (
        f"Remisser:\n- till SE2321000057-VC02 (Läkare); {NURSE_NAME} (HSA-id {NURSE}), 2026-03-02 10:30; väntar på svar"
        in note
    )
    (task,) = resources(bundle_of(case), "Task")
    assert (task["priority"], task["businessStatus"]["coding"][0]["code"]) == ("urgent", "P3")  # staff's priority
    (impression,) = resources(bundle_of(case), "ClinicalImpression")
    assert impression["summary"].startswith("Andningsbesvär")  # the bot's assessment stays as it was
    assert impression["note"][0]["text"].startswith("Ändrat av personal: P2 → P3; skäl: Andas lugnt i chatten")
