"""How a citizen wants to be told that something happened in their case: a mobile number for SMS, an e-mail.

Both are checked when given and stored normalised (E.164 for the phone). Messages are in English and Swedish,
since a citizen meets them in the intake form.
"""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from chalicelib.domain.errors import ValidationFailed

_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
EMAIL_MAX = 254


def mobile_number(raw: str | None) -> str | None:
    """A mobile number as E.164 ("+46701234567"); Swedish numbers may be written nationally ("070-123 45 67").
    Empty → None."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "SE")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise ValidationFailed(
            "Give a mobile number that can receive text messages, e.g. 070-123 45 67 or +46 70 123 45 67.",
            field="notify_sms",
            message_sv="Ange ett mobilnummer som kan ta emot sms, till exempel 070-123 45 67 eller +46 70 123 45 67.",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_address(raw: str | None) -> str | None:
    """A syntactically valid e-mail address (no DNS lookup), normalised; empty → None."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if len(text) > EMAIL_MAX:
            raise EmailNotValidError("too long")
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationFailed(
            "Give an e-mail address like namn@exempel.se.",
            field="notify_email",
            message_sv="Ange en e-postadress som namn@exempel.se.",
        ) from None
