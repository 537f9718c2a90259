"""Photos: the citizen attaches up to five to a triage draft (presigned upload, then the server validates each),
or adds them later to the open case from its chat (up to five per case in all); the citizen and the case's staff
see them with the case."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response
from pydantic import Field, StrictInt

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel, Strict
from chalicelib.api.http import Access
from chalicelib.api.models import Photo
from chalicelib.api.openapi import F, operation

if TYPE_CHECKING:
    from chalicelib.services.photos import UploadSlot, ViewablePhoto

bp = Blueprint(__name__)


def _allowed_types(schema: dict[str, Any]) -> None:
    """The photo types in the document; the photo code (Pillow and its HEIF plugin) loads only when a photo comes,
    not on every cold start."""
    from chalicelib.domain.photos import ALLOWED_TYPES

    schema["enum"] = list(ALLOWED_TYPES)


class RequestPhotoUpload(Strict):
    # Any string parses; another type gets the service's explanation (English and Swedish), not a schema error.
    content_type: str = Field(
        max_length=100,
        description="The file's type; HEIC/HEIF is what iPhones take",
        json_schema_extra=_allowed_types,
    )
    size: StrictInt = Field(ge=0, description="The file's size in bytes (at most max_bytes)")


class PresignedPost(ApiModel):
    url: str = Field(description="POST a multipart form here: every field below, then the file as 'file'")
    fields: dict[str, str]


class PhotoUpload(ApiModel):
    photo_id: str
    upload: PresignedPost
    max_bytes: int
    expires_in: int = Field(description="Seconds the upload form stays valid")


class PhotoList(ApiModel):
    photos: list[Photo]


def _upload(slot: UploadSlot) -> PhotoUpload:
    return PhotoUpload(
        photo_id=slot.photo_id,
        upload=PresignedPost(url=slot.upload.url, fields=slot.upload.fields),
        max_bytes=slot.max_bytes,
        expires_in=slot.expires_in,
    )


# A draft's and a case's photos are handled alike: each kind of route is described, and answers, in one place.


def _upload_route(path: str, summary: str) -> Callable[[F], F]:
    """POST: the citizen gets a presigned form to upload one photo (201)."""
    return operation(
        bp,
        path,
        "POST",
        summary=summary,
        tag="photos",
        access=Access.CITIZEN,
        request=RequestPhotoUpload,
        response=PhotoUpload,
        status=201,
        errors=(404, 409, 413),
    )


def _photo_route(
    path: str, method: str, summary: str, *, access: Access = Access.CITIZEN, errors: tuple[int, ...] = (404,)
) -> Callable[[F], F]:
    """One photo in the answer (fresh URLs)."""
    return operation(bp, path, method, summary=summary, tag="photos", access=access, response=Photo, errors=errors)


def _list_route(path: str, summary: str, *, access: Access = Access.CITIZEN) -> Callable[[F], F]:
    """GET: the photos of a draft or a case."""
    return operation(bp, path, "GET", summary=summary, tag="photos", access=access, response=PhotoList, errors=(404,))


def _upload_form(request: Callable[..., UploadSlot], owner_id: str) -> Response:
    """Parse the file's type and size and answer with the upload form the service hands out for it."""
    body = http.parse_body(RequestPhotoUpload, bp.current_request)
    slot = request(http.who(), owner_id, content_type=body.content_type, size=body.size)
    return http.respond(_upload(slot), status=201)


def _photo(photo: ViewablePhoto) -> Response:
    return http.respond(Photo.of(photo))


def _photos(photos: list[ViewablePhoto]) -> Response:
    return http.respond(PhotoList(photos=[Photo.of(p) for p in photos]))


@_upload_route(
    "/citizen/triage/{draft_id}/photos",
    "Get a form to upload one photo (JPEG, PNG or HEIC, at most 10 MB, at most 5 per triage)",
)
def request_photo_upload(draft_id: str) -> Response:
    return _upload_form(bootstrap.container().photos.request_upload, draft_id)


@_photo_route(
    "/citizen/triage/{draft_id}/photos/{photo_id}/complete",
    "POST",
    "Attach an uploaded photo once the server has validated it (same photo on retry)",
    errors=(404, 409, 422),
)
def complete_photo(draft_id: str, photo_id: str) -> Response:
    return _photo(bootstrap.container().photos.complete(http.who(), draft_id, photo_id))


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


@_list_route("/citizen/triage/{draft_id}/photos", "The photos attached to my triage")
def draft_photos(draft_id: str) -> Response:
    return _photos(bootstrap.container().photos.of_draft(http.who(), draft_id))


@_list_route("/citizen/cases/{case_id}/photos", "The photos of one of my cases")
def case_photos_for_citizen(case_id: str) -> Response:
    return _photos(bootstrap.container().photos.of_case(http.who(), case_id))


@_list_route("/staff/cases/{case_id}/photos", "The photos of a case (logged in the access log)", access=Access.STAFF)
def case_photos_for_staff(case_id: str) -> Response:
    return _photos(bootstrap.container().photos.of_case(http.who(), case_id))


@_upload_route(
    "/citizen/cases/{case_id}/photos",
    "Get a form to upload one photo to my open case (at most 5 per case, the triage's included)",
)
def request_case_photo_upload(case_id: str) -> Response:
    return _upload_form(bootstrap.container().photos.request_case_upload, case_id)


@_photo_route(
    "/citizen/cases/{case_id}/photos/{photo_id}/complete",
    "POST",
    "Add an uploaded photo to my case once the server has validated it; it is posted in the chat (once)",
    errors=(404, 409, 422),
)
def complete_case_photo(case_id: str, photo_id: str) -> Response:
    return _photo(bootstrap.container().photos.complete_case_upload(http.who(), case_id, photo_id))


@_photo_route("/citizen/cases/{case_id}/photos/{photo_id}", "GET", "One photo of one of my cases (fresh URLs)")
def case_photo_for_citizen(case_id: str, photo_id: str) -> Response:
    return _photo(bootstrap.container().photos.case_photo(http.who(), case_id, photo_id))


@_photo_route(
    "/staff/cases/{case_id}/photos/{photo_id}",
    "GET",
    "One photo of a case, e.g. for the chat's thumbnail (logged in the access log)",
    access=Access.STAFF,
)
def case_photo_for_staff(case_id: str, photo_id: str) -> Response:
    return _photo(bootstrap.container().photos.case_photo(http.who(), case_id, photo_id))
