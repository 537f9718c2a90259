"""A unit's entry points (issue 11): its links into the citizen journey (one for the unit, one for each profession it
offers), each with a regional app's deep link, a QR code and a snippet for the unit's website; and the QR codes
themselves, which anyone may fetch (a waiting room's poster is no secret). The addresses: domain/entry_links.py;
docs/operations.md, "Entry points".

The links are shown to the unit's administrators and to the region's administrators; anyone else at the unit is
refused (403), and a unit that is not theirs is not found (404), as for the unit's other administration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from chalicelib.adapters.dynamo import DynamoDirectory
from chalicelib.domain.entry_links import PROFESSION_PARAM, intake_link, offered_profession, snippet
from chalicelib.domain.errors import Forbidden, NotFound
from chalicelib.domain.model import Principal
from chalicelib.domain.region_settings import RegionSettings
from chalicelib.services.admin import require_unit_admin
from chalicelib.services.region_admin import RegionAdminService

UNIT_ID_MAX = 64  # as a unit id in a request body (models.BeginTriage): longer is no unit of ours
QR_PATH = "/api/units/{unit_id}/qr.svg"  # where the pages load a unit's QR code (this origin; CSP img-src 'self')


@dataclass(frozen=True)
class EntryLink:
    profession: str | None  # None: the unit's own link, without a profession
    url: str  # the link citizens open (also what the QR code holds)
    app_url: str  # a regional app's deep link
    qr_url: str  # the QR code, as an SVG picture (a path on this origin)
    snippet: str  # HTML for the unit's own website


@dataclass(frozen=True)
class UnitEntryLinks:
    unit_id: str
    name: str
    region_url: str  # the region-wide entry (as from 1177.se), for reference
    links: list[EntryLink]


def qr_path(unit_id: str, profession: str | None = None) -> str:
    path = QR_PATH.format(unit_id=quote(unit_id, safe=""))
    return path + (f"?{urlencode({PROFESSION_PARAM: profession})}" if profession else "")


def qr_svg(data: str, *, title: str) -> str:
    """``data`` as a QR code in SVG, scalable (a viewBox, no fixed size: a poster prints it as large as it likes),
    black on white with the quiet zone the standard asks for. Error correction M: a printed code stays readable
    with a smudge or a fold. segno is imported here, on the first QR code, not on the API's cold start."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(data, error="m", micro=False, boost_error=False).save(
        out,
        kind="svg",
        xmldecl=False,
        scale=1,
        border=4,
        omitsize=True,
        title=title,
        dark="#000",
        light="#fff",
        svgclass=None,
        lineclass=None,
        encoding="utf-8",
    )
    return out.getvalue().decode("utf-8")


class EntryPointService:
    def __init__(self, directory: DynamoDirectory, region_admin: RegionAdminService, *, citizen_url: str) -> None:
        self._directory = directory
        self._region_admin = region_admin
        self._citizen_url = citizen_url  # the citizen site, https://…/citizen/

    def links(self, principal: Principal, unit_id: str) -> UnitEntryLinks:
        """The unit's links, for its administrators and the region's."""
        try:
            require_unit_admin(principal, unit_id)
        except (NotFound, Forbidden):
            if not self._region_admin.is_region_admin(principal):
                raise
        unit = self._unit(principal.tenant, unit_id)
        colour = RegionSettings.of_region(self._directory.region(principal.tenant)).branding.accent
        from chalicelib.services.record import PROFESSION_TEXT

        names = PROFESSION_TEXT["sv"]
        offered = [p for p in unit.get("professions") or [] if isinstance(p, str)]
        links = []
        for profession in [None, *offered]:
            url = intake_link(self._citizen_url, unit_id, profession)
            subtitle = names.get(profession, profession) if profession else ""
            links.append(
                EntryLink(
                    profession=profession,
                    url=url,
                    app_url=intake_link(self._citizen_url, unit_id, profession, app=True),
                    qr_url=qr_path(unit_id, profession),
                    snippet=snippet(url, str(unit["name"]), subtitle=subtitle, colour=colour),
                )
            )
        return UnitEntryLinks(unit_id, str(unit["name"]), intake_link(self._citizen_url), links)

    def qr(self, tenant: str, unit_id: str, profession: str | None) -> str:
        """The QR code of the unit's link (for one of its professions): 404 for no such unit, 400 for a profession
        it does not offer."""
        unit = self._unit(tenant, unit_id)
        chosen = offered_profession(unit, profession)
        return qr_svg(intake_link(self._citizen_url, unit_id, chosen), title=f"Nära – {unit['name']}")

    def _unit(self, tenant: str, unit_id: str) -> dict[str, Any]:
        unit = self._directory.unit(tenant, unit_id) if 0 < len(unit_id) <= UNIT_ID_MAX else None
        if unit is None:
            raise NotFound(f"There is no unit {unit_id!r} in this region.", message_sv="Enheten finns inte.")
        return unit
