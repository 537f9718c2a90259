"""A local OpenID Connect provider: stands in for Freja eID+ (citizens) and the region's SITHS IdP (staff).

Part of the local stack only; never packaged or deployed. It speaks the real protocol, so the relying party in
``chalicelib/adapters/oidc.py`` runs unchanged against it:

    {prefix}/.well-known/openid-configuration   discovery (issuer, endpoints, S256 only, RS256 only)
    {prefix}/jwks                               the RSA signing key generated at start (with kid)
    GET  {prefix}/authorize                     checks the request, then shows a login page (sv/en) where the tester
                                                picks a person (for SITHS: the card holder) and clicks Logga in/Avbryt
    POST {prefix}/login                         what that page submits; redirects to redirect_uri with code+state,
                                                or error=access_denied+state
    POST {prefix}/token                         client_secret_basic; the code is single use, 60 s, bound to the
                                                client and redirect_uri; PKCE S256 verified; returns an RS256 ID token

There is deliberately no shortcut that approves a login without the page: tests submit the page's own form.
Errors follow RFC 6749: before client and redirect_uri are known good, an error page (never a redirect); after,
a redirect with ``error`` and ``state``; at the token endpoint JSON ``invalid_request``, ``invalid_client`` (401),
``invalid_grant``, ``unsupported_grant_type``. State lives in memory, behind a lock.

Claim names and values here are written out independently of the relying party on purpose, so that a wrong
name on either side shows up as a failing login rather than two mistakes agreeing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from string import Template
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from infrastructure.local import demo_region

FREJA_PERSONAL_NUMBER_CLAIM = "https://frejaeid.com/oidc/claims/personalIdentityNumber"
FREJA_PERSONAL_NUMBER_SCOPE = "https://frejaeid.com/oidc/scopes/personalIdentityNumber"
SITHS_HSA_ID_CLAIM = "urn:sambi:names:attribute:employeeHsaId"
LOA3 = "http://id.elegnamnden.se/loa/1.0/loa3"

CODE_TTL_SECONDS = 60
PENDING_TTL_SECONDS = 600
ID_TOKEN_TTL_SECONDS = 300
_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


@dataclass(frozen=True)
class LoginPage:
    """The words of the login page, Swedish first with English alongside."""

    title_sv: str
    title_en: str
    legend_sv: str
    legend_en: str


GENERIC_PAGE = LoginPage("Logga in", "Log in", "Välj vem som loggar in", "Choose who logs in")
FREJA_PAGE = LoginPage(
    "Logga in med Freja eID+", "Log in with Freja eID+", "Välj vem som legitimerar sig", "Choose who identifies"
)
SITHS_PAGE = LoginPage(
    "Logga in med SITHS eID",
    "Log in with SITHS eID",
    "Välj kortinnehavare (SITHS-kortet i läsaren)",
    "Choose the card holder (the SITHS card in the reader)",
)


# --- demo people -----------------------------------------------------------------------------------------------


def _split_name(name: str) -> tuple[str, str]:
    given, _, family = name.partition(" ")
    return given, family


def _stable_sub(kind: str, identifier: str) -> str:
    """An opaque, stable ``sub`` as real providers issue: not the personnummer or HSA-id itself."""
    return f"{kind}-{hashlib.sha256(f'{kind}:{identifier}'.encode()).hexdigest()[:24]}"


def freja_user(personnummer: str, name: str) -> dict[str, Any]:
    given, family = _split_name(name)
    return {
        "label": name,
        "detail": f"{personnummer[:8]}-{personnummer[8:]}",
        "claims": {
            "sub": _stable_sub("freja", personnummer),
            "name": name,
            "given_name": given,
            "family_name": family,
            FREJA_PERSONAL_NUMBER_CLAIM: personnummer,
        },
    }


def siths_user(hsa_id: str, name: str, title: str = "") -> dict[str, Any]:
    given, family = _split_name(name)
    return {
        "label": name,
        "detail": f"{title}, {hsa_id}" if title else hsa_id,
        "claims": {
            "sub": _stable_sub("siths", hsa_id),
            "name": name,
            "given_name": given,
            "family_name": family,
            SITHS_HSA_ID_CLAIM: hsa_id,
        },
    }


def freja_demo_users() -> list[dict[str, Any]]:
    """The demo citizens: 191212121212 Tolvan Tolvansson, 199001012385 Greta Andersson, 198505059876 Ali Hassan."""
    return [freja_user(c["personnummer"], c["name"]) for c in demo_region.CITIZENS]


def siths_demo_users(staff: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """A region's staff (by default the first demo region's), by HSA-id."""
    return [siths_user(s["hsa_id"], s["name"], s["title"]) for s in staff or demo_region.STAFF]


# --- the provider ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pending:
    """An authorization request that passed validation and waits for the tester's decision."""

    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    scope: str
    expires_at: float


@dataclass(frozen=True)
class _Grant:
    """An issued authorization code."""

    client_id: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    claims: Mapping[str, Any]
    auth_time: int
    expires_at: float


class _Duplicate(Exception):
    pass


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise _Duplicate(name)
    return values[0] if values else None


def _with_query(uri: str, params: dict[str, str]) -> str:
    """Add parameters to a redirect URI, keeping its own query (RFC 6749 §3.1.2)."""
    parts = urlsplit(uri)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class OidcProviderSim:
    """One simulated provider. ``routes()`` below is the way to mount it; tests may also hold the object."""

    def __init__(
        self,
        prefix: str,
        *,
        issuer: str,
        clients: Mapping[str, Mapping[str, Any]],
        users: list[dict[str, Any]],
        page: LoginPage = GENERIC_PAGE,
        acr: str = LOA3,
        clock: Callable[[], float] = time.time,
        code_ttl: int = CODE_TTL_SECONDS,
        id_token_ttl: int = ID_TOKEN_TTL_SECONDS,
    ) -> None:
        if not prefix.startswith("/") or prefix.endswith("/"):
            raise ValueError("prefix starts with '/' and does not end with one, e.g. '/local/freja'")
        if urlsplit(issuer).scheme not in ("http", "https") or issuer.endswith("/"):
            raise ValueError("issuer is an absolute URL without a trailing slash")
        subs = [u["claims"]["sub"] for u in users]
        if len(set(subs)) != len(subs) or not all(isinstance(s, str) and s for s in subs):
            raise ValueError("every user needs a unique, non-empty claims['sub']")
        for client_id, client in clients.items():
            if not client.get("secret") or not client.get("redirect_uris"):
                raise ValueError(f"client {client_id!r} needs a secret and redirect_uris")
        self.prefix = prefix
        self.issuer = issuer
        self.clients = {cid: dict(c) for cid, c in clients.items()}
        self.users = {u["claims"]["sub"]: u for u in users}
        self.page = page
        self.acr = acr
        self.clock = clock
        self.code_ttl = code_ttl
        self.id_token_ttl = id_token_ttl
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        thumbprint = json.dumps({k: public[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
        self.kid = _b64url(hashlib.sha256(thumbprint.encode()).digest())  # RFC 7638
        self.jwk = {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self._codes: dict[str, _Grant] = {}
        self._spent: dict[str, float] = {}

    # --- metadata ---------------------------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        claims = sorted(
            {"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "at_hash"}
            | {name for u in self.users.values() for name in u["claims"]}
        )
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile", FREJA_PERSONAL_NUMBER_SCOPE],
            "claims_supported": claims,
            "acr_values_supported": [self.acr],
            "ui_locales_supported": ["sv", "en"],
            "authorization_response_iss_parameter_supported": True,
        }

    def _purge(self, now: float) -> None:
        """Called with the lock held."""
        for table in (self._pending, self._codes):
            for key in [k for k, v in table.items() if v.expires_at <= now]:
                del table[key]
        for key in [k for k, at in self._spent.items() if at <= now]:
            del self._spent[key]

    # --- authorization endpoint -------------------------------------------------------------------------------

    def authorize(self, query: Mapping[str, list[str]]) -> Response:
        try:
            client_id = _one(query.get("client_id", []), "client_id")
            redirect_uri = _one(query.get("redirect_uri", []), "redirect_uri")
        except _Duplicate as dup:
            return self._error_page(f"Parametern {dup} förekommer flera gånger.", f"The parameter {dup} is repeated.")
        client = self.clients.get(client_id or "")
        if client is None:
            return self._error_page(
                "Okänd klient: tjänsten som skickade dig hit är inte registrerad.",
                "Unknown client: the service that sent you here is not registered.",
            )
        if redirect_uri is None or redirect_uri not in client["redirect_uris"]:
            # Never redirect to an unregistered URI (RFC 6749 §4.1.2.1): that would be an open redirector.
            return self._error_page(
                "Fel återadress (redirect_uri): den är inte registrerad för tjänsten.",
                "Wrong redirect_uri: it is not registered for the service.",
            )

        def fail(error: str, description: str, state: str | None) -> Response:
            params = {"error": error, "error_description": description, "iss": self.issuer}
            if state:
                params["state"] = state
            return RedirectResponse(_with_query(redirect_uri, params), status_code=302)

        state_values = query.get("state", [])
        state = state_values[0] if len(state_values) == 1 else None
        try:
            values = {
                name: _one(query.get(name, []), name)
                for name in ("response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method")
            }
        except _Duplicate as dup:
            return fail("invalid_request", f"the parameter {dup} is repeated", state)
        if values["response_type"] != "code":
            return fail("unsupported_response_type", "only response_type=code is supported", state)
        if "openid" not in (values["scope"] or "").split():
            return fail("invalid_scope", "the scope must contain openid", state)
        if not state:
            return fail("invalid_request", "state is required", None)
        if not values["nonce"]:
            return fail("invalid_request", "nonce is required", state)
        method, challenge = values["code_challenge_method"], values["code_challenge"]
        if method != "S256":
            return fail(
                "invalid_request",
                "code_challenge_method S256 is required"
                if method is None
                else "transform algorithm not supported: only S256",
                state,
            )
        if challenge is None or not _CHALLENGE.fullmatch(challenge):
            return fail("invalid_request", "code_challenge must be 43 base64url characters", state)

        pending_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._purge(now)
            self._pending[pending_id] = _Pending(
                client_id=str(client_id),
                redirect_uri=redirect_uri,
                state=state,
                nonce=str(values["nonce"]),
                code_challenge=challenge,
                scope=str(values["scope"]),
                expires_at=now + PENDING_TTL_SECONDS,
            )
        return self._login_page(pending_id, client, redirect_uri)

    def decide(self, form: Mapping[str, list[str]]) -> Response:
        """The login page's form: action=login with a chosen user, or action=cancel."""
        try:
            pending_id = _one(form.get("pending", []), "pending") or ""
            action = _one(form.get("action", []), "action")
            chosen = _one(form.get("user", []), "user")
        except _Duplicate as dup:
            return self._error_page(f"Parametern {dup} förekommer flera gånger.", f"The parameter {dup} is repeated.")
        now = self.clock()
        with self._lock:
            self._purge(now)
            pending = self._pending.get(pending_id)
            if pending is None:
                return self._error_page(
                    "Inloggningen har gått ut eller är redan avslutad. Börja om från tjänsten.",
                    "The login has expired or is already finished. Start again from the service.",
                )
            if action == "login" and chosen not in self.users:
                client = self.clients[pending.client_id]
                return self._login_page(
                    pending_id,
                    client,
                    pending.redirect_uri,
                    status=400,
                    problem=("Välj en person innan du loggar in.", "Choose a person before you log in."),
                )
            if action not in ("login", "cancel"):
                return self._error_page("Okänt val.", "Unknown choice.")
            del self._pending[pending_id]
            if action == "cancel":
                target = _with_query(
                    pending.redirect_uri,
                    {
                        "error": "access_denied",
                        "error_description": "the user cancelled the login",
                        "state": pending.state,
                        "iss": self.issuer,
                    },
                )
                return RedirectResponse(target, status_code=303)
            code = secrets.token_urlsafe(32)
            self._codes[code] = _Grant(
                client_id=pending.client_id,
                redirect_uri=pending.redirect_uri,
                nonce=pending.nonce,
                code_challenge=pending.code_challenge,
                claims=dict(self.users[str(chosen)]["claims"]),
                auth_time=int(now),
                expires_at=now + self.code_ttl,
            )
        target = _with_query(pending.redirect_uri, {"code": code, "state": pending.state, "iss": self.issuer})
        return RedirectResponse(target, status_code=303)

    # --- token endpoint ---------------------------------------------------------------------------------------

    def token(self, authorization: str | None, content_type: str, form: Mapping[str, list[str]]) -> Response:
        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return _oauth_error("invalid_request", "the body must be application/x-www-form-urlencoded")
        client_id = self._authenticate(authorization)
        if client_id is None:
            return _oauth_error(
                "invalid_client",
                "client authentication failed",
                status=401,
                headers={"WWW-Authenticate": 'Basic realm="token"'},
            )
        if "client_secret" in form:
            return _oauth_error("invalid_request", "use one client authentication method only")
        try:
            params = {name: _one(values, name) for name, values in form.items()}
        except _Duplicate as dup:
            return _oauth_error("invalid_request", f"the parameter {dup} is repeated")
        if params.get("client_id") not in (None, client_id):
            return _oauth_error("invalid_request", "client_id differs from the authenticated client")
        grant_type = params.get("grant_type")
        if not grant_type:
            return _oauth_error("invalid_request", "grant_type is required")
        if grant_type != "authorization_code":
            return _oauth_error("unsupported_grant_type", "only authorization_code is supported")
        code = params.get("code")
        if not code:
            return _oauth_error("invalid_request", "code is required")
        verifier = params.get("code_verifier")
        if not verifier:
            return _oauth_error("invalid_request", "code_verifier is required")
        now = self.clock()
        with self._lock:
            self._purge(now)
            # A code is consumed by its first presentation, whatever the outcome (RFC 6749 §4.1.2).
            grant = self._codes.pop(code, None)
            if grant is not None:
                self._spent[code] = now + PENDING_TTL_SECONDS
            elif code in self._spent:
                return _oauth_error("invalid_grant", "the code has already been used")
        if grant is None:
            return _oauth_error("invalid_grant", "the code is unknown or has expired")
        if grant.expires_at <= now:
            return _oauth_error("invalid_grant", "the code has expired")
        if grant.client_id != client_id:
            return _oauth_error("invalid_grant", "the code was issued to another client")
        if params.get("redirect_uri") != grant.redirect_uri:
            return _oauth_error("invalid_grant", "redirect_uri differs from the authorization request")
        if not _VERIFIER.fullmatch(verifier):
            return _oauth_error("invalid_grant", "code_verifier is malformed")
        challenge = _b64url(hashlib.sha256(verifier.encode("ascii")).digest())
        if not hmac.compare_digest(challenge, grant.code_challenge):
            return _oauth_error("invalid_grant", "code_verifier does not match the code_challenge")
        access_token = secrets.token_urlsafe(32)
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self.id_token_ttl,
            "id_token": self._id_token(grant, client_id, access_token, int(now)),
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _authenticate(self, authorization: str | None) -> str | None:
        """client_secret_basic: id and secret are form-urlencoded before base64 (RFC 6749 §2.3.1)."""
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            client_id, sep, secret = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        client = self.clients.get(client_id)
        if not sep or client is None or not hmac.compare_digest(secret.encode(), str(client["secret"]).encode()):
            return None
        return client_id

    def _id_token(self, grant: _Grant, client_id: str, access_token: str, now: int) -> str:
        digest = hashlib.sha256(access_token.encode("ascii")).digest()
        claims = {
            **grant.claims,
            "iss": self.issuer,
            "aud": client_id,
            "exp": now + self.id_token_ttl,
            "iat": now,
            "auth_time": grant.auth_time,
            "nonce": grant.nonce,
            "acr": self.acr,
            "at_hash": _b64url(digest[:16]),
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

    # --- pages ------------------------------------------------------------------------------------------------

    def _login_page(
        self,
        pending_id: str,
        client: Mapping[str, Any],
        redirect_uri: str,
        *,
        status: int = 200,
        problem: tuple[str, str] | None = None,
    ) -> HTMLResponse:
        e = html.escape
        service = str(client.get("name") or urlsplit(redirect_uri).netloc)
        described = ' aria-describedby="problem"' if problem else ""
        options = "\n".join(
            f'<div class="option"><input type="radio" name="user" id="user-{i}" value="{e(sub)}" required{described}>'
            f'<label for="user-{i}"><span class="who">{e(u["label"])}</span> '
            f'<span class="detail">{e(str(u.get("detail", "")))}</span></label></div>'
            for i, (sub, u) in enumerate(self.users.items())
        )
        alert = (
            (f'<p class="problem" id="problem" role="alert">{e(problem[0])} <span lang="en">{e(problem[1])}</span></p>')
            if problem
            else ""
        )
        body = _LOGIN.substitute(
            title_sv=e(self.page.title_sv),
            title_en=e(self.page.title_en),
            legend_sv=e(self.page.legend_sv),
            legend_en=e(self.page.legend_en),
            service=e(service),
            action=e(f"{self.prefix}/login"),
            pending=e(pending_id),
            options=options,
            alert=alert,
        )
        return self._html(body, status, redirect_uri)

    def _error_page(self, sv: str, en: str) -> HTMLResponse:
        body = _ERROR.substitute(title_sv=html.escape(self.page.title_sv), sv=html.escape(sv), en=html.escape(en))
        return self._html(body, 400, None)

    def _html(self, body: str, status: int, redirect_uri: str | None) -> HTMLResponse:
        document = _LAYOUT.substitute(title=html.escape(f"{self.page.title_sv} – lokal simulator"), body=body)
        form_action = "'self'"
        if redirect_uri:  # browsers apply form-action to the redirect after the POST, too
            parts = urlsplit(redirect_uri)
            form_action += f" {parts.scheme}://{parts.netloc}"
        return HTMLResponse(
            document,
            status_code=status,
            headers={
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": (
                    f"default-src 'none'; style-src 'unsafe-inline'; form-action {form_action}; "
                    "frame-ancestors 'none'; base-uri 'none'"
                ),
            },
        )


def _oauth_error(
    error: str, description: str, *, status: int = 400, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})},
    )


async def _form(request: Request) -> dict[str, list[str]]:
    """An application/x-www-form-urlencoded body, every value kept (so repeats can be refused)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    form: dict[str, list[str]] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        form.setdefault(name, []).append(value)
    return form


def routes(
    prefix: str,
    *,
    issuer: str,
    clients: Mapping[str, Mapping[str, Any]],
    users: list[dict[str, Any]],
    page: LoginPage = GENERIC_PAGE,
    acr: str = LOA3,
    clock: Callable[[], float] = time.time,
) -> list[Route]:
    """The provider's routes under ``prefix``; ``issuer`` is its public URL (where ``prefix`` is served).

    ``clients``: ``{client_id: {"secret": str, "redirect_uris": [str, ...], "name": optional str}}``.
    ``users``: ``[{"label": str, "detail": str, "claims": {"sub": str, ...}}]``; every claim goes into the ID
    token (see ``freja_demo_users()`` and ``siths_demo_users()``).
    """
    return provider_routes(
        OidcProviderSim(prefix, issuer=issuer, clients=clients, users=users, page=page, acr=acr, clock=clock)
    )


def provider_routes(sim: OidcProviderSim) -> list[Route]:
    """The routes of an already built provider (tests keep the object to reach its clock)."""

    async def discovery(request: Request) -> Response:
        return JSONResponse(sim.metadata())

    async def jwks(request: Request) -> Response:
        return JSONResponse({"keys": [sim.jwk]}, headers={"Cache-Control": "public, max-age=300"})

    async def authorize(request: Request) -> Response:
        # OIDC Core §3.1.2.1: the authorization endpoint takes GET, and POST with a form body.
        if request.method == "POST":
            return sim.authorize(await _form(request))
        return sim.authorize({name: request.query_params.getlist(name) for name in request.query_params})

    async def login(request: Request) -> Response:
        return sim.decide(await _form(request))

    async def token(request: Request) -> Response:
        return sim.token(
            request.headers.get("authorization"), request.headers.get("content-type", ""), await _form(request)
        )

    p = sim.prefix
    return [
        Route(f"{p}/.well-known/openid-configuration", discovery, methods=["GET"]),
        Route(f"{p}/jwks", jwks, methods=["GET"]),
        Route(f"{p}/authorize", authorize, methods=["GET", "POST"]),
        Route(f"{p}/login", login, methods=["POST"]),
        Route(f"{p}/token", token, methods=["POST"]),
    ]


_LAYOUT = Template("""<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
  body { margin: 0; background: #f4f6f8; color: #1b2631; line-height: 1.5;
         font: 1.0625rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
  main { max-width: 34rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border: 1px solid #c5ced8;
         border-radius: 8px; }
  h1 { font-size: 1.6rem; margin: 0 0 .5rem; line-height: 1.25; }
  .sim { background: #fff7e0; border-left: 4px solid #8a6d00; padding: .5rem .75rem; margin: 0 0 1rem; }
  [lang="en"] { color: #4a5866; }
  button [lang="en"] { color: inherit; }
  fieldset { border: 1px solid #c5ced8; border-radius: 8px; margin: 1rem 0; padding: .75rem 1rem; }
  legend { font-weight: 600; padding: 0 .25rem; }
  .option { display: flex; align-items: center; gap: .75rem; min-height: 44px; }
  .option input { width: 1.25rem; height: 1.25rem; margin: 0; flex: none; }
  .option label { display: flex; flex-direction: column; padding: .35rem 0; cursor: pointer; }
  .who { font-weight: 600; }
  .detail { color: #4a5866; font-size: .95rem; }
  .problem { color: #a4161a; background: #fdecea; padding: .5rem .75rem; border-radius: 8px; }
  .buttons { display: flex; gap: .75rem; flex-wrap: wrap; }
  button { min-height: 44px; padding: .5rem 1.25rem; font: inherit; border-radius: 8px; cursor: pointer;
           border: 2px solid #1f5f8b; }
  button.primary { background: #1f5f8b; color: #fff; }
  button.secondary { background: #fff; color: #1f5f8b; }
  :focus-visible { outline: 3px solid #1b2631; outline-offset: 2px; box-shadow: 0 0 0 6px #ffd54a; }
</style>
</head>
<body>
<main>
$body
</main>
</body>
</html>
""")

_LOGIN = Template("""<h1>$title_sv <span lang="en">/ $title_en</span></h1>
<p class="sim">Lokal simulator: ingen riktig legitimering sker.
<span lang="en">Local simulator: no real identification takes place.</span></p>
<p><strong>$service</strong> vill veta vem du är. <span lang="en">$service wants to know who you are.</span></p>
$alert
<form method="post" action="$action">
<input type="hidden" name="pending" value="$pending">
<fieldset>
<legend>$legend_sv <span lang="en">/ $legend_en</span></legend>
$options
</fieldset>
<div class="buttons">
<button type="submit" class="primary" name="action" value="login">Logga in <span lang="en">(Log in)</span></button>
<button type="submit" class="secondary" name="action" value="cancel" formnovalidate>Avbryt
<span lang="en">(Cancel)</span></button>
</div>
</form>""")

_ERROR = Template("""<h1>$title_sv: det gick inte <span lang="en">/ it did not work</span></h1>
<p role="alert">$sv <span lang="en">$en</span></p>""")
