"""What a region's administrators may set about the whole region, validated the same way in the region's configuration
file (``infrastructure/tenant_config.py``) and in the staff dashboard's region administration: open booking
(self-booking rules), branding (colours that keep WCAG 2.1 AA contrast, and a logo) and notices (SMS interval, quiet
hours). Pure.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from chalicelib.domain.unit_settings import CLOCK, PROFESSIONS, Strict

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
WCAG_AA_TEXT = 4.5  # WCAG 2.1 AA, normal text

HexColour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class SelfBooking(Strict):
    """Open booking (webbtidbok): which professions and priorities a citizen may book themselves after the triage."""

    professions: list[Literal[PROFESSIONS]] = Field(default_factory=list)  # type: ignore[valid-type]
    priorities: list[Literal[PRIORITIES]] = Field(default_factory=list)  # type: ignore[valid-type]
    cancel_limit_hours: int = Field(default=24, ge=0, le=168)

    @field_validator("professions", "priorities")
    @classmethod
    def _in_their_order(cls, value: list[str]) -> list[str]:
        """Each once, in the order of the lists above: the same choice is the same setting, however it was ticked."""
        order = (*PROFESSIONS, *PRIORITIES)
        return sorted(set(value), key=order.index)


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


class Branding(Strict):
    """The region's look: its logo (an SVG or PNG file beside the configuration) and two colours. The header is the
    primary colour with text in ``on_primary``; links and buttons use ``accent`` on white. Both pairs must reach
    WCAG 2.1 AA for normal text (4.5:1)."""

    logo: Annotated[str, Field(pattern=r"^[A-Za-z0-9._/-]+\.(svg|png)$")] | None = None
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
