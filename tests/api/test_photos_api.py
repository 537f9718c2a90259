"""Photos on a triage draft over the REST API, with real uploads: the app runs in Chalice's test client against the
embedded AWS server (moto over HTTP), and the files go to its S3 as a browser's multipart POST would."""

from __future__ import annotations

import dataclasses
import io
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pillow_heif
import pytest
from PIL import Image

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.model import Principal, Ward
from chalicelib.services.photos import PhotoService
from tests.api.conftest import UNIT_A, Api, People
from tests.api.test_triage_api import COLD_ADULT, _walk

MB = 1024 * 1024
GPS_IFD = 0x8825


@pytest.fixture
def api(server_api: Api) -> Api:
    """These tests upload to S3 and race threads: the embedded AWS server."""
    return server_api


def _draft(api: Api, who: Principal, key: str = "photo-draft-0001") -> str:
    body = {"unit_id": UNIT_A, "reason": "Utslag", "free_text": "Röda prickar på armen"}
    status, draft = api.call("POST", "/citizen/triage", who=who, body=body, headers={"Idempotency-Key": key})
    assert status == 201, draft
    return str(draft["draft_id"])


def _phone_jpeg(width: int = 640, height: int = 480) -> bytes:
    image = Image.new("RGB", (width, height), (200, 120, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone turned
    exif[GPS_IFD] = {1: "N", 2: (57.0, 46.0, 52.0), 3: "E", 4: (14.0, 9.0, 41.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _slot(api: Api, who: Principal, draft_id: str, content_type: str = "image/jpeg", size: int = 1000) -> Any:
    return api.call(
        "POST", f"/citizen/triage/{draft_id}/photos", who=who, body={"content_type": content_type, "size": size}
    )


def _upload(slot: dict[str, Any], data: bytes, content_type: str = "image/jpeg") -> httpx.Response:
    """What the browser does: a multipart form with every field of the presigned POST, then the file."""
    form = slot["upload"]
    return httpx.post(form["url"], data=form["fields"], files={"file": ("photo", data, content_type)}, timeout=10)


def _add_photo(api: Api, who: Principal, draft_id: str, data: bytes, content_type: str = "image/jpeg") -> Any:
    status, slot = _slot(api, who, draft_id, content_type, len(data))
    assert status == 201, slot
    assert _upload(slot, data, content_type).is_success
    return api.call("POST", f"/citizen/triage/{draft_id}/photos/{slot['photo_id']}/complete", who=who)


def _photos(api: Api, who: Principal, draft_id: str) -> list[dict[str, Any]]:
    status, body = api.call("GET", f"/citizen/triage/{draft_id}/photos", who=who)
    assert status == 200, body
    return list(body["photos"])


def _objects(api: Api) -> list[str]:
    import boto3

    settings = api.container.settings
    s3 = boto3.client("s3", region_name=settings.region, endpoint_url=settings.aws_endpoint)
    listed = s3.list_objects_v2(Bucket=settings.photo_bucket)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def _send(api: Api, who: Principal, draft_id: str) -> str:
    """Answer the triage as a cold, ask for contact anyway, send it: the case names the draft and the draft is sent."""
    status, draft = api.call("GET", f"/citizen/triage/{draft_id}", who=who)
    assert status == 200, draft
    _walk(api, draft, COLD_ADULT, who=who)
    status, case = api.call("POST", f"/citizen/triage/{draft_id}/submit", who=who, body={"choose_contact": True})
    assert status == 201 and case["status"] == "queued", case
    return str(case["case_id"])


def test_a_phone_photo_is_validated_attached_and_shown_upright_without_its_location(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    original = _phone_jpeg()
    status, slot = _slot(api, people.anna, draft_id, size=len(original))
    assert status == 201
    assert slot["max_bytes"] == 10 * MB and 0 < slot["expires_in"] <= 900
    assert slot["upload"]["fields"]["key"] == f"{people.anna.tenant}/uploads/{draft_id}/{slot['photo_id']}"
    assert _upload(slot, original).status_code in (200, 201, 204)

    status, photo = api.call("POST", f"/citizen/triage/{draft_id}/photos/{slot['photo_id']}/complete", who=people.anna)
    assert status == 200, photo
    assert (photo["photo_id"], photo["width"], photo["height"]) == (slot["photo_id"], 480, 640)  # upright
    assert [p["photo_id"] for p in _photos(api, people.anna, draft_id)] == [photo["photo_id"]]

    thumb = httpx.get(photo["thumbnail_url"], timeout=10)
    assert thumb.status_code == 200
    shown = Image.open(io.BytesIO(thumb.content))
    assert shown.format == "JPEG" and max(shown.size) <= 320 and shown.size == (240, 320)
    assert not shown.getexif() and b"Exif" not in thumb.content
    full = httpx.get(photo["url"], timeout=10)
    assert full.status_code == 200 and b"Exif" not in full.content
    assert Image.open(io.BytesIO(full.content)).size == (480, 640)

    # The upload with its GPS position is gone; only the re-encoded photo and thumbnail are kept.
    assert all("/uploads/" not in key for key in _objects(api)) and len(_objects(api)) == 2

    again = api.call("POST", f"/citizen/triage/{draft_id}/photos/{slot['photo_id']}/complete", who=people.anna)
    assert again[0] == 200 and {k: again[1][k] for k in ("photo_id", "uploaded_at", "width")} == {
        k: photo[k] for k in ("photo_id", "uploaded_at", "width")
    }
    assert len(_photos(api, people.anna, draft_id)) == 1


def test_an_iphone_heic_photo_is_attached_as_a_jpeg(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    heic = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (300, 200), (10, 160, 90))).save(heic, quality=80)
    status, photo = _add_photo(api, people.anna, draft_id, heic.getvalue(), "image/heic")
    assert status == 200, photo
    assert (photo["width"], photo["height"]) == (300, 200)
    assert Image.open(io.BytesIO(httpx.get(photo["url"], timeout=10).content)).format == "JPEG"


def test_a_too_large_or_disallowed_file_is_refused_before_any_upload(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    status, body = _slot(api, people.anna, draft_id, size=10 * MB + 1)
    assert status == 422 and body["error"]["field"] == "size"
    assert "10.0 MB" in body["error"]["message"] and "10,0 MB" in body["error"]["message_sv"]
    for content_type in ("application/pdf", "image/gif", "text/plain"):
        status, body = _slot(api, people.anna, draft_id, content_type=content_type)
        assert status == 422 and body["error"]["field"] == "content_type", content_type
        assert "HEIC" in body["error"]["message"] and body["error"]["message_sv"]
    assert _slot(api, people.anna, draft_id, size=10 * MB)[0] == 201


def test_a_file_that_is_not_a_photo_is_refused_deleted_and_not_attached(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    text = b"%PDF-1.7 this is a document, not a photo\n" * 50
    status, body = _add_photo(api, people.anna, draft_id, text)
    assert status == 422
    assert body["error"]["field"] == "file"
    assert "could not be read as a photo" in body["error"]["message"]
    assert "kunde inte läsas som en bild" in body["error"]["message_sv"]
    assert _photos(api, people.anna, draft_id) == []
    assert _objects(api) == []
    for n in range(5):  # the refused upload does not take one of the five places
        assert _slot(api, people.anna, draft_id)[0] == 201, n


def test_a_sixth_photo_is_refused_until_one_is_removed(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    ready = _add_photo(api, people.anna, draft_id, _phone_jpeg())[1]["photo_id"]
    slots = [_slot(api, people.anna, draft_id) for _ in range(4)]  # uploads in progress count too
    assert [s[0] for s in slots] == [201] * 4
    status, body = _slot(api, people.anna, draft_id)
    assert status == 422 and body["error"]["field"] == "photos" and "5" in body["error"]["message"]
    assert body["error"]["message_sv"]
    assert api.call("DELETE", f"/citizen/triage/{draft_id}/photos/{ready}", who=people.anna)[0] == 204
    assert _slot(api, people.anna, draft_id)[0] == 201
    assert _slot(api, people.anna, draft_id)[0] == 422


def test_an_upload_that_was_never_finished_stops_counting_when_it_expires(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    for _ in range(5):
        assert _slot(api, people.anna, draft_id)[0] == 201
    built = api.container.photos
    later = datetime.now(UTC) + timedelta(minutes=16)
    service = PhotoService(
        built._drafts, built._cases, built._records, built._files, built._audit, clock=lambda: later, ids=lambda: "p6"
    )
    assert service.request_upload(people.anna, draft_id, content_type="image/png", size=100).photo_id == "p6"


def test_of_two_parallel_requests_for_the_fifth_photo_exactly_one_gets_it(api: Api, people: People) -> None:
    service = api.container.photos
    for round_ in range(3):
        draft_id = _draft(api, people.anna, key=f"photo-race-{round_:04d}")
        for _ in range(4):
            service.request_upload(people.anna, draft_id, content_type="image/jpeg", size=1000)
        results: list[Any] = []

        def request(draft_id: str = draft_id, results: list[Any] = results) -> None:
            try:
                results.append(service.request_upload(people.anna, draft_id, content_type="image/jpeg", size=1000))
            except Exception as error:  # collected and asserted below
                results.append(error)

        threads = [threading.Thread(target=request) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        refused = [r for r in results if isinstance(r, Exception)]
        assert len(results) == 2 and len(refused) == 1, results
        assert isinstance(refused[0], ValidationFailed) and refused[0].field == "photos"
        assert len(service._records.slots(people.anna.tenant, draft_id).slots) == 5


def test_a_removed_photo_is_gone_with_its_files_and_removing_again_is_fine(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    photo = _add_photo(api, people.anna, draft_id, _phone_jpeg())[1]
    keep = _add_photo(api, people.anna, draft_id, _phone_jpeg(320, 200))[1]
    path = f"/citizen/triage/{draft_id}/photos/{photo['photo_id']}"
    assert api.call("DELETE", path, who=people.anna) == (204, None)
    assert [p["photo_id"] for p in _photos(api, people.anna, draft_id)] == [keep["photo_id"]]
    assert httpx.get(photo["url"], timeout=10).status_code == 404
    assert httpx.get(photo["thumbnail_url"], timeout=10).status_code == 404
    assert all(photo["photo_id"] not in key for key in _objects(api))
    assert api.call("DELETE", path, who=people.anna) == (204, None)


def test_another_citizens_draft_and_photos_are_not_found(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    photo = _add_photo(api, people.anna, draft_id, _phone_jpeg())[1]
    base = f"/citizen/triage/{draft_id}/photos"
    assert _slot(api, people.bertil, draft_id)[0] == 404
    assert api.call("GET", base, who=people.bertil)[0] == 404
    assert api.call("POST", f"{base}/{photo['photo_id']}/complete", who=people.bertil)[0] == 404
    assert api.call("DELETE", f"{base}/{photo['photo_id']}", who=people.bertil)[0] == 404
    assert api.call("GET", base, who=people.nurse_a)[0] == 403
    assert len(_photos(api, people.anna, draft_id)) == 1


def test_a_guardian_adds_photos_to_their_childs_triage(api: Api, people: People) -> None:
    child = Ward("child-ref-0001", "Lilla Anna", "2019-05-01")
    guardian = dataclasses.replace(people.anna, wards=(child,))
    body = {"unit_id": UNIT_A, "reason": "Utslag", "free_text": "", "for_child": child.ref}
    draft_id = api.call("POST", "/citizen/triage", who=guardian, body=body, headers={"Idempotency-Key": "child-0001"})[
        1
    ]["draft_id"]
    assert _add_photo(api, guardian, draft_id, _phone_jpeg())[0] == 200
    assert _slot(api, people.anna, draft_id)[0] == 404  # custody ended: the child's draft is out of scope


def test_once_sent_the_photos_go_with_the_case_to_its_staff_and_every_read_is_logged(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    photo = _add_photo(api, people.anna, draft_id, _phone_jpeg())[1]
    pending = _slot(api, people.anna, draft_id)[1]
    case_id = _send(api, people.anna, draft_id)

    assert _slot(api, people.anna, draft_id)[0] == 409
    base = f"/citizen/triage/{draft_id}/photos"
    status, body = api.call("DELETE", f"{base}/{photo['photo_id']}", who=people.anna)
    assert status == 409 and body["error"]["message_sv"]
    assert api.call("POST", f"{base}/{pending['photo_id']}/complete", who=people.anna)[0] == 409
    late = api.call("POST", f"{base}/{photo['photo_id']}/complete", who=people.anna)  # a late retry still answers
    assert late[0] == 200 and late[1]["photo_id"] == photo["photo_id"]

    status, mine = api.call("GET", f"/citizen/cases/{case_id}/photos", who=people.anna)
    assert status == 200 and [p["photo_id"] for p in mine["photos"]] == [photo["photo_id"]]
    assert api.call("GET", f"/citizen/cases/{case_id}/photos", who=people.bertil)[0] == 404

    log = api.container.audit_log
    assert api.call("GET", f"/staff/cases/{case_id}/photos", who=people.nurse_b)[0] == 404
    assert list(log.of_patient(people.anna.tenant, people.anna.subject)) == []
    status, seen = api.call("GET", f"/staff/cases/{case_id}/photos", who=people.nurse_a)
    assert status == 200 and [p["photo_id"] for p in seen["photos"]] == [photo["photo_id"]]
    assert httpx.get(seen["photos"][0]["thumbnail_url"], timeout=10).status_code == 200
    records = list(log.of_patient(people.anna.tenant, people.anna.subject))
    assert [(r["actor"], r["action"], r["case_id"]) for r in records] == [("SE-S1", "read_photos", case_id)]
    assert api.call("GET", f"/staff/cases/{case_id}/photos", who=people.anna)[0] == 403


def test_staff_get_no_photos_when_the_access_log_cannot_be_written(
    api: Api, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft_id = _draft(api, people.anna)
    _add_photo(api, people.anna, draft_id, _phone_jpeg())
    case_id = _send(api, people.anna, draft_id)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(api.container.photos._audit, "record_case_access", broken)
    status, body = api.call("GET", f"/staff/cases/{case_id}/photos", who=people.nurse_a)
    assert status == 500 and "amazonaws" not in str(body) and "X-Amz" not in str(body)


def test_the_photos_of_a_draft_that_expired_unsent_are_deleted_with_it(api: Api, people: People) -> None:
    draft_id = _draft(api, people.anna)
    assert _add_photo(api, people.anna, draft_id, _phone_jpeg())[0] == 200
    kept = _draft(api, people.anna, key="photo-draft-0002")
    assert _add_photo(api, people.anna, kept, _phone_jpeg())[0] == 200
    assert any(draft_id in key for key in _objects(api))
    # DynamoDB's TTL removes the expired draft; its stream record reaches the stream handler.
    removed = {"tenant": {"S": people.anna.tenant}, "draft_id": {"S": draft_id}, "type": {"S": "triage_draft"}}
    api.container.events.on_stream_records(
        [{"eventID": "ttl-1", "eventName": "REMOVE", "dynamodb": {"OldImage": removed}}]
    )
    assert not any(draft_id in key for key in _objects(api))
    assert api.container.photos.forget_draft(people.anna.tenant, draft_id) == 0  # again: nothing left
    assert len(_photos(api, people.anna, kept)) == 1 and any(kept in key for key in _objects(api))
