"""Strong login: BankID (RP v6.0) and Freja eID+ for citizens, SITHS through the region's OIDC IdP for staff.

Every successful login ends in ``SessionService.open``: Nära's own session, whatever the method.

BankID: ``bankid_start`` creates an order and keeps its secrets server-side (the QR start secret never leaves the
server); the browser asks for fresh QR data every second and polls ``bankid_collect`` about every two seconds,
showing BankID's recommended message for each state.

OIDC: ``oidc_start`` keeps the login request (state, nonce, PKCE verifier) server-side under its state and sends the
browser to the provider; ``oidc_callback`` takes the request exactly once, lets the OIDC adapter verify everything,
opens a session and sends the browser back to the frontend with a one-time login code, which the frontend
exchanges for the session token (``exchange``), so no token ever travels in a URL.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

import segno
from aws_lambda_powertools import Logger

from chalicelib.adapters.bankid import BankIdError, BankIdPort
from chalicelib.adapters.dynamo import DynamoDirectory, DynamoEphemeral
from chalicelib.adapters.oidc import AccessDenied, LoginExpired, LoginRequest, OidcClient, OidcError
from chalicelib.adapters.population import PopulationRegister, RegisterUnavailable
from chalicelib.adapters.ratelimit import DynamoRateLimiter
from chalicelib.domain import bankid, rate_limits
from chalicelib.domain.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from chalicelib.domain.identity import patient_ref
from chalicelib.domain.model import Principal, PrincipalKind, UnitRole, Ward
from chalicelib.domain.personal_number import InvalidPersonalNumber, PersonalNumber
from chalicelib.domain.tokens import secret_hash as _hash
from chalicelib.services.ports import Clock
from chalicelib.services.sessions import SessionService

logger = Logger(child=True)

BANKID_ORDER = "BANKID"
OIDC_REQUEST = "OIDCLOGIN"
LOGIN_CODE = "LOGINCODE"
BANKID_LIFETIME = timedelta(minutes=5)
OIDC_LIFETIME = timedelta(minutes=10)
LOGIN_CODE_LIFETIME = timedelta(seconds=60)


class ListedUnitLookup(Protocol):
    """The listing register as login uses it (the listing-register port): the unit a person is listed at."""

    def listed_unit(self, personal_number: str) -> str | None: ...


@dataclass(frozen=True)
class OidcProvider:
    """One configured OIDC login: who it is for (citizens or staff) and where the browser returns."""

    name: str  # "freja" or "siths"
    kind: PrincipalKind
    client: OidcClient
    frontend_url: str  # e.g. https://nara.example/citizen/


def qr_svg(data: str) -> str:
    """The QR code as inline SVG (drawn server-side so the QR start secret never reaches the browser)."""
    return str(segno.make(data, error="l").svg_inline(scale=5, border=2, title="BankID QR"))


def _messages(message_id: str | None) -> dict[str, str] | None:
    if message_id is None:
        return None
    return {"id": message_id, "sv": bankid.user_message(message_id, "sv"), "en": bankid.user_message(message_id, "en")}


class LoginService:
    def __init__(
        self,
        *,
        tenant: str,
        sessions: SessionService,
        ephemeral: DynamoEphemeral,
        directory: DynamoDirectory,
        patient_key: bytes,
        clock: Clock,
        bankid_client: BankIdPort | None,
        oidc: dict[str, OidcProvider],
        population: PopulationRegister | None = None,
        listing: ListedUnitLookup | None = None,
        rates: DynamoRateLimiter | None = None,
        login_limits: dict[str, rate_limits.RateLimit] | None = None,
    ) -> None:
        self._tenant = tenant
        self._sessions = sessions
        self._ephemeral = ephemeral
        self._directory = directory
        self._patient_key = patient_key
        self._clock = clock
        self._bankid = bankid_client
        self._oidc = oidc
        self._population = population
        self._listing = listing
        self._rates = rates or DynamoRateLimiter()
        self._limits = login_limits or rate_limits.login_steps()

    def admit(self, step: str, client_ip: str) -> None:
        """Count one login step (``start``: BankID or OIDC, ``callback``, ``exchange``) from a client address;
        raises ``LimitReached`` (429, with when to try again) when the address has made too many this minute."""
        limit = self._limits[step]
        now = self._clock()
        window = limit.window_at(now)
        if not self._rates.take(self._tenant, limit, client_ip, window):
            logger.warning("login rate limit reached", extra={"step": step})
            raise limit.refused(window, now)

    def methods(self) -> dict[str, list[str]]:
        citizen = (["bankid"] if self._bankid else []) + [
            p.name for p in self._oidc.values() if p.kind is PrincipalKind.CITIZEN
        ]
        staff = [p.name for p in self._oidc.values() if p.kind is PrincipalKind.STAFF]
        return {"citizen": citizen, "staff": staff}

    # --- citizens -------------------------------------------------------------------------------------------

    def _citizen(self, personal_number: str, name: str, method: str, level: str) -> Principal:
        try:
            number = PersonalNumber.parse(personal_number, today=self._clock().date())
        except InvalidPersonalNumber as error:
            raise Unauthenticated("The identity provider gave no valid personal identity number.") from error
        return Principal(
            tenant=self._tenant,
            kind=PrincipalKind.CITIZEN,
            subject=patient_ref(number.canonical, self._patient_key),
            display_name=name,
            auth_method=method,
            auth_level=level,
            wards=self._wards(number),
            birth_date=number.birth_date.isoformat(),
            listed_unit_id=self._listed(number),
        )

    def _listed(self, person: PersonalNumber) -> str:
        """The health centre the person is listed at, for routing their cases ("" when not listed, or when the
        listing register cannot be asked: routing then goes by the region's fallbacks). Only the unit's HSA-id is
        kept, in the session; the personnummer is not."""
        if self._listing is None:
            return ""
        return self._listing.listed_unit(person.canonical) or ""

    def _wards(self, guardian: PersonalNumber) -> tuple[Ward, ...]:
        """Children under 18 in the citizen's custody, per the population register (none if it can't be asked)."""
        if self._population is None:
            return ()
        try:
            children = self._population.children_in_custody(guardian.canonical)
        except RegisterUnavailable:
            logger.warning("population register unavailable; login without acting for children")
            return ()
        today = self._clock().date()
        wards = []
        for child in children:
            try:
                number = PersonalNumber.parse(child.personal_number, today=today)
            except InvalidPersonalNumber:
                continue
            if number.age_on(today) < 18:
                ref = patient_ref(number.canonical, self._patient_key)
                wards.append(Ward(ref, child.name, number.birth_date.isoformat(), self._listed(number)))
        return tuple(wards)

    def _staff(self, hsa_id: str, method: str, level: str) -> Principal:
        staff = self._directory.staff(self._tenant, hsa_id)
        if staff is None or not staff["roles"]:
            raise Forbidden("You are not registered as staff in Nära in this region; ask your unit's administrator.")
        return Principal(
            tenant=self._tenant,
            kind=PrincipalKind.STAFF,
            subject=staff["hsa_id"],
            display_name=staff["name"],
            auth_method=method,
            auth_level=level,
            roles=tuple(UnitRole(r["unit_id"], r["role"]) for r in staff["roles"]),
        )

    # --- BankID ---------------------------------------------------------------------------------------------

    def _bankid_client(self) -> BankIdPort:
        if self._bankid is None:
            raise NotFound("BankID login is not offered here.")
        return self._bankid

    def bankid_start(self, *, end_user_ip: str, same_device: bool) -> dict[str, Any]:
        client = self._bankid_client()
        try:
            order = client.auth(end_user_ip, user_visible_data="Logga in i Nära")
        except BankIdError as error:
            return {"status": "failed", "message": _messages(bankid.message_for_error(error.error_code))}
        login_id = secrets.token_urlsafe(24)
        now = self._clock()
        flow = bankid.Flow.SAME_DEVICE if same_device else bankid.Flow.OTHER_DEVICE
        self._ephemeral.put(
            self._tenant,
            BANKID_ORDER,
            _hash(login_id),
            {
                "order_ref": order.order_ref,
                "qr_start_token": order.qr_start_token,
                "qr_start_secret": order.qr_start_secret,
                "started_at": now.isoformat(),
                "flow": flow.value,
            },
            expires_at=now + BANKID_LIFETIME,
        )
        started: dict[str, Any] = {
            "login_id": login_id,
            "status": "pending",
            "message": _messages(bankid.message_for_collect("pending", "outstandingTransaction", flow=flow)),
        }
        if same_device:
            started["auto_start_token"] = order.auto_start_token
        else:
            started["qr_svg"] = qr_svg(bankid.qr_data(order.qr_start_token, order.qr_start_secret, 0))
        return started

    def _order(self, login_id: str) -> dict[str, Any]:
        found = self._ephemeral.get(self._tenant, BANKID_ORDER, _hash(login_id or "-"))
        if found is None or found[1] <= self._clock():
            raise NotFound("This login has ended; please start again.")
        return found[0]

    def bankid_qr(self, login_id: str) -> dict[str, Any]:
        order = self._order(login_id)
        seconds = int((self._clock() - datetime.fromisoformat(order["started_at"])).total_seconds())
        return {"qr_svg": qr_svg(bankid.qr_data(order["qr_start_token"], order["qr_start_secret"], max(0, seconds)))}

    def bankid_collect(self, login_id: str) -> dict[str, Any]:
        order = self._order(login_id)
        flow = bankid.Flow(order["flow"])
        try:
            collected = self._bankid_client().collect(order["order_ref"])
        except BankIdError as error:
            self._ephemeral.take(self._tenant, BANKID_ORDER, _hash(login_id))
            return {"status": "failed", "message": _messages(bankid.message_for_error(error.error_code))}
        if collected.status is bankid.CollectStatus.PENDING:
            return {
                "status": "pending",
                "hint_code": collected.hint_code,
                "message": _messages(bankid.message_for_collect("pending", collected.hint_code, flow=flow)),
            }
        if self._ephemeral.take(self._tenant, BANKID_ORDER, _hash(login_id)) is None:
            raise NotFound("This login has ended; please start again.")
        if collected.status is bankid.CollectStatus.FAILED or collected.completion is None:
            return {
                "status": "failed",
                "hint_code": collected.hint_code,
                "message": _messages(bankid.message_for_collect("failed", collected.hint_code, flow=flow)),
            }
        person = collected.completion
        principal = self._citizen(person.personal_number, person.name, "bankid", "loa3")
        token = self._sessions.open(principal)
        logger.info("citizen logged in", extra={"method": "bankid"})
        return {"status": "complete", "token": token, "kind": principal.kind.value, "name": principal.display_name}

    def bankid_cancel(self, login_id: str) -> None:
        taken = self._ephemeral.take(self._tenant, BANKID_ORDER, _hash(login_id or "-"))
        if taken is None:
            return  # already ended: cancelling twice is fine
        try:
            self._bankid_client().cancel(taken[0]["order_ref"])
        except BankIdError:
            logger.warning("BankID cancel failed; the order will expire by itself")

    # --- OIDC (Freja eID+, SITHS) -----------------------------------------------------------------------------

    def _provider(self, name: str) -> OidcProvider:
        provider = self._oidc.get(name)
        if provider is None:
            raise NotFound(f"There is no login method {name!r} here.")
        return provider

    def oidc_start(self, name: str) -> str:
        """The provider's authorization URL, for a fresh login request kept server-side."""
        provider = self._provider(name)
        now = self._clock()
        request = provider.client.begin_login(now)
        data = asdict(request)
        data["created_at"] = request.created_at.isoformat()
        self._ephemeral.put(self._tenant, OIDC_REQUEST, _hash(request.state), data, expires_at=now + OIDC_LIFETIME)
        return request.authorization_url

    def oidc_callback(self, name: str, params: dict[str, str]) -> str:
        """Finish the login and return where to send the browser: the frontend with a one-time code."""
        provider = self._provider(name)
        taken = self._ephemeral.take(self._tenant, OIDC_REQUEST, _hash(params.get("state") or "-"))
        if taken is None:
            return f"{provider.frontend_url}#login_error=expired"
        data = dict(taken[0])
        data["created_at"] = datetime.fromisoformat(data["created_at"])
        try:
            identity = provider.client.complete_login(LoginRequest(**data), params, self._clock())
            level = "loa4" if (identity.acr or "").endswith("loa4") else "loa3"
            if provider.kind is PrincipalKind.CITIZEN:
                principal = self._citizen(identity.subject_claim_value, identity.name, name, level)
            else:
                principal = self._staff(identity.subject_claim_value, name, level)
        except AccessDenied:
            return f"{provider.frontend_url}#login_error=cancelled"
        except LoginExpired:
            return f"{provider.frontend_url}#login_error=expired"
        except Forbidden:
            return f"{provider.frontend_url}#login_error=not_registered"
        except (OidcError, Unauthenticated) as error:
            logger.warning("OIDC login failed", extra={"provider": name, "error": type(error).__name__})
            return f"{provider.frontend_url}#login_error=failed"
        token = self._sessions.open(principal)
        code = secrets.token_urlsafe(32)
        self._ephemeral.put(
            self._tenant,
            LOGIN_CODE,
            _hash(code),
            {"token": token, "kind": principal.kind.value, "name": principal.display_name},
            expires_at=self._clock() + LOGIN_CODE_LIFETIME,
        )
        logger.info("logged in", extra={"method": name})
        return f"{provider.frontend_url}#login={quote(code)}"

    def exchange(self, code: str) -> dict[str, str]:
        """The session token for a one-time login code (works once, for a minute)."""
        if not code or len(code) > 100:
            raise ValidationFailed("The login code is missing.", field="code")
        taken = self._ephemeral.take(self._tenant, LOGIN_CODE, _hash(code))
        if taken is None or taken[1] <= self._clock():
            raise Unauthenticated("The login code is unknown, used or expired; please log in again.")
        return {k: str(v) for k, v in taken[0].items()}
