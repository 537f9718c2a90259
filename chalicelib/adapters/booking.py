"""Schedules, slots and bookings in the tenant's main table. Every key of booking is built here, tenant first.

Items (see docs/booking.md):

- availability and exceptions of a unit: pk ``T#{t}#AVAIL#{unit}``, sk ``AV#{id}`` / ``EX#{id}`` (one Query per unit),
  each with who changed it last and when; written on the version read; a removed one stays as a tombstone (who
  removed it) until its TTL;
- a slot: pk ``T#{t}#SLOT#{slot_id}``, sk ``SLOT`` (taking it is a conditional update of this one item);
  while it is free it is also in the queue index (gsi1) under ``T#{t}#FREE#{unit}#{profession}#{form}``, sorted by
  ``{start}#{slot_id}``: a sparse index, so a citizen's search for free times of one unit, profession and visit form
  over a date range is **one Query** that reads only free slots. Taking a slot removes it from that index; releasing
  puts it back. All of a unit's slots are in gsi2 under ``T#{t}#SLOTS#{unit}`` (for materialising without rewrites);
- a booking: under its case, pk ``T#{t}#CASE#{case_id}``, sk ``BOOKING`` (the case's current booking; its stream
  records become the case's timeline events); in gsi2 under ``T#{t}#BOOKINGS#{unit}`` sorted by start, so a unit's
  calendar for a day or a week is one Query.

Taking a slot, rescheduling and cancelling are each **one TransactWrite**: slot(s), booking and the idempotency
record commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import keys
from chalicelib.adapters.dynamo import Entity, IdempotencyItem, _create_once, condition_failed
from chalicelib.domain.booking import (
    Availability,
    Booking,
    BookingState,
    ScheduleEntry,
    ScheduleException,
    Slot,
    SlotTaken,
)
from chalicelib.domain.errors import Conflict

BOOKING_SK = "BOOKING"
SLOT_SK = "SLOT"
IDEMPOTENCY_TTL = timedelta(days=2)
REMOVED_KEPT = timedelta(days=30)  # a removed availability or exception is remembered this long (who, when)
AVAILABILITY_PREFIX, EXCEPTION_PREFIX = "AV#", "EX#"

# (tenant-scoped subject, key, request hash, result) as in DynamoCases
Idempotency = tuple[str, str, str, dict[str, Any]]


def availability_pk(tenant: str, unit_id: str) -> str:
    return f"T#{tenant}#AVAIL#{unit_id}"


def slot_pk(tenant: str, slot_id: str) -> str:
    return f"T#{tenant}#SLOT#{slot_id}"


def free_pk(tenant: str, unit_id: str, profession: str, form: str) -> str:
    return f"T#{tenant}#FREE#{unit_id}#{profession}#{form}"


def unit_slots_pk(tenant: str, unit_id: str) -> str:
    return f"T#{tenant}#SLOTS#{unit_id}"


def unit_bookings_pk(tenant: str, unit_id: str) -> str:
    return f"T#{tenant}#BOOKINGS#{unit_id}"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time_sk(at: datetime, item_id: str) -> str:
    return f"{_iso(at)}#{item_id}"


class _ScheduleItem(Entity):
    """What availability and exceptions share: who changed them last, and when; a removed one is a tombstone (who
    removed it, the version removed) until its TTL."""

    tenant = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    details = JSONAttribute()
    updated_by = UnicodeAttribute(null=True)
    updated_by_name = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    removed_at = UTCDateTimeAttribute(null=True)
    removed_version = NumberAttribute(null=True)


class AvailabilityItem(_ScheduleItem, discriminator="availability"):
    pass


class ScheduleExceptionItem(_ScheduleItem, discriminator="schedule_exception"):
    pass


class SlotItem(Entity, discriminator="booking_slot"):
    tenant = UnicodeAttribute()
    slot_id = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    details = JSONAttribute()  # Slot.to_dict()
    taken_by = UnicodeAttribute(null=True)  # the case holding it; absent: free


class BookingItem(Entity, discriminator="booking"):
    tenant = UnicodeAttribute()
    case_id = UnicodeAttribute()
    booking_id = UnicodeAttribute()
    unit_id = UnicodeAttribute()
    patient_ref = UnicodeAttribute()
    slot_id = UnicodeAttribute()
    starts_at = UnicodeAttribute()  # plain copies of the slot's start and form, for the stream's events
    form = UnicodeAttribute()
    slot = JSONAttribute()
    state = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    created_by = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()
    cancelled_at = UTCDateTimeAttribute(null=True)
    cancelled_by = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    reminder_sent_at = UTCDateTimeAttribute(null=True)


BOOKING_MODELS: tuple[type[Model], ...] = (AvailabilityItem, ScheduleExceptionItem, SlotItem, BookingItem)
SCHEDULE_KINDS: dict[str, tuple[type[_ScheduleItem], str]] = {
    "availability": (AvailabilityItem, AVAILABILITY_PREFIX),
    "exception": (ScheduleExceptionItem, EXCEPTION_PREFIX),
}


def configure() -> None:
    """Forget cached connections after ``dynamo.configure`` pointed the table elsewhere (called by bootstrap)."""
    for model in BOOKING_MODELS:
        model._connection = None


def _booking_from_item(item: BookingItem) -> Booking:
    return Booking(
        booking_id=item.booking_id,
        tenant=item.tenant,
        case_id=item.case_id,
        unit_id=item.unit_id,
        patient_ref=item.patient_ref,
        slot=Slot.from_dict(item.slot),
        state=BookingState(item.state),
        created_at=item.created_at,
        created_by=item.created_by,
        version=int(item.version or 0),
        updated_at=item.updated_at,
        cancelled_at=item.cancelled_at,
        cancelled_by=item.cancelled_by,
        reason=item.reason or "",
        reminder_sent_at=item.reminder_sent_at,
    )


def _item_from_booking(booking: Booking, now: datetime) -> BookingItem:
    item = BookingItem(
        pk=keys.case_pk(booking.tenant, booking.case_id),
        sk=BOOKING_SK,
        tenant=booking.tenant,
        case_id=booking.case_id,
        booking_id=booking.booking_id,
        unit_id=booking.unit_id,
        patient_ref=booking.patient_ref,
        slot_id=booking.slot.slot_id,
        starts_at=booking.slot.start.isoformat(),
        form=booking.slot.form,
        slot=booking.slot.to_dict(),
        state=booking.state.value,
        created_at=booking.created_at,
        created_by=booking.created_by,
        updated_at=booking.updated_at or now,
        cancelled_at=booking.cancelled_at,
        cancelled_by=booking.cancelled_by,
        reason=booking.reason or None,
        reminder_sent_at=booking.reminder_sent_at,
        gsi2pk=unit_bookings_pk(booking.tenant, booking.unit_id),
        gsi2sk=_time_sk(booking.slot.start, booking.booking_id),
    )
    if booking.version:  # unset for a first booking: pynamodb then checks "no version yet"
        item.version = booking.version
    return item


def _marker(tenant: str, idempotency: Idempotency, now: datetime) -> IdempotencyItem:
    subject, key, request_hash, result = idempotency
    return IdempotencyItem(
        pk=keys.idempotency_pk(tenant, subject),
        sk=key,
        request_hash=request_hash,
        result=result,
        ttl=now + IDEMPOTENCY_TTL,
    )


class DynamoBookings:
    """Availability, slots and bookings. ``before_commit`` (tests only) runs after a transaction is built and before
    it is sent: raising there shows that nothing of it is written."""

    def __init__(self, connection: Connection, *, before_commit: Callable[[str], None] | None = None) -> None:
        self._connection = connection
        self.before_commit = before_commit

    # --- availability ---

    def put_availability(self, tenant: str, availability: Availability) -> bool:
        """Store a new availability (False: one with this id is already stored; it is left as it is)."""
        return _create_once(
            AvailabilityItem(
                pk=availability_pk(tenant, availability.unit_id),
                sk=f"AV#{availability.availability_id}",
                tenant=tenant,
                unit_id=availability.unit_id,
                details=availability.to_dict(),
            )
        )

    def put_exception(self, tenant: str, unit_id: str, exception_id: str, exception: ScheduleException) -> bool:
        """Store a new exception (False: already stored)."""
        return _create_once(
            ScheduleExceptionItem(
                pk=availability_pk(tenant, unit_id),
                sk=f"EX#{exception_id}",
                tenant=tenant,
                unit_id=unit_id,
                details=exception.to_dict(),
            )
        )

    def schedule_of(self, tenant: str, unit_id: str) -> tuple[list[Availability], list[ScheduleException]]:
        """A unit's availability and exceptions (as in force now): one Query."""
        availability, exceptions = self.schedule_entries(tenant, unit_id)
        return [a.value for a in availability], [e.value for e in exceptions]

    def schedule_entries(
        self, tenant: str, unit_id: str
    ) -> tuple[list[ScheduleEntry[Availability]], list[ScheduleEntry[ScheduleException]]]:
        """A unit's availability and exceptions with their ids, versions and who changed them (not the removed
        ones): one strongly consistent Query, so a change just made is in it."""
        availability: list[ScheduleEntry[Availability]] = []
        exceptions: list[ScheduleEntry[ScheduleException]] = []
        for item in Entity.query(availability_pk(tenant, unit_id), consistent_read=True):
            if isinstance(item, AvailabilityItem) and item.removed_at is None:
                availability.append(_availability_entry(item))
            elif isinstance(item, ScheduleExceptionItem) and item.removed_at is None:
                exceptions.append(_exception_entry(item))
        return availability, exceptions

    def availability_entry(self, tenant: str, unit_id: str, availability_id: str) -> ScheduleEntry[Availability] | None:
        """One availability by its id (removed ones too, marked so); None: never stored, or forgotten."""
        item = _get(AvailabilityItem, availability_pk(tenant, unit_id), AVAILABILITY_PREFIX + availability_id)
        return _availability_entry(item) if isinstance(item, AvailabilityItem) else None

    def exception_entry(self, tenant: str, unit_id: str, exception_id: str) -> ScheduleEntry[ScheduleException] | None:
        item = _get(ScheduleExceptionItem, availability_pk(tenant, unit_id), EXCEPTION_PREFIX + exception_id)
        return _exception_entry(item) if isinstance(item, ScheduleExceptionItem) else None

    def save_availability(
        self, tenant: str, entry: ScheduleEntry[Availability], *, expected: int | None
    ) -> ScheduleEntry[Availability]:
        """Store the availability if the stored one still has version ``expected`` (None: if there is none yet);
        else Conflict. Returns it with its new version."""
        item = AvailabilityItem(
            pk=availability_pk(tenant, entry.value.unit_id),
            sk=AVAILABILITY_PREFIX + entry.entry_id,
            **_changed_by(tenant, entry.value.unit_id, entry, entry.value.to_dict()),
        )
        _save_versioned(item, expected)
        return _availability_entry(item)

    def save_exception(
        self, tenant: str, unit_id: str, entry: ScheduleEntry[ScheduleException], *, expected: int | None
    ) -> ScheduleEntry[ScheduleException]:
        """As :meth:`save_availability`, for an exception of the unit."""
        item = ScheduleExceptionItem(
            pk=availability_pk(tenant, unit_id),
            sk=EXCEPTION_PREFIX + entry.entry_id,
            **_changed_by(tenant, unit_id, entry, entry.value.to_dict()),
        )
        _save_versioned(item, expected)
        return _exception_entry(item)

    def remove_entry(
        self, tenant: str, unit_id: str, kind: str, entry_id: str, *, version: int, by: str, by_name: str, now: datetime
    ) -> None:
        """Remove an availability (``kind`` "availability") or exception ("exception") if it still has ``version``
        (else Conflict): it becomes a tombstone that names who removed it and when, kept for :data:`REMOVED_KEPT`."""
        model, prefix = SCHEDULE_KINDS[kind]
        item = model(pk=availability_pk(tenant, unit_id), sk=prefix + entry_id)
        item.version = version
        try:
            item.update(
                actions=[
                    _ScheduleItem.removed_at.set(now),
                    _ScheduleItem.removed_version.set(version),
                    _ScheduleItem.updated_by.set(by),
                    _ScheduleItem.updated_by_name.set(by_name or by),
                    _ScheduleItem.updated_at.set(now),
                    _ScheduleItem.ttl.set(now + REMOVED_KEPT),
                ],
                condition=Entity.pk.exists() & _ScheduleItem.removed_at.does_not_exist(),
            )
        except UpdateError as error:
            if condition_failed(error):
                raise Conflict("The schedule changed at the same time.") from error
            raise

    # --- slots ---

    def unit_slots(self, tenant: str, unit_id: str, start: datetime, end: datetime) -> list[tuple[Slot, bool]]:
        """The unit's stored slots starting in [start, end], each with whether it is taken: one Query."""
        items = Entity.owner_index.query(
            unit_slots_pk(tenant, unit_id), Entity.gsi2sk.between(_iso(start), _iso(end) + "~")
        )
        return [(Slot.from_dict(i.details), i.taken_by is not None) for i in items if isinstance(i, SlotItem)]

    def create_slots(self, tenant: str, unit_id: str, slots: list[Slot]) -> int:
        """Create these slots (conditional puts: a slot made meanwhile is left as it is). Returns how many were
        created."""
        created = 0
        for slot in slots:
            created += _create_once(
                SlotItem(
                    pk=slot_pk(tenant, slot.slot_id),
                    sk=SLOT_SK,
                    tenant=tenant,
                    slot_id=slot.slot_id,
                    unit_id=unit_id,
                    details=slot.to_dict(),
                    gsi1pk=free_pk(tenant, unit_id, slot.profession, slot.form),
                    gsi1sk=_time_sk(slot.start, slot.slot_id),
                    gsi2pk=unit_slots_pk(tenant, unit_id),
                    gsi2sk=_time_sk(slot.start, slot.slot_id),
                )
            )
        return created

    def change_free_slot(self, tenant: str, slot: Slot) -> bool:
        """Give a free slot new details (place, form, profession: the same person and time). False, and nothing
        changed, when it was taken meanwhile (or is gone)."""
        item = SlotItem(pk=slot_pk(tenant, slot.slot_id), sk=SLOT_SK)
        try:
            item.update(
                actions=[
                    SlotItem.details.set(slot.to_dict()),
                    SlotItem.gsi1pk.set(free_pk(tenant, slot.unit_id, slot.profession, slot.form)),
                    SlotItem.gsi1sk.set(_time_sk(slot.start, slot.slot_id)),
                ],
                condition=SlotItem.pk.exists() & SlotItem.taken_by.does_not_exist(),
                add_version_condition=False,
            )
        except UpdateError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def remove_free_slot(self, tenant: str, slot_id: str) -> bool:
        """Delete the slot only if it is still free. False when it was taken meanwhile: a booked time is never
        removed."""
        item = SlotItem(pk=slot_pk(tenant, slot_id), sk=SLOT_SK)
        try:
            item.delete(condition=SlotItem.taken_by.does_not_exist(), add_version_condition=False)
        except DeleteError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def free_slots(
        self, tenant: str, unit_id: str, profession: str, form: str, start: datetime, end: datetime, *, limit: int = 200
    ) -> list[Slot]:
        """Free slots starting in [start, end]: one Query of the sparse free-slot index."""
        items = Entity.queue_index.query(
            free_pk(tenant, unit_id, profession, form),
            Entity.gsi1sk.between(_iso(start), _iso(end) + "~"),
            limit=limit,
        )
        free = [i for i in items if isinstance(i, SlotItem)]
        return [Slot.from_dict(i.details) for i in free if i.taken_by is None]

    def slot(self, tenant: str, slot_id: str) -> tuple[Slot, str | None] | None:
        """The slot and the case holding it (None: free)."""
        item = self._slot_item(tenant, slot_id)
        return None if item is None else (Slot.from_dict(item.details), item.taken_by)

    def _slot_item(self, tenant: str, slot_id: str) -> SlotItem | None:
        try:
            item = SlotItem.get(slot_pk(tenant, slot_id), SLOT_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return item if isinstance(item, SlotItem) else None

    # --- bookings ---

    def current(self, tenant: str, case_id: str) -> Booking | None:
        try:
            item = BookingItem.get(keys.case_pk(tenant, case_id), BOOKING_SK, consistent_read=True)
        except DoesNotExist:
            return None
        return _booking_from_item(item) if isinstance(item, BookingItem) else None

    def of_unit(self, tenant: str, unit_id: str, start: datetime, end: datetime, *, limit: int = 500) -> list[Booking]:
        """A unit's bookings starting in [start, end], by start time: one Query."""
        items = Entity.owner_index.query(
            unit_bookings_pk(tenant, unit_id),
            Entity.gsi2sk.between(_iso(start), _iso(end) + "~"),
            limit=limit,
        )
        return [_booking_from_item(i) for i in items if isinstance(i, BookingItem)]

    def book(self, booking: Booking, *, now: datetime, idempotency: Idempotency) -> Booking:
        """Take the slot (only if free) and store the booking and the idempotency record: one transaction.
        SlotTaken when the slot was taken; Conflict when the booking changed meanwhile or the key was used."""
        slot_item = self._slot_item(booking.tenant, booking.slot.slot_id)
        if slot_item is None or slot_item.taken_by is not None:
            raise SlotTaken()
        item = _item_from_booking(booking, now)
        try:
            with TransactWrite(connection=self._connection) as tx:
                self._take(tx, slot_item, booking.case_id)
                tx.save(item)  # pynamodb adds the version condition (none yet, or the cancelled booking's)
                tx.save(_marker(booking.tenant, idempotency, now), condition=IdempotencyItem.pk.does_not_exist())
                self._before_commit("book")
        except TransactWriteError as error:
            raise self._cause(error, booking, taken_at=0) from error
        return _booking_from_item(item)

    def move(self, old: Booking, new: Booking, *, now: datetime, idempotency: Idempotency) -> Booking:
        """Reschedule: release the old slot, take the new one and update the booking in one transaction, so that
        either all three change or nothing does."""
        old_slot = self._slot_item(old.tenant, old.slot.slot_id)
        new_slot = self._slot_item(new.tenant, new.slot.slot_id)
        if new_slot is None or new_slot.taken_by is not None:
            raise SlotTaken()
        if old_slot is None or old_slot.taken_by != old.case_id:
            raise Conflict("The booking changed at the same time; reload it.")
        item = _item_from_booking(new, now)
        try:
            with TransactWrite(connection=self._connection) as tx:
                self._release(tx, old_slot, old.case_id)
                self._take(tx, new_slot, new.case_id)
                tx.save(item)
                tx.save(_marker(new.tenant, idempotency, now), condition=IdempotencyItem.pk.does_not_exist())
                self._before_commit("move")
        except TransactWriteError as error:
            raise self._cause(error, new, taken_at=1) from error
        return _booking_from_item(item)

    def end(self, booking: Booking, *, now: datetime, release: bool) -> Booking:
        """Store a cancelled (release the slot too, in the same transaction) or no-show booking."""
        item = _item_from_booking(booking, now)
        slot_item = self._slot_item(booking.tenant, booking.slot.slot_id) if release else None
        try:
            with TransactWrite(connection=self._connection) as tx:
                if slot_item is not None and slot_item.taken_by == booking.case_id:
                    self._release(tx, slot_item, booking.case_id)
                tx.save(item)
                self._before_commit("end")
        except TransactWriteError as error:
            raise Conflict(
                "The booking changed at the same time; reload it.",
                message_sv="Bokningen ändrades samtidigt. Ladda om sidan.",
            ) from error
        return _booking_from_item(item)

    def mark_reminded(self, booking: Booking, *, now: datetime) -> bool:
        """Mark the reminder as due (once): False when another run marked it first or the booking changed."""
        item = _item_from_booking(booking, now)
        item.reminder_sent_at = now
        try:
            item.save(condition=BookingItem.reminder_sent_at.does_not_exist())
        except PutError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def _cause(self, error: TransactWriteError, booking: Booking, *, taken_at: int) -> Conflict:
        """SlotTaken when the transaction failed because the slot was taken (by the reasons DynamoDB gives, or by
        reading the slot again); otherwise a plain Conflict."""
        now_held = self._slot_item(booking.tenant, booking.slot.slot_id)
        if _failed_on(error, taken_at) or now_held is None or now_held.taken_by not in (None, booking.case_id):
            return SlotTaken()
        return Conflict(
            "The booking changed at the same time, or this Idempotency-Key was used; reload and try again.",
            message_sv="Bokningen ändrades samtidigt. Ladda om sidan och försök igen.",
        )

    def _before_commit(self, operation: str) -> None:
        if self.before_commit is not None:
            self.before_commit(operation)

    @staticmethod
    def _take(tx: TransactWrite, slot: SlotItem, case_id: str) -> None:
        tx.update(
            slot,
            actions=[SlotItem.taken_by.set(case_id), SlotItem.gsi1pk.remove(), SlotItem.gsi1sk.remove()],
            condition=SlotItem.taken_by.does_not_exist(),
        )

    @staticmethod
    def _release(tx: TransactWrite, slot: SlotItem, case_id: str) -> None:
        details = Slot.from_dict(slot.details)
        tx.update(
            slot,
            actions=[
                SlotItem.taken_by.remove(),
                SlotItem.gsi1pk.set(free_pk(slot.tenant, slot.unit_id, details.profession, details.form)),
                SlotItem.gsi1sk.set(_time_sk(details.start, details.slot_id)),
            ],
            condition=SlotItem.taken_by == case_id,
        )


def _get(model: type[_ScheduleItem], pk: str, sk: str) -> _ScheduleItem | None:
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def _changed_by(tenant: str, unit_id: str, entry: ScheduleEntry[Any], details: dict[str, Any]) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "unit_id": unit_id,
        "details": details,
        "updated_by": entry.updated_by or None,
        "updated_by_name": entry.updated_by_name or None,
        "updated_at": entry.updated_at,
    }


def _entry_fields(item: _ScheduleItem) -> dict[str, Any]:
    return {
        "entry_id": item.sk.split("#", 1)[1],
        "version": int(item.version or 0),
        "updated_by": item.updated_by or "",
        "updated_by_name": item.updated_by_name or "",
        "updated_at": item.updated_at,
        "removed": item.removed_at is not None,
    }


def _availability_entry(item: _ScheduleItem) -> ScheduleEntry[Availability]:
    return ScheduleEntry(value=Availability.from_dict(item.details), **_entry_fields(item))


def _exception_entry(item: _ScheduleItem) -> ScheduleEntry[ScheduleException]:
    return ScheduleEntry(value=ScheduleException.from_dict(item.details), **_entry_fields(item))


def _save_versioned(item: _ScheduleItem, expected: int | None) -> None:
    """A put conditional on the stored version (pynamodb adds it and increments the version); a first one only if
    nothing has the key. Conflict when the condition fails."""
    if expected is not None:
        item.version = expected
    try:
        item.save(condition=Entity.pk.does_not_exist() if expected is None else None)
    except PutError as error:
        if condition_failed(error):
            raise Conflict("The schedule changed at the same time.") from error
        raise


def _failed_on(error: TransactWriteError, index: int) -> bool:
    reasons = error.cancellation_reasons
    return len(reasons) > index and reasons[index] is not None
