"""Phrase templates (frasmallar), the pure part: the variables, filling them in, checking a template, searching."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.model import Principal, PrincipalKind, UnitRole
from chalicelib.domain.templates import (
    KNOWN,
    PERSONAL,
    UNIT,
    PhraseTemplate,
    changed_parts,
    may_manage,
    profession_names,
    render,
    variables_in,
)

NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
ANNA = Principal("region", PrincipalKind.STAFF, "SE-S1", "Anna Lind", "siths", "loa3", (UnitRole("VC1", "nurse"),))
GRETA = Principal("region", PrincipalKind.CITIZEN, "ref-greta", "Greta Andersson", "bankid", "loa3")
VALUES = {
    "förnamn": "Greta",
    "enhet": "Vårdcentralen Huskvarna",
    "telefon": "036-10 10 01",
    "telefontid": "vardagar 08.00–10.00",
    "mitt_namn": "Anna Lind",
    "yrkesroll": "sjuksköterska",
}


def template(text: str = "Hej {förnamn}!", **changes: object) -> PhraseTemplate:
    fields: dict[str, object] = {
        "template_id": "tpl-00000001",
        "tenant": "region",
        "scope": PERSONAL,
        "owner": "SE-S1",
        "title": "Hälsning",
        "text": text,
        "language": "sv",
        "tags": ["hälsning"],
        "by": ANNA,
        "now": NOW,
    }
    fields.update(changes)
    return PhraseTemplate.new(**fields)  # type: ignore[arg-type]


def test_the_variables_staff_are_promised_are_all_known() -> None:
    assert set(KNOWN) >= {"förnamn", "enhet", "telefon", "telefontid", "mitt_namn", "yrkesroll"}


def test_render_fills_in_every_variable() -> None:
    text = "Hej {förnamn}! Jag heter {mitt_namn} och är {yrkesroll} på {enhet}. Ring {telefon} {telefontid}."
    assert render(text, VALUES) == (
        "Hej Greta! Jag heter Anna Lind och är sjuksköterska på Vårdcentralen Huskvarna. "
        "Ring 036-10 10 01 vardagar 08.00–10.00."
    )


def test_a_variable_without_a_value_leaves_a_visible_placeholder_not_a_hole() -> None:
    assert (
        render("Hej {förnamn}, ring {telefon}.", {"förnamn": "", "telefon": None}) == "Hej [förnamn], ring [telefon]."
    )
    assert render("Hej {förnamn}!", {"förnamn": "   "}) == "Hej [förnamn]!"
    assert render("Hej {förnamn}!", {}) == "Hej [förnamn]!"


def test_a_value_is_inserted_as_it_is_even_when_it_looks_like_a_variable() -> None:
    assert render("{förnamn} på {enhet}", {"förnamn": "{enhet}", "enhet": "VC"}) == "{enhet} på VC"


def test_render_leaves_other_braces_and_text_alone() -> None:
    assert render("Dos: {1 tablett} x 3 {okänd}", VALUES) == "Dos: {1 tablett} x 3 {okänd}"


def test_an_unknown_variable_is_refused_naming_it_and_the_known_ones_in_both_languages() -> None:
    with pytest.raises(ValidationFailed) as caught:
        template("Hej {fornamn}, ring {telefonnummer}!")
    error = caught.value
    assert error.field == "text"
    assert "{fornamn}" in error.message and "{telefonnummer}" in error.message
    assert error.message_sv is not None
    assert error.message_sv.startswith("Okänd variabel {fornamn}, {telefonnummer}.")
    for name in KNOWN:
        assert f"{{{name}}}" in error.message and f"{{{name}}}" in error.message_sv


@pytest.mark.parametrize(
    ("changes", "field", "swedish"),
    [
        ({"title": "   "}, "title", "Ge mallen en rubrik"),
        ({"title": "x" * 81}, "title", "högst 80 tecken"),
        ({"text": " \n "}, "text", "Skriv mallens text"),
        ({"text": "x" * 2001}, "text", "högst 2000 tecken"),
        ({"language": "de"}, "language", "svenska eller engelska"),
        ({"scope": "region"}, "scope", "hela enheten eller bara dig"),
        ({"template_id": "kort"}, "template_id", "8–64 tecken"),
        ({"tags": ["x" * 31]}, "tags", "längre än 30 tecken"),
        ({"tags": [f"t{i}" for i in range(11)]}, "tags", "Högst 10 taggar"),
    ],
)
def test_bad_content_is_refused_with_the_field_and_a_swedish_message(
    changes: dict[str, object], field: str, swedish: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        template(**changes)
    assert caught.value.field == field
    assert swedish in (caught.value.message_sv or "")


def test_content_is_tidied_title_spaces_tags_deduplicated_and_text_composed() -> None:
    made = template(
        "Hej {fo\u0308rnamn}!\r\nVälkommen.",  # "ö" as o + combining diaeresis, as some keyboards send it
        title="  Hälsning   till  patient ",
        tags=["Feber", " feber ", "", "hosta"],
    )
    assert made.title == "Hälsning till patient"
    assert made.tags == ("Feber", "hosta")
    assert made.text == "Hej {förnamn}!\nVälkommen."
    assert variables_in(made.text) == ["förnamn"]
    assert render(made.text, VALUES) == "Hej Greta!\nVälkommen."


def test_the_limits_themselves_are_allowed() -> None:
    made = template("x" * 2000, title="y" * 80, tags=[f"t{i}" for i in range(10)])
    assert len(made.text) == 2000 and len(made.title) == 80 and len(made.tags) == 10


def test_search_ignores_case_and_accents_and_needs_every_word() -> None:
    cold = template("Vila och drick mycket.", title="Egenvård förkylning", tags=["Feber"])
    assert cold.matches("FORKYLNING")
    assert cold.matches("egenvard feber")
    assert cold.matches("drick")
    assert cold.matches("")
    assert not cold.matches("förkylning ont")
    assert not cold.matches("avslut")


def test_an_edit_keeps_scope_and_owner_and_notes_who_changed_it() -> None:
    lena = Principal("region", PrincipalKind.STAFF, "SE-S2", "Lena Holm", "siths", "loa3", (UnitRole("VC1", "nurse"),))
    unit_template = template(scope=UNIT, owner="VC1")
    edited = unit_template.edit(title="Ny rubrik", text="Hej!", language="en", tags=[], by=lena, now=NOW)
    assert (edited.scope, edited.owner, edited.template_id) == (UNIT, "VC1", "tpl-00000001")
    assert (edited.title, edited.text, edited.language, edited.tags) == ("Ny rubrik", "Hej!", "en", ())
    assert (edited.updated_by, edited.updated_by_name) == ("SE-S2", "Lena Holm")
    assert not edited.same_content(unit_template)
    assert unit_template.edit(
        title="Hälsning", text="Hej {förnamn}!", language="sv", tags=["hälsning"], by=lena, now=NOW
    ).same_content(unit_template)


def test_an_edit_names_the_parts_it_changed_for_the_units_history() -> None:
    before = template(tags=["Hälsning", "start"])

    def after(**changes: object) -> PhraseTemplate:
        content: dict[str, object] = {"title": "Hälsning", "text": "Hej {förnamn}!", "language": "sv"}
        content["tags"] = ["Hälsning", "start"]
        content.update(changes)
        return before.edit(**content, by=ANNA, now=NOW)  # type: ignore[arg-type]

    assert changed_parts(before, after()) == ()
    assert changed_parts(before, after(title="  Hälsning  ", tags=["hälsning", "Start"])) == ("tags",)
    assert changed_parts(before, after(text="Hej!", title="Ny")) == ("title", "text")
    assert changed_parts(before, after(language="en", tags=[])) == ("language", "tags")


def test_personal_templates_are_the_owners_and_unit_templates_are_for_the_units_staff() -> None:
    assert may_manage(ANNA, PERSONAL, "SE-S1")
    assert not may_manage(ANNA, PERSONAL, "SE-S2")
    assert may_manage(ANNA, UNIT, "VC1")
    assert not may_manage(ANNA, UNIT, "VC2")
    assert not may_manage(GRETA, PERSONAL, GRETA.subject)
    assert not may_manage(ANNA, "region", "VC1")


def test_professions_read_as_words_in_a_sentence() -> None:
    assert profession_names(["nurse"], "sv") == "sjuksköterska"
    assert profession_names(["nurse", "midwife"], "sv") == "sjuksköterska och barnmorska"
    assert profession_names(["nurse", "midwife", "doctor"], "en") == "nurse, midwife and doctor"
    assert profession_names(["admin"], "sv") == ""
