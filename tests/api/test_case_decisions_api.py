"""Decisions on a case over the REST API: override the triage with a reason, refer within the region with an SBAR
note (accepted by taking it, or sent back), "Mina pågående ärenden", and what the case view shows."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, send_case, staff

ANNA = citizen("191212121212", "Anna Andersson")
BERTIL = citizen("199001012385", "Bertil Berg")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")
NURSE_A2 = staff("SE-S4", (UNIT_A, "nurse"), name="Sjuksköterska A2")
DOCTOR_A = staff("SE-S2", (UNIT_A, "doctor"), name="Doktor A")
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"), name="Sjuksköterska B")
TENANT = "testregion"
SBAR = {
    "situation": "Hosta sedan tre veckor, nu även nattliga svettningar.",
    "background": "Rökare, 40 år. Ingen känd lungsjukdom.",
    "assessment": "Behöver läkarbedömning och lungröntgen.",
    "recommendation": "Boka läkartid inom en vecka.",
}


def _post(api: Api, who: Any, case_id: str, action: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
    headers = {"Idempotency-Key": key} if key else None
    return api.call("POST", f"/staff/cases/{case_id}/{action}", who=who, body=body, headers=headers)


def _queue(api: Api, who: Any, unit: str, profession: str) -> list[dict[str, Any]]:
    status, queue = api.call("GET", f"/staff/queue?unit_id={unit}&profession={profession}", who=who)
    assert status == 200, queue
    return list(queue["cases"])


def _audit_actions(api: Api, who: Any = ANNA) -> list[str]:
    return [r["action"] for r in api.container.audit_log.of_patient(TENANT, who.subject)]


def test_override_moves_the_case_in_the_queue_and_is_kept_beside_the_triage(api: Api) -> None:
    first = send_case(api, ANNA, key="ovr-0001")["case_id"]
    second = send_case(api, BERTIL, key="ovr-0002")["case_id"]
    assert [c["case_id"] for c in _queue(api, NURSE_A, UNIT_A, "nurse")] == [first, second]  # both P5, first in

    status, body = _post(api, NURSE_A, second, "override", {"priority": "P2", "reason": " "})
    assert status == 422 and body["error"]["field"] == "reason" and body["error"]["message_sv"]
    status, body = _post(api, NURSE_A, second, "override", {"priority": "P5", "reason": "Samma"})
    assert status == 422 and body["error"]["message_sv"] == "Välj en annan prioritet eller yrkesroll än ärendet har nu."

    reason = "Andningsbesvär i fritexten, bedöms brådskande."
    status, case = _post(api, NURSE_A, second, "override", {"priority": "P2", "reason": reason})
    assert status == 200, case
    assert case["priority"] == "P2" and case["triage"]["priority"] == "P5"  # the bot's outcome is kept as it was
    [override] = case["overrides"]
    assert override["from_priority"] == "P5" and override["to_priority"] == "P2" and override["reason"] == reason
    assert override["by"] == "SE-S1" and override["by_name"] == "Sjuksköterska A"
    assert case["seconds_left"] < 3 * 3600  # P2's deadline, not P5's
    queue = _queue(api, NURSE_A, UNIT_A, "nurse")
    assert [c["case_id"] for c in queue] == [second, first]
    assert queue[0]["overridden"] is True and queue[1]["overridden"] is False

    # a retry changes nothing; the access log has one record per request that read the case (the refused
    # "same priority" one too — the empty reason was refused before the case was read)
    status, again = _post(api, NURSE_A, second, "override", {"priority": "P2", "reason": reason})
    assert status == 200 and len(again["overrides"]) == 1
    assert _audit_actions(api, BERTIL).count("override_triage") == 3


def test_override_of_the_profession_sends_a_claimed_case_to_that_professions_queue(api: Api) -> None:
    case_id = send_case(api, ANNA, key="ovr-prof-1")["case_id"]
    assert _post(api, NURSE_A, case_id, "claim")[0] == 200
    status, body = _post(api, NURSE_A2, case_id, "override", {"priority": "P3", "reason": "Fel prio"})
    assert status == 409 and "colleague" in body["error"]["message"]  # only the claimer, while it is claimed

    status, case = _post(api, NURSE_A, case_id, "override", {"profession": "doctor", "reason": "Behöver läkare"})
    assert status == 200 and case["status"] == "queued" and case["claimed_by"] is None
    assert [c["case_id"] for c in _queue(api, DOCTOR_A, UNIT_A, "doctor")] == [case_id]
    assert _queue(api, NURSE_A, UNIT_A, "nurse") == []
    assert _post(api, NURSE_A, case_id, "claim")[0] == 403  # now a doctor's case
    assert _post(api, NURSE_B, case_id, "override", {"priority": "P1", "reason": "x"})[0] == 404  # another unit


def test_referral_to_another_unit_is_accepted_by_taking_it_and_nothing_is_lost(api: Api) -> None:
    case_id = send_case(api, ANNA, key="ref-0001")["case_id"]
    assert _post(api, NURSE_A, case_id, "claim")[0] == 200
    message = {"text": "Hej Anna, jag skickar ditt ärende vidare.", "client_id": "m-1"}
    assert api.call("POST", f"/cases/{case_id}/messages", who=NURSE_A, body=message)[0] == 201

    refer = {"to_unit_id": UNIT_B, "to_profession": "nurse", **SBAR}
    status, body = _post(api, NURSE_A, case_id, "refer", {**refer, "background": ""}, key="refer-key-0001")
    assert status == 422 and "background" in body["error"]["message"]
    status, body = _post(api, NURSE_A, case_id, "refer", {**refer, "to_profession": "doctor"}, key="refer-key-0002")
    assert status == 422 and body["error"]["field"] == "to_profession"  # unit B has no doctors
    status, body = _post(api, NURSE_A, case_id, "refer", {**refer, "to_unit_id": "nowhere"}, key="refer-key-0003")
    assert status == 422 and body["error"]["field"] == "to_unit_id"

    status, sent = _post(api, NURSE_A, case_id, "refer", refer, key="refer-key-0004")
    assert status == 200, sent
    assert sent["unit_id"] == UNIT_B and sent["status"] == "queued" and sent["referrals"][0]["state"] == "pending"
    status, again = _post(api, NURSE_A, case_id, "refer", refer, key="refer-key-0004")  # a retry
    assert status == 200 and len(again["referrals"]) == 1
    assert api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)[0] == 404  # at another unit now

    [entry] = _queue(api, NURSE_B, UNIT_B, "nurse")
    assert entry["case_id"] == case_id and entry["referral"]["from_unit_name"] == "Vårdcentralen A"
    assert entry["referral"]["by_name"] == "Sjuksköterska A"

    status, taken = _post(api, NURSE_B, case_id, "referral/accept")
    assert status == 200 and taken["claimed_by"] == "SE-S3"
    [referral] = taken["referrals"]
    assert referral["state"] == "accepted" and referral["answered_by"] == "SE-S3"
    assert {k: referral[k] for k in SBAR} == SBAR
    # the intake, the triage and the chat travelled with it
    assert taken["reason"] == "Halsont" and taken["triage"]["priority"] == "P5" and taken["triage_answers"]
    status, messages = api.call("GET", f"/cases/{case_id}/messages", who=NURSE_B)
    assert status == 200 and [m["text"] for m in messages["messages"]] == [message["text"]]
    assert _queue(api, NURSE_B, UNIT_B, "nurse") == []


def test_a_rejected_referral_goes_back_to_the_referring_clinician_with_the_reason(api: Api) -> None:
    case_id = send_case(api, ANNA, key="ref-rej-1")["case_id"]
    assert _post(api, NURSE_A, case_id, "claim")[0] == 200
    refer = {"to_unit_id": UNIT_B, "to_profession": "nurse", **SBAR}
    assert _post(api, NURSE_A, case_id, "refer", refer, key="refer-rej-0001")[0] == 200

    assert _post(api, NURSE_B, case_id, "referral/reject", {"reason": ""})[0] == 422
    reason = "Vi har ingen röntgen; remittera till enheten med läkare."
    status, back = _post(api, NURSE_B, case_id, "referral/reject", {"reason": reason})
    assert status == 200, back
    assert back["unit_id"] == UNIT_A and back["status"] == "claimed" and back["claimed_by"] == "SE-S1"
    assert back["referrals"][0]["state"] == "rejected" and back["referrals"][0]["reject_reason"] == reason
    assert _queue(api, NURSE_B, UNIT_B, "nurse") == []
    assert api.call("GET", f"/staff/cases/{case_id}", who=NURSE_B)[0] == 404
    status, mine = api.call("GET", "/staff/my-cases", who=NURSE_A)
    assert status == 200 and [c["case_id"] for c in mine["cases"]] == [case_id]
    # nothing to answer any more
    status, body = _post(api, NURSE_A, case_id, "referral/reject", {"reason": "igen"})
    assert status == 409 and body["error"]["message_sv"] == "Det finns ingen remiss att besvara på ärendet."


def test_my_cases_lists_what_i_hold_most_urgent_first_and_nothing_of_my_colleagues(api: Api) -> None:
    first = send_case(api, ANNA, key="mine-0001")["case_id"]
    second = send_case(api, BERTIL, key="mine-0002")["case_id"]
    for case_id in (first, second):
        assert _post(api, NURSE_A, case_id, "claim")[0] == 200
    assert _post(api, NURSE_A, second, "override", {"priority": "P3", "reason": "Feber hög"})[0] == 200
    status, mine = api.call("GET", "/staff/my-cases", who=NURSE_A)
    assert status == 200
    assert [c["case_id"] for c in mine["cases"]] == [second, first]
    assert mine["cases"][0]["patient_first_name"] == "Bertil" and mine["cases"][0]["age_band"] == "18–39"
    assert api.call("GET", "/staff/my-cases", who=NURSE_A2)[1]["cases"] == []
    assert _post(api, NURSE_A, first, "release")[0] == 200
    assert [c["case_id"] for c in api.call("GET", "/staff/my-cases", who=NURSE_A)[1]["cases"]] == [second]
    assert api.call("GET", "/staff/my-cases", who=ANNA)[0] in (401, 403)


def test_the_case_view_shows_the_patient_the_transcript_and_earlier_cases_at_this_unit(api: Api) -> None:
    earlier = send_case(api, ANNA, key="hist-0001", reason="Hosta")["case_id"]
    elsewhere = send_case(api, ANNA, key="hist-0002", unit_id=UNIT_B, reason="Utslag")["case_id"]
    assert _post(api, NURSE_A, earlier, "claim")[0] == 200
    close = {"outcome": "advice_given", "summary": "Råd om hosta."}
    assert _post(api, NURSE_A, earlier, "close", close)[0] == 200
    current = send_case(api, ANNA, key="hist-0003", reason="Halsont")["case_id"]

    before = len(_audit_actions(api))
    status, case = api.call("GET", f"/staff/cases/{current}", who=NURSE_A2)
    assert status == 200
    assert len(_audit_actions(api)) == before + 1  # one read, one record
    assert case["patient_name"] == "Anna Andersson" and case["age_band"] == "18–39"
    assert [e["case_id"] for e in case["earlier_cases"]] == [earlier]  # not the case at unit B
    assert case["earlier_cases"][0]["close_outcome"] == "advice_given"
    assert elsewhere not in str(case["earlier_cases"])
    steps = {a["step_id"]: a for a in case["triage_answers"]}
    assert steps["complaint"]["answer"] == "cold" and steps["complaint"]["question"]["sv"]
    assert case["triage"]["ruleset_version"] and "red_flags" in case["triage"]
