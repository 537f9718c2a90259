"""Races against the embedded AWS server over HTTP: exactly one winner, nothing lost, nothing doubled.

Each race starts its threads at one barrier and then checks what a user would notice: who won, the clear Conflict
the others got, the stored items afterwards, and the table's stream — every change that succeeded is one record
with the next version, and becomes the domain events the case's timeline shows (``events_from_change``), once.
The embedded AWS serves one request at a time, so a race is between requests, as in DynamoDB: every read-then-write
in Nära must hold by its conditional write. The figures are in docs/reliability.md ("Concurrency").
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from time import sleep
from typing import Any

import pytest

from chalicelib.adapters.dynamo import decode_stream_image
from chalicelib.domain.booking import Availability, Booking, SlotTaken
from chalicelib.domain.errors import Conflict, Forbidden
from chalicelib.domain.events import DomainEvent, events_from_change
from chalicelib.domain.model import Case, Principal, PrincipalKind, UnitRole

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
UNIT = "u1"
SELF_BOOKING = {"self_booking": {"professions": ["doctor"], "priorities": ["P3", "P4"], "cancel_limit_hours": 24}}
TAKEN_SV = "Tiden togs precis av någon annan. Välj en annan tid."
CLOSED_SV = "Ärendet är redan avslutat."
PER_SIDE = 10  # chat messages each side sends in the retry race
BUSY_SV = "Chatten är mycket upptagen just nu; skicka meddelandet igen."


# --- helpers ---


def figure(text: str) -> None:
    """A measured outcome, for docs/reliability.md: shown with ``pytest -s``."""
    print(f"[concurrency] {text}")


def at_once(count: int, act: Callable[[int], Any]) -> list[Any]:
    """Run ``act(0..count-1)`` in ``count`` threads released together; each one's result or the exception raised."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = act(i)
        except Exception as error:  # the outcome of this attempt: asserted by the caller
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Make the calls at once, a thread each; each one's result or the exception raised, in order."""
    return at_once(len(calls), lambda i: calls[i]())


def staff(tenant: str, hsa: str, *roles: tuple[str, str]) -> Principal:
    return Principal(
        tenant, PrincipalKind.STAFF, hsa, f"Namn {hsa}", "siths", "loa3", tuple(UnitRole(u, r) for u, r in roles)
    )


def citizen(tenant: str, subject: str) -> Principal:
    return Principal(tenant, PrincipalKind.CITIZEN, subject, f"Invånare {subject}", "bankid", "loa3")


def new_case(container: Any, case_id: str, *, patient: str = "p1", now: datetime = NOW, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "case_id": case_id,
        "tenant": container.settings.tenant,
        "unit_id": UNIT,
        "patient_ref": patient,
        "reason": "Halsont",
        "free_text": "",
        "priority": "P3",
        "profession": "nurse",
        "now": now,
    }
    values.update(fields)
    case = Case.submit(**values)
    return container.cases._cases.create(case, now=now, idempotency=(patient, f"key-{case_id}", "h", {}))  # type: ignore[no-any-return]


class Stream:
    """The records of the region's table stream (its table is this test's own), decoded, oldest first."""

    def __init__(self, aws_server: Any, container: Any) -> None:
        table = aws_server.client("dynamodb").describe_table(TableName=container.settings.table_name)["Table"]
        streams = aws_server.client("dynamodbstreams")
        self.records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=table["LatestStreamArn"])["StreamDescription"]["Shards"]:
            iterator = streams.get_shard_iterator(
                StreamArn=table["LatestStreamArn"], ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            while iterator:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                if not page["Records"]:
                    break
                self.records.extend(page["Records"])
                iterator = page.get("NextShardIterator")

    def changes(self, case_id: str, entity: str) -> list[tuple[dict[str, Any] | None, dict[str, Any] | None, str]]:
        """(old, new, event id) of each change to items of ``entity`` of the case."""
        found = []
        for record in self.records:
            old = decode_stream_image(record["dynamodb"].get("OldImage"))
            new = decode_stream_image(record["dynamodb"].get("NewImage"))
            image = new or old or {}
            if image.get("type") == entity and image.get("case_id") == case_id:
                found.append((old, new, str(record["eventID"])))
        return found

    def events(self, case_id: str) -> list[DomainEvent]:
        """The domain events the case's changes became (the case item, its messages and booking)."""
        return [
            event
            for entity in ("case", "message", "booking")
            for old, new, event_id in self.changes(case_id, entity)
            for event in events_from_change(event_id=event_id, entity=entity, old=old, new=new)
        ]

    def case_versions(self, case_id: str) -> list[int]:
        """The case item's version after each stored change."""
        return [int(new["version"]) for _, new, _ in self.changes(case_id, "case") if new is not None]


def types(events: list[DomainEvent]) -> list[str]:
    return [e.type for e in events]


# --- double booking ---


def _bookable_unit(container: Any) -> None:
    """A doctor bookable around the clock at the unit for a week, and self-booking for P3/P4 doctor cases."""
    tenant = container.settings.tenant
    container.directory.put_unit(tenant, UNIT, "Vårdcentralen", {"professions": ["doctor", "nurse"]})
    container.directory.put_region(tenant, SELF_BOOKING)
    container.booking._bookings.put_availability(
        tenant,
        Availability(
            availability_id="a1",
            unit_id=UNIT,
            staff_hsa_id="SE-DOC-1",
            staff_name="Dr Berg",
            profession="doctor",
            form="physical",
            length_minutes=60,
            location="Storgatan 1",
            weekdays=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
            start=time(0, 0),
            end=time(23, 0),
            valid_from=date(2026, 1, 1),
        ),
    )
    assert container.booking.materialise(tenant, weeks=1) > 0


def _visit_case(container: Any, who: Principal, case_id: str, priority: str) -> Case:
    now = datetime.now(UTC)
    return new_case(
        container,
        case_id,
        patient=who.subject,
        now=now,
        priority=priority,
        profession="doctor",
        disposition="physical",
        triage={"deadline": (now + timedelta(days=7)).isoformat()},
    )


def test_fifty_citizens_on_one_slot_self_booked_or_offered_give_one_booking_and_49_clear_conflicts(
    aws_server: Any, server_container: Any
) -> None:
    """25 citizens may book themselves (P4); 25 others (P2) were offered the same time in their chat by a doctor.
    All 50 book it at once: one booking, 49 "taken" with other free times, and nothing of the losers stored."""
    tenant = server_container.settings.tenant
    service = server_container.booking
    _bookable_unit(server_container)
    doctor = staff(tenant, "SE-DOC-1", (UNIT, "doctor"))
    citizens = [citizen(tenant, f"patient-{i}") for i in range(50)]
    for i, who in enumerate(citizens):
        _visit_case(server_container, who, f"race-{i}", "P4" if i % 2 == 0 else "P2")
    target = service.free_slots(citizens[0], "race-0", None)[1][4]
    for i in range(1, 50, 2):  # not self-bookable: the time is offered in the chat
        service.offer(doctor, f"race-{i}", [target.slot_id], client_id=f"offer-{i}")
    assert {s.slot_id for s in service.offered_slots(citizens[1], "race-1")[1]} == {target.slot_id}

    outcomes = at_once(
        50, lambda i: service.book(citizens[i], f"race-{i}", target.slot_id, idempotency_key=f"race-key-{i:04d}")[0]
    )

    won = [o for o in outcomes if isinstance(o, Booking)]
    refused = [o for o in outcomes if isinstance(o, SlotTaken)]
    assert len(won) == 1 and len(refused) == 49, [o for o in outcomes if not isinstance(o, Booking | SlotTaken)][:3]
    winner = won[0].case_id
    figure("50 citizens (25 self-booking, 25 offered) book one slot: 1 booking, 49 slot_taken (409)")
    assert {e.message_sv for e in refused} == {TAKEN_SV} and {e.code for e in refused} == {"slot_taken"}
    assert all(e.alternatives and target.slot_id not in {a.slot_id for a in e.alternatives} for e in refused)
    # the slot: held by the winner, gone from the free times
    assert service._bookings.slot(tenant, target.slot_id)[1] == winner
    free_now = service._bookings.free_slots(tenant, UNIT, "doctor", "physical", target.start, target.end)
    assert target.slot_id not in {s.slot_id for s in free_now}
    # one booking in all: the winner's; the unit's calendar shows it once
    bookings = {f"race-{i}": service._bookings.current(tenant, f"race-{i}") for i in range(50)}
    assert [case_id for case_id, b in bookings.items() if b is not None] == [winner]
    assert bookings[winner].slot.slot_id == target.slot_id and bookings[winner].state.value == "booked"
    calendar = service._bookings.of_unit(tenant, UNIT, target.start, target.end)
    assert [b.case_id for b in calendar] == [winner]
    stream = Stream(aws_server, server_container)
    assert [types(stream.events(f"race-{i}")).count("AppointmentBooked") for i in range(50)] == [
        int(f"race-{i}" == winner) for i in range(50)
    ]
    # a loser's key was not used up: the same key books one of the alternatives offered
    loser = next(i for i in range(0, 50, 2) if f"race-{i}" != winner)
    alternative = refused[0].alternatives[0]
    again, _ = service.book(
        citizens[loser], f"race-{loser}", alternative.slot_id, idempotency_key=f"race-key-{loser:04d}"
    )
    assert again.slot.slot_id == alternative.slot_id and service._bookings.slot(tenant, target.slot_id)[1] == winner


@pytest.mark.parametrize("keys", ["one key", "a new key each"])
def test_fifty_parallel_sends_of_one_citizens_booking_make_one_booking_and_all_get_it(
    aws_server: Any, server_container: Any, keys: str
) -> None:
    """A client retrying while its first request is still running ("one key"), or a citizen clicking "Boka" again
    and again ("a new key each"): 50 sends at once, one booking, and every send answers that booking — none says
    that someone else took the time."""
    tenant = server_container.settings.tenant
    service = server_container.booking
    _bookable_unit(server_container)
    anna = citizen(tenant, "patient-anna")
    _visit_case(server_container, anna, "c-anna", "P4")
    target = service.free_slots(anna, "c-anna", None)[1][2]

    def send(i: int) -> Booking:
        key = "anna-key-0001" if keys == "one key" else f"anna-key-{i:04d}"
        return service.book(anna, "c-anna", target.slot_id, idempotency_key=key)[0]  # type: ignore[no-any-return]

    outcomes = at_once(50, send)

    assert [o for o in outcomes if not isinstance(o, Booking)] == []
    assert {(o.booking_id, o.slot.slot_id) for o in outcomes} == {("c-anna.1", target.slot_id)}
    figure(f"one citizen's booking sent 50 times at once ({keys}): 1 booking, 50 answers of it")
    assert service._bookings.slot(tenant, target.slot_id)[1] == "c-anna"
    stored = service._bookings.current(tenant, "c-anna")
    assert stored is not None and stored.booking_id == "c-anna.1" and stored.version == 1
    assert types(Stream(aws_server, server_container).events("c-anna")) == ["CaseSubmitted", "AppointmentBooked"]


def test_a_reschedule_and_a_cancel_each_sent_many_times_at_once_apply_once(
    aws_server: Any, server_container: Any
) -> None:
    """20 sends at once of one reschedule (one key), then 10 of the cancel: each is done once and every send
    answers the result; the old time is free again, then the new one too."""
    tenant = server_container.settings.tenant
    service, slots = server_container.booking, server_container.booking._bookings
    _bookable_unit(server_container)
    anna = citizen(tenant, "patient-anna")
    _visit_case(server_container, anna, "c-anna", "P4")
    free = service.free_slots(anna, "c-anna", None)[1]
    old, new = free[40], free[42]  # beyond the 24 hours within which only the unit can change a time
    service.book(anna, "c-anna", old.slot_id, idempotency_key="anna-book-0001")

    moved = at_once(20, lambda i: service.reschedule(anna, "c-anna", new.slot_id, idempotency_key="anna-move-0001")[0])

    assert [o for o in moved if not isinstance(o, Booking)] == []
    assert {(o.booking_id, o.slot.slot_id, o.state.value) for o in moved} == {("c-anna.1", new.slot_id, "booked")}
    assert (slots.slot(tenant, old.slot_id)[1], slots.slot(tenant, new.slot_id)[1]) == (None, "c-anna")
    assert slots.current(tenant, "c-anna").version == 2

    cancelled = at_once(10, lambda i: service.cancel(anna, "c-anna")[0])

    assert [o for o in cancelled if not isinstance(o, Booking)] == []
    assert {(o.booking_id, o.state.value) for o in cancelled} == {("c-anna.1", "cancelled")}
    assert (slots.slot(tenant, old.slot_id)[1], slots.slot(tenant, new.slot_id)[1]) == (None, None)
    free_now = {s.slot_id for s in slots.free_slots(tenant, UNIT, "doctor", "physical", old.start, new.end)}
    assert {old.slot_id, new.slot_id} <= free_now
    assert slots.current(tenant, "c-anna").version == 3
    assert types(Stream(aws_server, server_container).events("c-anna")) == [
        "CaseSubmitted",
        "AppointmentBooked",
        "AppointmentRescheduled",
        "AppointmentCancelled",
    ]


def test_a_staff_cancel_clicked_ten_times_at_once_cancels_once_with_one_message(
    aws_server: Any, server_container: Any
) -> None:
    tenant = server_container.settings.tenant
    service, slots = server_container.booking, server_container.booking._bookings
    _bookable_unit(server_container)
    anna = citizen(tenant, "patient-anna")
    doctor = staff(tenant, "SE-DOC-1", (UNIT, "doctor"))
    _visit_case(server_container, anna, "c-anna", "P4")
    target = service.free_slots(anna, "c-anna", None)[1][3]
    service.book(anna, "c-anna", target.slot_id, idempotency_key="anna-book-0001")

    outcomes = at_once(10, lambda i: service.cancel_by_staff(doctor, "c-anna.1", "Doktorn är sjuk."))

    assert [o for o in outcomes if not isinstance(o, Booking)] == []
    assert {(o.state.value, o.cancelled_by, o.reason) for o in outcomes} == {
        ("cancelled", doctor.subject, "Doktorn är sjuk.")
    }
    assert slots.slot(tenant, target.slot_id)[1] is None and slots.current(tenant, "c-anna").version == 2
    texts = [m.text for m in server_container.cases._cases.messages(tenant, "c-anna")]
    assert texts == ["Din bokade tid har avbokats av mottagningen. Doktorn är sjuk."]
    events = types(Stream(aws_server, server_container).events("c-anna"))
    assert events.count("AppointmentCancelled") == 1 and events.count("MessagePosted") == 1


# --- case claim ---


def test_of_ten_simultaneous_claims_exactly_one_wins_and_nine_get_a_clear_conflict(
    aws_server: Any, server_container: Any
) -> None:
    tenant = server_container.settings.tenant
    store = server_container.handling._cases
    created = new_case(server_container, "c-race")
    nurses = [staff(tenant, f"SE-N{i}", (UNIT, "nurse")) for i in range(10)]

    outcomes = at_once(10, lambda i: server_container.handling.claim(nurses[i], "c-race"))

    won = [o.claimed_by for o in outcomes if isinstance(o, Case)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(refused) == 9, outcomes
    assert {e.message_sv for e in refused} == {"Ärendet har redan tagits av en kollega."}
    stored = store.get(tenant, "c-race")
    assert stored.status.value == "claimed" and stored.claimed_by == won[0] and stored.claimed_at is not None
    assert stored.version == created.version + 1  # one write: the winner's
    assert store.queue(tenant, UNIT, "nurse") == []
    assert [c.case_id for c in store.held_by(tenant, won[0])] == ["c-race"]
    assert all(store.held_by(tenant, n.subject) == [] for n in nurses if n.subject != won[0])
    stream = Stream(aws_server, server_container)
    assert stream.case_versions("c-race") == [created.version, created.version + 1]
    claimed = [e for e in stream.events("c-race") if e.type == "CaseClaimed"]
    assert [e.data["claimed_by"] for e in claimed] == won
    # every attempt was an access to the case: ten records, one per nurse
    records = list(server_container.audit_log.of_patient(tenant, "p1"))
    assert sorted(r["actor"] for r in records) == sorted(n.subject for n in nurses)


def test_release_racing_five_colleagues_claiming_gives_the_case_to_exactly_one_of_them(
    aws_server: Any, server_container: Any
) -> None:
    """The holder puts the case back while five colleagues keep clicking "Ta ärende" until they see it taken by
    someone, ten rounds: the release goes through, exactly one colleague gets the case, the four others are told
    a colleague has it; the case was never held by two nor lost from both queue and holder."""
    tenant = server_container.settings.tenant
    handling, store = server_container.handling, server_container.handling._cases
    holder = staff(tenant, "SE-HOLDER", (UNIT, "nurse"))
    others = [staff(tenant, f"SE-C{i}", (UNIT, "nurse")) for i in range(5)]
    early = 0  # claims refused because the holder still had it

    def keep_claiming(nurse: Principal, case_id: str) -> Case | Conflict:
        nonlocal early
        for _ in range(200):
            try:
                return handling.claim(nurse, case_id)  # type: ignore[no-any-return]
            except Conflict as refused:
                holder_now = store.get(tenant, case_id).claimed_by  # what the live queue shows them
                if holder_now not in (None, holder.subject):
                    return refused  # a colleague has it: they stop
                early += 1
                sleep(0.002)
        raise AssertionError("the case never came back to the queue")

    for round_ in range(10):
        case_id = f"c-release-{round_}"
        new_case(server_container, case_id)
        claimed = handling.claim(holder, case_id)

        outcomes = race(
            partial(handling.release, holder, case_id), *(partial(keep_claiming, o, case_id) for o in others)
        )

        assert isinstance(outcomes[0], Case), outcomes[0]
        won = [o.claimed_by for o in outcomes[1:] if isinstance(o, Case)]
        refused = [o for o in outcomes[1:] if isinstance(o, Conflict)]
        assert len(won) == 1 and len(refused) == 4, outcomes
        assert {e.message_sv for e in refused} == {"Ärendet har redan tagits av en kollega."}
        stored = store.get(tenant, case_id)
        assert (stored.status.value, stored.claimed_by) == ("claimed", won[0])
        assert stored.version == claimed.version + 2  # the release and the one claim
        assert store.queue(tenant, UNIT, "nurse") == [] and store.held_by(tenant, holder.subject) == []
        assert [c.case_id for c in store.held_by(tenant, won[0])] == [case_id]
        handling.close(staff(tenant, won[0], (UNIT, "nurse")), case_id, outcome="no_action", summary="Klart.")
    stream = Stream(aws_server, server_container)
    for round_ in range(10):
        events = stream.events(f"c-release-{round_}")
        assert types(events) == ["CaseSubmitted", "CaseClaimed", "CaseQueued", "CaseClaimed", "CaseClosed"]
        versions = stream.case_versions(f"c-release-{round_}")
        assert versions == list(range(versions[0], versions[0] + 5))
    figure(f"release vs 5 colleagues claiming, 10 rounds: 10 releases, 10 single winners, {early} early refusals")


# --- chat: retries from both sides ---


def test_both_sides_posting_with_retries_store_every_message_once_numbered_without_gaps(
    aws_server: Any, server_container: Any
) -> None:
    """A nurse and the patient each send 10 messages; every message is sent three times (the client's retries),
    all 60 sends at once. Each message is stored once, numbered 1..20, pushed once (created once), and the case
    keeps the count and when staff first wrote; then both sides mark read at once, up to every number."""
    tenant = server_container.settings.tenant
    chat, store = server_container.chat, server_container.cases._cases
    created = new_case(server_container, "c-chat", patient="p-chat")
    nurse = staff(tenant, "SE-S1", (UNIT, "nurse"))
    patient = citizen(tenant, "p-chat")
    sends = [(who, f"{side}-{k:02d}") for side, who in (("n", nurse), ("c", patient)) for k in range(PER_SIDE)]
    n = len(sends)

    busy: list[Conflict] = []

    def send(i: int) -> tuple[Any, bool]:
        """One send as the client makes it: "the chat is busy, send again" (409) is sent again, at most 5 times."""
        who, client_id = sends[i % len(sends)]
        for _ in range(5):
            try:
                return chat.post(who, "c-chat", text=f"text of {client_id}", client_id=client_id)  # type: ignore[no-any-return]
            except Conflict as error:
                if error.message_sv != BUSY_SV:
                    raise
                busy.append(error)
        raise AssertionError(f"{client_id}: still busy after 5 sends")

    outcomes = at_once(3 * len(sends), send)

    assert [o for o in outcomes if not isinstance(o, tuple)] == []
    assert len(busy) <= len(outcomes) // 4, f"{len(busy)} busy answers"
    figure(f"{3 * n} sends of {n} messages (2 senders, each sent 3 times): {n} stored, {len(busy)} busy 409s resent")
    assert sorted(m.client_id for m, created_now in outcomes if created_now) == sorted(c for _, c in sends)
    stored = store.messages(tenant, "c-chat")
    assert [m.seq for m in stored] == list(range(1, n + 1))
    assert sorted(m.client_id for m in stored) == sorted(c for _, c in sends)
    assert all(m.text == f"text of {m.client_id}" for m in stored)
    assert all(m.sender_id == (nurse.subject if m.client_id[0] == "n" else "p-chat") for m in stored)
    # every send of a message answered the stored one (its number), never a second copy
    by_client = {m.client_id: m.seq for m in stored}
    assert all(m.seq == by_client[m.client_id] for m, _ in outcomes)
    case = store.get(tenant, "c-chat")
    assert case.message_seq == n and case.version == created.version + n
    first_staff = min(m.sent_at for m in stored if m.sender_id == nurse.subject)
    assert case.first_contact_at is not None and first_staff <= case.first_contact_at
    assert len(server_container.chat._stats.first_contacts(tenant, UNIT, "nurse")) == 1
    stream = Stream(aws_server, server_container)
    posted = [e.data["seq"] for e in stream.events("c-chat") if e.type == "MessagePosted"]
    assert sorted(posted) == list(range(1, n + 1))
    assert stream.case_versions("c-chat") == list(range(created.version, created.version + n + 1))

    # read marks: both sides mark every number at once; each ends at the last, unread 0 on both sides
    marks = at_once(2 * n, lambda i: chat.mark_read(nurse if i % 2 else patient, "c-chat", i // 2 + 1))
    assert [m for m in marks if not hasattr(m, "seq")] == []
    assert chat.history(patient, "c-chat").reads.seq == {"citizen": n, "staff": n}
    assert store.get(tenant, "c-chat").version == case.version  # reading never writes the case


# --- override and close of the same case ---


def test_override_racing_close_either_lands_before_the_close_or_is_refused_never_half(
    aws_server: Any, server_container: Any
) -> None:
    """The nurse holding a case changes its priority (P3 → P2) in one tab and closes it in another, at once, 20
    rounds. Either the close wins and the override is refused ("already closed"), or the override is stored and
    the close goes through after it. The stored case and its events say exactly what succeeded."""
    tenant = server_container.settings.tenant
    handling, store = server_container.handling, server_container.handling._cases
    nurse = staff(tenant, "SE-S1", (UNIT, "nurse"))
    tally: Counter[str] = Counter()
    for round_ in range(20):
        case_id = f"c-oc-{round_}"
        new_case(server_container, case_id)
        claimed = handling.claim(nurse, case_id)

        override, close = race(
            partial(handling.override, nurse, case_id, priority="P2", profession=None, reason="Andningsbesvär"),
            partial(handling.close, nurse, case_id, outcome="advice_given", summary="Råd givet."),
        )

        assert isinstance(close, Case), close
        stored = store.get(tenant, case_id)
        assert (stored.status.value, stored.closed_by, stored.close_outcome) == (
            "closed",
            nurse.subject,
            "advice_given",
        )
        assert stored.close_summary == "Råd givet." and stored.claimed_by == nurse.subject
        if isinstance(override, Case):
            (entry,) = stored.overrides
            assert (entry["from_priority"], entry["to_priority"], entry["reason"]) == ("P3", "P2", "Andningsbesvär")
            assert stored.priority == "P2" and stored.deadline is not None
            assert stored.version == claimed.version + 2
            tally["override, then close"] += 1
        else:
            assert isinstance(override, Conflict) and override.message_sv == CLOSED_SV, override
            assert stored.priority == "P3" and stored.overrides == []
            assert stored.version == claimed.version + 1
            tally["close; override refused"] += 1
    stream = Stream(aws_server, server_container)
    for round_ in range(20):
        case_id = f"c-oc-{round_}"
        stored = store.get(tenant, case_id)
        decided = ["TriageOverridden", "CaseClosed"] if stored.overrides else ["CaseClosed"]
        assert types(stream.events(case_id)) == ["CaseSubmitted", "CaseClaimed", *decided]
        versions = stream.case_versions(case_id)
        assert versions == list(range(versions[0], stored.version + 1))
    assert sum(tally.values()) == 20
    figure(f"priority override vs close, 20 rounds: {dict(tally)}")


def test_profession_override_racing_close_has_exactly_one_winner(aws_server: Any, server_container: Any) -> None:
    """Changing the profession sends a held case back to the queue, so it and the close cannot both succeed: 10
    rounds, exactly one wins; the case is either closed as it was or queued for the doctor, never closed with the
    new profession or queued with a closing note."""
    tenant = server_container.settings.tenant
    handling, store = server_container.handling, server_container.handling._cases
    nurse = staff(tenant, "SE-S1", (UNIT, "nurse"))
    tally: Counter[str] = Counter()
    for round_ in range(10):
        case_id = f"c-op-{round_}"
        new_case(server_container, case_id)
        claimed = handling.claim(nurse, case_id)

        override, close = race(
            partial(handling.override, nurse, case_id, priority=None, profession="doctor", reason="Läkarbedömning"),
            partial(handling.close, nurse, case_id, outcome="no_action", summary="Ingen åtgärd."),
        )

        assert isinstance(override, Case) != isinstance(close, Case), (override, close)
        if isinstance(override, Case):  # the case is a doctor's now: the nurse is told so
            assert isinstance(close, Forbidden) and "doctor" in close.message, close
        else:
            assert isinstance(override, Conflict) and override.message_sv == CLOSED_SV, override
        stored = store.get(tenant, case_id)
        assert stored.version == claimed.version + 1
        if isinstance(override, Case):
            assert (stored.status.value, stored.profession, stored.claimed_by) == ("queued", "doctor", None)
            assert stored.closed_at is None and stored.close_summary is None
            assert [c.case_id for c in store.queue(tenant, UNIT, "doctor")] == [case_id]
            handling.claim(staff(tenant, "SE-D1", (UNIT, "doctor")), case_id)  # out of the queue for the next round
        else:
            assert (stored.status.value, stored.profession, stored.overrides) == ("closed", "nurse", [])
        tally["override won (close 403)" if isinstance(override, Case) else "close won (override 409)"] += 1
    stream = Stream(aws_server, server_container)
    for round_ in range(10):
        events = types(stream.events(f"c-op-{round_}"))
        assert events in (
            ["CaseSubmitted", "CaseClaimed", "CaseClosed"],
            ["CaseSubmitted", "CaseClaimed", "TriageOverridden", "CaseClaimed"],
        ), events
    figure(f"profession override vs close, 10 rounds: {dict(tally)}")


# --- hand-over and close ---


def test_hand_over_racing_close_has_exactly_one_winner(aws_server: Any, server_container: Any) -> None:
    """The holder hands the case to a colleague in one tab and closes it in another, 10 rounds: either the
    colleague holds it open, or it is closed by the holder — never closed and handed over."""
    tenant = server_container.settings.tenant
    handling, store = server_container.handling, server_container.handling._cases
    holder = staff(tenant, "SE-S1", (UNIT, "nurse"))
    colleague = "SE-S2"
    server_container.directory.put_staff(tenant, colleague, "Kollega", [{"unit_id": UNIT, "role": "nurse"}])
    tally: Counter[str] = Counter()
    for round_ in range(10):
        case_id = f"c-hc-{round_}"
        new_case(server_container, case_id)
        claimed = handling.claim(holder, case_id)

        hand, close = race(
            partial(handling.hand_over, holder, case_id, colleague),
            partial(handling.close, holder, case_id, outcome="advice_given", summary="Råd givet."),
        )

        assert isinstance(hand, Case) != isinstance(close, Case), (hand, close)
        assert isinstance(close if isinstance(hand, Case) else hand, Conflict)
        stored = store.get(tenant, case_id)
        assert stored.version == claimed.version + 1
        if isinstance(hand, Case):
            assert (stored.status.value, stored.claimed_by, stored.handed_by) == ("claimed", colleague, holder.subject)
            assert (
                stored.closed_at is None
                and close.message_sv == "En kollega hanterar ärendet; bara hen kan avsluta det."
            )
        else:
            assert (stored.status.value, stored.claimed_by, stored.closed_by) == (
                "closed",
                holder.subject,
                holder.subject,
            )
            assert hand.message_sv == CLOSED_SV
        tally["hand-over won" if isinstance(hand, Case) else "close won"] += 1
    stream = Stream(aws_server, server_container)
    for round_ in range(10):
        events = stream.events(f"c-hc-{round_}")
        assert types(events)[:2] == ["CaseSubmitted", "CaseClaimed"] and len(events) == 3
        assert types(events)[2] == "CaseClosed" or events[2].data["handed_by"] == holder.subject
    figure(f"hand-over vs close, 10 rounds: {dict(tally)}")
