"""The journal note and the FHIR export over the REST API: scope, the access log, and what a receiver gets."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, send_case, staff

ANNA = citizen("191212121212", "Anna")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Sara Sjöberg")
DOCTOR_A = staff("SE-S2", (UNIT_A, "doctor"), name="Dan Doktor")
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"))
TENANT = "testregion"
CLOSE = {"outcome": "advice_given", "summary": "Halsont utan feber. Råd om egenvård; hör av dig om det blir värre."}


def _audit(api: Api) -> list[dict[str, Any]]:
    return list(api.container.audit_log.of_patient(TENANT, ANNA.subject))


def _handled_case(api: Api) -> str:
    """A case Anna sent, that a nurse took, chatted in (two messages, one with markup) and closed."""
    api.container.directory.put_staff(
        TENANT, NURSE_A.subject, NURSE_A.display_name, [{"unit_id": UNIT_A, "role": "nurse"}]
    )
    case_id = str(send_case(api, ANNA)["case_id"])
    assert api.call("POST", f"/staff/cases/{case_id}/claim", who=NURSE_A)[0] == 200
    for who, text, client in ((NURSE_A, "Hej Anna, har du feber?", "n-1"), (ANNA, "Nej <b>ingen</b> feber", "a-1")):
        status, _ = api.call("POST", f"/cases/{case_id}/messages", who=who, body={"text": text, "client_id": client})
        assert status == 201
    assert api.call("POST", f"/staff/cases/{case_id}/close", who=NURSE_A, body=CLOSE)[0] == 200
    return case_id


def _get(api: Api, path: str, who: Any) -> Any:
    headers = {"Authorization": f"Bearer {api.token(who)}"} if who is not None else {}
    return api.client.http.get(path, headers=headers)


def test_staff_of_the_unit_get_a_journal_note_to_paste(api: Api) -> None:
    case_id = _handled_case(api)
    status, body = api.call("GET", f"/staff/cases/{case_id}/journal", who=DOCTOR_A)
    assert status == 200, body
    assert body["case_id"] == case_id and body["lang"] == "sv"
    note = body["text"]
    assert note.startswith("Digital kontakt via Nära – Vårdcentralen A\nPatient: Anna, 34 år, Man/pojke\n")
    assert "Kontaktorsak\nHalsont\n" in note
    assert "Egen beskrivning: Ont i halsen sedan tre dagar" in note
    assert "Egenvärdering av hälsa\n70 av 100\n" in note
    assert "Prioritet: P5 Avvakta" in note
    assert "Utfall: Råd givet\n" + CLOSE["summary"] in note
    assert "Avslutat av: Sara Sjöberg (HSA-id SE-S1)" in note
    assert "Chatt: 2 meddelanden" in note and "har du feber?" not in note

    status, english = api.call("GET", f"/staff/cases/{case_id}/journal?lang=en", who=NURSE_A)
    assert status == 200 and "Reason for contact\nHalsont" in english["text"]
    status, bad = api.call("GET", f"/staff/cases/{case_id}/journal?lang=de", who=NURSE_A)
    assert status == 422 and bad["error"]["message_sv"] == "Språket ska vara sv eller en."


def test_staff_of_the_unit_get_the_case_as_a_valid_fhir_bundle(api: Api) -> None:
    case_id = _handled_case(api)
    response = _get(api, f"/staff/cases/{case_id}/fhir", NURSE_A)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.body)
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    kinds = Counter(e["resource"]["resourceType"] for e in data["entry"])
    assert kinds == {"QuestionnaireResponse": 1, "Task": 1, "Communication": 2, "ClinicalImpression": 1}
    (task,) = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Task"]
    assert (task["status"], task["priority"], task["businessStatus"]["coding"][0]["code"]) == (
        "completed",
        "routine",
        "P5",
    )
    assert task["owner"]["identifier"] == {"system": "urn:oid:1.2.752.29.4.19", "value": "SE-S1"}
    texts = [
        e["resource"]["payload"][0]["contentString"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "Communication"
    ]
    assert texts == ["Hej Anna, har du feber?", "Nej <b>ingen</b> feber"]
    assert "191212121212" not in response.body.decode() and "121212-1212" not in response.body.decode()
    assert ANNA.subject in response.body.decode()  # the patient by pseudonymous reference


def test_each_export_writes_one_access_record_first(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = _handled_case(api)
    for path, action in (("journal", "journal_note"), ("fhir", "export_fhir")):
        before = _audit(api)
        assert _get(api, f"/staff/cases/{case_id}/{path}", DOCTOR_A).status_code == 200
        new = _audit(api)[len(before) :]
        assert [(r["action"], r["actor"], r["case_id"], r["unit_id"]) for r in new] == [
            (action, "SE-S2", case_id, UNIT_A)
        ]

    def broken(**_: Any) -> None:
        raise RuntimeError("the audit table is unavailable")

    monkeypatch.setattr(api.container.audit_log, "record", broken)
    for path in ("journal", "fhir"):
        response = _get(api, f"/staff/cases/{case_id}/{path}", DOCTOR_A)
        assert response.status_code == 500
        assert b"Halsont" not in response.body and CLOSE["summary"].encode() not in response.body


def test_outside_the_unit_or_not_staff_nothing_is_exported_or_logged(api: Api) -> None:
    case_id = _handled_case(api)
    before = len(_audit(api))
    for path in ("journal", "fhir"):
        for who, expected in ((NURSE_B, 404), (ANNA, 403), (None, 401)):
            response = _get(api, f"/staff/cases/{case_id}/{path}", who)
            assert response.status_code == expected, (path, who)
            assert b"Halsont" not in response.body and case_id.encode() not in response.body
        assert _get(api, f"/staff/cases/no-such-case/{path}", NURSE_A).status_code == 404
    assert len(_audit(api)) == before
