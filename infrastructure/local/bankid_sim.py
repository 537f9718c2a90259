"""A BankID Relying Party API v6.0 simulator for the local stack, and a small "BankID app" page to drive it.

Mounted by ``routes(prefix)`` (default ``/local/bankid``); the relying party points its BankID client at
``{origin}{prefix}/rp/v6.0``. Never packaged or deployed.

RP API (the real JSON shapes; errors are ``{"errorCode", "details"}`` with BankID's HTTP statuses)::

    POST {prefix}/rp/v6.0/auth      endUserIp (required, IPv4/IPv6), requirement, userVisibleData (base64) ...
    POST {prefix}/rp/v6.0/collect   orderRef -> pending | failed | complete (+ completionData)
    POST {prefix}/rp/v6.0/cancel    orderRef -> {}

An order's life::

    pending/outstandingTransaction ── no_client_after ──▶ pending/noClient
         │  app: scan a fresh, authentic QR  or  open with autoStartToken
         ▼
    pending/started ── app: choose an identity ──▶ pending/userSign ── app: approve ──▶ complete
         │                                              │
         └── app: cancel ─────────────▶ failed/userCancel ◀──────────────┘
    not started within start_timeout, or not signed within sign_timeout  ──▶ failed/expiredTransaction
    app: "could not start"                                               ──▶ failed/startFailed
    new auth with requirement.personalNumber while one is pending for it ──▶ 400 alreadyInProgress for the new
                                                                             one, failed/cancelled for the old

As in the real service, a finished order can be collected once; after that, and after the RP cancelled it, the
orderRef is unknown (400 invalidParameters "No such order"). A wrong URL is 404 notFound, another method 405
methodNotAllowed, a body that is not ``application/json`` 415 unsupportedMediaType.

The "app" (``GET {prefix}/app``, and JSON endpoints under ``{prefix}/app/`` for tests) refuses QR data whose
HMAC is wrong for its time value, whose time is ahead of the real time since auth, or that is older than
``qr_max_age`` seconds: a copied, stale code does not work, just as with the real app.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from chalicelib.domain.bankid import HintCode, parse_qr_data, qr_data_is_authentic
from chalicelib.domain.personal_number import InvalidPersonalNumber, PersonalNumber
from infrastructure.local import demo_region

APP_PAGE = Path(__file__).resolve().parent / "static" / "bankid_app.html"
APP_PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'"
)
RP_METHODS = ("auth", "collect", "cancel")
MAX_USER_VISIBLE_DATA = 1500
MAX_USER_NON_VISIBLE_DATA = 200_000


@dataclass(frozen=True)
class BankIdUser:
    personal_number: str
    given_name: str
    surname: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.surname}"


def demo_people() -> list[BankIdUser]:
    """The demo region's citizens, as BankID users."""
    people = []
    for citizen in demo_region.CITIZENS:
        given, _, surname = citizen["name"].partition(" ")
        people.append(BankIdUser(citizen["personnummer"], given, surname or given))
    return people


class RpError(Exception):
    """An RP API error answer: HTTP status, BankID errorCode and details."""

    def __init__(self, status: int, code: str, details: str) -> None:
        super().__init__(f"{status} {code}: {details}")
        self.status, self.code, self.details = status, code, details


class AppError(Exception):
    """A refusal shown on the app page, in Swedish and English."""

    def __init__(self, status: int, code: str, sv: str, en: str) -> None:
        super().__init__(en)
        self.status, self.code, self.sv, self.en = status, code, sv, en


def _no_such_order() -> RpError:
    return RpError(400, "invalidParameters", "No such order")


@dataclass
class _Order:
    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str
    end_user_ip: str
    created: float
    required_personal_number: str | None
    user_visible_data: str | None
    phase: str = "outstanding"  # outstanding | started | userSign | complete | failed
    hint_code: str | None = None  # the failure hint when failed
    started_at: float | None = None
    ticket: str | None = None
    device_ip: str | None = None
    flow: str | None = None  # "qr" | "autostart"
    person: BankIdUser | None = None
    completion: dict[str, Any] | None = None
    reported: bool = False  # the RP has collected the final result: the order is gone for the RP
    rp_cancelled: bool = False

    @property
    def known_to_rp(self) -> bool:
        return not (self.reported or self.rp_cancelled)


class BankIdSimulator:
    """In-memory state of the simulated BankID service. Thread-safe: every method takes one lock.

    ``clock`` is monotonic seconds (injectable so tests can move time); ``today`` dates personal numbers.
    """

    def __init__(
        self,
        *,
        people: list[BankIdUser] | None = None,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], date] = date.today,
        start_timeout: float = 30.0,
        sign_timeout: float = 180.0,
        no_client_after: float = 5.0,
        qr_max_age: float = 10.0,
        qr_max_ahead: float = 2.0,
        retention: float = 600.0,
    ) -> None:
        self.people = people if people is not None else demo_people()
        self._clock = clock
        self._today = today
        self.start_timeout = start_timeout
        self.sign_timeout = sign_timeout
        self.no_client_after = no_client_after
        self.qr_max_age = qr_max_age
        self.qr_max_ahead = qr_max_ahead
        self.retention = retention
        self.outage: str | None = None  # "maintenance" (503) or "internalError" (500): every RP call fails
        self._orders: dict[str, _Order] = {}
        self._lock = threading.Lock()

    # --- RP API ---------------------------------------------------------------------------------------------

    def auth(self, body: dict[str, Any]) -> dict[str, str]:
        self._check_available()
        end_user_ip = body.get("endUserIp")
        if not isinstance(end_user_ip, str) or not _is_ip(end_user_ip):
            raise RpError(400, "invalidParameters", "Invalid endUserIp")
        required = self._requirement(body.get("requirement"))
        visible = _decoded(body, "userVisibleData", MAX_USER_VISIBLE_DATA)
        _decoded(body, "userNonVisibleData", MAX_USER_NON_VISIBLE_DATA)
        if body.get("userVisibleDataFormat") not in (None, "simpleMarkdownV1"):
            raise RpError(400, "invalidParameters", "Invalid userVisibleDataFormat")
        with self._lock:
            now = self._clock()
            self._purge(now)
            if required is not None:
                clash = [o for o in self._orders.values() if self._is_pending_for(o, required, now)]
                if clash:  # the real service cancels both: the new order is refused, the old one fails
                    for order in clash:
                        order.phase, order.hint_code = "failed", HintCode.CANCELLED.value
                    raise RpError(400, "alreadyInProgress", "Order already in progress for pno")
            order = _Order(
                order_ref=str(uuid.uuid4()),
                auto_start_token=str(uuid.uuid4()),
                qr_start_token=str(uuid.uuid4()),
                qr_start_secret=str(uuid.uuid4()),
                end_user_ip=end_user_ip,
                created=now,
                required_personal_number=required,
                user_visible_data=visible,
            )
            self._orders[order.order_ref] = order
            return {
                "orderRef": order.order_ref,
                "autoStartToken": order.auto_start_token,
                "qrStartToken": order.qr_start_token,
                "qrStartSecret": order.qr_start_secret,
            }

    def collect(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_available()
        with self._lock:
            order = self._rp_order(body)
            now = self._clock()
            phase = self._refresh(order, now)
            answer: dict[str, Any] = {"orderRef": order.order_ref}
            if phase == "complete":
                answer.update(status="complete", completionData=order.completion)
                order.reported = True
            elif phase == "failed":
                answer.update(status="failed", hintCode=order.hint_code)
                order.reported = True
            else:
                answer.update(status="pending", hintCode=self._pending_hint(order, now))
            return answer

    def cancel(self, body: dict[str, Any]) -> dict[str, Any]:
        self._check_available()
        with self._lock:
            order = self._rp_order(body)
            order.rp_cancelled = True
            return {}

    # --- the app --------------------------------------------------------------------------------------------

    def scan(self, qr_text: str, *, device_ip: str) -> dict[str, Any]:
        """The app reads a QR code: it must be authentic and fresh."""
        try:
            qr = parse_qr_data(qr_text)
        except ValueError:
            raise AppError(
                400, "qr_unreadable", "Det här är ingen BankID-QR-kod.", "This is not a BankID QR code."
            ) from None
        with self._lock:
            now = self._clock()
            order = next((o for o in self._orders.values() if o.qr_start_token == qr.qr_start_token), None)
            if order is None or not order.known_to_rp:
                raise AppError(
                    404,
                    "order_unknown",
                    "Det finns ingen pågående legitimering för QR-koden.",
                    "There is no identification in progress for this QR code.",
                )
            if not qr_data_is_authentic(qr, order.qr_start_secret):
                raise AppError(
                    400,
                    "qr_forged",
                    "QR-koden är inte äkta (fel kontrollkod). Läs av koden på skärmen.",
                    "The QR code is not genuine (wrong code). Scan the code on the screen.",
                )
            elapsed = now - order.created
            if qr.seconds_since_auth > elapsed + self.qr_max_ahead:
                raise AppError(
                    400,
                    "qr_forged",
                    "QR-kodens tid ligger i framtiden. Läs av koden på skärmen.",
                    "The QR code's time is in the future. Scan the code on the screen.",
                )
            if elapsed - qr.seconds_since_auth > self.qr_max_age:
                raise AppError(
                    400,
                    "qr_stale",
                    f"QR-koden är för gammal ({int(elapsed - qr.seconds_since_auth)} s). "
                    "Läs av den aktuella koden på skärmen.",
                    f"The QR code is too old ({int(elapsed - qr.seconds_since_auth)} s). "
                    "Scan the current code on the screen.",
                )
            return self._start(order, now, flow="qr", device_ip=device_ip)

    def open(self, auto_start_token: str, *, device_ip: str) -> dict[str, Any]:
        """The app is started by the autostart link on the same device."""
        with self._lock:
            now = self._clock()
            order = next((o for o in self._orders.values() if o.auto_start_token == auto_start_token), None)
            if order is None or not order.known_to_rp:
                raise AppError(
                    404,
                    "order_unknown",
                    "Det finns ingen pågående legitimering för den här länken.",
                    "There is no identification in progress for this link.",
                )
            return self._start(order, now, flow="autostart", device_ip=device_ip)

    def fail_start(self, *, auto_start_token: str | None = None, qr_text: str | None = None) -> dict[str, Any]:
        """Simulate an app that could not start (failed/startFailed)."""
        token = None
        if qr_text:
            try:
                token = parse_qr_data(qr_text).qr_start_token
            except ValueError:
                raise AppError(
                    400, "qr_unreadable", "Det här är ingen BankID-QR-kod.", "This is not a BankID QR code."
                ) from None
        with self._lock:
            now = self._clock()
            order = next(
                (
                    o
                    for o in self._orders.values()
                    if o.known_to_rp
                    and (
                        (token is not None and o.qr_start_token == token)
                        or (auto_start_token and o.auto_start_token == auto_start_token)
                    )
                ),
                None,
            )
            if order is None:
                raise AppError(
                    404,
                    "order_unknown",
                    "Det finns ingen pågående legitimering att misslyckas med.",
                    "There is no identification in progress to fail.",
                )
            if self._refresh(order, now) != "outstanding":
                raise AppError(
                    409,
                    "order_in_use",
                    "Legitimeringen har redan startats eller avslutats.",
                    "The identification has already been started or has ended.",
                )
            order.phase, order.hint_code = "failed", HintCode.START_FAILED.value
            return self._app_view(order, now)

    def identify(self, ticket: str, personal_number: str, name: str | None = None) -> dict[str, Any]:
        """The user picks the BankID (identity) to use: the RP now sees userSign."""
        with self._lock:
            now = self._clock()
            order = self._app_order(ticket, now, expected="started")
            try:
                number = PersonalNumber.parse(personal_number, today=self._today())
            except InvalidPersonalNumber as error:
                raise AppError(400, "invalid_personal_number", error.message_sv, error.message_en) from None
            if order.required_personal_number not in (None, number.canonical):
                raise AppError(
                    409,
                    "wrong_person",
                    "Legitimeringen är beställd för ett annat personnummer.",
                    "The identification was requested for another personal identity number.",
                )
            known = next((p for p in self.people if p.personal_number == number.canonical), None)
            if known is None:
                given, _, surname = (name or "Test Testsson").strip().partition(" ")
                known = BankIdUser(number.canonical, given or "Test", surname or "Testsson")
            order.person, order.phase = known, "userSign"
            return self._app_view(order, now)

    def approve(self, ticket: str) -> dict[str, Any]:
        """The user enters the security code and approves: the order is complete."""
        with self._lock:
            now = self._clock()
            order = self._app_order(ticket, now, expected="userSign")
            order.phase, order.completion = "complete", self._completion_data(order)
            return self._app_view(order, now)

    def user_cancel(self, ticket: str) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            order = self._app_order(ticket, now, expected=("started", "userSign"))
            order.phase, order.hint_code = "failed", HintCode.USER_CANCEL.value
            return self._app_view(order, now)

    def status(self, ticket: str) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            return self._app_view(self._app_order(ticket, now, expected=None), now)

    # --- internals (called with the lock held) --------------------------------------------------------------

    def _check_available(self) -> None:
        if self.outage == "maintenance":
            raise RpError(503, "maintenance", "The service is temporarily unavailable (simulated maintenance)")
        if self.outage is not None:
            raise RpError(500, "internalError", "Internal error (simulated)")

    def _requirement(self, raw: object) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise RpError(400, "invalidParameters", "Invalid requirement")
        for flag in ("pinCode", "mrtd"):
            if flag in raw and not isinstance(raw[flag], bool):
                raise RpError(400, "invalidParameters", f"Invalid requirement.{flag}")
        policies = raw.get("certificatePolicies")
        if policies is not None and not (isinstance(policies, list) and all(isinstance(p, str) for p in policies)):
            raise RpError(400, "invalidParameters", "Invalid requirement.certificatePolicies")
        number = raw.get("personalNumber")
        if number is None:
            return None
        if not (
            isinstance(number, str)
            and len(number) == 12
            and number.isdigit()
            and PersonalNumber.is_valid(number, today=self._today())
        ):
            raise RpError(400, "invalidParameters", "Incorrect personalNumber")
        return number

    def _rp_order(self, body: dict[str, Any]) -> _Order:
        order_ref = body.get("orderRef")
        if not isinstance(order_ref, str) or not order_ref:
            raise RpError(400, "invalidParameters", "Invalid orderRef")
        order = self._orders.get(order_ref)
        if order is None or not order.known_to_rp:
            raise _no_such_order()
        return order

    def _app_order(self, ticket: str, now: float, *, expected: str | tuple[str, ...] | None) -> _Order:
        order = next((o for o in self._orders.values() if o.ticket is not None and o.ticket == ticket), None)
        if order is None:
            raise AppError(
                404, "order_unknown", "Legitimeringen finns inte längre.", "The identification no longer exists."
            )
        phase = self._refresh(order, now)
        if expected is None:
            return order
        if order.rp_cancelled:
            raise AppError(
                409,
                "order_cancelled",
                "E-tjänsten har avbrutit legitimeringen.",
                "The service cancelled the identification.",
            )
        if phase == "failed" and order.hint_code == HintCode.EXPIRED_TRANSACTION:
            raise AppError(
                409,
                "order_expired",
                "Tiden för legitimeringen har gått ut.",
                "The time for the identification has run out.",
            )
        if phase not in ((expected,) if isinstance(expected, str) else expected):
            raise AppError(
                409,
                "order_in_use",
                "Legitimeringen är redan avslutad eller i ett annat steg.",
                "The identification has already ended or is at another step.",
            )
        return order

    def _start(self, order: _Order, now: float, *, flow: str, device_ip: str) -> dict[str, Any]:
        phase = self._refresh(order, now)
        if phase == "failed" and order.hint_code == HintCode.EXPIRED_TRANSACTION:
            raise AppError(
                409,
                "order_expired",
                "Tiden för legitimeringen har gått ut. Börja om i e-tjänsten.",
                "The time for the identification has run out. Start again in the service.",
            )
        if phase != "outstanding":
            raise AppError(
                409,
                "order_in_use",
                "Legitimeringen har redan startats eller avslutats.",
                "The identification has already been started or has ended.",
            )
        order.phase, order.started_at, order.flow, order.device_ip = "started", now, flow, device_ip
        order.ticket = secrets.token_urlsafe(18)
        return self._app_view(order, now)

    def _refresh(self, order: _Order, now: float) -> str:
        """Apply the timeouts; returns the phase."""
        not_started = order.phase == "outstanding" and now - order.created >= self.start_timeout
        not_signed = (
            order.phase in ("started", "userSign")
            and order.started_at is not None
            and now - order.started_at >= self.sign_timeout
        )
        if not_started or not_signed:
            order.phase, order.hint_code = "failed", HintCode.EXPIRED_TRANSACTION.value
        return order.phase

    def _is_pending_for(self, order: _Order, personal_number: str, now: float) -> bool:
        if not order.known_to_rp or self._refresh(order, now) in ("complete", "failed"):
            return False
        chosen = order.person.personal_number if order.person else None
        return personal_number in (order.required_personal_number, chosen)

    def _pending_hint(self, order: _Order, now: float) -> str:
        if order.phase == "outstanding":
            late = now - order.created >= self.no_client_after
            return (HintCode.NO_CLIENT if late else HintCode.OUTSTANDING_TRANSACTION).value
        return (HintCode.STARTED if order.phase == "started" else HintCode.USER_SIGN).value

    def _purge(self, now: float) -> None:
        for ref in [r for r, o in self._orders.items() if now - o.created > self.retention]:
            del self._orders[ref]

    def _app_view(self, order: _Order, now: float) -> dict[str, Any]:
        phase = "cancelled" if order.rp_cancelled else order.phase
        view: dict[str, Any] = {
            "ticket": order.ticket,
            "state": phase,
            "hintCode": order.hint_code if phase == "failed" else None,
            "userVisibleData": order.user_visible_data,
            "requiredPersonalNumber": order.required_personal_number,
            "secondsLeft": max(
                0,
                int(
                    (order.started_at or order.created)
                    + (self.sign_timeout if order.started_at is not None else self.start_timeout)
                    - now
                ),
            ),
        }
        if order.person is not None:
            view["person"] = {"personalNumber": order.person.personal_number, "name": order.person.name}
        return view

    def _completion_data(self, order: _Order) -> dict[str, Any]:
        person = order.person
        assert person is not None
        uhi = base64.b64encode(hashlib.sha256(f"nara-sim:{person.personal_number}".encode()).digest()[:20])
        signature = (
            '<?xml version="1.0" encoding="UTF-8"?><Signature xmlns="http://www.w3.org/2000/09/xmldsig#">'
            f"<!-- simulated by Nära's local BankID simulator; not a real signature --><Object><bankIdSignedData>"
            f"<orderRef>{order.order_ref}</orderRef><usrVisibleData>{base64.b64encode((order.user_visible_data or '').encode()).decode()}"  # noqa: E501
            "</usrVisibleData></bankIdSignedData></Object></Signature>"
        )
        ocsp = f"simulated OCSP response for {order.order_ref}; not a real one".encode()
        return {
            "user": {
                "personalNumber": person.personal_number,
                "name": person.name,
                "givenName": person.given_name,
                "surname": person.surname,
            },
            "device": {"ipAddress": order.device_ip or order.end_user_ip, "uhi": uhi.decode("ascii")},
            "bankIdIssueDate": self._today().replace(month=1, day=1).isoformat(),
            "signature": base64.b64encode(signature.encode()).decode("ascii"),
            "ocspResponse": base64.b64encode(ocsp).decode("ascii"),
        }


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _decoded(body: dict[str, Any], key: str, limit: int) -> str | None:
    """A base64 text field of the auth request, decoded; invalidParameters if it is malformed or too long."""
    raw = body.get(key)
    if raw is None:
        return None
    if not isinstance(raw, str) or not 0 < len(raw) <= limit:
        raise RpError(400, "invalidParameters", f"Invalid {key}")
    try:
        return base64.b64decode(raw, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise RpError(400, "invalidParameters", f"Invalid {key}") from None


def routes(prefix: str = "/local/bankid", *, simulator: BankIdSimulator | None = None) -> list[Route]:
    """The simulator's routes, to be added to the local gateway (``extra_routes``)."""
    sim = simulator if simulator is not None else BankIdSimulator()
    prefix = prefix.rstrip("/")

    def rp_endpoint(handler: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type != "application/json":
                return _rp_error(RpError(415, "unsupportedMediaType", "Content-Type must be application/json"))
            try:
                body = json.loads(await request.body())
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return _rp_error(RpError(400, "invalidParameters", "Invalid JSON in request body"))
            try:
                return JSONResponse(handler(body))
            except RpError as error:
                return _rp_error(error)

        return endpoint

    async def rp_fallback(request: Request) -> Response:
        if request.path_params["rest"] in {f"v6.0/{m}" for m in RP_METHODS}:
            return _rp_error(RpError(405, "methodNotAllowed", "Only POST is allowed"))
        return _rp_error(RpError(404, "notFound", "No such endpoint"))

    def app_endpoint(handler: Callable[[dict[str, Any], str], dict[str, Any]]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return _app_error(AppError(400, "bad_request", "Skicka ett JSON-objekt.", "Send a JSON object."))
            device_ip = request.client.host if request.client else "127.0.0.1"
            try:
                return JSONResponse(handler(body, device_ip if _is_ip(device_ip) else "127.0.0.1"))
            except AppError as error:
                return _app_error(error)

        return endpoint

    def _field(body: dict[str, Any], key: str) -> str:
        value = body.get(key)
        if not isinstance(value, str) or not value.strip():
            raise AppError(400, "bad_request", f"Fältet {key} saknas.", f"The field {key} is missing.")
        return value.strip()

    async def app_page(request: Request) -> Response:
        return HTMLResponse(
            APP_PAGE.read_text(encoding="utf-8"),
            headers={
                "Cache-Control": "no-store",
                "Content-Security-Policy": APP_PAGE_POLICY,
            },
        )

    async def app_people(request: Request) -> Response:
        return JSONResponse(
            {
                "people": [
                    {
                        "personalNumber": p.personal_number,
                        "name": p.name,
                        "formatted": f"{p.personal_number[:8]}-{p.personal_number[8:]}",
                    }
                    for p in sim.people
                ]
            }
        )

    return [
        *(
            Route(f"{prefix}/rp/v6.0/{name}", rp_endpoint(handler), methods=["POST"])
            for name, handler in (("auth", sim.auth), ("collect", sim.collect), ("cancel", sim.cancel))
        ),
        Route(
            f"{prefix}/rp/{{rest:path}}",
            rp_fallback,
            methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        ),
        Route(f"{prefix}/app", app_page, methods=["GET"]),
        Route(f"{prefix}/app/people", app_people, methods=["GET"]),
        Route(
            f"{prefix}/app/scan",
            app_endpoint(lambda b, ip: sim.scan(_field(b, "qrData"), device_ip=ip)),
            methods=["POST"],
        ),
        Route(
            f"{prefix}/app/open",
            app_endpoint(lambda b, ip: sim.open(_field(b, "autoStartToken"), device_ip=ip)),
            methods=["POST"],
        ),
        Route(
            f"{prefix}/app/fail-start",
            app_endpoint(
                lambda b, ip: sim.fail_start(
                    auto_start_token=b.get("autoStartToken") if isinstance(b.get("autoStartToken"), str) else None,
                    qr_text=b.get("qrData") if isinstance(b.get("qrData"), str) else None,
                )
            ),
            methods=["POST"],
        ),
        Route(
            f"{prefix}/app/identify",
            app_endpoint(
                lambda b, ip: sim.identify(
                    _field(b, "ticket"),
                    _field(b, "personalNumber"),
                    b.get("name") if isinstance(b.get("name"), str) else None,
                )
            ),
            methods=["POST"],
        ),
        Route(f"{prefix}/app/approve", app_endpoint(lambda b, ip: sim.approve(_field(b, "ticket"))), methods=["POST"]),
        Route(
            f"{prefix}/app/cancel", app_endpoint(lambda b, ip: sim.user_cancel(_field(b, "ticket"))), methods=["POST"]
        ),
        Route(f"{prefix}/app/status", app_endpoint(lambda b, ip: sim.status(_field(b, "ticket"))), methods=["POST"]),
    ]


def _rp_error(error: RpError) -> JSONResponse:
    return JSONResponse({"errorCode": error.code, "details": error.details}, status_code=error.status)


def _app_error(error: AppError) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": error.code,
                "message": f"{error.sv} / {error.en}",
                "message_sv": error.sv,
                "message_en": error.en,
            }
        },
        status_code=error.status,
    )
