"""A photo through the real local stack: upload and view are same-origin, through the gateway's S3 proxy."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from tests.stack import RunningStack, start_stack

pytestmark = pytest.mark.e2e

HUSKVARNA = "SE2321000057-VC01"
TOLVAN = "191212121212"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop()


def test_a_citizen_uploads_a_photo_and_sees_its_thumbnail_all_on_the_stacks_origin(stack: RunningStack) -> None:
    api = httpx.Client(
        base_url=stack.origin, timeout=10, headers={"Authorization": f"Bearer {stack.login('citizen', TOLVAN)}"}
    )
    begun = api.post(
        "/api/citizen/triage",
        json={"unit_id": HUSKVARNA, "reason": "Utslag", "free_text": ""},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert begun.status_code == 201, begun.text
    draft_id = begun.json()["draft_id"]
    picture = io.BytesIO()
    Image.new("RGB", (900, 600), (180, 90, 80)).save(picture, "PNG")

    slot = api.post(f"/api/citizen/triage/{draft_id}/photos", json={"content_type": "image/png", "size": 1})
    assert slot.status_code == 201, slot.text
    form = slot.json()["upload"]
    assert form["url"].startswith(f"{stack.origin}/local/s3/")
    uploaded = httpx.post(form["url"], data=form["fields"], files={"file": ("x.png", picture.getvalue(), "image/png")})
    assert uploaded.is_success, uploaded.text

    done = api.post(f"/api/citizen/triage/{draft_id}/photos/{slot.json()['photo_id']}/complete")
    assert done.status_code == 200, done.text
    photo = done.json()
    assert photo["thumbnail_url"].startswith(f"{stack.origin}/local/s3/")
    thumb = httpx.get(photo["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 213)

    too_big = httpx.post(
        form["url"], data=form["fields"], files={"file": ("x.png", b"\0" * (11 * 1024 * 1024), "image/png")}
    )
    assert too_big.status_code == 400 and b"EntityTooLarge" in too_big.content
