"""The patient-data access log, read: the citizen's own extract, and the unit admins' review (docs/access-log.md).

The citizen sees, for every access to their data, the time, the care unit, the role, the action in plain words and
the ground; never another patient's record, never a staff member's name. A unit's admins search their unit's records
by patient or staff member and draw random samples; each patient they are shown gets a ``review`` access record
before the answer is sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalice.app import Blueprint, Response
from pydantic import ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.booking import _day
from chalicelib.api.core_models import ApiModel
from chalicelib.api.http import Access
from chalicelib.api.models import Localized
from chalicelib.api.openapi import operation
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.audit import EXTRACT_PAGE, SAMPLE_MAX

bp = Blueprint(__name__)

NO_STORE = {"Cache-Control": "no-store"}
DEFAULT_DAYS = 30  # a review without dates looks at the last 30 days

# What each action code means, in the citizen's words.
ACTIONS: dict[str, tuple[str, str]] = {
    "read_case": ("läste ditt ärende", "read your case"),
    "list_queue": ("såg ditt ärende i enhetens kö", "saw your case in the unit's queue"),
    "list_held": ("såg ditt ärende i sin lista över pågående ärenden", "saw your case in their list of ongoing cases"),
    "read_messages": ("läste meddelandena i ärendet", "read the messages of the case"),
    "post_message": ("skrev till dig i ärendet", "wrote to you in the case"),
    "request_photo": ("bad dig om en bild", "asked you for a photo"),
    "read_photos": ("tittade på bilderna i ärendet", "looked at the photos of the case"),
    "read_photo": ("tittade på en bild", "looked at a photo"),
    "claim_case": ("tog ärendet", "took the case"),
    "release_case": ("lämnade tillbaka ärendet till kön", "put the case back in the queue"),
    "hand_over_case": ("lämnade över ärendet till en kollega", "handed the case to a colleague"),
    "close_case": ("avslutade ärendet", "closed the case"),
    "override_triage": ("ändrade bedömningen", "changed the assessment"),
    "refer_case": ("remitterade ärendet", "referred the case"),
    "reject_referral": ("avböjde remissen", "declined the referral"),
    "refer_case_region": (
        "remitterade ärendet till en annan region, med ditt samtycke",
        "referred the case to another region, with your consent",
    ),
    "disclose_to_region": (
        "skickade ärendet och dess historik till den andra regionen, med ditt samtycke",
        "sent the case and its history to the other region, with your consent",
    ),
    "receive_from_region": (
        "remitterade ärendet hit från en annan region, med ditt samtycke",
        "referred the case here from another region, with your consent",
    ),
    "journal_note": ("hämtade journalanteckningen", "fetched the note for the medical record"),
    "export_fhir": ("exporterade ärendet till journalen", "exported the case to the medical record"),
    "read_booking": ("läste din bokning", "read your booking"),
    "offer_booking": ("erbjöd dig tider", "offered you times"),
    "booking_cancel": ("avbokade din tid", "cancelled your appointment"),
    "booking_no_show": ("noterade att du uteblev", "noted that you did not come"),
    "start_video": ("startade ett videomöte", "started a video meeting"),
    "end_video": ("avslutade ett videomöte", "ended a video meeting"),
    "invite_interpreter": ("bjöd in en tolk till videomötet", "invited an interpreter to the video meeting"),
    "join_video": ("anslöt till videomötet", "joined the video meeting"),
    "review_override": (
        "granskade en ändrad bedömning i ditt ärende",
        "reviewed a changed assessment of your case",
    ),
    "review_access_log": (
        "granskade loggen över åtkomst till dina uppgifter",
        "reviewed the log of access to your data",
    ),
}
GROUNDS: dict[str, tuple[str, str]] = {
    "claimed": ("hade ditt ärende", "was handling your case"),
    "referral": ("ärendet remitterades till enheten", "the case was referred to the unit"),
    "unit_queue": ("ärendet fanns hos enheten", "the case was at the unit"),
    "review": ("granskning av loggen", "review of the log"),
}


def _words(table: dict[str, tuple[str, str]], code: str | None) -> Localized:
    sv, en = table.get(code or "", (code or "okänt", code or "unknown"))
    return Localized(sv=sv, en=en)


class AccessEntry(ApiModel):
    """One access to the citizen's data, as the citizen sees it."""

    model_config = ConfigDict(extra="forbid")

    record_id: str
    at: str = Field(description="ISO 8601, UTC")
    unit_id: str = Field(description="The care unit (its name: GET /units)")
    roles: list[str] = Field(description="The staff member's roles at the unit (nurse, doctor, admin, ...)")
    action: str = Field(description="The action code")
    action_text: Localized
    ground: str | None = Field(description="claimed, referral, unit_queue or review (none on the oldest records)")
    ground_text: Localized


class AccessExtract(ApiModel):
    entries: list[AccessEntry]
    cursor: str | None = Field(default=None, description="Pass as ?cursor= for the next (older) page; none: the end")


class ReviewRecord(ApiModel):
    """One record of the unit's access log, as its admins review it."""

    record_id: str
    at: str
    actor: str = Field(description="HSA-id")
    actor_name: str
    actor_roles: list[str]
    unit_id: str
    patient_ref: str = Field(description="The patient's pseudonym in the region (keyed hash)")
    case_id: str | None
    action: str
    action_text: Localized
    ground: str | None
    ground_text: Localized


class ReviewResult(ApiModel):
    records: list[ReviewRecord]


class SampleRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    size: int = Field(ge=1, le=SAMPLE_MAX, description=f"How many records to draw (1–{SAMPLE_MAX})")
    from_: str | None = Field(default=None, alias="from", description="First day (YYYY-MM-DD), default 30 days ago")
    to: str | None = Field(default=None, description="Last day (YYYY-MM-DD), default today")


def _review_record(record: dict[str, object]) -> ReviewRecord:
    return ReviewRecord.model_validate(
        {
            **record,
            "action_text": _words(ACTIONS, str(record["action"])),
            "ground_text": _words(GROUNDS, record.get("ground")),  # type: ignore[arg-type]
        }
    )


def _period(raw_from: str | None, raw_to: str | None) -> tuple[datetime, datetime]:
    now = bootstrap.utc_now()
    since = _day(raw_from, "from", now - timedelta(days=DEFAULT_DAYS))
    until = _day(raw_to, "to", now) + timedelta(days=1) if raw_to else now  # to the end of the last day
    if since > until:
        raise ValidationFailed(
            "from must not be after to.", field="from", message_sv="Från-datumet ska vara före till-datumet."
        )
    return since, until


def _no_store(response: Response) -> Response:
    response.headers.update(NO_STORE)
    return response


@operation(
    bp,
    "/citizen/access-log",
    "GET",
    summary="Who has accessed my data: care unit, role, action and ground of every access, newest first",
    tag="citizen",
    access=Access.CITIZEN,
    response=AccessExtract,
    errors=(403, 404, 422),
    query=(
        ("cursor", "From the previous page", False),
        ("ward", "A child in my custody (their reference from GET /citizen/children); default: me", False),
    ),
)
def citizen_extract() -> Response:
    request = bp.current_request
    entries, cursor = bootstrap.container().audit.extract(
        http.who(), ward=http.query(request, "ward"), cursor=http.query(request, "cursor"), limit=EXTRACT_PAGE
    )
    shown = [
        AccessEntry(
            record_id=e["record_id"],
            at=e["at"],
            unit_id=e["unit_id"],
            roles=e["actor_roles"],
            action=e["action"],
            action_text=_words(ACTIONS, e["action"]),
            ground=e["ground"],
            ground_text=_words(GROUNDS, e["ground"]),
        )
        for e in entries
    ]
    return _no_store(http.respond(AccessExtract(entries=shown, cursor=cursor)))


@operation(
    bp,
    "/staff/units/{unit_id}/access-log",
    "GET",
    summary="Review: the unit's access records of one patient or one staff member in a period (unit admins; each "
    "patient shown is logged)",
    tag="staff",
    access=Access.STAFF,
    response=ReviewResult,
    errors=(403, 404, 422),
    query=(
        ("patient", "The patient's personal identity number", False),
        ("staff", "The staff member's HSA-id", False),
        ("from", "First day (YYYY-MM-DD), default 30 days ago", False),
        ("to", "Last day (YYYY-MM-DD), default today", False),
    ),
)
def review_search(unit_id: str) -> Response:
    request = bp.current_request
    since, until = _period(http.query(request, "from"), http.query(request, "to"))
    records = bootstrap.container().audit.search(
        http.who(),
        unit_id,
        personal_number=http.query(request, "patient"),
        staff=http.query(request, "staff"),
        since=since,
        until=until,
    )
    return _no_store(http.respond(ReviewResult(records=[_review_record(r) for r in records])))


@operation(
    bp,
    "/staff/units/{unit_id}/access-log/sample",
    "POST",
    summary="Review: draw a random sample of the unit's access records in a period (unit admins; each patient shown "
    "is logged)",
    tag="staff",
    access=Access.STAFF,
    request=SampleRequest,
    response=ReviewResult,
    errors=(403, 404, 422),
)
def review_sample(unit_id: str) -> Response:
    body = http.parse_body(SampleRequest, bp.current_request)
    since, until = _period(body.from_, body.to)
    records = bootstrap.container().audit.sample(http.who(), unit_id, size=body.size, since=since, until=until)
    return _no_store(http.respond(ReviewResult(records=[_review_record(r) for r in records])))
