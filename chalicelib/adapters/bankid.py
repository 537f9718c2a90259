"""BankID Relying Party API v6.0 over HTTPS with mutual TLS: ``BankIdPort`` and its HTTP client.

Everything comes from constructor arguments (``bootstrap.py`` reads the environment): the base URL including
the version path, and in production the relying party's client certificate and key (PEM) and BankID's own CA
(BankID's servers are not signed by a public CA, so the system trust store cannot verify them)::

    test        https://appapi2.test.bankid.com/rp/v6.0
    production  https://appapi2.bankid.com/rp/v6.0
    local       http://127.0.0.1:8000/local/bankid/rp/v6.0   (the simulator; plain HTTP only on loopback)

Why not ``pybankid`` (1.5.0): it supports v6.0, but the server is hard-wired to BankID's test or production host
(no base URL, so it cannot talk to the simulator), its CA bundle is the one it ships, and a 5xx without a JSON body
surfaces as a JSON decoding error rather than a typed one. This client is small and has none of those issues.

Errors, all ``BankIdError`` (``error_code`` is BankID's ``errorCode`` where there is one)::

    BankIdError                  alreadyInProgress, invalidParameters, unauthorized, notFound, methodNotAllowed,
    │                            unsupportedMediaType, requestTimeout, internalError, invalidResponse
    └── BankIdUnavailable        retryable: maintenance (503), a 5xx without errorCode (proxy/gateway),
                                 connectionError, clientTimeout

``internalError`` and ``requestTimeout`` are not retryable: BankID's guidelines say the RP must not try again
automatically but tell the user (RFA5). Nothing is retried here; callers decide (polling collect retries anyway).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import ssl
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from chalicelib.domain.bankid import CollectStatus, message_for_error

__all__ = [
    "PRODUCTION_BASE_URL",
    "TEST_BASE_URL",
    "AuthStarted",
    "BankIdClient",
    "BankIdError",
    "BankIdPort",
    "BankIdUnavailable",
    "Collected",
    "Completion",
]

TEST_BASE_URL = "https://appapi2.test.bankid.com/rp/v6.0"
PRODUCTION_BASE_URL = "https://appapi2.bankid.com/rp/v6.0"
API_PATH = "/rp/v6.0"
MAX_USER_VISIBLE_DATA = 1500  # characters after base64 encoding


@dataclass(frozen=True, repr=False)
class AuthStarted:
    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str  # stays on the server: only QR data derived from it goes to the browser

    def __repr__(self) -> str:
        return f"AuthStarted(order_ref={self.order_ref!r})"


@dataclass(frozen=True, repr=False)
class Completion:
    """``completionData`` of a complete order. The signature and OCSP response are kept as BankID sent them
    (base64) for the audit trail."""

    personal_number: str
    name: str
    given_name: str
    surname: str
    ip_address: str
    uhi: str | None
    bankid_issue_date: str
    signature: str
    ocsp_response: str
    mrtd_verified: bool | None = None

    def __repr__(self) -> str:  # keeps the personnummer out of logs and tracebacks
        return (
            f"Completion(personal_number='{self.personal_number[:8]}-****', bankid_issue_date="
            f"{self.bankid_issue_date!r})"
        )


@dataclass(frozen=True)
class Collected:
    order_ref: str
    status: CollectStatus
    hint_code: str | None = None
    completion: Completion | None = None


class BankIdError(Exception):
    """An error answer from BankID (``error_code``/``details``) or a failure to get one."""

    retryable = False

    def __init__(self, error_code: str, details: str = "", *, http_status: int | None = None) -> None:
        super().__init__(f"BankID {error_code}: {details}" if details else f"BankID {error_code}")
        self.error_code = error_code
        self.details = details
        self.http_status = http_status

    @property
    def message_id(self) -> str:
        """BankID's recommended user message for this error (RFA4, RFA5 or RFA22)."""
        return message_for_error(self.error_code)


class BankIdUnavailable(BankIdError):
    """BankID could not be reached or is in maintenance: the same call may succeed later."""

    retryable = True


class BankIdPort(Protocol):
    def auth(self, end_user_ip: str, *, user_visible_data: str | None = None) -> AuthStarted: ...

    def collect(self, order_ref: str) -> Collected: ...

    def cancel(self, order_ref: str) -> None: ...


def _mutual_tls_context(client_cert: str, client_key: str, ca_bundle: str, key_password: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_bundle)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(client_cert, client_key, password=key_password)
    return context


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BankIdClient:
    """``BankIdPort`` over HTTP. Thread-safe; build once and reuse (keeps TLS connections open)."""

    def __init__(
        self,
        base_url: str,
        *,
        client_cert: str | None = None,
        client_key: str | None = None,
        ca_bundle: str | None = None,
        key_password: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``base_url`` ends with ``/rp/v6.0``. HTTPS needs the client certificate, its key and BankID's CA
        (all PEM paths); plain HTTP is allowed only to a loopback address (the simulator)."""
        base_url = base_url.rstrip("/")
        parts = urlsplit(base_url)
        if not base_url.endswith(API_PATH):
            raise ValueError(f"the BankID base URL must end with {API_PATH} (e.g. {TEST_BASE_URL})")
        verify: ssl.SSLContext | bool = True
        if parts.scheme == "https":
            if transport is None and not (client_cert and client_key and ca_bundle):
                raise ValueError("BankID over HTTPS needs client_cert, client_key and ca_bundle (mutual TLS)")
            if client_cert and client_key and ca_bundle:
                verify = _mutual_tls_context(client_cert, client_key, ca_bundle, key_password)
        elif parts.scheme != "http" or not _is_loopback(parts.hostname):
            raise ValueError("BankID must be reached over HTTPS (plain HTTP only to the local simulator)")
        self._base_url = base_url
        self._http = httpx.Client(
            verify=verify,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            transport=transport,
            follow_redirects=False,
        )

    # --- the port ---

    def auth(
        self,
        end_user_ip: str,
        *,
        user_visible_data: str | None = None,
        user_visible_data_format: str | None = None,
        personal_number: str | None = None,
    ) -> AuthStarted:
        """Start an authentication order. ``user_visible_data`` is plain text (UTF-8), encoded here;
        ``personal_number`` (12 digits) becomes ``requirement.personalNumber``."""
        body: dict[str, Any] = {"endUserIp": end_user_ip}
        if user_visible_data is not None:
            encoded = base64.b64encode(user_visible_data.encode("utf-8")).decode("ascii")
            if not 0 < len(encoded) <= MAX_USER_VISIBLE_DATA:
                raise ValueError(f"user_visible_data must be 1..{MAX_USER_VISIBLE_DATA} characters once encoded")
            body["userVisibleData"] = encoded
            if user_visible_data_format is not None:
                body["userVisibleDataFormat"] = user_visible_data_format
        if personal_number is not None:
            body["requirement"] = {"personalNumber": personal_number}
        data = self._post("auth", body)
        return AuthStarted(
            order_ref=_text(data, "orderRef"),
            auto_start_token=_text(data, "autoStartToken"),
            qr_start_token=_text(data, "qrStartToken"),
            qr_start_secret=_text(data, "qrStartSecret"),
        )

    def collect(self, order_ref: str) -> Collected:
        data = self._post("collect", {"orderRef": order_ref})
        try:
            status = CollectStatus(str(data.get("status")))
        except ValueError:
            raise BankIdError("invalidResponse", "collect answered with an unknown status") from None
        hint = data.get("hintCode")
        completion = _completion(data.get("completionData")) if status is CollectStatus.COMPLETE else None
        return Collected(
            order_ref=_text(data, "orderRef"),
            status=status,
            hint_code=hint if isinstance(hint, str) else None,
            completion=completion,
        )

    def cancel(self, order_ref: str) -> None:
        self._post("cancel", {"orderRef": order_ref})

    # --- plumbing ---

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BankIdClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _post(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(f"{self._base_url}/{method}", content=json.dumps(body))
        except httpx.TimeoutException as error:
            raise BankIdUnavailable("clientTimeout", f"no answer from BankID in time ({method})") from error
        except httpx.TransportError as error:
            raise BankIdUnavailable("connectionError", f"could not reach BankID ({type(error).__name__})") from error
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code == 200:
            if not isinstance(data, dict):
                raise BankIdError("invalidResponse", f"{method} did not answer with a JSON object", http_status=200)
            return data
        code = data.get("errorCode") if isinstance(data, dict) else None
        details = data.get("details") if isinstance(data, dict) else None
        details = details if isinstance(details, str) else ""
        if not isinstance(code, str):
            if response.status_code >= 500:
                raise BankIdUnavailable(
                    "httpError", f"HTTP {response.status_code} from {method}", http_status=response.status_code
                )
            raise BankIdError(
                "httpError", f"HTTP {response.status_code} from {method}", http_status=response.status_code
            )
        error_type = BankIdUnavailable if code == "maintenance" else BankIdError
        raise error_type(code, details, http_status=response.status_code)


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise BankIdError("invalidResponse", f"the answer has no {key}")
    return value


def _completion(raw: object) -> Completion:
    if not isinstance(raw, dict):
        raise BankIdError("invalidResponse", "a complete order has no completionData")
    user, device = raw.get("user"), raw.get("device")
    if not isinstance(user, dict) or not isinstance(device, dict):
        raise BankIdError("invalidResponse", "completionData has no user or device")
    step_up = raw.get("stepUp")
    mrtd = step_up.get("mrtd") if isinstance(step_up, dict) else None
    uhi = device.get("uhi")
    return Completion(
        personal_number=_text(user, "personalNumber"),
        name=_text(user, "name"),
        given_name=_text(user, "givenName"),
        surname=_text(user, "surname"),
        ip_address=_text(device, "ipAddress"),
        uhi=uhi if isinstance(uhi, str) else None,
        bankid_issue_date=_text(raw, "bankIdIssueDate"),
        signature=_text(raw, "signature"),
        ocsp_response=_text(raw, "ocspResponse"),
        mrtd_verified=mrtd if isinstance(mrtd, bool) else None,
    )
