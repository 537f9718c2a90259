"""Administration of a unit by its administrators: settings (its own open-booking rule among them), staff and roles,
and the change history — of the settings, the roles and the unit's phrase templates (docs/administration.md)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response
from pydantic import ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.api import http
from chalicelib.api.core_models import ApiModel
from chalicelib.api.http import Access
from chalicelib.api.openapi import operation
from chalicelib.domain.unit_settings import Localized, SelfBooking, Strict, UnitSettings

if TYPE_CHECKING:
    from chalicelib.services.admin import UnitAdminView

bp = Blueprint(__name__)


class UnitSettingsRequest(UnitSettings):
    model_config = ConfigDict(defer_build=True)  # as ApiModel: built when first used

    version: int = Field(ge=0, description="The version the administrator saw (GET …/settings); 409 if it changed")


class StaffAtUnit(ApiModel):
    hsa_id: str
    name: str
    roles: list[str] = Field(description="nurse, doctor, … and admin or coordinator, at this unit")


class UnitChangeEntry(ApiModel):
    by: str = Field(description="HSA-id of the administrator")
    by_name: str
    at: datetime
    what: str = Field(
        description="settings, roles, or a change of one of the unit's phrase templates: template_created, "
        "template_edited, template_deleted"
    )
    fields: list[str] = Field(
        default_factory=list,
        description="settings: which were changed; template_edited: which of title, text, language, tags",
    )
    staff: str | None = Field(default=None, description="roles: whose (HSA-id)")
    staff_name: str | None = None
    roles: list[str] | None = Field(default=None, description="roles: the roles now held at the unit")
    template_id: str | None = Field(default=None, description="template_*: which phrase template")
    template_title: str | None = Field(default=None, description="template_*: its title (after an edit, the new one)")
    template_was: str | None = Field(default=None, description="template_edited with a new title: the title before")


class UnitAdmin(ApiModel):
    unit_id: str
    name: str
    address: str = ""
    phone: str = ""
    phone_hours: Localized | None = None
    opening_hours: dict[str, dict[str, list[list[str]]]] = Field(default_factory=dict)
    professions: list[str] = Field(default_factory=list)
    minutes_per_case: float | None = None
    self_booking: SelfBooking | None = Field(
        default=None, description="The unit's own open-booking rule; none: the region's (region_self_booking) applies"
    )
    region_self_booking: SelfBooking = Field(description="The region's open-booking rule")
    version: int
    changed_by_name: str | None = Field(default=None, description="Who last changed the settings (none: onboarding)")
    changed_at: datetime | None = None
    staff: list[StaffAtUnit]
    changes: list[UnitChangeEntry] = Field(description="The latest changes, newest first")

    @classmethod
    def of(cls, view: UnitAdminView) -> UnitAdmin:
        record = view.record
        details: dict[str, Any] = {k: v for k, v in record.details.items() if k in UnitSettings.model_fields}
        return cls(
            unit_id=record.unit_id,
            name=record.name,
            **details,
            version=record.version,
            changed_by_name=record.changed_by_name,
            changed_at=record.changed_at,
            region_self_booking=SelfBooking.model_validate(view.region_self_booking),
            staff=[StaffAtUnit(**s) for s in view.staff],
            changes=[UnitChangeEntry(**c) for c in view.changes],
        )


class SetRoles(Strict):
    model_config = ConfigDict(defer_build=True)  # as ApiModel: built when first used

    name: str = Field(default="", max_length=200, description="Required for someone new to the region")
    roles: list[str] = Field(max_length=12, description="Exactly the roles at this unit; empty: no longer works here")


class RolesSaved(ApiModel):
    staff: StaffAtUnit
    changed: bool = Field(description="False when they already held exactly these roles (a retry)")
    sessions_ended: int = Field(description="Sessions ended because a role was taken away")


@operation(
    bp,
    "/staff/units/{unit_id}/settings",
    "GET",
    summary="The unit's settings, its staff and roles, and its latest changes (the unit's administrators)",
    tag="administration",
    access=Access.STAFF,
    response=UnitAdmin,
    errors=(403, 404),
)
def get_unit_settings(unit_id: str) -> Response:
    services = bootstrap.container()
    return http.respond(UnitAdmin.of(services.admin.unit(http.who(), unit_id)))


@operation(
    bp,
    "/staff/units/{unit_id}/settings",
    "PUT",
    summary="Change the unit's settings at `version` (409 naming who changed them meanwhile; the same again: 200)",
    tag="administration",
    access=Access.STAFF,
    request=UnitSettingsRequest,
    response=UnitAdmin,
    errors=(403, 404, 409, 422),
)
def put_unit_settings(unit_id: str) -> Response:
    who = http.who()
    body = http.parse_body(UnitSettingsRequest, bp.current_request)
    settings = UnitSettings.model_validate(body.model_dump(exclude={"version"}))
    admin = bootstrap.container().admin
    admin.update_unit(who, unit_id, settings, version=body.version)
    return http.respond(UnitAdmin.of(admin.unit(who, unit_id)))


@operation(
    bp,
    "/staff/units/{unit_id}/staff/{hsa_id}",
    "PUT",
    summary="Give a staff member exactly these roles at the unit (empty: no longer works here); a role taken away "
    "ends their sessions at once",
    tag="administration",
    access=Access.STAFF,
    request=SetRoles,
    response=RolesSaved,
    errors=(403, 404, 409, 422),
)
def put_staff_roles(unit_id: str, hsa_id: str) -> Response:
    body = http.parse_body(SetRoles, bp.current_request)
    saved = bootstrap.container().admin.set_roles(http.who(), unit_id, hsa_id, name=body.name, roles=body.roles)
    return http.respond(
        RolesSaved(staff=StaffAtUnit(**saved.staff), changed=saved.changed, sessions_ended=saved.sessions_ended)
    )
