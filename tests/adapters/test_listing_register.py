"""The listing-register client against the simulated register, served by uvicorn on 127.0.0.1 over real HTTP.

Where a demo person is listed, that nobody else is, that the region's bearer token is sent, and that a register that
is down, slow, failing or talking nonsense gives None quickly (the citizen is waiting; routing does without it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chalicelib import bootstrap
from chalicelib.adapters.listing import HttpListingRegister, NullListingRegister, listing_token_secret, logger
from infrastructure.local import demo_region, listing_sim
from infrastructure.tenant_config import of_tenant
from tests.conftest import TEST_TENANT
from tests.serving import serving

TOKEN = "the-regions-listing-token"
LOGGER = logger.name  # the adapter's warnings (the tests' environment logs only errors)
TOLVAN, GRETA, ALI = "191212121212", "199001012385", "198505059876"
LILLY, ELSA, NOAH = "201803142387", "200502204571", "202206012391"
HUSKVARNA, NASSJO, TENHULT = "SE2321000057-VC01", "SE2321000057-VC02", "SE2321000057-VC03"
KALMAR_CENTRUM, OSKARSHAMN = "SE2321000081-VC01", "SE2321000081-VC02"


async def _slow(request: Request) -> Response:
    await asyncio.sleep(1.5)
    return JSONResponse({"unit_id": HUSKVARNA, "listed_since": "2015-03-01"})


async def _down(request: Request) -> Response:
    return Response("<html>503 Service Unavailable</html>", status_code=503, media_type="text/html")


async def _nonsense(request: Request) -> Response:
    return Response("<html>logga in</html>", status_code=200, media_type="text/html")


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    app = Starlette(
        routes=[
            *listing_sim.routes("/jonkoping", "jonkoping", token=TOKEN),
            *listing_sim.routes("/kalmar", "kalmar", token=TOKEN),
            *listing_sim.routes("/vasterbotten", "vasterbotten", token=TOKEN),  # a region without demo listings
            Route("/slow/listings/{personal_number}", _slow),
            Route("/down/listings/{personal_number}", _down),
            Route("/nonsense/listings/{personal_number}", _nonsense),
        ]
    )
    with serving(app) as origin:
        yield origin


def _register(base: str, token: str = TOKEN, **kwargs: Any) -> HttpListingRegister:
    return HttpListingRegister(base, lambda: token, **kwargs)


# --- listed, and not -------------------------------------------------------------------------------------------


def test_each_demo_person_is_listed_at_their_vardcentral_in_jonkoping(origin: str) -> None:
    register = _register(f"{origin}/jonkoping/")  # a trailing slash on the configured URL is fine
    assert register.listed_unit(TOLVAN) == HUSKVARNA
    assert register.listed_unit(LILLY) == HUSKVARNA
    assert register.listed_unit(GRETA) == NASSJO
    assert register.listed_unit(NOAH) == TENHULT


def test_kalmar_serves_its_own_listings(origin: str) -> None:
    register = _register(f"{origin}/kalmar")
    assert register.listed_unit(TOLVAN) == KALMAR_CENTRUM
    assert register.listed_unit(GRETA) == OSKARSHAMN


def test_a_person_listed_nowhere_is_none(origin: str) -> None:
    for region in ("jonkoping", "kalmar"):
        assert _register(f"{origin}/{region}").listed_unit(ALI) is None, region
    assert _register(f"{origin}/jonkoping").listed_unit("194010109990") is None  # nobody the demo knows


def test_a_region_without_demo_listings_lists_nobody(origin: str) -> None:
    register = _register(f"{origin}/vasterbotten")
    assert [register.listed_unit(p) for p in (TOLVAN, GRETA, ALI)] == [None, None, None]


def test_the_answer_the_simulator_gives_is_the_documented_protocol(origin: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    listed = httpx.get(f"{origin}/jonkoping/listings/{TOLVAN}", headers=headers)
    assert (listed.status_code, listed.json()) == (200, {"unit_id": HUSKVARNA, "listed_since": "2015-03-01"})
    assert httpx.get(f"{origin}/jonkoping/listings/{ALI}", headers=headers).status_code == 404
    assert httpx.get(f"{origin}/jonkoping/listings/19121212-1212", headers=headers).status_code == 400
    assert httpx.get(f"{origin}/jonkoping/listings/{TOLVAN}").status_code == 401


# --- the token --------------------------------------------------------------------------------------------------


def test_the_regions_bearer_token_is_sent_and_read_each_time_it_is_asked(origin: str) -> None:
    seen: list[httpx.Request] = []
    tokens = iter(["first-token", "rotated-token"])

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"unit_id": NASSJO, "listed_since": "2019-09-01"})

    register = HttpListingRegister(
        "https://listning.rjl.example/api",
        lambda: next(tokens),
        http=httpx.Client(transport=httpx.MockTransport(record)),
    )
    assert register.listed_unit(GRETA) == NASSJO
    assert register.listed_unit(GRETA) == NASSJO
    assert [str(r.url) for r in seen] == [f"https://listning.rjl.example/api/listings/{GRETA}"] * 2
    assert [r.method for r in seen] == ["GET", "GET"]
    assert [r.headers["authorization"] for r in seen] == ["Bearer first-token", "Bearer rotated-token"]


def test_a_wrong_token_is_refused_by_the_register_and_gives_none_with_a_warning(
    origin: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert _register(f"{origin}/jonkoping", token="not-the-token").listed_unit(TOLVAN) is None
    assert "listing register answered an error" in caplog.text
    assert TOLVAN not in caplog.text  # the personnummer is never logged


def test_without_a_token_the_register_is_not_asked(caplog: pytest.LogCaptureFixture) -> None:
    asked: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: asked.append(request) or httpx.Response(500))
    register = HttpListingRegister(
        "https://listning.rjl.example/api", lambda: "", http=httpx.Client(transport=transport)
    )
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert register.listed_unit(TOLVAN) is None
    assert asked == []
    assert "no token configured" in caplog.text


def test_a_token_that_cannot_be_read_gives_none(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> str:
        raise ConnectionError("Secrets Manager unreachable")

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert HttpListingRegister("https://listning.rjl.example/api", broken).listed_unit(TOLVAN) is None
    assert "token could not be read" in caplog.text


# --- a register that cannot answer -------------------------------------------------------------------------------


def test_a_register_that_is_down_gives_none(origin: str, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert _register(f"http://127.0.0.1:{closed_port}/api").listed_unit(TOLVAN) is None
        assert _register(f"{origin}/down").listed_unit(TOLVAN) is None
    assert "listing register unreachable" in caplog.text
    assert "listing register answered an error" in caplog.text


def test_a_slow_register_gives_none_when_its_short_timeout_runs_out(
    origin: str, caplog: pytest.LogCaptureFixture
) -> None:
    register = _register(f"{origin}/slow", timeout=0.3)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        assert register.listed_unit(TOLVAN) is None
    assert time.monotonic() - started < 1.2  # not the 1.5 s the register takes
    assert "no answer in time" in caplog.text


def test_an_answer_that_cannot_be_read_gives_none(origin: str) -> None:
    assert _register(f"{origin}/nonsense").listed_unit(TOLVAN) is None
    for body in ({"unit_id": ""}, {"unit": HUSKVARNA}, {"unit_id": 7}, [HUSKVARNA]):
        transport = httpx.MockTransport(lambda request, body=body: httpx.Response(200, content=json.dumps(body)))
        register = HttpListingRegister("https://l.example", lambda: TOKEN, http=httpx.Client(transport=transport))
        assert register.listed_unit(TOLVAN) is None, body


def test_the_timeouts_are_short_by_default() -> None:
    register = HttpListingRegister("https://listning.rjl.example/api", lambda: TOKEN)
    timeout = register._client().timeout
    assert (timeout.connect, timeout.read) == (1.0, 2.0)


def test_a_number_that_is_not_12_digits_is_refused_before_anything_is_asked() -> None:
    for wrong in ("19121212-1212", "1212121212", "../../admin", "１９１２１２１２１２１２"):
        with pytest.raises(ValueError, match="12-digit"):
            HttpListingRegister("https://l.example", lambda: TOKEN).listed_unit(wrong)
        with pytest.raises(ValueError, match="12-digit"):
            NullListingRegister().listed_unit(wrong)


# --- the composition root ---------------------------------------------------------------------------------------


def test_without_a_configured_register_nobody_is_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NARA_LISTING_REGISTER_URL", raising=False)
    register = bootstrap.listing_register(bootstrap.Settings.from_environment())
    assert isinstance(register, NullListingRegister)
    assert register.listed_unit(TOLVAN) is None


def test_the_container_asks_the_configured_register_with_the_token_from_the_regions_secret(
    origin: str, aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("secretsmanager").create_secret(Name=listing_token_secret(TEST_TENANT), SecretString=TOKEN)
    monkeypatch.setenv("NARA_LISTING_REGISTER_URL", f"{origin}/jonkoping")
    bootstrap.settings.cache_clear()
    bootstrap.container.cache_clear()
    try:
        container = bootstrap.container()
        assert container.listing is container.listing  # built once
        assert container.listing.listed_unit(TOLVAN) == HUSKVARNA
        assert container.listing.listed_unit(ALI) is None
    finally:
        bootstrap.settings.cache_clear()
        bootstrap.container.cache_clear()


# --- the demo data ----------------------------------------------------------------------------------------------


def test_demo_listings_name_vardcentraler_of_their_own_region_and_leave_a_citizen_unlisted() -> None:
    citizens = {c["personnummer"] for c in demo_region.CITIZENS}
    for tenant, listings in demo_region.LISTINGS.items():
        units = {u.unit_id: u for u in of_tenant(tenant).units}
        for personal_number, listing in listings.items():
            assert listing["unit_id"] in units, (tenant, personal_number)
            assert "-JC" not in listing["unit_id"], (tenant, personal_number)  # nobody is listed at a jourcentral
            time.strptime(listing["listed_since"], "%Y-%m-%d")
        assert citizens - set(listings), f"{tenant}: every demo citizen is listed; routing's fallback goes unseen"
    jonkoping = {p: entry["unit_id"] for p, entry in demo_region.LISTINGS["jonkoping"].items()}
    assert {HUSKVARNA, NASSJO, TENHULT} <= set(jonkoping.values())
