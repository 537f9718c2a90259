"""Staff handling a case over the REST API: claim, release, hand over, close; scope, audit and live pushes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, send_case, staff

ANNA = citizen("191212121212", "Anna")
BERTIL = citizen("199001012385", "Bertil")
CECILIA = citizen("198505059876", "Cecilia")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")
NURSE_A2 = staff("SE-S4", (UNIT_A, "nurse"), name="Sjuksköterska A2")
DOCTOR_A = staff("SE-S2", (UNIT_A, "doctor"))
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"))
TENANT = "testregion"
CLOSE = {"outcome": "advice_given", "summary": "Halsont sedan tre dagar. Råd om egenvård; hör av dig vid feber."}


def _case(api: Api, who: Any = ANNA, key: str = "key-00000001") -> str:
    return str(send_case(api, who, key=key)["case_id"])


def _directory(api: Api) -> None:
    """The staff as the region's directory knows them (hand-over checks against it; pushes find the unit's staff)."""
    for who in (NURSE_A, NURSE_A2, DOCTOR_A, NURSE_B):
        roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
        api.container.directory.put_staff(TENANT, who.subject, who.display_name, roles)


def _act(api: Api, who: Any, case_id: str, action: str, body: Any = None) -> tuple[int, Any]:
    return api.call("POST", f"/staff/cases/{case_id}/{action}", who=who, body=body)


def _queue(api: Api, who: Any = NURSE_A2) -> list[str]:
    status, queue = api.call("GET", f"/staff/queue?unit_id={UNIT_A}&profession=nurse", who=who)
    assert status == 200, queue
    return [c["case_id"] for c in queue["cases"]]


def _audit(api: Api, who: Any = ANNA) -> list[dict[str, Any]]:
    return list(api.container.audit_log.of_patient(TENANT, who.subject))


def test_a_claimed_case_leaves_everyone_elses_queue_and_a_second_claim_gets_a_clear_409(api: Api) -> None:
    case_id = _case(api)
    assert _queue(api) == [case_id]
    status, case = _act(api, NURSE_A, case_id, "claim")
    assert status == 200, case
    assert case["status"] == "claimed" and case["claimed_by"] == "SE-S1" and case["claimed_at"]
    assert case["reason"] == "Halsont" and case["message_count"] == 0
    assert _queue(api) == [] and _queue(api, NURSE_A) == []

    status, body = _act(api, NURSE_A2, case_id, "claim")
    assert status == 409
    assert body["error"]["message_sv"] == "Ärendet har redan tagits av en kollega."
    assert "colleague" in body["error"]["message"]

    # a retried claim by the claimer changes nothing
    status, again = _act(api, NURSE_A, case_id, "claim")
    assert status == 200 and again["claimed_by"] == "SE-S1" and again["claimed_at"] == case["claimed_at"]


def test_release_puts_the_case_back_in_its_place_and_only_the_claimer_may(api: Api) -> None:
    ids = [_case(api, who, key=f"key-rel-{i:04d}") for i, who in enumerate((ANNA, BERTIL, CECILIA))]
    before = _queue(api)
    assert sorted(before) == sorted(ids)
    middle = before[1]
    assert _act(api, NURSE_A, middle, "claim")[0] == 200
    assert _queue(api) == [before[0], before[2]]

    status, body = _act(api, NURSE_A2, middle, "release")
    assert status == 409 and body["error"]["message_sv"]
    status, case = _act(api, NURSE_A, middle, "release")
    assert status == 200 and case["status"] == "queued" and case["claimed_by"] is None and case["claimed_at"] is None
    assert _queue(api) == before

    # a retried release finds it queued and returns it as it is; once a colleague has it, a retry is 409
    status, again = _act(api, NURSE_A, middle, "release")
    assert status == 200 and again["status"] == "queued"
    assert _act(api, NURSE_A2, middle, "claim")[0] == 200
    status, body = _act(api, NURSE_A, middle, "release")
    assert status == 409 and "colleague" in body["error"]["message"]


def test_hand_over_to_a_colleague_at_the_unit_and_not_to_anyone_else(api: Api) -> None:
    _directory(api)
    case_id = _case(api)
    status, body = _act(api, NURSE_A, case_id, "hand-over", {"to_hsa_id": "SE-S4"})
    assert status == 409 and body["error"]["message_sv"] == "Ta ärendet först; sedan kan du lämna över det."
    assert _act(api, NURSE_A, case_id, "claim")[0] == 200

    for to in ("SE-S3", "SE-S2", "SE-NOBODY", "SE-S1"):  # another unit, another profession, unknown, oneself
        status, body = _act(api, NURSE_A, case_id, "hand-over", {"to_hsa_id": to})
        assert status == 422, to
        assert body["error"]["field"] == "to_hsa_id" and body["error"]["message_sv"]
    status, body = _act(api, NURSE_A, case_id, "hand-over", {})
    assert status == 422 and "to_hsa_id" in body["error"]["message"]

    status, case = _act(api, NURSE_A, case_id, "hand-over", {"to_hsa_id": "SE-S4"})
    assert status == 200, case
    assert case["status"] == "claimed" and case["claimed_by"] == "SE-S4" and case["handed_by"] == "SE-S1"
    # a retry of the hand-over returns the case as it is; the one who handed it can no longer act on it
    status, again = _act(api, NURSE_A, case_id, "hand-over", {"to_hsa_id": "SE-S4"})
    assert status == 200 and again["claimed_by"] == "SE-S4"
    assert _act(api, NURSE_A, case_id, "close", CLOSE)[0] == 409
    assert _act(api, NURSE_A2, case_id, "close", CLOSE)[0] == 200


def test_a_closed_case_is_closed_for_the_citizen_who_can_read_but_not_write(api: Api) -> None:
    case_id = _case(api)
    assert _act(api, NURSE_A, case_id, "close", CLOSE)[0] == 409  # take it first
    assert _act(api, NURSE_A, case_id, "claim")[0] == 200
    message = {"text": "Hej Anna, hur mår du?", "client_id": "n-1"}
    assert api.call("POST", f"/cases/{case_id}/messages", who=NURSE_A, body=message)[0] == 201

    for bad, field in (
        ({"outcome": "cured", "summary": "x"}, "outcome"),
        ({"outcome": "booked", "summary": ""}, "summary"),
        ({"outcome": "booked", "summary": "   "}, "summary"),
        ({"outcome": "booked", "summary": "x" * 4001}, "summary"),
        ({"outcome": "booked"}, "summary"),
    ):
        status, body = _act(api, NURSE_A, case_id, "close", bad)
        assert status == 422, bad
        assert field in (body["error"].get("field") or "") + body["error"]["message"], body
    assert _act(api, NURSE_A2, case_id, "close", CLOSE)[0] == 409  # not the claimer

    status, case = _act(api, NURSE_A, case_id, "close", CLOSE)
    assert status == 200, case
    assert case["status"] == "closed" and case["close_outcome"] == "advice_given" and case["closed_by"] == "SE-S1"
    assert case["close_summary"] == CLOSE["summary"] and case["closed_at"]
    assert _act(api, NURSE_A, case_id, "close", CLOSE)[0] == 200  # a retry
    status, body = _act(api, NURSE_A, case_id, "close", {**CLOSE, "outcome": "booked"})
    assert status == 409 and body["error"]["message_sv"]
    for action in ("claim", "release"):
        status, body = _act(api, NURSE_A2 if action == "claim" else NURSE_A, case_id, action)
        assert status == 409 and body["error"]["message_sv"] == "Ärendet är redan avslutat.", action

    status, seen = api.call("GET", f"/citizen/cases/{case_id}", who=ANNA)
    assert status == 200 and seen["status"] == "closed"
    status, body = api.call("POST", f"/cases/{case_id}/messages", who=ANNA, body={"text": "Tack!", "client_id": "a-1"})
    assert status == 409 and body["error"]["message_sv"]
    history = api.call("GET", f"/cases/{case_id}/messages", who=ANNA)[1]["messages"]
    assert [m["text"] for m in history] == ["Hej Anna, hur mår du?"]


def test_every_action_writes_one_audit_record_first(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    _directory(api)
    case_id = _case(api)
    steps = [
        (NURSE_A, "claim", None, "claim_case"),
        (NURSE_A, "claim", None, "claim_case"),  # a retry returns the case: still an access
        (NURSE_A, "release", None, "release_case"),
        (NURSE_A, "claim", None, "claim_case"),
        (NURSE_A, "hand-over", {"to_hsa_id": "SE-S4"}, "hand_over_case"),
        (NURSE_A2, "close", CLOSE, "close_case"),
    ]
    for who, action, body, recorded in steps:
        before = _audit(api)
        assert _act(api, who, case_id, action, body)[0] == 200, action
        new = _audit(api)[len(before) :]
        assert [(r["action"], r["actor"], r["case_id"]) for r in new] == [(recorded, who.subject, case_id)]

    # the record comes first: when it cannot be written, nothing happens to the case
    other = _case(api, BERTIL, key="key-00000002")

    def broken(**_: Any) -> None:
        raise RuntimeError("the audit table is unavailable")

    monkeypatch.setattr(api.container.audit_log, "record", broken)
    assert _act(api, NURSE_A, other, "claim")[0] == 500
    monkeypatch.undo()
    assert other in _queue(api)
    assert api.container.handling._cases.get(TENANT, other).status.value == "queued"


def test_staff_of_another_unit_get_404_on_every_action_and_other_professions_403(api: Api) -> None:
    _directory(api)
    case_id = _case(api)
    assert _act(api, NURSE_A, case_id, "claim")[0] == 200
    audit_before = len(_audit(api))
    for action, body in (("claim", None), ("release", None), ("hand-over", {"to_hsa_id": "SE-S3"}), ("close", CLOSE)):
        status, answer = _act(api, NURSE_B, case_id, action, body)
        assert status == 404, action
        assert case_id not in str(answer) and "Halsont" not in str(answer)
        assert _act(api, NURSE_B, "no-such-case", action, body)[0] == 404
        status, answer = _act(api, DOCTOR_A, case_id, action, body)
        assert status == 403 and answer["error"]["message_sv"], action
        assert _act(api, ANNA, case_id, action, body)[0] == 403  # citizens have no staff routes
    assert len(_audit(api)) == audit_before
    assert api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)[1]["claimed_by"] == "SE-S1"


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def push(self, connection_id: str, payload: dict[str, Any]) -> None:
        if self.fail:
            raise RuntimeError("the WebSocket API is down")
        self.sent.append((connection_id, payload))


def _connect(api: Api, connection_id: str, who: Any) -> None:
    from datetime import UTC, datetime

    from chalicelib.adapters.dynamo import DynamoConnections

    now = datetime.now(UTC)
    DynamoConnections().add(TENANT, connection_id, who.subject, who.kind.value, now=now, ttl_seconds=600)


def test_claim_release_and_close_are_pushed_to_the_units_nurses_and_the_patient(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    _directory(api)
    for connection_id, who in (
        ("c-nurse-a", NURSE_A),
        ("c-nurse-a2", NURSE_A2),
        ("c-doctor-a", DOCTOR_A),
        ("c-nurse-b", NURSE_B),
        ("c-anna", ANNA),
        ("c-bertil", BERTIL),
    ):
        _connect(api, connection_id, who)
    case_id = _case(api)
    recorder = Recorder()
    monkeypatch.setattr(api.container.handling, "_pusher", recorder)
    _version_before_claim = api.container.cases._cases.get(api.container.settings.tenant, case_id).version

    assert _act(api, NURSE_A, case_id, "claim")[0] == 200
    sent = dict(recorder.sent)
    assert sorted(sent) == ["c-anna", "c-nurse-a", "c-nurse-a2"]
    assert sent["c-nurse-a2"] == {
        "type": "case",
        "case": {
            "case_id": case_id,
            "status": "claimed",
            "claimed_by": "SE-S1",
            "priority": "P5",
            "profession": "nurse",
            "unit_id": UNIT_A,
            "version": sent["c-nurse-a2"]["case"]["version"],
        },
    }
    assert sent["c-nurse-a2"]["case"]["version"] > _version_before_claim
    # the citizen learns the case was taken, not by whom (the chat shows the name)
    assert sent["c-anna"] == {
        "type": "case",
        "case": {k: v for k, v in sent["c-nurse-a2"]["case"].items() if k != "claimed_by"},
    }

    recorder.sent.clear()
    assert _act(api, NURSE_A, case_id, "claim")[0] == 200  # a retry changes nothing and pushes nothing
    assert recorder.sent == []
    assert _act(api, NURSE_A, case_id, "release")[0] == 200
    assert {c: p["case"]["status"] for c, p in recorder.sent} == {
        "c-anna": "queued",
        "c-nurse-a": "queued",
        "c-nurse-a2": "queued",
    }

    # a push that fails never fails the request: the change is stored
    monkeypatch.setattr(api.container.handling, "_pusher", Recorder(fail=True))
    status, case = _act(api, NURSE_A2, case_id, "claim")
    assert status == 200 and case["claimed_by"] == "SE-S4"
