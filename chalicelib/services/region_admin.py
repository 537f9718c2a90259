"""Administration of the whole region by its administrators (staff named in the region item's ``region_admins``), in
the staff dashboard: adding units (each with its first unit administrator), the region's self-booking rules, branding
and notices, and who else is a region administrator. Every change is conditional on what the administrator saw (a
version), recorded with who and when on the region's history, and the same request again changes nothing
(docs/administration.md).

The role is read from the region item on every request, so a role given or taken applies at once; a person whose role
is taken away also has their sessions ended, as with roles at a unit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.dynamo import (
    DynamoDirectory,
    DynamoSessions,
    RegionChange,
    RegionRecord,
    UnitRecord,
)
from chalicelib.domain import policy
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.model import Principal
from chalicelib.domain.region_settings import UPLOADED_LOGO, LogoProblem, RegionSettings, check_logo
from chalicelib.domain.unit_settings import UnitSettings
from chalicelib.services.admin import ADMIN, HSA_ID, write_unit_roles
from chalicelib.services.ports import Clock, IdGenerator

REGION_ADMINS = "region_admins"  # the region item's list: [{"hsa_id", "name"}]
ADMINISTERED = "administered"  # the region item's keys kept in the dashboard (a load of the file leaves them)
FILE_LOGO = "file_logo"  # the region item's name of the configuration file's logo (served beside the frontends)


def admins_of(details: dict[str, Any]) -> list[dict[str, str]]:
    return [dict(a) for a in details.get(REGION_ADMINS) or [] if isinstance(a, dict) and a.get("hsa_id")]


@dataclass(frozen=True)
class RegionAdminView:
    record: RegionRecord
    settings: RegionSettings
    admins: list[dict[str, str]]
    units: list[dict[str, Any]]
    changes: list[dict[str, Any]]


@dataclass(frozen=True)
class UnitAdded:
    unit: UnitRecord
    created: bool  # False: the unit was already there exactly so (a retry)
    admin: dict[str, Any]  # {hsa_id, name, roles} at the new unit


@dataclass(frozen=True)
class RegionAdminSet:
    admin: dict[str, Any]  # {hsa_id, name, region_admin}
    changed: bool
    sessions_ended: int


def _check_hsa_id(value: str, field: str) -> None:
    if not HSA_ID.match(value):
        raise ValidationFailed(
            f"{value!r} is not an HSA-id (SE, the ten-digit organisation number, a hyphen, the local part).",
            field=field,
            message_sv="Ange ett HSA-id, till exempel SE2321000057-VC05.",
        )


class RegionAdminService:
    def __init__(self, directory: DynamoDirectory, sessions: DynamoSessions, *, clock: Clock, ids: IdGenerator) -> None:
        self._directory = directory
        self._sessions = sessions
        self._clock = clock
        self._ids = ids

    # --- reading ------------------------------------------------------------------------------------------------------

    def is_region_admin(self, principal: Principal) -> bool:
        record = self._directory.region_record(principal.tenant)
        return record is not None and policy.is_region_admin(principal, self._admin_ids(record))

    def require(self, principal: Principal) -> None:
        """403 unless the principal is one of the region's administrators."""
        self._record(principal)

    def region(self, principal: Principal) -> RegionAdminView:
        record = self._record(principal)
        units = sorted(self._directory.units(principal.tenant), key=lambda u: str(u.get("name", "")))
        return RegionAdminView(
            record,
            RegionSettings.of_region(record.details),
            sorted(admins_of(record.details), key=lambda a: a.get("name", "")),
            units,
            self._directory.region_changes(principal.tenant),
        )

    def branding(self, tenant: str) -> dict[str, Any]:
        """The branding stored for the region (what its pages apply, with ``logo_url``; {} when none is stored)."""
        stored = self._directory.region(tenant).get("branding")
        if not stored:
            return {}
        return RegionSettings.of_region({"branding": stored}).branding.with_logo_url()

    def uploaded_logo(self, tenant: str, name: str) -> str | None:
        """An uploaded logo (SVG text) by its name (``uploads/<hash>.svg``); None: no such logo. Public: the pages
        show it before anyone logs in."""
        if not UPLOADED_LOGO.match(name):
            return None
        return self._directory.logo(tenant, name)

    def upload_logo(self, principal: Principal, svg: bytes, *, version: int) -> RegionRecord:
        """A new logo for the region (an SVG, checked as the configuration file's logo is), kept under its content's
        hash and shown by every page from its next load; recorded with who and when. The same logo again changes
        nothing; 409 naming who changed the region meanwhile."""
        record = self._record(principal)
        try:
            check_logo("logo.svg", svg)
        except LogoProblem as problem:
            raise ValidationFailed(f"logo: {problem.message}", field="logo", message_sv=problem.message_sv) from None
        name = f"uploads/{hashlib.sha256(svg).hexdigest()[:32]}.svg"
        self._directory.put_logo(principal.tenant, name, svg.decode("utf-8"))
        settings = RegionSettings.of_region(record.details)
        if settings.branding.logo == name:
            return record  # a retry, or the logo the region already has
        if record.version != version:
            raise self._changed_meanwhile(record)
        branding = settings.branding.model_copy(update={"logo": name}).model_dump(exclude_none=True)
        details = {**record.details, "branding": branding, ADMINISTERED: self._administered(record, "branding")}
        change = RegionChange(
            self._ids(), principal.subject, principal.display_name, self._clock(), "settings", ("logo",)
        )
        if not self._directory.update_region(principal.tenant, details, version=version, change=change):
            raise self._changed_meanwhile(self._record(principal))
        return self._record(principal)

    # --- the region's settings ----------------------------------------------------------------------------------------

    def update_settings(self, principal: Principal, settings: RegionSettings, *, version: int) -> RegionRecord:
        """The region's new self-booking rules, branding and notices, if the region is still as the administrator saw
        it (``version``); the same settings again change nothing. 409 naming who changed it meanwhile."""
        record = self._record(principal)
        current = RegionSettings.of_region(record.details)
        settings = self._with_logo(principal, settings, current.branding.logo)
        before = current.details()
        after = settings.details()
        changed = sorted(k for k in after if before.get(k) != after.get(k))
        if not changed:
            return record  # a retry, or nothing to change
        if record.version != version:
            raise self._changed_meanwhile(record)
        details = {**record.details, **after, ADMINISTERED: self._administered(record, *changed)}
        change = RegionChange(
            self._ids(), principal.subject, principal.display_name, self._clock(), "settings", tuple(changed)
        )
        if not self._directory.update_region(principal.tenant, details, version=version, change=change):
            raise self._changed_meanwhile(self._record(principal))
        return self._record(principal)

    def _with_logo(self, principal: Principal, settings: RegionSettings, current: str | None) -> RegionSettings:
        """The settings with the logo they may name: none given keeps the region's logo; another one must be the
        configuration file's logo or one uploaded to the region (a new one is uploaded, PUT /staff/region/logo)."""
        wanted = settings.branding.logo
        if wanted is None:
            branding = settings.branding.model_copy(update={"logo": current})
            return settings.model_copy(update={"branding": branding})
        file_logo = self._directory.region(principal.tenant).get(FILE_LOGO)
        if wanted not in (current, file_logo) and self.uploaded_logo(principal.tenant, wanted) is None:
            raise ValidationFailed(
                f"branding.logo: {wanted} is not a logo of the region; upload a new logo instead.",
                field="branding.logo",
                message_sv="Logotypen finns inte i regionen. Ladda upp en ny logotyp i stället.",
            )
        return settings

    # --- units --------------------------------------------------------------------------------------------------------

    def add_unit(
        self, principal: Principal, unit_id: str, settings: UnitSettings, *, admin_hsa_id: str, admin_name: str
    ) -> UnitAdded:
        """A new unit of the region with its first administrator (role ``admin`` there, from their next login). The
        same unit again changes nothing; a different unit under an HSA-id already in use is refused."""
        self._record(principal)
        _check_hsa_id(unit_id, "unit_id")
        _check_hsa_id(admin_hsa_id, "admin_hsa_id")
        person = self._directory.staff(principal.tenant, admin_hsa_id)
        name = (person or {}).get("name") or admin_name.strip()
        if not name:
            raise ValidationFailed(
                "Give the name of the unit's first administrator (they are new to the region).",
                field="admin_name",
                message_sv="Ange namnet på enhetens första administratör (personen är ny i regionen).",
            )
        details = settings.details()
        existing = self._directory.unit_record(principal.tenant, unit_id)
        created = False
        if existing is None:
            change = RegionChange(
                self._ids(),
                principal.subject,
                principal.display_name,
                self._clock(),
                "unit",
                unit_id=unit_id,
                unit_name=settings.name,
            )
            created = self._directory.create_unit(principal.tenant, unit_id, settings.name, details, change=change)
            existing = self._directory.unit_record(principal.tenant, unit_id)
        if existing is None or (not created and not self._same_unit(existing, settings)):
            raise Conflict(
                f"The region already has a unit with HSA-id {unit_id}"
                + (f" ({existing.name})" if existing else "")
                + "; give the new unit its own HSA-id.",
                message_sv=f"Regionen har redan en enhet med HSA-id {unit_id}"
                + (f" ({existing.name})" if existing else "")
                + ". Ange den nya enhetens eget HSA-id.",
            )
        admin = self._make_unit_admin(principal, unit_id, admin_hsa_id, name)
        return UnitAdded(existing, created, admin)

    def _make_unit_admin(self, principal: Principal, unit_id: str, hsa_id: str, name: str) -> dict[str, Any]:
        written = write_unit_roles(
            self._directory,
            principal,
            unit_id,
            hsa_id,
            name,
            lambda held: held | {ADMIN},
            ids=self._ids,
            clock=self._clock,
        )
        return {"hsa_id": hsa_id, "name": written.name, "roles": written.roles}

    @staticmethod
    def _same_unit(record: UnitRecord, settings: UnitSettings) -> bool:
        return record.name == settings.name and all(record.details.get(k) == v for k, v in settings.details().items())

    # --- region administrators ----------------------------------------------------------------------------------------

    def set_region_admin(self, principal: Principal, hsa_id: str, *, region_admin: bool) -> RegionAdminSet:
        """Give or take the region administrator role. Only staff of the region can get it (they log in with their
        roles at a unit); nobody can take away their own (the region must not lock itself out). A role taken away
        ends that person's sessions at once."""
        self._record(principal)
        _check_hsa_id(hsa_id, "hsa_id")
        if hsa_id == principal.subject and not region_admin:
            raise Conflict(
                "You cannot take away your own region administrator role; ask another region administrator.",
                message_sv="Du kan inte ta bort din egen roll som regionadministratör. "
                "Be en annan regionadministratör.",
            )
        for _ in range(3):
            record = self._record(principal)
            admins = admins_of(record.details)
            current = next((a for a in admins if a["hsa_id"] == hsa_id), None)
            if (current is not None) == region_admin:
                name = (current or {}).get("name") or self._name_of(principal, hsa_id)
                return RegionAdminSet({"hsa_id": hsa_id, "name": name, "region_admin": region_admin}, False, 0)
            if region_admin:
                person = self._directory.staff(principal.tenant, hsa_id)
                if person is None or not person.get("roles"):
                    raise ValidationFailed(
                        f"{hsa_id} does not work in this region; give them a role at a unit first.",
                        field="hsa_id",
                        message_sv="Personen arbetar inte i regionen. Ge personen en roll på en enhet först.",
                    )
                name = str(person["name"])
                admins = [*admins, {"hsa_id": hsa_id, "name": name}]
            else:
                name = str((current or {}).get("name") or hsa_id)
                admins = [a for a in admins if a["hsa_id"] != hsa_id]
            details = {**record.details, REGION_ADMINS: admins, ADMINISTERED: self._administered(record, REGION_ADMINS)}
            change = RegionChange(
                self._ids(),
                principal.subject,
                principal.display_name,
                self._clock(),
                "admin_given" if region_admin else "admin_taken",
                staff=hsa_id,
                staff_name=name,
            )
            if self._directory.update_region(principal.tenant, details, version=record.version, change=change):
                ended = 0
                if not region_admin:  # a role taken away: at once, not at their next login
                    ended = self._sessions.revoke_all_of(principal.tenant, hsa_id, now=self._clock())
                return RegionAdminSet({"hsa_id": hsa_id, "name": name, "region_admin": region_admin}, True, ended)
        raise Conflict(
            "Someone else is changing the region right now; try again.",
            message_sv="Någon annan ändrar regionen just nu. Försök igen.",
        )

    # --- helpers ------------------------------------------------------------------------------------------------------

    def _record(self, principal: Principal) -> RegionRecord:
        """The region as stored, for a region administrator only (403 for everyone else)."""
        record = self._directory.region_record(principal.tenant)
        policy.require_region_admin(principal, self._admin_ids(record) if record else ())
        assert record is not None  # only a region with administrators gets here
        return record

    @staticmethod
    def _admin_ids(record: RegionRecord) -> list[str]:
        return [a["hsa_id"] for a in admins_of(record.details)]

    def _name_of(self, principal: Principal, hsa_id: str) -> str:
        return str((self._directory.staff(principal.tenant, hsa_id) or {}).get("name") or hsa_id)

    @staticmethod
    def _administered(record: RegionRecord, *keys: str) -> list[str]:
        return sorted(set(record.details.get(ADMINISTERED) or ()) | set(keys))

    @staticmethod
    def _changed_meanwhile(record: RegionRecord) -> Conflict:
        who = record.changed_by_name or "någon annan"
        return Conflict(
            f"{record.changed_by_name or 'Someone else'} changed the region's settings meanwhile; load them again.",
            message_sv=f"{who} har ändrat regionens inställningar under tiden. Ladda om och gör din ändring igen.",
        )
