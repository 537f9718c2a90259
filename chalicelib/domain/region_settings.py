"""What a region's administrators may set about the whole region, validated the same way in the region's configuration
file (``infrastructure/tenant_config.py``) and in the staff dashboard's region administration: open booking
(self-booking rules), branding (colours that keep WCAG 2.1 AA contrast, and a logo) and notices (SMS interval, quiet
hours). Pure.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET  # DOCTYPE (so entities) and stylesheets are refused before parsing: _check_svg
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

# PRIORITIES and SelfBooking live beside the unit's settings (a unit may have its own rule); this module's API too
from chalicelib.domain.unit_settings import CLOCK, Strict
from chalicelib.domain.unit_settings import PRIORITIES as PRIORITIES
from chalicelib.domain.unit_settings import SelfBooking as SelfBooking

WCAG_AA_TEXT = 4.5  # WCAG 2.1 AA, normal text

HexColour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class QuietHours(Strict):
    start: Annotated[str, Field(pattern=CLOCK.pattern)] = "21:00"
    end: Annotated[str, Field(pattern=CLOCK.pattern)] = "08:00"


class Notices(Strict):
    sms_interval_minutes: int = Field(default=15, ge=0, le=1440)
    quiet_hours: QuietHours = QuietHours()


def _luminance(colour: str) -> float:
    def channel(part: str) -> float:
        c = int(part, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- the logo ---------------------------------------------------------------------------------------------------

LOGO_MAX_BYTES = 200 * 1024  # a logo is a small picture in the header; larger files slow every page's first load
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# An uploaded logo (staff dashboard) is kept by the API under its content's hash and served by it; a logo of the
# configuration file is a file beside it, served with the frontends (the local stack, the web bucket in AWS).
UPLOADED_LOGO = re.compile(r"^uploads/[0-9a-f]{32}\.svg$")
LOGO_NAME = r"^(uploads/[0-9a-f]{32}\.svg|[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}\.(svg|png))$"
_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video", "handler", "listener"}
_SAFE_HREF = re.compile(r"^(#|data:image/(png|jpeg|gif|webp);base64,)", re.IGNORECASE)
_EXTERNAL_URL = re.compile(r"url\(\s*(?![\s'\"]*#)|@import", re.IGNORECASE)


class LogoProblem(ValueError):
    """Why a file cannot be the region's logo, in English and in Swedish."""

    def __init__(self, message: str, message_sv: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_sv = message_sv


def logo_url(name: str | None) -> str | None:
    """Where the pages find the logo: an uploaded one from the API, the configuration's file beside the frontends."""
    if not name:
        return None
    return f"/api/branding/{name}" if UPLOADED_LOGO.match(name) else f"/branding/{name}"


def check_logo(name: str, data: bytes) -> None:
    """Raises LogoProblem unless ``data`` is a real PNG or a plain SVG (as ``name``'s suffix says) of at most
    LOGO_MAX_BYTES. An SVG may hold no script, no event handler, no foreign content and no reference outside itself
    (``href`` only to ``#...`` or an embedded raster image; CSS ``url(#...)`` only): served from the region's own
    origin, it must not be able to run or fetch anything, even when opened on its own."""
    if len(data) > LOGO_MAX_BYTES:
        raise LogoProblem(
            f"the logo is {len(data) // 1024} KB; at most {LOGO_MAX_BYTES // 1024} KB",
            f"Logotypen är {len(data) // 1024} kB. Den får vara högst {LOGO_MAX_BYTES // 1024} kB.",
        )
    if name.lower().endswith(".png"):
        _check_png(data)
    elif name.lower().endswith(".svg"):
        _check_svg(data)
    else:
        raise LogoProblem("the logo must be an SVG or PNG file", "Logotypen ska vara en SVG- eller PNG-fil.")


def _check_png(data: bytes) -> None:
    from PIL import Image  # only where a PNG logo is checked (the configuration's validation, never a page load)

    bad = LogoProblem("not a PNG picture (the file is damaged or of another kind)", "Filen är ingen PNG-bild.")
    if not data.startswith(PNG_SIGNATURE):
        raise bad
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise bad
            image.verify()
    except LogoProblem:
        raise
    except Exception:
        raise bad from None


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _check_svg(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise LogoProblem("not an SVG picture (not UTF-8 text)", "Filen är ingen SVG-bild.") from None
    unsafe = LogoProblem(
        "the SVG holds a script, an event handler or a reference to another file; a logo must be a plain picture",
        "SVG-filen innehåller skript, händelsehanterare eller hänvisningar till andra filer. "
        "Logotypen ska vara en enkel bild.",
    )
    lowered = text.lower()
    if "<!doctype" in lowered or "<!entity" in lowered or "<?xml-stylesheet" in lowered:
        raise unsafe
    try:
        root = ET.fromstring(text)  # noqa: S314 (no DOCTYPE, so no entities to expand)
    except ET.ParseError:
        raise LogoProblem("not an SVG picture (not well-formed XML)", "Filen är ingen SVG-bild.") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise LogoProblem(
            f'not an SVG picture (the root element is not <svg xmlns="{SVG_NAMESPACE}">)', "Filen är ingen SVG-bild."
        )
    for element in root.iter():
        if not isinstance(element.tag, str) or _local(element.tag) in _FORBIDDEN_ELEMENTS:
            raise unsafe
        if _local(element.tag) == "style" and _EXTERNAL_URL.search(element.text or ""):
            raise unsafe
        for attribute, value in element.attrib.items():
            local = _local(attribute)
            if local.startswith("on"):
                raise unsafe
            if local == "href" and not _SAFE_HREF.match(value.strip()):
                raise unsafe
            if _EXTERNAL_URL.search(value):
                raise unsafe


class Branding(Strict):
    """The region's look: its logo and two colours. The logo is an SVG or PNG file beside the region's configuration
    file (checked by ``check_logo`` when the file is loaded) or one its administrators uploaded (``uploads/...``,
    checked likewise); the header shows it, sized small, with the region's name as its text alternative. The header is
    the primary colour with text in ``on_primary``; links and buttons use ``accent`` on white. Both pairs must reach
    WCAG 2.1 AA for normal text (4.5:1)."""

    logo: Annotated[str, Field(pattern=LOGO_NAME)] | None = None
    primary: HexColour = "#005a78"
    on_primary: HexColour = "#ffffff"
    accent: HexColour = "#005a78"

    @model_validator(mode="after")
    def _contrast(self) -> Branding:
        pairs = (("primary", self.primary, "on_primary", self.on_primary), ("accent", self.accent, "white", "#ffffff"))
        for name, colour, other_name, other in pairs:
            ratio = contrast(colour, other)
            if ratio < WCAG_AA_TEXT:
                raise ValueError(
                    f"{name} {colour} on {other_name} {other} has contrast {ratio:.2f}:1; WCAG AA needs at least 4.5:1"
                )
        return self

    @field_validator("logo")
    @classmethod
    def _logo_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        """With ``context={"logo_dir": <the configuration file's directory>}`` (loading a configuration file), the
        logo must be a real logo file there."""
        directory = (info.context or {}).get("logo_dir") if isinstance(info.context, dict) else None
        if value is None or directory is None:
            return value
        if UPLOADED_LOGO.match(value):
            raise ValueError("uploads/ names a logo uploaded in the staff dashboard; name a file beside this file")
        path = directory / value
        try:
            data = path.read_bytes()
        except OSError:
            raise ValueError(f"{value} is not a file beside the configuration file ({path})") from None
        try:
            check_logo(value, data)
        except LogoProblem as problem:
            raise ValueError(f"{value}: {problem.message}") from None
        return value

    def with_logo_url(self) -> dict[str, Any]:
        """What the pages get: the colours, the logo's name and where they load it from (``logo_url``)."""
        shown = self.model_dump(exclude_none=True)
        if self.logo:
            shown["logo_url"] = logo_url(self.logo)
        return shown


class RegionSettings(Strict):
    """The region-wide settings its administrators keep in the staff dashboard (everything else about the region
    stays in its configuration file)."""

    self_booking: SelfBooking = SelfBooking()
    branding: Branding = Branding()
    notices: Notices = Notices()

    @classmethod
    def of_region(cls, details: dict[str, Any]) -> RegionSettings:
        """The settings as the region item holds them (defaults for what it lacks)."""
        return cls.model_validate({k: details[k] for k in cls.model_fields if details.get(k) is not None})

    def details(self) -> dict[str, Any]:
        """What the region item keeps (the app reads these)."""
        return {
            "self_booking": self.self_booking.model_dump(),
            "branding": self.branding.model_dump(exclude_none=True),
            "notices": self.notices.model_dump(),
        }
