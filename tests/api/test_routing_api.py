"""Routing over the API: how the citizen came in is kept from the first request, the case lands where the region's
rules say, and staff see why — the explanation stored on the case is the rule that decided."""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, staff
from tests.api.test_triage_api import COLD_ADULT, _walk

ANNA = citizen("191212121212", "Anna")
NURSE_A = staff("SE-S1", (UNIT_A, "nurse"))
NURSE_B = staff("SE-S2", (UNIT_B, "nurse"))
UNIT_P = "SE-VC-P"  # a physiotherapy unit


def _start(api: Api, who: Any, key: str, **body: Any) -> tuple[int, Any]:
    return api.call(
        "POST",
        "/citizen/triage",
        who=who,
        body={"reason": "Förkyld", "free_text": "Snuva", **body},
        headers={"Idempotency-Key": key},
    )


def _contact_anyway(api: Api, who: Any, draft: dict[str, Any]) -> dict[str, Any]:
    done, _ = _walk(api, draft, COLD_ADULT, who=who)
    status, case = api.call(
        "POST", f"/citizen/triage/{done['draft_id']}/submit", who=who, body={"choose_contact": True}
    )
    assert status == 201, case
    return case


def _staff_view(api: Api, who: Any, case_id: str) -> dict[str, Any]:
    status, view = api.call("GET", f"/staff/cases/{case_id}", who=who)
    assert status == 200, view
    return view


def test_region_wide_entry_goes_to_the_listed_unit_and_staff_see_why(api: Api) -> None:
    listed_at_b = dataclasses.replace(ANNA, listed_unit_id=UNIT_B)
    status, draft = _start(api, listed_at_b, "route-key-0001")
    assert status == 201 and draft["unit_id"] is None
    case = _contact_anyway(api, listed_at_b, draft)
    assert case["unit_id"] == UNIT_B
    view = _staff_view(api, NURSE_B, case["case_id"])
    routing = view["routing"]
    assert (routing["rule"], routing["unit_id"], routing["listed_unit_id"]) == ("listed_unit", UNIT_B, UNIT_B)
    assert routing["entry"] == {"via": "region"}
    assert "Vårdcentralen B" in routing["explanation"]["sv"] and "listad" in routing["explanation"]["sv"]
    assert [(c["unit_id"], c["reason"]) for c in routing["considered"]] == [(UNIT_B, "taken")]
    assert view["entry"] == {"channel": "region", "unit_id": "", "invited_by": "", "invited_by_name": "",
                             "from_region": None, "profession": None}  # fmt: skip
    assert api.call("GET", "/citizen/listing", who=listed_at_b) == (
        200,
        {"unit_id": UNIT_B, "unit_name": "Vårdcentralen B"},
    )


def test_a_units_link_takes_the_case_there_before_the_listed_unit(api: Api) -> None:
    listed_at_b = dataclasses.replace(ANNA, listed_unit_id=UNIT_B)
    draft = _start(api, listed_at_b, "route-key-0002", unit_id=UNIT_A, via="unit_link")[1]
    assert draft["unit_id"] == UNIT_A
    case = _contact_anyway(api, listed_at_b, draft)
    routing = _staff_view(api, NURSE_A, case["case_id"])["routing"]
    assert (case["unit_id"], routing["rule"]) == (UNIT_A, "entry_unit")
    assert [(c["unit_id"], c["reason"]) for c in routing["considered"]] == [(UNIT_A, "taken"), (UNIT_B, "not_reached")]
    # the other unit's nurse cannot open it: out of scope is 404
    assert api.call("GET", f"/staff/cases/{case['case_id']}", who=NURSE_B)[0] == 404


def test_the_p5_pool_and_a_full_unit_send_the_case_to_the_regions_choice(api: Api) -> None:
    directory = api.container.directory
    directory.put_region("testregion", {"routing": {"p5_pool": UNIT_B}})
    draft = _start(api, ANNA, "route-key-0003", unit_id=UNIT_A, via="chosen")[1]
    case = _contact_anyway(api, ANNA, draft)  # contact anyway after self-care advice: P5
    routing = _staff_view(api, NURSE_B, case["case_id"])["routing"]
    assert (case["priority"], case["unit_id"], routing["rule"]) == ("P5", UNIT_B, "p5_pool")


def test_a_link_with_a_profession_the_unit_lacks_or_without_a_unit_is_refused_clearly(api: Api) -> None:
    status, body = _start(api, ANNA, "route-key-0004", unit_id=UNIT_B, via="unit_link", profession="physiotherapist")
    assert status == 422 and body["error"]["field"] == "profession" and "Vårdcentralen B" in body["error"]["message"]
    status, body = _start(api, ANNA, "route-key-0005", via="unit_link")
    assert status == 422 and body["error"]["field"] == "unit_id"
    status, body = _start(api, ANNA, "route-key-0006", unit_id=UNIT_A, profession="nurse")
    assert status == 422 and body["error"]["field"] == "profession"  # a profession comes only with a unit's link
    status, body = _start(api, ANNA, "route-key-0007", unit_id=UNIT_A, via="phone")
    assert status == 422  # a phone entry comes only from staff's SMS link
    assert api.call("GET", "/citizen/triage", who=ANNA)[1]["drafts"] == []  # nothing was stored


def test_a_physiotherapists_link_gives_a_non_urgent_nurse_case_to_the_physiotherapist(api: Api) -> None:
    directory = api.container.directory
    directory.put_unit("testregion", UNIT_P, "Rehab P", {"professions": ["nurse", "physiotherapist"]})
    physio = staff("SE-S9", (UNIT_P, "physiotherapist"))
    draft = _start(api, ANNA, "route-key-0008", unit_id=UNIT_P, via="unit_link", profession="physiotherapist")[1]
    case = _contact_anyway(api, ANNA, draft)  # a P5 nurse case by the triage
    assert (case["unit_id"], case["profession"], case["priority"]) == (UNIT_P, "physiotherapist", "P5")
    view = _staff_view(api, physio, case["case_id"])
    assert view["entry"]["channel"] == "unit_link" and view["entry"]["profession"] == "physiotherapist"
    assert "fysioterapeut" in view["triage"]["explanation"]["sv"]


def test_listing_of_a_child_and_of_someone_not_listed(api: Api) -> None:
    child = dataclasses.replace(ANNA.wards[0], listed_unit_id=UNIT_A) if ANNA.wards else None
    if child is None:
        from chalicelib.domain.principal import Ward

        child = Ward("child-ref-0009", "Lilla Anna", "2019-05-01", UNIT_A)
    guardian = dataclasses.replace(ANNA, wards=(child,))
    assert api.call("GET", "/citizen/listing", who=guardian)[1] == {"unit_id": None, "unit_name": None}
    assert api.call("GET", f"/citizen/listing?for_child={child.ref}", who=guardian)[1] == {
        "unit_id": UNIT_A,
        "unit_name": "Vårdcentralen A",
    }
    assert api.call("GET", "/citizen/listing?for_child=someone-else", who=guardian)[0] == 404
