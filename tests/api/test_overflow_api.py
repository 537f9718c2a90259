"""Controlled overflow: a case nobody at its unit has taken as its deadline nears is offered to one partner unit at a
time, within each partner's daily capacity, never to everyone; the partner takes it (it moves there) or declines
(it goes back to its own queue, and that partner is not asked again)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from tests.api.conftest import Api, People, send_case, staff

HOME, FIRST, SECOND = "SE2321000057-VC21", "SE2321000057-VC22", "SE2321000057-VC23"
ALWAYS = {"chat": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
NURSE_HOME = staff("SE2321000057-S201", (HOME, "nurse"), name="Hanna Hem")
NURSE_FIRST = staff("SE2321000057-S202", (FIRST, "nurse"), name="Frida Först")
NURSE_SECOND = staff("SE2321000057-S203", (SECOND, "nurse"), name="Sven Sist")


def _units(api: Api) -> None:
    tenant, directory = api.container.settings.tenant, api.container.directory
    partners = [{"unit_id": FIRST, "cases_per_day": 1}, {"unit_id": SECOND, "cases_per_day": 5}]
    directory.put_unit(
        tenant,
        HOME,
        "Vårdcentralen Hem",
        {"professions": ["nurse"], "opening_hours": ALWAYS, "overflow_partners": partners},
    )
    directory.put_unit(tenant, FIRST, "Vårdcentralen Först", {"professions": ["nurse"], "opening_hours": ALWAYS})
    directory.put_unit(tenant, SECOND, "Vårdcentralen Sist", {"professions": ["nurse"], "opening_hours": ALWAYS})


def _at(api: Api, when: datetime) -> None:
    api.container.overflow._clock = lambda: when


def _queue(api: Api, who: Any, unit: str) -> dict[str, Any]:
    status, body = api.call("GET", f"/staff/queue?unit_id={unit}", who=who)
    assert status == 200, body
    return {c["case_id"]: c for c in body["cases"]}


def test_a_case_near_its_deadline_goes_to_one_partner_within_its_capacity_and_back_when_declined(
    api: Api, people: People
) -> None:
    _units(api)
    tenant = api.container.settings.tenant
    home, first, second = (replace(p, tenant=tenant) for p in (NURSE_HOME, NURSE_FIRST, NURSE_SECOND))
    one = send_case(api, people.anna, key="case-key-over-1", unit_id=HOME)["case_id"]
    two = send_case(api, people.bertil, key="case-key-over-2", unit_id=HOME)["case_id"]
    case = api.container.cases.get(home, one)
    assert case.deadline is not None
    overflow = api.container.overflow

    _at(api, case.submitted_at + (case.deadline - case.submitted_at) / 2)
    assert overflow.offer_near_deadline(tenant) == []  # half its time left: its own unit still has it

    _at(api, case.deadline - timedelta(minutes=1))
    offered = dict(overflow.offer_near_deadline(tenant))
    assert offered == {one: FIRST, two: SECOND}  # the first partner's capacity is one case a day
    assert overflow.offer_near_deadline(tenant) == []  # offered once: a second run offers nothing again
    waiting = _queue(api, first, FIRST)[one]
    assert waiting["referral"]["kind"] == "overflow" and waiting["referral"]["from_unit_name"] == "Vårdcentralen Hem"
    assert one not in _queue(api, home, HOME) and two in _queue(api, second, SECOND)
    assert one not in _queue(api, second, SECOND)  # never a broadcast

    # the first partner declines: back in its own queue, unclaimed; the first partner is not asked again
    status, back = api.call(
        "POST", f"/staff/cases/{one}/referral/reject", who=first, body={"reason": "Ingen sköterska ledig just nu."}
    )
    assert status == 200 and back["unit_id"] == HOME and back["status"] == "queued" and back["claimed_by"] is None
    assert one in _queue(api, home, HOME)
    assert dict(overflow.offer_near_deadline(tenant)) == {one: SECOND}

    # the second partner takes it: it is theirs now, and nothing more is offered
    status, taken = api.call("POST", f"/staff/cases/{one}/referral/accept", who=second)
    assert status == 200 and taken["unit_id"] == SECOND and taken["claimed_by"] == NURSE_SECOND.subject
    assert overflow.offer_near_deadline(tenant) == []
    assert api.container.overflow._capacity.offered(tenant, FIRST, _day(case.deadline)) == 1


def test_no_partner_that_lacks_the_profession_is_closed_or_full_gets_an_offer(api: Api, people: People) -> None:
    _units(api)
    tenant, directory = api.container.settings.tenant, api.container.directory
    case_id = send_case(api, people.anna, key="case-key-over-3", unit_id=HOME)["case_id"]
    case = api.container.cases.get(replace(NURSE_HOME, tenant=tenant), case_id)
    capacity = api.container.overflow._capacity
    day = _day(case.deadline)
    # the first partner's one case today is used
    assert capacity.take(tenant, FIRST, day, limit=1, case_id="another-case")
    for i in range(5):
        assert capacity.take(tenant, SECOND, day, limit=5, case_id=f"other-case-{i}")
    assert not capacity.take(tenant, SECOND, day, limit=5, case_id="one-more")
    _at(api, case.deadline - timedelta(minutes=1))
    assert api.container.overflow.offer_near_deadline(tenant) == []
    assert case_id in _queue(api, replace(NURSE_HOME, tenant=tenant), HOME)
    record = directory.unit(tenant, HOME)
    assert record is not None and record["overflow_partners"][0]["unit_id"] == FIRST


def _day(at: datetime) -> str:
    from chalicelib.domain.opening_hours import SWEDEN

    return at.astimezone(SWEDEN).date().isoformat()


def test_the_five_minute_schedule_makes_the_offers(api: Api, people: People) -> None:
    """``offer_overflow`` in app.py is what runs every five minutes in AWS (and in the local stack's pump)."""
    _units(api)
    tenant = api.container.settings.tenant
    first = replace(NURSE_FIRST, tenant=tenant)
    one = send_case(api, people.anna, key="case-key-over-s", unit_id=HOME)["case_id"]
    case = api.container.cases.get(replace(NURSE_HOME, tenant=tenant), one)
    schedule = api.client.events.generate_cw_event("aws.events", "Scheduled Event", {}, [], region="eu-north-1")

    api.client.lambda_.invoke("offer_overflow", schedule)
    assert one not in _queue(api, first, FIRST)  # far from its deadline: it stays at home

    _at(api, case.deadline - timedelta(minutes=1))
    api.client.lambda_.invoke("offer_overflow", schedule)
    assert _queue(api, first, FIRST)[one]["referral"]["kind"] == "overflow"
    assert ("offer_overflow", 300) in _schedules()


def _schedules() -> list[tuple[str, int]]:
    """The app's schedules and their periods in seconds, as Chalice declares them to EventBridge."""
    import app

    found = []
    for source in app.app.event_sources:
        expression = getattr(source, "schedule_expression", None)
        if expression is not None:
            text = expression if isinstance(expression, str) else expression.to_string()
            amount, unit = text.removeprefix("rate(").removesuffix(")").split()
            found.append((source.name, int(amount) * {"minute": 60, "minutes": 60, "hour": 3600}[unit]))
    return found
