"""The OIDC relying party against the local OIDC provider, over real HTTP.

The simulator runs in a real uvicorn server on a free 127.0.0.1 port. Logins go through the provider's own login
page: the test reads the HTML form and submits it as a browser would (there is no approval shortcut). Attacks on
the token response are made by a transport that rewrites what the provider sent, as a man in the middle would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette

from chalicelib.adapters.oidc import (
    FREJA_PERSONAL_NUMBER_CLAIM,
    LOA3,
    SITHS_HSA_ID_CLAIM,
    AccessDenied,
    CallbackInvalid,
    DiscoveryFailed,
    LoginReplayed,
    LoginRequest,
    NonceMismatch,
    OidcClient,
    OidcProviderConfig,
    ProviderError,
    StateMismatch,
    TokenRejected,
    TokenRequestFailed,
    freja_eid_plus,
    siths_eid,
)
from chalicelib.domain.pkce import new_code_verifier
from infrastructure.local.oidc_sim import (
    FREJA_PAGE,
    SITHS_PAGE,
    OidcProviderSim,
    freja_demo_users,
    provider_routes,
    siths_demo_users,
)
from tests.serving import bound_socket, serving

CLIENT_ID = "nara-jonkoping"
CLIENT_SECRET = "local-secret-for-tests"
FREJA_CALLBACK = "https://nara.example/api/auth/freja/callback"
FREJA_CALLBACK_2 = "https://nara.example/api/auth/freja/callback-2"
SITHS_CALLBACK = "https://nara.example/api/auth/siths/callback"
OTHER_CLIENT = "another-service"
OTHER_CALLBACK = "https://another.example/callback"


class Clock:
    """The providers' clock: real time plus an offset a test may move."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Idp:
    origin: str
    freja: OidcProviderSim
    siths: OidcProviderSim
    clock: Clock


@pytest.fixture(scope="module")
def idp() -> Iterator[Idp]:
    bound = bound_socket()
    origin = bound[1]
    clock = Clock()
    freja = OidcProviderSim(
        "/local/freja",
        issuer=f"{origin}/local/freja",
        page=FREJA_PAGE,
        users=freja_demo_users(),
        clock=clock,
        clients={
            CLIENT_ID: {"secret": CLIENT_SECRET, "redirect_uris": [FREJA_CALLBACK, FREJA_CALLBACK_2], "name": "Nära"},
            OTHER_CLIENT: {"secret": "other-secret", "redirect_uris": [OTHER_CALLBACK]},
        },
    )
    siths = OidcProviderSim(
        "/local/siths",
        issuer=f"{origin}/local/siths",
        page=SITHS_PAGE,
        users=siths_demo_users(),
        clock=clock,
        clients={CLIENT_ID: {"secret": CLIENT_SECRET, "redirect_uris": [SITHS_CALLBACK]}},
    )
    app = Starlette(routes=[*provider_routes(freja), *provider_routes(siths)])
    with serving(app, bound):
        yield Idp(origin, freja, siths, clock)


@pytest.fixture(autouse=True)
def _real_time(idp: Idp) -> Iterator[None]:
    idp.clock.offset = 0.0
    yield
    idp.clock.offset = 0.0


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def freja_config(idp: Idp, **changes: Any) -> OidcProviderConfig:
    config = freja_eid_plus(
        issuer=f"{idp.origin}/local/freja",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=FREJA_CALLBACK,
    )
    return replace(config, **changes)


def siths_config(idp: Idp) -> OidcProviderConfig:
    return siths_eid(
        issuer=f"{idp.origin}/local/siths",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=SITHS_CALLBACK,
    )


def now() -> datetime:
    return datetime.now(UTC)


# --- the browser: reads the provider's login page and submits its form -------------------------------------------


@dataclass
class LoginForm:
    action: str = ""
    method: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    radios: dict[str, str] = field(default_factory=dict)  # input id -> value
    labels: dict[str, str] = field(default_factory=dict)  # input id -> label text
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)  # visible text -> (name, value)
    html_lang: str = ""
    legend: str = ""


class _PageReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form = LoginForm()
        self._label_for: str | None = None
        self._button: tuple[str, str] | None = None
        self._in_legend = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.form.html_lang = a.get("lang", "")
        elif tag == "form":
            self.form.action, self.form.method = a.get("action", ""), a.get("method", "get").lower()
        elif tag == "input" and a.get("type") == "hidden":
            self.form.hidden[a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") == "radio":
            self.form.radios[a["id"]] = a["value"]
        elif tag == "label":
            self._label_for, self._text = a.get("for"), []
        elif tag == "button":
            self._button, self._text = (a.get("name", ""), a.get("value", "")), []
        elif tag == "legend":
            self._in_legend, self._text = True, []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        text = " ".join("".join(self._text).split())
        if tag == "label" and self._label_for:
            self.form.labels[self._label_for] = text
            self._label_for = None
        elif tag == "button" and self._button:
            self.form.buttons[text] = self._button
            self._button = None
        elif tag == "legend" and self._in_legend:
            self.form.legend, self._in_legend = text, False


def read_page(html: str) -> LoginForm:
    reader = _PageReader()
    reader.feed(html)
    return reader.form


def press(http: httpx.Client, page: httpx.Response, button: str, person: str | None = None) -> httpx.Response:
    """Choose ``person`` (by the text of their label) and press the button whose text starts with ``button``."""
    form = read_page(page.text)
    assert form.method == "post"
    data = dict(form.hidden)
    if person is not None:
        [input_id] = [i for i, text in form.labels.items() if person in text]
        data["user"] = form.radios[input_id]
    [(name, value)] = [nv for text, nv in form.buttons.items() if text.startswith(button)]
    data[name] = value
    return http.post(urljoin(str(page.url), form.action), data=data)


def callback_params(response: httpx.Response, callback: str) -> dict[str, str]:
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(callback + "?")
    return dict(parse_qsl(urlsplit(location).query))


def log_in(
    client: OidcClient, http: httpx.Client, person: str | None, *, button: str = "Logga in"
) -> tuple[LoginRequest, dict[str, str]]:
    request = client.begin_login(now())
    page = http.get(request.authorization_url)
    assert page.status_code == 200, page.text
    return request, callback_params(press(http, page, button, person), client.config.redirect_uri)


# --- a man in the middle on the token response -------------------------------------------------------------------


class RewriteTokenResponse(httpx.BaseTransport):
    """Passes every request through; a 200 from a token endpoint is handed to ``rewrite`` first."""

    def __init__(self, rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        self._inner = httpx.HTTPTransport()
        self._rewrite = rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if not request.url.path.endswith("/token") or response.status_code != 200:
            return response
        body = json.loads(response.read())
        return httpx.Response(200, json=self._rewrite(body))

    def close(self) -> None:
        self._inner.close()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_of(id_token: str) -> dict[str, Any]:
    return dict(jwt.decode(id_token, options={"verify_signature": False}))


@pytest.fixture(scope="module")
def attacker_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def tampered_login(
    idp: Idp, rewrite: Callable[[dict[str, Any]], dict[str, Any]], **config_changes: Any
) -> Callable[[], Any]:
    """A Freja login for Tolvan whose token response is rewritten; returns the call that completes it."""
    tampering = httpx.Client(timeout=5, transport=RewriteTokenResponse(rewrite))
    browser = httpx.Client(timeout=5)
    client = OidcClient(freja_config(idp, **config_changes), tampering)
    request, params = log_in(client, browser, "Tolvan")
    browser.close()

    def complete() -> Any:
        try:
            return client.complete_login(request, params, now())
        finally:
            tampering.close()

    return complete


# --- happy paths -------------------------------------------------------------------------------------------------


def test_citizen_logs_in_with_freja_and_we_learn_the_personal_identity_number(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan Tolvansson")
    assert set(params) == {"code", "state", "iss"} and params["state"] == request.state

    identity = client.complete_login(request, params, now())

    assert identity.subject_claim_value == "191212121212"
    assert (identity.name, identity.given_name, identity.family_name) == ("Tolvan Tolvansson", "Tolvan", "Tolvansson")
    assert identity.acr == LOA3
    assert identity.auth_time is not None and abs((now() - identity.auth_time).total_seconds()) < 30
    assert identity.raw_claims[FREJA_PERSONAL_NUMBER_CLAIM] == "191212121212"
    assert identity.issuer == f"{idp.origin}/local/freja"
    assert "191212121212" not in repr(identity)  # never in logs by accident


def test_staff_member_logs_in_with_siths_and_we_learn_the_hsa_id(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(siths_config(idp), http)
    request = client.begin_login(now())
    assert dict(parse_qsl(urlsplit(request.authorization_url).query))["prompt"] == "login"
    page = http.get(request.authorization_url)
    assert "kortinnehavare" in read_page(page.text).legend

    identity = client.complete_login(
        request, callback_params(press(http, page, "Logga in", "Erik Berg"), SITHS_CALLBACK), now()
    )

    assert identity.subject_claim_value == "SE2321000057-S003"
    assert identity.name == "Erik Berg"
    assert identity.raw_claims[SITHS_HSA_ID_CLAIM] == "SE2321000057-S003"


def test_every_demo_citizen_can_log_in(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    for name, number in [("Greta Andersson", "199001012385"), ("Ali Hassan", "198505059876")]:
        request, params = log_in(client, http, name)
        assert client.complete_login(request, params, now()).subject_claim_value == number


def test_authorization_request_uses_code_flow_with_pkce_s256(idp: Idp, http: httpx.Client) -> None:
    request = OidcClient(freja_config(idp), http).begin_login(now())
    query = dict(parse_qsl(urlsplit(request.authorization_url).query))
    assert request.authorization_url.startswith(f"{idp.origin}/local/freja/authorize?")
    assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
    assert query["scope"].split()[0] == "openid" and query["redirect_uri"] == FREJA_CALLBACK
    assert query["state"] == request.state and query["nonce"] == request.nonce
    assert request.code_verifier not in request.authorization_url
    other = OidcClient(freja_config(idp), http).begin_login(now())
    assert {other.state, other.nonce, other.code_verifier}.isdisjoint(
        {request.state, request.nonce, request.code_verifier}
    )


def test_discovery_is_fetched_once_and_cached(idp: Idp) -> None:
    seen: list[str] = []
    with httpx.Client(timeout=5, event_hooks={"request": [lambda r: seen.append(r.url.path)]}) as http:
        client = OidcClient(freja_config(idp), http)
        client.begin_login(now())
        client.begin_login(now())
    assert seen == ["/local/freja/.well-known/openid-configuration"]


def test_metadata_naming_another_issuer_is_refused(idp: Idp, http: httpx.Client) -> None:
    # Same document (the discovery URL is built without the slash), but "…/freja/" is not "…/freja".
    client = OidcClient(freja_config(idp, issuer=f"{idp.origin}/local/freja/"), http)
    with pytest.raises(DiscoveryFailed, match="another issuer"):
        client.begin_login(now())


# --- the callback --------------------------------------------------------------------------------------------------


def test_callback_without_state_is_rejected(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan")
    del params["state"]
    with pytest.raises(StateMismatch):
        client.complete_login(request, params, now())


def test_callback_with_another_logins_state_is_rejected(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    victim, _ = log_in(client, http, "Tolvan")
    _, attackers_params = log_in(client, http, "Ali Hassan")
    with pytest.raises(StateMismatch):
        client.complete_login(victim, attackers_params, now())


def test_callback_claiming_another_issuer_is_rejected(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan")
    with pytest.raises(CallbackInvalid):
        client.complete_login(request, {**params, "iss": f"{idp.origin}/local/siths"}, now())


def test_repeated_callback_parameters_are_rejected(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan")
    with pytest.raises(CallbackInvalid):
        client.complete_login(request, {**params, "code": [params["code"], "another"]}, now())


def test_pressing_avbryt_is_access_denied(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan", button="Avbryt")
    assert params["error"] == "access_denied" and params["state"] == request.state and "code" not in params
    with pytest.raises(AccessDenied) as raised:
        client.complete_login(request, params, now())
    assert raised.value.error == "access_denied"


def test_avbryt_works_without_choosing_anyone(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, None, button="Avbryt")
    with pytest.raises(AccessDenied):
        client.complete_login(request, params, now())


# --- the code and PKCE ---------------------------------------------------------------------------------------------


def test_a_completed_login_cannot_be_completed_again(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan")
    client.complete_login(request, params, now())
    with pytest.raises(LoginReplayed):
        client.complete_login(request, params, now())


def test_provider_refuses_a_replayed_code(idp: Idp, http: httpx.Client) -> None:
    request, params = log_in(OidcClient(freja_config(idp), http), http, "Tolvan")
    OidcClient(freja_config(idp), http).complete_login(request, params, now())
    with pytest.raises(TokenRequestFailed) as raised:  # another process, same code: the provider says no
        OidcClient(freja_config(idp), http).complete_login(request, params, now())
    assert raised.value.error == "invalid_grant"


def test_wrong_code_verifier_is_refused_and_burns_the_code(idp: Idp, http: httpx.Client) -> None:
    request, params = log_in(OidcClient(freja_config(idp), http), http, "Tolvan")
    with pytest.raises(TokenRequestFailed) as raised:
        OidcClient(freja_config(idp), http).complete_login(
            replace(request, code_verifier=new_code_verifier()), params, now()
        )
    assert raised.value.error == "invalid_grant"
    with pytest.raises(TokenRequestFailed):  # an attacker's guess costs the code: the real verifier is too late
        OidcClient(freja_config(idp), http).complete_login(request, params, now())


def test_code_expires_after_60_seconds(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan")
    idp.clock.offset = 61
    with pytest.raises(TokenRequestFailed) as raised:
        client.complete_login(request, params, now())
    assert raised.value.error == "invalid_grant"


def test_plain_pkce_is_refused_at_authorize(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request = client.begin_login(now())
    parts = urlsplit(request.authorization_url)
    query = dict(parse_qsl(parts.query))
    query.update(code_challenge_method="plain", code_challenge=request.code_verifier)
    response = http.get(urlunsplit(parts._replace(query=urlencode(query))))

    params = callback_params(response, FREJA_CALLBACK)
    assert params["error"] == "invalid_request" and params["state"] == request.state
    with pytest.raises(ProviderError) as raised:
        client.complete_login(request, params, now())
    assert raised.value.error == "invalid_request"


@pytest.mark.parametrize("drop", ["code_challenge_method", "code_challenge", "nonce"])
def test_authorize_without_pkce_or_nonce_is_refused(idp: Idp, http: httpx.Client, drop: str) -> None:
    request = OidcClient(freja_config(idp), http).begin_login(now())
    parts = urlsplit(request.authorization_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != drop]
    response = http.get(urlunsplit(parts._replace(query=urlencode(query))))
    assert callback_params(response, FREJA_CALLBACK)["error"] == "invalid_request"


# --- redirect_uri and client authentication ------------------------------------------------------------------------


def test_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp, redirect_uri="https://evil.example/callback"), http)
    page = http.get(client.begin_login(now()).authorization_url)
    assert page.status_code == 400 and "location" not in page.headers
    assert "redirect_uri" in page.text and not read_page(page.text).buttons


def test_redirect_uri_must_be_the_same_at_the_token_endpoint(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan")
    with pytest.raises(TokenRequestFailed) as raised:  # also registered, but not the one the code was issued for
        client.complete_login(replace(request, redirect_uri=FREJA_CALLBACK_2), params, now())
    assert raised.value.error == "invalid_grant"


def test_unknown_client_gets_an_error_page_and_no_tokens(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp, client_id="not-registered"), http)
    page = http.get(client.begin_login(now()).authorization_url)
    assert page.status_code == 400 and "location" not in page.headers and "Okänd klient" in page.text

    response = http.post(
        f"{idp.origin}/local/freja/token",
        auth=("not-registered", CLIENT_SECRET),
        data={
            "grant_type": "authorization_code",
            "code": "x",
            "redirect_uri": FREJA_CALLBACK,
            "code_verifier": new_code_verifier(),
        },
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


def test_wrong_client_secret_is_refused_at_the_token_endpoint(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp, client_secret="not-the-secret"), http)
    request, params = log_in(client, http, "Tolvan")
    with pytest.raises(TokenRequestFailed) as raised:
        client.complete_login(request, params, now())
    assert (raised.value.error, raised.value.status) == ("invalid_client", 401)


def test_a_code_issued_to_another_client_cannot_be_redeemed(idp: Idp, http: httpx.Client) -> None:
    other = OidcClient(
        freja_config(idp, client_id=OTHER_CLIENT, client_secret="other-secret", redirect_uri=OTHER_CALLBACK), http
    )
    request, params = log_in(other, http, "Tolvan")
    ours = OidcClient(freja_config(idp), http)
    with pytest.raises(TokenRequestFailed) as raised:
        ours.complete_login(replace(request, redirect_uri=OTHER_CALLBACK), params, now())
    assert raised.value.error == "invalid_grant"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "code_verifier": "x" * 43}, "invalid_request"),
        (
            {
                "grant_type": "authorization_code",
                "code": "made-up",
                "code_verifier": "x" * 43,
                "redirect_uri": FREJA_CALLBACK,
            },
            "invalid_grant",
        ),
    ],
)
def test_token_endpoint_errors_follow_rfc_6749(idp: Idp, http: httpx.Client, form: dict[str, str], error: str) -> None:
    response = http.post(f"{idp.origin}/local/freja/token", auth=(CLIENT_ID, CLIENT_SECRET), data=form)
    assert response.status_code == 400 and response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


# --- the ID token --------------------------------------------------------------------------------------------------


def test_nonce_mismatch_is_rejected(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan")
    with pytest.raises(NonceMismatch):
        client.complete_login(replace(request, nonce=new_code_verifier()), params, now())


@pytest.mark.parametrize("same_kid", [True, False], ids=["same-kid", "unknown-kid"])
def test_id_token_signed_by_another_key_is_rejected(idp: Idp, attacker_key: rsa.RSAPrivateKey, same_kid: bool) -> None:
    def forge(body: dict[str, Any]) -> dict[str, Any]:
        kid = idp.freja.kid if same_kid else "attacker"
        body["id_token"] = jwt.encode(
            claims_of(body["id_token"]), attacker_key, algorithm="RS256", headers={"kid": kid}
        )
        return body

    with pytest.raises(TokenRejected, match="verif"):
        tampered_login(idp, forge)()


def test_alg_none_id_token_is_rejected(idp: Idp) -> None:
    def strip_signature(body: dict[str, Any]) -> dict[str, Any]:
        header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": idp.freja.kid}).encode())
        payload = body["id_token"].split(".")[1]
        body["id_token"] = f"{header}.{payload}."
        return body

    with pytest.raises(TokenRejected, match="'none' is not accepted"):
        tampered_login(idp, strip_signature)()


def test_hs256_id_token_keyed_with_the_public_key_is_rejected(idp: Idp) -> None:
    public_pem = jwt.PyJWK(idp.freja.jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def confuse(body: dict[str, Any]) -> dict[str, Any]:
        signing_input = ".".join(
            [
                _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": idp.freja.kid}).encode()),
                body["id_token"].split(".")[1],
            ]
        )
        signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        body["id_token"] = f"{signing_input}.{_b64(signature)}"
        return body

    with pytest.raises(TokenRejected, match="'HS256' is not accepted"):
        tampered_login(idp, confuse)()


def test_expired_id_token_is_rejected(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request, params = log_in(client, http, "Tolvan")
    # The provider's clock is 400 s behind: its token's exp (iat + 300 s) passed more than the 60 s skew ago.
    idp.clock.offset = -400
    with pytest.raises(TokenRejected, match="expired"):
        client.complete_login(request, params, now())


def test_id_token_for_another_audience_is_rejected(idp: Idp, http: httpx.Client) -> None:
    # A genuine ID token from the same provider, issued to another service, swapped into our token response.
    stolen: dict[str, Any] = {}

    def keep(body: dict[str, Any]) -> dict[str, Any]:
        stolen.update(body)
        return body

    with httpx.Client(timeout=5, transport=RewriteTokenResponse(keep)) as recording:
        other = OidcClient(
            freja_config(idp, client_id=OTHER_CLIENT, client_secret="other-secret", redirect_uri=OTHER_CALLBACK),
            recording,
        )
        request, params = log_in(other, http, "Tolvan")
        other.complete_login(request, params, now())
    assert claims_of(stolen["id_token"])["aud"] == OTHER_CLIENT

    def substitute(body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "id_token": stolen["id_token"]}

    with pytest.raises(TokenRejected, match="InvalidAudienceError") as raised:
        tampered_login(idp, substitute)()
    assert type(raised.value) is TokenRejected


def test_id_token_with_an_extra_untrusted_audience_is_rejected(idp: Idp, http: httpx.Client) -> None:
    # A provider that signs with its real key but lists another audience too (checked with the signing key in hand).
    def widen(body: dict[str, Any]) -> dict[str, Any]:
        claims = {**claims_of(body["id_token"]), "aud": [CLIENT_ID, "someone-else"], "azp": CLIENT_ID}
        body["id_token"] = jwt.encode(claims, idp.freja._key, algorithm="RS256", headers={"kid": idp.freja.kid})
        return body

    with pytest.raises(TokenRejected, match="audience"):
        tampered_login(idp, widen)()


def test_access_token_swapped_under_the_id_token_is_rejected_by_at_hash(idp: Idp) -> None:
    def swap(body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "access_token": "another-access-token"}

    with pytest.raises(TokenRejected, match="at_hash"):
        tampered_login(idp, swap)()


# --- the login page ------------------------------------------------------------------------------------------------


def test_login_page_is_swedish_with_english_and_labels_every_choice(idp: Idp, http: httpx.Client) -> None:
    page = http.get(OidcClient(freja_config(idp), http).begin_login(now()).authorization_url)
    form = read_page(page.text)
    assert form.html_lang == "sv" and 'lang="en"' in page.text
    assert set(form.labels) == set(form.radios) and len(form.radios) == 3
    assert any("19121212-1212" in text for text in form.labels.values())
    assert [t.split(" (")[0] for t in form.buttons] == ["Logga in", "Avbryt"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_logging_in_without_choosing_shows_the_page_again_with_a_message(idp: Idp, http: httpx.Client) -> None:
    client = OidcClient(freja_config(idp), http)
    request = client.begin_login(now())
    first = http.get(request.authorization_url)
    again = press(http, first, "Logga in")
    assert again.status_code == 400 and 'role="alert"' in again.text
    params = callback_params(press(http, again, "Logga in", "Greta"), FREJA_CALLBACK)
    assert client.complete_login(request, params, now()).subject_claim_value == "199001012385"


def test_the_login_page_form_works_once(idp: Idp, http: httpx.Client) -> None:
    page = http.get(OidcClient(freja_config(idp), http).begin_login(now()).authorization_url)
    press(http, page, "Logga in", "Tolvan")
    again = press(http, page, "Logga in", "Tolvan")
    assert again.status_code == 400 and "location" not in again.headers


# --- configuration -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"algorithms": ("none",)},
        {"algorithms": ("HS256",)},
        {"algorithms": ("RS256", "HS256")},
        {"issuer": "http://idp.example/local/freja"},  # plain http only on loopback
        {"scopes": ("profile",)},
        {"client_secret": ""},
        {"authorize_params": {"redirect_uri": "https://evil.example/"}},
    ],
    ids=["none", "hs256", "mixed", "http", "no-openid", "no-secret", "override"],
)
def test_configuration_refuses_what_would_weaken_the_login(idp: Idp, changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        freja_config(idp, **changes)


def test_public_api_of_the_adapter() -> None:
    from chalicelib.adapters import oidc

    assert {"OidcClient", "OidcProviderConfig", "LoginRequest", "VerifiedIdentity", "OidcError"} <= set(oidc.__all__)
    assert all(hasattr(oidc, name) for name in oidc.__all__)
    errors = [
        getattr(oidc, n)
        for n in oidc.__all__
        if isinstance(getattr(oidc, n), type) and issubclass(getattr(oidc, n), Exception)
    ]
    assert all(issubclass(e, oidc.OidcError) for e in errors)
