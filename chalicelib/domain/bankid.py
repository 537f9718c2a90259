"""BankID (Relying Party API v6.0), the parts that need no network: animated QR data, autostart links, and
BankID's recommended user messages (RFA1 ... RFA23) with the rule that picks one for a collect result.

The QR code a relying party shows changes every second::

    "bankid." + qrStartToken + "." + qrTime + "." + hex(HMAC-SHA256(key=qrStartSecret, msg=qrTime))

where ``qrTime`` is the whole number of seconds since the auth response arrived. The secret never leaves the
server; only the derived string is sent to the browser. A stale or forged string is refused by the app.

The message texts follow BankID's published guidelines for relying parties ("Recommended user messages"); the
identifiers are BankID's, so they can be checked against that list.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

__all__ = [
    "MESSAGES",
    "CollectStatus",
    "Device",
    "ErrorCode",
    "Flow",
    "HintCode",
    "Language",
    "QrData",
    "UserMessage",
    "app_link",
    "autostart_url",
    "message_for_collect",
    "message_for_error",
    "parse_qr_data",
    "qr_auth_code",
    "qr_data",
    "qr_data_is_authentic",
    "user_message",
]

QR_PREFIX = "bankid"


class CollectStatus(StrEnum):
    PENDING = "pending"
    FAILED = "failed"
    COMPLETE = "complete"


class HintCode(StrEnum):
    """The hint codes of collect in v6.0. BankID may add codes: unknown ones must be handled (RFA21/RFA22)."""

    # pending
    OUTSTANDING_TRANSACTION = "outstandingTransaction"
    NO_CLIENT = "noClient"
    STARTED = "started"
    USER_MRTD = "userMrtd"
    USER_CALL_CONFIRM = "userCallConfirm"
    USER_SIGN = "userSign"
    # failed
    EXPIRED_TRANSACTION = "expiredTransaction"
    CERTIFICATE_ERR = "certificateErr"
    USER_CANCEL = "userCancel"
    CANCELLED = "cancelled"
    START_FAILED = "startFailed"
    USER_DECLINED_CALL = "userDeclinedCall"


class ErrorCode(StrEnum):
    """``errorCode`` of an HTTP error response from the RP API."""

    ALREADY_IN_PROGRESS = "alreadyInProgress"
    INVALID_PARAMETERS = "invalidParameters"
    UNAUTHORIZED = "unauthorized"
    NOT_FOUND = "notFound"
    METHOD_NOT_ALLOWED = "methodNotAllowed"
    REQUEST_TIMEOUT = "requestTimeout"
    UNSUPPORTED_MEDIA_TYPE = "unsupportedMediaType"
    INTERNAL_ERROR = "internalError"
    MAINTENANCE = "maintenance"


class Flow(StrEnum):
    """How the user reaches the BankID app: on the device showing our page (autostart link), or with another
    device scanning the QR code."""

    SAME_DEVICE = "same_device"
    OTHER_DEVICE = "other_device"


class Device(StrEnum):
    """The kind of device our page runs on; picks variant A (computer) or B (mobile) of RFA14 and RFA15."""

    COMPUTER = "computer"
    MOBILE = "mobile"


class Language(StrEnum):
    SV = "sv"
    EN = "en"


# --- animated QR code -------------------------------------------------------------------------------------------


def qr_auth_code(qr_start_secret: str, seconds_since_auth: int) -> str:
    """hex(HMAC-SHA256(key=qrStartSecret, msg=str(seconds))), lower case."""
    if seconds_since_auth < 0:
        raise ValueError("seconds_since_auth cannot be negative")
    message = str(seconds_since_auth).encode("ascii")
    return hmac.new(qr_start_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def qr_data(qr_start_token: str, qr_start_secret: str, seconds_since_auth: int) -> str:
    """The content of the QR code to show ``seconds_since_auth`` whole seconds after the auth response."""
    return f"{QR_PREFIX}.{qr_start_token}.{seconds_since_auth}.{qr_auth_code(qr_start_secret, seconds_since_auth)}"


@dataclass(frozen=True)
class QrData:
    qr_start_token: str
    seconds_since_auth: int
    auth_code: str


def parse_qr_data(text: str) -> QrData:
    """Split scanned QR content into its parts; ValueError if it is not ``bankid.<token>.<seconds>.<hex>``."""
    parts = text.strip().split(".")
    if len(parts) != 4 or parts[0] != QR_PREFIX:
        raise ValueError("not BankID QR data (expected bankid.<token>.<time>.<code>)")
    _, token, seconds, code = parts
    if not token or not seconds.isascii() or not seconds.isdigit() or len(seconds) > 6:
        raise ValueError("the time in the QR data is not a whole number of seconds")
    if len(code) != 64 or any(c not in "0123456789abcdef" for c in code):
        raise ValueError("the code in the QR data is not a hex HMAC-SHA256")
    return QrData(qr_start_token=token, seconds_since_auth=int(seconds), auth_code=code)


def qr_data_is_authentic(data: QrData, qr_start_secret: str) -> bool:
    """Whether the code is the HMAC of the time under this secret (constant-time comparison)."""
    return hmac.compare_digest(data.auth_code, qr_auth_code(qr_start_secret, data.seconds_since_auth))


# --- autostart --------------------------------------------------------------------------------------------------


def _autostart_query(auto_start_token: str, redirect: str | None) -> str:
    # "null" tells the app not to return anywhere (the browser comes back by itself); a URL must be encoded.
    target = "null" if redirect is None else quote(redirect, safe="")
    return f"autostarttoken={quote(auto_start_token, safe='')}&redirect={target}"


def autostart_url(auto_start_token: str, *, redirect: str | None = None) -> str:
    """``bankid:///?autostarttoken=...&redirect=null``: starts the app on this device (desktop, Android)."""
    return f"bankid:///?{_autostart_query(auto_start_token, redirect)}"


def app_link(auto_start_token: str, *, redirect: str | None = None) -> str:
    """The universal link ``https://app.bankid.com/?autostarttoken=...&redirect=null`` (recommended on iOS and
    Android; falls back to a page that helps install the app)."""
    return f"https://app.bankid.com/?{_autostart_query(auto_start_token, redirect)}"


# --- recommended user messages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserMessage:
    id: str
    sv: str
    en: str

    def text(self, language: Language | str) -> str:
        return self.sv if Language(language) is Language.SV else self.en


_SEARCHING_SV = "Söker efter BankID, det kan ta en liten stund … Om det har gått några sekunder och inget BankID har hittats har du sannolikt inget BankID som går att använda för den aktuella identifieringen/underskriften i den här {where}."  # noqa: E501
_SEARCHING_EN = "Searching for BankID, it may take a little while … If a few seconds have passed and still no BankID has been found, you probably don’t have a BankID which can be used for this identification/signing on this {where}."  # noqa: E501
_CARD_SV = " Om du har ett BankID-kort, sätt in det i kortläsaren."
_CARD_EN = " If you have a BankID card, please insert it into your card reader."
_GET_ONE_SV = " Om du inte har något BankID kan du skaffa ett hos din bank."
_GET_ONE_EN = " If you don’t have a BankID you can get one from your bank."
_OTHER_SV = " Om du har ett BankID på en annan enhet kan du starta din BankID-app där."
_OTHER_EN = " If you have a BankID on another device you can start the BankID app on that device."
_INSTALL_SV = " Installera appen från din appbutik eller https://install.bankid.com."
_INSTALL_EN = " Install the app from your app store or https://install.bankid.com."


def _message(id_: str, sv: str, en: str) -> tuple[str, UserMessage]:
    return id_, UserMessage(id_, sv, en)


MESSAGES: Mapping[str, UserMessage] = dict(
    [
        _message("RFA1", "Starta BankID-appen.", "Start your BankID app."),
        _message(
            "RFA2",
            "Du har inte BankID-appen installerad. Kontakta din bank.",
            "The BankID app is not installed. Please contact your bank.",
        ),
        _message("RFA3", "Åtgärden avbruten. Försök igen.", "Action cancelled. Please try again."),
        _message(
            "RFA4",
            "En identifiering eller underskrift för det här personnumret är redan påbörjad. Försök igen.",
            "An identification or signing for this personal number is already started. Please try again.",
        ),
        _message("RFA5", "Internt tekniskt fel. Försök igen.", "Internal error. Please try again."),
        _message("RFA6", "Åtgärden avbruten.", "Action cancelled."),
        _message(
            "RFA8",
            "BankID-appen svarar inte. Kontrollera att den är startad och att du har internetanslutning. Om du inte "
            "har något giltigt BankID kan du skaffa ett hos din bank. Försök sedan igen.",
            "The BankID app is not responding. Please check that it’s started and that you have internet access. "
            "If you don’t have a valid BankID you can get one from your bank. Try again.",
        ),
        _message(
            "RFA9",
            "Skriv in din säkerhetskod i BankID-appen och välj Identifiera eller Skriv under.",
            "Enter your security code in the BankID app and select Identify or Sign.",
        ),
        _message("RFA13", "Försöker starta BankID-appen.", "Trying to start your BankID app."),
        _message(
            "RFA14A",
            _SEARCHING_SV.format(where="datorn") + _CARD_SV + _GET_ONE_SV + _OTHER_SV,
            _SEARCHING_EN.format(where="computer") + _CARD_EN + _GET_ONE_EN + _OTHER_EN,
        ),
        _message(
            "RFA14B",
            _SEARCHING_SV.format(where="enheten") + _GET_ONE_SV + _OTHER_SV,
            _SEARCHING_EN.format(where="device") + _GET_ONE_EN + _OTHER_EN,
        ),
        _message(
            "RFA15A",
            _SEARCHING_SV.format(where="datorn") + _CARD_SV + _GET_ONE_SV,
            _SEARCHING_EN.format(where="computer") + _CARD_EN + _GET_ONE_EN,
        ),
        _message(
            "RFA15B",
            _SEARCHING_SV.format(where="enheten") + _GET_ONE_SV,
            _SEARCHING_EN.format(where="device") + _GET_ONE_EN,
        ),
        _message(
            "RFA16",
            "Det BankID du försöker använda är för gammalt eller spärrat. Använd ett annat BankID eller skaffa ett "
            "nytt hos din bank.",
            "The BankID you are trying to use is blocked or too old. Please use another BankID or get a new one "
            "from your bank.",
        ),
        _message(
            "RFA17A",
            "BankID-appen verkar inte finnas i din dator eller telefon. Installera den och skaffa ett BankID hos din "
            "bank." + _INSTALL_SV,
            "The BankID app couldn’t be found on your computer or mobile device. Please install it and get a BankID "
            "from your bank." + _INSTALL_EN,
        ),
        _message(
            "RFA17B",
            "Misslyckades att läsa av QR-koden. Starta BankID-appen och läs av QR-koden. Kontrollera att "
            "BankID-appen är uppdaterad. Om du inte har BankID-appen måste du installera den och skaffa ett BankID "
            "hos din bank." + _INSTALL_SV,
            "Failed to scan the QR code. Start the BankID app and scan the QR code. Check that the BankID app is up "
            "to date. If you don’t have the BankID app, you need to install it and get a BankID from your bank."
            + _INSTALL_EN,
        ),
        _message(
            "RFA19",
            "Vill du identifiera dig eller skriva under med BankID på den här datorn eller med ett Mobilt BankID?",
            "Would you like to identify yourself or sign with a BankID on this computer, or with a Mobile BankID?",
        ),
        _message(
            "RFA20",
            "Vill du identifiera dig eller skriva under med ett BankID på den här enheten eller med ett BankID på "
            "en annan enhet?",
            "Would you like to identify yourself or sign with a BankID on this device, or with a BankID on "
            "another device?",
        ),
        _message("RFA21", "Identifiering eller underskrift pågår.", "Identification or signing in progress."),
        _message("RFA22", "Okänt fel. Försök igen.", "Unknown error. Please try again."),
        _message(
            "RFA23",
            "Fotografera och läs av din ID-handling med BankID-appen.",
            "Process your machine-readable travel document using the BankID app.",
        ),
    ]
)


def user_message(message_id: str, language: Language | str) -> str:
    """The text of a recommended message; KeyError for an id that is not in ``MESSAGES``."""
    return MESSAGES[message_id].text(language)


def message_for_collect(
    status: CollectStatus | str,
    hint_code: str | None,
    *,
    flow: Flow,
    device: Device = Device.COMPUTER,
    personal_number_given: bool = False,
) -> str | None:
    """The id of the message to show for a collect result, or None when the order is complete.

    ``personal_number_given``: whether the order was started with ``requirement.personalNumber`` typed by the
    user; only then may RFA14 tell them to use a BankID on another device, otherwise RFA15 is used.
    """
    status = CollectStatus(status)
    if status is CollectStatus.COMPLETE:
        return None
    if status is CollectStatus.PENDING:
        match hint_code:
            case HintCode.OUTSTANDING_TRANSACTION:
                return "RFA13" if flow is Flow.SAME_DEVICE else "RFA1"
            case HintCode.NO_CLIENT:
                return "RFA1"
            case HintCode.STARTED:
                variant = "A" if device is Device.COMPUTER else "B"
                return ("RFA14" if personal_number_given else "RFA15") + variant
            case HintCode.USER_SIGN:
                return "RFA9"
            case HintCode.USER_MRTD:
                return "RFA23"
            case _:  # userCallConfirm, and codes BankID adds later
                return "RFA21"
    match hint_code:
        case HintCode.EXPIRED_TRANSACTION:
            return "RFA8"
        case HintCode.CERTIFICATE_ERR:
            return "RFA16"
        case HintCode.USER_CANCEL | HintCode.USER_DECLINED_CALL:
            return "RFA6"
        case HintCode.CANCELLED:
            return "RFA3"
        case HintCode.START_FAILED:
            return "RFA17A" if flow is Flow.SAME_DEVICE else "RFA17B"
        case _:
            return "RFA22"


def message_for_error(error_code: str) -> str:
    """The message for an error response. Errors that are the relying party's own fault (invalidParameters,
    unauthorized, notFound, ...) must not be shown as BankID errors: the user gets the generic RFA22."""
    match error_code:
        case ErrorCode.ALREADY_IN_PROGRESS:
            return "RFA4"
        case ErrorCode.INTERNAL_ERROR | ErrorCode.MAINTENANCE | ErrorCode.REQUEST_TIMEOUT:
            return "RFA5"
        case _:
            return "RFA22"
