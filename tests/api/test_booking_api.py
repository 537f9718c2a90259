"""Booking through the API: free times, book, reschedule (atomic), cancel (limit), .ics, scope, staff calendar,
no-show, staff cancel, offered times in the chat; and 50 citizens racing for one slot on the embedded AWS."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from chalicelib import bootstrap
from chalicelib.domain.booking import Availability, SlotTaken
from chalicelib.domain.model import Case, Principal
from tests.api.conftest import UNIT_A, UNIT_B, Api, citizen, send_case, staff

TENANT = "testregion"
PATIENT = citizen("199001012385", "Greta Andersson")
OTHER = citizen("198505059876", "Ali Hassan")
DOCTOR = staff("SE-DOC-1", (UNIT_A, "doctor"), name="Dr Berg")
NURSE = staff("SE-NURSE-1", (UNIT_A, "nurse"), name="Syster Sara")
ELSEWHERE = staff("SE-DOC-9", (UNIT_B, "doctor"), name="Dr Annan")
SELF_BOOKING = {"self_booking": {"professions": ["doctor"], "priorities": ["P3", "P4"], "cancel_limit_hours": 24}}


def setup_schedule(
    container: Any, *, profession: str = "doctor", form: str = "physical", hsa: str = "SE-DOC-1"
) -> None:
    container.directory.put_region(TENANT, SELF_BOOKING)
    container.booking._bookings.put_availability(
        TENANT,
        Availability(
            availability_id=f"{hsa}-{form}",
            unit_id=UNIT_A,
            staff_hsa_id=hsa,
            staff_name="Dr Berg" if profession == "doctor" else "Syster Sara",
            profession=profession,
            form=form,
            length_minutes=60,
            location="Storgatan 1, Huskvarna",
            weekdays=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
            start=time(0, 0),
            end=time(23, 0),
            valid_from=date(2026, 1, 1),
        ),
    )
    assert container.booking.materialise(TENANT, weeks=1) > 0


def visit_case(container: Any, who: Principal, case_id: str, **changes: Any) -> Case:
    now = bootstrap.utc_now()
    fields: dict[str, Any] = {
        "case_id": case_id,
        "tenant": who.tenant,
        "unit_id": UNIT_A,
        "patient_ref": who.subject,
        "reason": "Ont i knät",
        "free_text": "Svullet knä sedan en vecka",
        "priority": "P4",
        "profession": "doctor",
        "now": now,
        "disposition": "physical",
        "triage": {"deadline": (now + timedelta(days=7)).isoformat()},
        "patient_name": who.display_name,
    }
    fields.update(changes)
    case = Case.submit(**fields)
    return container.cases._cases.create(case, now=now, idempotency=(who.subject, f"key-{case_id}", "h", {}))  # type: ignore[no-any-return]


def slots(api: Api, case_id: str, who: Principal = PATIENT) -> list[dict[str, Any]]:
    status, body = api.call("GET", f"/citizen/cases/{case_id}/slots", who=who)
    assert status == 200, body
    return list(body["slots"])


def book(api: Api, case_id: str, slot_id: str, key: str, who: Principal = PATIENT, method: str = "POST") -> Any:
    return api.call(
        method,
        f"/citizen/cases/{case_id}/booking",
        who=who,
        body={"slot_id": slot_id},
        headers={"Idempotency-Key": key},
    )


@pytest.fixture
def ready(api: Api) -> Api:
    setup_schedule(api.container)
    visit_case(api.container, PATIENT, "case-knee")
    return api


def test_citizen_books_a_free_time_and_it_is_no_longer_offered(ready: Api) -> None:
    free = slots(ready, "case-knee")
    now = datetime.now(UTC)
    starts = [datetime.fromisoformat(s["start"]) for s in free]
    assert starts == sorted(starts) and all(now < s <= now + timedelta(days=7) for s in starts)
    assert {s["form"] for s in free} == {"physical"}
    chosen = free[3]
    status, booking = book(ready, "case-knee", chosen["slot_id"], "book-key-0001")
    assert status == 201, booking
    assert booking["state"] == "booked" and booking["slot"]["slot_id"] == chosen["slot_id"]
    assert booking["slot"]["location"] == "Storgatan 1, Huskvarna"
    assert chosen["slot_id"] not in {s["slot_id"] for s in slots(ready, "case-knee")}
    # a retry with the same key gives the same booking, not a second one
    again_status, again = book(ready, "case-knee", chosen["slot_id"], "book-key-0001")
    assert again_status == 201 and again["booking_id"] == booking["booking_id"]
    status, shown = ready.call("GET", "/citizen/cases/case-knee/booking", who=PATIENT)
    assert status == 200 and shown["booking"]["booking_id"] == booking["booking_id"] and shown["can_self_book"]


def test_a_time_just_taken_answers_409_in_swedish_with_fresh_alternatives(ready: Api) -> None:
    visit_case(ready.container, OTHER, "case-other")
    slot_id = slots(ready, "case-knee")[0]["slot_id"]
    assert book(ready, "case-other", slot_id, "other-key-001", who=OTHER)[0] == 201
    status, body = book(ready, "case-knee", slot_id, "book-key-0002")
    assert status == 409
    assert body["error"]["message_sv"] == "Tiden togs precis av någon annan. Välj en annan tid."
    alternatives = {a["slot_id"] for a in body["alternatives"]}
    assert alternatives and slot_id not in alternatives
    assert book(ready, "case-knee", sorted(alternatives)[0], "book-key-0003")[0] == 201


def test_no_self_booking_when_the_region_does_not_allow_it_for_the_case(ready: Api) -> None:
    visit_case(ready.container, PATIENT, "case-p2", priority="P2")
    status, body = ready.call("GET", "/citizen/cases/case-p2/slots", who=PATIENT)
    assert status == 409 and "Mottagningen kontaktar dig" in body["error"]["message_sv"]
    slot_id = slots(ready, "case-knee")[0]["slot_id"]
    assert book(ready, "case-p2", slot_id, "p2-key-00001")[0] == 409
    visit_case(ready.container, PATIENT, "case-chat", disposition="chat")
    status, body = ready.call("GET", "/citizen/cases/case-chat/slots", who=PATIENT)
    assert status == 409 and "besök" in body["error"]["message_sv"]


UNIT_ADMIN = staff("SE-ADM-1", (UNIT_A, "admin"), name="Johan Ek")


def unit_rule(api: Api, rule: dict[str, Any] | None) -> None:
    """The unit's own self-booking rule (None: the region's applies), set by its administrator."""
    path = f"/staff/units/{UNIT_A}/settings"
    status, view = api.call("GET", path, who=UNIT_ADMIN)
    assert status == 200, view
    body = {
        "version": view["version"],
        "name": view["name"],
        "address": "Storgatan 1, Huskvarna",
        "phone": "036-10 10 01",
        "opening_hours": {},
        "professions": view["professions"],
        **({"self_booking": rule} if rule is not None else {}),
    }
    status, saved = api.call("PUT", path, who=UNIT_ADMIN, body=body)
    assert status == 200 and saved["self_booking"] == rule, saved


def test_a_unit_with_self_booking_off_refuses_open_booking_where_the_region_allows_it(ready: Api) -> None:
    free = slots(ready, "case-knee")  # the region allows a doctor's P4 case
    unit_rule(ready, {"professions": [], "priorities": [], "cancel_limit_hours": 24})
    status, body = ready.call("GET", "/citizen/cases/case-knee/slots", who=PATIENT)
    assert status == 409 and "Mottagningen kontaktar dig" in body["error"]["message_sv"]
    assert book(ready, "case-knee", free[0]["slot_id"], "off-key-00001")[0] == 409
    status, shown = ready.call("GET", "/citizen/cases/case-knee/booking", who=PATIENT)
    assert status == 200 and shown["can_self_book"] is False
    # the unit's rule cleared: the region's applies again
    unit_rule(ready, None)
    assert book(ready, "case-knee", free[0]["slot_id"], "off-key-00002")[0] == 201


def test_a_unit_allows_open_booking_the_region_does_not_with_its_own_cancellation_limit(ready: Api) -> None:
    visit_case(ready.container, PATIENT, "case-p2", priority="P2")
    assert ready.call("GET", "/citizen/cases/case-p2/slots", who=PATIENT)[0] == 409  # the region: P3 and P4 only
    unit_rule(ready, {"professions": ["doctor"], "priorities": ["P2"], "cancel_limit_hours": 2})
    status, body = ready.call("GET", "/citizen/cases/case-p2/slots", who=PATIENT)
    assert status == 200 and body["slots"] and body["cancel_limit_hours"] == 2
    status, booking = book(ready, "case-p2", body["slots"][-1]["slot_id"], "p2-key-00002")
    assert status == 201
    start, until = (
        datetime.fromisoformat(booking["slot"]["start"]),
        datetime.fromisoformat(booking["can_change_until"]),
    )
    assert start - until == timedelta(hours=2)
    # the unit's rule replaces the region's as a whole: its P4 case is not self-bookable here now
    status, body = ready.call("GET", "/citizen/cases/case-knee/slots", who=PATIENT)
    assert status == 409 and "Mottagningen kontaktar dig" in body["error"]["message_sv"]


def test_another_citizen_can_neither_see_nor_take_nor_cancel_the_booking(ready: Api) -> None:
    slot_id = slots(ready, "case-knee")[0]["slot_id"]
    assert book(ready, "case-knee", slot_id, "book-key-0004")[0] == 201
    for method, path in (
        ("GET", "/citizen/cases/case-knee/slots"),
        ("GET", "/citizen/cases/case-knee/booking"),
        ("GET", "/citizen/cases/case-knee/booking.ics"),
        ("DELETE", "/citizen/cases/case-knee/booking"),
    ):
        status, _ = ready.call(method, path, who=OTHER)
        assert status == 404, path
    assert book(ready, "case-knee", slot_id, "other-key-002", who=OTHER)[0] == 404
    assert ready.call("GET", "/citizen/cases/case-knee/booking", who=PATIENT)[1]["booking"]["state"] == "booked"


def test_reschedule_moves_the_booking_and_frees_the_old_time(ready: Api) -> None:
    free = slots(ready, "case-knee")
    old, new = free[60]["slot_id"], free[62]["slot_id"]
    assert book(ready, "case-knee", old, "book-key-0005")[0] == 201
    status, moved = book(ready, "case-knee", new, "move-key-0001", method="PUT")
    assert status == 200 and moved["slot"]["slot_id"] == new
    offered = {s["slot_id"] for s in slots(ready, "case-knee")}
    assert old in offered and new not in offered


def _state(api: Api, case_id: str, *slot_ids: str) -> tuple[Any, ...]:
    store = api.container.booking._bookings
    current = store.current(TENANT, case_id)
    return (current.slot.slot_id, current.version, *(store.slot(TENANT, s)[1] for s in slot_ids))


def test_reschedule_failing_between_building_and_committing_changes_nothing(ready: Api) -> None:
    free = slots(ready, "case-knee")
    old, new = free[60]["slot_id"], free[62]["slot_id"]
    assert book(ready, "case-knee", old, "book-key-0006")[0] == 201
    before = _state(ready, "case-knee", old, new)
    assert before[2:] == ("case-knee", None)

    def fail(operation: str) -> None:
        raise RuntimeError(f"injected failure before committing {operation}")

    store = ready.container.booking._bookings
    store.before_commit = fail
    try:
        with pytest.raises(RuntimeError):
            ready.container.booking.reschedule(PATIENT, "case-knee", new, idempotency_key="move-key-0002")
    finally:
        store.before_commit = None
    assert _state(ready, "case-knee", old, new) == before
    # the key was not used up: the same request now goes through
    moved, _ = ready.container.booking.reschedule(PATIENT, "case-knee", new, idempotency_key="move-key-0002")
    assert _state(ready, "case-knee", old, new)[2:] == (None, "case-knee") and moved.slot.slot_id == new


def test_reschedule_losing_the_new_slot_to_someone_else_mid_way_changes_nothing(ready: Api) -> None:
    visit_case(ready.container, OTHER, "case-other")
    free = slots(ready, "case-knee")
    old, new = free[60]["slot_id"], free[62]["slot_id"]
    assert book(ready, "case-knee", old, "book-key-0007")[0] == 201
    before = _state(ready, "case-knee", old)
    store = ready.container.booking._bookings

    def someone_takes_it(operation: str) -> None:
        store.before_commit = None
        ready.container.booking.book(OTHER, "case-other", new, idempotency_key="other-key-003")

    store.before_commit = someone_takes_it
    with pytest.raises(SlotTaken):
        ready.container.booking.reschedule(PATIENT, "case-knee", new, idempotency_key="move-key-0003")
    store.before_commit = None
    assert _state(ready, "case-knee", old) == before
    assert store.slot(TENANT, new)[1] == "case-other"


def test_citizen_cancels_up_to_the_limit_and_later_is_told_the_limit(ready: Api) -> None:
    visit_case(ready.container, PATIENT, "case-soon")
    now = datetime.now(UTC)
    free = slots(ready, "case-knee")
    soon = next(s for s in free if datetime.fromisoformat(s["start"]) < now + timedelta(hours=20))
    later = next(s for s in free if datetime.fromisoformat(s["start"]) > now + timedelta(hours=30))
    assert book(ready, "case-soon", soon["slot_id"], "soon-key-0001")[0] == 201
    status, body = ready.call("DELETE", "/citizen/cases/case-soon/booking", who=PATIENT)
    assert status == 409 and "24 timmar" in body["error"]["message_sv"]
    assert book(ready, "case-knee", later["slot_id"], "book-key-0008")[0] == 201
    status, cancelled = ready.call("DELETE", "/citizen/cases/case-knee/booking", who=PATIENT)
    assert status == 200 and cancelled["state"] == "cancelled"
    assert later["slot_id"] in {s["slot_id"] for s in slots(ready, "case-knee")}
    assert ready.call("DELETE", "/citizen/cases/case-knee/booking", who=PATIENT)[0] == 200  # again: fine
    # a new booking after cancelling is the case's second
    status, rebooked = book(ready, "case-knee", later["slot_id"], "book-key-0009")
    assert status == 201 and rebooked["booking_id"] == "case-knee.2"


def test_ics_parses_back_with_the_time_place_and_unit_and_no_health_data(ready: Api) -> None:
    chosen = slots(ready, "case-knee")[5]
    assert book(ready, "case-knee", chosen["slot_id"], "book-key-0010")[0] == 201
    sent = {"Authorization": f"Bearer {ready.token(PATIENT)}"}
    response = ready.client.http.get("/citizen/cases/case-knee/booking.ics", headers=sent)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    text = response.body.decode()
    event = next(c for c in Calendar.from_ical(text).walk("VEVENT"))
    assert event.decoded("dtstart") == datetime.fromisoformat(chosen["start"])
    assert event.decoded("dtend") == datetime.fromisoformat(chosen["end"])
    assert str(event.get("summary")) == "Besök – Vårdcentralen A"
    assert str(event.get("location")) == "Storgatan 1, Huskvarna"
    for health in ("knä", "Knä", "Svullet", "P4", "Greta"):
        assert health not in text


def test_staff_calendar_shows_the_units_bookings_and_logs_each_patient(ready: Api) -> None:
    chosen = slots(ready, "case-knee")[2]
    assert book(ready, "case-knee", chosen["slot_id"], "book-key-0011")[0] == 201
    today = datetime.now(UTC).date()
    query = f"?from={(today - timedelta(days=1)).isoformat()}&to={(today + timedelta(days=8)).isoformat()}"
    status, calendar = ready.call("GET", f"/staff/units/{UNIT_A}/bookings{query}", who=DOCTOR)
    assert status == 200, calendar
    assert [(b["case_id"], b["patient_name"], b["state"]) for b in calendar["bookings"]] == [
        ("case-knee", "Greta Andersson", "booked")
    ]
    records = list(ready.container.audit_log.of_patient(TENANT, PATIENT.subject))
    assert [(r["actor"], r["action"], r["case_id"]) for r in records] == [("SE-DOC-1", "read_booking", "case-knee")]
    assert ready.call("GET", f"/staff/units/{UNIT_A}/bookings{query}", who=ELSEWHERE)[0] == 404
    status, body = ready.call("GET", f"/staff/units/{UNIT_A}/bookings?from=igår", who=DOCTOR)
    assert status == 422 and body["error"]["field"] == "from"


def test_no_show_is_refused_before_the_time_and_recorded_after(ready: Api) -> None:
    chosen = slots(ready, "case-knee")[2]
    _, booking = book(ready, "case-knee", chosen["slot_id"], "book-key-0012")
    path = f"/staff/bookings/{booking['booking_id']}/no-show"
    assert ready.call("POST", path, who=DOCTOR)[0] == 409
    assert ready.call("POST", path, who=ELSEWHERE)[0] == 404
    service = ready.container.booking
    service._clock = lambda: datetime.fromisoformat(chosen["start"]) + timedelta(minutes=10)
    try:
        status, marked = ready.call("POST", path, who=DOCTOR)
    finally:
        service._clock = bootstrap.utc_now
    assert status == 200 and marked["state"] == "no_show"
    assert ready.call("GET", "/citizen/cases/case-knee/booking", who=PATIENT)[1]["booking"]["state"] == "no_show"


def test_staff_cancel_at_any_time_with_a_message_the_patient_sees(ready: Api) -> None:
    chosen = slots(ready, "case-knee")[0]  # within the citizen's limit: staff may still cancel
    _, booking = book(ready, "case-knee", chosen["slot_id"], "book-key-0013")
    path = f"/staff/bookings/{booking['booking_id']}"
    assert ready.call("DELETE", path, who=DOCTOR, body={"message": ""})[0] == 422
    status, cancelled = ready.call("DELETE", path, who=DOCTOR, body={"message": "Doktorn är sjuk idag."})
    assert status == 200 and cancelled["state"] == "cancelled"
    seen = ready.call("GET", "/citizen/cases/case-knee/booking", who=PATIENT)[1]["booking"]
    assert seen["state"] == "cancelled" and seen["message"] == "Doktorn är sjuk idag."
    status, messages = ready.call("GET", "/cases/case-knee/messages", who=PATIENT)
    assert any("Doktorn är sjuk idag." in m["text"] for m in messages["messages"])
    assert chosen["slot_id"] in {s["slot_id"] for s in slots(ready, "case-knee")}


def test_staff_offer_times_in_the_chat_and_the_citizen_books_one(api: Api) -> None:
    setup_schedule(api.container, profession="nurse", form="video", hsa="SE-NURSE-1")
    case = send_case(api, PATIENT)  # a nurse's chat case: no self-booking
    case_id = case["case_id"]
    status, offerable = api.call("GET", f"/staff/cases/{case_id}/slots?form=video", who=NURSE)
    assert status == 200 and len(offerable["slots"]) > 3
    chosen = [s["slot_id"] for s in offerable["slots"][:3]]
    status, message = api.call(
        "POST", f"/staff/cases/{case_id}/offer", who=NURSE, body={"slot_ids": chosen, "client_id": "offer-1"}
    )
    assert status == 201 and message["kind"] == "booking_offer" and message["slot_ids"] == chosen
    assert (
        api.call("POST", f"/staff/cases/{case_id}/offer", who=ELSEWHERE, body={"slot_ids": chosen, "client_id": "x"})[0]
        == 404
    )
    _, messages = api.call("GET", f"/cases/{case_id}/messages", who=PATIENT)
    assert [m["slot_ids"] for m in messages["messages"] if m["kind"] == "booking_offer"] == [chosen]
    # the message says what the times are (when, how, where, with whom), as they were offered, for both sides
    fields = ("slot_id", "start", "end", "form", "location", "staff_name")
    expected = [{k: s[k] for k in fields} for s in offerable["slots"][:3]]
    assert [{k: t[k] for k in fields} for t in message["slots"]] == expected
    (stored,) = [m for m in messages["messages"] if m["kind"] == "booking_offer"]
    assert stored["slots"] == message["slots"] and {t["form"] for t in stored["slots"]} == {"video"}
    assert api.call("GET", f"/citizen/cases/{case_id}/slots", who=PATIENT)[0] == 409
    _, overview = api.call("GET", f"/citizen/cases/{case_id}/booking", who=PATIENT)
    assert overview == {"booking": None, "can_self_book": False, "offered_free": 3}
    status, offered = api.call("GET", f"/citizen/cases/{case_id}/offered-slots", who=PATIENT)
    assert status == 200 and [s["slot_id"] for s in offered["slots"]] == chosen
    assert api.call("GET", f"/citizen/cases/{case_id}/offered-slots", who=OTHER)[0] == 404
    not_offered = offerable["slots"][5]["slot_id"]
    assert book(api, case_id, not_offered, "chat-key-0001")[0] == 409
    status, booking = book(api, case_id, chosen[1], "chat-key-0002")
    assert status == 201 and booking["slot"]["form"] == "video"


def test_materialising_again_creates_nothing_and_reminders_are_marked_once(ready: Api) -> None:
    service = ready.container.booking
    assert service.materialise(TENANT, weeks=1) == 0
    now = datetime.now(UTC)
    soon = next(s for s in slots(ready, "case-knee") if datetime.fromisoformat(s["start"]) > now + timedelta(hours=2))
    assert book(ready, "case-knee", soon["slot_id"], "book-key-0014")[0] == 201
    marked = service.reminders_due(TENANT)
    assert [b.case_id for b in marked] == ["case-knee"]
    assert service.reminders_due(TENANT) == []
    assert service._bookings.current(TENANT, "case-knee").reminder_sent_at is not None
