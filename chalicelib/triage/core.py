"""The engine's own questions, asked around every protocol: basic facts, the global red-flag screen, the complaint
choice, duration, and the modifier questions. They are part of the engine version (``engine@N``)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from chalicelib.triage.outcome import Disposition, Priority, Profession
from chalicelib.triage.protocol import Condition, Modifiers, OutcomeSpec, Question, QuestionKind, Rule
from chalicelib.triage.text import LocalizedText


class Section(StrEnum):
    BASIC_FACTS = "basic_facts"
    RED_FLAG_SCREEN = "red_flag_screen"
    COMPLAINT = "complaint"
    DURATION = "duration"
    PROTOCOL = "protocol"
    MODIFIERS = "modifiers"


def _t(sv: str, en: str) -> LocalizedText:
    return LocalizedText(sv=sv, en=en)


def _q(**fields: Any) -> Question:
    return Question.model_validate(fields)


def _c(data: Mapping[str, Any]) -> Condition:
    return Condition.model_validate(data)


AGE = _q(
    id="age",
    kind="number",
    min=0,
    max=120,
    unit={"sv": "år", "en": "years"},
    text={
        "sv": "Hur gammal är den som söker vård? Ange ålder i år.",
        "en": "How old is the person seeking care? In years.",
    },
    help={
        "sv": "Söker du för ett barn, svara för barnet. Är barnet under 2 år, skriv 0 eller 1: "
        "du får sedan ange månader.",
        "en": "If you are seeking care for a child, answer for the child. Under 2 years: enter 0 or 1, "
        "you will then be asked for months.",
    },
)
AGE_MONTHS = _q(
    id="age_months",
    kind="number",
    min=0,
    max=23,
    unit={"sv": "månader", "en": "months"},
    show_if={"q": "age", "lt": 2},
    text={"sv": "Hur många månader gammalt är barnet?", "en": "How many months old is the child?"},
    help={"sv": "Ange barnets hela ålder i månader (0–23).", "en": "The child's whole age in months (0–23)."},
)
SEX = _q(
    id="sex",
    kind="single_choice",
    text={"sv": "Vilket kön har den som söker vård?", "en": "What is the sex of the person seeking care?"},
    help={
        "sv": "Vi frågar eftersom vissa bedömningar skiljer sig mellan kvinnor och män.",
        "en": "We ask because some assessments differ between women and men.",
    },
    options=[
        {"id": "female", "text": {"sv": "Kvinna/flicka", "en": "Female"}},
        {"id": "male", "text": {"sv": "Man/pojke", "en": "Male"}},
        {"id": "other", "text": {"sv": "Annat", "en": "Other"}},
    ],
)
PREGNANT = _q(
    id="pregnant",
    kind="yes_no",
    text={"sv": "Är du gravid, eller kan du vara gravid?", "en": "Are you pregnant, or could you be?"},
    show_if={
        "all": [
            {"any": [{"q": "sex", "any_of": ["female", "other"]}, {"q": "sex", "unknown": True}]},
            {"any": [{"q": "age", "gte": 12, "lte": 55}, {"q": "age", "unknown": True}]},
        ]
    },
)
SELF_RATED_HEALTH = _q(
    id="self_rated_health",
    kind="number",
    min=0,
    max=100,
    text={
        "sv": "Hur mår du just nu på en skala från 0 till 100, där 0 är det sämsta och 100 det bästa du kan tänka dig?",
        "en": "How do you feel right now on a scale from 0 to 100, where 0 is the worst and 100 the best you can "
        "imagine?",
    },
)

BASIC_FACTS: tuple[Question, ...] = (AGE, AGE_MONTHS, SEX, PREGNANT, SELF_RATED_HEALTH)


def _screen(
    qid: str,
    sv: str,
    en: str,
    help_sv: str | None = None,
    help_en: str | None = None,
    show_if: Mapping[str, Any] | None = None,
) -> Question:
    fields: dict[str, Any] = {"id": qid, "kind": "yes_no", "red_flag": True, "text": {"sv": sv, "en": en}}
    if help_sv and help_en:
        fields["help"] = {"sv": help_sv, "en": help_en}
    if show_if is not None:
        fields["show_if"] = show_if
    return _q(**fields)


RED_FLAG_SCREEN: tuple[Question, ...] = (
    _screen(
        "rf_breathing",
        "Har du svårt att andas när du vilar, eller blir andningen snabbt sämre?",
        "Do you have difficulty breathing at rest, or is your breathing quickly getting worse?",
    ),
    _screen(
        "rf_chest_pain",
        "Har du just nu kraftig smärta, tryck eller obehag i bröstet?",
        "Do you have severe pain, pressure or tightness in your chest right now?",
    ),
    _screen(
        "rf_consciousness",
        "Har du (eller den du söker för) plötsligt blivit förvirrad, mycket dåsig eller svår att väcka?",
        "Have you (or the person you are seeking care for) suddenly become confused, very drowsy or hard to wake?",
    ),
    _screen(
        "rf_bleeding",
        "Blöder det kraftigt, och blödningen går inte att stoppa?",
        "Is there heavy bleeding that will not stop?",
    ),
    _screen(
        "rf_anaphylaxis",
        "Har du tecken på en svår allergisk reaktion: svullnad i läppar, tunga eller svalg, svårt att andas eller "
        "svälja, eller plötsliga utslag över kroppen med yrsel?",
        "Do you have signs of a severe allergic reaction: swelling of the lips, tongue or throat, difficulty "
        "breathing or swallowing, or a sudden rash over the body with dizziness?",
    ),
    _screen(
        "rf_stroke",
        "Har du nu eller under de senaste timmarna plötsligt fått sned mun, svaghet eller domning i en arm eller ett "
        "ben, eller svårt att tala eller förstå?",
        "Now or in the last few hours, have you suddenly had a drooping face, weakness or numbness in an arm or leg, "
        "or difficulty speaking or understanding?",
    ),
    _screen(
        "rf_sepsis",
        "Är du mycket sjuk med feber eller frossa och dessutom förvirrad, andas mycket snabbt, har kall och fläckig "
        "hud eller har knappt kissat på ett dygn?",
        "Are you very ill with fever or shivering and also confused, breathing very fast, have cold and blotchy "
        "skin, or have hardly passed urine for a day?",
        "För barn: räkna också med utslag som inte bleknar när du trycker ett glas mot dem.",
        "For children: also count a rash that does not fade when you press a glass against it.",
    ),
    _screen(
        "rf_suicide_plan",
        "Har du tankar på att ta ditt liv och har du planer på hur du skulle göra?",
        "Are you thinking about taking your own life, and do you have plans for how you would do it?",
        show_if={"any": [{"q": "age", "gte": 10}, {"q": "age", "unknown": True}]},
    ),
)

_SCREEN_EXPLANATIONS: Mapping[str, LocalizedText] = MappingProxyType(
    {
        "rf_breathing": _t("Andningssvårighet i vila.", "Difficulty breathing at rest."),
        "rf_chest_pain": _t("Pågående kraftig bröstsmärta eller tryck.", "Ongoing severe chest pain or pressure."),
        "rf_consciousness": _t(
            "Plötslig förvirring eller sänkt medvetande.", "Sudden confusion or reduced consciousness."
        ),
        "rf_bleeding": _t("Kraftig blödning som inte går att stoppa.", "Heavy bleeding that will not stop."),
        "rf_anaphylaxis": _t("Tecken på svår allergisk reaktion.", "Signs of a severe allergic reaction."),
        "rf_stroke": _t("Tecken på stroke.", "Signs of stroke."),
        "rf_sepsis": _t("Tecken på sepsis (blodförgiftning).", "Signs of sepsis."),
        "rf_suicide_plan": _t("Självmordstankar med planer.", "Suicidal thoughts with plans."),
    }
)


def _screen_rule(question: Question) -> Rule:
    reason = _SCREEN_EXPLANATIONS[question.id]
    prefix = _t(
        "Du svarade ja eller vet ej på en varningsfråga (röd flagga):",
        "You answered yes or don't know to a warning question (red flag):",
    )
    return Rule(
        id=f"screen_{question.id.removeprefix('rf_')}",
        red_flag=True,
        when=_c({"q": question.id, "eq": "yes"}),
        outcome=OutcomeSpec(
            priority=Priority.P1,
            disposition=Disposition.EMERGENCY_112,
            profession=Profession.DOCTOR,
            crisis_info=question.id == "rf_suicide_plan",
            explanation=prefix.joined(reason, sep=" "),
        ),
    )


SCREEN_RULES: tuple[Rule, ...] = tuple(_screen_rule(q) for q in RED_FLAG_SCREEN)

OTHER_COMPLAINT = "other"
COMPLAINT = Question.model_construct(
    id="complaint",
    kind=QuestionKind.SINGLE_CHOICE,
    text=_t(
        "Vad söker du för i dag? Välj det som passar bäst.", "What are you seeking care for today? Choose the best fit."
    ),
    help=_t(
        "Du kan också skriva med egna ord, så visar vi de besvär som passar.",
        "You can also type in your own words and we will show matching complaints.",
    ),
    options=(),
    red_flag=False,
    show_if=None,
    min=None,
    max=None,
    integer=True,
    unit=None,
)
OTHER_OPTION_TEXT = _t("Annat / hittar inte mitt besvär", "Something else / my complaint is not listed")

DURATION = _q(
    id="duration_days",
    kind="number",
    min=0,
    max=3650,
    unit={"sv": "dygn", "en": "days"},
    text={
        "sv": "Hur många dygn har du haft besvären? Skriv 0 om de började i dag.",
        "en": "For how many days have you had the problem? Enter 0 if it started today.",
    },
)
OTHER_DESCRIPTION = _q(
    id="other_description",
    kind="free_text",
    text={
        "sv": "Beskriv kort med egna ord vad du söker för.",
        "en": "Briefly describe in your own words what you need.",
    },
)
OTHER_OUTCOME = OutcomeSpec(
    priority=Priority.P3,
    disposition=Disposition.CHAT,
    profession=Profession.NURSE,
    explanation=_t(
        "Besväret passar inget protokoll; en sjuksköterska gör bedömningen.",
        "The complaint fits no protocol; a nurse makes the assessment.",
    ),
)
OTHER_MODIFIERS = Modifiers()

IMMUNOSUPPRESSED = _q(
    id="immunosuppressed",
    kind="yes_no",
    text={
        "sv": "Har du nedsatt immunförsvar, till exempel av cellgiftsbehandling, högdos kortison, immundämpande "
        "läkemedel eller efter en organtransplantation?",
        "en": "Do you have a weakened immune system, for example from chemotherapy, high-dose steroids, "
        "immunosuppressive medicines or after an organ transplant?",
    },
)
CHRONIC_DISEASE = _q(
    id="chronic_disease",
    kind="yes_no",
    text={
        "sv": "Har du någon långvarig sjukdom som kan påverka det här, till exempel hjärt-, lung- eller njursjukdom "
        "eller diabetes?",
        "en": "Do you have a long-term illness that may affect this, for example heart, lung or kidney disease or "
        "diabetes?",
    },
)

MODIFIER_QUESTIONS: tuple[Question, ...] = (IMMUNOSUPPRESSED, CHRONIC_DISEASE)

# A derived fact conditions may read: the age in whole months, from age (and age_months under 2 years).
AGE_IN_MONTHS = _q(
    id="age_in_months", kind="number", min=0, max=1451, text={"sv": "Ålder i månader", "en": "Age in months"}
)

CONTEXT_FACT_IDS = frozenset({"age", "age_months", "sex"})
"""Basic facts the caller may already know (e.g. from the e-ID) and pass in ``TriageContext.facts``."""

SECTIONS: Mapping[str, Section] = MappingProxyType(
    {
        **{q.id: Section.BASIC_FACTS for q in BASIC_FACTS},
        **{q.id: Section.RED_FLAG_SCREEN for q in RED_FLAG_SCREEN},
        COMPLAINT.id: Section.COMPLAINT,
        DURATION.id: Section.DURATION,
        OTHER_DESCRIPTION.id: Section.PROTOCOL,
        **{q.id: Section.MODIFIERS for q in MODIFIER_QUESTIONS},
    }
)

CORE_QUESTIONS: Mapping[str, Question] = MappingProxyType(
    {
        q.id: q
        for q in (
            *BASIC_FACTS,
            *RED_FLAG_SCREEN,
            COMPLAINT,
            DURATION,
            OTHER_DESCRIPTION,
            *MODIFIER_QUESTIONS,
            AGE_IN_MONTHS,
        )
    }
)
"""Every id a protocol may read besides its own questions (``complaint`` and ``other_description`` excepted)."""

SHOW_IF_READABLE = frozenset(
    {"age", "age_months", "age_in_months", "sex", "pregnant", "self_rated_health", "duration_days"}
)
"""Core facts a protocol question's ``show_if`` may read (all asked before the protocol's questions)."""

RULE_READABLE = SHOW_IF_READABLE | {"immunosuppressed", "chronic_disease"}
"""Core facts a protocol rule may read. The modifier questions are only asked when their modifier is enabled."""

DEFAULTED_IN_TEST_CASES = frozenset(q.id for q in (*RED_FLAG_SCREEN, *MODIFIER_QUESTIONS))
"""Test cases may leave these out: they are answered "no"."""
