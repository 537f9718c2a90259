"""The photo adapters against moto: upload policy, conditional slot writes, tenant-prefixed keys, deletion for good."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.adapters import keys
from chalicelib.adapters.photos import PENDING, READY, DynamoPhotos, S3PhotoFiles, Slot
from chalicelib.domain.errors import Conflict
from chalicelib.domain.photos import Photo
from tests.conftest import TEST_TENANT

BUCKET = f"nara-{TEST_TENANT}-photos"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def s3(aws: dict[str, Any]) -> Iterator[Any]:
    import boto3

    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    yield client


@pytest.fixture
def files(s3: Any) -> S3PhotoFiles:
    return S3PhotoFiles(BUCKET, region="eu-north-1", endpoint=None, public_endpoint=None)


@pytest.fixture
def records(container: Any) -> DynamoPhotos:
    return DynamoPhotos(container.photos._records._connection)


def _photo(photo_id: str, draft_id: str = "d1") -> Photo:
    return Photo(photo_id, draft_id, 640, 480, f"img-{photo_id}", f"thumb-{photo_id}", NOW)


def test_the_upload_form_allows_only_its_own_key_type_and_size(files: S3PhotoFiles) -> None:
    form = files.upload_form(TEST_TENANT, "d1", "p1", content_type="image/heic", max_bytes=10_485_760, expires_in=600)
    policy = json.loads(base64.b64decode(form.fields["policy"]))
    conditions = policy["conditions"]
    assert {"key": f"{TEST_TENANT}/uploads/d1/p1"} in conditions
    assert {"Content-Type": "image/heic"} in conditions
    assert ["content-length-range", 1, 10_485_760] in conditions
    assert {"bucket": BUCKET} in conditions
    assert form.fields["key"] == f"{TEST_TENANT}/uploads/d1/p1" and form.fields["Content-Type"] == "image/heic"
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)


def test_every_photo_key_starts_with_the_tenant(records: DynamoPhotos, files: S3PhotoFiles, s3: Any) -> None:
    read = records.slots(TEST_TENANT, "d1")
    records.attach(read, {"p1": Slot(READY, NOW)}, _photo("p1"), tenant=TEST_TENANT, source="JPEG")
    image_key, thumb_key = files.store(TEST_TENANT, "d1", "p1", image=b"jpeg", thumbnail=b"small")
    assert image_key.startswith(f"{TEST_TENANT}/photos/") and thumb_key.startswith(f"{TEST_TENANT}/photos/")
    items = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert all(o["Key"].startswith(f"{TEST_TENANT}/") for o in items)
    assert keys.photos_pk(TEST_TENANT, "d1").startswith(f"T#{TEST_TENANT}#")
    assert records.slots("another-region", "d1").slots == {}
    assert records.of_draft("another-region", "d1") == []
    assert [p.photo_id for p in records.of_draft(TEST_TENANT, "d1")] == ["p1"]


def test_a_slot_write_from_a_stale_read_is_refused(records: DynamoPhotos) -> None:
    first = records.slots(TEST_TENANT, "d1")
    second = records.slots(TEST_TENANT, "d1")  # read at the same time, before either wrote
    records.replace_slots(first, {"p1": Slot(PENDING, NOW)})
    with pytest.raises(Conflict):
        records.replace_slots(second, {"p2": Slot(PENDING, NOW)})
    with pytest.raises(Conflict):
        records.attach(second, {"p2": Slot(READY, NOW)}, _photo("p2"), tenant=TEST_TENANT, source="PNG")
    stored = records.slots(TEST_TENANT, "d1")
    assert set(stored.slots) == {"p1"} and stored.version == 1
    assert records.get(TEST_TENANT, "d1", "p2") is None


def test_a_photo_is_recorded_once(records: DynamoPhotos) -> None:
    read = records.slots(TEST_TENANT, "d1")
    records.attach(read, {"p1": Slot(READY, NOW)}, _photo("p1"), tenant=TEST_TENANT, source="JPEG")
    again = records.slots(TEST_TENANT, "d1")
    with pytest.raises(Conflict):  # same photo id, fresh slots version: the record's own condition refuses it
        records.attach(again, {"p1": Slot(READY, NOW)}, _photo("p1"), tenant=TEST_TENANT, source="JPEG")


def test_removing_a_photo_deletes_every_version_of_its_files(files: S3PhotoFiles, s3: Any) -> None:
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    upload_key = keys.photo_upload_object(TEST_TENANT, "d1", "p1")
    s3.put_object(Bucket=BUCKET, Key=upload_key, Body=b"original with GPS")
    files.store(TEST_TENANT, "d1", "p1", image=b"one", thumbnail=b"t1")
    files.store(TEST_TENANT, "d1", "p1", image=b"two", thumbnail=b"t2")  # a retried complete wrote twice
    assert len(s3.list_object_versions(Bucket=BUCKET)["Versions"]) == 5
    files.discard(TEST_TENANT, "d1", "p1")
    listed = s3.list_object_versions(Bucket=BUCKET)
    assert listed.get("Versions", []) == [] and listed.get("DeleteMarkers", []) == []
    files.discard(TEST_TENANT, "d1", "p1")  # nothing left: fine
