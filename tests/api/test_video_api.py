"""Video meetings over the REST API and the WebSocket relay: start and end, scope, the case timeline, signalling
only between the participants of one meeting, and the interpreter's one-time link."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.adapters.video import VideoMeetingItem, meeting_pk
from chalicelib.domain.errors import Unauthenticated
from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, send_case, staff

ANNA = citizen("191212121212", "Anna")
BERTIL = citizen("199001012385", "Bertil")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Sjuksköterska A")
NURSE_A2 = staff("SE-S4", (UNIT_A, "nurse"), name="Sjuksköterska A2")
DOCTOR_A = staff("SE-S2", (UNIT_A, "doctor"))
NURSE_B = staff("SE-S3", (UNIT_B, "nurse"))
TENANT = "testregion"


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def push(self, connection_id: str, payload: dict[str, Any]) -> None:
        self.sent.append((connection_id, payload))

    def to(self, connection_id: str) -> list[dict[str, Any]]:
        return [p for c, p in self.sent if c == connection_id]


@pytest.fixture
def pushed(api: Api, monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(api.container.video, "_pusher", recorder)
    for who in (NURSE_A, NURSE_A2, DOCTOR_A, NURSE_B):
        roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
        api.container.directory.put_staff(TENANT, who.subject, who.display_name, roles)
    return recorder


def _connect(api: Api, connection_id: str, who: Any) -> str:
    api.container.realtime._connections.add(
        TENANT, connection_id, who.subject, who.kind.value, now=bootstrap.utc_now(), ttl_seconds=600
    )
    return connection_id


def _start(api: Api, case_id: str, who: Any = NURSE_A) -> tuple[int, Any]:
    return api.call("POST", f"/staff/cases/{case_id}/video", who=who)


def _case(api: Api) -> str:
    return str(send_case(api, ANNA)["case_id"])


def test_staff_start_a_meeting_and_the_patient_gets_a_join_prompt(api: Api, pushed: Recorder) -> None:
    case_id = _case(api)
    _connect(api, "anna-phone", ANNA)
    status, meeting = _start(api, case_id)
    assert status == 201, meeting
    assert meeting["state"] == "started" and meeting["case_id"] == case_id
    assert meeting["started_by_name"] == "Sjuksköterska A"
    prompt = {"type": "video", "case_id": case_id, "meeting_id": meeting["meeting_id"], "state": "started"}
    assert pushed.to("anna-phone") == [prompt]

    status, live = api.call("GET", f"/citizen/cases/{case_id}/video", who=ANNA)
    assert status == 200 and live["meeting"]["meeting_id"] == meeting["meeting_id"]
    # starting again (a retry, or a colleague) gives the live meeting, not a second one
    status, again = _start(api, case_id, NURSE_A2)
    assert status == 201 and again["meeting_id"] == meeting["meeting_id"]


def test_ending_the_meeting_removes_the_prompt_and_a_retried_end_changes_nothing(api: Api, pushed: Recorder) -> None:
    case_id = _case(api)
    meeting_id = _start(api, case_id)[1]["meeting_id"]
    _connect(api, "anna-phone", ANNA)
    status, ended = api.call("POST", f"/staff/cases/{case_id}/video/{meeting_id}/end", who=NURSE_A)
    assert status == 200 and ended["state"] == "ended" and ended["ended_at"]
    assert pushed.to("anna-phone")[-1]["state"] == "ended"
    assert api.call("GET", f"/citizen/cases/{case_id}/video", who=ANNA) == (200, {"meeting": None})
    status, again = api.call("POST", f"/staff/cases/{case_id}/video/{meeting_id}/end", who=NURSE_A)
    assert status == 200 and again["ended_at"] == ended["ended_at"]
    # the case can have a new meeting afterwards
    status, second = _start(api, case_id)
    assert status == 201 and second["meeting_id"] != meeting_id


def test_out_of_scope_staff_get_404_other_professions_403_and_other_citizens_404(api: Api, pushed: Recorder) -> None:
    case_id = _case(api)
    status, body = _start(api, case_id, NURSE_B)
    assert status == 404 and body["error"]["message_sv"] == "Ärendet finns inte."
    status, body = _start(api, case_id, DOCTOR_A)
    assert status == 403 and body["error"]["message_sv"]
    meeting_id = _start(api, case_id)[1]["meeting_id"]
    assert api.call("GET", f"/citizen/cases/{case_id}/video", who=BERTIL)[0] == 404
    assert api.call("POST", f"/staff/cases/{case_id}/video/{meeting_id}/end", who=NURSE_B)[0] == 404
    invite = f"/staff/cases/{case_id}/video/{meeting_id}/interpreter"
    assert api.call("POST", invite, who=NURSE_B, headers={"Idempotency-Key": "invite-by-b"})[0] == 404
    assert api.call("GET", f"/citizen/cases/{case_id}/video", who=NURSE_A)[0] == 403  # citizens' route
    other_case = str(send_case(api, BERTIL, key="case-key-bertil")["case_id"])
    # a meeting id under another case's path is not found
    assert api.call("POST", f"/staff/cases/{other_case}/video/{meeting_id}/end", who=NURSE_A)[0] == 404


def test_starting_and_ending_are_audited_and_shown_in_the_case_timeline(api: Api, pushed: Recorder) -> None:
    case_id = _case(api)
    meeting_id = _start(api, case_id)[1]["meeting_id"]
    item = VideoMeetingItem.get(meeting_pk(TENANT, meeting_id), "MEETING")
    started_image = item.serialize()
    api.call("POST", f"/staff/cases/{case_id}/video/{meeting_id}/end", who=NURSE_A)
    ended_image = VideoMeetingItem.get(meeting_pk(TENANT, meeting_id), "MEETING").serialize()
    # the table's stream delivers both changes; the event consumer writes the timeline
    records = [
        {"eventID": "ev-1", "eventName": "INSERT", "dynamodb": {"NewImage": started_image}},
        {"eventID": "ev-2", "eventName": "MODIFY", "dynamodb": {"OldImage": started_image, "NewImage": ended_image}},
    ]
    for event in api.container.events.on_stream_records(records):
        api.container.events.record_on_timeline(event)
    status, case = api.call("GET", f"/staff/cases/{case_id}", who=NURSE_A)
    assert status == 200
    video = [e for e in case["timeline"] if e["type"].startswith("Video")]
    assert [e["type"] for e in video] == ["VideoStarted", "VideoEnded"]
    assert video[0]["data"]["meeting_id"] == meeting_id
    actions = [r["action"] for r in api.container.audit_log.of_patient(TENANT, ANNA.subject)]
    assert "start_video" in actions and "end_video" in actions


def _signal(api: Api, connection_id: str, meeting_id: str, kind: str, to: str | None = None) -> list[str]:
    body: dict[str, Any] = {"action": "signal", "meeting_id": meeting_id, "kind": kind, "data": {"sdp": "v=0"}}
    if to:
        body["to"] = to
    return list(api.container.video.signal(connection_id, body))


def test_signals_are_relayed_only_between_the_participants_of_that_meeting(api: Api, pushed: Recorder) -> None:
    case_id = _case(api)
    meeting_id = _start(api, case_id)[1]["meeting_id"]
    other_case = str(send_case(api, BERTIL, key="case-key-bertil")["case_id"])
    other_meeting = _start(api, other_case)[1]["meeting_id"]
    anna, nurse = _connect(api, "c-anna", ANNA), _connect(api, "c-nurse", NURSE_A)
    bertil, nurse_b = _connect(api, "c-bertil", BERTIL), _connect(api, "c-nurse-b", NURSE_B)
    doctor = _connect(api, "c-doctor", DOCTOR_A)

    assert _signal(api, nurse, meeting_id, "hello") == []  # first in: nobody to tell yet
    assert _signal(api, anna, meeting_id, "hello") == [nurse]
    assert pushed.to(nurse)[-1]["kind"] == "hello" and pushed.to(nurse)[-1]["from"] == anna
    assert pushed.to(nurse)[-1]["from_kind"] == "citizen"
    assert _signal(api, nurse, meeting_id, "offer", to=anna) == [anna]
    assert pushed.to(anna)[-1]["kind"] == "offer" and pushed.to(anna)[-1]["data"] == {"sdp": "v=0"}

    # another citizen, staff of another unit, and staff of another profession cannot join or send
    for outsider in (bertil, nurse_b, doctor):
        assert _signal(api, outsider, meeting_id, "hello") == []
        assert _signal(api, outsider, meeting_id, "candidate", to=anna) == []
        assert pushed.to(outsider)[-1]["type"] == "video_error"
    assert pushed.to(bertil)[-1]["message_sv"] == "Videomötet finns inte."
    # a participant of this meeting cannot reach into another meeting or address someone outside this one
    assert _signal(api, anna, other_meeting, "candidate", to=bertil) == []
    assert _signal(api, nurse, meeting_id, "offer", to=bertil) == []
    assert pushed.to(bertil) and all(p["type"] == "video_error" for p in pushed.to(bertil))
    assert not any(p["type"] == "signal" for c in (bertil, nurse_b, doctor) for p in pushed.to(c))
    # unknown meeting: an error frame to the sender only
    before = len(pushed.sent)
    assert _signal(api, anna, "no-such-meeting", "hello") == []
    assert [c for c, _ in pushed.sent[before:]] == [anna]

    # after the end nothing is relayed
    api.call("POST", f"/staff/cases/{case_id}/video/{meeting_id}/end", who=NURSE_A)
    assert _signal(api, nurse, meeting_id, "candidate", to=anna) == []
    assert pushed.to(nurse)[-1]["type"] == "video_error"


def _invite(api: Api, case_id: str, meeting_id: str, key: str = "") -> str:
    headers = {"Idempotency-Key": key or f"invite-{uuid.uuid4().hex}"}
    path = f"/staff/cases/{case_id}/video/{meeting_id}/interpreter"
    status, invite = api.call("POST", path, who=NURSE_A, headers=headers)
    assert status == 201, invite
    assert "/shared/interpreter.html#" in invite["url"]
    return str(invite["url"].split("#", 1)[1])


def test_an_interpreter_link_works_once_and_reaches_that_meeting_only(api: Api, pushed: Recorder) -> None:
    case_id = _case(api)
    meeting_id = _start(api, case_id)[1]["meeting_id"]
    token = _invite(api, case_id, meeting_id)
    status, session = api.call("POST", "/video/interpreter/session", body={"token": token})
    assert status == 201 and session["meeting_id"] == meeting_id
    status, refused = api.call("POST", "/video/interpreter/session", body={"token": token})
    assert status == 404 and "använts" in refused["error"]["message_sv"]

    status, ticket = api.call(
        "POST", "/video/interpreter/ws-ticket", headers={"X-Interpreter-Session": session["session"]}
    )
    assert status == 201 and ticket["ticket"].startswith("tolk.") and ticket["meeting_id"] == meeting_id
    api.container.video.connect_interpreter("c-tolk", ticket["ticket"])
    with pytest.raises(Unauthenticated):  # the ticket works once
        api.container.video.connect_interpreter("c-tolk-2", ticket["ticket"])
    anna = _connect(api, "c-anna", ANNA)
    _signal(api, anna, meeting_id, "hello")
    assert _signal(api, "c-tolk", meeting_id, "hello") == [anna]
    assert pushed.to(anna)[-1]["from_kind"] == "interpreter"

    # the interpreter's session is no login: no case data, no chat
    auth = {"Authorization": f"Bearer {session['session']}"}
    assert api.call("GET", f"/citizen/cases/{case_id}", headers=auth)[0] == 401
    assert api.call("GET", f"/cases/{case_id}/messages", headers=auth)[0] == 401
    # nor another meeting
    other_case = str(send_case(api, BERTIL, key="case-key-bertil")["case_id"])
    other_meeting = _start(api, other_case)[1]["meeting_id"]
    bertil = _connect(api, "c-bertil", BERTIL)
    _signal(api, bertil, other_meeting, "hello")
    assert _signal(api, "c-tolk", other_meeting, "hello") == []
    assert not any(p["type"] == "signal" for p in pushed.to(bertil))

    # when the meeting ends the session stops working
    api.call("POST", f"/staff/cases/{case_id}/video/{meeting_id}/end", who=NURSE_A)
    status, _ = api.call("POST", "/video/interpreter/ws-ticket", headers={"X-Interpreter-Session": session["session"]})
    assert status == 404


def test_an_expired_interpreter_link_or_one_for_an_ended_meeting_is_refused(
    api: Api, pushed: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = _case(api)
    meeting_id = _start(api, case_id)[1]["meeting_id"]
    late = _invite(api, case_id, meeting_id)
    later = bootstrap.utc_now() + timedelta(hours=5)
    monkeypatch.setattr(api.container.video, "_clock", lambda: later)
    status, refused = api.call("POST", "/video/interpreter/session", body={"token": late})
    assert status == 404 and refused["error"]["message_sv"]
    monkeypatch.undo()
    monkeypatch.setattr(api.container.video, "_pusher", pushed)

    after_end = _invite(api, case_id, meeting_id)
    api.call("POST", f"/staff/cases/{case_id}/video/{meeting_id}/end", who=NURSE_A)
    assert api.call("POST", "/video/interpreter/session", body={"token": after_end})[0] == 404
    assert api.call("POST", "/video/interpreter/session", body={"token": "made-up"})[0] == 404
    path = f"/staff/cases/{case_id}/video/{meeting_id}/interpreter"
    status, _ = api.call("POST", path, who=NURSE_A, headers={"Idempotency-Key": "invite-after-end"})
    assert status == 409  # no invitations to an ended meeting


def test_a_retried_invitation_answers_the_same_link_and_a_used_link_is_never_made_new(api: Api) -> None:
    case_id = _case(api)
    meeting_id = _start(api, case_id)[1]["meeting_id"]
    first = _invite(api, case_id, meeting_id, key="invite-retry-1")
    assert _invite(api, case_id, meeting_id, key="invite-retry-1") == first  # the retry: one link, not two
    assert api.call("POST", "/video/interpreter/session", body={"token": first})[0] == 201
    # a late retry of the same request gives the same, now used, link: it does not open the meeting again
    assert _invite(api, case_id, meeting_id, key="invite-retry-1") == first
    assert api.call("POST", "/video/interpreter/session", body={"token": first})[0] == 404
    # a new click (a new key) makes a new link, e.g. for a second interpreter
    second = _invite(api, case_id, meeting_id, key="invite-retry-2")
    assert second != first
    assert api.call("POST", "/video/interpreter/session", body={"token": second})[0] == 201
    path = f"/staff/cases/{case_id}/video/{meeting_id}/interpreter"
    status, body = api.call("POST", path, who=NURSE_A)
    assert status == 422 and "Idempotency-Key" in body["error"]["message"]


def test_ice_servers_come_from_the_region_with_short_lived_turn_credentials(api: Api) -> None:
    assert api.call("GET", "/video/ice-servers", who=ANNA) == (200, {"ice_servers": []})
    # the TURN server's shared secret is in Secrets Manager under the data stack's name, never in the table
    turn_secret = "s3cret-shared-with-coturn"
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=f"nara/{TENANT}/turn/shared_secret", SecretString=turn_secret)
    api.container.directory.put_region(
        TENANT,
        {
            "video": {
                "stun_urls": ["stun:turn.example.se:3478"],
                "turn": {"urls": ["turn:turn.example.se:3478?transport=udp"]},
            }
        },
    )
    status, body = api.call("GET", "/video/ice-servers", who=NURSE_A)
    assert status == 200
    stun, turn = body["ice_servers"]
    assert stun == {"urls": ["stun:turn.example.se:3478"], "username": None, "credential": None}
    expires = int(turn["username"].split(":")[0])
    assert 0 < expires - bootstrap.utc_now().timestamp() <= 2 * 3600 + 5
    assert turn["urls"] == ["turn:turn.example.se:3478?transport=udp"]
    username = turn["username"].encode()
    expected = base64.b64encode(hmac.new(turn_secret.encode(), username, hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected and turn_secret not in str(body)
    assert api.call("GET", "/video/ice-servers")[0] == 401
