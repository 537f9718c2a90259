"""The citizen journey around the triage: the intake's contact details, unfinished drafts, complaint search, advice,
the region's emergency departments, "Jag vill ändå ha kontakt" on a self-care case, and the waiting room."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.dynamo import DynamoQueueStats
from chalicelib.domain.opening_hours import SWEDEN
from chalicelib.triage import load_library
from tests.api.conftest import UNIT_A, UNIT_B, Api
from tests.api.test_triage_api import ANNA, BERTIL, COLD_ADULT, NURSE_A, _begin, _replay, _service_at, _walk


def _submit(api: Api, draft_id: str, who: Any = ANNA, choose_contact: bool = False) -> tuple[int, Any]:
    body = {"choose_contact": choose_contact}
    return api.call("POST", f"/citizen/triage/{draft_id}/submit", who=who, body=body)


def _self_care_case(api: Api, key: str = "journey-key-01", who: Any = ANNA) -> dict[str, Any]:
    done, _ = _walk(api, _begin(api, who=who, key=key)[1], COLD_ADULT, who=who)
    status, case = _submit(api, done["draft_id"], who=who)
    assert status == 201 and case["status"] == "self_care"
    return case


def _contact(api: Api, case_id: str, key: str = "contact-key-01", who: Any = ANNA) -> tuple[int, Any]:
    return api.call("POST", f"/citizen/cases/{case_id}/contact", who=who, headers={"Idempotency-Key": key})


def test_contact_details_are_checked_and_stored_normalised(api: Api) -> None:
    status, draft = _begin(api, expectations="Vill veta om jag behöver antibiotika", notify_sms="070-123 45 67")
    assert status == 201
    assert draft["notify_sms"] == "+46701234567" and draft["expectations"].startswith("Vill veta")
    status, body = _begin(api, key="journey-key-02", notify_sms="036-10 10 01")  # a landline cannot get SMS
    assert status == 422 and body["error"]["field"] == "notify_sms"
    assert "mobilnummer" in body["error"]["message_sv"] and "mobile number" in body["error"]["message"]
    status, body = _begin(api, key="journey-key-03", notify_email="inte en adress")
    assert status == 422 and body["error"]["field"] == "notify_email" and body["error"]["message_sv"]


def test_the_age_from_the_personnummer_is_not_asked_again(api: Api) -> None:
    adult = dataclasses.replace(ANNA, birth_date="1990-01-01")
    draft = _begin(api, who=adult)[1]
    assert draft["step"]["id"] == "sex"
    baby = dataclasses.replace(ANNA, birth_date=(datetime.now(SWEDEN) - timedelta(days=100)).date().isoformat())
    draft = _begin(api, who=baby, key="journey-key-02")[1]
    assert draft["step"]["id"] == "sex"  # age 0 and age in months both known


def test_an_unfinished_triage_is_listed_until_it_is_sent(api: Api) -> None:
    draft = _begin(api)[1]
    _begin(api, who=BERTIL, key="journey-key-bertil")
    listed = api.call("GET", "/citizen/triage", who=ANNA)[1]["drafts"]
    assert [d["draft_id"] for d in listed] == [draft["draft_id"]]  # Bertil's is not Anna's
    assert listed[0]["status"] == "in_progress" and listed[0]["answered"] == 0
    done, _ = _walk(api, draft, COLD_ADULT)
    case = _submit(api, done["draft_id"])[1]
    assert api.call("GET", "/citizen/triage", who=ANNA)[1]["drafts"] == []
    status, after = api.call("GET", f"/citizen/triage/{draft['draft_id']}", who=ANNA)
    assert status == 200 and after["status"] == "submitted" and after["case_id"] == case["case_id"]


def test_the_intake_can_be_changed_until_it_is_sent(api: Api) -> None:
    draft = _begin(api)[1]
    path = f"/citizen/triage/{draft['draft_id']}"
    status, changed = api.call("PATCH", path, who=ANNA, body={"expectations": "Recept", "notify_email": "a@b.se"})
    assert status == 200 and (changed["expectations"], changed["notify_email"]) == ("Recept", "a@b.se")
    assert changed["reason"] == draft["reason"]  # what was not given stays
    status, body = api.call("PATCH", path, who=ANNA, body={"notify_sms": "12"})
    assert status == 422 and api.call("GET", path, who=ANNA)[1]["notify_email"] == "a@b.se"  # nothing lost
    assert api.call("PATCH", path, who=BERTIL, body={"expectations": "x"})[0] == 404
    done, _ = _walk(api, changed, COLD_ADULT)
    _submit(api, done["draft_id"])
    status, body = api.call("PATCH", path, who=ANNA, body={"expectations": "Något annat"})
    assert status == 409 and body["error"]["message_sv"]


def test_new_own_words_with_a_red_flag_are_scanned_again(api: Api) -> None:
    draft = _begin(api)[1]
    for step in ("age", "sex"):
        draft = api.call(
            "POST",
            f"/citizen/triage/{draft['draft_id']}/answers",
            who=ANNA,
            body={"step_id": step, "value": COLD_ADULT[step]},
        )[1]
    path = f"/citizen/triage/{draft['draft_id']}"
    status, changed = api.call("PATCH", path, who=ANNA, body={"free_text": "Jag vill inte leva längre"})
    assert status == 200
    flags = [f["category"] for f in changed.get("outcome") or {}] if changed["outcome"] else []
    assert changed["progress"]["answered"] == 2 or flags  # the answers were kept (or the words ended the triage)
    done, _ = _walk(api, changed, COLD_ADULT)
    assert done["outcome"]["crisis_info"] is True  # the new words are in the outcome


def test_complaint_search_puts_the_best_match_first(api: Api) -> None:
    draft = _begin(api)[1]
    for step in ("age", "sex", "self_rated_health"):
        draft = api.call(
            "POST",
            f"/citizen/triage/{draft['draft_id']}/answers",
            who=ANNA,
            body={"step_id": step, "value": COLD_ADULT[step]},
        )[1]
    draft, _ = _walk_until(api, draft, "complaint")
    status, body = api.call("GET", f"/citizen/triage/{draft['draft_id']}/complaints?q=förkylning", who=ANNA)
    assert status == 200 and body["options"][0]["id"] == "cold" and body["options"][-1]["id"] == "other"
    everything = api.call("GET", f"/citizen/triage/{draft['draft_id']}/complaints", who=ANNA)[1]["options"]
    assert len(everything) > len(body["options"]) > 1
    assert api.call("GET", f"/citizen/triage/{draft['draft_id']}/complaints?q=x", who=BERTIL)[0] == 404


def _walk_until(api: Api, draft: dict[str, Any], step_id: str) -> tuple[dict[str, Any], int]:
    answered = 0
    while draft["step"]["id"] != step_id:
        draft = api.call(
            "POST",
            f"/citizen/triage/{draft['draft_id']}/answers",
            who=ANNA,
            body={"step_id": draft["step"]["id"], "value": "no"},
        )[1]
        answered += 1
    return draft, answered


def test_a_complaint_search_at_another_question_is_a_conflict(api: Api) -> None:
    draft = _begin(api)[1]
    status, body = api.call("GET", f"/citizen/triage/{draft['draft_id']}/complaints?q=hosta", who=ANNA)
    assert status == 409 and body["error"]["message_sv"]


def test_the_advice_article_has_what_to_do_when_to_seek_care_and_sources(api: Api) -> None:
    status, article = api.call("GET", "/citizen/advice/cold_self_care", who=ANNA)
    assert status == 200 and article["title"]["sv"] and article["title"]["en"]
    assert [s["id"] for s in article["sections"]] == ["what_to_do", "what_to_expect", "seek_care_again"]
    assert all(s["text"]["sv"] and s["text"]["en"] for s in article["sections"])
    assert article["sources"] and all(s["title"] for s in article["sources"])
    assert api.call("GET", "/citizen/advice/no_such_advice", who=ANNA)[0] == 404
    assert api.call("GET", "/citizen/advice/cold_self_care")[0] == 401


def test_the_regions_emergency_departments_are_public(api: Api) -> None:
    assert api.call("GET", "/emergency-departments")[1] == {"departments": []}  # none configured
    api.container.directory.put_region(
        "testregion",
        {
            "emergency_departments": [
                {"name": "Akuten", "address": "Gatan 1", "phone": "010-1", "hours": {"sv": "Dygnet runt", "en": "24/7"}}
            ]
        },
    )
    status, body = api.call("GET", "/emergency-departments")
    assert status == 200 and body["departments"][0]["name"] == "Akuten"
    assert body["departments"][0]["hours"] == {"sv": "Dygnet runt", "en": "24/7"}


def test_contact_anyway_after_self_care_joins_the_queue_as_p5_once(api: Api) -> None:
    case = _self_care_case(api)
    status, queued = _contact(api, case["case_id"])
    assert status == 200 and (queued["status"], queued["priority"], queued["profession"]) == ("queued", "P5", "nurse")
    assert queued["disposition"] == "chat"
    again = _contact(api, case["case_id"])  # a double click
    assert again[0] == 200 and again[1]["status"] == "queued"
    queue = api.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=NURSE_A)[1]["cases"]
    assert [c["case_id"] for c in queue].count(case["case_id"]) == 1
    status, body = _contact(api, case["case_id"], key="contact-key-02")  # no longer self-care
    assert status == 409 and body["error"]["message_sv"]
    chat = api.call("POST", f"/cases/{case['case_id']}/messages", who=ANNA, body={"text": "Hej", "client_id": "c1"})
    assert chat[0] == 201  # now there is a chat


def test_another_citizen_reaches_none_of_the_case(api: Api) -> None:
    case = _self_care_case(api)
    path = f"/citizen/cases/{case['case_id']}"
    for method, suffix in (("GET", ""), ("GET", "/waiting")):
        status, body = api.call(method, path + suffix, who=BERTIL)
        assert status == 404 and "reason" not in str(body) and case["reason"] not in str(body)
    assert _contact(api, case["case_id"], who=BERTIL)[0] == 404
    assert _self_care_case(api, key="journey-key-09")["case_id"] != case["case_id"]
    assert api.call("GET", path, who=ANNA)[1]["status"] == "self_care"  # unchanged by Bertil's attempts


def test_the_case_shows_its_timeline_to_the_citizen(api: Api) -> None:
    case = _self_care_case(api)
    _contact(api, case["case_id"])
    status, body = api.call("GET", f"/citizen/cases/{case['case_id']}", who=ANNA)
    assert status == 200 and body["timeline"][0]["type"] == "submitted"
    assert all("claimed_by" not in str(e) for e in body["timeline"])


def test_the_waiting_room_shows_the_place_in_the_queue_and_an_estimate(api: Api) -> None:
    first = _self_care_case(api)
    second = _self_care_case(api, key="journey-key-02", who=BERTIL)
    _contact(api, first["case_id"])
    _contact(api, second["case_id"], who=BERTIL)
    one = api.call("GET", f"/citizen/cases/{first['case_id']}/waiting", who=ANNA)[1]
    two = api.call("GET", f"/citizen/cases/{second['case_id']}/waiting", who=BERTIL)[1]
    assert (one["position"], one["ahead"], two["position"], two["ahead"]) == (1, 0, 2, 1)
    assert one["basis"] == "default" and 0 < one["estimated_minutes"] < two["estimated_minutes"]

    # The unit has lately taken a case every 4 minutes: the estimate follows that pace.
    stats, now = DynamoQueueStats(), datetime.now(SWEDEN)
    for i, minutes_ago in enumerate((16, 12, 8, 4)):
        stats.record_first_contact("testregion", UNIT_A, "nurse", f"c{i}", now - timedelta(minutes=minutes_ago))
    two = api.call("GET", f"/citizen/cases/{second['case_id']}/waiting", who=BERTIL)[1]
    assert (two["basis"], two["estimated_minutes"]) == ("recent", 8)

    status, self_care = api.call(
        "GET", f"/citizen/cases/{_self_care_case(api, 'journey-key-03')['case_id']}/waiting", who=ANNA
    )
    assert status == 200 and self_care["status"] == "self_care" and self_care["position"] is None


def test_a_staff_members_first_message_teaches_the_estimate(api: Api) -> None:
    for i in range(4):
        case = _self_care_case(api, key=f"journey-key-{i}")
        _contact(api, case["case_id"], key=f"contact-key-{i}")
        body = {"text": "Hej, jag heter Vårdare", "client_id": f"s{i}"}
        assert api.call("POST", f"/cases/{case['case_id']}/messages", who=NURSE_A, body=body)[0] == 201
        api.call("POST", f"/cases/{case['case_id']}/messages", who=NURSE_A, body={**body, "client_id": f"t{i}"})
    contacts = DynamoQueueStats().first_contacts("testregion", UNIT_A, "nurse")
    assert len(contacts) == 4  # one per case: the second message is not a first contact


def test_after_hours_the_region_may_send_cases_to_its_jourcentral(api: Api) -> None:
    weekdays = {d: [["08:00", "16:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    api.container.directory.put_unit(
        "testregion",
        "SE-VC-H",
        "Vårdcentralen",
        {"professions": ["nurse", "doctor", "midwife", "psychologist"], "opening_hours": {"chat": weekdays}},
    )
    api.container.directory.put_region("testregion", {"after_hours": {"jourcentral": UNIT_B}})
    library = load_library()
    protocol, test_case = next(
        (p, c)
        for p in library.current()
        for c in p.test_cases
        if c.expected.priority is not None
        and c.expected.priority.value == "P2"
        and c.expected.disposition.value == "chat"
        and not c.free_text
    )
    service = _service_at(api.container, datetime(2026, 11, 28, 22, 0, tzinfo=SWEDEN))  # Saturday night
    view = service.begin(ANNA, unit_id="SE-VC-H", reason="Besvär", free_text="", idempotency_key=uuid.uuid4().hex)
    _replay(service, ANNA, view.draft.draft_id, protocol.id, dict(test_case.answers))
    case = service.submit(ANNA, view.draft.draft_id, choose_contact=False)
    assert (case.status.value, case.disposition, case.unit_id) == ("queued", "physical", UNIT_B)
