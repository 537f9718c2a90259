"""The step-wise engine: order of steps, red-flag screen, unknown answers, back(), state, outcome fields."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.triage import (
    PRIORITY_DEADLINES,
    Disposition,
    InvalidAnswer,
    Library,
    NothingToUndo,
    NotSelfCare,
    Priority,
    Profession,
    QuestionKind,
    Section,
    TriageContext,
    TriageState,
    WrongStep,
    answer,
    back,
    choose_contact,
    complaint_options,
    decision,
    next_step,
    outcome,
    start,
    transcript,
)

from .helpers import ADULT_MAN, COLD_UNCOMPLICATED, NOW, drive, finish

SCREEN = [
    "rf_breathing",
    "rf_chest_pain",
    "rf_consciousness",
    "rf_bleeding",
    "rf_anaphylaxis",
    "rf_stroke",
    "rf_sepsis",
    "rf_suicide_plan",
]


def _step_ids_until_complaint(library: Library, facts: dict[str, object]) -> list[str]:
    state = start(library, now=NOW)
    seen: list[str] = []
    while (step := next_step(state, library=library)) is not None and step.id != "complaint":
        seen.append(step.id)
        state = answer(state, step.id, facts.get(step.id, "no"), library=library)
    return seen


def test_steps_start_with_basic_facts_then_health_then_the_red_flag_screen(library: Library) -> None:
    ids = _step_ids_until_complaint(library, {"age": 40, "sex": "male", "self_rated_health": 70})
    assert ids == ["age", "sex", "self_rated_health", *SCREEN]


def test_child_under_two_is_asked_months_and_not_about_suicide(library: Library) -> None:
    ids = _step_ids_until_complaint(library, {"age": 1, "age_months": 14, "sex": "female", "self_rated_health": 60})
    assert ids[:3] == ["age", "age_months", "sex"]
    assert "rf_suicide_plan" not in ids
    assert "pregnant" not in ids


def test_months_must_fit_the_age_in_years(library: Library) -> None:
    state = drive(library, {"age": 1}, stop_at="age_months")
    step = next_step(state, library=library)
    assert step is not None and (step.min, step.max) == (12, 23)
    with pytest.raises(InvalidAnswer):
        answer(state, "age_months", 5, library=library)
    assert answer(state, "age_months", 15, library=library).answers[-1].value == 15


@pytest.mark.parametrize(
    ("age", "sex", "asked"),
    [
        (30, "female", True),
        (12, "female", True),
        (55, "female", True),
        (56, "female", False),
        (11, "female", False),
        (30, "male", False),
        (30, "other", True),
        (30, "unknown", True),
        ("unknown", "female", True),
    ],
)
def test_pregnancy_is_asked_only_where_relevant(library: Library, age: object, sex: str, asked: bool) -> None:
    ids = _step_ids_until_complaint(library, {"age": age, "sex": sex, "self_rated_health": 70, "pregnant": "no"})
    assert ("pregnant" in ids) is asked


@pytest.mark.parametrize("question", SCREEN)
def test_yes_in_the_red_flag_screen_ends_triage_at_p1_112(library: Library, question: str) -> None:
    state = drive(library, {**ADULT_MAN, question: "yes"})
    assert next_step(state, library=library) is None
    result = outcome(state, library=library)
    assert result is not None
    assert (result.priority, result.disposition) == (Priority.P1, Disposition.EMERGENCY_112)
    assert [f.rule_id for f in result.red_flags] == [f"screen_{question.removeprefix('rf_')}"]
    assert result.red_flags[0].answers == {question: "yes"}
    assert result.crisis_info is (question == "rf_suicide_plan")
    assert result.ruleset_version == "engine@1"


def test_unknown_in_the_red_flag_screen_escalates_to_112(library: Library) -> None:
    result = outcome(drive(library, {**ADULT_MAN, "rf_stroke": "unknown"}), library=library)
    assert result is not None and result.disposition is Disposition.EMERGENCY_112
    assert result.red_flags[0].answers == {"rf_stroke": "unknown"}


def test_unknown_on_red_flag_question_escalates(library: Library) -> None:
    plain = finish(library, COLD_UNCOMPLICATED)
    unknown = finish(library, {**COLD_UNCOMPLICATED, "breathing": "unknown"})
    assert plain.disposition is Disposition.SELF_CARE
    assert unknown.priority is Priority.P2
    assert [f.rule_id for f in unknown.red_flags] == ["breathing_difficulty"]


def test_unknown_on_an_ordinary_question_does_not_escalate(library: Library) -> None:
    result = finish(library, {**COLD_UNCOMPLICATED, "worse_after_better": "unknown"})
    assert result.disposition is Disposition.SELF_CARE


def test_a_p1_protocol_rule_ends_the_triage_without_further_questions(library: Library) -> None:
    answers = {**ADULT_MAN, "complaint": "chest_pain", "duration_days": 0, "pain_now": "yes", "pressure": "yes"}
    state = drive(library, answers)
    assert next_step(state, library=library) is None
    assert [a.step_id for a in state.answers][-2:] == ["pain_now", "pressure"]
    result = outcome(state, library=library)
    assert result is not None and result.disposition is Disposition.EMERGENCY_112


def test_uncomplicated_cold_ends_in_self_care_not_in_a_chat(library: Library) -> None:
    result = finish(library, COLD_UNCOMPLICATED)
    assert result.disposition is Disposition.SELF_CARE
    assert result.priority is None and result.deadline is None
    assert result.advice_id == "cold_self_care"
    assert result.ruleset_version == "cold@1.0.0;engine@1"


def test_answer_for_the_wrong_step_is_rejected(library: Library) -> None:
    state = start(library, now=NOW)
    with pytest.raises(WrongStep) as raised:
        answer(state, "sex", "male", library=library)
    assert raised.value.expected == "age"
    assert "age" in raised.value.message.sv and "age" in raised.value.message.en


def test_answer_after_the_end_is_rejected(library: Library) -> None:
    state = drive(library, COLD_UNCOMPLICATED)
    with pytest.raises(WrongStep) as raised:
        answer(state, "age", 40, library=library)
    assert raised.value.expected is None


@pytest.mark.parametrize(
    ("stop_at", "value"),
    [
        ("age", 130),
        ("age", -1),
        ("age", 3.5),
        ("age", "forty"),
        ("age", True),
        ("age", 10**400),
        ("age", "nan"),
        ("sex", "woman"),
        ("rf_breathing", "maybe"),
        ("self_rated_health", [1]),
        ("complaint", "fever_child"),
    ],
)
def test_invalid_answer_is_rejected_with_swedish_and_english_message(
    library: Library, stop_at: str, value: object
) -> None:
    state = drive(library, {**ADULT_MAN}, stop_at=stop_at)
    with pytest.raises(InvalidAnswer) as raised:
        answer(state, stop_at, value, library=library)
    assert raised.value.message.sv and raised.value.message.en
    assert raised.value.message.sv != raised.value.message.en
    assert next_step(state, library=library).id == stop_at  # type: ignore[union-attr]


@pytest.mark.parametrize("word", ["unknown", "vet ej", "Vet inte", "don't know", "?"])
def test_every_question_accepts_dont_know(library: Library, word: str) -> None:
    state = drive(library, {}, stop_at="age")
    assert answer(state, "age", word, library=library).answers[-1].value == "unknown"


def test_yes_no_accepts_swedish_words_and_booleans(library: Library) -> None:
    state = drive(library, ADULT_MAN, stop_at="rf_breathing")
    assert answer(state, "rf_breathing", "Nej", library=library).answers[-1].value == "no"
    assert answer(state, "rf_breathing", False, library=library).answers[-1].value == "no"


def test_decimal_comma_is_accepted_for_a_temperature(library: Library) -> None:
    answers = {"age": 4, "sex": "male", "self_rated_health": 70, "complaint": "fever_child", "duration_days": 1}
    state = drive(library, answers, stop_at="temperature")
    assert answer(state, "temperature", "38,7", library=library).answers[-1].value == 38.7


def test_answer_returns_a_new_state_and_leaves_the_old_one_unchanged(library: Library) -> None:
    state = start(library, now=NOW)
    new = answer(state, "age", 40, library=library)
    assert state.answers == () and len(new.answers) == 1


def test_back_undoes_the_last_answer_so_it_can_be_changed(library: Library) -> None:
    state = drive(library, {**COLD_UNCOMPLICATED, "ear_or_sinus_pain": "yes"}, stop_at="immunosuppressed")
    previous = back(state)
    step = next_step(previous, library=library)
    assert step is not None and step.id == "ear_or_sinus_pain"
    changed = answer(previous, "ear_or_sinus_pain", "no", library=library)
    assert [a.value for a in changed.answers if a.step_id == "ear_or_sinus_pain"] == ["no"]


def test_back_from_a_finished_triage_reopens_it(library: Library) -> None:
    state = drive(library, {**ADULT_MAN, "rf_bleeding": "yes"})
    assert outcome(state, library=library) is not None
    reopened = back(state)
    assert outcome(reopened, library=library) is None
    assert next_step(reopened, library=library).id == "rf_bleeding"  # type: ignore[union-attr]


def test_back_over_the_complaint_unpins_the_protocol(library: Library) -> None:
    state = drive(library, COLD_UNCOMPLICATED, stop_at="duration_days")
    assert state.protocol is not None and state.protocol.id == "cold"
    before = back(state)
    assert before.protocol is None
    assert next_step(before, library=library).id == "complaint"  # type: ignore[union-attr]


def test_back_on_a_new_session_has_nothing_to_undo(library: Library) -> None:
    with pytest.raises(NothingToUndo):
        back(start(library, now=NOW))


@pytest.mark.parametrize("stop_at", ["sex", "complaint", "fever", None])
def test_state_round_trips_through_json(library: Library, stop_at: str | None) -> None:
    state = drive(library, COLD_UNCOMPLICATED, stop_at=stop_at, free_text="snuva sedan i måndags")
    restored = TriageState.model_validate_json(state.model_dump_json())
    assert restored == state
    assert next_step(restored, library=library) == next_step(state, library=library)
    assert outcome(restored, library=library) == outcome(state, library=library)


def test_same_answers_give_the_same_outcome(library: Library) -> None:
    answers = {**COLD_UNCOMPLICATED, "fever": "fever_39_plus", "fever_days": 3}
    assert finish(library, answers) == finish(library, answers)


def test_outcome_is_none_until_the_triage_is_finished(library: Library) -> None:
    assert outcome(drive(library, COLD_UNCOMPLICATED, stop_at="fever"), library=library) is None


def test_deadline_counts_from_the_last_answer_by_the_priority_table(library: Library) -> None:
    state = drive(library, {**COLD_UNCOMPLICATED, "breathing": "yes"}, stop_at="chronic_disease")
    later = NOW + timedelta(minutes=7)
    done = answer(state, "chronic_disease", "no", now=later, library=library)
    result = outcome(done, library=library)
    assert result is not None and result.priority is Priority.P2
    assert result.deadline == later + timedelta(hours=3)


def test_priority_deadlines_are_the_documented_ones() -> None:
    assert {
        Priority.P1: timedelta(minutes=15),
        Priority.P2: timedelta(hours=3),
        Priority.P3: timedelta(hours=24),
        Priority.P4: timedelta(days=14),
        Priority.P5: timedelta(days=30),
    } == PRIORITY_DEADLINES


def test_time_must_be_timezone_aware(library: Library) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        start(library, now=datetime(2025, 1, 1, 12, 0))


def test_choose_contact_turns_self_care_into_p5_chat_with_a_nurse(library: Library) -> None:
    self_care = finish(library, COLD_UNCOMPLICATED)
    later = NOW + timedelta(hours=1)
    contact = choose_contact(self_care, later)
    assert (contact.priority, contact.disposition, contact.profession) == (
        Priority.P5,
        Disposition.CHAT,
        Profession.NURSE,
    )
    assert contact.deadline == later + timedelta(days=30)


def test_choose_contact_is_only_for_self_care(library: Library) -> None:
    urgent = finish(library, {**COLD_UNCOMPLICATED, "breathing": "yes"})
    with pytest.raises(NotSelfCare):
        choose_contact(urgent, NOW)


def test_no_triage_ends_at_p5_by_itself(library: Library) -> None:
    for answers in (COLD_UNCOMPLICATED, {**COLD_UNCOMPLICATED, "duration_days": 30}):
        assert finish(library, answers).priority is not Priority.P5


def test_facts_from_the_context_are_not_asked_again(library: Library) -> None:
    context = TriageContext(facts={"age": 40, "sex": "male"}, free_text="Förkyld")
    state = start(library, now=NOW, context=context)
    step = next_step(state, library=library)
    assert step is not None and step.id == "self_rated_health"
    with pytest.raises(NothingToUndo):
        back(state)


def test_context_facts_are_validated(library: Library) -> None:
    with pytest.raises(InvalidAnswer):
        start(library, now=NOW, context=TriageContext(facts={"age": 200}))
    with pytest.raises(InvalidAnswer):
        start(library, now=NOW, context=TriageContext(facts={"pregnant": "yes"}))


def test_complaints_offered_depend_on_age_and_sex(library: Library) -> None:
    adult = drive(library, {**ADULT_MAN}, stop_at="complaint")
    child = drive(library, {"age": 5, "sex": "female", "self_rated_health": 70}, stop_at="complaint")
    adult_ids = [o.id for o in next_step(adult, library=library).options]  # type: ignore[union-attr]
    child_ids = [o.id for o in next_step(child, library=library).options]  # type: ignore[union-attr]
    assert "fever_child" not in adult_ids and "chest_pain" in adult_ids
    assert "fever_child" in child_ids and "urinary_symptoms" not in child_ids and "suicidal_thoughts" not in child_ids
    assert adult_ids[-1] == child_ids[-1] == "other"


def test_free_text_search_narrows_the_complaint_step(library: Library) -> None:
    state = drive(library, {**ADULT_MAN}, stop_at="complaint")
    step = complaint_options(state, "brostsmarta", library=library)
    assert [o.id for o in step.options] == ["chest_pain", "other"]
    assert step.section is Section.COMPLAINT


def test_other_complaint_asks_for_a_description_and_goes_to_a_nurse(library: Library) -> None:
    answers = {**ADULT_MAN, "complaint": "other", "duration_days": 2, "other_description": "Ont i foten"}
    result = finish(library, answers)
    assert (result.priority, result.disposition, result.profession) == (Priority.P3, Disposition.CHAT, Profession.NURSE)
    assert result.ruleset_version == "engine@1"


def test_free_text_description_in_an_answer_is_scanned(library: Library) -> None:
    answers = {**ADULT_MAN, "complaint": "other", "duration_days": 0, "other_description": "Jag svimmade i morse"}
    result = finish(library, answers)
    assert result.priority is Priority.P2
    assert [(f.category, f.source, f.negated) for f in result.free_text_flags] == [
        ("consciousness", "other_description", False)
    ]


def test_free_text_red_flag_raises_self_care_to_p2_chat_with_a_nurse(library: Library) -> None:
    result = finish(library, COLD_UNCOMPLICATED, free_text="Snuva, och i går fick jag bröstsmärta")
    assert (result.priority, result.disposition, result.profession) == (Priority.P2, Disposition.CHAT, Profession.NURSE)
    assert result.free_text_flags[0].category == "chest_pain"


def test_negated_free_text_is_reported_but_never_raises(library: Library) -> None:
    result = finish(library, COLD_UNCOMPLICATED, free_text="Ingen bröstsmärta, inte svårt att andas")
    assert result.disposition is Disposition.SELF_CARE
    assert {f.category for f in result.free_text_flags} == {"chest_pain", "breathing"}
    assert all(f.negated for f in result.free_text_flags)


def test_free_text_never_lowers_an_urgent_outcome(library: Library) -> None:
    answers = {**ADULT_MAN, "rf_anaphylaxis": "yes"}
    result = finish(library, answers, free_text="ont i halsen")
    assert result.disposition is Disposition.EMERGENCY_112


def test_suicidal_free_text_escalates_to_p1_with_crisis_info(library: Library) -> None:
    result = finish(library, COLD_UNCOMPLICATED, free_text="Orkar inte mer, tänker på självmord")
    assert result.priority is Priority.P1 and result.crisis_info is True


def test_elderly_modifier_raises_chest_pain_but_not_above_p1(library: Library) -> None:
    base = {
        "sex": "male",
        "self_rated_health": 70,
        "complaint": "chest_pain",
        "duration_days": 3,
        "pain_now": "no",
        "pressure": "no",
        "radiation": "no",
        "associated": [],
        "exertional": "no",
        "clot_risk": "no",
        "known_heart_disease": "no",
        "pain_type": "movement",
        "fever_cough": "no",
        "injury": "no",
    }
    assert finish(library, {**base, "age": 40}).priority is Priority.P3
    raised = decision(drive(library, {**base, "age": 79}), library=library)
    assert raised is not None and raised.outcome.priority is Priority.P2 and raised.raised_by == ("elderly",)


def test_red_flags_list_every_fired_red_flag_rule_with_its_answers(library: Library) -> None:
    answers = {
        **ADULT_MAN,
        "complaint": "urinary_symptoms",
        "duration_days": 2,
        "cannot_urinate": "no",
        "very_ill": "no",
        "fever": "yes",
        "flank_pain": "yes",
        "symptoms": ["burning"],
        "discharge": "no",
        "recurrent": "no",
    }
    result = finish(library, answers)
    assert [f.rule_id for f in result.red_flags] == ["kidney_infection", "fever"]
    assert result.red_flags[0].answers == {"fever": "yes", "flank_pain": "yes"}


def test_explanation_says_why_in_swedish_and_english(library: Library) -> None:
    result = finish(library, {**COLD_UNCOMPLICATED, "immunosuppressed": "yes"})
    assert "immunförsvar" in result.explanation.sv and "immune" in result.explanation.en


def test_step_renders_as_the_jsonl_question_shape(library: Library) -> None:
    state = drive(library, ADULT_MAN, stop_at="rf_breathing")
    step = next_step(state, library=library)
    assert step is not None and step.kind is QuestionKind.YES_NO
    assert step.render("en") == {
        "type": "question",
        "id": "rf_breathing",
        "text": "Do you have difficulty breathing at rest, or is your breathing quickly getting worse?",
        "kind": "yes_no",
        "options": [{"id": "yes", "text": "Yes"}, {"id": "no", "text": "No"}],
        "allow_unknown": True,
        "help": None,
    }


def test_transcript_shows_questions_and_answers_in_both_languages(library: Library) -> None:
    state = drive(library, COLD_UNCOMPLICATED)
    lines = {entry.step_id: entry for entry in transcript(state, library=library)}
    assert lines["complaint"].answer_text.sv == "Förkylning"
    assert lines["fever"].answer_text.en == "No fever"
    assert lines["duration_days"].answer_text.sv == "3 dygn"


def test_protocol_wording_of_a_modifier_question_is_used_when_asked_and_shown(library: Library) -> None:
    state = drive(library, COLD_UNCOMPLICATED, stop_at="chronic_disease")
    step = next_step(state, library=library)
    assert step is not None and "astma" in step.text.sv
    done = answer(state, "chronic_disease", "no", library=library)
    lines = {entry.step_id: entry for entry in transcript(done, library=library)}
    assert "astma" in lines["chronic_disease"].question.sv
