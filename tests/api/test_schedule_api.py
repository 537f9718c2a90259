"""A unit's schedule through the API: availability and exceptions created, replaced and removed by the unit's
administrator or by staff for themselves; who may (404 / 403); bad input in Swedish; version conflicts; idempotent
PUT and DELETE; and the citizen's slot search following each change at once (booked times stay)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, staff
from tests.api.test_booking_api import SELF_BOOKING, visit_case

TENANT = "testregion"
ADMIN = staff("SE-ADM-1", (UNIT_A, "admin"), (UNIT_A, "medical_secretary"), name="Adam Admin")
DOCTOR = staff("SE-DOC-1", (UNIT_A, "doctor"), name="Dr Berg")
NURSE = staff("SE-NURSE-1", (UNIT_A, "nurse"), name="Syster Sara")
ELSEWHERE = staff("SE-DOC-9", (UNIT_B, "doctor"), name="Dr Annan")
PATIENT = citizen("199001012385", "Greta Andersson")
SCHEDULE = f"/staff/units/{UNIT_A}/schedule"


def tomorrow() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Stockholm")).date() + timedelta(days=1)


def availability(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "staff_hsa_id": "SE-DOC-1",
        "profession": "doctor",
        "form": "physical",
        "length_minutes": 60,
        "location": "Storgatan 1, mottagning 3",
        "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "start": "08:00",
        "end": "16:00",
        "valid_from": "2026-01-01",
    }
    body.update(changes)
    return body


def put(api: Api, kind: str, item_id: str, body: dict[str, Any], who: Any = ADMIN) -> tuple[int, Any]:
    return api.call("PUT", f"{SCHEDULE}/{kind}/{item_id}", who=who, body=body)


def starts_on(slots: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    zone = ZoneInfo("Europe/Stockholm")
    return [s for s in slots if datetime.fromisoformat(s["start"]).astimezone(zone).date() == day]


def citizen_slots(api: Api, case_id: str = "case-knee") -> list[dict[str, Any]]:
    status, body = api.call("GET", f"/citizen/cases/{case_id}/slots", who=PATIENT)
    assert status == 200, body
    return list(body["slots"])


@pytest.fixture
def unit(api: Api) -> Api:
    directory = api.container.directory
    directory.put_region(TENANT, SELF_BOOKING)
    directory.put_staff(TENANT, "SE-ADM-1", "Adam Admin", [{"unit_id": UNIT_A, "role": "admin"}])
    directory.put_staff(TENANT, "SE-DOC-1", "Dr Berg", [{"unit_id": UNIT_A, "role": "doctor"}])
    directory.put_staff(TENANT, "SE-NURSE-1", "Syster Sara", [{"unit_id": UNIT_A, "role": "nurse"}])
    visit_case(api.container, PATIENT, "case-knee")
    return api


def test_admin_adds_an_availability_and_the_citizen_can_book_its_times_at_once(unit: Api) -> None:
    assert citizen_slots(unit) == []
    status, saved = put(unit, "availability", "doc-mornings", availability())
    assert status == 201, saved
    shown = saved["availability"]
    assert shown["version"] == 1 and shown["staff_name"] == "Dr Berg" and shown["can_edit"]
    assert shown["updated_by"] == "SE-ADM-1" and shown["updated_by_name"] == "Adam Admin" and shown["updated_at"]
    assert saved["slots"]["created"] > 0 and saved["slots"]["bookings_affected"] == []
    free = citizen_slots(unit)
    assert free and {s["location"] for s in free} == {"Storgatan 1, mottagning 3"}

    status, schedule = unit.call("GET", SCHEDULE, who=ADMIN)
    assert status == 200 and schedule["can_edit_all"]
    assert [a["availability_id"] for a in schedule["availability"]] == ["doc-mornings"]
    assert {s["hsa_id"]: s["professions"] for s in schedule["staff"]} == {
        "SE-DOC-1": ["doctor"],
        "SE-NURSE-1": ["nurse"],
    }


def test_the_same_put_again_changes_nothing_and_an_edit_on_an_old_version_is_refused(unit: Api) -> None:
    assert put(unit, "availability", "doc-mornings", availability())[0] == 201
    status, again = put(unit, "availability", "doc-mornings", availability())
    assert status == 200 and again["availability"]["version"] == 1 and again["slots"]["created"] == 0

    moved = availability(location="Storgatan 1, mottagning 4", version=1)
    status, edited = put(unit, "availability", "doc-mornings", moved)
    assert status == 200 and edited["availability"]["version"] == 2
    assert edited["slots"]["changed"] > 0 and edited["slots"]["created"] == 0
    assert {s["location"] for s in citizen_slots(unit)} == {"Storgatan 1, mottagning 4"}
    assert put(unit, "availability", "doc-mornings", moved)[1]["availability"]["version"] == 2  # a retry

    stale = availability(length_minutes=30, version=1)
    status, refused = put(unit, "availability", "doc-mornings", stale, who=DOCTOR)
    assert status == 409
    assert "ändrats av Adam Admin" in refused["error"]["message_sv"]
    status, refused = put(unit, "availability", "doc-mornings", availability(location="X"))
    assert status == 409 and refused["error"]["message_sv"].startswith("Tillgängligheten finns redan")


def test_staff_change_their_own_schedule_only_and_others_outside_the_unit_see_nothing(unit: Api) -> None:
    assert put(unit, "availability", "doc-mornings", availability())[0] == 201
    for method, path in (
        ("GET", SCHEDULE),
        ("PUT", f"{SCHEDULE}/availability/doc-mornings"),
        ("DELETE", f"{SCHEDULE}/availability/doc-mornings?version=1"),
        ("PUT", f"{SCHEDULE}/exceptions/holiday-01"),
    ):
        body = availability() if "availability" in path else {"first_day": "2026-12-24", "last_day": "2026-12-26"}
        status, answer = unit.call(method, path, who=ELSEWHERE, body=body if method == "PUT" else None)
        assert status == 404, (method, path, answer)
    assert unit.call("GET", SCHEDULE, who=PATIENT)[0] == 403

    # the nurse works here: she sees the schedule, but may not change the doctor's availability or the unit's days
    status, seen = unit.call("GET", SCHEDULE, who=NURSE)
    assert status == 200 and not seen["can_edit_all"] and not seen["availability"][0]["can_edit"]
    assert [s["hsa_id"] for s in seen["staff"]] == ["SE-NURSE-1"]
    status, refused = put(unit, "availability", "doc-mornings", availability(version=1), who=NURSE)
    assert status == 403 and "Bara enhetens administratörer" in refused["error"]["message_sv"]
    assert unit.call("DELETE", f"{SCHEDULE}/availability/doc-mornings?version=1", who=NURSE)[0] == 403
    holiday = {"first_day": "2026-12-24", "last_day": "2026-12-26", "reason": "Jul"}
    assert put(unit, "exceptions", "holiday-01", holiday, who=NURSE)[0] == 403
    status, refused = put(unit, "availability", "nurse-as-doctor", availability(staff_hsa_id="SE-NURSE-1"), who=NURSE)
    assert status == 403 and refused["error"]["message_sv"] == "Du har inte den yrkesrollen på enheten."

    # her own availability and her own absence she manages herself
    own = availability(staff_hsa_id="SE-NURSE-1", profession="nurse", start="09:00", end="12:00", length_minutes=20)
    status, saved = put(unit, "availability", "nurse-mornings", own, who=NURSE)
    assert status == 201 and saved["availability"]["staff_name"] == "Syster Sara"
    away = {"first_day": tomorrow().isoformat(), "last_day": tomorrow().isoformat(), "staff_hsa_id": "SE-NURSE-1"}
    status, saved = put(unit, "exceptions", "nurse-away-1", away, who=NURSE)
    assert status == 201 and saved["exception"]["staff_name"] == "Syster Sara" and saved["exception"]["can_edit"]
    # a doctor may not take over the nurse's availability by its id
    taken_over = availability(start="13:00", end="15:00", version=1)
    assert put(unit, "availability", "nurse-mornings", taken_over, who=DOCTOR)[0] == 403


@pytest.mark.parametrize(
    ("body", "field", "message_sv"),
    [
        (availability(start="16:00", end="08:00"), "end", "Sluttiden måste vara efter starttiden."),
        (availability(weekdays=["mon", "mån"]), "weekdays", "Okänd veckodag: mån."),
        (availability(weekdays=[]), "weekdays", "Välj minst en veckodag."),
        (availability(length_minutes=3), "length_minutes", "En tid är 5–240 minuter lång."),
        (availability(form="letter"), "form", "Välj besök, video eller telefon."),
        (availability(valid_to="2025-12-31"), "valid_to", "Slutdatumet är före startdatumet."),
        (availability(start="25:00"), "start", "Värdet har fel form; kontrollera fältet."),
        (availability(color="red"), "color", "Fältet är okänt här; ta bort det."),
        (availability(profession="nurse"), "profession", "Dr Berg har inte den yrkesrollen på enheten."),
        (availability(staff_hsa_id="SE-NOBODY"), "staff_hsa_id", "Personen arbetar inte på enheten."),
    ],
)
def test_bad_availability_is_refused_naming_the_field_in_swedish(
    unit: Api, body: dict[str, Any], field: str, message_sv: str
) -> None:
    status, answer = put(unit, "availability", "doc-mornings", body)
    assert status == 422, answer
    assert answer["error"]["field"] == field and answer["error"]["message_sv"] == message_sv


def test_bad_exceptions_and_ids_are_refused_and_overlapping_availability_too(unit: Api) -> None:
    backwards = {"first_day": "2026-12-26", "last_day": "2026-12-24"}
    status, answer = put(unit, "exceptions", "holiday-01", backwards)
    assert status == 422 and answer["error"]["message_sv"] == "Slutdatumet är före startdatumet."
    half = {"first_day": "2026-12-24", "last_day": "2026-12-24", "start": "12:00"}
    status, answer = put(unit, "exceptions", "holiday-01", half)
    assert status == 422 and answer["error"]["message_sv"].startswith("Ange både start- och sluttid")
    assert put(unit, "availability", "x", availability())[1]["error"]["field"] == "availability_id"

    assert put(unit, "availability", "doc-mornings", availability())[0] == 201
    status, answer = put(unit, "availability", "doc-video", availability(form="video", start="15:00", end="17:00"))
    assert status == 422 and answer["error"]["message_sv"].startswith("Dr Berg är redan bokningsbar då")
    later = availability(form="video", start="16:00", end="18:00", length_minutes=20)
    assert put(unit, "availability", "doc-video", later)[0] == 201


def test_an_exception_takes_its_times_out_of_the_search_at_once_and_removing_it_brings_them_back(unit: Api) -> None:
    assert put(unit, "availability", "doc-mornings", availability())[0] == 201
    day = tomorrow()
    assert len(starts_on(citizen_slots(unit), day)) == 8

    morning = {"first_day": day.isoformat(), "last_day": day.isoformat(), "start": "08:00", "end": "10:00"}
    status, saved = put(unit, "exceptions", "training-1", {**morning, "reason": "Utbildning"})
    assert status == 201 and saved["slots"]["removed"] == 2 and saved["exception"]["staff_hsa_id"] is None
    assert len(starts_on(citizen_slots(unit), day)) == 6
    whole_day = {"first_day": day.isoformat(), "last_day": day.isoformat(), "version": 1, "reason": "Utbildning"}
    status, saved = put(unit, "exceptions", "training-1", whole_day)
    assert status == 200 and saved["exception"]["version"] == 2 and saved["exception"]["start"] is None
    assert starts_on(citizen_slots(unit), day) == []

    status, schedule = unit.call("GET", SCHEDULE, who=DOCTOR)
    assert [(e["exception_id"], e["reason"], e["can_edit"]) for e in schedule["exceptions"]] == [
        ("training-1", "Utbildning", False)
    ]
    assert unit.call("DELETE", f"{SCHEDULE}/exceptions/training-1?version=1", who=ADMIN)[0] == 409
    status, removed = unit.call("DELETE", f"{SCHEDULE}/exceptions/training-1?version=2", who=ADMIN)
    assert status == 200 and removed["slots"]["created"] == 8
    assert len(starts_on(citizen_slots(unit), day)) == 8
    # removing again (a retry) is done; the schedule no longer lists it
    assert unit.call("DELETE", f"{SCHEDULE}/exceptions/training-1?version=2", who=ADMIN)[0] == 200
    assert unit.call("GET", SCHEDULE, who=ADMIN)[1]["exceptions"] == []
    assert unit.call("DELETE", f"{SCHEDULE}/exceptions/never-made?version=1", who=ADMIN)[0] == 404
    assert unit.call("DELETE", f"{SCHEDULE}/exceptions/training-1", who=ADMIN)[0] == 422


def test_removing_an_availability_removes_its_free_times_but_a_booked_time_stays_and_is_listed(unit: Api) -> None:
    assert put(unit, "availability", "doc-mornings", availability())[0] == 201
    chosen = citizen_slots(unit)[2]
    status, booking = unit.call(
        "POST",
        "/citizen/cases/case-knee/booking",
        who=PATIENT,
        body={"slot_id": chosen["slot_id"]},
        headers={"Idempotency-Key": "book-key-sched-1"},
    )
    assert status == 201, booking

    status, removed = unit.call("DELETE", f"{SCHEDULE}/availability/doc-mornings?version=1", who=ADMIN)
    assert status == 200 and removed["slots"]["removed"] > 0
    assert [s["slot_id"] for s in removed["slots"]["bookings_affected"]] == [chosen["slot_id"]]
    assert citizen_slots(unit) == []
    status, shown = unit.call("GET", "/citizen/cases/case-knee/booking", who=PATIENT)
    assert shown["booking"]["state"] == "booked" and shown["booking"]["slot"]["slot_id"] == chosen["slot_id"]
    # the hourly run afterwards leaves the booked slot as it is
    assert unit.container.booking.materialise_unit(TENANT, UNIT_A).affected[0].slot_id == chosen["slot_id"]
    assert unit.container.booking._bookings.slot(TENANT, chosen["slot_id"])[1] == "case-knee"

    # the id can be used again for a new availability; an edit on the removed version is refused
    assert put(unit, "availability", "doc-mornings", availability(version=1))[0] == 409
    status, again = put(unit, "availability", "doc-mornings", availability(start="09:00"))
    assert status == 201 and again["availability"]["start"] == "09:00"
