"""Read receipts over the REST API: each side's mark only moves forward, is scoped like the chat, and is pushed to
the other side; and the chat's own promises around them: a retried send never duplicates, a resync after=n returns
exactly what was missed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, send_case, staff

ANNA = citizen("191212121212", "Anna")
BERTIL = citizen("199001012385", "Bertil")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")
NURSE_A2 = staff("SE-S4", (UNIT_A, "nurse"), name="Sjuksköterska A2")
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"))
TENANT = "testregion"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def push(self, connection_id: str, payload: dict[str, Any]) -> None:
        self.sent.append((connection_id, payload))

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {c: p for c, p in self.sent if p["type"] == kind}


def _connect(connection_id: str, who: Any) -> None:
    from chalicelib.adapters.dynamo import DynamoConnections

    DynamoConnections().add(TENANT, connection_id, who.subject, who.kind.value, now=datetime.now(UTC), ttl_seconds=600)


def _case(api: Api) -> str:
    return str(send_case(api, ANNA)["case_id"])


def _post(api: Api, who: Any, case_id: str, text: str, client_id: str) -> tuple[int, Any]:
    return api.call("POST", f"/cases/{case_id}/messages", who=who, body={"text": text, "client_id": client_id})


def _read(api: Api, who: Any, case_id: str, seq: Any) -> tuple[int, Any]:
    return api.call("POST", f"/cases/{case_id}/read", who=who, body={"seq": seq})


def _marks(api: Api, who: Any, case_id: str) -> dict[str, int]:
    status, body = api.call("GET", f"/cases/{case_id}/messages", who=who)
    assert status == 200, body
    return dict(body["read"])


def test_a_read_mark_only_moves_forward_and_a_retry_changes_nothing(api: Api) -> None:
    case_id = _case(api)
    for n in range(1, 4):
        assert _post(api, NURSE_A, case_id, f"Fråga {n}", f"nurse-{n}")[0] == 201
    assert _marks(api, ANNA, case_id) == {"citizen": 0, "staff": 0}

    status, body = _read(api, ANNA, case_id, 2)
    assert status == 200 and body["read"] == {"citizen": 2, "staff": 0}
    assert body["read_at"]["citizen"] and body["read_at"]["staff"] is None
    first_read_at = body["read_at"]["citizen"]
    assert _read(api, ANNA, case_id, 2) == (200, body)  # the retry
    assert _read(api, ANNA, case_id, 1)[1]["read"] == {"citizen": 2, "staff": 0}  # a late, lower mark
    assert _marks(api, NURSE_A, case_id) == {"citizen": 2, "staff": 0}

    status, body = _read(api, ANNA, case_id, 3)
    assert status == 200 and body["read"]["citizen"] == 3 and body["read_at"]["citizen"] > first_read_at


def test_any_nurse_of_the_unit_reads_for_the_unit_and_cannot_lower_a_colleagues_mark(api: Api) -> None:
    case_id = _case(api)
    for n in range(1, 4):
        _post(api, ANNA, case_id, f"Meddelande {n}", f"anna-{n}")
    assert _read(api, NURSE_A, case_id, 3)[1]["read"] == {"citizen": 0, "staff": 3}
    assert _read(api, NURSE_A2, case_id, 1)[1]["read"] == {"citizen": 0, "staff": 3}
    assert _marks(api, ANNA, case_id) == {"citizen": 0, "staff": 3}


def test_a_mark_beyond_the_last_message_or_not_a_number_gets_a_clear_422(api: Api) -> None:
    case_id = _case(api)
    _post(api, NURSE_A, case_id, "Hej", "nurse-1")
    status, body = _read(api, ANNA, case_id, 2)
    assert status == 422 and body["error"]["field"] == "seq"
    assert "1–1" in body["error"]["message"] and "1 meddelanden" in body["error"]["message_sv"]
    for bad in (-1, "2", 1.5, None):
        status, body = _read(api, ANNA, case_id, bad)
        assert status == 422 and body["error"]["field"] == "seq", bad
    assert _marks(api, ANNA, case_id) == {"citizen": 0, "staff": 0}


def test_out_of_scope_marks_answer_404_leak_nothing_and_store_nothing(api: Api) -> None:
    case_id = _case(api)
    _post(api, NURSE_A, case_id, "Hej", "nurse-1")
    for who in (BERTIL, NURSE_B):
        status, body = _read(api, who, case_id, 1)
        assert status == 404 and case_id not in str(body) and "Halsont" not in str(body)
        assert _read(api, who, "no-such-case", 1)[0] == 404
    assert _marks(api, ANNA, case_id) == {"citizen": 0, "staff": 0}


def test_a_mark_that_moves_is_pushed_to_the_other_side_and_a_retry_pushes_nothing(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    for connection_id, who in (("c-anna", ANNA), ("c-nurse-a", NURSE_A), ("c-nurse-b", NURSE_B), ("c-bertil", BERTIL)):
        _connect(connection_id, who)
    case_id = _case(api)
    assert api.call("POST", f"/staff/cases/{case_id}/claim", who=NURSE_A, body={})[0] == 200
    _post(api, ANNA, case_id, "Jag har ont i halsen", "anna-1")
    _post(api, NURSE_A, case_id, "Hur länge?", "nurse-1")
    recorder = Recorder()
    monkeypatch.setattr(api.container.chat, "_pusher", recorder)

    assert _read(api, NURSE_A, case_id, 1)[0] == 200
    pushed = recorder.of_type("read")
    assert sorted(pushed) == ["c-anna", "c-nurse-a"]  # the patient and the nurse holding it; nobody else
    assert {k: v for k, v in pushed["c-anna"].items() if k != "read_at"} == {
        "type": "read",
        "case_id": case_id,
        "side": "staff",
        "seq": 1,
    }
    assert pushed["c-anna"]["read_at"]

    recorder.sent.clear()
    assert _read(api, NURSE_A, case_id, 1)[0] == 200
    assert _read(api, NURSE_A, case_id, 0)[0] == 200
    assert recorder.sent == []

    assert _read(api, ANNA, case_id, 2)[0] == 200
    assert {c: (p["side"], p["seq"]) for c, p in recorder.of_type("read").items()} == {
        "c-anna": ("citizen", 2),
        "c-nurse-a": ("citizen", 2),
    }


def test_a_retried_send_is_stored_once_and_a_resync_after_n_returns_exactly_the_missed_messages(api: Api) -> None:
    case_id = _case(api)
    status, first = _post(api, ANNA, case_id, "Hej!", "same-client-id")
    assert status == 201 and first["seq"] == 1
    status, again = _post(api, ANNA, case_id, "Hej!", "same-client-id")  # the network dropped the answer
    assert status == 200 and again == first
    for n in range(2, 6):
        _post(api, NURSE_A if n % 2 else ANNA, case_id, f"Meddelande {n}", f"id-{n}")

    status, body = api.call("GET", f"/cases/{case_id}/messages?after=2", who=ANNA)
    assert status == 200
    assert [(m["seq"], m["text"]) for m in body["messages"]] == [
        (3, "Meddelande 3"),
        (4, "Meddelande 4"),
        (5, "Meddelande 5"),
    ]
    assert api.call("GET", f"/cases/{case_id}/messages?after=5", who=NURSE_A)[1]["messages"] == []
    all_seqs = [m["seq"] for m in api.call("GET", f"/cases/{case_id}/messages", who=ANNA)[1]["messages"]]
    assert all_seqs == [1, 2, 3, 4, 5]
    assert api.call("GET", f"/cases/{case_id}/messages?after=x", who=ANNA)[0] == 422


def test_a_late_lower_write_never_lowers_a_stored_mark(api: Api) -> None:
    """The adapter's conditional write, as two racing requests would meet it: the lower one loses, silently."""
    from chalicelib.adapters.reads import DynamoReads

    reads = DynamoReads()
    now = datetime.now(UTC)
    assert reads.advance(TENANT, "case-1", "staff", 5, by="SE-S1", at=now) is True
    assert reads.advance(TENANT, "case-1", "staff", 3, by="SE-S4", at=now) is False
    assert reads.advance(TENANT, "case-1", "staff", 5, by="SE-S4", at=now) is False
    marks = reads.of_case(TENANT, "case-1")
    assert (marks["staff"].seq, marks["citizen"].seq) == (5, 0)
    assert reads.of_case(TENANT, "case-2")["staff"].seq == 0  # marks are per case


def test_a_message_reaches_the_other_side_before_the_senders_own_tabs_and_a_retry_is_not_pushed_again(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The citizen waiting for the nurse's answer gets it first; the nurse's own other tabs (which the sending tab
    does not need) last. A retry of the same message (same client id) answers it again without a second push."""
    for connection_id, who in (("c-nurse-a", NURSE_A), ("c-anna", ANNA), ("c-nurse-a2", NURSE_A2)):
        _connect(connection_id, who)
    case_id = _case(api)
    recorder = Recorder()
    monkeypatch.setattr(api.container.chat, "_pusher", recorder)

    status, first = _post(api, NURSE_A, case_id, "Hur länge har du haft ont?", "nurse-1")
    assert status == 201
    assert [c for c, p in recorder.sent if p["type"] == "message"] == ["c-anna", "c-nurse-a"]  # not NURSE_A2
    assert recorder.sent[0][1]["message"]["text"] == "Hur länge har du haft ont?"

    recorder.sent.clear()
    status, again = _post(api, NURSE_A, case_id, "Hur länge har du haft ont?", "nurse-1")
    assert status == 200 and again["seq"] == first["seq"] == 1
    assert recorder.sent == []
    assert [m["seq"] for m in api.call("GET", f"/cases/{case_id}/messages", who=ANNA)[1]["messages"]] == [1]
