"""Animated QR data, autostart links and BankID's recommended messages (pure code)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from chalicelib.domain.bankid import (
    MESSAGES,
    Device,
    Flow,
    app_link,
    autostart_url,
    message_for_collect,
    message_for_error,
    parse_qr_data,
    qr_data,
    qr_data_is_authentic,
    user_message,
)

TOKEN = "67df3917-fa0d-44e5-b327-edcc928297f8"
SECRET = "d28db9a7-4cde-429e-a983-359be676944c"


def test_qr_data_is_token_time_and_hmac_of_the_time_under_the_secret() -> None:
    expected_code = hmac.new(SECRET.encode(), b"0", hashlib.sha256).hexdigest()
    assert qr_data(TOKEN, SECRET, 0) == f"bankid.{TOKEN}.0.{expected_code}"


def test_qr_data_for_a_later_second_has_that_second_and_its_own_code() -> None:
    expected_code = hmac.new(SECRET.encode(), b"12", hashlib.sha256).hexdigest()
    assert qr_data(TOKEN, SECRET, 12) == f"bankid.{TOKEN}.12.{expected_code}"
    assert qr_data(TOKEN, SECRET, 1) != qr_data(TOKEN, SECRET, 2)


def test_qr_code_is_64_lowercase_hex_characters() -> None:
    code = qr_data(TOKEN, SECRET, 5).rsplit(".", 1)[1]
    assert len(code) == 64
    assert code == code.lower()
    int(code, 16)


def test_negative_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        qr_data(TOKEN, SECRET, -1)


def test_scanned_qr_data_round_trips_and_is_authentic_only_under_its_secret() -> None:
    parsed = parse_qr_data(qr_data(TOKEN, SECRET, 7))
    assert (parsed.qr_start_token, parsed.seconds_since_auth) == (TOKEN, 7)
    assert qr_data_is_authentic(parsed, SECRET)
    assert not qr_data_is_authentic(parsed, "another-secret")


def test_qr_data_with_a_changed_time_is_not_authentic() -> None:
    code = qr_data(TOKEN, SECRET, 3).rsplit(".", 1)[1]
    assert not qr_data_is_authentic(parse_qr_data(f"bankid.{TOKEN}.9.{code}"), SECRET)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bankid",
        f"bankid.{TOKEN}.x.{'0' * 64}",
        f"bank.{TOKEN}.1.{'0' * 64}",
        f"bankid.{TOKEN}.1.{'0' * 63}",
        f"bankid.{TOKEN}.1.{'G' * 64}",
        f"bankid..1.{'0' * 64}",
        f"bankid.{TOKEN}.-1.{'0' * 64}",
    ],
)
def test_text_that_is_not_bankid_qr_data_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_qr_data(text)


def test_autostart_links_carry_the_token_and_no_redirect_by_default() -> None:
    assert autostart_url("abc-123") == "bankid:///?autostarttoken=abc-123&redirect=null"
    assert app_link("abc-123") == "https://app.bankid.com/?autostarttoken=abc-123&redirect=null"


def test_autostart_redirect_is_url_encoded() -> None:
    link = app_link("t", redirect="https://nara.example/citizen/?login=1#x")
    assert (
        link
        == "https://app.bankid.com/?autostarttoken=t&redirect=https%3A%2F%2Fnara.example%2Fcitizen%2F%3Flogin%3D1%23x"
    )


EXPECTED_IDS = {
    "RFA1",
    "RFA2",
    "RFA3",
    "RFA4",
    "RFA5",
    "RFA6",
    "RFA8",
    "RFA9",
    "RFA13",
    "RFA14A",
    "RFA14B",
    "RFA15A",
    "RFA15B",
    "RFA16",
    "RFA17A",
    "RFA17B",
    "RFA19",
    "RFA20",
    "RFA21",
    "RFA22",
    "RFA23",
}


def test_every_recommended_message_exists_in_swedish_and_english() -> None:
    assert set(MESSAGES) == EXPECTED_IDS
    for message_id, message in MESSAGES.items():
        assert message.id == message_id
        assert message.sv.strip() and message.en.strip()
        assert message.sv != message.en


def test_messages_are_looked_up_by_language() -> None:
    assert user_message("RFA1", "sv") == "Starta BankID-appen."
    assert user_message("RFA1", "en") == "Start your BankID app."
    assert "säkerhetskod" in user_message("RFA9", "sv")


def test_variant_a_speaks_of_a_computer_and_card_reader_and_b_of_a_device() -> None:
    assert "datorn" in MESSAGES["RFA15A"].sv and "kortläsaren" in MESSAGES["RFA15A"].sv
    assert "enheten" in MESSAGES["RFA15B"].sv and "kortläsaren" not in MESSAGES["RFA15B"].sv
    assert "annan enhet" in MESSAGES["RFA14A"].sv and "annan enhet" not in MESSAGES["RFA15A"].sv


@pytest.mark.parametrize(
    ("status", "hint", "flow", "expected"),
    [
        ("pending", "outstandingTransaction", Flow.SAME_DEVICE, "RFA13"),
        ("pending", "outstandingTransaction", Flow.OTHER_DEVICE, "RFA1"),
        ("pending", "noClient", Flow.SAME_DEVICE, "RFA1"),
        ("pending", "noClient", Flow.OTHER_DEVICE, "RFA1"),
        ("pending", "started", Flow.SAME_DEVICE, "RFA15A"),
        ("pending", "userSign", Flow.OTHER_DEVICE, "RFA9"),
        ("pending", "userMrtd", Flow.OTHER_DEVICE, "RFA23"),
        ("pending", "somethingNew", Flow.OTHER_DEVICE, "RFA21"),
        ("pending", None, Flow.OTHER_DEVICE, "RFA21"),
        ("failed", "expiredTransaction", Flow.OTHER_DEVICE, "RFA8"),
        ("failed", "certificateErr", Flow.OTHER_DEVICE, "RFA16"),
        ("failed", "userCancel", Flow.OTHER_DEVICE, "RFA6"),
        ("failed", "cancelled", Flow.OTHER_DEVICE, "RFA3"),
        ("failed", "startFailed", Flow.SAME_DEVICE, "RFA17A"),
        ("failed", "startFailed", Flow.OTHER_DEVICE, "RFA17B"),
        ("failed", "somethingNew", Flow.SAME_DEVICE, "RFA22"),
        ("complete", None, Flow.SAME_DEVICE, None),
    ],
)
def test_collect_result_picks_the_recommended_message(
    status: str, hint: str | None, flow: Flow, expected: str | None
) -> None:
    assert message_for_collect(status, hint, flow=flow) == expected


def test_started_message_depends_on_device_and_on_a_typed_personal_number() -> None:
    def pick(device: Device, given: bool) -> str | None:
        return message_for_collect(
            "pending", "started", flow=Flow.SAME_DEVICE, device=device, personal_number_given=given
        )

    assert pick(Device.COMPUTER, False) == "RFA15A"
    assert pick(Device.MOBILE, False) == "RFA15B"
    assert pick(Device.COMPUTER, True) == "RFA14A"
    assert pick(Device.MOBILE, True) == "RFA14B"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("alreadyInProgress", "RFA4"),
        ("internalError", "RFA5"),
        ("maintenance", "RFA5"),
        ("requestTimeout", "RFA5"),
        ("invalidParameters", "RFA22"),
        ("unauthorized", "RFA22"),
        ("notFound", "RFA22"),
        ("whatever", "RFA22"),
    ],
)
def test_error_codes_pick_the_recommended_message(code: str, expected: str) -> None:
    assert message_for_error(code) == expected


def test_an_unknown_status_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        message_for_collect("done", None, flow=Flow.SAME_DEVICE)
