"""The REST API through Chalice's own test client, against moto in-process."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, send_case, staff

ANNA = citizen("191212121212", "Anna")
BERTIL = citizen("199001012385", "Bertil")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")
DOCTOR_A = staff("SE-S2", (UNIT_A, "doctor"))
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"))
INTAKE = {"unit_id": UNIT_A, "reason": "Halsont", "free_text": "Ont i halsen sedan tre dagar"}


def _submit(api: Api, who: Any = ANNA, key: str = "key-00000001", **body: Any) -> tuple[int, Any]:
    return 201, send_case(api, who, key=key, **body)


def test_citizen_sends_a_case_and_sees_it_in_my_cases(api: Api) -> None:
    status, case = _submit(api)
    assert status == 201
    assert case["status"] == "queued" and case["reason"] == "Halsont"
    status, mine = api.call("GET", "/citizen/cases", who=ANNA)
    assert [c["case_id"] for c in mine["cases"]] == [case["case_id"]]
    assert api.call("GET", "/citizen/cases", who=BERTIL)[1]["cases"] == []


def test_there_is_no_way_to_queue_a_case_without_the_triage(api: Api) -> None:
    status, _ = api.call("POST", "/citizen/cases", who=ANNA, body=INTAKE, headers={"Idempotency-Key": "key-0000001"})
    assert status in (404, 405)
    assert api.call("GET", "/citizen/cases", who=ANNA)[1]["cases"] == []


def test_a_triage_without_idempotency_key_says_what_to_send(api: Api) -> None:
    status, body = api.call("POST", "/citizen/triage", who=ANNA, body=INTAKE)
    assert status == 422
    assert body["error"]["field"] == "Idempotency-Key"


def test_bad_bodies_get_clear_errors_and_store_nothing(api: Api) -> None:
    cases = [
        (b"{not json", 422, "not valid JSON"),
        (b"[1, 2]", 422, "JSON object"),
        (b'{"unit_id": "SE-VC-A", "reason": ""}', 422, "reason"),
        (b'{"unit_id": "SE-VC-A", "reason": "x", "admin": true}', 422, "admin"),
        (b'{"unit_id": "nope", "reason": "Halsont"}', 422, "no unit"),
        (b'{"unit_id": "SE-VC-A", "reason": "' + b"x" * 70_000 + b'"}', 413, "at most"),
    ]
    for i, (raw, status, words) in enumerate(cases):
        got, body = api.call(
            "POST", "/citizen/triage", who=ANNA, raw=raw, headers={"Idempotency-Key": f"key-bad-{i:04d}"}
        )
        assert got == status, raw[:40]
        assert words in body["error"]["message"], body
    assert api.call("GET", "/citizen/triage", who=ANNA)[1]["drafts"] == []
    assert api.call("GET", "/citizen/cases", who=ANNA)[1]["cases"] == []


def test_no_session_is_401_and_wrong_kind_of_user_is_403(api: Api) -> None:
    assert api.call("GET", "/citizen/cases")[0] == 401
    assert api.call("GET", "/citizen/cases", headers={"Authorization": "Bearer not-a-token"})[0] == 401
    assert api.call("GET", "/citizen/cases", who=NURSE_A)[0] == 403
    assert api.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=ANNA)[0] == 403


def test_other_citizens_and_other_units_get_404_and_no_data(api: Api) -> None:
    case_id = _submit(api)[1]["case_id"]
    for who, path in [
        (BERTIL, f"/citizen/cases/{case_id}"),
        (NURSE_B, f"/staff/cases/{case_id}"),
        (BERTIL, f"/cases/{case_id}/messages"),
        (NURSE_B, f"/cases/{case_id}/messages"),
    ]:
        status, body = api.call("GET", path, who=who)
        assert status == 404
        assert "Ont i halsen" not in str(body) and case_id not in str(body)
    status, _ = api.call("POST", f"/cases/{case_id}/messages", who=NURSE_B, body={"text": "hej", "client_id": "x1"})
    assert status == 404


def test_queue_shows_the_units_cases_for_the_staff_members_profession(api: Api) -> None:
    case_id = _submit(api)[1]["case_id"]
    _submit(api, who=BERTIL, key="key-00000002", unit_id=UNIT_B)
    status, queue = api.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=NURSE_A)
    assert status == 200
    assert [c["case_id"] for c in queue["cases"]] == [case_id]
    assert queue["counts"] == {"P5": 1}
    assert "free_text" not in queue["cases"][0]
    assert api.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=DOCTOR_A)[1]["cases"] == []
    assert api.call("GET", f"/staff/queue?unit_id={UNIT_B}", who=NURSE_A)[0] == 404
    assert api.call("GET", f"/staff/queue?unit_id={UNIT_A}&profession=doctor", who=NURSE_A)[0] == 404


def test_staff_opening_a_case_is_written_to_the_access_log_first(api: Api) -> None:
    case_id = _submit(api)[1]["case_id"]
    status, case = api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)
    assert status == 200 and case["free_text"] == INTAKE["free_text"]
    log = list(api.container.audit_log.of_patient("testregion", ANNA.subject))
    assert [(r["actor"], r["action"], r["case_id"]) for r in log] == [("SE-S1", "read_case", case_id)]


def test_when_the_access_log_cannot_be_written_no_patient_data_is_returned(api: Api, aws: Any) -> None:
    case_id = _submit(api)[1]["case_id"]
    aws["dynamodb"].delete_table(TableName=aws["resources"].audit_table["TableName"])
    status, body = api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)
    assert status == 500
    assert "Ont i halsen" not in str(body)


def test_chat_between_staff_and_citizen_in_order_with_resync(api: Api) -> None:
    case_id = _submit(api)[1]["case_id"]
    status, first = api.call(
        "POST",
        f"/cases/{case_id}/messages",
        who=NURSE_A,
        body={"text": "Hej Anna, hur länge har du haft ont?", "client_id": "n-1"},
    )
    assert status == 201 and first["seq"] == 1 and first["sender_kind"] == "staff"
    status, reply = api.call(
        "POST", f"/cases/{case_id}/messages", who=ANNA, body={"text": "Tre dagar.", "client_id": "a-1"}
    )
    assert status == 201 and reply["seq"] == 2
    status, retried = api.call(
        "POST", f"/cases/{case_id}/messages", who=ANNA, body={"text": "Tre dagar.", "client_id": "a-1"}
    )
    assert status == 200 and retried["seq"] == 2
    history = api.call("GET", f"/cases/{case_id}/messages", who=ANNA)[1]["messages"]
    assert [(m["seq"], m["text"]) for m in history] == [(1, "Hej Anna, hur länge har du haft ont?"), (2, "Tre dagar.")]
    after = api.call("GET", f"/cases/{case_id}/messages?after=1", who=NURSE_A)[1]["messages"]
    assert [m["seq"] for m in after] == [2]
    assert api.call("GET", f"/cases/{case_id}/messages?after=-1", who=ANNA)[0] == 422


def test_empty_or_oversize_messages_are_refused(api: Api) -> None:
    case_id = _submit(api)[1]["case_id"]
    for text in ("", "   ", "x" * 4001):
        status, body = api.call("POST", f"/cases/{case_id}/messages", who=ANNA, body={"text": text, "client_id": "c1"})
        assert status == 422, text[:10]
        assert body["error"]["field"] == "text"
    assert api.call("GET", f"/cases/{case_id}/messages", who=ANNA)[1]["messages"] == []


def test_a_closed_case_stays_readable_but_takes_no_more_messages(api: Api) -> None:
    import dataclasses
    from datetime import UTC, datetime

    from chalicelib.domain.model import CaseStatus

    case_id = _submit(api)[1]["case_id"]
    api.call("POST", f"/cases/{case_id}/messages", who=NURSE_A, body={"text": "Hej Anna", "client_id": "n-1"})
    # Staff close a case with the staff workspace (issue 6); here the stored case is closed the way that will.
    store = api.container.triage._cases
    stored = store.get("testregion", case_id)
    closed = dataclasses.replace(stored, status=CaseStatus.CLOSED)
    store.update(closed, now=datetime.now(UTC), idempotency=("SE-S1", "close-0001", "close", {"case_id": case_id}))

    status, case = api.call("GET", f"/citizen/cases/{case_id}", who=ANNA)
    assert status == 200 and case["status"] == "closed"
    history = api.call("GET", f"/cases/{case_id}/messages", who=ANNA)[1]["messages"]
    assert [m["text"] for m in history] == ["Hej Anna"]
    status, body = api.call("POST", f"/cases/{case_id}/messages", who=ANNA, body={"text": "Tack!", "client_id": "a-1"})
    assert status == 409 and body["error"]["message"]
    assert [m["text"] for m in api.call("GET", f"/cases/{case_id}/messages", who=ANNA)[1]["messages"]] == ["Hej Anna"]


def test_the_queue_shows_each_cases_deadline_and_the_time_left(api: Api) -> None:
    case = _submit(api)[1]
    [entry] = api.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=NURSE_A)[1]["cases"]
    assert entry["case_id"] == case["case_id"] and entry["deadline"] == case["triage"]["deadline"]
    # contact anyway after self-care is P5 Avvakta: first contact within 30 days
    assert 29 * 86400 < entry["seconds_left"] <= 30 * 86400


def test_me_names_a_staff_members_hsa_id_but_never_a_citizens_identity(api: Api) -> None:
    assert api.call("GET", "/me", who=NURSE_A)[1]["hsa_id"] == "SE-S1"
    mine = api.call("GET", "/me", who=ANNA)[1]
    assert mine["hsa_id"] is None and ANNA.subject not in str(mine)


def test_the_queue_comes_a_page_at_a_time_most_urgent_first_with_the_whole_queues_counts(api: Api) -> None:
    """55 cases wait: the first page shows the 50 most urgent with the counts of all 55 and a cursor; the next page
    the other 5. Each page's cases are logged as listed when that page is shown, not before."""
    from datetime import UTC, datetime, timedelta

    from chalicelib.domain.model import Case

    adapter = api.container.cases._cases
    start = datetime.now(UTC) - timedelta(hours=2)
    for i in range(58):
        priority, profession = ("P2", "nurse") if i % 11 == 0 else ("P4", "doctor" if i % 20 == 7 else "nurse")
        case = Case.submit(
            case_id=f"case-{i:02d}",
            tenant="testregion",
            unit_id=UNIT_A,
            patient_ref=f"patient-{i:02d}",
            reason=f"Ärende {i}",
            free_text="",
            priority=priority,
            profession=profession,
            now=start + timedelta(minutes=i),
        )
        adapter.create(case, now=start, idempotency=(case.patient_ref, f"key-{i}", "h", {}))
    nurse_cases = [f"case-{i:02d}" for i in range(58) if not (i % 11 and i % 20 == 7)]
    in_order = sorted(nurse_cases, key=lambda c: (int(c[5:]) % 11 != 0, int(c[5:])))  # P2 first, then by time
    assert len(in_order) == 55

    def listed() -> set[str]:
        log = api.container.audit_log
        return {
            r["case_id"]
            for i in range(58)
            for r in log.of_patient("testregion", f"patient-{i:02d}")
            if r["action"] == "list_queue"
        }

    status, first = api.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=NURSE_A)
    assert status == 200
    assert [c["case_id"] for c in first["cases"]] == in_order[:50]
    assert first["counts"] == {"P2": 6, "P4": 49} and first["total"] == 55
    assert first["next_cursor"]
    assert listed() == set(in_order[:50])  # the 5 not shown are not logged as shown

    status, second = api.call("GET", f"/staff/queue?unit_id={UNIT_A}&cursor={first['next_cursor']}", who=NURSE_A)
    assert status == 200
    assert [c["case_id"] for c in second["cases"]] == in_order[50:]
    assert second["counts"] == first["counts"] and second["total"] == 55 and second["next_cursor"] is None
    assert listed() == set(in_order)

    status, body = api.call("GET", f"/staff/queue?unit_id={UNIT_A}&cursor=bm90LWEtY3Vyc29y", who=NURSE_A)
    assert status == 422
    assert body["error"]["code"] == "validation_failed" and body["error"]["message_sv"]


def test_the_first_page_also_brings_the_escalated_cases_it_does_not_show(api: Api) -> None:
    """52 cases wait; the one furthest down is past its deadline: the coordinator's "Eskalerade ärenden" must show it
    although the first page of 50 does not — and it is logged as listed, as everything shown is."""
    from datetime import UTC, datetime, timedelta

    from chalicelib.domain.model import Case

    adapter = api.container.cases._cases
    start = datetime.now(UTC) - timedelta(hours=2)
    for i in range(52):
        late = i == 51
        case = Case.submit(
            case_id=f"case-{i:02d}",
            tenant="testregion",
            unit_id=UNIT_A,
            patient_ref=f"patient-{i:02d}",
            reason=f"Ärende {i}",
            free_text="",
            priority="P4",
            profession="nurse",
            now=start + timedelta(minutes=i),
            triage={"deadline": (start - timedelta(minutes=5) if late else start + timedelta(days=2)).isoformat()},
        )
        adapter.create(case, now=start, idempotency=(case.patient_ref, f"key-{i}", "h", {}))

    status, first = api.call("GET", f"/staff/queue?unit_id={UNIT_A}", who=NURSE_A)
    assert status == 200 and len(first["cases"]) == 50 and first["next_cursor"]
    assert [(c["case_id"], c["escalated"]) for c in first["escalated"]] == [("case-51", True)]
    records = api.container.audit_log.of_patient("testregion", "patient-51")
    assert [r["action"] for r in records] == ["list_queue"]
    status, second = api.call("GET", f"/staff/queue?unit_id={UNIT_A}&cursor={first['next_cursor']}", who=NURSE_A)
    assert [c["case_id"] for c in second["cases"]] == ["case-50", "case-51"] and second["escalated"] == []
