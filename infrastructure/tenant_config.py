"""A region's configuration file: everything that makes one tenant's deployment its own, validated.

One YAML file per region (``infrastructure/regions/<tenant>.yaml``). ``load(path)`` reads and checks it and returns a
``TenantConfig``; a wrong file raises ``ConfigError`` whose ``problems`` name every wrong field by its path in the
file (``units[2].opening_hours.chat.mon[0]: …``), so a region can fix all of them in one go.

What the file holds (docs/operations.md): the region's name and AWS region; its languages and branding (logo and
colours, checked for WCAG 2.1 AA contrast); retention periods; login methods (BankID, Freja eID+, SITHS), the population
register and the listing register; the SMS provider and e-mail sender; after-hours handling, open booking, notices,
video servers; the emergency departments shown at "go to an emergency department now"; its units (HSA-id, name, address,
phone, opening hours per channel, professions, self-booking rules, capacity and overflow partners); and the staff a new
region starts with (its first administrators, of units and of the region; in the demo regions every demo staff member).

The app reads the region settings from the directory (``DynamoDirectory.region``/``unit``), so ``region_settings()``
and ``unit_details()`` give exactly the dictionaries it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from chalicelib.domain.region_settings import (  # noqa: F401 (contrast, HexColour, QuietHours: this module's API too)
    LOGO_NAME,
    PRIORITIES,
    WCAG_AA_TEXT,
    Branding,
    HexColour,
    Notices,
    QuietHours,
    SelfBooking,
    contrast,
)
from chalicelib.domain.unit_settings import CLOCK, PROFESSIONS, UNIT_ROLES, Localized, Strict, Text, UnitSettings

REGIONS_DIR = Path(__file__).resolve().parent / "regions"

TENANT_ID = r"^[a-z][a-z0-9]{1,29}$"  # becomes part of every resource name: nara-<tenant>-main ...
HSA_ID = r"^SE\d{10}-[A-Za-z0-9]{1,31}$"  # HSA-id: SE + the organisation number (10 digits) + "-" + the local part
ROLES = UNIT_ROLES
LANGUAGES = ("sv", "en")
MIN_ACCESS_LOG_YEARS = 5  # HSLF-FS 2016:40 and the region's own rules: at least five years

HsaId = Annotated[str, Field(pattern=HSA_ID)]


class OverflowPartner(Strict):
    """A partner unit that may take cases near their deadline when this unit has no capacity (never a broadcast)."""

    unit_id: HsaId
    cases_per_day: int = Field(ge=1, le=1000)


class Unit(UnitSettings):
    """A unit as the region's file names it: its HSA-id, its settings (the same the unit's administrator later
    changes in the staff dashboard), its overflow partners and its capacity for routing."""

    unit_id: HsaId
    overflow_partners: list[OverflowPartner] = Field(default_factory=list)
    # routing: the most cases that may wait unclaimed per profession before new ones go to the region's fallback
    capacity: dict[Literal[PROFESSIONS], Annotated[int, Field(ge=1, le=10000)]] = Field(  # type: ignore[valid-type]
        default_factory=dict
    )


class RoutingFallback(Strict):
    """Where cases go that the entry and listed units cannot take, for these professions and priorities (empty:
    all) — a digital health centre, 1177's nurses, a jourcentral (docs/operations.md, "Routing")."""

    unit_id: HsaId
    professions: list[Literal[PROFESSIONS]] = Field(default_factory=list)  # type: ignore[valid-type]
    priorities: list[Literal["P1", "P2", "P3", "P4", "P5"]] = Field(default_factory=list)


class Routing(Strict):
    """The region's routing rules (chalicelib/domain/routing.py): its fallbacks in order, and where P5 (Avvakta)
    cases go when not to the unit the citizen came by (Region Jönköping: 1177's nurses)."""

    fallbacks: list[RoutingFallback] = Field(default_factory=list)
    p5_pool: HsaId | None = None


class EmergencyDepartment(Strict):
    name: Text
    address: Text
    phone: Annotated[str, Field(pattern=r"^[0-9 +()-]{3,20}$")]
    hours: Localized


class SmsHttp(Strict):
    url: Annotated[str, Field(pattern=r"^https://\S+$")]


class Sms(Strict):
    """How texts go out: Amazon SNS with the region's sender id, or the region's own HTTP gateway (its token is the
    data stack's secret ``nara/<tenant>/sms/token``)."""

    provider: Literal["sns", "http"] = "sns"
    sender_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,11}$")] = "Nara"
    http: SmsHttp | None = None

    @model_validator(mode="after")
    def _http_needs_url(self) -> Sms:
        if self.provider == "http" and self.http is None:
            raise ValueError("provider http needs http.url (the gateway's HTTPS address)")
        return self


class Turn(Strict):
    urls: list[Annotated[str, Field(pattern=r"^turns?:\S+$")]] = Field(min_length=1)


class Video(Strict):
    stun_urls: list[Annotated[str, Field(pattern=r"^stuns?:\S+$")]] = Field(default_factory=list)
    turn: Turn | None = None  # the shared secret is the data stack's secret nara/<tenant>/turn/shared_secret


class Oidc(Strict):
    issuer: Annotated[str, Field(pattern=r"^https://\S+$")]
    client_id: Text  # the client secret is the data stack's secret, never in this file


class Identity(Strict):
    """Login methods. Citizens: BankID and/or Freja eID+; staff: SITHS (OIDC). Secrets live in Secrets Manager."""

    bankid_url: Annotated[str, Field(pattern=r"^https://\S+$")] | None = None
    freja: Oidc | None = None
    siths: Oidc
    population_register_url: Annotated[str, Field(pattern=r"^https://\S+$")] | None = None
    # where each resident is listed (listning); its bearer token is the data stack's secret nara/<tenant>/listing/token
    listing_register_url: Annotated[str, Field(pattern=r"^https://\S+$")] | None = None

    @model_validator(mode="after")
    def _citizens_can_log_in(self) -> Identity:
        if self.bankid_url is None and self.freja is None:
            raise ValueError("give citizens a way to log in: bankid_url and/or freja")
        return self


class Retention(Strict):
    """How long data is kept. Cases and messages follow the region's journal rules; the access log at least 5 years."""

    access_log_years: int = Field(default=5, ge=MIN_ACCESS_LOG_YEARS, le=50)
    photos_days: int = Field(default=365, ge=1, le=3650)


class StaffRole(Strict):
    unit_id: HsaId
    role: Literal[ROLES]  # type: ignore[valid-type]


class Staff(Strict):
    hsa_id: HsaId
    name: Text
    title: Text | None = None
    roles: list[StaffRole] = Field(min_length=1)
    # A region administrator: adds units, keeps the region's self-booking rules, branding and notices, and gives
    # this role to others, in the staff dashboard (docs/administration.md). The file names the first ones only.
    region_admin: bool = False


class PartnerRegion(Strict):
    """Another region this one refers cases to, and receives referrals from, with the patient's consent."""

    tenant: Annotated[str, Field(pattern=TENANT_ID)]
    name: Text
    url: Annotated[str, Field(pattern=r"^https://\S+$")]  # the base of its API (its /interregion/jwks.json is there)


class AfterHoursJourcentral(Strict):
    jourcentral: HsaId


class TenantConfig(Strict):
    tenant: Annotated[str, Field(pattern=TENANT_ID)]
    name: Text
    aws_region: Annotated[str, Field(pattern=r"^[a-z]{2}-[a-z]+-\d$")] = "eu-north-1"
    public_origin: Annotated[str, Field(pattern=r"^https://[a-z0-9.-]+$")]  # where citizens and staff open Nära
    languages: list[Literal[LANGUAGES]] = Field(default_factory=lambda: ["sv", "en"])  # type: ignore[valid-type]
    accessibility_contact: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    branding: Branding = Branding()
    retention: Retention = Retention()
    identity: Identity
    sms: Sms = Sms()
    email_sender: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    after_hours: Literal["call_1177"] | AfterHoursJourcentral = "call_1177"
    routing: Routing = Routing()
    self_booking: SelfBooking = SelfBooking()
    notices: Notices = Notices()
    video: Video = Video()
    emergency_departments: list[EmergencyDepartment] = Field(min_length=1)
    units: list[Unit] = Field(min_length=1)
    staff: list[Staff] = Field(min_length=1)
    partner_regions: list[PartnerRegion] = Field(default_factory=list)
    _directory: Path | None = PrivateAttr(default=None)  # where the file is (its logo is beside it)

    @field_validator("languages")
    @classmethod
    def _swedish_first(cls, value: list[str]) -> list[str]:
        if not value or value[0] != "sv":
            raise ValueError("Swedish comes first: start the list with sv")
        if len(set(value)) != len(value):
            raise ValueError("name each language once")
        return value

    @model_validator(mode="after")
    def _references(self) -> TenantConfig:
        units = {u.unit_id for u in self.units}
        problems = []
        seen: set[str] = set()
        for i, unit in enumerate(self.units):
            if unit.unit_id in seen:
                problems.append(f"units[{i}].unit_id: {unit.unit_id} is listed twice")
            seen.add(unit.unit_id)
            for j, partner in enumerate(unit.overflow_partners):
                if partner.unit_id not in units or partner.unit_id == unit.unit_id:
                    problems.append(f"units[{i}].overflow_partners[{j}].unit_id: not another unit of this region")
        for i, person in enumerate(self.staff):
            for j, role in enumerate(person.roles):
                if role.unit_id not in units:
                    problems.append(f"staff[{i}].roles[{j}].unit_id: {role.unit_id} is not a unit of this region")
        for i, partner in enumerate(self.partner_regions):
            if partner.tenant == self.tenant:
                problems.append(f"partner_regions[{i}].tenant: a region does not refer to itself")
        if isinstance(self.after_hours, AfterHoursJourcentral) and self.after_hours.jourcentral not in units:
            problems.append("after_hours.jourcentral: not a unit of this region")
        problems += self._routing_problems()
        if not any(any(r.role == "admin" for r in p.roles) for p in self.staff):
            problems.append("staff: name at least one administrator (role admin) to run the units")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _routing_problems(self) -> list[str]:
        """Every fallback and the P5 pool name a unit of the region that offers what it is to take."""
        offered = {u.unit_id: set(u.professions) for u in self.units}
        problems = []
        for i, unit in enumerate(self.units):
            problems += [
                f"units[{i}].capacity.{p}: the unit does not offer {p}"
                for p in unit.capacity
                if p not in offered[unit.unit_id]
            ]
        for i, fallback in enumerate(self.routing.fallbacks):
            where = f"routing.fallbacks[{i}]"
            if fallback.unit_id not in offered:
                problems.append(f"{where}.unit_id: {fallback.unit_id} is not a unit of this region")
                continue
            problems += [
                f"{where}.professions[{j}]: {fallback.unit_id} does not offer {p}"
                for j, p in enumerate(fallback.professions)
                if p not in offered[fallback.unit_id]
            ]
        pool = self.routing.p5_pool
        if pool is not None and pool not in offered:
            problems.append(f"routing.p5_pool: {pool} is not a unit of this region")
        elif pool is not None and "nurse" not in offered[pool]:
            problems.append(f"routing.p5_pool: {pool} has no nurse, who answers P5 (Avvakta) cases")
        return problems

    # --- What the app reads from the directory ---------------------------------------------------------------------

    def region_settings(self) -> dict[str, Any]:
        """The region item the app reads (``DynamoDirectory.region``)."""
        settings: dict[str, Any] = {
            "name": self.name,
            "after_hours": self.after_hours
            if isinstance(self.after_hours, str)
            else {"jourcentral": self.after_hours.jourcentral},
            "routing": self.routing.model_dump(exclude_defaults=True),
            "self_booking": self.self_booking.model_dump(),
            "notices": self.notices.model_dump(),
            "sms_provider": "sns" if self.sms.provider == "sns" else {"http": {"url": self.sms.http.url}},  # type: ignore[union-attr]
            "emergency_departments": [d.model_dump() for d in self.emergency_departments],
            "languages": list(self.languages),
            "branding": self.branding.model_dump(exclude_none=True),
            # the file's own logo, which the region's administrators may go back to after uploading another
            "file_logo": self.branding.logo,
            "partner_regions": [p.model_dump() for p in self.partner_regions],
            "region_admins": [{"hsa_id": p.hsa_id, "name": p.name} for p in self.staff if p.region_admin],
        }
        video = self.video.model_dump(exclude_none=True)
        if video.get("stun_urls") or video.get("turn"):
            settings["video"] = video
        return settings

    def browser_settings(self) -> dict[str, Any]:
        """What the pages learn about the region from ``/config.js`` (besides where the API and WebSocket are): its
        name, languages (the pages offer exactly these, the first by default), colours and logo (``logo_url``: where
        the pages load it, ``/branding/<file>``) and the accessibility contact."""
        return {
            "region": self.name,
            "languages": list(self.languages),
            "branding": self.branding.with_logo_url(),
            "accessibilityContact": self.accessibility_contact,
        }

    def logo_file(self) -> Path | None:
        """The logo's file beside the configuration file (None without a logo, or for a configuration not read from
        a file). The local stack serves it and ``deploy`` uploads it at ``/branding/<file>``."""
        if not self.branding.logo or self._directory is None:
            return None
        return self._directory / self.branding.logo

    def unit_details(self, unit: Unit) -> dict[str, Any]:
        """A unit's details as the directory keeps them (everything but its id and name). Its own open-booking rule,
        when it has one, whole: the same rule as the unit's administrator saves it."""
        details = unit.model_dump(exclude={"unit_id", "name"}, exclude_defaults=True)
        if unit.self_booking is not None:
            details["self_booking"] = unit.self_booking.model_dump()
        return details


class ConfigError(ValueError):
    """A configuration file that cannot be used; ``problems`` names each wrong field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(f"  - {p}" for p in problems))


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "literal[", "constrained-str", "str", "AfterHours")):
            continue  # pydantic's name for a branch of a union, not a field of the file
        else:
            out += f".{part}" if out else str(part)
    return out or "(the file)"


# What a pattern asks for, in words a region's administrator can act on.
PATTERN_HELP = {
    TENANT_ID: "lower-case letters and digits, starting with a letter (2–30), e.g. jonkoping",
    HSA_ID: "an HSA-id: SE, the ten-digit organisation number, a hyphen and the local part, e.g. SE2321000057-VC01",
    CLOCK.pattern: 'a time as "HH:MM" (24:00 for midnight)',
    r"^#[0-9a-fA-F]{6}$": 'a colour as "#rrggbb"',
    r"^[A-Za-z0-9]{1,11}$": "1–11 letters A–Z or digits (what phones show as the sender)",
    r"^https://\S+$": "an https:// address",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "an e-mail address",
    r"^[0-9 +()-]{5,20}$": "a phone number, e.g. 036-10 10 01",
    r"^[0-9 +()-]{3,20}$": "a phone number, e.g. 036-32 10 00",
    r"^[a-z]{2}-[a-z]+-\d$": "an AWS region, e.g. eu-north-1",
    r"^https://[a-z0-9.-]+$": "an https:// origin without a path, e.g. https://nara.regionkalmar.se",
    LOGO_NAME: "the name of an .svg or .png file beside the configuration file, e.g. logo.svg",
}


def _message(error: Any) -> str:
    if error["type"] == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern", ""))
        return f"{error['input']!r} is not {PATTERN_HELP.get(pattern, 'in the expected form (' + pattern + ')')}"
    if error["type"] == "extra_forbidden":
        return "not a setting of a region's configuration (misspelt?)"
    if error["type"] == "missing":
        return "missing: this setting is required"
    return str(error["msg"]).removeprefix("Value error, ")


def parse(raw: Any, source: str = "configuration", *, directory: Path | None = None) -> TenantConfig:
    """Check a configuration (as read from YAML); raises ConfigError naming every wrong field. With ``directory``
    (the file's), ``branding.logo`` must be a real SVG or PNG file there (``check_logo``)."""
    if not isinstance(raw, Mapping):
        raise ConfigError(source, ["(the file): expected a mapping of settings (tenant:, name:, units: …)"])
    try:
        config = TenantConfig.model_validate(dict(raw), context={"logo_dir": directory} if directory else None)
        config._directory = directory
        return config
    except ValidationError as error:
        problems = []
        for e in error.errors():
            message = _message(e)
            where = _path(tuple(e["loc"]))
            if where == "(the file)" and e["type"] == "value_error":  # the cross-reference check names its own paths
                problems.extend(message.split("; "))
            else:
                problems.append(f"{where}: {message}")
        raise ConfigError(source, list(dict.fromkeys(problems))) from None


def load(path: Path | str) -> TenantConfig:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(str(path), [f"(the file): cannot be read: {error.strerror}"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(the file)"
        raise ConfigError(str(path), [f"{where}: not valid YAML: {getattr(error, 'problem', error)}"]) from None
    return parse(raw, str(path), directory=path.resolve().parent)


def of_tenant(tenant: str) -> TenantConfig:
    """The configuration of a region in ``infrastructure/regions``."""
    return load(REGIONS_DIR / f"{tenant}.yaml")


def of(spec: str) -> TenantConfig:
    """A region by name (``infrastructure/regions/<name>.yaml``) or by the path of its configuration file."""
    if spec.endswith((".yaml", ".yml")) or "/" in spec:
        return load(spec)
    return of_tenant(spec)
