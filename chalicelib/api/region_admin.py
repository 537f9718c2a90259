"""Administration of the region by its administrators: units, self-booking rules, branding (colours and an uploaded
logo), notices and who the region administrators are, with the region's change history; and the region's stored
branding and uploaded logos, which every page applies (docs/administration.md)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response
from pydantic import ConfigDict, Field, ValidationError

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel
from chalicelib.api.http import Access
from chalicelib.api.openapi import operation
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.region_settings import LOGO_MAX_BYTES, Branding, Notices, RegionSettings, SelfBooking, logo_url
from chalicelib.domain.unit_settings import Localized, Strict, UnitSettings

if TYPE_CHECKING:
    from chalicelib.services.region_admin import RegionAdminService, RegionAdminView

bp = Blueprint(__name__)


def _service() -> RegionAdminService:
    return bootstrap.container().region_admin


# --- models --------------------------------------------------------------------------------------------------------


class BrandingView(ApiModel):
    primary: str | None = Field(default=None, description="The header's colour (#rrggbb); none: the page's own")
    on_primary: str | None = Field(default=None, description="Text on the header")
    accent: str | None = Field(default=None, description="Links and buttons on white")
    logo: str | None = Field(default=None, description="The logo's name (a file of the configuration, or uploads/...)")
    logo_url: str | None = Field(default=None, description="Where the pages load the logo from (this origin)")


class RegionAccess(ApiModel):
    region_admin: bool = Field(description="Whether the logged-in staff member is one of the region's administrators")


class RegionAdminEntry(ApiModel):
    hsa_id: str
    name: str


class RegionUnit(ApiModel):
    unit_id: str
    name: str
    address: str = ""
    phone: str = ""
    professions: list[str] = Field(default_factory=list)


class RegionChangeEntry(ApiModel):
    by: str = Field(description="HSA-id of the region administrator")
    by_name: str
    at: datetime
    what: str = Field(description="settings, unit, admin_given or admin_taken")
    fields: list[str] = Field(default_factory=list, description="settings: which were changed")
    unit_id: str | None = Field(default=None, description="unit: the unit added")
    unit_name: str | None = None
    staff: str | None = Field(default=None, description="admin_given / admin_taken: whose (HSA-id)")
    staff_name: str | None = None


class RegionAdmin(ApiModel):
    name: str
    self_booking: SelfBooking
    branding: Branding
    logo_url: str | None = Field(
        default=None, description="Where the pages load the region's logo from (none: no logo)"
    )
    notices: Notices
    version: int
    changed_by_name: str | None = Field(default=None, description="Who last changed the region (none: the file)")
    changed_at: datetime | None = None
    admins: list[RegionAdminEntry]
    units: list[RegionUnit]
    changes: list[RegionChangeEntry] = Field(description="The latest changes, newest first")

    @classmethod
    def of(cls, view: RegionAdminView) -> RegionAdmin:
        record = view.record
        return cls(
            name=str(record.details.get("name") or ""),
            self_booking=view.settings.self_booking,
            branding=view.settings.branding,
            logo_url=logo_url(view.settings.branding.logo),
            notices=view.settings.notices,
            version=record.version,
            changed_by_name=record.changed_by_name,
            changed_at=record.changed_at,
            admins=[RegionAdminEntry(hsa_id=a["hsa_id"], name=a.get("name") or a["hsa_id"]) for a in view.admins],
            units=[
                RegionUnit(**{k: u[k] for k in RegionUnit.model_fields if u.get(k) is not None}) for u in view.units
            ],
            changes=[RegionChangeEntry(**c) for c in view.changes],
        )


class RegionSettingsRequest(Strict):
    """All three, as shown (GET /staff/region): nothing left out is reset to a default by accident."""

    model_config = ConfigDict(defer_build=True)  # as ApiModel: built when first used

    self_booking: SelfBooking
    branding: Branding
    notices: Notices
    version: int = Field(ge=0, description="The version the administrator saw (GET /staff/region); 409 if it changed")


LOGO_BODY_BYTES = 2 * LOGO_MAX_BYTES + 4096  # the SVG's text as a JSON string (its quotes escaped) and the version


class LogoUpload(Strict):
    """A new logo for the region: an SVG picture (a PNG logo can be given in the region's configuration file)."""

    model_config = ConfigDict(defer_build=True)  # as ApiModel: built when first used

    svg: str = Field(
        min_length=1,
        max_length=LOGO_MAX_BYTES,
        description=f"The SVG file's text (UTF-8, at most {LOGO_MAX_BYTES // 1024} KB; no scripts, event handlers "
        "or references to other files)",
    )
    version: int = Field(ge=0, description="The version the administrator saw (GET /staff/region); 409 if it changed")


class NewUnit(UnitSettings):
    model_config = ConfigDict(defer_build=True)  # as ApiModel: built when first used

    admin_hsa_id: str = Field(description="The HSA-id of the unit's first administrator")
    admin_name: str = Field(default="", max_length=200, description="Required when they are new to the region")


class UnitAddedView(ApiModel):
    unit_id: str
    name: str
    address: str = ""
    phone: str = ""
    phone_hours: Localized | None = None
    opening_hours: dict[str, dict[str, list[list[str]]]] = Field(default_factory=dict)
    professions: list[str] = Field(default_factory=list)
    self_booking: SelfBooking | None = Field(default=None, description="The unit's own open-booking rule, if given")
    created: bool = Field(description="False when the unit was already there exactly so (a retry)")
    admin: dict[str, Any] = Field(description="{hsa_id, name, roles}: the first administrator (from their next login)")


class SetRegionAdmin(Strict):
    model_config = ConfigDict(defer_build=True)  # as ApiModel: built when first used

    region_admin: bool = Field(description="True: give the role; false: take it away (not one's own)")


class RegionAdminSaved(ApiModel):
    admin: RegionAdminEntry
    region_admin: bool
    changed: bool = Field(description="False when it already was so (a retry)")
    sessions_ended: int = Field(description="Sessions ended because the role was taken away")


# Words a region's administrator can act on, for what pydantic says about these forms.
_COLOUR_SV = "Ange färgen som #rrggbb, till exempel #005a78."
_CLOCK_SV = "Ange tiden som TT:MM, till exempel 21:00."


def _readable(error: ValidationError) -> ValidationFailed | ValidationError:
    first = error.errors()[0]
    loc = [str(p) for p in first.get("loc", ())]
    field = ".".join(loc)
    if loc[:1] == ["branding"] and first["type"] == "value_error":
        message = str(first["msg"]).removeprefix("Value error, ")
        return ValidationFailed(
            f"branding: {message}; choose a darker or lighter colour.",
            field="branding",
            message_sv="Färgerna har för låg kontrast för att texten ska gå att läsa (WCAG AA kräver minst 4,5:1). "
            "Välj en mörkare eller ljusare färg.",
        )
    if loc[:1] == ["branding"] and first["type"] == "string_pattern_mismatch" and "logo" not in loc:
        return ValidationFailed(f"{field}: give the colour as #rrggbb.", field=field, message_sv=_COLOUR_SV)
    if loc[:1] == ["svg"] and first["type"] == "string_too_long":
        return ValidationFailed(
            f"svg: the logo is larger than {LOGO_MAX_BYTES // 1024} KB.",
            field="logo",
            message_sv=f"Logotypen får vara högst {LOGO_MAX_BYTES // 1024} kB.",
        )
    if "quiet_hours" in loc and first["type"] == "string_pattern_mismatch":
        return ValidationFailed(f"{field}: give the time as HH:MM.", field=field, message_sv=_CLOCK_SV)
    return error


def _parse(model: type[Strict], max_bytes: int = http.MAX_BODY_BYTES) -> Any:
    try:
        return http.parse_body(model, bp.current_request, max_bytes=max_bytes)
    except ValidationError as error:
        raise _readable(error) from None


# --- routes --------------------------------------------------------------------------------------------------------


@operation(
    bp,
    "/branding",
    "GET",
    summary="The region's branding as its administrators keep it (every page applies it on load)",
    tag="meta",
    access=Access.PUBLIC,
    response=BrandingView,
)
def get_branding() -> Response:
    return http.respond(BrandingView(**_service().branding(bootstrap.settings().tenant)))


@operation(
    bp,
    "/branding/uploads/{name}",
    "GET",
    summary="A logo the region's administrators uploaded (image/svg+xml; its name is its content's hash, so it never "
    "changes)",
    tag="meta",
    access=Access.PUBLIC,
    errors=(404,),
)
def get_uploaded_logo(name: str) -> Response:
    svg = _service().uploaded_logo(bootstrap.settings().tenant, f"uploads/{name}")
    if svg is None:
        return http.error_response(404, "not_found", "There is no such logo.", message_sv="Logotypen finns inte.")
    headers: dict[str, str | list[str]] = {
        "Content-Type": "image/svg+xml",
        "Cache-Control": "public, max-age=31536000, immutable",
        # opened on its own, the picture may not run or load anything (it holds nothing of the kind: check_logo)
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body=svg, status_code=200, headers=headers)


@operation(
    bp,
    "/staff/region/access",
    "GET",
    summary="Whether the logged-in staff member is a region administrator (the dashboard shows Region then)",
    tag="administration",
    access=Access.STAFF,
    response=RegionAccess,
)
def get_region_access() -> Response:
    return http.respond(RegionAccess(region_admin=_service().is_region_admin(http.who())))


@operation(
    bp,
    "/staff/region",
    "GET",
    summary="The region's settings, units, administrators and latest changes (the region's administrators)",
    tag="administration",
    access=Access.STAFF,
    response=RegionAdmin,
    errors=(403,),
)
def get_region() -> Response:
    return http.respond(RegionAdmin.of(_service().region(http.who())))


@operation(
    bp,
    "/staff/region/settings",
    "PUT",
    summary="Change the region's self-booking rules, branding and notices at `version` (409 naming who changed "
    "them meanwhile; the same again: 200)",
    tag="administration",
    access=Access.STAFF,
    request=RegionSettingsRequest,
    response=RegionAdmin,
    errors=(403, 409, 422),
)
def put_region_settings() -> Response:
    who, service = http.who(), _service()
    service.require(who)  # 403 before reading the body
    body: RegionSettingsRequest = _parse(RegionSettingsRequest)
    settings = RegionSettings(self_booking=body.self_booking, branding=body.branding, notices=body.notices)
    service.update_settings(who, settings, version=body.version)
    return http.respond(RegionAdmin.of(service.region(who)))


@operation(
    bp,
    "/staff/region/logo",
    "PUT",
    summary="Upload a new logo for the region (SVG, checked; every page shows it from its next load) at `version` "
    "(409 naming who changed the region meanwhile; the same logo again: 200)",
    tag="administration",
    access=Access.STAFF,
    request=LogoUpload,
    response=RegionAdmin,
    errors=(403, 409, 413, 422),
)
def put_region_logo() -> Response:
    who, service = http.who(), _service()
    service.require(who)  # 403 before reading the body
    body: LogoUpload = _parse(LogoUpload, LOGO_BODY_BYTES)
    service.upload_logo(who, body.svg.encode("utf-8"), version=body.version)
    return http.respond(RegionAdmin.of(service.region(who)))


@operation(
    bp,
    "/staff/region/units/{unit_id}",
    "PUT",
    summary="Add a unit to the region with its first administrator (201; the same unit again: 200; another unit "
    "under an HSA-id in use: 409)",
    tag="administration",
    access=Access.STAFF,
    request=NewUnit,
    response=UnitAddedView,
    status=201,
    also=(200,),
    errors=(403, 409, 422),
)
def put_region_unit(unit_id: str) -> Response:
    who, service = http.who(), _service()
    service.require(who)
    body: NewUnit = _parse(NewUnit)
    settings = UnitSettings.model_validate(body.model_dump(exclude={"admin_hsa_id", "admin_name"}))
    added = service.add_unit(who, unit_id, settings, admin_hsa_id=body.admin_hsa_id, admin_name=body.admin_name)
    unit = added.unit
    details = {k: v for k, v in unit.details.items() if k in UnitSettings.model_fields and k != "name"}
    view = UnitAddedView(unit_id=unit.unit_id, name=unit.name, **details, created=added.created, admin=added.admin)
    return http.respond(view, 201 if added.created else 200)


@operation(
    bp,
    "/staff/region/admins/{hsa_id}",
    "PUT",
    summary="Give or take the region administrator role (not one's own); a role taken away ends their sessions",
    tag="administration",
    access=Access.STAFF,
    request=SetRegionAdmin,
    response=RegionAdminSaved,
    errors=(403, 409, 422),
)
def put_region_admin(hsa_id: str) -> Response:
    who, service = http.who(), _service()
    service.require(who)
    body: SetRegionAdmin = _parse(SetRegionAdmin)
    saved = service.set_region_admin(who, hsa_id, region_admin=body.region_admin)
    return http.respond(
        RegionAdminSaved(
            admin=RegionAdminEntry(hsa_id=saved.admin["hsa_id"], name=saved.admin["name"]),
            region_admin=saved.admin["region_admin"],
            changed=saved.changed,
            sessions_ended=saved.sessions_ended,
        )
    )
