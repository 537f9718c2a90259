"""A referral from another region brings the case's photos: each is checked and re-encoded here as any upload is, and
kept with the case; a photo that is not one is refused naming it, and nothing of the referral is kept."""

from __future__ import annotations

import base64
import io
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image

from chalicelib.adapters.interregion import Partner, PartnerKeys, RegionSigner, RegionVerifier, new_signing_key
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.photos import Photo
from chalicelib.services.interregion import (
    CASE_NAMESPACE,
    PHOTO_BUDGET_BYTES,
    Clinician,
    Consent,
    Patient,
    RegionReferral,
    Sbar,
    SentPhoto,
    Story,
)
from tests.api.conftest import staff
from tests.conftest import TEST_TENANT

UNIT = "SE2321000081-VC01"
NOW = datetime.now(UTC)


@pytest.fixture
def receiving(container: Any) -> tuple[Any, RegionSigner]:
    """This region's referral service, with Jönköping as a partner whose key it knows."""
    import boto3

    bucket = container.settings.photo_bucket
    boto3.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    signer = RegionSigner("jonkoping", lambda pem=new_signing_key(): pem)
    jwks = signer.jwks()
    service = container.interregion
    service._verifier = RegionVerifier(TEST_TENANT, PartnerKeys(fetch=lambda url: jwks))
    service.partners = lambda: {"jonkoping": Partner("jonkoping", "Region Jönköpings län", "https://jkpg.example")}
    container.directory.put_unit(TEST_TENANT, UNIT, "Vårdcentralen Kalmar centrum", {"professions": ["nurse"]})
    return service, signer


def _jpeg(width: int, height: int) -> bytes:
    """A photo as a phone sends it: with EXIF (a place) the receiving region must not keep."""
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    Image.new("RGB", (width, height), (160, 90, 70)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _referral(referral_id: str, photos: list[SentPhoto]) -> bytes:
    return (
        RegionReferral(
            referral_id=referral_id,
            from_region="jonkoping",
            from_region_name="Region Jönköpings län",
            from_case_id="case-jkpg-1",
            from_unit_id="SE2321000057-VC01",
            from_unit_name="Vårdcentralen Huskvarna",
            from_profession="nurse",
            to_unit_id=UNIT,
            to_profession="nurse",
            by=Clinician(hsa_id="SE2321000057-S001", name="Anna Andersson"),
            at=NOW,
            consent=Consent(how="chat", recorded_by="SE2321000057-S001", recorded_by_name="Anna", at=NOW),
            sbar=Sbar(situation="S", background="B", assessment="A", recommendation="R"),
            patient=Patient(personal_number="191212121212", name="Tolvan Tolvansson"),
            story=Story(reason="Utslag", profession="nurse", priority="P4", submitted_at=NOW),
            photos=photos,
        )
        .model_dump_json()
        .encode()
    )


def _sent(photo_id: str, data: bytes, *, from_chat: bool = False) -> SentPhoto:
    return SentPhoto(photo_id=photo_id, uploaded_at=NOW, from_chat=from_chat, jpeg=base64.b64encode(data).decode())


def _staff(container: Any) -> Any:
    from dataclasses import replace

    return replace(staff("SE2321000081-S001", (UNIT, "nurse"), name="Elin Karlsson"), tenant=TEST_TENANT)


def test_the_photos_come_with_the_case_re_encoded_without_their_metadata(receiving: Any, container: Any) -> None:
    service, signer = receiving
    body = _referral("ref-photos-1", [_sent("p1", _jpeg(1200, 900)), _sent("p2", _jpeg(640, 480), from_chat=True)])
    case_id, new = service.receive(f"Bearer {signer.token(TEST_TENANT, body, now=NOW)}", body)
    assert new
    shown = container.photos.of_case(_staff(container), case_id)
    assert [(v.photo.photo_id, v.photo.width, v.photo.height) for v in shown] == [("p1", 1200, 900), ("p2", 640, 480)]
    assert [v.photo.case_id for v in shown] == [None, case_id]  # with the description; sent in the chat
    kept = container.photos._files.read(shown[0].photo.image_key)
    assert Image.open(io.BytesIO(kept)).getexif() == {}  # re-encoded here: the phone's metadata is gone

    again, new_again = service.receive(f"Bearer {signer.token(TEST_TENANT, body, now=NOW)}", body)
    assert (again, new_again) == (case_id, False)
    assert len(container.photos.of_case(_staff(container), case_id)) == 2  # sent again: nothing twice


def test_a_photo_that_is_not_one_is_refused_by_its_place_and_no_case_is_made(receiving: Any, container: Any) -> None:
    service, signer = receiving
    body = _referral("ref-photos-2", [_sent("p1", _jpeg(300, 200)), _sent("p2", b"<html>not a photo</html>")])
    with pytest.raises(ValidationFailed) as refused:
        service.receive(f"Bearer {signer.token(TEST_TENANT, body, now=NOW)}", body)
    assert refused.value.field == "photos[1]" and "Bild 2" in str(refused.value.message_sv)
    case_id = str(uuid.uuid5(CASE_NAMESPACE, "jonkoping:ref-photos-2")).replace("-", "")
    assert container.cases._cases.get(TEST_TENANT, case_id) is None
    assert container.photos._records.of_draft(TEST_TENANT, case_id) == []  # not even the good first photo


def test_photos_too_big_together_are_sent_smaller(container: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five full-size photos would not fit in one request: they go at most 1600 px on the long edge."""
    import chalicelib.services.interregion as interregion

    photo = Photo("p", "d", 2560, 1920, "image-key", "thumbnail-key", NOW)
    big = [(photo, _jpeg(2560, 1920)) for _ in range(5)]
    monkeypatch.setattr(container.photos, "of_case_to_send", lambda case: big)
    monkeypatch.setattr(interregion, "PHOTO_BUDGET_BYTES", sum(len(d) for _, d in big) - 1)
    sent = container.interregion._photos_to_send(None)
    sizes = [Image.open(io.BytesIO(base64.b64decode(p.jpeg))).size for p in sent]
    assert sizes == [(1600, 1200)] * 5
    assert PHOTO_BUDGET_BYTES >= 3 * 1024 * 1024
