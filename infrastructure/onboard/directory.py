"""Load a region's directory — its settings, units and staff — from its configuration file into its main table.

The same for AWS (``deploy``, after the data stack) and for the local stack. The region's settings follow the file
on every load (the file is where they are kept), except what the region's administrators have changed in the staff
dashboard (self-booking rules, branding, notices, who the region's administrators are: the keys listed in the region
item's ``administered``). Units and staff are created when they are not there yet, and from then on are changed by
the administrators in the staff dashboard (docs/administration.md), so a later load never overwrites what they did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.adapters.dynamo import DynamoDirectory
from infrastructure.tenant_config import TenantConfig


@dataclass(frozen=True)
class Loaded:
    region_changed: bool
    units: int
    staff: int


def staff_of(config: TenantConfig) -> list[dict[str, Any]]:
    """The region's staff as the directory (and the local SITHS simulator) take them."""
    return [
        {"hsa_id": p.hsa_id, "name": p.name, "title": p.title or "", "roles": [r.model_dump() for r in p.roles]}
        for p in config.staff
    ]


def keep_administered(from_file: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
    """The region settings to store: the file's, but what the region's administrators keep in the dashboard as they
    left it."""
    merged = dict(from_file)
    for key in stored.get("administered") or ():
        if key in stored:
            merged[key] = stored[key]
    if stored.get("administered"):
        merged["administered"] = list(stored["administered"])
    return merged


def load_directory(
    config: TenantConfig, directory: DynamoDirectory, *, settings: dict[str, Any] | None = None
) -> Loaded:
    """``settings``: the region settings to store, when they differ from the file's (the local stack points a region's
    own SMS gateway at its simulator)."""
    wanted = dict(settings if settings is not None else config.region_settings())
    changed = directory.set_region(config.tenant, keep_administered(wanted, directory.region(config.tenant)))
    for unit in config.units:
        directory.put_unit(config.tenant, unit.unit_id, unit.name, config.unit_details(unit))
    people = staff_of(config)
    for person in people:
        directory.put_staff(config.tenant, person["hsa_id"], person["name"], person["roles"])
    return Loaded(changed, len(config.units), len(people))
