"""Entry points into the citizen journey (issue 11): the links that start "Ny kontakt" at a unit, or at a unit for
one of its professions, as a unit hands them out — on its website (a snippet), in its waiting room (a QR code) and
in a regional app (a deep link). Pure: the addresses and the snippet's HTML from the unit's details.

The citizen site reads them (frontend/citizen/intake.js, hash routes):

- region-wide (as from 1177.se): ``<citizen site>#/ny-kontakt`` — the routing picks the unit
- a unit: ``…#/ny-kontakt?enhet=<unit_id>``; a unit and a profession: ``…?enhet=<unit_id>&yrke=<profession>``
- a regional app's deep link: the unit's link with ``&via=app``, opened as it is in a web view or the browser

docs/operations.md, "Entry points".
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import urlencode

from chalicelib.domain.errors import DomainError
from chalicelib.domain.model import PROFESSIONS

INTAKE_ROUTE = "#/ny-kontakt"
UNIT_PARAM = "enhet"
PROFESSION_PARAM = "yrke"
VIA_PARAM = "via"
SNIPPET_TEXT = "Kontakta oss digitalt"


class ProfessionNotOffered(DomainError):
    """A link (or its QR code) for a profession the unit does not offer: 400, naming the ones it does."""

    code = "profession_not_offered"


def intake_link(
    citizen_url: str, unit_id: str | None = None, profession: str | None = None, *, app: bool = False
) -> str:
    """The address that starts "Ny kontakt" (``citizen_url`` is the citizen site, ``https://…/citizen/``): region-wide
    without a unit; with ``app`` the deep link a regional app opens (only for a unit's link)."""
    params: list[tuple[str, str]] = []
    if unit_id:
        params.append((UNIT_PARAM, unit_id))
        if profession:
            params.append((PROFESSION_PARAM, profession))
        if app:
            params.append((VIA_PARAM, "app"))
    query = urlencode(params)
    return f"{citizen_url}{INTAKE_ROUTE}" + (f"?{query}" if query else "")


def offered_profession(unit: Mapping[str, Any], profession: str | None) -> str | None:
    """``profession`` if the unit offers it (None: the unit's link without one); ProfessionNotOffered naming what the
    unit does offer otherwise."""
    if profession is None:
        return None
    offered = [p for p in unit.get("professions") or [] if isinstance(p, str)]
    if profession in offered:
        return profession
    known = "a profession" if profession in PROFESSIONS else "not a profession"
    raise ProfessionNotOffered(
        f"{profession!r} is {known} that {unit.get('name')} offers; it offers: {', '.join(offered) or 'none'}.",
        field=PROFESSION_PARAM,
        message_sv=f"{unit.get('name')} erbjuder inte yrkesrollen {profession!r}. Välj en av: "
        f"{', '.join(offered) or 'inga'}.",
    )


def snippet(url: str, unit_name: str, *, subtitle: str = "", colour: str = "#005a78") -> str:
    """A small HTML fragment a unit pastes on its own website: a link styled as a button (inline styles only, no
    script, nothing loaded from elsewhere), reading "Kontakta oss digitalt" over the unit's name. ``colour`` is the
    region's accent, which has 4.5:1 against white (region_settings.Branding)."""
    second = escape(unit_name) + (f" · {escape(subtitle)}" if subtitle else "")
    button = (
        "display:inline-block;padding:12px 20px;border-radius:6px;"
        f"background:{escape(colour)};color:#ffffff;text-decoration:none;"
        "font-family:Arial,Helvetica,sans-serif;font-size:17px;font-weight:bold;line-height:1.3"
    )
    return (
        f'<a href="{escape(url)}" lang="sv" style="{button}">{SNIPPET_TEXT}'
        f'<span style="display:block;font-size:14px;font-weight:normal">{second}</span></a>'
    )
