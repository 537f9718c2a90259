"""Photos of a triage draft: their records in the main table and their files in the region's photo bucket.

A case's photos stay with the draft it came from: photos the citizen adds later from the case's chat join the same
set (and so the same limit); a case without a draft has a set of its own under its case id.

Records (keys from ``keys.py``, under the draft: ``T#{t}#PHOTOS#{draft_id}``):

- one *slots* item (sk ``SLOTS``) naming every photo of the draft, pending upload or ready, with a version: a new
  slot is written only if the version read is still the stored one, so the limit of photos per draft holds however
  many requests run at once;
- one item per ready photo (sk ``PHOTO#{id}``), written in the same transaction that marks its slot ready.

Files: the browser uploads to ``{tenant}/uploads/{draft}/{photo}`` with a presigned POST whose policy fixes the key,
the Content-Type and the size range; only the re-encoded ``{tenant}/photos/...`` files are ever shown, through
short-lived presigned GET URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Entity, condition_failed, written_if
from chalicelib.domain.errors import Conflict
from chalicelib.domain.photos import Photo

READY = "ready"
MAX_VERSIONS_PER_KEY = 5  # a key is written once, or a few times by retried completes
PENDING = "pending"


class PhotoSlotsItem(Entity, discriminator="photo_slots"):
    tenant = UnicodeAttribute()
    draft_id = UnicodeAttribute()
    slots = JSONAttribute()  # {photo_id: {"state": "pending"|"ready", "expires_at": iso}}


class PhotoItem(Entity, discriminator="photo"):
    tenant = UnicodeAttribute()
    draft_id = UnicodeAttribute()
    photo_id = UnicodeAttribute()
    width = NumberAttribute()
    height = NumberAttribute()
    image_key = UnicodeAttribute()
    thumbnail_key = UnicodeAttribute()
    source_format = UnicodeAttribute()
    uploaded_at = UTCDateTimeAttribute()
    case_id = UnicodeAttribute(null=True)  # added to the sent case from its chat (absent: with the triage)


PHOTO_MODELS: tuple[type[Model], ...] = (PhotoSlotsItem, PhotoItem)


def configure() -> None:
    """Forget cached connections after ``dynamo.configure`` pointed the table elsewhere (called by bootstrap)."""
    for model in PHOTO_MODELS:
        model._connection = None


@dataclass(frozen=True)
class Slot:
    state: str
    expires_at: datetime  # a pending slot stops counting then; a ready one never expires

    def live(self, now: datetime) -> bool:
        return self.state == READY or self.expires_at > now


@dataclass(frozen=True)
class PhotoSlots:
    """The draft's photo slots as read, with the version the next write is conditional on (0: none yet)."""

    tenant: str
    draft_id: str
    slots: dict[str, Slot] = field(default_factory=dict)
    version: int = 0

    def live(self, now: datetime) -> dict[str, Slot]:
        return {photo_id: slot for photo_id, slot in self.slots.items() if slot.live(now)}


def _slots_item(slots: PhotoSlots, changed: dict[str, Slot]) -> PhotoSlotsItem:
    item = PhotoSlotsItem(
        pk=keys.photos_pk(slots.tenant, slots.draft_id),
        sk=keys.PHOTO_SLOTS_SK,
        tenant=slots.tenant,
        draft_id=slots.draft_id,
        slots={pid: {"state": s.state, "expires_at": s.expires_at.isoformat()} for pid, s in changed.items()},
    )
    if slots.version:
        item.version = slots.version  # pynamodb makes the write conditional on it (absent version: a create)
    return item


def _photo(item: PhotoItem) -> Photo:
    return Photo(
        photo_id=item.photo_id,
        draft_id=item.draft_id,
        width=int(item.width),
        height=int(item.height),
        image_key=item.image_key,
        thumbnail_key=item.thumbnail_key,
        uploaded_at=item.uploaded_at,
        case_id=item.case_id,
    )


def _item(photo: Photo, *, tenant: str, source: str) -> PhotoItem:
    return PhotoItem(
        pk=keys.photos_pk(tenant, photo.draft_id),
        sk=keys.photo_sk(photo.photo_id),
        tenant=tenant,
        draft_id=photo.draft_id,
        photo_id=photo.photo_id,
        width=photo.width,
        height=photo.height,
        image_key=photo.image_key,
        thumbnail_key=photo.thumbnail_key,
        source_format=source,
        uploaded_at=photo.uploaded_at,
        case_id=photo.case_id,
    )


class DynamoPhotos:
    """The photo records of triage drafts."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def slots(self, tenant: str, draft_id: str) -> PhotoSlots:
        try:
            item = PhotoSlotsItem.get(keys.photos_pk(tenant, draft_id), keys.PHOTO_SLOTS_SK, consistent_read=True)
        except DoesNotExist:
            return PhotoSlots(tenant, draft_id)
        slots = {
            pid: Slot(str(raw["state"]), datetime.fromisoformat(str(raw["expires_at"])))
            for pid, raw in dict(item.slots).items()
        }
        return PhotoSlots(tenant, draft_id, slots, int(item.version or 0))

    def replace_slots(self, read: PhotoSlots, slots: dict[str, Slot]) -> None:
        """Write ``slots`` if nobody wrote since ``read`` was read; Conflict otherwise."""
        try:
            _slots_item(read, slots).save()
        except PutError as error:
            if condition_failed(error):
                raise Conflict("The photos of this triage changed at the same time.") from error
            raise

    def attach(self, read: PhotoSlots, slots: dict[str, Slot], photo: Photo, *, tenant: str, source: str) -> None:
        """Record a ready photo and its slot in one transaction; Conflict if the slots changed since ``read``."""
        item = _item(photo, tenant=tenant, source=source)
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(_slots_item(read, slots))
                tx.save(item, condition=PhotoItem.pk.does_not_exist())
        except TransactWriteError as error:
            raise Conflict("The photos of this triage changed at the same time.") from error

    def record(self, photo: Photo, *, tenant: str, source: str) -> bool:
        """Record a photo that came with a referral from another region (no upload slot): False if it is recorded
        already (the referral was sent again)."""
        item = _item(photo, tenant=tenant, source=source)
        return written_if(lambda: item.save(condition=PhotoItem.pk.does_not_exist()))

    def detach(self, read: PhotoSlots, slots: dict[str, Slot], photo_id: str, *, was_ready: bool) -> None:
        """Forget a photo (its slot, and its record if it was ready) in one transaction; Conflict as above."""
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(_slots_item(read, slots))
                if was_ready:
                    gone = PhotoItem(pk=keys.photos_pk(read.tenant, read.draft_id), sk=keys.photo_sk(photo_id))
                    # The record is written once and never changed: it exists, whatever its version.
                    tx.delete(gone, condition=PhotoItem.pk.exists(), add_version_condition=False)
        except TransactWriteError as error:
            raise Conflict("The photos of this triage changed at the same time.") from error

    def get(self, tenant: str, draft_id: str, photo_id: str) -> Photo | None:
        try:
            item = PhotoItem.get(keys.photos_pk(tenant, draft_id), keys.photo_sk(photo_id), consistent_read=True)
        except DoesNotExist:
            return None
        return _photo(item)

    def of_draft(self, tenant: str, draft_id: str) -> list[Photo]:
        """The draft's ready photos, in the order they were added."""
        items = PhotoItem.query(
            keys.photos_pk(tenant, draft_id), PhotoItem.sk.startswith(keys.PHOTO_PREFIX), consistent_read=True
        )
        found = [_photo(i) for i in items if isinstance(i, PhotoItem)]
        return sorted(found, key=lambda p: (p.uploaded_at, p.photo_id))


@dataclass(frozen=True)
class Upload:
    """Where and how the browser uploads one file: POST ``url`` with ``fields`` and then the file."""

    url: str
    fields: dict[str, str]


class S3PhotoFiles:
    """The region's photo bucket. ``public_endpoint`` is where browsers reach S3 (locally: the gateway's proxy);
    ``endpoint`` is where this code does (locally: the embedded AWS; in AWS both are S3's defaults)."""

    def __init__(self, bucket: str, *, region: str, endpoint: str | None, public_endpoint: str | None) -> None:
        self.bucket = bucket
        path_style = Config(signature_version="s3v4", s3={"addressing_style": "path"})
        default = Config(signature_version="s3v4")
        session = boto3.session.Session()
        self._s3: Any = session.client(
            "s3", region_name=region, endpoint_url=endpoint, config=path_style if endpoint else default
        )
        signing_endpoint = public_endpoint or endpoint
        self._signer: Any = session.client(
            "s3",
            region_name=region,
            endpoint_url=signing_endpoint,
            config=path_style if signing_endpoint else default,
        )

    def upload_form(
        self, tenant: str, draft_id: str, photo_id: str, *, content_type: str, max_bytes: int, expires_in: int
    ) -> Upload:
        """A presigned POST that accepts exactly this photo's upload key and Content-Type and 1..max_bytes bytes."""
        key = keys.photo_upload_object(tenant, draft_id, photo_id)
        form = self._signer.generate_presigned_post(
            self.bucket,
            key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires_in,
        )
        return Upload(url=str(form["url"]), fields={str(k): str(v) for k, v in form["fields"].items()})

    def upload_size(self, tenant: str, draft_id: str, photo_id: str) -> int | None:
        """The uploaded file's size in bytes; None when nothing was uploaded."""
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=keys.photo_upload_object(tenant, draft_id, photo_id))
        except ClientError as error:
            if _status(error) == 404:
                return None
            raise
        return int(head["ContentLength"])

    def read_upload(self, tenant: str, draft_id: str, photo_id: str, *, max_bytes: int) -> bytes | None:
        """At most ``max_bytes`` + 1 bytes of the upload (so a caller can tell it is too large); None if absent."""
        key = keys.photo_upload_object(tenant, draft_id, photo_id)
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as error:
            if _status(error) == 404:
                return None
            raise
        try:
            return bytes(body.read(max_bytes + 1))
        finally:
            body.close()

    def store(self, tenant: str, draft_id: str, photo_id: str, *, image: bytes, thumbnail: bytes) -> tuple[str, str]:
        """Store the re-encoded photo and its thumbnail; returns their keys."""
        image_key = keys.photo_image_object(tenant, draft_id, photo_id)
        thumbnail_key = keys.photo_thumbnail_object(tenant, draft_id, photo_id)
        for key, data in ((image_key, image), (thumbnail_key, thumbnail)):
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="image/jpeg")
        return image_key, thumbnail_key

    def read(self, key: str) -> bytes:
        """A stored (re-encoded) photo's bytes: to send it along with a referral to another region."""
        return bytes(self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def discard_upload(self, tenant: str, draft_id: str, photo_id: str) -> None:
        self._delete(keys.photo_upload_object(tenant, draft_id, photo_id))

    def discard(self, tenant: str, draft_id: str, photo_id: str) -> None:
        """Every file of the photo: the upload, the photo and its thumbnail (absent ones are fine)."""
        self._delete(
            keys.photo_upload_object(tenant, draft_id, photo_id),
            keys.photo_image_object(tenant, draft_id, photo_id),
            keys.photo_thumbnail_object(tenant, draft_id, photo_id),
        )

    def view_url(self, key: str, *, expires_in: int) -> str:
        return str(
            self._signer.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in
            )
        )

    def _delete(self, *object_keys: str) -> None:
        """Delete objects for good. The bucket is versioned: a plain delete would only hide an upload (with its EXIF
        location) behind a delete marker for the lifecycle's 30 days, so each version is deleted."""
        for key in object_keys:
            for _ in range(MAX_VERSIONS_PER_KEY):
                try:
                    head = self._s3.head_object(Bucket=self.bucket, Key=key)
                except ClientError as error:
                    if _status(error) == 404:
                        break
                    raise
                version = head.get("VersionId")
                if version and version != "null":
                    self._s3.delete_object(Bucket=self.bucket, Key=key, VersionId=version)
                else:
                    self._s3.delete_object(Bucket=self.bucket, Key=key)


def _status(error: ClientError) -> int:
    response: dict[str, Any] = dict(error.response)
    code = str(response.get("Error", {}).get("Code", ""))
    if code in ("404", "NoSuchKey", "NotFound"):
        return 404
    return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
