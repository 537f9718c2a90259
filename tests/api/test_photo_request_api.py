"""Asking for a photo from the chat, and the citizen sending one to the open case: the request is a chat message,
the upload goes through the same presigned-POST and re-encoding as the triage's photos and appears in the chat as a
photo message; at most five photos per case in all, also when requests race; out of scope is 404 and unlogged.
Runs against the embedded AWS server (real uploads to its S3)."""

from __future__ import annotations

import io
import threading
from typing import Any

import httpx
import pytest
from PIL import Image

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.model import Principal
from tests.api.conftest import UNIT_A, Api, People, send_case
from tests.api.test_triage_api import COLD_ADULT, _walk

DEFAULT_REQUEST = "Kan du skicka en bild? Använd knappen Skicka bild nedan."


@pytest.fixture
def api(server_api: Api) -> Api:
    """These tests upload to S3 and race threads: the embedded AWS server."""
    return server_api


def _jpeg(width: int = 400, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 100)).save(out, "JPEG")
    return out.getvalue()


def _ask(api: Api, who: Principal, case_id: str, client_id: str = "ask-0001", **body: Any) -> tuple[int, Any]:
    return api.call("POST", f"/staff/cases/{case_id}/photo-request", who=who, body={"client_id": client_id, **body})


def _slot(api: Api, who: Principal, case_id: str, size: int = 1000) -> tuple[int, Any]:
    body = {"content_type": "image/jpeg", "size": size}
    return api.call("POST", f"/citizen/cases/{case_id}/photos", who=who, body=body)


def _upload(slot: dict[str, Any], data: bytes) -> None:
    form = slot["upload"]
    sent = httpx.post(form["url"], data=form["fields"], files={"file": ("photo", data, "image/jpeg")}, timeout=10)
    assert sent.is_success, sent.text


def _send_photo(api: Api, who: Principal, case_id: str, data: bytes) -> tuple[int, Any]:
    status, slot = _slot(api, who, case_id, len(data))
    assert status == 201, slot
    _upload(slot, data)
    return api.call("POST", f"/citizen/cases/{case_id}/photos/{slot['photo_id']}/complete", who=who)


def _messages(api: Api, who: Principal, case_id: str) -> list[dict[str, Any]]:
    status, body = api.call("GET", f"/cases/{case_id}/messages", who=who)
    assert status == 200, body
    return list(body["messages"])


def _audit(api: Api, who: Principal) -> list[tuple[str, str]]:
    return [(r["actor"], r["action"]) for r in api.container.audit_log.of_patient(who.tenant, who.subject)]


def _case_with_intake_photos(api: Api, who: Principal, n: int, key: str) -> str:
    """A case whose triage had ``n`` photos attached before it was sent."""
    body = {"unit_id": UNIT_A, "reason": "Utslag", "free_text": "Röda prickar på armen"}
    status, draft = api.call("POST", "/citizen/triage", who=who, body=body, headers={"Idempotency-Key": key})
    assert status == 201, draft
    base = f"/citizen/triage/{draft['draft_id']}/photos"
    for _ in range(n):
        data = _jpeg()
        status, slot = api.call("POST", base, who=who, body={"content_type": "image/jpeg", "size": len(data)})
        assert status == 201, slot
        _upload(slot, data)
        assert api.call("POST", f"{base}/{slot['photo_id']}/complete", who=who)[0] == 200
    _walk(api, draft, COLD_ADULT, who=who)
    submit = {"choose_contact": True}
    status, case = api.call("POST", f"/citizen/triage/{draft['draft_id']}/submit", who=who, body=submit)
    assert status == 201, case
    return str(case["case_id"])


def test_a_nurse_asks_for_a_photo_and_it_is_a_chat_message_sent_once(api: Api, people: People) -> None:
    case_id = str(send_case(api, people.anna)["case_id"])
    status, asked = _ask(api, people.nurse_a, case_id)
    assert status == 201, asked
    assert (asked["kind"], asked["text"], asked["sender_kind"], asked["seq"]) == (
        "photo_request",
        DEFAULT_REQUEST,
        "staff",
        1,
    )
    assert _ask(api, people.nurse_a, case_id) == (200, asked)  # the retry: no second request
    own = _ask(api, people.nurse_a, case_id, client_id="ask-0002", text="En bild på utslaget i dagsljus, tack.")
    assert own[0] == 201 and own[1]["text"] == "En bild på utslaget i dagsljus, tack."
    seen = _messages(api, people.anna, case_id)
    assert [(m["seq"], m["kind"]) for m in seen] == [(1, "photo_request"), (2, "photo_request")]
    assert ("SE-S1", "request_photo") in _audit(api, people.anna)


def test_only_staff_who_may_handle_the_case_can_ask_and_other_units_get_404(api: Api, people: People) -> None:
    case_id = str(send_case(api, people.anna)["case_id"])
    status, body = _ask(api, people.nurse_b, case_id)
    assert status == 404 and case_id not in str(body)
    status, body = _ask(api, people.doctor_a, case_id)  # the case is for a nurse
    assert status == 403 and body["error"]["message_sv"]
    assert _ask(api, people.anna, case_id)[0] == 403  # a citizen has no staff routes
    status, body = _ask(api, people.nurse_a, case_id, text="x" * 4001)
    assert status == 422 and body["error"]["field"] == "text"
    assert _messages(api, people.anna, case_id) == []
    assert _audit(api, people.anna) == []


def test_the_citizen_sends_a_photo_to_the_case_and_staff_see_it_in_the_chat(api: Api, people: People) -> None:
    case_id = str(send_case(api, people.anna)["case_id"])
    _ask(api, people.nurse_a, case_id)
    status, photo = _send_photo(api, people.anna, case_id, _jpeg(640, 480))
    assert status == 200, photo
    assert (photo["width"], photo["height"]) == (640, 480)

    seen = _messages(api, people.nurse_a, case_id)
    assert [(m["kind"], m["sender_kind"], m["photo_id"]) for m in seen] == [
        ("photo_request", "staff", None),
        ("photo", "citizen", photo["photo_id"]),
    ]
    # a retried complete returns the same photo and posts nothing new
    again = api.call("POST", f"/citizen/cases/{case_id}/photos/{photo['photo_id']}/complete", who=people.anna)
    assert again[0] == 200 and again[1]["photo_id"] == photo["photo_id"]
    assert len(_messages(api, people.anna, case_id)) == 2

    # the chat's thumbnail: one photo, for staff after the access record
    before = _audit(api, people.anna)
    status, one = api.call("GET", f"/staff/cases/{case_id}/photos/{photo['photo_id']}", who=people.nurse_a)
    assert status == 200 and one["photo_id"] == photo["photo_id"]
    assert _audit(api, people.anna)[len(before) :] == [("SE-S1", "read_photo")]
    thumb = httpx.get(one["thumbnail_url"], timeout=10)
    assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).size == (320, 240)
    mine = api.call("GET", f"/citizen/cases/{case_id}/photos/{photo['photo_id']}", who=people.anna)
    assert mine[0] == 200 and mine[1]["url"]
    listed = api.call("GET", f"/staff/cases/{case_id}/photos", who=people.nurse_a)[1]["photos"]
    assert [p["photo_id"] for p in listed] == [photo["photo_id"]]


def test_photos_of_the_case_are_out_of_reach_for_other_people_and_units(api: Api, people: People) -> None:
    case_id = str(send_case(api, people.anna)["case_id"])
    photo = _send_photo(api, people.anna, case_id, _jpeg())[1]
    path = f"/staff/cases/{case_id}/photos/{photo['photo_id']}"
    before = _audit(api, people.anna)
    status, body = api.call("GET", path, who=people.nurse_b)
    assert status == 404 and "amazonaws" not in str(body) and photo["photo_id"] not in str(body)
    assert _audit(api, people.anna) == before  # nothing was read, nothing is logged
    assert api.call("GET", f"/citizen/cases/{case_id}/photos/{photo['photo_id']}", who=people.bertil)[0] == 404
    assert _slot(api, people.bertil, case_id)[0] == 404
    bertil_complete = f"/citizen/cases/{case_id}/photos/{photo['photo_id']}/complete"
    assert api.call("POST", bertil_complete, who=people.bertil)[0] == 404
    assert api.call("GET", f"/staff/cases/{case_id}/photos/no-such-photo", who=people.nurse_a)[0] == 404
    assert _slot(api, people.nurse_a, case_id)[0] == 403


def test_a_case_has_at_most_five_photos_with_the_triages_included(api: Api, people: People) -> None:
    case_id = _case_with_intake_photos(api, people.anna, 2, key="limit-case-0001")
    assert len(api.call("GET", f"/citizen/cases/{case_id}/photos", who=people.anna)[1]["photos"]) == 2
    assert _send_photo(api, people.anna, case_id, _jpeg())[0] == 200
    assert [_slot(api, people.anna, case_id)[0] for _ in range(2)] == [201, 201]  # uploads in progress count
    status, body = _slot(api, people.anna, case_id)
    assert status == 422 and body["error"]["field"] == "photos"
    assert "at most 5" in body["error"]["message"] and "högst 5" in body["error"]["message_sv"]
    photos = api.call("GET", f"/staff/cases/{case_id}/photos", who=people.nurse_a)[1]["photos"]
    assert len(photos) == 3
    # only the photo sent from the chat is a chat message; the triage's photos are shown with the case
    assert [m["kind"] for m in _messages(api, people.anna, case_id)] == ["photo"]


def test_of_parallel_requests_for_a_cases_last_place_exactly_one_gets_it(api: Api, people: People) -> None:
    service = api.container.photos
    case_id = _case_with_intake_photos(api, people.anna, 1, key="race-case-0001")
    for _ in range(3):
        service.request_case_upload(people.anna, case_id, content_type="image/jpeg", size=1000)
    results: list[Any] = []

    def request() -> None:
        try:
            results.append(service.request_case_upload(people.anna, case_id, content_type="image/jpeg", size=1000))
        except Exception as error:  # collected and asserted below
            results.append(error)

    threads = [threading.Thread(target=request) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(results) == 3 and len(refused) == 2, results
    assert all(isinstance(r, ValidationFailed) and r.field == "photos" for r in refused)


def test_no_photo_can_be_added_to_a_closed_case(api: Api, people: People) -> None:
    case_id = str(send_case(api, people.anna)["case_id"])
    status, slot = _slot(api, people.anna, case_id)
    assert status == 201
    assert api.call("POST", f"/staff/cases/{case_id}/claim", who=people.nurse_a, body={})[0] == 200
    close = {"outcome": "advice_given", "summary": "Utslag, råd om egenvård."}
    assert api.call("POST", f"/staff/cases/{case_id}/close", who=people.nurse_a, body=close)[0] == 200
    status, body = _slot(api, people.anna, case_id)
    assert status == 409 and "avslutat" in body["error"]["message_sv"]
    _upload(slot, _jpeg())
    status, body = api.call("POST", f"/citizen/cases/{case_id}/photos/{slot['photo_id']}/complete", who=people.anna)
    assert status == 409
    assert api.call("GET", f"/citizen/cases/{case_id}/photos", who=people.anna)[1]["photos"] == []
