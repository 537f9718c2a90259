"""Photos: the citizen attaches up to five to a triage draft (presigned upload, then the server validates each),
or adds them later to the open case from its chat (up to five per case in all); the citizen and the case's staff
see them with the case."""

from __future__ import annotations

from chalice.app import Blueprint, Response
from pydantic import BaseModel, Field, StrictInt

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import Photo, Strict
from chalicelib.api.openapi import operation
from chalicelib.domain.photos import ALLOWED_TYPES
from chalicelib.services.photos import UploadSlot, ViewablePhoto

bp = Blueprint(__name__)


class RequestPhotoUpload(Strict):
    # Any string parses; another type gets the service's explanation (English and Swedish), not a schema error.
    content_type: str = Field(
        max_length=100,
        description="The file's type; HEIC/HEIF is what iPhones take",
        json_schema_extra={"enum": list(ALLOWED_TYPES)},
    )
    size: StrictInt = Field(ge=0, description="The file's size in bytes (at most max_bytes)")


class PresignedPost(BaseModel):
    url: str = Field(description="POST a multipart form here: every field below, then the file as 'file'")
    fields: dict[str, str]


class PhotoUpload(BaseModel):
    photo_id: str
    upload: PresignedPost
    max_bytes: int
    expires_in: int = Field(description="Seconds the upload form stays valid")


class PhotoList(BaseModel):
    photos: list[Photo]


def _upload(slot: UploadSlot) -> PhotoUpload:
    return PhotoUpload(
        photo_id=slot.photo_id,
        upload=PresignedPost(url=slot.upload.url, fields=slot.upload.fields),
        max_bytes=slot.max_bytes,
        expires_in=slot.expires_in,
    )


def _list(photos: list[ViewablePhoto]) -> PhotoList:
    return PhotoList(photos=[Photo.of(p) for p in photos])


@operation(
    bp,
    "/citizen/triage/{draft_id}/photos",
    "POST",
    summary="Get a form to upload one photo (JPEG, PNG or HEIC, at most 10 MB, at most 5 per triage)",
    tag="photos",
    access=Access.CITIZEN,
    request=RequestPhotoUpload,
    response=PhotoUpload,
    status=201,
    errors=(404, 409, 413),
)
def request_photo_upload(draft_id: str) -> Response:
    body = http.parse_body(RequestPhotoUpload, bp.current_request)
    slot = bootstrap.container().photos.request_upload(
        http.who(), draft_id, content_type=body.content_type, size=body.size
    )
    return http.respond(_upload(slot), status=201)


@operation(
    bp,
    "/citizen/triage/{draft_id}/photos/{photo_id}/complete",
    "POST",
    summary="Attach an uploaded photo once the server has validated it (same photo on retry)",
    tag="photos",
    access=Access.CITIZEN,
    response=Photo,
    errors=(404, 409, 422),
)
def complete_photo(draft_id: str, photo_id: str) -> Response:
    return http.respond(Photo.of(bootstrap.container().photos.complete(http.who(), draft_id, photo_id)))


@operation(
    bp,
    "/citizen/triage/{draft_id}/photos/{photo_id}",
    "DELETE",
    summary="Remove a photo before the triage is sent (removing it again is fine)",
    tag="photos",
    access=Access.CITIZEN,
    status=204,
    errors=(404, 409),
)
def remove_photo(draft_id: str, photo_id: str) -> Response:
    bootstrap.container().photos.remove(http.who(), draft_id, photo_id)
    return Response(body="", status_code=204)


@operation(
    bp,
    "/citizen/triage/{draft_id}/photos",
    "GET",
    summary="The photos attached to my triage",
    tag="photos",
    access=Access.CITIZEN,
    response=PhotoList,
    errors=(404,),
)
def draft_photos(draft_id: str) -> Response:
    return http.respond(_list(bootstrap.container().photos.of_draft(http.who(), draft_id)))


@operation(
    bp,
    "/citizen/cases/{case_id}/photos",
    "GET",
    summary="The photos of one of my cases",
    tag="photos",
    access=Access.CITIZEN,
    response=PhotoList,
    errors=(404,),
)
def case_photos_for_citizen(case_id: str) -> Response:
    return http.respond(_list(bootstrap.container().photos.of_case(http.who(), case_id)))


@operation(
    bp,
    "/staff/cases/{case_id}/photos",
    "GET",
    summary="The photos of a case (logged in the access log)",
    tag="photos",
    access=Access.STAFF,
    response=PhotoList,
    errors=(404,),
)
def case_photos_for_staff(case_id: str) -> Response:
    return http.respond(_list(bootstrap.container().photos.of_case(http.who(), case_id)))


@operation(
    bp,
    "/citizen/cases/{case_id}/photos",
    "POST",
    summary="Get a form to upload one photo to my open case (at most 5 per case, the triage's included)",
    tag="photos",
    access=Access.CITIZEN,
    request=RequestPhotoUpload,
    response=PhotoUpload,
    status=201,
    errors=(404, 409, 413),
)
def request_case_photo_upload(case_id: str) -> Response:
    body = http.parse_body(RequestPhotoUpload, bp.current_request)
    slot = bootstrap.container().photos.request_case_upload(
        http.who(), case_id, content_type=body.content_type, size=body.size
    )
    return http.respond(_upload(slot), status=201)


@operation(
    bp,
    "/citizen/cases/{case_id}/photos/{photo_id}/complete",
    "POST",
    summary="Add an uploaded photo to my case once the server has validated it; it is posted in the chat (once)",
    tag="photos",
    access=Access.CITIZEN,
    response=Photo,
    errors=(404, 409, 422),
)
def complete_case_photo(case_id: str, photo_id: str) -> Response:
    return http.respond(Photo.of(bootstrap.container().photos.complete_case_upload(http.who(), case_id, photo_id)))


@operation(
    bp,
    "/citizen/cases/{case_id}/photos/{photo_id}",
    "GET",
    summary="One photo of one of my cases (fresh URLs)",
    tag="photos",
    access=Access.CITIZEN,
    response=Photo,
    errors=(404,),
)
def case_photo_for_citizen(case_id: str, photo_id: str) -> Response:
    return http.respond(Photo.of(bootstrap.container().photos.case_photo(http.who(), case_id, photo_id)))


@operation(
    bp,
    "/staff/cases/{case_id}/photos/{photo_id}",
    "GET",
    summary="One photo of a case, e.g. for the chat's thumbnail (logged in the access log)",
    tag="photos",
    access=Access.STAFF,
    response=Photo,
    errors=(404,),
)
def case_photo_for_staff(case_id: str, photo_id: str) -> Response:
    return http.respond(Photo.of(bootstrap.container().photos.case_photo(http.who(), case_id, photo_id)))
