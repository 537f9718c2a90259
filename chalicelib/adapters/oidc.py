"""OpenID Connect relying party: the authorization code flow with PKCE, against any OIDC provider.

Citizens log in with Freja eID+ (the subject we need is the personal identity number claim); staff log in with
SITHS eID through the region's IdP (the subject is the HSA-id claim). One client per provider and tenant, built by
``bootstrap`` from configuration; the HTTP transport (an ``httpx.Client``) is passed in.

    client = OidcClient(config, httpx.Client())
    login = client.begin_login(now)            # store `login` server-side (keyed by login.state), redirect the
                                               # browser to login.authorization_url
    identity = client.complete_login(login, callback_query, now)   # on the redirect back; delete `login` first

What ``complete_login`` checks, in order: the login request belongs to this provider and is recent; ``state``
matches (constant-time); the ``iss`` response parameter (RFC 9207) when present or promised; an ``error`` from
the provider; the code is exchanged once (``client_secret_basic``, the PKCE verifier, the same redirect_uri); the
ID token's signature against the provider's JWKS (``jwt.PyJWKClient``, algorithms from configuration, asymmetric
only), ``iss``, ``aud`` (and ``azp``), ``exp``/``iat``/``nbf`` against the injected clock with a small skew,
``nonce``, ``at_hash`` when present, ``acr`` when configured, and the presence of the configured subject claim.

The error tree (all are ``OidcError``):

    OidcError
    ├── ProviderUnavailable      network failure, timeout or 5xx from discovery, JWKS or token endpoint (retry later)
    ├── DiscoveryFailed          provider metadata malformed, insecure, or its issuer is not the configured one
    ├── StateMismatch            callback state missing or not ours, or the login was begun with another provider
    ├── CallbackInvalid          callback without a code, with repeated parameters, or with another issuer (mix-up)
    ├── LoginExpired             the login request is older than ``max_login_age``
    ├── LoginReplayed            this login request was already completed by this client
    ├── ProviderError            the provider answered with an OAuth error (``error``, ``error_description``)
    │   ├── AccessDenied         error=access_denied: the user cancelled (Avbryt) or the provider refused
    │   └── TokenRequestFailed   the token endpoint refused the code (invalid_grant, invalid_client, ...)
    └── TokenRejected            the ID token failed verification (signature, alg, kid, iss, aud, azp, exp, iat)
        ├── NonceMismatch        nonce missing or not the one sent
        ├── ClaimMissing         verified, but the configured subject claim (or ``sub``) is absent
        └── InsufficientAssurance  ``acr`` is not one of the accepted levels
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

import httpx
import jwt
from jwt import PyJWK, PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError

from chalicelib.domain.pkce import S256, RandomBytes, code_challenge_s256, new_code_verifier, random_token

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "FREJA_PERSONAL_NUMBER_CLAIM",
    "FREJA_PERSONAL_NUMBER_SCOPE",
    "LOA3",
    "LOA4",
    "SITHS_HSA_ID_CLAIM",
    "AccessDenied",
    "CallbackInvalid",
    "ClaimMissing",
    "DiscoveryFailed",
    "InsufficientAssurance",
    "LoginExpired",
    "LoginReplayed",
    "LoginRequest",
    "NonceMismatch",
    "OidcClient",
    "OidcError",
    "OidcProviderConfig",
    "ProviderError",
    "ProviderMetadata",
    "ProviderUnavailable",
    "StateMismatch",
    "TokenRejected",
    "TokenRequestFailed",
    "VerifiedIdentity",
    "freja_eid_plus",
    "siths_eid",
]

# Only signatures that a public JWKS can verify; never "none", never HMAC (a public key is not a secret).
ASYMMETRIC_ALGORITHMS = frozenset(
    {
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
    }
)
# at_hash uses the hash of the ID token's signature algorithm (OIDC Core §3.1.3.6); Ed25519 signs with SHA-512.
_AT_HASH_DIGEST = {
    "RS256": hashlib.sha256,
    "PS256": hashlib.sha256,
    "ES256": hashlib.sha256,
    "RS384": hashlib.sha384,
    "PS384": hashlib.sha384,
    "ES384": hashlib.sha384,
    "RS512": hashlib.sha512,
    "PS512": hashlib.sha512,
    "ES512": hashlib.sha512,
    "EdDSA": hashlib.sha512,
}

FREJA_PERSONAL_NUMBER_CLAIM = "https://frejaeid.com/oidc/claims/personalIdentityNumber"
FREJA_PERSONAL_NUMBER_SCOPE = "https://frejaeid.com/oidc/scopes/personalIdentityNumber"
SITHS_HSA_ID_CLAIM = "urn:sambi:names:attribute:employeeHsaId"
# Levels of assurance of the Swedish e-identification framework (DIGG, formerly E-legitimationsnämnden).
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"
LOA4 = "http://id.elegnamnden.se/loa/1.0/loa4"

_RESERVED_AUTHORIZE_PARAMS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "acr_values",
    }
)
_REPLAY_MEMORY = 10_000


# --- errors -----------------------------------------------------------------------------------------------------


class OidcError(Exception):
    """Base of every error of the OIDC adapter. Messages are for logs; they never contain tokens or secrets."""


class ProviderUnavailable(OidcError):
    pass


class DiscoveryFailed(OidcError):
    pass


class StateMismatch(OidcError):
    pass


class CallbackInvalid(OidcError):
    pass


class LoginExpired(OidcError):
    pass


class LoginReplayed(OidcError):
    pass


class ProviderError(OidcError):
    def __init__(self, error: str, description: str = "", *, status: int | None = None) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status = status


class AccessDenied(ProviderError):
    pass


class TokenRequestFailed(ProviderError):
    pass


class TokenRejected(OidcError):
    pass


class NonceMismatch(TokenRejected):
    pass


class ClaimMissing(TokenRejected):
    pass


class InsufficientAssurance(TokenRejected):
    pass


# --- configuration and values ----------------------------------------------------------------------------------


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secure_url(url: str) -> bool:
    """https, or plain http only to a loopback address (the local stack and tests)."""
    parts = urlsplit(url)
    if parts.fragment or not parts.netloc:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname))


@dataclass(frozen=True, kw_only=True)
class OidcProviderConfig:
    """One OIDC provider as one tenant uses it. Built by ``bootstrap`` from the tenant's configuration."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    subject_claim: str
    """The claim that carries the identity we key on: the personal identity number or the HSA-id."""
    scopes: tuple[str, ...] = ("openid", "profile")
    name_claim: str = "name"
    given_name_claim: str = "given_name"
    family_name_claim: str = "family_name"
    algorithms: tuple[str, ...] = ("RS256",)
    accepted_acr: frozenset[str] = frozenset()
    """When not empty, the ID token's ``acr`` must be one of these."""
    acr_values: tuple[str, ...] = ()
    """Requested levels, sent as ``acr_values`` (a request, not a check: ``accepted_acr`` is the check)."""
    trusted_audiences: frozenset[str] = frozenset()
    """Audiences besides our client_id that may appear in ``aud``; any other audience rejects the token."""
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    """Extra authorization request parameters, e.g. ``{"ui_locales": "sv en", "prompt": "login"}``."""
    client_auth: str = "client_secret_basic"
    clock_skew: timedelta = timedelta(seconds=60)
    max_login_age: timedelta = timedelta(minutes=10)
    http_timeout: float = 10.0
    jwks_cache_seconds: float = 300.0

    def __post_init__(self) -> None:
        if not _secure_url(self.issuer) or urlsplit(self.issuer).query:
            raise ValueError("issuer must be an https URL without query or fragment (http only on loopback)")
        if not self.client_id:
            raise ValueError("client_id is required")
        if self.client_auth != "client_secret_basic":
            raise ValueError("only client_secret_basic is supported (private_key_jwt is planned)")
        if not self.client_secret:
            raise ValueError("client_secret is required for client_secret_basic")
        parts = urlsplit(self.redirect_uri)
        if parts.scheme not in ("https", "http") or not parts.netloc or parts.fragment:
            raise ValueError("redirect_uri must be an absolute URL without fragment")
        if not self.subject_claim:
            raise ValueError("subject_claim is required")
        if "openid" not in self.scopes:
            raise ValueError("scopes must include 'openid'")
        if not self.algorithms or not set(self.algorithms) <= ASYMMETRIC_ALGORITHMS:
            raise ValueError(f"algorithms must be a non-empty subset of {sorted(ASYMMETRIC_ALGORITHMS)}")
        if reserved := set(self.authorize_params) & _RESERVED_AUTHORIZE_PARAMS:
            raise ValueError(f"authorize_params may not set {sorted(reserved)}")
        if not timedelta(0) <= self.clock_skew <= timedelta(minutes=5):
            raise ValueError("clock_skew must be between 0 and 5 minutes")
        object.__setattr__(self, "authorize_params", MappingProxyType(dict(self.authorize_params)))


def freja_eid_plus(
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    subject_claim: str = FREJA_PERSONAL_NUMBER_CLAIM,
    scopes: tuple[str, ...] = ("openid", "profile", FREJA_PERSONAL_NUMBER_SCOPE),
    accepted_acr: frozenset[str] = frozenset({LOA3, LOA4}),
) -> OidcProviderConfig:
    """Citizens through Freja eID+: the subject is the personal identity number, at LoA3 or higher."""
    return OidcProviderConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        subject_claim=subject_claim,
        scopes=scopes,
        accepted_acr=accepted_acr,
        authorize_params={"ui_locales": "sv en"},
    )


def siths_eid(
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    subject_claim: str = SITHS_HSA_ID_CLAIM,
    scopes: tuple[str, ...] = ("openid", "profile"),
    accepted_acr: frozenset[str] = frozenset({LOA3, LOA4}),
) -> OidcProviderConfig:
    """Staff through SITHS eID at the region's IdP: the subject is the HSA-id; always a fresh card login."""
    return OidcProviderConfig(
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        subject_claim=subject_claim,
        scopes=scopes,
        accepted_acr=accepted_acr,
        authorize_params={"ui_locales": "sv en", "prompt": "login"},
    )


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    iss_parameter_supported: bool
    raw: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class LoginRequest:
    """A login in progress. It holds secrets (nonce, verifier): keep it server-side, keyed by ``state``, and
    delete it when the callback arrives, before calling ``complete_login`` (so it is used once)."""

    authorization_url: str = field(repr=False)
    state: str
    nonce: str = field(repr=False)
    code_verifier: str = field(repr=False)
    redirect_uri: str
    issuer: str
    created_at: datetime


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who logged in, from a verified ID token. ``subject_claim_value`` is the personnummer or HSA-id."""

    subject_claim_value: str = field(repr=False)
    name: str
    given_name: str
    family_name: str
    auth_time: datetime | None
    acr: str | None
    raw_claims: Mapping[str, Any] = field(repr=False)
    issuer: str = ""
    sub: str = field(default="", repr=False)


# --- the client ------------------------------------------------------------------------------------------------


class _HttpxJwksClient(PyJWKClient):
    """PyJWKClient (its JWK Set cache and refresh on an unknown kid) over our injected httpx client."""

    def __init__(self, uri: str, http: httpx.Client, *, timeout: float, lifespan: float) -> None:
        super().__init__(uri, cache_jwk_set=True, lifespan=lifespan, timeout=timeout)
        self._http = http

    def fetch_data(self) -> Any:
        try:
            response = self._http.get(
                self.uri,
                timeout=self.timeout,
                follow_redirects=False,
                headers={"Accept": "application/jwk-set+json, application/json"},
            )
        except httpx.HTTPError as error:
            raise PyJWKClientConnectionError(f"JWKS unreachable: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise PyJWKClientConnectionError(f"JWKS answered {response.status_code}")
        if response.status_code != 200:
            raise jwt.PyJWKClientError(f"JWKS answered {response.status_code}")
        try:
            return response.json()
        except ValueError as error:
            raise jwt.PyJWKClientError("JWKS is not JSON") from error


def _single(params: Mapping[str, Any], name: str) -> str | None:
    """One value of a callback parameter; a repeated parameter is refused (RFC 6749 §3.1)."""
    getlist = getattr(params, "getlist", None)
    values: Any = getlist(name) if callable(getlist) else params.get(name)
    if values is None:
        return None
    if isinstance(values, (list, tuple)):
        if len(values) == 0:
            return None
        if len(values) > 1:
            raise CallbackInvalid(f"the callback repeats the parameter {name!r}")
        values = values[0]
    if not isinstance(values, str):
        raise CallbackInvalid(f"the callback parameter {name!r} is not a string")
    return values


def _strings(doc: Mapping[str, Any], name: str) -> list[str] | None:
    """A list-of-strings metadata field, or None when absent."""
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DiscoveryFailed(f"the provider metadata's {name} is not a list of strings")
    return value


def _numeric_date(claims: Mapping[str, Any], name: str) -> int | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TokenRejected(f"the ID token's {name} is not a NumericDate")
    return int(value)


class OidcClient:
    """The relying party for one provider. Thread-safe; discovery and the JWKS are cached per instance."""

    def __init__(
        self, config: OidcProviderConfig, http: httpx.Client, *, random_bytes: RandomBytes = secrets.token_bytes
    ) -> None:
        self.config = config
        self._http = http
        self._random_bytes = random_bytes
        self._lock = threading.Lock()
        self._metadata: ProviderMetadata | None = None
        self._jwks: _HttpxJwksClient | None = None
        self._completed: OrderedDict[str, datetime] = OrderedDict()

    # discovery ----------------------------------------------------------------------------------------------

    def discover(self, *, refresh: bool = False) -> ProviderMetadata:
        """``{issuer}/.well-known/openid-configuration``, cached; the metadata's issuer must match exactly."""
        with self._lock:
            if self._metadata is not None and not refresh:
                return self._metadata
        url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = self._http.get(
                url, timeout=self.config.http_timeout, follow_redirects=False, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"discovery failed: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise ProviderUnavailable(f"discovery answered {response.status_code}")
        if response.status_code != 200:
            raise DiscoveryFailed(f"discovery answered {response.status_code}")
        try:
            doc = response.json()
        except ValueError as error:
            raise DiscoveryFailed("the provider metadata is not JSON") from error
        metadata = self._parse_metadata(doc)
        with self._lock:
            if self._metadata is None or refresh or self._metadata != metadata:
                self._metadata = metadata
                self._jwks = _HttpxJwksClient(
                    metadata.jwks_uri,
                    self._http,
                    timeout=self.config.http_timeout,
                    lifespan=self.config.jwks_cache_seconds,
                )
            return self._metadata

    def _parse_metadata(self, doc: Any) -> ProviderMetadata:
        if not isinstance(doc, dict):
            raise DiscoveryFailed("the provider metadata is not a JSON object")
        if doc.get("issuer") != self.config.issuer:
            raise DiscoveryFailed("the provider metadata names another issuer than the configured one")
        endpoints: dict[str, str] = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = doc.get(name)
            if not isinstance(value, str) or not _secure_url(value):
                raise DiscoveryFailed(f"the provider metadata has no usable {name} (https required)")
            endpoints[name] = value
        if "code" not in (_strings(doc, "response_types_supported") or []):
            raise DiscoveryFailed("the provider does not support response_type=code")
        methods = _strings(doc, "code_challenge_methods_supported")
        if methods is not None and S256 not in methods:
            raise DiscoveryFailed("the provider does not support PKCE S256")
        algs = _strings(doc, "id_token_signing_alg_values_supported")
        if algs is not None and not set(algs) & set(self.config.algorithms):
            raise DiscoveryFailed("the provider signs ID tokens with none of the configured algorithms")
        auth_methods = _strings(doc, "token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if self.config.client_auth not in auth_methods:
            raise DiscoveryFailed(f"the provider does not support {self.config.client_auth}")
        return ProviderMetadata(
            issuer=self.config.issuer,
            authorization_endpoint=endpoints["authorization_endpoint"],
            token_endpoint=endpoints["token_endpoint"],
            jwks_uri=endpoints["jwks_uri"],
            iss_parameter_supported=doc.get("authorization_response_iss_parameter_supported") is True,
            raw=MappingProxyType(dict(doc)),
        )

    # the flow -----------------------------------------------------------------------------------------------

    def begin_login(self, now: datetime) -> LoginRequest:
        """A new authorization request: code flow, PKCE S256, fresh state and nonce."""
        _require_aware(now)
        metadata = self.discover()
        state = random_token(self._random_bytes)
        nonce = random_token(self._random_bytes)
        verifier = new_code_verifier(self._random_bytes)
        params: list[tuple[str, str]] = [
            ("response_type", "code"),
            ("client_id", self.config.client_id),
            ("redirect_uri", self.config.redirect_uri),
            ("scope", " ".join(self.config.scopes)),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", code_challenge_s256(verifier)),
            ("code_challenge_method", S256),
        ]
        if self.config.acr_values:
            params.append(("acr_values", " ".join(self.config.acr_values)))
        params.extend(self.config.authorize_params.items())
        # The endpoint may carry a query of its own, which must be kept (RFC 6749 §3.1).
        parts = urlsplit(metadata.authorization_endpoint)
        query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params])
        return LoginRequest(
            authorization_url=urlunsplit((parts.scheme, parts.netloc, parts.path, query, "")),
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            redirect_uri=self.config.redirect_uri,
            issuer=self.config.issuer,
            created_at=now,
        )

    def complete_login(
        self, request: LoginRequest, callback_params: Mapping[str, Any], now: datetime
    ) -> VerifiedIdentity:
        """Check the redirect back from the provider, redeem the code once and verify the ID token."""
        _require_aware(now)
        if request.issuer != self.config.issuer:
            raise StateMismatch("the login was begun with another provider")
        state = _single(callback_params, "state")
        if state is None or not hmac.compare_digest(state.encode(), request.state.encode()):
            raise StateMismatch("the callback's state is missing or is not the one sent")
        if now - request.created_at > self.config.max_login_age:
            raise LoginExpired("the login took too long; start again")
        metadata = self.discover()
        iss = _single(callback_params, "iss")
        if (iss is not None or metadata.iss_parameter_supported) and iss != self.config.issuer:
            raise CallbackInvalid("the callback comes from another issuer than the one asked")
        error = _single(callback_params, "error")
        if error is not None:
            description = _single(callback_params, "error_description") or ""
            self._mark_completed(request, now)
            if error == "access_denied":
                raise AccessDenied(error, description)
            raise ProviderError(error, description)
        code = _single(callback_params, "code")
        if not code:
            raise CallbackInvalid("the callback has neither a code nor an error")
        self._mark_completed(request, now)
        tokens = self._redeem(metadata, request, code)
        claims = self._verify_id_token(tokens["id_token"], tokens.get("access_token"), request, now)
        return self._identity(claims)

    def _mark_completed(self, request: LoginRequest, now: datetime) -> None:
        """A login request is completed once. The caller's store deleting it is the real guard across
        processes; this catches a second completion inside one process (e.g. a double-submitted callback)."""
        with self._lock:
            horizon = now - self.config.max_login_age - self.config.clock_skew
            while self._completed and next(iter(self._completed.values())) < horizon:
                self._completed.popitem(last=False)
            if request.state in self._completed:
                raise LoginReplayed("this login has already been completed")
            self._completed[request.state] = now
            while len(self._completed) > _REPLAY_MEMORY:
                self._completed.popitem(last=False)

    def _redeem(self, metadata: ProviderMetadata, request: LoginRequest, code: str) -> dict[str, Any]:
        """The token request. Never retried: a code is good for one attempt."""
        credentials = f"{quote_plus(self.config.client_id)}:{quote_plus(self.config.client_secret)}"
        basic = base64.b64encode(credentials.encode()).decode("ascii")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": request.redirect_uri,
            "code_verifier": request.code_verifier,
        }
        try:
            response = self._http.post(
                metadata.token_endpoint,
                data=form,
                timeout=self.config.http_timeout,
                follow_redirects=False,
                headers={"Authorization": f"Basic {basic}", "Accept": "application/json"},
            )
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"token endpoint unreachable: {type(error).__name__}") from error
        if response.status_code >= 500:
            raise ProviderUnavailable(f"token endpoint answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            if isinstance(body, dict) and isinstance(body.get("error"), str):
                raise TokenRequestFailed(
                    body["error"], str(body.get("error_description", "")), status=response.status_code
                )
            raise TokenRequestFailed(
                "invalid_response", f"token endpoint answered {response.status_code}", status=response.status_code
            )
        if not isinstance(body, dict):
            raise TokenRequestFailed("invalid_response", "the token response is not a JSON object", status=200)
        if str(body.get("token_type", "")).lower() != "bearer":
            raise TokenRequestFailed("invalid_response", "the token response is not a Bearer token", status=200)
        if not isinstance(body.get("id_token"), str):
            raise TokenRequestFailed("invalid_response", "the token response has no ID token", status=200)
        return body

    # verification -------------------------------------------------------------------------------------------

    def _signing_key(self, kid: Any) -> PyJWK:
        with self._lock:
            jwks = self._jwks
        if jwks is None:  # discover() always builds it; this keeps mypy and a refactor honest
            raise DiscoveryFailed("no JWKS known for the provider")
        try:
            if kid is None:
                # Without a kid the provider must publish exactly one signing key (OIDC Core §10.1).
                keys = [k for k in jwks.get_jwk_set().keys if k.public_key_use in ("sig", None)]
                if len(keys) != 1:
                    raise TokenRejected("the ID token has no kid and the JWKS has several keys")
                return keys[0]
            if not isinstance(kid, str):
                raise TokenRejected("the ID token's kid is not a string")
            return jwks.get_signing_key(kid)
        except PyJWKClientConnectionError as error:
            raise ProviderUnavailable("the provider's JWKS could not be fetched") from error
        except jwt.PyJWTError as error:
            raise TokenRejected(f"no key in the provider's JWKS verifies the ID token: {error}") from error

    def _verify_id_token(
        self, id_token: str, access_token: Any, request: LoginRequest, now: datetime
    ) -> dict[str, Any]:
        config = self.config
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as error:
            raise TokenRejected("the ID token is not a JWS") from error
        alg = header.get("alg")
        if alg not in config.algorithms:
            raise TokenRejected(f"the ID token's alg {alg!r} is not accepted")
        key = self._signing_key(header.get("kid"))
        try:
            # The library checks signature (alg bound to the key), iss, aud and presence; times against `now` below.
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=list(config.algorithms),
                audience=config.client_id,
                issuer=config.issuer,
                options={
                    "require": ["iss", "sub", "aud", "exp", "iat"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as error:
            raise TokenRejected(f"the ID token failed verification: {type(error).__name__}: {error}") from error

        audiences = [claims["aud"]] if isinstance(claims["aud"], str) else list(claims["aud"])
        if set(audiences) - {config.client_id} - config.trusted_audiences:
            raise TokenRejected("the ID token is also meant for an audience we do not trust")
        azp = claims.get("azp")
        if (len(audiences) > 1 or azp is not None) and azp != config.client_id:
            raise TokenRejected("the ID token's azp is not our client")

        at = int(now.timestamp())
        skew = int(config.clock_skew.total_seconds())
        exp, iat, nbf = (_numeric_date(claims, n) for n in ("exp", "iat", "nbf"))
        if exp is None or iat is None:
            raise TokenRejected("the ID token lacks exp or iat")
        if exp <= at - skew:
            raise TokenRejected("the ID token has expired")
        if iat > at + skew:
            raise TokenRejected("the ID token is issued in the future")
        if iat < at - skew - int(config.max_login_age.total_seconds()):
            raise TokenRejected("the ID token was issued too long ago")
        if nbf is not None and nbf > at + skew:
            raise TokenRejected("the ID token is not valid yet")

        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce.encode(), request.nonce.encode()):
            raise NonceMismatch("the ID token's nonce is missing or is not the one sent")

        at_hash = claims.get("at_hash")
        if at_hash is not None:
            if not isinstance(access_token, str) or not isinstance(at_hash, str):
                raise TokenRejected("the ID token has an at_hash but no access token came with it")
            half = _AT_HASH_DIGEST[str(alg)](access_token.encode("ascii")).digest()
            expected = base64.urlsafe_b64encode(half[: len(half) // 2]).rstrip(b"=").decode("ascii")
            if not hmac.compare_digest(expected, at_hash):
                raise TokenRejected("the ID token's at_hash does not match the access token")

        if config.accepted_acr and claims.get("acr") not in config.accepted_acr:
            raise InsufficientAssurance("the login's level of assurance is not accepted")
        auth_time = _numeric_date(claims, "auth_time")
        if auth_time is not None and auth_time > at + skew:
            raise TokenRejected("the ID token's auth_time is in the future")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise ClaimMissing("the ID token has no sub")
        value = claims.get(config.subject_claim)
        if not isinstance(value, str) or not value.strip():
            raise ClaimMissing(f"the ID token lacks the claim {config.subject_claim!r}")
        return claims

    def _identity(self, claims: dict[str, Any]) -> VerifiedIdentity:
        config = self.config

        def text(name: str) -> str:
            value = claims.get(name)
            return value.strip() if isinstance(value, str) else ""

        given, family = text(config.given_name_claim), text(config.family_name_claim)
        auth_time = _numeric_date(claims, "auth_time")
        acr = claims.get("acr")
        return VerifiedIdentity(
            subject_claim_value=str(claims[config.subject_claim]).strip(),
            name=text(config.name_claim) or " ".join(p for p in (given, family) if p),
            given_name=given,
            family_name=family,
            auth_time=datetime.fromtimestamp(auth_time, UTC) if auth_time is not None else None,
            acr=acr if isinstance(acr, str) else None,
            raw_claims=MappingProxyType(json.loads(json.dumps(claims))),
            issuer=str(claims["iss"]),
            sub=str(claims["sub"]),
        )


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
