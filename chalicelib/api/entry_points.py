"""A unit's entry points into the citizen journey (issue 11): its QR codes (public: the waiting room's poster, the
unit's website) and, for its administrators and the region's, its links with a regional app's deep link and a snippet
for its website (services/entry_points.py; docs/operations.md, "Entry points")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response
from pydantic import Field

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel
from chalicelib.api.http import Access
from chalicelib.api.openapi import operation
from chalicelib.domain.entry_links import PROFESSION_PARAM

if TYPE_CHECKING:
    from chalicelib.services.entry_points import UnitEntryLinks

bp = Blueprint(__name__)

QR_MAX_AGE = 3600  # a changed unit (a profession no longer offered) shows within the hour


class EntryLinkView(ApiModel):
    profession: str | None = Field(description="The profession the link asks for; none: the unit's own link")
    url: str = Field(description="The link citizens open (what the QR code holds): #/ny-kontakt?enhet=…[&yrke=…]")
    app_url: str = Field(description="A regional app's deep link: the same with &via=app, opened as it is")
    qr_url: str = Field(description="The link's QR code as an SVG picture (a path on this origin)")
    snippet: str = Field(description="HTML for the unit's own website: a link styled as a button, no script")


class EntryLinks(ApiModel):
    unit_id: str
    name: str
    region_url: str = Field(description="The region-wide entry (as from 1177.se): the routing picks the unit")
    links: list[EntryLinkView] = Field(description="The unit's own link first, then one per profession it offers")

    @classmethod
    def of(cls, found: UnitEntryLinks) -> EntryLinks:
        return cls(
            unit_id=found.unit_id,
            name=found.name,
            region_url=found.region_url,
            links=[
                EntryLinkView(profession=k.profession, url=k.url, app_url=k.app_url, qr_url=k.qr_url, snippet=k.snippet)
                for k in found.links
            ],
        )


@operation(
    bp,
    "/units/{unit_id}/qr.svg",
    "GET",
    summary="The QR code of a unit's link (image/svg+xml), for its waiting room and website; ?yrke= for one of the "
    "professions it offers",
    tag="entry points",
    access=Access.PUBLIC,
    query=((PROFESSION_PARAM, "One of the professions the unit offers (nurse, physiotherapist, …)", False),),
    errors=(400, 404),
)
def unit_qr(unit_id: str) -> Response:
    profession = http.query(bp.current_request, PROFESSION_PARAM)
    svg = bootstrap.container().entry_points.qr(bootstrap.settings().tenant, unit_id, profession)
    headers: dict[str, str | list[str]] = {
        "Content-Type": "image/svg+xml",
        "Cache-Control": f"public, max-age={QR_MAX_AGE}",
        # opened on its own, the picture may not run or load anything (it holds a title and two paths)
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body=svg, status_code=200, headers=headers)


@operation(
    bp,
    "/staff/units/{unit_id}/entry-links",
    "GET",
    summary="The unit's links into the citizen journey, per profession it offers, with app deep links, QR codes and "
    "a snippet for its website (the unit's and the region's administrators)",
    tag="entry points",
    access=Access.STAFF,
    response=EntryLinks,
    errors=(403, 404),
)
def unit_entry_links(unit_id: str) -> Response:
    return http.respond(EntryLinks.of(bootstrap.container().entry_points.links(http.who(), unit_id)))
