"""From phone to digital: staff talking to a caller send them an SMS login link; after BankID the citizen's
intake starts at that staff member's unit.

The link's token is a keyed hash of who asked, the unit and the Idempotency-Key (a retry answers the same invite and
sends no second SMS); only the token's hash is stored. It is valid for 24 hours and belongs to the first citizen who
opens it. The SMS says only "log in to Nära" and the link — nothing about why they called.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.dynamo import DynamoDirectory, DynamoPhoneInvites
from chalicelib.adapters.notify import SmsSender
from chalicelib.domain.contact import mobile_number
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.model import Principal, PrincipalKind
from chalicelib.domain.notices import phone_invite_sms
from chalicelib.domain.tokens import keyed_token
from chalicelib.domain.tokens import secret_hash as _hash
from chalicelib.services.ports import Clock

INVITE_LIFETIME = timedelta(hours=24)
TOKEN_MAX = 100


def invite_not_found() -> NotFound:
    return NotFound(
        "This login link has been used already or has expired.",
        message_sv="Länken har redan använts eller gäller inte längre. Du kan ändå logga in och söka kontakt.",
    )


@dataclass(frozen=True)
class PhoneInviteSent:
    sent_to: str  # the number, masked but for its last digits
    expires_at: datetime


@dataclass(frozen=True)
class OpenedInvite:
    unit_id: str
    unit_name: str
    invited_by: str  # the inviting staff's HSA-id, for the case's record of where it came from
    invited_by_name: str

    def entry(self) -> dict[str, str]:
        """How the contact began, as the draft and then the case keep it (shown to staff)."""
        return {
            "channel": "phone_invite",
            "unit_id": self.unit_id,
            "invited_by": self.invited_by,
            "invited_by_name": self.invited_by_name,
        }


class PhoneInviteService:
    def __init__(
        self,
        invites: DynamoPhoneInvites,
        directory: DynamoDirectory,
        sms_for: Callable[[str, dict[str, Any]], SmsSender | None],
        *,
        clock: Clock,
        link_key: bytes,
        citizen_url: str,
    ) -> None:
        self._invites = invites
        self._directory = directory
        self._sms_for = sms_for
        self._clock = clock
        self._link_key = link_key
        self._citizen_url = citizen_url  # "<origin>/citizen/"

    def invite(self, principal: Principal, unit_id: str, phone: str, *, idempotency_key: str) -> PhoneInviteSent:
        """Send the caller a login link for ``unit_id`` (where the staff member works)."""
        if not principal.is_staff or unit_id not in principal.units:
            raise NotFound("There is no such unit.", message_sv="Mottagningen finns inte.")
        try:
            number = mobile_number(phone)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, field="phone", message_sv=error.message_sv) from None
        if number is None:
            raise ValidationFailed(
                "Give the caller's mobile number.", field="phone", message_sv="Ange uppringarens mobilnummer."
            )
        sms = self._sms_for(principal.tenant, self._directory.region(principal.tenant))
        if sms is None:
            raise Conflict("This region sends no text messages.", message_sv="Regionen har inte sms-utskick påslaget.")
        text_token = keyed_token(
            self._link_key, "phone-invite", principal.tenant, unit_id, principal.subject, idempotency_key
        )
        request_hash = _hash(number)
        expires_at = self._clock() + INVITE_LIFETIME
        created = self._invites.create(
            principal.tenant,
            _hash(text_token),
            unit_id=unit_id,
            invited_by=principal.subject,
            invited_by_name=principal.display_name,
            request_hash=request_hash,
            expires_at=expires_at,
        )
        if not created:
            earlier = self._invites.get(principal.tenant, _hash(text_token))
            if earlier is None or earlier.request_hash != request_hash:
                raise Conflict(
                    "This Idempotency-Key was used for another number.",
                    message_sv="Begäran har redan skickats med ett annat nummer. Ladda om sidan och försök igen.",
                )
            return PhoneInviteSent(_masked(number), earlier.expires_at)  # a retry: the SMS went already
        link = f"{self._citizen_url}#/ny-kontakt?inbjudan={text_token}"
        try:
            sms.send(number, phone_invite_sms(link))
        except Exception:
            self._invites.delete(principal.tenant, _hash(text_token))  # the retry may send it
            raise
        return PhoneInviteSent(_masked(number), expires_at)

    def open(self, principal: Principal, token: str) -> OpenedInvite:
        """The unit of a login link, for the citizen who opened it first (again on reload); 404 for anyone else,
        and once it has expired."""
        if principal.kind is not PrincipalKind.CITIZEN or not token or len(token) > TOKEN_MAX:
            raise invite_not_found()
        found = self._invites.get(principal.tenant, _hash(token))
        if found is None or found.expires_at <= self._clock():
            raise invite_not_found()
        if not self._invites.use(principal.tenant, _hash(token), principal.subject):
            raise invite_not_found()
        unit = self._directory.unit(principal.tenant, found.unit_id) or {}
        return OpenedInvite(
            found.unit_id, str(unit.get("name") or found.unit_id), found.invited_by, found.invited_by_name
        )


def _masked(number: str) -> str:
    return "•" * (len(number) - 4) + number[-4:]
