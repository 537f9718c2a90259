"""Referral to another region: the staff routes (the partner regions and their units; refer a case with the
patient's consent) and the routes one region's stack calls on another's, signed with its key
(docs/referral-across-regions.md)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.http import Access
from chalicelib.api.models import (
    PartnerRegion,
    PartnerRegions,
    ReferralAnswerReceived,
    ReferralReceived,
    ReferToRegion,
    StaffCase,
)
from chalicelib.api.openapi import operation
from chalicelib.api.staff import _staff_case
from chalicelib.domain.errors import PayloadTooLarge
from chalicelib.domain.model import SBAR_FIELDS

bp = Blueprint(__name__)

MAX_REFERRAL_BYTES = 5 * 1024 * 1024  # the case's whole chat and its photos travel with it (Lambda: 6 MB)


@operation(
    bp,
    "/staff/regions",
    "GET",
    summary="The regions this region refers to, each with its units (from that region's public list)",
    tag="staff",
    access=Access.STAFF,
    response=PartnerRegions,
)
def partner_regions() -> Response:
    http.who()
    found = bootstrap.container().interregion.targets()
    return http.respond(PartnerRegions(regions=[PartnerRegion.model_validate(r) for r in found]))


@operation(
    bp,
    "/staff/cases/{case_id}/refer-region",
    "POST",
    summary="Refer the case to a unit of another region, with the patient's consent recorded (Remiss till annan "
    "region); only the claimer. The case stays theirs until the other region answers",
    tag="staff",
    access=Access.STAFF,
    request=ReferToRegion,
    response=StaffCase,
    errors=(403, 404, 409),
    idempotency_key=True,
)
def refer_to_region(case_id: str) -> Response:
    request = bp.current_request
    body = http.parse_body(ReferToRegion, request)
    referral_id = body.referral_id or http.idempotency_key(request)
    who = http.who()
    case = bootstrap.container().interregion.refer(
        who,
        case_id,
        referral_id=referral_id,
        to_region=body.to_region,
        to_unit_id=body.to_unit_id,
        to_profession=body.to_profession,
        sbar={k: getattr(body, k) for k in SBAR_FIELDS},
        consent=body.consent,
        personal_number=body.personal_number,
        guardian_personal_number=body.guardian_personal_number,
    )
    return http.respond(_staff_case(who, case))


@operation(
    bp,
    "/interregion/jwks.json",
    "GET",
    summary="This region's public keys: partner regions verify its signed requests with them",
    tag="interregion",
    access=Access.PUBLIC,
)
def jwks() -> Response:
    keys = bootstrap.container().region_signer.jwks()
    return Response(body=keys, status_code=200, headers={**http.JSON, "Cache-Control": "max-age=300"})


def _raw() -> bytes:
    raw = bp.current_request.raw_body or b""
    raw = raw.encode() if isinstance(raw, str) else raw
    if len(raw) > MAX_REFERRAL_BYTES:
        raise PayloadTooLarge(
            f"The body is {len(raw)} bytes; at most {MAX_REFERRAL_BYTES} are allowed.",
            message_sv=f"Innehållet är för stort ({len(raw)} byte); högst {MAX_REFERRAL_BYTES} byte är tillåtet.",
        )
    return raw


def _authorization() -> str:
    return str(dict(bp.current_request.headers or {}).get("authorization", ""))


@operation(
    bp,
    "/interregion/referrals",
    "POST",
    summary="A partner region refers a case here: it waits in the receiving unit's queue as a referral (a repeat "
    "gets the same case)",
    tag="interregion",
    access=Access.REGION,
    response=ReferralReceived,
    status=201,
    also=(200,),
    errors=(409, 413, 422),
)
def receive_referral() -> Response:
    case_id, new = bootstrap.container().interregion.receive(_authorization(), _raw())
    return http.respond(ReferralReceived(case_id=case_id, new=new), 201 if new else 200)


@operation(
    bp,
    "/interregion/referrals/{referral_id}/answer",
    "POST",
    summary="A partner region's answer to a referral this region sent it: accepted (the case closes here as "
    "referred) or rejected with a reason (the referrer keeps it)",
    tag="interregion",
    access=Access.REGION,
    response=ReferralAnswerReceived,
    errors=(404, 413, 422),
)
def receive_answer(referral_id: str) -> Response:
    state = bootstrap.container().interregion.on_answer(_authorization(), _raw(), referral_id)
    return http.respond(ReferralAnswerReceived(state=state))
