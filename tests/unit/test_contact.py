"""The intake's "how shall we tell you": a mobile number for SMS and an e-mail address, checked and normalised."""

from __future__ import annotations

import pytest

from chalicelib.domain.contact import email_address, mobile_number
from chalicelib.domain.errors import ValidationFailed


@pytest.mark.parametrize("written", ["070-123 45 67", "0701234567", "+46 70 123 45 67", "0046701234567"])
def test_a_swedish_mobile_number_however_written_is_stored_as_e164(written: str) -> None:
    assert mobile_number(written) == "+46701234567"


def test_a_foreign_mobile_number_is_accepted_with_its_country_code() -> None:
    assert mobile_number("+49 176 12345678") == "+4917612345678"


@pytest.mark.parametrize("written", ["036-10 10 01", "08-123 456 78", "12345", "070-123", "ring mig"])
def test_a_landline_or_a_non_number_is_refused_with_a_message_in_both_languages(written: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        mobile_number(written)
    assert caught.value.field == "notify_sms"
    assert "mobilnummer" in (caught.value.message_sv or "") and "mobile number" in caught.value.message


def test_nothing_given_means_no_notice_that_way() -> None:
    assert mobile_number("  ") is None and mobile_number(None) is None
    assert email_address("") is None and email_address(None) is None


@pytest.mark.parametrize(("written", "stored"), [("anna@exempel.se", "anna@exempel.se"), (" a@åäö.se ", "a@åäö.se")])
def test_an_email_address_is_checked_without_asking_dns(written: str, stored: str) -> None:
    assert email_address(written) == stored


@pytest.mark.parametrize(
    "written", ["anna", "anna@", "@exempel.se", "anna@exempel", "a b@exempel.se", "x" * 250 + "@a.se"]
)
def test_a_malformed_email_address_is_refused(written: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        email_address(written)
    assert caught.value.field == "notify_email" and caught.value.message_sv
