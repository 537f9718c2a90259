"""The region's administrators run the region without developers: they add units (each with its first unit
administrator), keep the self-booking rules, branding and notices, and give or take the region administrator role.
Every change is conditional on what they saw, recorded with who and when, and the same request again changes nothing;
bad input gets a 422 naming the field with nothing stored changed; everyone else gets 403. The stored branding is
what every page applies."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from tests.api.conftest import UNIT_A, Api, People, staff

UNIT = "SE2321000057-VC20"  # the unit a region administrator adds
REGION_ADMIN = staff("SE2321000057-R001", (UNIT_A, "medical_secretary"), name="Rut Region")
OTHER_REGION_ADMIN = staff("SE2321000057-R002", (UNIT_A, "admin"), name="Olle Region")
UNIT_ADMIN = staff("SE2321000057-A010", (UNIT_A, "admin"), name="Ulla Enhet")  # of a unit only
NEW_ADMIN = "SE2321000057-A020"
HOURS = {"chat": {day: [["08:00", "16:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}}
NEW_UNIT = {
    "name": "Vårdcentralen Ny",
    "address": "Nygatan 1, 553 20 Jönköping",
    "phone": "036-10 10 20",
    "phone_hours": {"sv": "vardagar 08.00–10.00", "en": "weekdays 8–10 am"},
    "opening_hours": HOURS,
    "professions": ["nurse", "doctor"],
    "admin_hsa_id": NEW_ADMIN,
    "admin_name": "Nils Ny",
}


def _here(api: Api, principal: Any) -> Any:
    return replace(principal, tenant=api.container.settings.tenant)


def _setup(api: Api) -> None:
    tenant = api.container.settings.tenant
    admins = [{"hsa_id": p.subject, "name": p.display_name} for p in (REGION_ADMIN, OTHER_REGION_ADMIN)]
    api.container.directory.set_region(
        tenant,
        {
            "name": "Region Test",
            "after_hours": "call_1177",
            "self_booking": {"professions": ["doctor"], "priorities": ["P4"], "cancel_limit_hours": 24},
            "branding": {"primary": "#005a78", "on_primary": "#ffffff", "accent": "#005a78"},
            "notices": {"sms_interval_minutes": 15, "quiet_hours": {"start": "21:00", "end": "08:00"}},
            "region_admins": admins,
        },
    )
    for who in (REGION_ADMIN, OTHER_REGION_ADMIN, UNIT_ADMIN):
        roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
        api.container.directory.put_staff(tenant, who.subject, who.display_name, roles)


def _region(api: Api, who: Any = REGION_ADMIN) -> dict[str, Any]:
    status, body = api.call("GET", "/staff/region", who=_here(api, who))
    assert status == 200, body
    return dict(body)


def _editable(view: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {k: copy.deepcopy(view[k]) for k in ("self_booking", "branding", "notices", "version")}
    body["branding"] = {k: v for k, v in body["branding"].items() if v is not None}
    return {**body, **changes}


def _put_settings(api: Api, body: dict[str, Any], who: Any = REGION_ADMIN) -> tuple[int, Any]:
    return api.call("PUT", "/staff/region/settings", who=_here(api, who), body=body)


def test_the_region_admin_changes_self_booking_branding_and_notices_kept_with_who_and_when(api: Api) -> None:
    _setup(api)
    view = _region(api)
    assert view["name"] == "Region Test" and view["changed_by_name"] is None
    assert {a["name"] for a in view["admins"]} == {"Rut Region", "Olle Region"}
    booking = {"professions": ["nurse", "doctor"], "priorities": ["P3", "P4"], "cancel_limit_hours": 12}
    branding = {"primary": "#6b1d5c", "on_primary": "#ffffff", "accent": "#6b1d5c"}
    notices = {"sms_interval_minutes": 30, "quiet_hours": {"start": "22:00", "end": "07:00"}}
    body = _editable(view, self_booking=booking, branding=branding, notices=notices)
    status, saved = _put_settings(api, body)
    assert status == 200, saved
    assert saved["self_booking"] == booking and saved["notices"] == notices
    assert saved["branding"]["primary"] == "#6b1d5c"
    assert saved["version"] == view["version"] + 1 and saved["changed_by_name"] == "Rut Region"
    [change] = saved["changes"]
    assert (change["by_name"], change["what"], change["fields"]) == (
        "Rut Region",
        "settings",
        ["branding", "notices", "self_booking"],
    )
    # the app reads them at once: open booking, the notices, and every page's colours
    stored = api.container.directory.region(api.container.settings.tenant)
    assert stored["self_booking"] == booking and stored["notices"] == notices and stored["after_hours"] == "call_1177"
    status, public = api.call("GET", "/branding")
    assert status == 200 and public["primary"] == "#6b1d5c" and public["accent"] == "#6b1d5c"
    # the same request again (a retry, with the version it had) changes nothing, nor the same choice in another order
    status, again = _put_settings(api, body)
    assert status == 200 and again["version"] == saved["version"] and len(again["changes"]) == 1
    reordered = {**booking, "professions": ["doctor", "nurse", "doctor"], "priorities": ["P4", "P3"]}
    status, again = _put_settings(api, {**body, "self_booking": reordered})
    assert status == 200 and again["version"] == saved["version"] and again["self_booking"] == booking


def test_a_change_on_settings_another_region_admin_changed_meanwhile_is_refused_naming_them(api: Api) -> None:
    _setup(api)
    seen = _region(api)
    notices = {"sms_interval_minutes": 5, "quiet_hours": {"start": "21:00", "end": "08:00"}}
    assert _put_settings(api, _editable(seen, notices=notices), who=OTHER_REGION_ADMIN)[0] == 200
    booking = {"professions": [], "priorities": [], "cancel_limit_hours": 0}
    status, refused = _put_settings(api, _editable(seen, self_booking=booking))
    assert status == 409 and "Olle Region" in refused["error"]["message_sv"]
    now = _region(api)
    assert now["notices"]["sms_interval_minutes"] == 5 and now["self_booking"]["professions"] == ["doctor"]


def test_bad_region_settings_get_a_422_naming_the_field_and_nothing_stored_changes(api: Api) -> None:
    _setup(api)
    view = _region(api)
    unreadable = {"primary": "#ffff00", "on_primary": "#ffffff", "accent": "#005a78"}
    for body, field in (
        (_editable(view, branding=unreadable), "branding"),
        (_editable(view, branding={**view["branding"], "accent": "#aaa"}), "branding.accent"),
        (_editable(view, notices={"sms_interval_minutes": 15, "quiet_hours": {"start": "25:00"}}), "notices"),
        (_editable(view, notices={"sms_interval_minutes": -1}), "notices.sms_interval_minutes"),
        (_editable(view, self_booking={"priorities": ["P9"]}), "self_booking.priorities"),
        (_editable(view, self_booking={"professions": ["witch_doctor"]}), "self_booking.professions"),
        (_editable(view, self_booking={"cancel_limit_hours": 500}), "self_booking.cancel_limit_hours"),
        ({k: v for k, v in _editable(view).items() if k != "branding"}, "branding"),  # left out is not reset
        (_editable(view, colour="#ffffff"), "colour"),
    ):
        status, refused = _put_settings(api, body)
        assert status == 422 and refused["error"]["field"].startswith(field), (body, refused)
        assert refused["error"]["message_sv"]
    status, refused = _put_settings(api, _editable(view, branding=unreadable))
    assert "kontrast" in refused["error"]["message_sv"] and "4.5:1" in refused["error"]["message"]
    after = _region(api)
    assert after["version"] == view["version"] and after["changes"] == []
    assert api.call("GET", "/branding")[1]["primary"] == "#005a78"


def test_only_the_region_admins_administer_the_region(api: Api, people: People) -> None:
    _setup(api)
    view = _region(api)
    unit_admin = _here(api, UNIT_ADMIN)
    assert api.call("GET", "/staff/region/access", who=unit_admin) == (200, {"region_admin": False})
    assert api.call("GET", "/staff/region/access", who=_here(api, REGION_ADMIN)) == (200, {"region_admin": True})
    for method, path, body in (
        ("GET", "/staff/region", None),
        ("PUT", "/staff/region/settings", _editable(view)),
        ("PUT", "/staff/region/settings", {"bad": "body"}),  # 403 before the body is read
        ("PUT", f"/staff/region/units/{UNIT}", NEW_UNIT),
        ("PUT", f"/staff/region/admins/{UNIT_ADMIN.subject}", {"region_admin": True}),
    ):
        status, refused = api.call(method, path, who=unit_admin, body=body)
        assert status == 403 and refused["error"]["message_sv"], (method, path, refused)
        assert api.call(method, path, who=people.nurse_a, body=body)[0] == 403
        assert api.call(method, path, who=people.anna, body=body)[0] == 403  # a citizen
        assert api.call(method, path, body=body)[0] == 401
    assert _region(api)["changes"] == [] and api.container.directory.unit_record(people.anna.tenant, UNIT) is None


def test_the_region_admin_adds_a_unit_with_its_first_administrator(api: Api) -> None:
    _setup(api)
    tenant = api.container.settings.tenant
    admin = _here(api, REGION_ADMIN)
    status, added = api.call("PUT", f"/staff/region/units/{UNIT}", who=admin, body=NEW_UNIT)
    assert status == 201, added
    assert added["created"] and added["name"] == "Vårdcentralen Ny" and added["opening_hours"] == HOURS
    assert added["admin"] == {"hsa_id": NEW_ADMIN, "name": "Nils Ny", "roles": ["admin"]}
    # citizens see the unit at once; the region lists it; its administrator holds the role from their next login
    public = {u["unit_id"]: u for u in api.call("GET", "/units")[1]["units"]}
    assert public[UNIT]["name"] == "Vårdcentralen Ny" and public[UNIT]["professions"] == ["nurse", "doctor"]
    view = _region(api)
    assert UNIT in {u["unit_id"] for u in view["units"]}
    [change] = view["changes"]
    assert (change["what"], change["unit_id"], change["unit_name"], change["by_name"]) == (
        "unit",
        UNIT,
        "Vårdcentralen Ny",
        "Rut Region",
    )
    nils = api.container.login._staff(NEW_ADMIN, "siths", "loa3")
    status, unit_view = api.call("GET", f"/staff/units/{UNIT}/settings", who=nils)
    assert status == 200 and unit_view["changes"][0]["by_name"] == "Rut Region"
    assert unit_view["changes"][0]["roles"] == ["admin"]
    # the same request again (a retry) changes nothing; another unit under the same HSA-id is refused
    status, again = api.call("PUT", f"/staff/region/units/{UNIT}", who=admin, body=NEW_UNIT)
    assert status == 200 and again["created"] is False and len(_region(api)["changes"]) == 1
    other = {**NEW_UNIT, "name": "Vårdcentralen Annan"}
    status, refused = api.call("PUT", f"/staff/region/units/{UNIT}", who=admin, body=other)
    assert status == 409 and "Vårdcentralen Ny" in refused["error"]["message_sv"]
    assert api.container.directory.unit(tenant, UNIT)["address"] == NEW_UNIT["address"]
    # an existing staff member as the first administrator keeps their name and other roles
    status, second = api.call(
        "PUT",
        "/staff/region/units/SE2321000057-VC21",
        who=admin,
        body={**NEW_UNIT, "name": "Vårdcentralen Två", "admin_hsa_id": UNIT_ADMIN.subject, "admin_name": ""},
    )
    assert status == 201 and second["admin"]["name"] == "Ulla Enhet"
    roles = {(r["unit_id"], r["role"]) for r in api.container.directory.staff(tenant, UNIT_ADMIN.subject)["roles"]}
    assert roles == {(UNIT_A, "admin"), ("SE2321000057-VC21", "admin")}


def test_a_bad_new_unit_gets_a_422_naming_the_field_and_nothing_is_created(api: Api) -> None:
    _setup(api)
    admin = _here(api, REGION_ADMIN)
    night = {"chat": {"mon": [["17:00", "08:00"]]}}
    for unit_id, body, field in (
        ("VC-20", NEW_UNIT, "unit_id"),
        (UNIT, {**NEW_UNIT, "opening_hours": night}, "opening_hours"),
        (UNIT, {**NEW_UNIT, "professions": []}, "professions"),
        (UNIT, {**NEW_UNIT, "phone": "ring oss"}, "phone"),
        (UNIT, {**NEW_UNIT, "name": ""}, "name"),
        (UNIT, {**NEW_UNIT, "admin_hsa_id": "nils"}, "admin_hsa_id"),
        (UNIT, {**NEW_UNIT, "admin_name": ""}, "admin_name"),  # someone new needs a name
        (UNIT, {k: v for k, v in NEW_UNIT.items() if k != "admin_hsa_id"}, "admin_hsa_id"),
    ):
        status, refused = api.call("PUT", f"/staff/region/units/{unit_id}", who=admin, body=body)
        assert status == 422 and refused["error"]["field"].startswith(field), (body, refused)
        assert refused["error"]["message_sv"]
    assert api.container.directory.unit_record(api.container.settings.tenant, UNIT) is None
    assert api.container.directory.staff(api.container.settings.tenant, NEW_ADMIN) is None
    assert _region(api)["changes"] == []


def test_region_admins_give_and_take_the_role_and_a_role_taken_ends_the_persons_sessions(api: Api) -> None:
    _setup(api)
    admin = _here(api, REGION_ADMIN)
    ulla = _here(api, UNIT_ADMIN)
    path = f"/staff/region/admins/{UNIT_ADMIN.subject}"
    status, saved = api.call("PUT", path, who=admin, body={"region_admin": True})
    assert status == 200 and saved["changed"] and saved["admin"]["name"] == "Ulla Enhet"
    assert api.call("PUT", path, who=admin, body={"region_admin": True})[1]["changed"] is False  # the same again
    # she is a region administrator at once (the role is read on each request)
    assert api.call("GET", "/staff/region/access", who=ulla)[1] == {"region_admin": True}
    token = api.token(ulla)
    status, saved = api.call("PUT", path, who=admin, body={"region_admin": False})
    assert status == 200 and saved["changed"] and saved["sessions_ended"] >= 2  # her request above, and this one
    assert api.client.http.get("/staff/region/access", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert api.call("GET", "/staff/region", who=ulla)[0] == 403
    changes = _region(api)["changes"]
    assert [(c["what"], c["staff_name"], c["by_name"]) for c in changes] == [
        ("admin_taken", "Ulla Enhet", "Rut Region"),
        ("admin_given", "Ulla Enhet", "Rut Region"),
    ]


def test_nobody_takes_away_their_own_region_admin_role_and_only_the_regions_staff_get_it(api: Api) -> None:
    _setup(api)
    admin = _here(api, REGION_ADMIN)
    own = api.call("PUT", f"/staff/region/admins/{REGION_ADMIN.subject}", who=admin, body={"region_admin": False})
    assert own[0] == 409 and "egen roll" in own[1]["error"]["message_sv"]
    stranger = api.call("PUT", "/staff/region/admins/SE2321000057-X999", who=admin, body={"region_admin": True})
    assert stranger[0] == 422 and stranger[1]["error"]["field"] == "hsa_id"
    bad_id = api.call("PUT", "/staff/region/admins/rut", who=admin, body={"region_admin": True})
    assert bad_id[0] == 422 and bad_id[1]["error"]["field"] == "hsa_id"
    no_answer = api.call("PUT", f"/staff/region/admins/{UNIT_ADMIN.subject}", who=admin, body={})
    assert no_answer[0] == 422 and no_answer[1]["error"]["field"] == "region_admin"
    assert _region(api)["changes"] == [] and len(_region(api)["admins"]) == 2


def test_a_region_without_stored_branding_gives_none_and_the_pages_keep_their_own(api: Api) -> None:
    status, body = api.call("GET", "/branding")
    assert status == 200 and body == {
        "primary": None,
        "on_primary": None,
        "accent": None,
        "logo": None,
        "logo_url": None,
    }


def test_loading_the_configuration_file_again_keeps_what_the_region_admins_changed(api: Api) -> None:
    from infrastructure import tenant_config
    from infrastructure.onboard.directory import load_directory

    tenant = api.container.settings.tenant
    config = tenant_config.of_tenant("kalmar").model_copy(update={"tenant": tenant})
    load_directory(config, api.container.directory)
    lars = api.container.login._staff("SE2321000081-S004", "siths", "loa3")  # the file's region administrator
    view = _region(api, lars)
    assert [a["name"] for a in view["admins"]] == ["Lars Nilsson"]
    branding = {"primary": "#1d3c6b", "on_primary": "#ffffff", "accent": "#1d3c6b"}
    assert _put_settings(api, _editable(view, branding=branding), who=lars)[0] == 200
    given = api.call("PUT", "/staff/region/admins/SE2321000081-S001", who=lars, body={"region_admin": True})
    assert given[0] == 200 and given[1]["changed"]

    # the file is loaded again (a deploy), with other notices: those follow the file, the dashboard's changes stay
    notices = tenant_config.Notices(sms_interval_minutes=45)
    load_directory(config.model_copy(update={"notices": notices}), api.container.directory)
    stored = api.container.directory.region(tenant)
    assert stored["branding"]["primary"] == "#1d3c6b" and stored["notices"]["sms_interval_minutes"] == 45
    assert {a["hsa_id"] for a in stored["region_admins"]} == {"SE2321000081-S004", "SE2321000081-S001"}
    assert stored["after_hours"] == {"jourcentral": "SE2321000081-JC01"}


LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><circle cx="20" cy="20" r="18" fill="#6b1d5c"/>'
    '<text x="8" y="26" fill="#ffffff">RT</text></svg>'
)


def test_the_region_admin_uploads_a_logo_which_every_page_gets_kept_with_who_and_when(api: Api) -> None:
    _setup(api)
    view = _region(api)
    assert view["logo_url"] is None
    status, saved = api.call(
        "PUT", "/staff/region/logo", who=_here(api, REGION_ADMIN), body={"svg": LOGO, "version": view["version"]}
    )
    assert status == 200, saved
    name = saved["branding"]["logo"]
    assert name.startswith("uploads/") and saved["logo_url"] == f"/api/branding/{name}"
    assert saved["branding"]["primary"] == "#005a78"  # the colours stay
    [change] = saved["changes"]
    assert (change["by_name"], change["what"], change["fields"]) == ("Rut Region", "settings", ["logo"])
    # every page: GET /branding names it, and the picture itself is served as SVG to anyone
    status, public = api.call("GET", "/branding")
    assert status == 200 and public["logo_url"] == saved["logo_url"]
    response = api.client.http.get(saved["logo_url"].removeprefix("/api"))
    assert response.status_code == 200 and response.body.decode() == LOGO
    assert response.headers["Content-Type"] == "image/svg+xml"
    # the same logo again (a retry) changes nothing; a settings change keeps the logo (it is not in the form)
    status, again = api.call(
        "PUT", "/staff/region/logo", who=_here(api, REGION_ADMIN), body={"svg": LOGO, "version": view["version"]}
    )
    assert status == 200 and again["version"] == saved["version"] and len(again["changes"]) == 1
    body = _editable(saved, notices={"sms_interval_minutes": 20, "quiet_hours": {"start": "21:00", "end": "08:00"}})
    del body["branding"]["logo"]
    status, changed = _put_settings(api, body)
    assert status == 200 and changed["branding"]["logo"] == name and changed["notices"]["sms_interval_minutes"] == 20


def test_the_region_admin_goes_back_to_the_configuration_files_logo_after_uploading_another(api: Api) -> None:
    _setup(api)
    tenant = api.container.settings.tenant
    region = api.container.directory.region(tenant)
    branding = {**region["branding"], "logo": "region-logo.svg"}
    api.container.directory.set_region(tenant, {**region, "branding": branding, "file_logo": "region-logo.svg"})
    view = _region(api)
    assert view["logo_url"] == "/branding/region-logo.svg"  # beside the frontends (deploy uploads it there)
    status, saved = api.call(
        "PUT", "/staff/region/logo", who=_here(api, REGION_ADMIN), body={"svg": LOGO, "version": view["version"]}
    )
    assert status == 200 and saved["logo_url"].startswith("/api/branding/uploads/")
    body = _editable(saved, branding={**saved["branding"], "logo": "region-logo.svg"})
    status, back = _put_settings(api, body)
    assert status == 200 and back["logo_url"] == "/branding/region-logo.svg"
    assert api.call("GET", "/branding")[1]["logo_url"] == "/branding/region-logo.svg"
    assert [c["fields"] for c in back["changes"]] == [["branding"], ["logo"]]


def test_a_logo_that_is_not_a_plain_svg_is_refused_naming_it_and_nothing_changes(api: Api) -> None:
    _setup(api)
    view = _region(api)
    for svg, said in (
        (LOGO.replace("<text", "<script>alert(1)</script><text"), "skript"),
        (LOGO.replace("<circle", '<circle onload="alert(1)"'), "händelsehanterare"),
        (LOGO.replace("<text", '<image href="https://tracker.example/pixel.png"/><text'), "andra filer"),
        (LOGO.replace('fill="#6b1d5c"', 'fill="url(https://x.example/a.svg#g)"'), "andra filer"),
        ("<html><body>not a picture</body></html>", "ingen SVG-bild"),
        ("<svg", "ingen SVG-bild"),
        (LOGO.replace("</svg>", "<!--" + "x" * 210_000 + "--></svg>"), "högst 200 kB"),
    ):
        status, refused = api.call(
            "PUT", "/staff/region/logo", who=_here(api, REGION_ADMIN), body={"svg": svg, "version": view["version"]}
        )
        assert status == 422 and refused["error"]["field"] == "logo", (svg[:80], refused)
        assert said in refused["error"]["message_sv"], refused
    # a logo name the region does not have cannot be set through the settings either
    status, refused = _put_settings(
        api, _editable(view, branding={**view["branding"], "logo": "uploads/" + "a" * 32 + ".svg"})
    )
    assert status == 422 and refused["error"]["field"] == "branding.logo"
    after = _region(api)
    assert after["version"] == view["version"] and after["changes"] == [] and after["logo_url"] is None
    # only a region administrator uploads
    status, _ = api.call("PUT", "/staff/region/logo", who=_here(api, UNIT_ADMIN), body={"svg": LOGO, "version": 0})
    assert status == 403
