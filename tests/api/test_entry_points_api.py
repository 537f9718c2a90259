"""A unit's entry points over the API (issue 11): its QR code is a picture anyone may fetch (a waiting room's poster),
holding the unit's link (for one of its professions with ?yrke=), refused for a unit that does not exist (404) and a
profession it does not offer (400, naming those it does); its links, app deep links and website snippet are for
the unit's administrators and the region's, no one else's (403 at the unit, 404 elsewhere)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.conftest import UNIT_A, UNIT_B, Api, staff
from tests.browser.qr import read_svg

ORIGIN = "https://nara.example"
ADMIN_A = staff("SE2321000016-EA01", (UNIT_A, "admin"), name="Admin Ek")
NURSE_A = staff("SE2321000016-EN01", (UNIT_A, "nurse"), name="Syster Sara")
ADMIN_B = staff("SE2321000016-EA02", (UNIT_B, "admin"), name="Admin Bo")
REGION_ADMIN = staff("SE2321000016-ER01", name="Regionadmin Rut")  # no role at any unit


@pytest.fixture(autouse=True)
def _origin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARA_PUBLIC_ORIGIN", ORIGIN)  # read when the container is built


def _qr(api: Api, path: str) -> Any:
    return api.client.http.get(path)


def _link_query(url: str) -> dict[str, list[str]]:
    """The query of the hash route in a citizen link (https://…/citizen/#/ny-kontakt?enhet=…)."""
    parts = urlsplit(url)
    route, _, query = parts.fragment.partition("?")
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ORIGIN}/citizen/" and route == "/ny-kontakt", url
    return parse_qs(query)


def _svg_code(svg: str) -> str:
    """The QR code's modules only (segno draws a white background first, then the dark modules as one path)."""
    return re.sub(r'<path fill="#fff"[^>]*/>', "", svg)


def test_a_units_qr_code_is_a_cacheable_svg_holding_the_units_link(api: Api) -> None:
    response = _qr(api, f"/units/{UNIT_A}/qr.svg")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    svg = response.body.decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "<script" not in svg
    assert "<title>Nära – Vårdcentralen A</title>" in svg
    assert read_svg(_svg_code(svg)) == f"{ORIGIN}/citizen/#/ny-kontakt?enhet={UNIT_A}"

    # for one of the professions the unit offers: the link asks for it
    doctor = _qr(api, f"/units/{UNIT_A}/qr.svg?yrke=doctor")
    assert doctor.status_code == 200
    assert read_svg(_svg_code(doctor.body.decode())) == f"{ORIGIN}/citizen/#/ny-kontakt?enhet={UNIT_A}&yrke=doctor"


def test_a_qr_code_for_no_such_unit_or_a_profession_it_does_not_offer_is_refused_in_words(api: Api) -> None:
    status, body = api.call("GET", "/units/SE-NO-SUCH-UNIT/qr.svg")
    assert status == 404 and body["error"]["message_sv"] == "Enheten finns inte."

    status, body = api.call("GET", f"/units/{UNIT_B}/qr.svg?yrke=doctor")  # B offers nurses only
    assert status == 400
    assert body["error"]["field"] == "yrke" and body["error"]["code"] == "profession_not_offered"
    assert body["error"]["message_sv"] == "Vårdcentralen B erbjuder inte yrkesrollen 'doctor'. Välj en av: nurse."

    status, body = api.call("GET", f"/units/{UNIT_A}/qr.svg?yrke=astronaut")
    assert status == 400 and "not a profession" in body["error"]["message"]

    # a refusal is no picture and is kept by no cache
    refused = _qr(api, "/units/SE-NO-SUCH-UNIT/qr.svg")
    assert refused.headers["Cache-Control"] == "no-store"
    assert refused.headers["Content-Type"].startswith("application/json")


class _Snippet(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_the_unit_admin_gets_the_units_links_per_profession_with_app_links_qr_codes_and_a_snippet(api: Api) -> None:
    status, body = api.call("GET", f"/staff/units/{UNIT_A}/entry-links", who=ADMIN_A)
    assert status == 200, body
    assert body["unit_id"] == UNIT_A and body["name"] == "Vårdcentralen A"
    assert body["region_url"] == f"{ORIGIN}/citizen/#/ny-kontakt"
    assert [link["profession"] for link in body["links"]] == [None, "nurse", "doctor"]  # the unit's, then offered

    own, nurse, doctor = body["links"]
    assert _link_query(own["url"]) == {"enhet": [UNIT_A]}
    assert _link_query(own["app_url"]) == {"enhet": [UNIT_A], "via": ["app"]}
    assert _link_query(doctor["url"]) == {"enhet": [UNIT_A], "yrke": ["doctor"]}
    assert _link_query(doctor["app_url"]) == {"enhet": [UNIT_A], "yrke": ["doctor"], "via": ["app"]}
    assert own["qr_url"] == f"/api/units/{UNIT_A}/qr.svg"
    assert nurse["qr_url"] == f"/api/units/{UNIT_A}/qr.svg?yrke=nurse"
    # each QR code holds its link
    for link in body["links"]:
        served = _qr(api, link["qr_url"].removeprefix("/api"))
        assert read_svg(_svg_code(served.body.decode())) == link["url"]

    # the snippet: one link styled as a button, to the link, with the unit's name, and nothing that runs or loads
    parsed = _Snippet()
    parsed.feed(doctor["snippet"])
    assert [tag for tag, _ in parsed.tags] == ["a", "span"]
    anchor = parsed.tags[0][1]
    assert anchor["href"] == doctor["url"] and "background:#005a78" in str(anchor["style"])
    assert "".join(parsed.text) == "Kontakta oss digitaltVårdcentralen A · Läkare"
    for link in body["links"]:
        assert not re.search(r"<script|\son\w+=|<img|<iframe|javascript:", link["snippet"], re.IGNORECASE)


def test_a_units_name_cannot_break_out_of_the_snippet(api: Api) -> None:
    tenant = api.container.settings.tenant
    api.container.directory.put_unit(tenant, "SE-VC-X", 'VC "Ek" <b>&</b>', {"professions": ["nurse"]})
    admin = staff("SE2321000016-EA03", ("SE-VC-X", "admin"))
    status, body = api.call("GET", "/staff/units/SE-VC-X/entry-links", who=admin)
    assert status == 200, body
    parsed = _Snippet()
    parsed.feed(body["links"][0]["snippet"])
    assert [tag for tag, _ in parsed.tags] == ["a", "span"]
    assert "".join(parsed.text) == 'Kontakta oss digitaltVC "Ek" <b>&</b>'


def test_the_links_are_for_the_units_and_the_regions_administrators_only(api: Api) -> None:
    path = f"/staff/units/{UNIT_A}/entry-links"
    status, body = api.call("GET", path, who=NURSE_A)  # works there, no administrator
    assert status == 403 and body["error"]["message_sv"] == "Det här får bara enhetens administratörer göra."
    status, body = api.call("GET", path, who=ADMIN_B)  # another unit's administrator: nothing about A
    assert status == 404 and "Vårdcentralen A" not in str(body)
    assert api.call("GET", "/staff/units/SE-NO-SUCH-UNIT/entry-links", who=ADMIN_A)[0] == 404
    assert api.call("GET", path)[0] == 401

    tenant = api.container.settings.tenant
    region = {"region_admins": [{"hsa_id": REGION_ADMIN.subject, "name": REGION_ADMIN.display_name}]}
    api.container.directory.set_region(tenant, region)
    status, body = api.call("GET", path, who=REGION_ADMIN)
    assert status == 200 and body["name"] == "Vårdcentralen A"
    assert api.call("GET", "/staff/units/SE-NO-SUCH-UNIT/entry-links", who=REGION_ADMIN)[0] == 404
