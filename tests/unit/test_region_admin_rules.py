"""Region settings: the same rules in the configuration file and in the dashboard, and a load of the file that leaves
what the region's administrators keep in the dashboard."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.domain import policy
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.model import Principal, PrincipalKind
from chalicelib.domain.region_settings import Branding, RegionSettings, contrast
from infrastructure import tenant_config
from infrastructure.onboard.directory import keep_administered


def test_the_configuration_file_and_the_dashboard_check_branding_the_same_way() -> None:
    assert tenant_config.Branding is Branding and tenant_config.contrast is contrast
    assert 7 < contrast("#005a78", "#ffffff") < 8
    with pytest.raises(ValidationError, match=r"WCAG AA needs at least 4\.5:1"):
        Branding(primary="#ffff00")


def test_region_settings_read_from_the_region_item_fill_in_the_defaults() -> None:
    settings = RegionSettings.of_region({"name": "Region X", "self_booking": {"professions": ["doctor"]}})
    assert settings.self_booking.professions == ["doctor"] and settings.self_booking.cancel_limit_hours == 24
    assert settings.branding == Branding() and settings.notices.quiet_hours.start == "21:00"


def test_a_load_of_the_file_keeps_what_the_dashboard_changed_and_takes_the_rest_from_the_file() -> None:
    from_file = {"name": "Region X", "branding": {"primary": "#005a78"}, "notices": {"sms_interval_minutes": 15}}
    from_file["region_admins"] = [{"hsa_id": "SE2321000057-S001", "name": "A"}]
    stored = {
        "name": "Region X (old)",
        "branding": {"primary": "#6b1d5c"},
        "notices": {"sms_interval_minutes": 30},
        "region_admins": [{"hsa_id": "SE2321000057-S002", "name": "B"}],
        "administered": ["branding", "region_admins"],
    }
    merged = keep_administered(from_file, stored)
    assert merged["branding"] == {"primary": "#6b1d5c"} and merged["region_admins"] == stored["region_admins"]
    assert merged["notices"] == {"sms_interval_minutes": 15} and merged["name"] == "Region X"
    assert merged["administered"] == ["branding", "region_admins"]
    assert keep_administered(from_file, {}) == from_file  # a new region: all from the file


def test_only_named_staff_are_region_admins() -> None:
    nurse = Principal("r", PrincipalKind.STAFF, "SE2321000057-S001", "A", "siths", "loa3")
    citizen = Principal("r", PrincipalKind.CITIZEN, "SE2321000057-S001", "A", "bankid", "loa3")
    policy.require_region_admin(nurse, ["SE2321000057-S001"])
    for who, admins in ((nurse, ["SE2321000057-S002"]), (citizen, ["SE2321000057-S001"]), (nurse, [])):
        with pytest.raises(Forbidden):
            policy.require_region_admin(who, admins)
