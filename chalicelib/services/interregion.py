"""Remiss till annan region: a case referred, with the patient's consent, to a unit of another region's stack.

The referring clinician records how the patient consented and confirms who the patient is (the personnummer is
checked against the case's keyed reference and kept, until delivered, only in a short-lived item); the change to the
case is the domain event CaseReferred (kind ``region``), which the consumer ``interregion`` turns into one signed
request to the other region (``chalicelib/adapters/interregion.py``) carrying the case and its history. The other
region puts it in the receiving unit's queue as a referral; taking it there accepts it, rejecting it sends it back
with a reason: those answers travel back the same way, as events and signed requests. The referrer keeps the case
until the answer: accepted closes it here as referred, rejected leaves it with them with the reason.

Both access logs record it: here, the disclosure to the other region (by the referring clinician, before the data
leaves); there, the receipt (by the same clinician, named with their region) before the case is stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import random
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
from aws_lambda_powertools import Logger
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.adapters.dynamo import DynamoCases, DynamoDirectory, DynamoEphemeral
from chalicelib.adapters.interregion import Partner, RegionClient, RegionVerifier
from chalicelib.domain import photos as photo_rules
from chalicelib.domain.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from chalicelib.domain.events import DomainEvent
from chalicelib.domain.identity import patient_ref
from chalicelib.domain.model import PROFESSIONS, SBAR_FIELDS, Case, Principal
from chalicelib.domain.personal_number import InvalidPersonalNumber, PersonalNumber
from chalicelib.services.audit import AuditService
from chalicelib.services.handling import HandlingService
from chalicelib.services.photos import PhotoService

logger = Logger(child=True)

PERSONAL_NUMBER_KIND = "region_referral"  # the short-lived item keeping the personnummer until delivered
PERSONAL_NUMBER_DAYS = 14  # as long as the consumer's DLQ keeps the event
CASE_NAMESPACE = uuid.UUID("6f7f2a4e-8a55-4f0e-9a53-0a1d4c1f2b77")
ATTEMPTS = 6
# The case's photos travel inside the one signed request (whose body may be at most MAX_REFERRAL_BYTES, in
# chalicelib/api/interregion.py: under Lambda's 6 MB): as stored when they fit in this many bytes together, else
# re-encoded smaller (long edge 1600 px, then 1024 px — still enough to see a rash or a wound).
PHOTO_BUDGET_BYTES = 3 * 1024 * 1024
PHOTO_TRANSFER_EDGES = (1600, 1024)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Clinician(_Strict):
    hsa_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)


class Consent(_Strict):
    how: Literal["chat", "phone", "video", "visit"]
    recorded_by: str = Field(min_length=1, max_length=64)
    recorded_by_name: str = Field(min_length=1, max_length=200)
    at: datetime


class Sbar(_Strict):
    situation: str = Field(min_length=1, max_length=2000)
    background: str = Field(min_length=1, max_length=2000)
    assessment: str = Field(min_length=1, max_length=2000)
    recommendation: str = Field(min_length=1, max_length=2000)


class Patient(_Strict):
    personal_number: str = Field(min_length=10, max_length=13)
    name: str = Field(default="", max_length=200)
    guardian_personal_number: str | None = Field(
        default=None, min_length=10, max_length=13, description="The guardian who sent a child's case"
    )


class SentMessage(_Strict):
    seq: int
    at: datetime
    sender: Literal["citizen", "staff", "system"]
    sender_name: str = Field(default="", max_length=200)
    text: str = Field(max_length=4000)
    photo_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$", description="A photo sent in the chat")


class SentPhoto(_Strict):
    """One of the case's photos (JPEG, base64): checked and re-encoded again by the receiving region."""

    photo_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    uploaded_at: datetime
    from_chat: bool = Field(description="Sent in the chat (else with the citizen's description)")
    jpeg: str = Field(max_length=4 * 1024 * 1024)


class Story(_Strict):
    """What the case says so far: the citizen's own words, the triage and its answers, contact details."""

    reason: str = Field(min_length=1, max_length=200)
    free_text: str = Field(default="", max_length=4000)
    expectations: str = Field(default="", max_length=1000)
    priority: Literal["P1", "P2", "P3", "P4", "P5"] | None = None
    profession: str = Field(max_length=40)
    disposition: str | None = Field(default=None, max_length=40)
    triage: dict[str, Any] | None = None
    triage_answers: list[dict[str, Any]] = Field(default_factory=list, max_length=200)
    submitted_at: datetime
    notify_sms: str | None = Field(default=None, max_length=20)
    notify_email: str | None = Field(default=None, max_length=254)


class RegionReferral(_Strict):
    """A referral from one region's stack to another's (version 1): the request body of POST /interregion/referrals."""

    version: Literal[1] = 1
    referral_id: str = Field(min_length=8, max_length=128)
    from_region: str = Field(min_length=1, max_length=40)
    from_region_name: str = Field(min_length=1, max_length=200)
    from_case_id: str = Field(min_length=1, max_length=64)
    from_unit_id: str = Field(min_length=1, max_length=64)
    from_unit_name: str = Field(min_length=1, max_length=200)
    from_profession: str = Field(max_length=40)
    to_unit_id: str = Field(min_length=1, max_length=64)
    to_profession: str = Field(max_length=40)
    by: Clinician
    at: datetime
    consent: Consent
    sbar: Sbar
    patient: Patient
    story: Story
    messages: list[SentMessage] = Field(default_factory=list, max_length=500)
    photos: list[SentPhoto] = Field(default_factory=list, max_length=photo_rules.MAX_PHOTOS)


class RegionReferralAnswer(_Strict):
    """The receiving region's answer (POST /interregion/referrals/{referral_id}/answer)."""

    case_id: str = Field(min_length=1, max_length=64, description="The referring region's case")
    state: Literal["accepted", "rejected"]
    by_name: str = Field(min_length=1, max_length=300)
    reason: str = Field(default="", max_length=1000)
    at: datetime


class InterRegionService:
    def __init__(
        self,
        cases: DynamoCases,
        directory: DynamoDirectory,
        ephemeral: DynamoEphemeral,
        audit: AuditService,
        handling: HandlingService,
        photos: PhotoService,
        client: RegionClient,
        verifier: RegionVerifier,
        *,
        tenant: str,
        partner_urls: dict[str, str],
        patient_key: bytes,
        clock: Callable[[], datetime],
        ids: Callable[[], str],
        fetch_units: Callable[[str], list[dict[str, Any]]] | None = None,
    ) -> None:
        self._cases = cases
        self._directory = directory
        self._ephemeral = ephemeral
        self._audit = audit
        self._handling = handling
        self._photos = photos
        self._client = client
        self._verifier = verifier
        self._tenant = tenant
        self._partner_urls = partner_urls
        self._patient_key = patient_key
        self._clock = clock
        self._ids = ids
        self._fetch_units = fetch_units or _fetch_units

    # --- The partner regions ---------------------------------------------------------------------------------------

    def partners(self) -> dict[str, Partner]:
        """The regions this one refers to and receives referrals from (the configuration's ``partner_regions``;
        the address may be set for the environment, as the local stack does)."""
        region = self._directory.region(self._tenant)
        found: dict[str, Partner] = {}
        for raw in region.get("partner_regions") or []:
            tenant = str(raw.get("tenant") or "")
            url = self._partner_urls.get(tenant) or str(raw.get("url") or "")
            if tenant and url and tenant != self._tenant:
                found[tenant] = Partner(tenant=tenant, name=str(raw.get("name") or tenant), url=url.rstrip("/"))
        return found

    def region_name(self) -> str:
        return str(self._directory.region(self._tenant).get("name") or self._tenant)

    def targets(self) -> list[dict[str, Any]]:
        """Each partner region with its units (read from its public list); a region that does not answer is shown
        as unavailable rather than failing the list."""
        out: list[dict[str, Any]] = []
        for partner in self.partners().values():
            try:
                units = self._fetch_units(partner.url)
            except (httpx.HTTPError, ValueError):
                logger.warning("partner region did not answer", extra={"partner": partner.tenant})
                out.append({"tenant": partner.tenant, "name": partner.name, "units": [], "available": False})
                continue
            out.append({"tenant": partner.tenant, "name": partner.name, "units": units, "available": True})
        return out

    # --- Referring a case out ---------------------------------------------------------------------------------------

    def refer(
        self,
        principal: Principal,
        case_id: str,
        *,
        referral_id: str,
        to_region: str,
        to_unit_id: str,
        to_profession: str,
        sbar: dict[str, str],
        consent: str,
        personal_number: str,
        guardian_personal_number: str | None = None,
    ) -> Case:
        read = self._cases.get(principal.tenant, case_id)
        if read is not None and principal.is_staff and read.has_referral(referral_id, by=principal.subject):
            case = self._handling.scoped(principal, read)
            self._audit.record_case_access(principal, case, "refer_case_region")
            return case  # a retry
        case = self._handling.scoped(principal, read)  # out of scope: 404 before anything is said about the input
        partner = self.partners().get(to_region)
        if partner is None:
            raise ValidationFailed(
                f"{to_region!r} is not a region this region refers to; choose one from the list.",
                field="to_region",
                message_sv="Välj en region i listan.",
            )
        unit = self._partner_unit(partner, to_unit_id)
        offered = unit.get("professions") or []
        if to_profession not in PROFESSIONS or (offered and to_profession not in offered):
            raise ValidationFailed(
                f"{unit.get('name', to_unit_id)} does not offer {to_profession}; choose a unit that does.",
                field="to_profession",
                message_sv=f"{unit.get('name', to_unit_id)} har inte den yrkesrollen. Välj en annan enhet eller roll.",
            )
        number = self._confirmed_number(case, personal_number)
        guardian = self._confirmed_guardian(case, guardian_personal_number)
        # first, before the personnummer is kept for the sending: fails closed if it cannot be written
        self._audit.record_case_access(principal, case, "refer_case_region")
        self._keep_number(referral_id, number, guardian)
        return self._handling.decide(
            principal,
            case_id,
            case,
            "refer_case_region",
            lambda c: c.refer_to_region(
                principal.subject,
                principal.display_name,
                referral_id=referral_id,
                to_region=partner.tenant,
                to_region_name=partner.name,
                to_unit_id=to_unit_id,
                to_unit_name=str(unit.get("name") or to_unit_id),
                to_profession=to_profession,
                sbar=sbar,
                consent=consent,
                now=self._clock(),
            ),
        )

    def _partner_unit(self, partner: Partner, unit_id: str) -> dict[str, Any]:
        try:
            units = self._fetch_units(partner.url)
        except (httpx.HTTPError, ValueError) as error:
            raise Conflict(
                f"{partner.name} does not answer just now; try again in a while.",
                message_sv=f"{partner.name} svarar inte just nu; försök igen om en stund.",
            ) from error
        unit = next((u for u in units if u.get("unit_id") == unit_id), None)
        if unit is None:
            raise ValidationFailed(
                f"{partner.name} has no unit {unit_id!r}; choose one from the list.",
                field="to_unit_id",
                message_sv=f"Välj en enhet i {partner.name}.",
            )
        return unit

    def _confirmed_number(self, case: Case, personal_number: str) -> str:
        """The patient's personnummer, as the clinician confirmed it: it must be the one the case's reference
        stands for (a typing error, or another person, is refused)."""
        try:
            number = PersonalNumber.parse(personal_number, today=self._clock().date())
        except InvalidPersonalNumber as error:
            raise ValidationFailed(
                f"{error.message_en}. Give the patient's personnummer (12 digits).",
                field="personal_number",
                message_sv=f"{error.message_sv}. Ange patientens personnummer (12 siffror).",
            ) from error
        if patient_ref(number.canonical, self._patient_key) != case.patient_ref:
            raise ValidationFailed(
                "That personnummer is not the patient's of this case; check it with the patient.",
                field="personal_number",
                message_sv="Personnumret hör inte till patienten i ärendet. Kontrollera det med patienten.",
            )
        return number.canonical

    def _confirmed_guardian(self, case: Case, guardian_personal_number: str | None) -> str | None:
        """The guardian's personnummer, for a case a guardian sent for their child, confirmed like the patient's: the
        child's case there is then the guardian's to follow too, as here."""
        if not case.sent_by_guardian:
            if guardian_personal_number:
                raise ValidationFailed(
                    "No guardian sent this case; leave the guardian's personnummer out.",
                    field="guardian_personal_number",
                    message_sv="Ärendet skickades inte av en vårdnadshavare; lämna vårdnadshavarens personnummer tomt.",
                )
            return None
        if not guardian_personal_number:
            raise ValidationFailed(
                "A guardian sent this case for their child: give the guardian's personnummer too.",
                field="guardian_personal_number",
                message_sv="En vårdnadshavare skickade ärendet för sitt barn: ange även vårdnadshavarens personnummer.",
            )
        try:
            number = PersonalNumber.parse(guardian_personal_number, today=self._clock().date())
        except InvalidPersonalNumber as error:
            raise ValidationFailed(
                f"{error.message_en}. Give the guardian's personnummer (12 digits).",
                field="guardian_personal_number",
                message_sv=f"{error.message_sv}. Ange vårdnadshavarens personnummer (12 siffror).",
            ) from error
        if patient_ref(number.canonical, self._patient_key) != case.submitted_by:
            raise ValidationFailed(
                "That personnummer is not the guardian's who sent this case; check it with them.",
                field="guardian_personal_number",
                message_sv="Personnumret hör inte till vårdnadshavaren som skickade ärendet. Kontrollera det.",
            )
        return number.canonical

    def _keep_number(self, referral_id: str, number: str, guardian: str | None = None) -> None:
        expires = self._clock() + timedelta(days=PERSONAL_NUMBER_DAYS)
        if self._ephemeral.get(self._tenant, PERSONAL_NUMBER_KIND, referral_id) is not None:
            return  # a retry of the same referral: kept already
        kept = {"personal_number": number, **({"guardian_personal_number": guardian} if guardian else {})}
        self._ephemeral.put(self._tenant, PERSONAL_NUMBER_KIND, referral_id, kept, expires_at=expires)

    # --- The consumer of domain events ------------------------------------------------------------------------------

    def on_event(self, event: DomainEvent) -> None:
        """Consumer ``interregion``: a referral to another region is sent; an answer to one from another region is
        sent back. Other events are not for it."""
        if event.data.get("kind") != "region":
            return
        referral_id = str(event.data.get("referral_id") or "")
        if event.type == "CaseReferred":
            self.deliver(event.case_id, referral_id)
        elif event.type in ("ReferralAccepted", "ReferralRejected") and event.data.get("direction") == "in":
            self.answer_back(event.case_id, referral_id)

    def deliver(self, case_id: str, referral_id: str) -> None:
        case = self._cases.get(self._tenant, case_id)
        referral = case.region_referral(referral_id) if case is not None else None
        if case is None or referral is None or referral.get("state") != "sending":
            return  # delivered (or answered) already
        partner = self.partners().get(str(referral.get("to_region")))
        kept = self._ephemeral.get(self._tenant, PERSONAL_NUMBER_KIND, referral_id)
        if partner is None or kept is None:
            why = "regionen är inte längre en samarbetsregion" if partner is None else "uppgifterna hann gå ut"
            self._settle(case_id, referral_id, "rejected", "Nära", f"Remissen kunde inte skickas: {why}.")
            return
        guardian = kept[0].get("guardian_personal_number")
        package = self._package(case, referral, str(kept[0]["personal_number"]), str(guardian) if guardian else None)
        # the disclosure is logged here before the data leaves: by the referring clinician, at their unit
        self._audit.record_on_behalf(
            actor=str(referral["by"]),
            actor_name=str(referral.get("by_name") or referral["by"]),
            actor_roles=[str(referral.get("from_profession") or "")],
            unit_id=str(referral.get("from_unit_id")),
            case=case,
            action="disclose_to_region",
            ground="referral",
        )
        status, answer = self._client.post(partner, "/interregion/referrals", package.model_dump(mode="json"))
        if status in (200, 201):
            self._store(
                case_id,
                lambda c: c.region_referral_delivered(
                    referral_id, remote_case_id=str(answer.get("case_id") or ""), now=self._clock()
                ),
            )
            self._ephemeral.take(self._tenant, PERSONAL_NUMBER_KIND, referral_id)  # needed no more
            logger.info("referral delivered", extra={"case_id": case_id, "to_region": partner.tenant})
            return
        if status in (404, 409, 422):  # the other region cannot take it: back to the referrer with its words
            message = str(answer.get("message_sv") or answer.get("message") or status)
            self._settle(
                case_id, referral_id, "rejected", partner.name, f"{partner.name} kunde inte ta emot: {message}"
            )
            return
        raise RuntimeError(f"{partner.tenant} answered {status} to the referral; it is tried again")

    def _package(
        self, case: Case, referral: dict[str, Any], personal_number: str, guardian: str | None
    ) -> RegionReferral:
        units = {str(u["unit_id"]): str(u.get("name") or u["unit_id"]) for u in self._directory.units(self._tenant)}
        consent = referral.get("consent") or {}
        messages = [
            SentMessage(
                seq=m.seq,
                at=m.sent_at,
                sender="citizen" if m.sender_kind == "citizen" else "staff",
                sender_name=m.sender_name or "",
                text=m.text or _KIND_TEXT.get(str(m.kind), ""),
                photo_id=m.photo_id,
            )
            for m in self._cases.messages(self._tenant, case.case_id)
        ]
        return RegionReferral(
            referral_id=str(referral["referral_id"]),
            from_region=self._tenant,
            from_region_name=self.region_name(),
            from_case_id=case.case_id,
            from_unit_id=str(referral["from_unit_id"]),
            from_unit_name=units.get(str(referral["from_unit_id"]), str(referral["from_unit_id"])),
            from_profession=str(referral.get("from_profession") or case.profession),
            to_unit_id=str(referral["to_unit_id"]),
            to_profession=str(referral["to_profession"]),
            by=Clinician(hsa_id=str(referral["by"]), name=str(referral.get("by_name") or referral["by"])),
            at=datetime.fromisoformat(str(referral["at"])),
            consent=Consent.model_validate(
                {
                    "how": consent.get("how"),
                    "recorded_by": str(consent.get("recorded_by") or referral["by"]),
                    "recorded_by_name": str(consent.get("recorded_by_name") or referral.get("by_name") or ""),
                    "at": str(consent.get("at") or referral["at"]),
                }
            ),
            sbar=Sbar(**{k: str(referral.get(k) or "") for k in SBAR_FIELDS}),
            patient=Patient(personal_number=personal_number, name=case.patient_name, guardian_personal_number=guardian),
            story=Story(
                reason=case.reason,
                free_text=case.free_text,
                expectations=case.expectations,
                priority=case.priority,  # type: ignore[arg-type]
                profession=case.profession,
                disposition=case.disposition,
                triage=case.triage,
                triage_answers=case.triage_answers,
                submitted_at=case.submitted_at,
                notify_sms=case.notify_sms,
                notify_email=case.notify_email,
            ),
            messages=messages,
            photos=self._photos_to_send(case),
        )

    def _photos_to_send(self, case: Case) -> list[SentPhoto]:
        found = self._photos.of_case_to_send(case)
        images = [data for _, data in found]
        for edge in PHOTO_TRANSFER_EDGES:
            if sum(len(i) for i in images) <= PHOTO_BUDGET_BYTES:
                break
            images = [photo_rules.process(data, max_edge=edge).image for _, data in found]
        return [
            SentPhoto(
                photo_id=photo.photo_id,
                uploaded_at=photo.uploaded_at,
                from_chat=photo.case_id is not None,
                jpeg=base64.b64encode(image).decode(),
            )
            for (photo, _), image in zip(found, images, strict=True)
        ]

    # --- Receiving a referral ---------------------------------------------------------------------------------------

    def receive(self, authorization: str, body: bytes) -> tuple[str, bool]:
        """A partner region's referral: (the case id here, whether it is new). A repeat gets the same case."""
        partner = self._verifier.sender(authorization, body, self.partners(), now=self._clock())
        referral = RegionReferral.model_validate_json(body)
        if referral.from_region != partner.tenant:
            raise Unauthenticated("The referral names another region than the one that signed it.")
        case_id = str(uuid.uuid5(CASE_NAMESPACE, f"{partner.tenant}:{referral.referral_id}")).replace("-", "")
        existing = self._cases.get(self._tenant, case_id)
        if existing is not None:
            return case_id, False
        unit = self._directory.unit(self._tenant, referral.to_unit_id)
        if unit is None:
            raise ValidationFailed(
                f"There is no unit {referral.to_unit_id!r} in this region.",
                field="to_unit_id",
                message_sv="Enheten finns inte i regionen.",
            )
        offered = unit.get("professions") or []
        if referral.to_profession not in PROFESSIONS or (offered and referral.to_profession not in offered):
            raise ValidationFailed(
                f"{unit.get('name')} does not offer {referral.to_profession}.",
                field="to_profession",
                message_sv=f"{unit.get('name')} har inte den yrkesrollen.",
            )
        now = self._clock()
        try:
            number = PersonalNumber.parse(referral.patient.personal_number, today=now.date())
        except InvalidPersonalNumber as error:
            raise ValidationFailed(
                error.message_en, field="patient.personal_number", message_sv=error.message_sv
            ) from error
        guardian_ref = None
        if referral.patient.guardian_personal_number:
            try:
                guardian = PersonalNumber.parse(referral.patient.guardian_personal_number, today=now.date())
            except InvalidPersonalNumber as error:
                raise ValidationFailed(
                    error.message_en, field="patient.guardian_personal_number", message_sv=error.message_sv
                ) from error
            guardian_ref = patient_ref(guardian.canonical, self._patient_key)
        born = number.birth_date
        age = now.year - born.year - ((now.month, now.day) < (born.month, born.day))
        incoming = {
            "referral_id": referral.referral_id,
            "from_region": partner.tenant,
            "from_region_name": referral.from_region_name,
            "from_case_id": referral.from_case_id,
            "from_unit_id": referral.from_unit_id,
            "from_unit_name": referral.from_unit_name,
            "from_profession": referral.from_profession,
            "to_unit_id": referral.to_unit_id,
            "to_profession": referral.to_profession,
            "by": referral.by.hsa_id,
            "by_name": f"{referral.by.name} ({referral.from_region_name})",
            "at": referral.at.isoformat(),
            "consent": referral.consent.model_dump(mode="json"),
            **referral.sbar.model_dump(),
            "history": [m.model_dump(mode="json") for m in referral.messages],
        }
        case = Case.from_region(
            case_id=case_id,
            tenant=self._tenant,
            patient_ref=patient_ref(number.canonical, self._patient_key),
            patient_name=referral.patient.name,
            patient_age=age,
            referral=incoming,
            story=referral.story.model_dump(mode="json"),
            now=now,
            submitted_by=guardian_ref,  # the guardian follows the child's case here too (notices, chat, video)
        )
        # the receipt is logged before the case is stored: by the referring clinician, named with their region
        self._audit.record_on_behalf(
            actor=referral.by.hsa_id,
            actor_name=incoming["by_name"],
            actor_roles=[referral.from_profession],
            unit_id=referral.to_unit_id,
            case=case,
            action="receive_from_region",
            ground="referral",
        )
        self._keep_photos(referral, case_id)
        digest = hashlib.sha256(body).hexdigest()
        try:
            self._cases.create(
                case,
                now=now,
                idempotency=(f"region:{partner.tenant}", referral.referral_id, digest, {"case_id": case_id}),
            )
        except Conflict:
            if self._cases.get(self._tenant, case_id) is None:
                raise
            return case_id, False
        logger.info("referral received", extra={"case_id": case_id, "from_region": partner.tenant})
        self._handling.push_change(before=case, after=case)  # it shows in the receiving unit's queue at once
        return case_id, True

    def _keep_photos(self, referral: RegionReferral, case_id: str) -> None:
        """The referral's photos, each checked and re-encoded as an upload here is, kept with the case to be. All are
        checked before any is kept: a referral with one bad photo leaves nothing behind."""
        processed = []
        for i, sent in enumerate(referral.photos):
            try:
                processed.append(photo_rules.process(base64.b64decode(sent.jpeg, validate=True)))
            except (binascii.Error, ValidationFailed) as error:
                raise ValidationFailed(
                    f"Photo {i + 1} of the referral is not a photo this region can take.",
                    field=f"photos[{i}]",
                    message_sv=f"Bild {i + 1} i remissen är inte en bild som regionen kan ta emot.",
                ) from error
        for sent, photo in zip(referral.photos, processed, strict=True):
            self._photos.keep_received(
                self._tenant, case_id, sent.photo_id, photo, uploaded_at=sent.uploaded_at, from_chat=sent.from_chat
            )

    def answer_back(self, case_id: str, referral_id: str) -> None:
        """Consumer: the answer to a referral from another region goes back to it."""
        case = self._cases.get(self._tenant, case_id)
        referral = case.region_referral(referral_id) if case is not None else None
        if case is None or referral is None or referral.get("direction") != "in":
            return
        partner = self.partners().get(str(referral.get("from_region")))
        if partner is None:
            logger.error("the referring region is no longer a partner", extra={"case_id": case_id})
            return
        answer = RegionReferralAnswer(
            case_id=str(referral["from_case_id"]),
            state=referral["state"],
            by_name=f"{referral.get('answered_by_name') or referral.get('answered_by')}, {self.region_name()}",
            reason=str(referral.get("reject_reason") or ""),
            at=datetime.fromisoformat(str(referral.get("answered_at"))),
        )
        status, body = self._client.post(
            partner, f"/interregion/referrals/{referral_id}/answer", answer.model_dump(mode="json")
        )
        if status >= 300:
            raise RuntimeError(f"{partner.tenant} answered {status} to the referral's answer: {body.get('message')}")

    def on_answer(self, authorization: str, body: bytes, referral_id: str) -> str:
        """A partner region's answer to a referral this region sent: the state of the referral now."""
        partner = self._verifier.sender(authorization, body, self.partners(), now=self._clock())
        answer = RegionReferralAnswer.model_validate_json(body)
        case = self._cases.get(self._tenant, answer.case_id)
        referral = case.region_referral(referral_id) if case is not None else None
        if referral is None or referral.get("direction") != "out" or referral.get("to_region") != partner.tenant:
            raise NotFound("There is no referral of that id to your region.")
        stored = self._settle(answer.case_id, referral_id, answer.state, answer.by_name, answer.reason, at=answer.at)
        settled = stored.region_referral(referral_id) or {}
        return str(settled.get("state"))

    # --- Storing ----------------------------------------------------------------------------------------------------

    def _settle(
        self, case_id: str, referral_id: str, state: str, by_name: str, reason: str, *, at: datetime | None = None
    ) -> Case:
        return self._store(
            case_id,
            lambda c: c.region_referral_answered(
                referral_id, state=state, by_name=by_name, reason=reason, at=at or self._clock(), now=self._clock()
            ),
        )

    def _store(self, case_id: str, change: Callable[[Case], Case]) -> Case:
        for attempt in range(ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 - jitter, not security
            case = self._cases.get(self._tenant, case_id)
            if case is None:
                raise NotFound("The case could not be found.")
            changed = change(case)
            if changed is case:
                return case
            try:
                stored = self._cases.save(changed, now=self._clock())
            except Conflict:
                continue
            self._handling.push_change(before=case, after=stored)  # the referrer sees the answer arrive
            return stored
        raise Conflict("The case is changing very often right now; please try again.")


_KIND_TEXT = {"photo": "[Foto]", "photo_request": "[Begäran om foto]", "booking_offer": "[Erbjudna tider]"}


def _fetch_units(url: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{url}/units", timeout=10)
    response.raise_for_status()
    units = response.json().get("units", [])
    return [
        {"unit_id": str(u["unit_id"]), "name": str(u.get("name") or u["unit_id"]), "professions": u.get("professions")}
        for u in units
        if isinstance(u, dict) and u.get("unit_id")
    ]
