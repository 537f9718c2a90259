"""The citizen's journey through the pages, as a person does it: Ny kontakt, one question per screen, the outcome.

Answers are given per question id (the question's form carries ``data-step-id``, ``data-kind`` and
``data-section``); questions in the red-flag screen and the modifiers that a walk does not name are answered "Nej",
as a person without those symptoms would. Any other question a walk does not expect fails the test, naming it.
The answers below come from the protocols' own clinical test cases (chalicelib/triage/protocols/*.yaml); the
engine takes the age from the personnummer, so no walk answers it.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.api.conftest import COLD as COLD_ADULT
from tests.browser.helpers import HUSKVARNA

DEFAULT_NO = ("red_flag_screen", "modifiers")

CHEST_PAIN = {"sex": "male", "self_rated_health": 40, "rf_chest_pain": "yes"}
COLD = {k: v for k, v in COLD_ADULT.items() if k != "age"}  # cold.yaml: uncomplicated cold → self-care
URINARY_RECURRENT = {  # urinary_symptoms.yaml: recurrent infections → P4 nurse chat (can wait for opening hours)
    "sex": "female",
    "pregnant": "no",
    "self_rated_health": 75,
    "complaint": "urinary_symptoms",
    "duration_days": 1,
    "cannot_urinate": "no",
    "very_ill": "no",
    "fever": "no",
    "flank_pain": "no",
    "symptoms": ["burning", "frequency"],
    "discharge": "no",
    "recurrent": "yes",
}
URINARY_RETENTION = {  # cannot pass urine → P1 emergency department
    **{k: URINARY_RECURRENT[k] for k in ("sex", "pregnant", "complaint")},
    "self_rated_health": 30,
    "duration_days": 0,
    "cannot_urinate": "yes",
}
EYE_ITCH = {  # eye_problems.yaml: itchy, watery eyes for ten days → P4 nurse chat (a man under 65)
    "sex": "male",
    "self_rated_health": 75,
    "complaint": "eye_problems",
    "duration_days": 10,
    "chemical": "no",
    "sudden_vision_loss": "no",
    "injury": "none",
    "severe_pain": "no",
    "eyelid_swelling_fever": "no",
    "light_or_blurred": "no",
    "contact_lenses": "no",
    "eye_look": "itchy_watery",
}
KNOCKED_OUT_TOOTH = {  # toothache.yaml: a knocked-out tooth → call 1177 now
    "sex": "male",
    "self_rated_health": 80,
    "complaint": "toothache",
    "duration_days": 0,
    "swallow_breathe_open": "no",
    "swelling": "none",
    "fever": "no",
    "injury": "knocked_out",
}
ERRAND = {  # administrative_errand.yaml: a question about a referral (free text) → P4 chat, medical secretary
    "sex": "male",
    "self_rated_health": 70,
    "complaint": "administrative_errand",
    "duration_days": 0,
    "errand": "referral",
    "new_or_worse": "no",
    "description": "Undrar om remissen till ortopeden har skickats",
}


def as_woman(answers: dict[str, Any]) -> dict[str, Any]:
    """The same walk for a woman (who is also asked whether she is pregnant)."""
    return {**answers, "sex": "female", "pregnant": "no"}


def open_new_contact(page: Any) -> None:
    page.get_by_role("navigation").get_by_role("link", name="Ny kontakt").click()
    expect(page.get_by_role("heading", name="Ny kontakt", level=1)).to_be_visible()


def fill_intake(
    page: Any,
    reason: str,
    description: str = "",
    *,
    unit: str = HUSKVARNA,
    expectations: str = "",
    sms: str = "",
    email: str = "",
) -> None:
    page.get_by_label("Vårdcentral").select_option(label=unit)
    page.get_by_label("Sökorsak").fill(reason)
    if description:
        page.get_by_label("Beskriv dina besvär").fill(description)
    if expectations:
        page.get_by_label("Vad förväntar du dig av kontakten?").fill(expectations)
    if sms:
        page.get_by_label("Mobilnummer för sms").fill(sms)
    if email:
        page.get_by_label("E-postadress").fill(email)


def start_contact(page: Any, reason: str, description: str = "", **intake: Any) -> None:
    """Ny kontakt → the intake → "Fortsätt" → the first question."""
    open_new_contact(page)
    fill_intake(page, reason, description, **intake)
    page.get_by_role("button", name="Fortsätt").click()
    expect(page.locator("form.question")).to_be_visible()


def current_step(page: Any) -> dict[str, str] | None:
    form = page.locator("form.question")
    if form.count() == 0:
        return None
    return {
        "id": form.get_attribute("data-step-id"),
        "kind": form.get_attribute("data-kind"),
        "section": form.get_attribute("data-section"),
    }


def give_answer(page: Any, step: dict[str, str], value: Any) -> None:
    """Answers the question on screen the way a person would, without sending it yet (except "Vet ej" buttons)."""
    form = page.locator("form.question")
    kind = step["kind"]
    if value == "unknown" and kind in ("number", "free_text"):
        form.get_by_role("button", name="Vet ej").click()
        return
    if kind in ("single_choice", "yes_no"):
        form.locator(f"input[value='{value}']").check()
    elif kind == "multiple_choice":
        for option in [value] if isinstance(value, str) else value:
            form.locator(f"input[value='{option}']").check()
    elif kind == "number":
        form.get_by_role("textbox").fill(str(value))
    else:
        form.get_by_role("textbox").fill(str(value))
    form.get_by_role("button", name="Fortsätt").click()


def answer_questions(page: Any, answers: dict[str, Any], *, until: str | None = None) -> list[str]:
    """Answers question after question until the triage is finished (or question ``until`` is on screen)."""
    asked: list[str] = []
    for _ in range(60):
        step = current_step(page)
        if step is None:
            return asked
        if step["id"] == until:
            return asked
        assert step["id"] in answers or step["section"] in DEFAULT_NO, f"no answer for the question {step}"
        give_answer(page, step, answers.get(step["id"], "no"))
        asked.append(step["id"])
        # the next screen: another question, or the outcome
        expect(page.locator(f"form.question[data-step-id='{step['id']}']")).to_have_count(0)
    raise AssertionError(f"the triage did not end: {asked}")


def send_summary(page: Any) -> None:
    """On "Det här skickas till vårdcentralen": Skicka → the case page."""
    expect(page.get_by_role("heading", name="Det här skickas till vårdcentralen")).to_be_visible()
    page.get_by_role("button", name="Skicka", exact=True).click()
    expect(page).to_have_url(re.compile(r"#/arenden/[^/]+$"))
