"""A unit's administrator runs the unit without developers: its settings (opening hours, phone, professions) and who
works there as what, every change conditional on what they saw, recorded with who and when, and the same request
again changing nothing. A role taken away ends that person's sessions at once."""

from __future__ import annotations

import json
from typing import Any

from tests.api.conftest import UNIT_A, Api, People, staff

UNIT = "SE2321000057-VC09"  # a unit of its own, with every setting filled in as onboarding does
ADMIN = staff("SE2321000057-A001", (UNIT, "admin"), (UNIT, "nurse"), name="Johan Ek")
OTHER_ADMIN = staff("SE2321000057-A002", (UNIT, "admin"), name="Eva Admin")
NURSE = staff("SE2321000057-S098", (UNIT, "nurse"), name="Sara Sköterska")
NEW_NURSE = "SE2321000057-S099"
HOURS = {"chat": {day: [["08:00", "12:00"], ["13:00", "16:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}}


def _here(api: Api, principal: Any) -> Any:
    from dataclasses import replace

    return replace(principal, tenant=api.container.settings.tenant)


def _settings(api: Api, who: Any = ADMIN) -> dict[str, Any]:
    status, body = api.call("GET", f"/staff/units/{UNIT}/settings", who=_here(api, who))
    assert status == 200, body
    return dict(body)


def _put(api: Api, body: dict[str, Any], who: Any = ADMIN) -> tuple[int, Any]:
    return api.call("PUT", f"/staff/units/{UNIT}/settings", who=_here(api, who), body=body)


def _editable(view: dict[str, Any], **changes: Any) -> dict[str, Any]:
    keep = ("name", "address", "phone", "phone_hours", "opening_hours", "professions", "minutes_per_case", "version")
    return {**{k: view[k] for k in keep if view.get(k) is not None}, **changes}


def _setup(api: Api) -> None:
    api.container.directory.put_unit(
        api.container.settings.tenant,
        UNIT,
        "Vårdcentralen C",
        {"address": "Storgatan 1", "phone": "036-10 10 01", "opening_hours": {}, "professions": ["nurse", "doctor"]},
    )
    for who in (ADMIN, OTHER_ADMIN, NURSE):
        roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
        api.container.directory.put_staff(api.container.settings.tenant, who.subject, who.display_name, roles)


def test_the_admin_changes_the_opening_hours_and_the_change_is_kept_with_who_and_when(api: Api) -> None:
    _setup(api)
    view = _settings(api)
    assert view["name"] == "Vårdcentralen C" and view["changed_by_name"] is None
    assert {s["hsa_id"] for s in view["staff"]} >= {ADMIN.subject, OTHER_ADMIN.subject}
    status, saved = _put(api, _editable(view, opening_hours=HOURS, phone="036-10 10 99"))
    assert status == 200, saved
    assert saved["opening_hours"] == HOURS and saved["phone"] == "036-10 10 99"
    assert saved["version"] == view["version"] + 1 and saved["changed_by_name"] == "Johan Ek"
    [change] = saved["changes"]
    assert (change["by_name"], change["what"], change["fields"]) == ("Johan Ek", "settings", ["opening_hours", "phone"])
    # citizens see the new hours at once
    public = {u["unit_id"]: u for u in api.call("GET", "/units")[1]["units"]}
    assert public[UNIT]["opening_hours"] == HOURS
    # the same request again (a retry, with the version it had) changes nothing
    status, again = _put(api, _editable(view, opening_hours=HOURS, phone="036-10 10 99"))
    assert status == 200 and again["version"] == saved["version"] and len(again["changes"]) == 1


def test_a_change_on_settings_someone_else_changed_meanwhile_is_refused_naming_them(api: Api) -> None:
    _setup(api)
    seen = _settings(api)
    assert _put(api, _editable(seen, phone="036-11 11 11"), who=OTHER_ADMIN)[0] == 200
    status, refused = _put(api, _editable(seen, address="Nygatan 2"))
    assert status == 409 and "Eva Admin" in refused["error"]["message_sv"]
    now = _settings(api)
    assert now["address"] == "Storgatan 1" and now["phone"] == "036-11 11 11"


def test_bad_settings_get_a_clear_422_and_nothing_stored_changes(api: Api) -> None:
    _setup(api)
    view = _settings(api)
    night = {"chat": {"mon": [["17:00", "08:00"]]}}
    for body, field in (
        (_editable(view, opening_hours=night), "opening_hours"),
        (_editable(view, opening_hours={"chat": {"mon": [["8", "12"]]}}), "opening_hours"),
        (_editable(view, professions=["nurse", "witch_doctor"]), "professions"),
        (_editable(view, professions=[]), "professions"),
        (_editable(view, phone="ring oss"), "phone"),
        (_editable(view, colour="#ffffff"), "colour"),
    ):
        status, refused = _put(api, body)
        assert status == 422 and refused["error"]["field"].startswith(field), (body, refused)
    assert _settings(api)["version"] == view["version"] and _settings(api)["changes"] == []


def test_only_the_units_admins_administer_it(api: Api, people: People) -> None:
    _setup(api)
    view = _settings(api)
    nurse = _here(api, NURSE)
    status, body = api.call("GET", f"/staff/units/{UNIT}/settings", who=nurse)
    assert status == 403 and body["error"]["message_sv"]
    status, body = api.call("GET", f"/staff/units/{UNIT}/settings", who=people.nurse_a)  # another unit's nurse
    assert status == 404 and "Vårdcentralen C" not in json.dumps(body)
    assert api.call("GET", f"/staff/units/{UNIT_A}/settings", who=_here(api, ADMIN))[0] == 404
    assert api.call("GET", f"/staff/units/{UNIT}/settings", who=people.anna)[0] in (403, 404)
    assert api.call("PUT", f"/staff/units/{UNIT}/settings", who=nurse, body=_editable(view))[0] == 403
    roles = {"name": "X", "roles": ["nurse"]}
    assert api.call("PUT", f"/staff/units/{UNIT}/staff/{NEW_NURSE}", who=nurse, body=roles)[0] == 403
    assert _settings(api)["changes"] == []


def test_the_admin_gives_and_takes_roles_and_a_role_taken_ends_the_persons_sessions(api: Api) -> None:
    _setup(api)
    admin = _here(api, ADMIN)
    path = f"/staff/units/{UNIT}/staff/{NEW_NURSE}"
    status, refused = api.call("PUT", path, who=admin, body={"roles": ["nurse"]})
    assert status == 422 and refused["error"]["field"] == "name"  # someone new needs a name
    status, saved = api.call("PUT", path, who=admin, body={"name": "Nora Ny", "roles": ["nurse", "coordinator"]})
    assert status == 200 and saved["changed"] and saved["staff"]["roles"] == ["coordinator", "nurse"]
    assert (
        api.call("PUT", path, who=admin, body={"name": "Nora Ny", "roles": ["coordinator", "nurse"]})[1]["changed"]
        is False
    )  # the same again
    person = api.container.directory.staff(api.container.settings.tenant, NEW_NURSE)
    assert {(r["unit_id"], r["role"]) for r in person["roles"]} == {(UNIT, "nurse"), (UNIT, "coordinator")}

    # Nora logs in (her roles come from the directory) and works; then the coordinator role is taken away
    nora = api.container.login._staff(NEW_NURSE, "siths", "loa3")
    assert api.call("GET", f"/staff/queue?unit_id={UNIT}", who=nora)[0] == 200
    token = api.token(nora)
    status, saved = api.call("PUT", path, who=admin, body={"name": "Nora Ny", "roles": ["nurse"]})
    assert status == 200 and saved["sessions_ended"] == 2  # the session of her request above, and this one
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.http.get(f"/staff/queue?unit_id={UNIT}", headers=headers).status_code == 401
    changes = _settings(api)["changes"]
    assert [(c["what"], c["staff_name"], c["roles"]) for c in changes] == [
        ("roles", "Nora Ny", ["nurse"]),
        ("roles", "Nora Ny", ["coordinator", "nurse"]),
    ]
    assert all(c["by_name"] == "Johan Ek" for c in changes)


def test_roles_must_be_known_the_id_an_hsa_id_and_an_admin_cannot_remove_themselves(api: Api) -> None:
    _setup(api)
    admin = _here(api, ADMIN)
    bad_role = api.call("PUT", f"/staff/units/{UNIT}/staff/{NEW_NURSE}", who=admin, body={"name": "N", "roles": ["x"]})
    assert bad_role[0] == 422 and bad_role[1]["error"]["field"] == "roles"
    bad_id = api.call("PUT", f"/staff/units/{UNIT}/staff/nurse-7", who=admin, body={"name": "N", "roles": ["nurse"]})
    assert bad_id[0] == 422 and bad_id[1]["error"]["field"] == "hsa_id"
    self_removal = api.call("PUT", f"/staff/units/{UNIT}/staff/{ADMIN.subject}", who=admin, body={"roles": ["nurse"]})
    assert self_removal[0] == 409 and "egen administratörsroll" in self_removal[1]["error"]["message_sv"]
    assert _settings(api)["changes"] == []


def test_the_admin_gives_the_unit_its_own_self_booking_rule_and_clears_it_again(api: Api) -> None:
    _setup(api)
    tenant = api.container.settings.tenant
    region_rule = {"professions": ["doctor"], "priorities": ["P3", "P4"], "cancel_limit_hours": 24}
    api.container.directory.put_region(tenant, {"self_booking": region_rule})
    view = _settings(api)
    assert view["self_booking"] is None and view["region_self_booking"] == region_rule  # the region's applies

    own = {"professions": ["nurse", "doctor"], "priorities": ["P5", "P4"], "cancel_limit_hours": 4}
    status, saved = _put(api, _editable(view, self_booking=own))
    assert status == 200, saved
    assert saved["self_booking"] == {
        "professions": ["nurse", "doctor"],
        "priorities": ["P4", "P5"],
        "cancel_limit_hours": 4,
    }
    assert api.container.directory.unit(tenant, UNIT)["self_booking"] == saved["self_booking"]
    assert api.container.booking.rule(tenant, UNIT).cancel_limit_hours == 4
    # a wrong rule: 422 naming the field, nothing changes
    for wrong, field in (
        ({**own, "priorities": ["P9"]}, "self_booking.priorities"),
        ({**own, "cancel_limit_hours": 500}, "self_booking.cancel_limit_hours"),
        ({**own, "colour": "red"}, "self_booking.colour"),
    ):
        status, refused = _put(api, _editable(saved, self_booking=wrong))
        assert status == 422 and refused["error"]["field"].startswith(field), refused
    # cleared (sent without it): the region's rule applies again
    status, cleared = _put(api, _editable(saved))
    assert status == 200 and cleared["self_booking"] is None
    assert "self_booking" not in api.container.directory.unit(tenant, UNIT)
    assert api.container.booking.rule(tenant, UNIT).cancel_limit_hours == 24
    assert [(c["what"], c["fields"]) for c in cleared["changes"]] == [
        ("settings", ["self_booking"]),
        ("settings", ["self_booking"]),
    ]
