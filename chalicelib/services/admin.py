"""Administration of a unit by its administrators (role ``admin`` there), in the staff dashboard: the unit's
settings (name, address, phone and phone hours, opening hours per channel, professions offered, minutes per case,
its own open-booking rule or the region's) and who works there as what. Every change is conditional on what the
administrator saw (a version), recorded with who and when on the unit's history, and the same request again changes
nothing (docs/administration.md). The unit's history also lists the changes of its phrase templates
(services/templates.py).

A staff member whose role at the unit is taken away loses it at once: their sessions are ended, and their next login
gives them the roles they hold now. A role given takes effect at their next login.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.dynamo import DynamoDirectory, DynamoSessions, UnitChange, UnitRecord
from chalicelib.domain import policy
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.model import Principal
from chalicelib.domain.region_settings import RegionSettings
from chalicelib.domain.unit_settings import UNIT_ROLES, UnitSettings
from chalicelib.services.ports import Clock, IdGenerator

ADMIN = "admin"
HSA_ID = re.compile(r"^SE\d{10}-[A-Za-z0-9]{1,31}$")


def require_unit_admin(principal: Principal, unit_id: str) -> None:
    policy.require_unit_admin(
        principal,
        unit_id,
        refused_en="Only the unit's administrators may do this.",
        refused_sv="Det här får bara enhetens administratörer göra.",
    )


@dataclass(frozen=True)
class RolesWritten:
    name: str
    before: list[str]
    roles: list[str]
    changed: bool


def write_unit_roles(
    directory: DynamoDirectory,
    principal: Principal,
    unit_id: str,
    hsa_id: str,
    name: str,
    want: Callable[[set[str]], set[str]],
    *,
    ids: IdGenerator,
    clock: Clock,
) -> RolesWritten:
    """Give ``hsa_id`` the roles ``want`` makes of those held at the unit now (and ``name``, or the known one),
    recorded with who and when; nothing is written when nothing changes. Retried on a concurrent change."""
    for _ in range(3):
        person = directory.staff(principal.tenant, hsa_id)
        held = sorted({r["role"] for r in (person or {}).get("roles", []) if r["unit_id"] == unit_id})
        known_name = (person or {}).get("name") or ""
        new_name = name.strip() or known_name
        if not new_name:
            raise ValidationFailed(
                "Give the new staff member's name.", field="name", message_sv="Ange medarbetarens namn."
            )
        wanted = sorted(want(set(held)))
        if held == wanted and new_name == known_name:
            return RolesWritten(new_name, held, held, False)
        change = UnitChange(
            ids(),
            principal.subject,
            principal.display_name,
            clock(),
            "roles",
            staff=hsa_id,
            staff_name=new_name,
            roles=tuple(wanted),
        )
        if directory.set_roles_at(principal.tenant, unit_id, hsa_id, new_name, wanted, change=change):
            return RolesWritten(new_name, held, wanted, True)
    raise Conflict(
        "Someone else is changing this person's roles right now; try again.",
        message_sv="Någon annan ändrar den här personens roller just nu. Försök igen.",
    )


@dataclass(frozen=True)
class UnitAdminView:
    record: UnitRecord
    staff: list[dict[str, Any]]
    changes: list[dict[str, Any]]  # settings, roles and the unit's phrase templates, newest first
    region_self_booking: dict[str, Any]  # the region's open-booking rule: the unit's, unless it has one of its own


@dataclass(frozen=True)
class RolesSet:
    staff: dict[str, Any]  # {hsa_id, name, roles} at the unit now
    changed: bool
    sessions_ended: int


class AdminService:
    def __init__(
        self, directory: DynamoDirectory, sessions: DynamoSessions, *, tenant: str, clock: Clock, ids: IdGenerator
    ) -> None:
        self._directory = directory
        self._sessions = sessions
        self._tenant = tenant
        self._clock = clock
        self._ids = ids

    def unit(self, principal: Principal, unit_id: str) -> UnitAdminView:
        require_unit_admin(principal, unit_id)
        record = self._record(principal, unit_id)
        staff = sorted(self._directory.unit_staff(principal.tenant, unit_id), key=lambda s: str(s["name"]))
        region = RegionSettings.of_region(self._directory.region(principal.tenant)).self_booking.model_dump()
        return UnitAdminView(record, staff, self._directory.unit_changes(principal.tenant, unit_id), region)

    def update_unit(self, principal: Principal, unit_id: str, settings: UnitSettings, *, version: int) -> UnitRecord:
        """The unit's new settings, if it is still as the administrator saw it (``version``); the same settings
        again change nothing. 409 naming who changed it meanwhile."""
        require_unit_admin(principal, unit_id)
        record = self._record(principal, unit_id)
        before = {"name": record.name, **record.details}
        after = {"name": settings.name, **settings.details()}
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        if not changed:
            return record  # a retry, or nothing to change
        if record.version != version:
            raise self._changed_meanwhile(record)
        change = UnitChange(
            self._ids(), principal.subject, principal.display_name, self._clock(), "settings", tuple(changed)
        )
        kept = {k: v for k, v in record.details.items() if k not in UnitSettings.model_fields}
        if not self._directory.update_unit(
            principal.tenant, unit_id, settings.name, {**kept, **settings.details()}, version=version, change=change
        ):
            raise self._changed_meanwhile(self._record(principal, unit_id))
        return self._record(principal, unit_id)

    def set_roles(self, principal: Principal, unit_id: str, hsa_id: str, *, name: str, roles: list[str]) -> RolesSet:
        """Give a staff member exactly ``roles`` at the unit (an empty list: they no longer work there). A new
        staff member needs a name. Administrators cannot take away their own administrator role (a unit must not
        lock itself out)."""
        require_unit_admin(principal, unit_id)
        if not HSA_ID.match(hsa_id):
            raise ValidationFailed(
                f"{hsa_id!r} is not an HSA-id (SE, the organisation number, a hyphen, the local part).",
                field="hsa_id",
                message_sv="Ange ett HSA-id, till exempel SE2321000057-S011.",
            )
        unknown = sorted(set(roles) - set(UNIT_ROLES))
        if unknown:
            raise ValidationFailed(
                f"Unknown role(s): {', '.join(unknown)}.", field="roles", message_sv="Välj roller i listan."
            )
        if hsa_id == principal.subject and ADMIN not in roles:
            raise Conflict(
                "You cannot take away your own administrator role; ask another administrator.",
                message_sv="Du kan inte ta bort din egen administratörsroll. Be en annan administratör.",
            )
        written = write_unit_roles(
            self._directory, principal, unit_id, hsa_id, name, lambda _: set(roles), ids=self._ids, clock=self._clock
        )
        ended = 0
        if set(written.before) - set(written.roles):  # a role taken away: at once, not at their next login
            ended = self._sessions.revoke_all_of(principal.tenant, hsa_id, now=self._clock())
        return RolesSet({"hsa_id": hsa_id, "name": written.name, "roles": written.roles}, written.changed, ended)

    def _record(self, principal: Principal, unit_id: str) -> UnitRecord:
        record = self._directory.unit_record(principal.tenant, unit_id)
        if record is None:
            raise NotFound(f"No unit {unit_id!r} of yours.")
        return record

    @staticmethod
    def _changed_meanwhile(record: UnitRecord) -> Conflict:
        who = record.changed_by_name or "någon annan"
        return Conflict(
            f"{record.changed_by_name or 'Someone else'} changed the unit's settings meanwhile; load them again.",
            message_sv=f"{who} har ändrat enhetens inställningar under tiden. Ladda om och gör din ändring igen.",
        )
