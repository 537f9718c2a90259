"""From phone to digital: staff send a caller an SMS login link (Skicka inloggningslänk); the citizen's intake asks
which unit the link is for."""

from __future__ import annotations

from datetime import datetime

from chalice.app import Blueprint, Response
from pydantic import ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel
from chalicelib.api.http import Access
from chalicelib.api.openapi import operation

bp = Blueprint(__name__)


class SendPhoneInvite(ApiModel):
    model_config = ConfigDict(extra="forbid")
    phone: str = Field(min_length=1, max_length=40, description="The caller's mobile number (070-… or +46…)")


class PhoneInviteView(ApiModel):
    sent_to: str = Field(description="The number the link went to, masked but for its last four digits")
    expires_at: datetime


class InvitedUnit(ApiModel):
    unit_id: str
    unit_name: str


@operation(
    bp,
    "/staff/units/{unit_id}/phone-invites",
    "POST",
    summary="Send a caller an SMS login link; their intake then starts at this unit",
    tag="invites",
    access=Access.STAFF,
    request=SendPhoneInvite,
    response=PhoneInviteView,
    status=201,
    idempotency_key=True,
    errors=(404, 409, 422),
)
def send_phone_invite(unit_id: str) -> Response:
    request = bp.current_request
    body = http.parse_body(SendPhoneInvite, request)
    sent = bootstrap.container().invites.invite(
        http.who(), unit_id, body.phone, idempotency_key=http.idempotency_key(request)
    )
    return http.respond(PhoneInviteView(sent_to=sent.sent_to, expires_at=sent.expires_at), 201)


@operation(
    bp,
    "/citizen/phone-invites/{token}",
    "GET",
    summary="The unit a login link from a phone call is for (the link then belongs to this citizen)",
    tag="invites",
    access=Access.CITIZEN,
    response=InvitedUnit,
    errors=(404,),
)
def open_phone_invite(token: str) -> Response:
    opened = bootstrap.container().invites.open(http.who(), token)
    return http.respond(InvitedUnit(unit_id=opened.unit_id, unit_name=opened.unit_name))
