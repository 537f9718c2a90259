"""The routing simulator over the API (issue 11): a region administrator gives an entry, a listed unit, a time and a
triage outcome and gets where the case would land, by which rule, why, and every alternative — the very record a
live case with the same facts keeps (compared against cases citizens really sent). Time is Swedish time as given by
its offset; a time without one, an unknown unit or disposition is refused naming the field; it writes nothing and
reads no patient data; everyone but the region's administrators is refused as in the rest of the region's
administration (403)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any, get_args

from chalicelib.api.models import DISPOSITION_CODES, PROFESSION_CODES
from chalicelib.triage import Disposition, Profession
from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, staff
from tests.api.test_routing_api import _contact_anyway, _start

UNIT_C = "SE-VC-C"  # takes nurse cases only while none waits (capacity 0): always full for nurses
UNIT_H = "SE-VC-H"  # chat on weekdays 08:00–16:30
UNIT_D = "SE-VC-D"  # the digital health centre, open around the clock: the region's fallback for nurses and doctors
UNIT_PSY = "SE-VC-PSY"  # the only unit with a psychologist, chat on weekdays only
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

REGION_ADMIN = staff("SE2321000057-R001", (UNIT_A, "medical_secretary"), name="Rut Region")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"), name="Syster A")
NURSE_B = staff("SE-S2", (UNIT_B, "nurse"), name="Syster B")
NURSE_D = staff("SE-S4", (UNIT_D, "nurse"), name="Syster D")
UNIT_ADMIN = staff("SE2321000057-A010", (UNIT_A, "admin"), name="Ulla Enhet")  # of a unit, not of the region
ANNA = citizen("191212121212", "Anna")

SATURDAY_22 = "2025-03-15T22:00:00+01:00"  # winter time
WEDNESDAY_10 = "2025-03-12T10:00:00+01:00"


def _setup(api: Api, **routing: Any) -> None:
    tenant = api.container.settings.tenant
    directory = api.container.directory
    directory.set_region(
        tenant,
        {
            "name": "Region Test",
            "after_hours": "call_1177",
            "region_admins": [{"hsa_id": REGION_ADMIN.subject, "name": REGION_ADMIN.display_name}],
            "routing": {"fallbacks": [{"unit_id": UNIT_D, "professions": ["nurse", "doctor"]}], **routing},
        },
    )
    chat = {"chat": {day: [["08:00", "16:30"]] for day in WEEKDAYS}}
    directory.put_unit(
        tenant, UNIT_C, "Vårdcentralen C", {"professions": ["nurse", "doctor"], "capacity": {"nurse": 0}}
    )
    directory.put_unit(tenant, UNIT_H, "Vårdcentralen H", {"professions": ["nurse", "doctor"], "opening_hours": chat})
    directory.put_unit(tenant, UNIT_D, "Digitala D", {"professions": ["nurse", "doctor"]})
    directory.put_unit(tenant, UNIT_PSY, "Psykologerna", {"professions": ["psychologist"], "opening_hours": chat})
    for who in (REGION_ADMIN, UNIT_ADMIN):
        roles = [{"unit_id": r.unit_id, "role": r.role} for r in who.roles]
        directory.put_staff(tenant, who.subject, who.display_name, roles)


def _simulate(api: Api, body: dict[str, Any], who: Any = REGION_ADMIN) -> tuple[int, Any]:
    return api.call("POST", "/staff/region/routing/simulate", who=who, body=body)


def _body(
    *,
    via: str = "region",
    unit_id: str | None = None,
    listed: str | None = None,
    at: str = WEDNESDAY_10,
    disposition: str = "chat",
    priority: str | None = "P3",
    profession: str = "nurse",
    **more: Any,
) -> dict[str, Any]:
    entry = {"via": via, **({"unit_id": unit_id} if unit_id else {})}
    outcome = {"disposition": disposition, "priority": priority, "profession": profession}
    return {"entry": entry, "listed_unit_id": listed, "at": at, "outcome": outcome, **more}


def _landed(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = _simulate(api, body)
    assert status == 200, answer
    return dict(answer)


def _steps(answer: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["unit_id"], c["rule"], c["reason"]) for c in answer["considered"]]


def _record(answer: dict[str, Any]) -> dict[str, Any]:
    """The fields a case keeps as its ``routing``."""
    keys = ("unit_id", "rule", "profession", "disposition", "explanation", "considered", "entry", "listed_unit_id")
    return {k: answer[k] for k in keys}


def test_the_simulator_gives_the_same_decision_as_a_case_a_citizen_really_sent(api: Api) -> None:
    _setup(api)
    # Anna, listed at B, comes by C's link; C is full for nurses, so her case goes to B (her listed unit)
    listed_at_b = dataclasses.replace(ANNA, listed_unit_id=UNIT_B)
    draft = _start(api, listed_at_b, "sim-key-0001", unit_id=UNIT_C, via="unit_link")[1]
    case = _contact_anyway(api, listed_at_b, draft)  # self-care, then contact anyway: P5 chat with a nurse
    live = api.call("GET", f"/staff/cases/{case['case_id']}", who=NURSE_B)[1]["routing"]
    assert (case["unit_id"], live["rule"]) == (UNIT_B, "listed_unit")

    now = datetime.now(UTC).isoformat()
    body = _body(via="unit_link", unit_id=UNIT_C, listed=UNIT_B, at=now, priority="P5")
    simulated = _landed(api, body)
    assert _record(simulated) == live  # the same unit, rule, explanation and alternatives, word for word
    assert _steps(simulated) == [(UNIT_C, "entry_unit", "full"), (UNIT_B, "listed_unit", "taken"),
                                 (UNIT_D, "fallback", "not_reached")]  # fmt: skip
    assert simulated["priority"] == "P5"
    assert abs(datetime.fromisoformat(simulated["deadline"]) - datetime.fromisoformat(now)).days == 30

    # someone not listed anywhere, coming region-wide (1177.se): the region's fallback, in the simulator as live
    draft = _start(api, ANNA, "sim-key-0002")[1]
    case = _contact_anyway(api, ANNA, draft)
    live = api.call("GET", f"/staff/cases/{case['case_id']}", who=NURSE_D)[1]["routing"]
    simulated = _landed(api, _body(at=datetime.now(UTC).isoformat(), priority="P5"))
    assert (case["unit_id"], live["rule"]) == (UNIT_D, "fallback")
    assert _record(simulated) == live


def test_region_wide_on_a_saturday_night_goes_to_the_fallback_and_a_units_link_on_a_weekday_to_the_unit(
    api: Api,
) -> None:
    _setup(api)
    night = _landed(api, _body(at=SATURDAY_22, priority="P2"))
    assert (night["unit_id"], night["rule"], night["priority"]) == (UNIT_D, "fallback", "P2")
    assert night["explanation"]["sv"] == "Till Digitala D: regionens reserv för sjuksköterska på den här prioriteten."
    assert night["deadline"] == "2025-03-16T01:00:00+01:00"  # P2: within three hours
    assert night["entry"] == {"via": "region"} and night["listed_unit_id"] is None

    weekday = _landed(api, _body(via="unit_link", unit_id=UNIT_H, at=WEDNESDAY_10))
    assert (weekday["unit_id"], weekday["rule"]) == (UNIT_H, "entry_unit")
    assert _steps(weekday) == [(UNIT_H, "entry_unit", "taken"), (UNIT_D, "fallback", "not_reached")]
    # the same link on the Saturday night: H is closed and does not open within P2's three hours
    closed = _landed(api, _body(via="unit_link", unit_id=UNIT_H, at=SATURDAY_22, priority="P2"))
    assert _steps(closed) == [(UNIT_H, "entry_unit", "closed"), (UNIT_D, "fallback", "taken")]
    assert "stängd" in closed["considered"][0]["text"]["sv"]
    # the region's rules come with every answer, for the page to show
    assert night["rules"] == {
        "fallbacks": [{"unit_id": UNIT_D, "professions": ["doctor", "nurse"], "priorities": []}],
        "p5_pool": None,
        "after_hours": "call_1177",
        "jourcentral": None,
    }


def test_the_time_is_the_instant_its_offset_says_in_summer_time_too(api: Api) -> None:
    _setup(api)
    # 16:15 Swedish summer time (UTC+2) is within H's chat hours; 16:15 UTC is 18:15 in Sweden, after them
    body = _body(via="chosen", unit_id=UNIT_H, priority="P2")
    assert _landed(api, {**body, "at": "2025-07-16T16:15:00+02:00"})["unit_id"] == UNIT_H
    assert _landed(api, {**body, "at": "2025-07-16T14:15:00Z"})["unit_id"] == UNIT_H
    assert _landed(api, {**body, "at": "2025-07-16T16:15:00+00:00"})["unit_id"] == UNIT_D


def test_units_treated_as_full_the_p5_pool_a_missing_profession_and_outcomes_without_a_unit(api: Api) -> None:
    _setup(api, p5_pool=UNIT_B)
    full = _landed(api, _body(via="unit_link", unit_id=UNIT_A, listed=UNIT_H, full_units=[UNIT_A]))
    assert _steps(full) == [(UNIT_A, "entry_unit", "full"), (UNIT_H, "listed_unit", "taken"),
                            (UNIT_D, "fallback", "not_reached")]  # fmt: skip
    everyone_full = _landed(api, _body(listed=UNIT_H, full_units=[UNIT_H, UNIT_D]))
    assert (everyone_full["unit_id"], everyone_full["rule"]) == (UNIT_H, "all_full")

    pooled = _landed(api, _body(via="unit_link", unit_id=UNIT_A, priority="P5"))
    assert (pooled["unit_id"], pooled["rule"]) == (UNIT_B, "p5_pool")

    # a psychologist's case: none of the named units has one, so the region's unit that does takes it, in its hours
    psy = _landed(api, _body(listed=UNIT_A, profession="psychologist"))
    assert (psy["unit_id"], psy["rule"]) == (UNIT_PSY, "region_unit")
    at_night = _landed(api, _body(listed=UNIT_A, profession="psychologist", at=SATURDAY_22, priority="P2"))
    assert (at_night["rule"], at_night["disposition"]) == ("after_hours", "call_1177")

    self_care = _landed(api, _body(listed=UNIT_A, disposition="self_care", priority=None))
    assert (self_care["unit_id"], self_care["rule"], self_care["priority"], self_care["deadline"]) == (
        UNIT_A,
        "record_only",
        None,
        None,
    )


def test_the_overview_shows_the_rules_and_each_units_professions_capacity_and_queue(api: Api) -> None:
    _setup(api)
    listed_at_c = dataclasses.replace(ANNA, listed_unit_id=UNIT_C)
    draft = _start(api, listed_at_c, "sim-key-0003", unit_id=UNIT_A, via="chosen")[1]
    _contact_anyway(api, listed_at_c, draft)  # waits at A for a nurse
    status, overview = api.call("GET", "/staff/region/routing", who=REGION_ADMIN)
    assert status == 200, overview
    units = {u["unit_id"]: u for u in overview["units"]}
    assert set(units) == {UNIT_A, UNIT_B, UNIT_C, UNIT_D, UNIT_H, UNIT_PSY}
    assert (units[UNIT_A]["waiting"], units[UNIT_B]["waiting"]) == ({"nurse": 1}, {})
    assert (units[UNIT_C]["capacity"], units[UNIT_C]["professions"]) == ({"nurse": 0}, ["doctor", "nurse"])
    assert units[UNIT_H]["opening_hours"]["chat"]["wed"] == [["08:00", "16:30"]]
    assert units[UNIT_D]["name"] == "Digitala D" and units[UNIT_D]["opening_hours"] == {}
    assert overview["rules"]["fallbacks"][0]["unit_id"] == UNIT_D


def test_simulating_writes_nothing(api: Api, aws: dict[str, Any]) -> None:
    _setup(api)
    token = api.token(REGION_ADMIN)
    tables = [aws["resources"].main_table["TableName"], aws["resources"].audit_table["TableName"]]

    def stored() -> list[dict[str, Any]]:
        return [item for table in tables for item in aws["dynamodb"].scan(TableName=table)["Items"]]

    api.call("GET", "/me", headers={"Authorization": f"Bearer {token}"})  # the session's first request
    before = stored()
    for body in (_body(), _body(via="unit_link", unit_id=UNIT_C, listed=UNIT_B, full_units=[UNIT_B])):
        status, _ = api.call(
            "POST", "/staff/region/routing/simulate", body=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert status == 200
    after = stored()
    key = ("pk", "sk")
    assert sorted(str([i.get(k) for k in key]) for i in after) == sorted(str([i.get(k) for k in key]) for i in before)


def test_bad_input_is_refused_naming_the_field(api: Api) -> None:
    _setup(api)
    wrong: list[tuple[dict[str, Any], str]] = [
        (_body(at="2025-03-15T22:00:00"), "at"),  # no offset: which instant is meant cannot be known
        (_body(at="2025-03-15"), "at"),
        (_body(at="lördag kväll"), "at"),
        ({k: v for k, v in _body().items() if k != "at"}, "at"),
        (_body(via="unit_link", unit_id="SE-VC-NONE"), "entry.unit_id"),
        (_body(via="unit_link"), "entry.unit_id"),
        (_body(via="region", unit_id=UNIT_A), "entry.unit_id"),
        (_body(listed="SE-VC-NONE"), "listed_unit_id"),
        (_body(full_units=["SE-VC-NONE"]), "full_units"),
        (_body(disposition="teleport"), "outcome.disposition"),
        (_body(profession="astrologer"), "outcome.profession"),
        (_body(priority="P9"), "outcome.priority"),
        (_body(priority=None), "outcome.priority"),
        (_body(via="bus"), "entry.via"),
        (_body(unexpected=True), "unexpected"),
        ({**_body(), "at": 1742072400}, "at"),  # a number of seconds: not a time a person gave
        ({**_body(), "entry": "region"}, "entry"),
        ({**_body(), "listed_unit_id": 5}, "listed_unit_id"),
        ({**_body(), "full_units": UNIT_A}, "full_units"),
        ({**_body(), "outcome": None}, "outcome"),
    ]
    link_profession = _body(via="unit_link", unit_id=UNIT_B)
    link_profession["entry"]["profession"] = "physiotherapist"  # B has no physiotherapist
    chosen_profession = _body(via="chosen", unit_id=UNIT_A)
    chosen_profession["entry"]["profession"] = "doctor"  # only a unit's link names a profession
    wrong += [(link_profession, "entry.profession"), (chosen_profession, "entry.profession")]
    for body, field in wrong:
        status, answer = _simulate(api, body)
        assert status == 422, (body, answer)
        assert answer["error"]["field"] == field, (body, answer)
        assert answer["error"]["message"] and answer["error"].get("message_sv"), answer
    status, answer = _simulate(api, _body(at="2025-03-15T22:00:00"))
    assert "offset" in answer["error"]["message"] and "tidszon" in answer["error"]["message_sv"]
    status, answer = _simulate(api, link_profession)
    assert "Vårdcentralen B" in answer["error"]["message_sv"] and "fysioterapeut" in answer["error"]["message_sv"]


def test_only_the_regions_administrators_may_simulate_or_see_the_overview(api: Api) -> None:
    _setup(api)
    for who in (NURSE_A, UNIT_ADMIN, ANNA):
        status, answer = _simulate(api, _body(), who=who)
        assert status == 403 and UNIT_D not in str(answer) and "Digitala" not in str(answer), answer
        assert api.call("GET", "/staff/region/routing", who=who)[0] == 403
    # refused before the body is read: a nurse learns nothing from a bad body either
    assert _simulate(api, {"nonsense": 1}, who=NURSE_A)[0] == 403
    assert api.call("POST", "/staff/region/routing/simulate", body=_body())[0] == 401


def test_the_simulators_codes_are_the_triages() -> None:
    assert set(get_args(PROFESSION_CODES)) == {p.value for p in Profession}
    assert set(get_args(DISPOSITION_CODES)) == {d.value for d in Disposition}
