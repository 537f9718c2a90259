"""The citizen's triage, step by step over the REST API (Chalice's test client against moto in-process)."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import datetime
from typing import Any

import pytest

from chalicelib.domain.model import Ward
from chalicelib.domain.opening_hours import SWEDEN
from chalicelib.services.triage_session import TriageSessionService
from chalicelib.triage import load_library
from tests.api.conftest import COLD, UNIT_A, Api, citizen, staff

ANNA = citizen("191212121212", "Anna")
BERTIL = citizen("199001012385", "Bertil")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"))
CHILD = Ward("child-ref-0001", "Lilla Anna", "2019-05-01")
ANNA_GUARDIAN = dataclasses.replace(ANNA, wards=(CHILD,))
INTAKE = {"unit_id": UNIT_A, "reason": "Förkyld", "free_text": "Snuva och lite feber sedan tre dagar"}

COLD_ADULT = COLD  # a cold in an adult: self-care (the protocol's own clinical test case)
DEFAULT_NO = ("red_flag_screen", "modifiers")  # sections whose questions the walks below answer "no"


def _begin(api: Api, who: Any = ANNA, key: str = "triage-key-0001", **body: Any) -> tuple[int, Any]:
    return api.call("POST", "/citizen/triage", who=who, body={**INTAKE, **body}, headers={"Idempotency-Key": key})


def _answer(api: Api, draft_id: str, step_id: str, value: Any, who: Any = ANNA) -> tuple[int, Any]:
    return api.call("POST", f"/citizen/triage/{draft_id}/answers", who=who, body={"step_id": step_id, "value": value})


def _get(api: Api, draft_id: str, who: Any = ANNA) -> tuple[int, Any]:
    return api.call("GET", f"/citizen/triage/{draft_id}", who=who)


def _walk(api: Api, draft: dict[str, Any], answers: dict[str, Any], who: Any = ANNA) -> tuple[dict[str, Any], list]:
    """Answer every step from ``answers`` (screen and modifier questions: "no") until the triage ends."""
    asked = []
    while draft["step"] is not None:
        step = draft["step"]
        assert step["text"]["sv"] and step["text"]["en"] and step["allow_unknown"] is True
        value = answers.get(step["id"], "no")
        assert step["id"] in answers or step["section"] in DEFAULT_NO, f"no answer for {step['id']}"
        answered = draft["progress"]["answered"]
        status, draft = _answer(api, draft["draft_id"], step["id"], value, who=who)
        assert status == 200, draft
        assert draft["progress"]["answered"] == answered + 1
        asked.append(step["id"])
    return draft, asked


def test_a_common_cold_ends_in_self_care_with_advice(api: Api) -> None:
    status, draft = _begin(api)
    assert status == 201
    assert draft["status"] == "in_progress" and draft["step"]["id"] == "age" and draft["outcome"] is None
    assert draft["progress"] == {"answered": 0, "section_index": 1, "section_count": 6}
    done, asked = _walk(api, draft, COLD_ADULT)
    assert done["status"] == "finished" and done["step"] is None
    result = done["outcome"]
    assert result["disposition"] == "self_care" and result["priority"] is None and result["deadline"] is None
    assert result["advice_id"] == "cold_self_care"
    assert result["explanation"]["sv"] and result["explanation"]["en"]
    assert {"complaint", "rf_chest_pain", "fever_days", "chronic_disease"} <= set(asked)
    assert len(asked) == len(set(asked)) == done["progress"]["answered"]
    assert _get(api, draft["draft_id"]) == (200, done)


def test_chest_pain_ends_at_p1_emergency_112_at_the_red_flag_screen(api: Api) -> None:
    draft = _begin(api, reason="Ont i bröstet", free_text="")[1]
    answers = {"age": 58, "sex": "male", "self_rated_health": 40, "rf_chest_pain": "yes"}
    done, asked = _walk(api, draft, answers)
    assert asked[-1] == "rf_chest_pain" and "complaint" not in asked
    result = done["outcome"]
    assert (result["priority"], result["disposition"], result["profession"]) == ("P1", "emergency_112", "doctor")
    assert [f["rule_id"] for f in result["red_flags"]] == ["screen_chest_pain"]
    assert result["deadline"] is not None


def test_a_retried_answer_neither_skips_nor_repeats_a_question(api: Api) -> None:
    draft_id = _begin(api)[1]["draft_id"]
    first = _answer(api, draft_id, "age", 34)[1]
    assert first["step"]["id"] == "sex"
    status, again = _answer(api, draft_id, "age", 34)  # a double click, or a retry after a lost response
    assert status == 200 and again == first
    second = _answer(api, draft_id, "sex", "male")[1]
    assert second["step"]["id"] == "self_rated_health" and second["progress"]["answered"] == 2
    assert _answer(api, draft_id, "sex", "male")[1] == second
    assert _answer(api, draft_id, "age", 34)[1] == second


def test_a_retried_begin_returns_the_same_draft_and_a_reused_key_is_refused(api: Api) -> None:
    status, first = _begin(api)
    _answer(api, first["draft_id"], "age", 34)
    status, again = _begin(api)
    assert status == 201 and again["draft_id"] == first["draft_id"] and again["progress"]["answered"] == 1
    status, body = _begin(api, reason="Ryggont")
    assert status == 409 and "Idempotency-Key" in body["error"]["message"]


def test_an_answer_for_another_step_is_a_conflict_and_changes_nothing(api: Api) -> None:
    draft_id = _begin(api)[1]["draft_id"]
    before = _answer(api, draft_id, "age", 34)[1]
    status, body = _answer(api, draft_id, "self_rated_health", 50)  # not yet asked
    assert status == 409 and body["error"]["code"] == "conflict"
    assert "sex" in body["error"]["message"] and body["error"]["field"] == "step_id"
    status, body = _answer(api, draft_id, "age", 40)  # answered already, with another value
    assert status == 409 and "go back" in body["error"]["message"]
    assert _get(api, draft_id)[1] == before


def test_an_invalid_value_is_422_naming_the_problem(api: Api) -> None:
    draft_id = _begin(api)[1]["draft_id"]
    status, body = _answer(api, draft_id, "age", 500)
    assert status == 422 and body["error"]["field"] == "value"
    assert "120" in body["error"]["message"], body
    _answer(api, draft_id, "age", 34)
    status, body = _answer(api, draft_id, "sex", "dragon")
    assert status == 422 and body["error"]["field"] == "value" and "female, male, other" in body["error"]["message"]
    status, body = _answer(api, draft_id, "sex", {"not": "a value"})
    assert status == 422 and body["error"]["field"].startswith("value")
    current = _get(api, draft_id)[1]
    assert current["step"]["id"] == "sex" and current["progress"]["answered"] == 1


def test_dont_know_is_accepted_on_every_step(api: Api) -> None:
    draft_id = _begin(api)[1]["draft_id"]
    after = _answer(api, draft_id, "age", "vet ej")[1]
    assert after["progress"]["answered"] == 1
    assert _answer(api, draft_id, "age", "unknown")[1] == after  # the same answer, spelt the engine's way


def test_back_then_a_different_answer_works(api: Api) -> None:
    draft_id = _begin(api)[1]["draft_id"]
    _answer(api, draft_id, "age", 34)
    assert _answer(api, draft_id, "sex", "male")[1]["step"]["id"] == "self_rated_health"
    status, back = api.call("POST", f"/citizen/triage/{draft_id}/back", who=ANNA, body={"step_id": "sex"})
    assert status == 200 and back["step"]["id"] == "sex" and back["progress"]["answered"] == 1
    status, again = api.call("POST", f"/citizen/triage/{draft_id}/back", who=ANNA, body={"step_id": "sex"})
    assert status == 200 and again == back  # a double click on Back goes back once
    changed = _answer(api, draft_id, "sex", "female")[1]
    assert changed["step"]["id"] == "pregnant"
    status, plain = api.call("POST", f"/citizen/triage/{draft_id}/back", who=ANNA)  # no body: undo the last answer
    assert status == 200 and plain["step"]["id"] == "sex"
    api.call("POST", f"/citizen/triage/{draft_id}/back", who=ANNA)
    status, body = api.call("POST", f"/citizen/triage/{draft_id}/back", who=ANNA)
    assert status == 409 and "no answer" in body["error"]["message"]


def test_another_citizens_draft_is_not_found(api: Api) -> None:
    draft_id = _begin(api)[1]["draft_id"]
    before = _answer(api, draft_id, "age", 34)[1]
    assert _get(api, draft_id, who=BERTIL)[0] == 404
    assert _answer(api, draft_id, "sex", "male", who=BERTIL)[0] == 404
    assert api.call("POST", f"/citizen/triage/{draft_id}/back", who=BERTIL)[0] == 404
    assert _get(api, "no-such-draft")[0] == 404
    assert _get(api, draft_id)[1] == before


def test_staff_cannot_use_the_citizen_triage(api: Api) -> None:
    draft_id = _begin(api)[1]["draft_id"]
    assert _begin(api, who=NURSE_A, key="triage-key-staff")[0] == 403
    assert _get(api, draft_id, who=NURSE_A)[0] == 403
    assert _answer(api, draft_id, "age", 34, who=NURSE_A)[0] == 403
    assert api.call("GET", f"/citizen/triage/{draft_id}")[0] == 401


def test_a_guardian_triages_for_their_child_but_not_for_another(api: Api) -> None:
    status, draft = _begin(api, who=ANNA_GUARDIAN, for_child=CHILD.ref)
    assert status == 201 and draft["for_child"] == CHILD.ref
    # The child's age comes from the population register's birth date: the first question is the sex.
    assert draft["step"]["id"] == "sex" and draft["progress"]["answered"] == 0
    status, body = _begin(api, who=ANNA_GUARDIAN, key="triage-key-0002", for_child="not-my-child")
    assert status == 422 and body["error"]["field"] == "for_child"
    # Custody ended (the session no longer names the child): the child's draft is out of scope.
    assert _get(api, draft["draft_id"], who=ANNA)[0] == 404


def test_a_draft_for_an_unknown_unit_is_refused(api: Api) -> None:
    status, body = _begin(api, unit_id="nope")
    assert status == 422 and body["error"]["field"] == "unit_id"


def test_two_parallel_answers_to_one_step_apply_exactly_once(server_container: Any) -> None:
    tenant = server_container.settings.tenant
    server_container.directory.put_unit(tenant, UNIT_A, "Vårdcentralen A", {"professions": ["nurse"]})
    anna = dataclasses.replace(ANNA, tenant=tenant)
    triage = server_container.triage
    for round_ in range(3):
        view = triage.begin(anna, unit_id=UNIT_A, reason="Förkyld", free_text="", idempotency_key=f"race-{round_:04d}")
        draft_id = view.draft.draft_id
        results: dict[int, Any] = {}

        def answer(age: int, draft_id: str = draft_id, results: dict[int, Any] = results) -> None:
            try:
                results[age] = triage.answer(anna, draft_id, step_id="age", value=age)
            except Exception as error:  # collected and asserted below
                results[age] = error

        threads = [threading.Thread(target=answer, args=(age,)) for age in (30, 70)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        won = [age for age, r in results.items() if not isinstance(r, Exception)]
        lost = [r for r in results.values() if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert type(lost[0]).__name__ == "Conflict"
        stored = triage.current(anna, draft_id)
        assert [(a.step_id, a.value) for a in stored.state.answers] == [("age", won[0])]
        assert stored.draft.version == view.draft.version + 1


def test_a_write_from_a_stale_version_of_the_draft_is_refused(api: Api) -> None:
    import pytest

    from chalicelib.domain.errors import Conflict

    draft_id = _begin(api)[1]["draft_id"]
    drafts = api.container.triage._drafts
    seen = drafts.get(ANNA.tenant, ANNA.subject, draft_id)
    drafts.replace(seen, state=seen.state, now=seen.created_at)
    with pytest.raises(Conflict):
        drafts.replace(seen, state=seen.state, now=seen.created_at)
    assert drafts.get(ANNA.tenant, ANNA.subject, draft_id).version == seen.version + 1


def _submit(api: Api, draft_id: str, who: Any = ANNA, **body: Any) -> tuple[int, Any]:
    return api.call("POST", f"/citizen/triage/{draft_id}/submit", who=who, body=body)


def _queue(api: Api) -> list[str]:
    return [c["case_id"] for c in api.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=NURSE_A)[1]["cases"]]


def test_a_cold_sent_as_self_care_is_not_queued_but_contact_anyway_queues_it_as_p5(api: Api) -> None:
    done, _ = _walk(api, _begin(api)[1], COLD_ADULT)
    status, case = _submit(api, done["draft_id"])
    assert status == 201
    assert (case["status"], case["priority"], case["disposition"]) == ("self_care", None, "self_care")
    assert case["triage"]["advice_id"] == "cold_self_care"
    assert case["case_id"] not in _queue(api)
    chat = api.call("POST", f"/cases/{case['case_id']}/messages", who=ANNA, body={"text": "Hej", "client_id": "c1"})
    assert chat[0] == 409  # self-care without contact offers no chat

    second, _ = _walk(api, _begin(api, key="triage-key-0002")[1], COLD_ADULT)
    status, contact = _submit(api, second["draft_id"], choose_contact=True)
    assert status == 201
    assert (contact["status"], contact["priority"], contact["profession"]) == ("queued", "P5", "nurse")
    assert contact["case_id"] in _queue(api)


def test_chest_pain_is_recorded_as_redirected_with_no_chat_and_not_queued(api: Api) -> None:
    draft = _begin(api, reason="Ont i bröstet", free_text="")[1]
    done, _ = _walk(api, draft, {"age": 58, "sex": "male", "self_rated_health": 40, "rf_chest_pain": "yes"})
    status, case = _submit(api, done["draft_id"])
    assert status == 201
    assert (case["status"], case["priority"], case["disposition"]) == ("redirected", "P1", "emergency_112")
    assert case["case_id"] not in _queue(api)
    chat = api.call("POST", f"/cases/{case['case_id']}/messages", who=ANNA, body={"text": "Hej", "client_id": "c1"})
    assert chat[0] == 409
    contact = _submit(api, done["draft_id"], choose_contact=True)
    assert contact[0] in (409, 422)  # contact anyway is only for self-care, and this triage was already sent


def test_sending_a_triage_twice_gives_one_case_and_an_unfinished_triage_cannot_be_sent(api: Api) -> None:
    draft = _begin(api)[1]
    assert _submit(api, draft["draft_id"])[0] == 409  # nothing answered yet
    done, _ = _walk(api, draft, COLD_ADULT)
    first = _submit(api, done["draft_id"], choose_contact=True)[1]
    again = _submit(api, done["draft_id"], choose_contact=True)[1]
    assert again["case_id"] == first["case_id"]
    assert [c["case_id"] for c in api.call("GET", "/citizen/cases", who=ANNA)[1]["cases"]] == [first["case_id"]]


def _service_at(container: Any, moment: datetime) -> TriageSessionService:
    """The triage service as bootstrap builds it, with the clock stopped at ``moment``."""
    built = container.triage
    return TriageSessionService(
        built._drafts,
        container.directory,
        built._idempotency,
        built._library,
        cases=built._cases,
        clock=lambda: moment,
        ids=lambda: uuid.uuid4().hex,
        routing=container.routing,
    )


def _replay(service: TriageSessionService, who: Any, draft_id: str, protocol_id: str, answers: dict[str, Any]) -> None:
    while (view := service.current(who, draft_id)).step is not None:
        step = view.step.id
        value = protocol_id if step == "complaint" else answers.get(step, "no")
        service.answer(who, draft_id, step_id=step, value=value)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 28, 22, 0, tzinfo=SWEDEN), ("redirected", "call_1177")),  # Saturday night
        (datetime(2026, 11, 25, 10, 0, tzinfo=SWEDEN), ("queued", "chat")),  # Wednesday morning
    ],
)
def test_a_chat_that_cannot_wait_for_the_unit_to_open_goes_to_1177(
    api: Api, moment: datetime, expected: tuple[str, str]
) -> None:
    weekdays = {d: [["08:00", "16:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    api.container.directory.put_unit(
        "testregion",
        "SE-VC-H",
        "Vårdcentralen med öppettider",
        {"professions": ["nurse"], "opening_hours": {"chat": weekdays}},
    )
    library = load_library()
    protocol, case = next(
        (p, c)
        for p in library.current()
        for c in p.test_cases
        if c.expected.priority is not None
        and c.expected.priority.value == "P3"
        and c.expected.disposition.value == "chat"
        and not c.free_text
    )
    service = _service_at(api.container, moment)
    view = service.begin(ANNA, unit_id="SE-VC-H", reason="Besvär", free_text="", idempotency_key=uuid.uuid4().hex)
    _replay(service, ANNA, view.draft.draft_id, protocol.id, dict(case.answers))
    submitted = service.submit(ANNA, view.draft.draft_id, choose_contact=False)
    assert (submitted.status.value, submitted.disposition) == expected
