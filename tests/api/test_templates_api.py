"""Phrase templates (frasmallar) over the REST API: create, list and search, edit, delete; who sees which;
version conflicts; retries."""

from __future__ import annotations

import uuid
from typing import Any

from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, staff

NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Anna Lind")
NURSE_A2 = staff("SE-S4", (UNIT_A, "nurse"), (UNIT_A, "midwife"), name="Lena Holm")
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"), name="Karin Sjöberg")
GRETA = citizen("199001012385", "Greta Andersson")
TENANT = "testregion"


def _new(scope: str = "personal", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "template_id": uuid.uuid4().hex,
        "scope": scope,
        "unit_id": UNIT_A if scope == "unit" else None,
        "title": "Hälsning",
        "text": "Hej {förnamn}! Jag heter {mitt_namn}.",
        "language": "sv",
        "tags": ["hälsning"],
    }
    body.update(changes)
    return body


def _create(api: Api, who: Any = NURSE_A, **changes: Any) -> dict[str, Any]:
    status, made = api.call("POST", "/staff/templates", who=who, body=_new(**changes))
    assert status == 201, made
    return dict(made)


def _list(api: Api, who: Any = NURSE_A, unit_id: str = UNIT_A, q: str | None = None) -> dict[str, Any]:
    path = f"/staff/templates?unit_id={unit_id}" + (f"&q={q}" if q is not None else "")
    status, body = api.call("GET", path, who=who)
    assert status == 200, body
    return dict(body)


def _titles(api: Api, who: Any = NURSE_A, **kwargs: Any) -> list[str]:
    return [t["title"] for t in _list(api, who, **kwargs)["templates"]]


def test_a_personal_template_is_created_listed_and_filled_with_the_units_and_callers_values(api: Api) -> None:
    api.container.directory.put_unit(
        TENANT,
        "SE-VC-C",
        "Vårdcentralen C",
        {"phone": "036-10 10 01", "phone_hours": {"sv": "vardagar 08.00–10.00", "en": "weekdays 8–10 am"}},
    )
    lena = staff("SE-S4", ("SE-VC-C", "nurse"), ("SE-VC-C", "midwife"), name="Lena Holm")
    made = _create(api, lena, text="Hej {förnamn}! Ring {telefon} {telefontid}.", tags=["Telefon", "telefon"])
    assert made["scope"] == "personal" and made["unit_id"] is None
    assert made["version"] == 1 and made["updated_by"] == "SE-S4" and made["updated_by_name"] == "Lena Holm"
    assert made["variables"] == ["förnamn", "telefon", "telefontid"]
    assert made["tags"] == ["Telefon"]

    listed = _list(api, lena, unit_id="SE-VC-C")
    assert [t["template_id"] for t in listed["templates"]] == [made["template_id"]]
    assert {v["name"] for v in listed["variables"]} >= {"förnamn", "enhet", "telefon", "telefontid", "mitt_namn"}
    assert all(v["sv"] and v["en"] for v in listed["variables"])
    assert listed["values"]["sv"] == {
        "enhet": "Vårdcentralen C",
        "telefon": "036-10 10 01",
        "telefontid": "vardagar 08.00–10.00",
        "mitt_namn": "Lena Holm",
        "yrkesroll": "sjuksköterska och barnmorska",
    }
    assert listed["values"]["en"]["telefontid"] == "weekdays 8–10 am"
    assert listed["values"]["en"]["yrkesroll"] == "nurse and midwife"


def test_unit_templates_are_shared_at_the_unit_and_personal_ones_stay_personal(api: Api) -> None:
    shared = _create(api, NURSE_A, scope="unit", title="Ring oss")
    mine = _create(api, NURSE_A, title="Annas hälsning")
    theirs = _create(api, NURSE_A2, title="Lenas hälsning")

    assert _titles(api, NURSE_A) == ["Annas hälsning", "Ring oss"]
    assert _titles(api, NURSE_A2) == ["Lenas hälsning", "Ring oss"]
    assert shared["unit_id"] == UNIT_A

    # a colleague's personal template: invisible, and 404 to change or delete, which leaves it as it was
    edit = {"version": 1, "title": "Ändrad", "text": "Hej!", "language": "sv", "tags": []}
    status, body = api.call("PUT", f"/staff/templates/{mine['template_id']}", who=NURSE_A2, body=edit)
    assert status == 404 and body["error"]["message_sv"]
    status, _ = api.call("DELETE", f"/staff/templates/{mine['template_id']}?version=1", who=NURSE_A2)
    assert status == 404
    assert "Annas hälsning" in _titles(api, NURSE_A)
    assert theirs["template_id"] not in {t["template_id"] for t in _list(api, NURSE_A)["templates"]}

    # the unit template is the colleague's to edit as well (any staff member of the unit)
    status, edited = api.call("PUT", f"/staff/templates/{shared['template_id']}", who=NURSE_A2, body=edit)
    assert status == 200 and edited["title"] == "Ändrad" and edited["updated_by_name"] == "Lena Holm"


def test_another_units_templates_are_out_of_reach(api: Api) -> None:
    theirs = _create(api, NURSE_B, scope="unit", unit_id=UNIT_B, title="B:s mall")

    status, body = api.call("GET", f"/staff/templates?unit_id={UNIT_B}", who=NURSE_A)
    assert status == 404 and "B:s mall" not in str(body)
    status, body = api.call("POST", "/staff/templates", who=NURSE_A, body=_new("unit", unit_id=UNIT_B))
    assert status == 404
    edit = {"version": 1, "title": "Kapad", "text": "Hej!", "language": "sv", "tags": []}
    assert api.call("PUT", f"/staff/templates/{theirs['template_id']}", who=NURSE_A, body=edit)[0] == 404
    assert api.call("DELETE", f"/staff/templates/{theirs['template_id']}?version=1", who=NURSE_A)[0] == 404
    assert _titles(api, NURSE_B, unit_id=UNIT_B) == ["B:s mall"]


def test_templates_are_for_staff_only(api: Api) -> None:
    status, _ = api.call("GET", f"/staff/templates?unit_id={UNIT_A}", who=GRETA)
    assert status == 403
    status, _ = api.call("GET", f"/staff/templates?unit_id={UNIT_A}")
    assert status == 401


def test_an_unknown_variable_is_a_422_naming_it_and_the_known_ones(api: Api) -> None:
    status, body = api.call("POST", "/staff/templates", who=NURSE_A, body=_new(text="Hej {namn}, ring {telefon}."))
    assert status == 422
    error = body["error"]
    assert error["field"] == "text"
    assert "{namn}" in error["message"] and "{förnamn}" in error["message"] and "{telefontid}" in error["message"]
    assert error["message_sv"].startswith("Okänd variabel {namn}.")
    assert _titles(api) == []


def test_missing_and_overlong_fields_get_a_clear_422(api: Api) -> None:
    cases = [
        (_new(title=""), "title", "Ge mallen en rubrik så att den går att hitta."),
        (_new(title="x" * 81), "title", "Rubriken får vara högst 80 tecken (nu 81)."),
        (_new(text="x" * 2001), "text", "Texten får vara högst 2000 tecken (nu 2001)."),
        (_new("unit", unit_id=None), "unit_id", "Välj vilken enhet mallen ska gälla för."),
        (_new(template_id="a b"), "template_id", None),
    ]
    for body, field, swedish in cases:
        status, answer = api.call("POST", "/staff/templates", who=NURSE_A, body=body)
        assert status == 422, (body, answer)
        assert answer["error"]["field"] == field
        if swedish:
            assert answer["error"]["message_sv"] == swedish
    status, answer = api.call("GET", "/staff/templates", who=NURSE_A)
    assert status == 422 and answer["error"]["field"] == "unit_id"


def test_a_retried_create_returns_the_first_and_a_reused_id_with_other_content_is_409(api: Api) -> None:
    body = _new(title="Avslut", text="Tack för att du hörde av dig, {förnamn}.")
    status, first = api.call("POST", "/staff/templates", who=NURSE_A, body=body)
    assert status == 201
    status, again = api.call("POST", "/staff/templates", who=NURSE_A, body=body)
    assert status == 200 and again == first
    assert _titles(api) == ["Avslut"]

    status, clash = api.call("POST", "/staff/templates", who=NURSE_A, body={**body, "title": "Annat"})
    assert status == 409 and clash["error"]["message_sv"]
    status, clash = api.call("POST", "/staff/templates", who=NURSE_A, body={**body, "scope": "unit", "unit_id": UNIT_A})
    assert status == 409
    assert _titles(api) == ["Avslut"]


def test_an_edit_on_an_old_version_is_409_and_does_not_overwrite_the_colleagues_change(api: Api) -> None:
    shared = _create(api, NURSE_A, scope="unit", title="Ring oss", text="Ring {telefon}.")
    path = f"/staff/templates/{shared['template_id']}"
    lena_edit = {"version": 1, "title": "Ring oss", "text": "Ring oss på {telefon} {telefontid}.", "language": "sv"}
    status, lenas = api.call("PUT", path, who=NURSE_A2, body=lena_edit)
    assert status == 200 and lenas["version"] == 2

    anna_edit = {"version": 1, "title": "Ring oss gärna", "text": "Ring {telefon}!", "language": "sv"}
    status, body = api.call("PUT", path, who=NURSE_A, body=anna_edit)
    assert status == 409
    assert "Lena Holm" in body["error"]["message"]
    assert body["error"]["message_sv"].startswith("Mallen har ändrats av Lena Holm")
    (current,) = _list(api)["templates"]
    assert current["text"] == "Ring oss på {telefon} {telefontid}." and current["version"] == 2

    # Lena's request again (a retry after a lost answer) finds her change made: 200, nothing changes
    status, retried = api.call("PUT", path, who=NURSE_A2, body=lena_edit)
    assert status == 200 and retried["version"] == 2

    # with the current version Anna's edit goes through
    status, annas = api.call("PUT", path, who=NURSE_A, body={**anna_edit, "version": 2})
    assert status == 200 and annas["version"] == 3 and annas["title"] == "Ring oss gärna"


def test_delete_needs_the_current_version_and_a_retried_delete_is_done(api: Api) -> None:
    made = _create(api, NURSE_A, title="Gammal mall")
    path = f"/staff/templates/{made['template_id']}"
    edit = {"version": 1, "title": "Gammal mall", "text": "Ny text", "language": "sv"}
    assert api.call("PUT", path, who=NURSE_A, body=edit)[0] == 200

    status, body = api.call("DELETE", f"{path}?version=1", who=NURSE_A)
    assert status == 409 and body["error"]["message_sv"]
    assert _titles(api) == ["Gammal mall"]
    status, body = api.call("DELETE", path, who=NURSE_A)
    assert status == 422 and body["error"]["field"] == "version"

    status, body = api.call("DELETE", f"{path}?version=2", who=NURSE_A)
    assert status == 204 and body is None
    assert _titles(api) == []
    assert api.call("DELETE", f"{path}?version=2", who=NURSE_A)[0] == 204  # the retry
    assert api.call("DELETE", f"{path}?version=1", who=NURSE_A)[0] == 404
    assert api.call("PUT", path, who=NURSE_A, body={**edit, "version": 2})[0] == 404
    # the id of a deleted template does not come back to life with a create
    status, _ = api.call("POST", "/staff/templates", who=NURSE_A, body=_new(template_id=made["template_id"]))
    assert status == 409


def test_search_matches_title_text_and_tags_without_case_or_accents(api: Api) -> None:
    _create(api, title="Egenvård förkylning", text="Vila och drick mycket.", tags=["Feber"])
    _create(api, scope="unit", title="Avslut", text="Tack för att du hörde av dig, {förnamn}.", tags=["slut"])
    _create(api, title="Ring oss", text="Ring {telefon} {telefontid}.", tags=["telefon"])

    assert _titles(api, q="FORKYLNING") == ["Egenvård förkylning"]
    assert _titles(api, q="egenvard%20feber") == ["Egenvård förkylning"]
    assert _titles(api, q="drick") == ["Egenvård förkylning"]
    assert _titles(api, q="slut") == ["Avslut"]
    assert _titles(api, q="h%C3%B6rde") == ["Avslut"]
    assert _titles(api, q="telefon") == ["Ring oss"]
    assert _titles(api, q="tandvärk") == []
    assert _titles(api) == ["Avslut", "Egenvård förkylning", "Ring oss"]


ADMIN_A = staff("SE-A1", (UNIT_A, "admin"), name="Johan Ek")


def _history(api: Api) -> list[dict[str, Any]]:
    """The unit's change history as its administrator sees it (unit administration), newest first."""
    status, body = api.call("GET", f"/staff/units/{UNIT_A}/settings", who=ADMIN_A)
    assert status == 200, body
    return list(body["changes"])


def _row(change: dict[str, Any]) -> tuple[Any, ...]:
    return (change["what"], change["by_name"], change["template_title"], change["fields"], change["template_was"])


def test_every_change_of_a_units_template_is_on_the_units_history_with_who_when_and_what(api: Api) -> None:
    body = _new("unit", title="Ring oss", text="Ring {telefon}.", tags=["telefon"])
    status, made = api.call("POST", "/staff/templates", who=NURSE_A, body=body)
    assert status == 201
    assert api.call("POST", "/staff/templates", who=NURSE_A, body=body)[0] == 200  # a retry: recorded once
    path = f"/staff/templates/{made['template_id']}"
    edit = {"version": 1, "title": "Ring oss gärna", "text": "Ring {telefon} {telefontid}.", "tags": ["telefon"]}
    status, edited = api.call("PUT", path, who=NURSE_A2, body=edit)
    assert status == 200 and edited["version"] == 2
    assert api.call("PUT", path, who=NURSE_A2, body=edit)[0] == 200  # a retry finds it made: nothing more
    assert api.call("PUT", path, who=NURSE_A, body={**edit, "text": "Ring!"})[0] == 409  # old version: no change
    tags_only = {**edit, "version": 2, "tags": ["telefon", "tid"]}
    assert api.call("PUT", path, who=NURSE_A, body=tags_only)[0] == 200
    assert api.call("DELETE", f"{path}?version=3", who=NURSE_A2)[0] == 204
    assert api.call("DELETE", f"{path}?version=3", who=NURSE_A2)[0] == 204  # the retry

    history = _history(api)
    assert [_row(c) for c in history] == [
        ("template_deleted", "Lena Holm", "Ring oss gärna", [], None),
        ("template_edited", "Anna Lind", "Ring oss gärna", ["tags"], None),
        ("template_edited", "Lena Holm", "Ring oss gärna", ["title", "text"], "Ring oss"),
        ("template_created", "Anna Lind", "Ring oss", [], None),
    ]
    assert {c["template_id"] for c in history} == {made["template_id"]}
    assert [c["by"] for c in history] == ["SE-S4", "SE-S1", "SE-S4", "SE-S1"]
    assert history[0]["at"] > history[-1]["at"]


def test_personal_templates_and_another_units_templates_are_not_on_the_units_history(api: Api) -> None:
    mine = _create(api, NURSE_A, title="Min egen")
    edit = {"version": 1, "title": "Min egen", "text": "Ny text", "language": "sv"}
    assert api.call("PUT", f"/staff/templates/{mine['template_id']}", who=NURSE_A, body=edit)[0] == 200
    assert api.call("DELETE", f"/staff/templates/{mine['template_id']}?version=2", who=NURSE_A)[0] == 204
    _create(api, NURSE_B, scope="unit", unit_id=UNIT_B, title="B:s mall")
    assert _history(api) == []


def test_a_template_change_and_its_history_entry_are_written_together_or_not_at_all(api: Api) -> None:
    from datetime import UTC, datetime

    from chalicelib.adapters.dynamo import UnitChange
    from chalicelib.domain.templates import UNIT, PhraseTemplate

    store = api.container.templates._store
    now = datetime.now(UTC)

    def template(template_id: str) -> PhraseTemplate:
        return PhraseTemplate.new(
            template_id=template_id, tenant=TENANT, scope=UNIT, owner=UNIT_A, title=template_id, text="Hej!",
            language="sv", tags=[], by=NURSE_A, now=now,
        )  # fmt: skip

    change = UnitChange("change-1", NURSE_A.subject, "Anna Lind", now, "template_created", template_title="first-01")
    assert store.create(template("first-01"), change=change) is not None
    # the history entry cannot be written (its key is taken): the template is not written either
    assert store.create(template("second-01"), change=change) is None
    assert store.find(TENANT, UNIT, UNIT_A, "second-01") is None
    assert [c["template_title"] for c in _history(api)] == ["first-01"]
