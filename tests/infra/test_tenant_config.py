"""A region's configuration file: the demo regions' files are valid, and a wrong file fails with a message naming
each wrong field, in words a region's administrator can act on."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import pytest
import yaml

from infrastructure import tenant_config
from infrastructure.tenant_config import REGIONS_DIR, ConfigError, contrast, load, parse


def _raw(tenant: str = "kalmar") -> dict[str, Any]:
    return dict(yaml.safe_load((REGIONS_DIR / f"{tenant}.yaml").read_text(encoding="utf-8")))


def _problems(raw: Any) -> list[str]:
    with pytest.raises(ConfigError) as failed:
        parse(raw, "region.yaml")
    return failed.value.problems


@pytest.mark.parametrize("path", sorted(REGIONS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_region_file_in_the_repository_is_valid_and_named_after_its_tenant(path: Path) -> None:
    config = load(path)
    assert config.tenant == path.stem
    settings = config.region_settings()
    assert settings["name"] == config.name and settings["emergency_departments"]
    for unit in config.units:
        assert config.unit_details(unit)["opening_hours"]


def test_the_two_demo_regions_are_separate_tenants_with_units_and_an_administrator_each() -> None:
    jonkoping, kalmar = tenant_config.of_tenant("jonkoping"), tenant_config.of_tenant("kalmar")
    assert jonkoping.tenant != kalmar.tenant
    assert not {u.unit_id for u in jonkoping.units} & {u.unit_id for u in kalmar.units}
    for config in (jonkoping, kalmar):
        assert any(r.role == "admin" for person in config.staff for r in person.roles)
    assert kalmar.region_settings()["after_hours"] == {"jourcentral": "SE2321000081-JC01"}
    assert kalmar.region_settings()["sms_provider"] == {"http": {"url": "https://sms.regionkalmar.example/send"}}


def test_a_wrong_file_names_every_wrong_field() -> None:
    raw = copy.deepcopy(_raw())
    raw["tenant"] = "Kalmar län"
    del raw["name"]
    raw["colour"] = "#6b1d5c"  # misspelt: the setting is branding.primary
    raw["branding"]["primary"] = "#ffff00"  # white text on yellow cannot be read
    raw["retention"]["access_log_years"] = 3
    raw["sms"] = {"provider": "http"}
    raw["units"][0]["unit_id"] = "VC1"
    raw["units"][2]["opening_hours"]["chat"]["mon"] = [["22:00", "16:00"]]
    raw["units"][2]["professions"] = ["nurse", "witch_doctor"]
    problems = _problems(raw)
    fields = [p.split(":")[0] for p in problems]
    assert fields == [
        "tenant",
        "name",
        "branding",
        "retention.access_log_years",
        "sms",
        "units[0].unit_id",
        "units[2].opening_hours",
        "units[2].professions[1]",
        "colour",
    ], problems
    said = "\n".join(problems)
    assert "'Kalmar län' is not lower-case letters and digits" in said
    assert "missing: this setting is required" in said
    assert "contrast 1.07:1; WCAG AA needs at least 4.5:1" in said
    assert "greater than or equal to 5" in said
    assert "provider http needs http.url" in said
    assert "'VC1' is not an HSA-id" in said
    assert "22:00–16:00 ends before it starts" in said
    assert "not a setting of a region's configuration" in said


def test_a_unit_may_have_its_own_self_booking_rule_and_a_wrong_one_names_its_field() -> None:
    raw = copy.deepcopy(_raw())
    raw["units"][1]["self_booking"] = {"professions": ["nurse"], "priorities": ["P5", "P4"], "cancel_limit_hours": 4}
    raw["units"][2]["self_booking"] = {}  # no self-booking at this unit, whatever the region allows
    config = parse(raw, "region.yaml")
    first, second, third, *_ = (config.unit_details(u) for u in config.units)
    assert "self_booking" not in first  # the region's rule applies
    assert second["self_booking"] == {"professions": ["nurse"], "priorities": ["P4", "P5"], "cancel_limit_hours": 4}
    assert third["self_booking"] == {"professions": [], "priorities": [], "cancel_limit_hours": 24}

    raw["units"][1]["self_booking"] = {"professions": ["wizard"], "priorities": ["P9"], "cancel_limit_hours": -1}
    raw["units"][2]["self_booking"] = {"cancel_hours": 4}
    problems = _problems(raw)
    assert [p.split(":")[0] for p in problems] == [
        "units[1].self_booking.professions[0]",
        "units[1].self_booking.priorities[0]",
        "units[1].self_booking.cancel_limit_hours",
        "units[2].self_booking.cancel_hours",
    ], problems
    assert "not a setting of a region's configuration" in problems[-1]


def test_the_listing_register_is_optional_and_a_wrong_url_names_its_field() -> None:
    raw = copy.deepcopy(_raw())
    assert parse(raw, "region.yaml").identity.listing_register_url == "https://listning.regionkalmar.example/api"
    del raw["identity"]["listing_register_url"]
    assert parse(raw, "region.yaml").identity.listing_register_url is None  # routing does without it
    for wrong in ("http://listning.regionkalmar.example/api", "listning.regionkalmar.example", "https://a b"):
        raw["identity"]["listing_register_url"] = wrong
        assert _problems(raw) == [f"identity.listing_register_url: {wrong!r} is not an https:// address"]
    raw["identity"]["listing_registry_url"] = "https://listning.regionkalmar.example/api"  # misspelt
    del raw["identity"]["listing_register_url"]
    (problem,) = _problems(raw)
    assert problem.startswith("identity.listing_registry_url: ") and "not a setting" in problem, problem


def test_references_between_sections_must_name_the_regions_own_units() -> None:
    raw = copy.deepcopy(_raw())
    raw["staff"][0]["roles"][0]["unit_id"] = "SE2321000081-VC99"
    raw["units"][0]["overflow_partners"] = [{"unit_id": "SE2321000057-VC00", "cases_per_day": 10}]  # another region's
    raw["after_hours"] = {"jourcentral": "SE2321000081-JC99"}
    raw["units"].append(copy.deepcopy(raw["units"][1]))
    assert _problems(raw) == [
        "units[0].overflow_partners[0].unit_id: not another unit of this region",
        "units[4].unit_id: SE2321000081-VC02 is listed twice",
        "staff[0].roles[0].unit_id: SE2321000081-VC99 is not a unit of this region",
        "after_hours.jourcentral: not a unit of this region",
    ]
    raw = copy.deepcopy(_raw())
    raw["staff"] = [p for p in raw["staff"] if all(r["role"] != "admin" for r in p["roles"])]
    assert _problems(raw) == ["staff: name at least one administrator (role admin) to run the units"]


def test_a_file_that_is_not_yaml_or_not_a_mapping_says_where(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("tenant: kalmar\nunits: [\n  - name: x\n", encoding="utf-8")
    with pytest.raises(ConfigError) as failed:
        load(broken)
    assert failed.value.problems[0].startswith("line ") and "not valid YAML" in failed.value.problems[0]
    assert _problems(["a", "list"]) == ["(the file): expected a mapping of settings (tenant:, name:, units: …)"]
    with pytest.raises(ConfigError) as missing:
        load(tmp_path / "nowhere.yaml")
    assert "cannot be read" in missing.value.problems[0]


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes AA
    assert contrast("#ffffff", "#767676") == contrast("#767676", "#ffffff")


def _write(folder: Path, raw: dict[str, Any], **files: bytes) -> Path:
    for name, data in files.items():
        (folder / name.replace("_", ".")).write_bytes(data)
    path = folder / "region.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _logo_problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as failed:
        load(path)
    return failed.value.problems


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 20), "#6b1d5c").save(out, format="PNG")
    return out.getvalue()


def test_the_logo_is_a_real_svg_or_png_beside_the_file_and_the_pages_get_where_it_is(tmp_path: Path) -> None:
    raw = _raw()
    svg = (REGIONS_DIR / "kalmar-logo.svg").read_bytes()
    config = load(_write(tmp_path, raw, **{"kalmar-logo_svg": svg}))
    assert config.logo_file() == tmp_path / "kalmar-logo.svg"
    assert config.browser_settings()["branding"]["logo_url"] == "/branding/kalmar-logo.svg"
    assert config.region_settings()["branding"]["logo"] == "kalmar-logo.svg"
    raw["branding"]["logo"] = "logo.png"
    assert (
        load(_write(tmp_path, raw, logo_png=_png())).browser_settings()["branding"]["logo_url"] == "/branding/logo.png"
    )


@pytest.mark.parametrize(
    ("logo", "data", "said"),
    [
        ("missing.svg", None, "missing.svg is not a file beside the configuration file"),
        ("logo.png", b"\x89PNG\r\n\x1a\nnot really a png", "not a PNG picture"),
        ("logo.png", b"GIF89a....", "not a PNG picture"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "holds a script"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="x()"/></svg>', "event handler"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><use href="https://x.example/a.svg#a"/></svg>',
            "another file",
        ),
        ("logo.svg", b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "holds a script"),
        ("logo.svg", b"<svg><rect/></svg>", "not an SVG picture"),
        ("logo.svg", b"this is no picture", "not an SVG picture"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg">' + b" " * 210_000 + b"</svg>", "at most 200 KB"),
        ("../kalmar.yaml", None, "is not the name of an .svg or .png file"),
        ("sub/logo.svg", None, "is not the name of an .svg or .png file"),
    ],
)
def test_a_logo_that_is_missing_not_a_picture_unsafe_or_too_big_names_branding_logo(
    tmp_path: Path, logo: str, data: bytes | None, said: str
) -> None:
    raw = _raw()
    raw["branding"]["logo"] = logo
    files = {logo.replace(".", "_"): data} if data is not None else {}
    problems = _logo_problems(_write(tmp_path, raw, **files))
    assert [p.split(":")[0] for p in problems] == ["branding.logo"], problems
    assert said in problems[0], problems


def test_languages_start_with_swedish_each_once_and_reach_the_pages() -> None:
    raw = _raw()
    raw["languages"] = ["sv"]
    assert parse(raw).browser_settings()["languages"] == ["sv"]
    for wrong in (["en", "sv"], ["sv", "sv"], [], ["sv", "fi"]):
        raw["languages"] = wrong
        assert _problems(raw)[0].startswith("languages"), wrong


def test_routing_names_units_of_the_region_that_offer_what_they_are_to_take() -> None:
    raw = copy.deepcopy(_raw())
    raw["routing"] = {
        "p5_pool": "SE2321000081-VC99",
        "fallbacks": [
            {"unit_id": "SE2321000081-VC01", "professions": ["nurse", "midwife"], "priorities": ["P2"]},
            {"unit_id": "SE2321000057-VC00"},  # another region's
        ],
    }
    raw["units"][0]["capacity"] = {"nurse": 20, "psychologist": 3}
    problems = _problems(raw)
    assert "routing.fallbacks[0].professions[1]: SE2321000081-VC01 does not offer midwife" in problems
    assert "routing.fallbacks[1].unit_id: SE2321000057-VC00 is not a unit of this region" in problems
    assert "routing.p5_pool: SE2321000081-VC99 is not a unit of this region" in problems
    assert "units[0].capacity.psychologist: the unit does not offer psychologist" in problems
    raw["routing"] = {"fallbacks": [{"unit_id": "SE2321000081-VC01", "priorities": ["P7"]}]}
    assert any(p.startswith("routing.fallbacks[0].priorities[0]:") for p in _problems(raw))


def test_the_demo_regions_route_as_their_files_say() -> None:
    config = parse(copy.deepcopy(_raw()), "region.yaml")
    assert config.region_settings()["routing"] == {
        "p5_pool": "SE2321000081-V1177",
        "fallbacks": [{"unit_id": "SE2321000081-VC01", "professions": ["nurse", "doctor", "physiotherapist"]}],
    }
    oskarshamn = next(u for u in config.units if u.unit_id == "SE2321000081-VC02")
    assert config.unit_details(oskarshamn)["capacity"] == {"nurse": 30}
