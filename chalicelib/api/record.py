"""Staff routes for the medical record: the journal note to paste, and the case as a FHIR R4 Bundle.

Each request writes one access record (journal_note or export_fhir) before any data is read beyond the scope check;
a case outside the staff member's units answers 404.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Literal

from chalice.app import Blueprint, Response
from pydantic import ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel
from chalicelib.api.http import Access
from chalicelib.api.openapi import operation
from chalicelib.domain.errors import ValidationFailed

if TYPE_CHECKING:
    from chalicelib.services.record import RecordService

bp = Blueprint(__name__)

NO_STORE = {"Cache-Control": "no-store"}  # patient data: no cache keeps a copy


class JournalNote(ApiModel):
    """A ready-to-paste journal note (plain text, Swedish by default)."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    lang: Literal["sv", "en"]
    text: str = Field(description="Plain text, lines separated by \\n; no HTML")


def _service() -> RecordService:
    return bootstrap.container().record


@operation(
    bp,
    "/staff/cases/{case_id}/journal",
    "GET",
    summary="The journal note of a case, ready to paste into the medical record (logged in the access log)",
    tag="staff",
    access=Access.STAFF,
    response=JournalNote,
    errors=(404, 422),
    query=(("lang", "sv (default) or en", False),),
)
def journal(case_id: str) -> Response:
    who = http.who()
    lang = http.query(bp.current_request, "lang") or "sv"
    if lang not in ("sv", "en"):
        raise ValidationFailed("lang must be sv or en.", field="lang", message_sv="Språket ska vara sv eller en.")
    text = _service().journal(who, case_id, lang=lang)
    response = http.respond(JournalNote(case_id=case_id, lang="en" if lang == "en" else "sv", text=text))
    response.headers.update(NO_STORE)
    return response


@operation(
    bp,
    "/staff/cases/{case_id}/fhir",
    "GET",
    summary="The case as a FHIR R4 Bundle (collection: QuestionnaireResponse, Task, Communication per message, "
    "ClinicalImpression), served as application/fhir+json (logged in the access log)",
    tag="staff",
    access=Access.STAFF,
    errors=(404,),
)
def fhir(case_id: str) -> Response:
    from chalicelib.services.record import FHIR_JSON  # the FHIR export loads when first used

    who = http.who()
    bundle = _service().fhir(who, case_id)
    headers: dict[str, str | list[str]] = {"Content-Type": f"{FHIR_JSON}; charset=utf-8", **NO_STORE}
    return Response(body=json.dumps(bundle, ensure_ascii=False), status_code=200, headers=headers)
